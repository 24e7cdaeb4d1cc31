-- CX layer: the optional columns of map_* (cost or margin, campaign and UTM
-- fields, jsonb properties, feedback channel and comment) and the checks made
-- when a mapping is made (doc/layer.md, "Mapping")
SET extra_float_digits = 0;
SET client_min_messages = warning;
-- run a statement, return its SQLSTATE and message (or 'ok'); err_detail adds the DETAIL
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.err_detail(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ' / ' || d;
END $$;

CREATE SCHEMA shop;
CREATE TABLE shop.orders (id int, who int, at timestamptz, total numeric(10, 2), cost float8, margin int,
                          bad_total float4, sku text);
INSERT INTO shop.orders VALUES
  (1, 7, '2026-01-05 10:00+00', 100.00, 60.5, 30, 1, 'a'),
  (2, 7, '2026-02-05 10:00+00', 50.00, NULL, 20, 'NaN', 'b'),
  (3, 8, '2026-02-06 10:00+00', 20.00, 25, 5, 'Infinity', 'a');
CREATE TABLE shop.web (visitor text, page text, at timestamp, chan text, camp varchar(20), src text, med text,
                       ref text, props json, props_text text);
INSERT INTO shop.web VALUES
  ('v-1', 'home', '2026-01-05 09:50', 'paid', 'spring', 'google', 'cpc', 'https://google.com', '{"device": "mobile"}', '{}'),
  ('7', 'product', '2026-01-05 09:55', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE shop.survey (who int8, at date, score int, big_score int, chan text, remark text, uid uuid);
INSERT INTO shop.survey VALUES
  (7, '2026-01-10', 9, 9, 'email', 'fast delivery', '00000000-0000-0000-0000-000000000007'),
  (8, '2026-02-10', 3, 1121, 'app', NULL, '00000000-0000-0000-0000-000000000008'),
  (8, '2026-02-11', NULL, 1500, 'app', 'late', '00000000-0000-0000-0000-000000000008');

-- cost: profit = amount - cost; a margin column instead gives cost = amount - margin
SELECT cxm.map_transactions('shop.orders', 'who', 'at', 'total', 'sku', cost => 'cost');
SELECT customer_id, amount, cost, product FROM cxm.transactions ORDER BY ts;
SELECT cxm.map_transactions('shop.orders', 'who', 'at', 'total', margin => 'margin');
SELECT customer_id, amount, cost, product FROM cxm.transactions ORDER BY ts;
SELECT pg_temp.err($$SELECT cxm.map_transactions('shop.orders', 'who', 'at', 'total', cost => 'cost', margin => 'margin')$$);
-- the old positional call still works and maps no cost
SELECT cxm.map_transactions('shop.orders', 'who', 'at', 'total', 'sku');
SELECT count(*) AS rows, count(cost) AS with_cost FROM cxm.transactions;
SELECT cxm.map_transactions('shop.orders', 'who', 'at', 'total', 'sku', cost => 'cost');
SELECT cost, margin FROM cxm.sources WHERE kind = 'transactions';

-- campaign, utm_source, utm_medium, referrer and jsonb properties (json is read as jsonb)
SELECT cxm.map_touchpoints('shop.web', 'visitor', 'page', 'at', 'chan', campaign => 'camp', utm_source => 'src',
                           utm_medium => 'med', referrer => 'ref', properties => 'props');
SELECT customer_id, touchpoint, channel, campaign, utm_source, utm_medium, referrer, properties,
       pg_typeof(properties) AS type FROM cxm.touchpoints ORDER BY ts;
SELECT pg_temp.err($$SELECT cxm.map_touchpoints('shop.web', 'visitor', 'page', 'at', properties => 'props_text')$$);
SELECT pg_temp.err($$SELECT cxm.map_touchpoints('shop.web', 'visitor', 'page', 'at', campaign => 'nope')$$);

-- feedback channel and comment; without a channel column the relation's name is the channel
SELECT cxm.map_feedback('shop.survey', 'who', 'at', 'score', channel => 'chan', comment => 'remark');
SELECT customer_id, score, channel, comment FROM cxm.feedback ORDER BY ts;
SELECT pg_temp.err($$SELECT cxm.map_feedback('shop.survey', 'who', 'at', 'score', channel => 'missing')$$);

-- checks when the mapping is made: each refuses the wrong column, names the
-- table and the column, counts the bad rows and shows one
-- a score column must hold answers 0-10 (an id column given as the score)
SELECT pg_temp.err($$SELECT cxm.map_feedback('shop.survey', 'who', 'at', 'big_score')$$);
-- an amount, cost or margin must be a finite number
SELECT pg_temp.err($$SELECT cxm.map_transactions('shop.orders', 'who', 'at', 'bad_total')$$);
SELECT pg_temp.err($$SELECT cxm.map_transactions('shop.orders', 'who', 'at', 'total', cost => 'bad_total')$$);
SELECT pg_temp.err($$SELECT cxm.map_transactions('shop.orders', 'who', 'at', 'total', cost => 'sku')$$);
-- a time column must be a date/time type, and finite
SELECT pg_temp.err($$SELECT cxm.map_transactions('shop.orders', 'who', 'total', 'total')$$);
CREATE TABLE shop.late (who int, at timestamp, total int);
INSERT INTO shop.late VALUES (7, 'infinity', 1), (7, '2026-01-01', 2), (8, '-infinity', 3);
SELECT pg_temp.err($$SELECT cxm.map_transactions('shop.late', 'who', 'at', 'total')$$);
-- customer ids of one family: uuid ids never equal integer ids as text
SELECT pg_temp.err($$SELECT cxm.map_feedback('shop.survey', 'uid', 'at', 'score')$$);
-- a text id goes with any, touchpoint ids may be visitor ids of another kind
CREATE TABLE shop.visits (device uuid, page text, at timestamptz);
SELECT cxm.map_touchpoints('shop.visits', 'device', 'page', 'at');
SELECT cxm.unmap('shop.visits');
-- a refused mapping changed nothing
SELECT kind, source_name, cost, campaign, channel, comment FROM cxm.sources ORDER BY 1, 2;

-- a value written after the mapping was made: the view that reads it raises
-- an error whose DETAIL names the mapping
UPDATE shop.survey SET score = 11 WHERE score = 3;
SELECT pg_temp.err_detail($$SELECT * FROM cxm.feedback$$);
SELECT pg_temp.err_detail($$SELECT * FROM cxm.nps_monthly_live$$);
UPDATE shop.survey SET score = 3 WHERE score = 11;
UPDATE shop.orders SET cost = 'NaN' WHERE id = 1;
SELECT pg_temp.err_detail($$SELECT sum(cost) FROM cxm.transactions$$);
UPDATE shop.orders SET cost = 60.5 WHERE id = 1;
SELECT count(*), sum(cost) FROM cxm.transactions;

SELECT cxm.unmap(source) FROM (SELECT DISTINCT source FROM cxm.sources) s;
DROP SCHEMA shop CASCADE;
