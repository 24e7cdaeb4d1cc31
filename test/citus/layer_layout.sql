-- The layout of the CX layer on a Citus cluster (doc/scale-out.md, "The CX
-- layer on Citus"), applied by make check-citus (test/citus/layer.sh) to the
-- demo shop of test/demo/05_layer_data.sql.
SET client_min_messages = warning;

-- 1. Customer-keyed sources, distributed by the id column they are mapped
--    with and co-located: a customer's orders, answers, e-mails and master
--    row are on one shard.  (A primary key must contain the distribution
--    column.)
ALTER TABLE demo.shop_orders DROP CONSTRAINT shop_orders_pkey, ADD PRIMARY KEY ("Client No", "Order#");
ALTER TABLE demo.nps_survey DROP CONSTRAINT nps_survey_pkey, ADD PRIMARY KEY ("Client No", "Response ID");
SELECT create_distributed_table('demo.crm_clients', 'Client No', shard_count => 4);
SELECT create_distributed_table('demo.shop_orders', 'Client No', colocate_with => 'demo.crm_clients');
SELECT create_distributed_table('demo.nps_survey', 'Client No', colocate_with => 'demo.crm_clients');
SELECT create_distributed_table('demo.email', 'recipient', colocate_with => 'demo.crm_clients');

-- 2. Visitor-keyed sources (the web clickstream, keyed by cookie), by that id
--    (another type: its own co-location group).
SELECT create_distributed_table('demo.clickstream', 'cookie_id', shard_count => 4);

-- 3. Reference tables (a copy on every node): the identity links and cxm's
--    identity map, so that stitching a row to its customer is a join on the
--    worker that holds the row.
SELECT create_reference_table('demo.login_links');
SELECT create_reference_table('cxm.identity_map');

-- 4. The per-profile snapshots, distributed by the profile id and co-located:
--    refresh()'s dashboard aggregates group them on the workers.  The
--    dashboard snapshots and bases (a few hundred rows), cxm.settings and
--    cxm.models stay on the coordinator.
SELECT create_distributed_table('cxm.customer_360_snapshot', 'customer_id', shard_count => 4);
SELECT create_distributed_table('cxm.customer_journeys_snapshot', 'customer_id', colocate_with => 'cxm.customer_360_snapshot');
SELECT create_distributed_table('cxm.profile_months_snapshot', 'customer_id', colocate_with => 'cxm.customer_360_snapshot');
SELECT create_distributed_table('cxm.churn_risk_snapshot', 'customer_id', colocate_with => 'cxm.customer_360_snapshot');

-- 5. refresh()'s stage (src/sql/layer_citus.sql), by customer_id with the
--    per-profile snapshots: refresh() copies the stitched rows there keyed by
--    profile (repartitioned between the workers), and its per-profile pass
--    groups them on the workers, next to the profiles' snapshot rows.
SELECT create_distributed_table('cxm.layer_citus_' || t, 'customer_id', colocate_with => 'cxm.customer_360_snapshot')
FROM unnest('{touchpoints,transactions,feedback,customers,identities}'::text[]) t;

-- 6. refresh()'s digests of the sources' rows (src/sql/layer_citus.sql), by
--    the mapped id with the per-profile snapshots: each worker computes the
--    digests of its shards and compares them with those of the last refresh.
SELECT create_distributed_table('cxm.layer_citus_' || t, 'raw_id', colocate_with => 'cxm.customer_360_snapshot')
FROM unnest('{digest,digest_new}'::text[]) t;

-- the rows copied into the shards stay on the coordinator's shell tables
-- until truncated: truncate them, so that a query planned as local by
-- mistake reads nothing instead of a stale copy
SELECT truncate_local_data_after_distributing_table(logicalrelid) FROM pg_dist_partition;

