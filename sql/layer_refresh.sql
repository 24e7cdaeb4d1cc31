-- CX layer, part 4: snapshots kept fresh incrementally, point lookups, who
-- may read the snapshots, the refresh log and the schedule (doc/layer.md)
SET extra_float_digits = 0;
-- refresh() reports its steps as NOTICEs with timings
SET client_min_messages = warning;
SET jit = off;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE SCHEMA demo;
\getenv abs_srcdir PG_ABS_SRCDIR
\set datafile :abs_srcdir '/test/demo/05_layer_data.sql'
\set layer_customers 120
\set ECHO none
\i :datafile
\set ECHO all
-- indexes on the mapped id columns, as doc/layer.md recommends
CREATE INDEX ON demo.clickstream (cookie_id);
CREATE INDEX ON demo.shop_orders ("Client No");
CREATE INDEX ON demo.email ((recipient::text));
CREATE INDEX ON demo.nps_survey ((("Client No")::text));
CREATE INDEX ON demo.shop_orders ((("Client No")::text));
CREATE INDEX ON demo.crm_clients ((("Client No")::text));
CREATE INDEX ON demo.login_links ((("Client No")::text));
SELECT cxm.map_customers('demo.crm_clients', 'Client No', 'Signed Up');
SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Ordered At', 'Total EUR', 'Category', cost => 'Cost EUR');
SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel', campaign => 'utm_campaign');
SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
SELECT cxm.map_identities('demo.login_links', 'Cookie', 'Client No');
SELECT cxm.map_feedback('demo.nps_survey', 'Client No', 'Submitted', 'Q1 Score', channel => 'Channel');
UPDATE cxm.settings SET as_of = '2026-07-01 00:00+00', funnel_steps = '{home,product,cart,checkout}';
-- every table source got capture triggers
SELECT source_name, kind, captured FROM cxm.sources ORDER BY 1, 2;

-- materialised is the default (the layer test switched it off); the views
-- read live data until the first refresh
UPDATE cxm.settings SET materialized = DEFAULT;
SELECT materialized FROM cxm.settings;
SELECT pg_get_viewdef('cxm.kpi_monthly') LIKE '%kpi_monthly_live%' AS kpi_reads_live;
SELECT cxm.refresh();
SELECT pg_get_viewdef('cxm.kpi_monthly') LIKE '%kpi_monthly_snapshot%' AS kpi_reads_snapshot,
       pg_get_viewdef('cxm.customer_360') LIKE '%customer_360_snapshot%' AS c360_reads_snapshot;
SELECT mode, rows_changed IS NOT NULL AS logged, finished_at >= started_at AS timed, error
FROM cxm.refresh_log LIMIT 1;
-- the snapshots hold exactly the live rows
CREATE FUNCTION pg_temp.snapshots_equal_live() RETURNS TABLE (view_name text, differing bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v text;
  n bigint;
BEGIN
  FOREACH v IN ARRAY ARRAY['customer_360', 'customer_journeys', 'kpi_monthly', 'nps_monthly', 'cohort_retention',
                           'funnel_conversion', 'channel_attribution', 'journey_transitions', 'rfm_segments',
                           'value_concentration', 'channel_mix_value', 'visitor_segments'] LOOP
    EXECUTE format('SELECT (SELECT count(*) FROM (SELECT * FROM cxm.%1$I EXCEPT ALL SELECT * FROM cxm.%2$I) a)
                         + (SELECT count(*) FROM (SELECT * FROM cxm.%2$I EXCEPT ALL SELECT * FROM cxm.%1$I) b)',
                   v, v || '_live') INTO n;
    view_name := v; differing := n;
    RETURN NEXT;
  END LOOP;
END $$;
SELECT * FROM pg_temp.snapshots_equal_live() WHERE differing <> 0;
SELECT count(*) > 0 AS has_rows FROM cxm.kpi_monthly;

-- Point lookups: the stored cut points and models make one customer's row a
-- read of that customer's rows only.  Materialised: the snapshot's key.
EXPLAIN (COSTS OFF) SELECT * FROM cxm.customer_360 WHERE customer_id = '1001';
-- live: no source is read in full (sequential scans made unattractive, as
-- they are on large tables)
CREATE FUNCTION pg_temp.plan(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP RETURN NEXT r."QUERY PLAN"; END LOOP;
END $$;
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE l ~ 'Seq Scan on (clickstream|email|shop_orders|nps_survey|login_links|crm_clients)') AS full_scans,
       count(*) FILTER (WHERE l ~ 'Index.* Scan .*on (clickstream|shop_orders)') > 0 AS uses_indexes
FROM pg_temp.plan($$SELECT * FROM cxm.customer_360_live WHERE customer_id = '1001'$$) l;
RESET enable_seqscan;
-- and reads only that customer's rows: no scan of a source returns more rows
-- than the customer has there (a filter that did not reach the scans would
-- read every row, with or without sequential scans)
CREATE FUNCTION pg_temp.source_rows(q text) RETURNS TABLE (node text, rows bigint) LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  SET LOCAL enable_seqscan = off;
  FOR r IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF r."QUERY PLAN" ~ 'Scan .*on (clickstream|email|shop_orders|nps_survey|crm_clients)\M' THEN
      node := substring(r."QUERY PLAN" from 'on (\w+)');
      rows := substring(r."QUERY PLAN" from 'rows=(\d+)')::bigint;
      RETURN NEXT;
    END IF;
  END LOOP;
END $$;
SELECT v, count(*) > 0 AS scans, max(s.rows) <= 10 AS few_rows
FROM unnest(ARRAY['customer_360_live', 'customer_journeys_live']) v,
     LATERAL pg_temp.source_rows(format('SELECT * FROM cxm.%I WHERE customer_id = %L', v, '1001')) s
GROUP BY v ORDER BY v;
-- and the lookup gives that customer's row of the full view
SELECT (SELECT c FROM cxm.customer_360_live c WHERE customer_id = '1001')::text
     = (SELECT c FROM cxm.customer_360_live c WHERE customer_id || '' = '1001')::text AS same_row;

-- the dashboard views read their small snapshot tables: their cost does not
-- grow with the sources, so no JIT compilation is triggered
SELECT v, count(*) FILTER (WHERE l ~ 'Seq Scan on \w+_snapshot') AS snapshot_scans,
       count(*) FILTER (WHERE l ~ 'Function Scan|Aggregate|WindowAgg|on (clickstream|shop_orders)') AS heavy_nodes
FROM unnest(ARRAY['kpi_monthly', 'nps_monthly', 'cohort_retention', 'funnel_conversion', 'channel_attribution',
                  'journey_transitions', 'rfm_segments', 'value_concentration', 'channel_mix_value',
                  'visitor_segments']) v,
     LATERAL pg_temp.plan(format('SELECT * FROM cxm.%I', v)) l
GROUP BY v ORDER BY v;

-- Incremental refresh: random inserts, updates and deletes in every source,
-- late rows included; after each round refresh() (incremental) must give the
-- same snapshots, row for row, as refresh(full => true) with the same models.
CREATE FUNCTION pg_temp.snapshot_digest() RETURNS TABLE (snapshot text, n bigint, digest text)
LANGUAGE plpgsql AS $$
DECLARE
  s text;
BEGIN
  FOR s IN SELECT x.snapshot FROM cxm.layer_snapshots() x LOOP
    RETURN QUERY EXECUTE format('SELECT %L, count(*), md5(string_agg(t::text, ''|'' ORDER BY t::text)) FROM cxm.%I t', s, s);
  END LOOP;
END $$;
CREATE FUNCTION pg_temp.change_round(seed float8) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  next_order bigint := (SELECT max("Order#") + 1 FROM demo.shop_orders);
BEGIN
  PERFORM setseed(seed);
  -- new web events of known and new visitors, some older than everything else
  INSERT INTO demo.clickstream
  SELECT CASE WHEN random() < 0.3 THEN 'ck-new-' || (random() * 20)::int ELSE c.cookie_id END,
         (ARRAY['home', 'product', 'cart', 'checkout'])[1 + (random() * 3)::int],
         CASE WHEN random() < 0.2 THEN timestamp '2025-02-01' ELSE timestamp '2026-06-20' END + random() * interval '9 days',
         (ARRAY['seo', 'ads', 'social', NULL])[1 + (random() * 3)::int],
         (ARRAY['spring', 'brand', NULL])[1 + (random() * 2)::int]
  FROM (SELECT cookie_id FROM demo.clickstream ORDER BY random() LIMIT 25) c;
  -- orders: new ones (one late), a changed amount, a moved order, a deleted one
  INSERT INTO demo.shop_orders
  SELECT next_order + o.n, o."Client No",
         CASE WHEN o.n = 1 THEN o."Ordered At" - interval '200 days' ELSE o."Ordered At" + interval '3 days' END,
         o."Total EUR" + o.n, o."Category", o.online, o."Cost EUR" + o.n
  FROM (SELECT x.*, row_number() OVER () AS n FROM (SELECT * FROM demo.shop_orders ORDER BY random() LIMIT 6) x) o;
  UPDATE demo.shop_orders SET "Total EUR" = "Total EUR" * 2
  WHERE "Order#" = (SELECT "Order#" FROM demo.shop_orders ORDER BY random() LIMIT 1);
  -- a cost changed, one removed (its customer's and month's cost become unknown)
  UPDATE demo.shop_orders SET "Cost EUR" = CASE WHEN random() < 0.5 THEN NULL ELSE "Cost EUR" + 1 END
  WHERE "Order#" = (SELECT "Order#" FROM demo.shop_orders ORDER BY random() LIMIT 1);
  UPDATE demo.shop_orders SET "Client No" = (SELECT "Client No" FROM demo.crm_clients ORDER BY random() LIMIT 1)
  WHERE "Order#" = (SELECT "Order#" FROM demo.shop_orders ORDER BY random() LIMIT 1);
  DELETE FROM demo.shop_orders WHERE "Order#" = (SELECT "Order#" FROM demo.shop_orders ORDER BY random() LIMIT 1);
  -- emails, NPS answers (one without a score), a deleted answer
  INSERT INTO demo.email SELECT "Client No", 'email_open', timestamptz '2026-06-25' + random() * interval '5 days'
  FROM demo.crm_clients ORDER BY random() LIMIT 5;
  INSERT INTO demo.nps_survey
  SELECT (SELECT max("Response ID") FROM demo.nps_survey) + c.n, c."Client No", timestamptz '2026-05-01' + random() * interval '50 days',
         CASE WHEN c.n = 1 THEN NULL ELSE (random() * 10)::int END,
         (ARRAY['email', 'in_app', NULL])[1 + (random() * 2)::int]
  FROM (SELECT "Client No", row_number() OVER () AS n FROM (SELECT * FROM demo.crm_clients ORDER BY random() LIMIT 4) x) c;
  DELETE FROM demo.nps_survey WHERE "Response ID" = (SELECT "Response ID" FROM demo.nps_survey ORDER BY random() LIMIT 1);
  -- identity links: a new link (a visitor's whole history moves), a moved and a removed one
  INSERT INTO demo.login_links
  SELECT x.cookie_id, (SELECT "Client No" FROM demo.crm_clients ORDER BY random() LIMIT 1)
  FROM (SELECT DISTINCT cookie_id FROM demo.clickstream c
        WHERE NOT EXISTS (SELECT 1 FROM demo.login_links l WHERE l."Cookie" = c.cookie_id) ORDER BY 1 LIMIT 1) x;
  UPDATE demo.login_links SET "Client No" = (SELECT "Client No" FROM demo.crm_clients ORDER BY random() LIMIT 1)
  WHERE "Cookie" = (SELECT "Cookie" FROM demo.login_links ORDER BY random() LIMIT 1);
  DELETE FROM demo.login_links WHERE "Cookie" = (SELECT "Cookie" FROM demo.login_links ORDER BY random() LIMIT 1);
  -- a new customer in the master and a changed sign-up date
  INSERT INTO demo.crm_clients SELECT max("Client No") + 1, date '2026-06-01', 'bronze', 'web', false FROM demo.crm_clients;
  UPDATE demo.crm_clients SET "Signed Up" = "Signed Up" - 10
  WHERE "Client No" = (SELECT "Client No" FROM demo.crm_clients ORDER BY random() LIMIT 1);
END $$;
-- purchases and answers of anonymous visitors too (guest checkouts and an
-- on-site survey, by cookie): a new link moves them to a customer
CREATE TABLE demo.guest_orders (cookie text, at timestamptz, total numeric);
CREATE INDEX ON demo.guest_orders (cookie);
INSERT INTO demo.guest_orders
SELECT c.cookie_id, timestamptz '2026-03-01' + n * interval '17 days', 10 + n
FROM (SELECT DISTINCT cookie_id FROM demo.clickstream ORDER BY 1 LIMIT 30) c, generate_series(1, 2) n;
CREATE TABLE demo.site_survey (cookie text, at timestamptz, score int);
CREATE INDEX ON demo.site_survey (cookie);
INSERT INTO demo.site_survey
SELECT c.cookie_id, timestamptz '2026-04-01', 3 + length(c.cookie_id) % 7
FROM (SELECT DISTINCT cookie_id FROM demo.clickstream ORDER BY 1 LIMIT 30 OFFSET 15) c;
SELECT cxm.map_transactions('demo.guest_orders', 'cookie', 'at', 'total');
SELECT cxm.map_feedback('demo.site_survey', 'cookie', 'at', 'score');
SELECT cxm.refresh();
CREATE FUNCTION pg_temp.guest_round() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO demo.guest_orders
  SELECT c.cookie_id, timestamptz '2026-06-10' + random() * interval '10 days', round((random() * 50)::numeric, 2)
  FROM (SELECT d.cookie_id FROM (SELECT DISTINCT cookie_id FROM demo.clickstream) d ORDER BY random() LIMIT 3) c;
  INSERT INTO demo.site_survey
  SELECT c.cookie_id, timestamptz '2026-06-10' + random() * interval '10 days', (random() * 10)::int
  FROM (SELECT d.cookie_id FROM (SELECT DISTINCT cookie_id FROM demo.clickstream) d ORDER BY random() LIMIT 3) c;
  DELETE FROM demo.guest_orders WHERE ctid = (SELECT ctid FROM demo.guest_orders ORDER BY random() LIMIT 1);
  -- a guest who buys and answers signs in: the link moves both to a customer
  INSERT INTO demo.login_links
  SELECT g.cookie, (SELECT "Client No" FROM demo.crm_clients ORDER BY random() LIMIT 1)
  FROM (SELECT DISTINCT o.cookie FROM demo.guest_orders o JOIN demo.site_survey a ON a.cookie = o.cookie
        WHERE NOT EXISTS (SELECT 1 FROM demo.login_links l WHERE l."Cookie" = o.cookie) ORDER BY 1 LIMIT 1) g;
END $$;
CREATE TEMP TABLE rounds (round int, mode text, same boolean, changed bigint);
DO $$
BEGIN
  FOR r IN 1..6 LOOP
    PERFORM pg_temp.change_round(r / 10.0);
    PERFORM pg_temp.guest_round();
    PERFORM cxm.refresh();
    CREATE TEMP TABLE incr AS SELECT * FROM pg_temp.snapshot_digest();
    PERFORM cxm.refresh(full => true);
    INSERT INTO rounds
    SELECT r, (SELECT mode FROM cxm.refresh_log OFFSET 1 LIMIT 1),
           NOT EXISTS (SELECT * FROM incr EXCEPT SELECT * FROM pg_temp.snapshot_digest())
           AND NOT EXISTS (SELECT * FROM pg_temp.snapshot_digest() EXCEPT SELECT * FROM incr),
           (SELECT sum(j.v::bigint) FROM (SELECT rows_changed FROM cxm.refresh_log OFFSET 1 LIMIT 1) l,
                   jsonb_each_text(l.rows_changed) j(k, v));
    DROP TABLE incr;
  END LOOP;
END $$;
SELECT round, mode, same, changed > 0 AS logged_changes FROM rounds ORDER BY round;
-- and the snapshots still equal the live views
SELECT * FROM pg_temp.snapshots_equal_live() WHERE differing <> 0;
-- guests' purchases and answers ended up with customers
SELECT count(*) > 0 AS linked_guest_orders FROM demo.guest_orders g JOIN cxm.identity_map m ON m.anonymous_id = g.cookie;
SELECT count(*) > 0 AS linked_guest_answers FROM demo.site_survey g JOIN cxm.identity_map m ON m.anonymous_id = g.cookie;
SELECT cxm.unmap('demo.guest_orders'), cxm.unmap('demo.site_survey');
SELECT cxm.refresh();

-- an incremental refresh with nothing changed recomputes nothing
SELECT cxm.refresh();
SELECT mode, rows_changed FROM cxm.refresh_log LIMIT 1;
-- TRUNCATE of a source: the next refresh is a full one
CREATE TABLE demo.extra_events (visitor text, what text, at timestamptz);
INSERT INTO demo.extra_events VALUES ('1001', 'home', '2026-06-01');
SELECT cxm.map_touchpoints('demo.extra_events', 'visitor', 'what', 'at');
SELECT cxm.refresh();
TRUNCATE demo.extra_events;
SELECT cxm.refresh();
SELECT mode FROM cxm.refresh_log LIMIT 2;
SELECT cxm.unmap('demo.extra_events');
-- a source without capture triggers (a view) makes every refresh a full one
CREATE VIEW demo.more_answers AS SELECT "Client No", "Submitted", "Q1 Score" FROM demo.nps_survey WHERE false;
SELECT cxm.map_feedback('demo.more_answers', 'Client No', 'Submitted', 'Q1 Score');
SELECT captured FROM cxm.sources WHERE source = 'demo.more_answers'::regclass;
SELECT cxm.refresh();
SELECT cxm.refresh();
SELECT mode FROM cxm.refresh_log LIMIT 1;
SELECT cxm.unmap('demo.more_answers');
-- refit: the models are fitted again
SELECT fitted_at AS before FROM cxm.models \gset
SELECT cxm.refresh(refit => true);
SELECT fitted_at > :'before' AS refitted, (SELECT mode FROM cxm.refresh_log LIMIT 1) FROM cxm.models;
SELECT pg_temp.err('SELECT cxm.refresh(NULL)');

-- Who may read the snapshots: a role under a row-level security policy of a
-- source gets an error naming the live view, even when SELECT is granted on
-- every table of the schema; without the policy it reads them
CREATE ROLE regress_cx_all;
CREATE ROLE regress_cx_half;
GRANT USAGE ON SCHEMA demo, cxm TO regress_cx_all, regress_cx_half;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO regress_cx_all, regress_cx_half;
GRANT SELECT ON ALL TABLES IN SCHEMA cxm TO regress_cx_all, regress_cx_half;
ALTER TABLE demo.shop_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY everything ON demo.shop_orders FOR SELECT TO regress_cx_all USING (true);
CREATE POLICY online_only ON demo.shop_orders FOR SELECT TO regress_cx_half USING (online);
-- a policy that lets the role see everything still counts as a policy: the
-- role reads the live views (cxm cannot prove the policy hides nothing)
SET ROLE regress_cx_all;
SELECT pg_temp.err('SELECT count(*) FROM cxm.customer_360');
RESET ROLE;
SET ROLE regress_cx_half;
SELECT pg_temp.err('SELECT count(*) FROM cxm.customer_360');
SELECT pg_temp.err('SELECT count(*) FROM cxm.kpi_monthly');
SELECT pg_temp.err('SELECT count(*) FROM cxm.customer_360_snapshot');
SELECT pg_temp.err('SELECT count(*) FROM cxm.churn_risk');
-- the live view applies the policy: only the online orders' revenue
SELECT sum(revenue) = (SELECT sum("Total EUR") FROM demo.shop_orders) AS revenue_of_visible_orders
FROM cxm.customer_360_live;
RESET ROLE;
SELECT sum(revenue) > (SELECT sum("Total EUR") FROM demo.shop_orders WHERE online) AS owner_sees_all
FROM cxm.customer_360;
DROP POLICY everything ON demo.shop_orders;
DROP POLICY online_only ON demo.shop_orders;
ALTER TABLE demo.shop_orders DISABLE ROW LEVEL SECURITY;
-- without the policy, the plain reader reads the snapshots
SET ROLE regress_cx_half;
SELECT pg_temp.err('SELECT count(*) FROM cxm.customer_360');
RESET ROLE;
REVOKE SELECT ON demo.nps_survey FROM regress_cx_half;
SET ROLE regress_cx_half;
SELECT pg_temp.err('SELECT count(*) FROM cxm.nps_monthly');
RESET ROLE;

-- Schedule: pg_cron is not installed in the test server
SELECT pg_temp.err($$SELECT cxm.schedule_refresh('10 minutes')$$);
SELECT e, cxm.layer_cron_spec(e::interval)
FROM unnest(ARRAY['30 seconds', '1 minute', '15 minutes', '2 hours', '1 day', '7 days']) e;
SELECT pg_temp.err($$SELECT cxm.layer_cron_spec('7 minutes')$$), pg_temp.err($$SELECT cxm.layer_cron_spec('0.5 seconds')$$);
SELECT cxm.unschedule_refresh();

-- Reference time: settings.as_of, or the end of the current day
UPDATE cxm.settings SET as_of = NULL;
SELECT cxm.layer_as_of() = date_trunc('day', now()) + interval '1 day' AS end_of_today;
-- set_materialized(false): every view reads live data again, snapshots emptied
SELECT cxm.set_materialized(false);
SELECT pg_get_viewdef('cxm.customer_360') LIKE '%customer_360_live%' AS live_again,
       (SELECT count(*) FROM cxm.customer_360_snapshot) AS snapshot_rows;

-- leave the layer as the next tests expect it: nothing mapped, no model
SELECT cxm.unmap(s) FROM (SELECT DISTINCT source AS s FROM cxm.sources) x;
UPDATE cxm.settings SET materialized = true, funnel_steps = NULL;
DELETE FROM cxm.models;
SELECT cxm.bandit_drop('demo_checkout');
DROP OWNED BY regress_cx_all, regress_cx_half;
DROP ROLE regress_cx_all;
DROP ROLE regress_cx_half;
DROP SCHEMA demo CASCADE;
