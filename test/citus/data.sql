-- Generated data of make check-citus (test/citus/check.sh): each table once
-- as a plain table on the coordinator (<name>_local, the one-node answer)
-- and once distributed by customer_id.  Deterministic: every value is a
-- function of the row numbers.
SET client_min_messages = warning;

-- events: 600 customers, 0..39 events each, over 2024; seg is another column
CREATE TABLE events_local AS
SELECT c::int8 AS customer_id, (c % 7)::int4 AS seg,
       (ARRAY['email', 'search', 'social', 'direct'])[1 + (c * 31 + i * 17) % 4] AS channel,
       (ARRAY['visit', 'signup', 'cart', 'buy', 'support'])[1 + (c * 13 + i * 7) % 5] AS touchpoint,
       '2024-01-01 00:00+00'::timestamptz + ((c * 7919 + i * 104729) % 525600) * interval '1 minute' AS ts,
       round(((c * 37 + i * 53) % 20000) / 100.0 + 0.01, 2)::numeric AS amount,
       ((c * 11 + i * 3) % 11)::int4 AS score,
       ARRAY[(c + i) % 3 = 0, (c + 2 * i) % 4 = 1, (c * i) % 5 = 2] AS steps
FROM generate_series(1, 600) c, generate_series(1, 40) i
WHERE i <= (c * 7) % 40;

-- per customer: frequency, recency, T (weeks) and mean spend: the CDNOW
-- summary (test/data/README.md), on which every fit converges quickly; its
-- first 350 customers
CREATE TABLE cdnow_in (id int, x float8, t_x float8, t float8, zbar float8);
\copy cdnow_in FROM 'test/data/cdnow_customers_summary_with_transactions.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE customers_local AS
SELECT id::int8 AS customer_id, (id % 3)::int4 AS seg, x AS frequency, t_x AS recency, t,
       zbar AS monetary
FROM cdnow_in
WHERE id <= 350;   -- a fit per customer (grouped by customer_id) takes a while
-- (seg = id % 3: with id % 7 = 5, pareto_nbd_fit runs for minutes on those 50 customers)
DROP TABLE cdnow_in;

-- per customer: a journey (attribution, markov_conversion) and a basket (assoc_rules)
CREATE TABLE journeys_local AS
SELECT c::int8 AS customer_id, (c % 7)::int4 AS seg,
       (SELECT array_agg((ARRAY['email', 'search', 'social', 'direct', 'ads'])[1 + (c * 3 + k * k) % 5] ORDER BY k)
          FROM generate_series(1, 1 + c % 5) k) AS path,
       ((c * 13) % 3 = 0)::int::float8 AS conv,
       (SELECT array_agg((ARRAY['tea', 'cup', 'pot', 'milk', 'sugar', 'lemon'])[1 + (c * k + k) % 6] ORDER BY k)
          FROM generate_series(1, 1 + c % 4) k) AS basket
FROM generate_series(1, 600) c;

-- states: partial states of events' rows, several per customer (by
-- quarter), for the aggregates that merge them (layer_*_merge_agg) and
-- layer_array_cat_agg
CREATE TABLE states_local AS
SELECT customer_id, seg,
       cxm.layer_touch_state_agg(ts, touchpoint, channel, 'spring', '30 minutes') AS touch,
       cxm.layer_rfm_state_agg(ts, amount, '2025-01-01 00:00+00', '1 day') AS rfm,
       array_agg(score ORDER BY ts, score) AS scores
FROM events_local
GROUP BY customer_id, seg, extract(quarter FROM ts);

CREATE TABLE events (LIKE events_local);
CREATE TABLE states (LIKE states_local);
CREATE TABLE customers (LIKE customers_local);
CREATE TABLE journeys (LIKE journeys_local);
SELECT create_distributed_table('events', 'customer_id', shard_count => 4);
SELECT create_distributed_table('customers', 'customer_id', colocate_with => 'events');
SELECT create_distributed_table('journeys', 'customer_id', colocate_with => 'events');
SELECT create_distributed_table('states', 'customer_id', colocate_with => 'events');
INSERT INTO events SELECT * FROM events_local;
INSERT INTO customers SELECT * FROM customers_local;
INSERT INTO journeys SELECT * FROM journeys_local;
INSERT INTO states SELECT * FROM states_local;
ANALYZE;
