-- The shared row log of hash aggregation (doc/journeys.md, doc/funnels.md):
-- journey_path and journey_funnel keep the rows of every group of a hash
-- table in one log, grouped at the first final call.  Every plan shape that
-- can reach it must give the answers of the independent plain SQL (paths)
-- or of sorted grouping, which keeps per-group states (funnels; those are
-- checked against plain SQL in funnel.sql): the plain hash table, a hash
-- table spilled to disk, sorted grouping, window use, parallel partial
-- states combined into a hash table, grouping sets mixing hashing and
-- sorting, rescans, and two logs in one node.

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the plan's node types and the batches of its hash aggregation
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  j json;
  kinds text;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q INTO j;
  SELECT string_agg(DISTINCT trim(coalesce(n ->> 'Partial Mode', '') || ' ' || (n ->> 'Node Type')
                    || coalesce(' ' || (n ->> 'Strategy'), '')
                    || CASE WHEN (n ->> 'HashAgg Batches')::int > 1 THEN ' spilled' ELSE '' END), ', ')
    INTO kinds
  FROM jsonb_path_query(j::jsonb, 'strict $.**') AS n
  WHERE jsonb_typeof(n) = 'object' AND n ? 'Node Type'
    AND (n ->> 'Node Type') IN ('Aggregate', 'WindowAgg');
  RETURN trim(kinds);
END $$;

CREATE TABLE rl_ev AS
SELECT 1 + abs(hashint4(i)) % 1500 AS cust,
       (ARRAY['ad', 'mail', 'web', 'app', 'cart', 'buy', 'x', 'ad'])[1 + abs(hashint4(-i)) % 8] AS tp,
       timestamptz '2026-01-01' + (abs(hashint4(i + 100000)) % 5000) * interval '1 minute' AS ts
FROM generate_series(1, 30000) i;
-- NULLs, a group of only NULL touchpoints, empty strings, ties
INSERT INTO rl_ev VALUES (1, NULL, '2026-01-02'), (1, 'web', NULL), (2000, NULL, '2026-01-01'),
  (3, '', '2026-01-01'), (3, '', '2026-01-01'), (3, 'ad', '2026-01-01');
ALTER TABLE rl_ev ADD COLUMN e text;
UPDATE rl_ev SET e = CASE tp WHEN 'ad' THEN 'a' WHEN 'web' THEN 'b' WHEN 'cart' THEN 'c' WHEN 'buy' THEN 'd' ELSE tp END;
ANALYZE rl_ev;

CREATE TABLE rl_ref AS
SELECT cust, array_agg(tp ORDER BY ts, tp COLLATE "C") FILTER (WHERE tp IS NOT NULL AND ts IS NOT NULL) AS path
FROM rl_ev GROUP BY cust;

-- funnels of every mode, with rows matching several steps and a window that
-- varies between groups (a few distinct windows kept once each in the log)
CREATE VIEW rl_funnels AS
SELECT m, cust,
       cxm.journey_funnel(ts, (1 + cust % 3) * interval '8 hours',
                          ARRAY[e = 'a', e IN ('b', 'c'), e = 'c', e = 'd'], m) AS lvl
FROM rl_ev, unnest(ARRAY['default', 'strict_order', 'strict_deduplication', 'strict_increase']) m
GROUP BY m, cust;

CREATE FUNCTION pg_temp.check(q text) RETURNS TABLE (plan text, groups bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
BEGIN
  plan := pg_temp.plan_of(q);
  EXECUTE 'CREATE TEMP TABLE rl_out AS ' || q;
  SELECT count(*), count(*) FILTER (WHERE o.path IS DISTINCT FROM r.path)
    INTO groups, mismatches
  FROM rl_out o FULL JOIN rl_ref r USING (cust);
  DROP TABLE rl_out;
  RETURN NEXT;
END $$;

-- the funnel levels of every mode from sorted grouping (per-group states)
SET enable_hashagg = off;
CREATE TABLE rl_fref AS SELECT * FROM rl_funnels;
RESET enable_hashagg;
CREATE FUNCTION pg_temp.check_funnels() RETURNS TABLE (plan text, groups bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
BEGIN
  plan := pg_temp.plan_of('SELECT * FROM rl_funnels');
  SELECT count(*), count(*) FILTER (WHERE o.lvl IS DISTINCT FROM r.lvl)
    INTO groups, mismatches
  FROM rl_funnels o FULL JOIN rl_fref r USING (m, cust);
  RETURN NEXT;
END $$;
SELECT lvl, count(*) FROM rl_fref GROUP BY lvl ORDER BY lvl;

-- the planner's choice: the aggregates declare 1 kB a group (SSPACE; in a
-- shared log a step takes 16 bytes), so 1,501 paths want about 1.5 MB and
-- 6,004 funnels 6 MB:
-- hashed when that fits in hash_mem, sorted grouping when it does not
SET hash_mem_multiplier = 1;
SET work_mem = '16MB';
SELECT pg_temp.plan_of('SELECT cust, cxm.journey_path(tp, ts) FROM rl_ev GROUP BY cust') AS fits,
       pg_temp.plan_of('SELECT * FROM rl_funnels') AS fits_funnel;
SET work_mem = '256kB';
SELECT pg_temp.plan_of('SELECT cust, cxm.journey_path(tp, ts) FROM rl_ev GROUP BY cust') AS does_not_fit,
       pg_temp.plan_of('SELECT * FROM rl_funnels') AS does_not_fit_funnel;
RESET work_mem;
RESET hash_mem_multiplier;

-- hash aggregation (the shared log)
SELECT * FROM pg_temp.check('SELECT cust, cxm.journey_path(tp, ts) AS path FROM rl_ev GROUP BY cust');
SELECT * FROM pg_temp.check_funnels();

-- spilled to disk: groups met after the memory limit go to later batches,
-- each with a fresh hash table and a fresh log
SET work_mem = '64kB';
SET hash_mem_multiplier = 1;
SET enable_sort = off;
SELECT * FROM pg_temp.check('SELECT cust, cxm.journey_path(tp, ts) AS path FROM rl_ev GROUP BY cust');
SELECT * FROM pg_temp.check_funnels();
RESET enable_sort;
RESET work_mem;
RESET hash_mem_multiplier;

-- sorted grouping
SET enable_hashagg = off;
SELECT * FROM pg_temp.check('SELECT cust, cxm.journey_path(tp, ts) AS path FROM rl_ev GROUP BY cust');
RESET enable_hashagg;

-- window use: the path so far, row by row, ends with the whole path
SELECT * FROM pg_temp.check($$
  SELECT DISTINCT ON (cust) cust, path FROM (
    SELECT cust, ts, tp, cxm.journey_path(tp, ts) OVER (PARTITION BY cust ORDER BY ts, tp COLLATE "C"
                                                       ROWS UNBOUNDED PRECEDING) AS path
    FROM rl_ev) w
  ORDER BY cust, path IS NULL, cardinality(path) DESC$$);

-- grouping sets: the cust set hashed while the grand total is sorted
-- (mixed), or two sets hashed
SELECT * FROM pg_temp.check($$
  SELECT cust, path FROM (SELECT cust, cxm.journey_path(tp, ts) AS path
                          FROM rl_ev GROUP BY GROUPING SETS ((cust), ())) g
  WHERE cust IS NOT NULL$$);
SELECT path = (SELECT array_agg(tp ORDER BY ts, tp COLLATE "C") FROM rl_ev
               WHERE tp IS NOT NULL AND ts IS NOT NULL) AS grand_total_same
FROM (SELECT cust, cxm.journey_path(tp, ts) AS path
      FROM rl_ev GROUP BY GROUPING SETS ((cust), ())) g
WHERE cust IS NULL;
SET enable_sort = off;
SELECT * FROM pg_temp.check($$
  SELECT cust, path FROM (SELECT cust, e, cxm.journey_path(tp, ts) AS path
                          FROM rl_ev GROUP BY GROUPING SETS ((cust), (e))) g
  WHERE e IS NULL AND cust IS NOT NULL$$);
RESET enable_sort;

-- two logs in one node: the same touchpoints twice, and the funnel steps
SELECT count(*) AS groups,
       count(*) FILTER (WHERE a.p1 IS DISTINCT FROM r.path OR a.p2 IS DISTINCT FROM r.path) AS mismatches
FROM (SELECT cust, cxm.journey_path(tp, ts) AS p1, cxm.journey_path(tp || '', ts) AS p2
      FROM rl_ev GROUP BY cust) a
FULL JOIN rl_ref r USING (cust);

-- many distinct touchpoints in one hash table (the paths built at the first
-- final call keep each step as the touchpoint's id: 1 byte up to 256 of
-- them, 2 up to 65,536, else 4), many ties, and groups whose time span is
-- too wide for packed sort keys (infinite timestamps)
CREATE TABLE rl_wide AS
SELECT n, i % 500 AS cust, 'tp' || (i * 7919 % n) AS tp,
       CASE WHEN i % 97 = 0 THEN timestamptz '-infinity' WHEN i % 89 = 0 THEN timestamptz 'infinity'
            ELSE timestamptz '2026-01-01' + (i % 13) * interval '1 hour' END AS ts
FROM (VALUES (256), (300), (70000)) v(n), generate_series(1, 80000) i;
ANALYZE rl_wide;
SET enable_sort = off;
SET max_parallel_workers_per_gather = 0;
SELECT n, pg_temp.plan_of(format('SELECT cust, cxm.journey_path(tp, ts) FROM rl_wide WHERE n = %s GROUP BY cust', n)) AS plan,
       (SELECT count(DISTINCT tp) FROM rl_wide w WHERE w.n = v.n) AS touchpoints,
       (SELECT count(*) FILTER (WHERE o.p IS DISTINCT FROM r.p)
        FROM (SELECT cust, cxm.journey_path(tp, ts) AS p FROM rl_wide w WHERE w.n = v.n GROUP BY cust) o
        FULL JOIN (SELECT cust, array_agg(tp ORDER BY ts, tp COLLATE "C") AS p
                   FROM rl_wide w WHERE w.n = v.n GROUP BY cust) r USING (cust)) AS mismatches
FROM (VALUES (256), (300), (70000)) v(n) ORDER BY n;
RESET enable_sort;
RESET max_parallel_workers_per_gather;
DROP TABLE rl_wide;

-- rescans: the hash aggregation of a subplan runs again for every outer row
SELECT g,
       (SELECT count(*) FILTER (WHERE o.path IS DISTINCT FROM r.path)
        FROM (SELECT cust, cxm.journey_path(tp, ts) AS path FROM rl_ev
              WHERE cust % 5 = g GROUP BY cust) o
        JOIN rl_ref r USING (cust)) AS mismatches
FROM generate_series(0, 4) g;

-- parallel plans: workers' logs serialized, combined into the leader's log
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT * FROM pg_temp.check('SELECT cust, cxm.journey_path(tp, ts) AS path FROM rl_ev GROUP BY cust');
SELECT * FROM pg_temp.check_funnels();
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- a log of 300,000 rows, whose slabs are large enough to be hinted for
-- huge pages (their records and blocks carved from whole aligned pages,
-- the pieces around them used when the estimate falls short): the planner's
-- estimate right (one slab), and far too low (slabs grown row by row)
CREATE TABLE rl_big AS SELECT cust + 2000 * k AS cust, tp, ts FROM rl_ev, generate_series(0, 9) k;
ANALYZE rl_big;
SET work_mem = '64MB';
SELECT pg_temp.plan_of('SELECT cust, cxm.journey_path(tp, ts) FROM rl_big GROUP BY cust') AS plan;
SELECT count(*) AS groups, count(*) FILTER (WHERE o.p IS DISTINCT FROM r.p) AS mismatches
FROM (SELECT cust, cxm.journey_path(tp, ts) AS p FROM rl_big GROUP BY cust) o
FULL JOIN (SELECT cust, array_agg(tp ORDER BY ts, tp COLLATE "C") FILTER (WHERE tp IS NOT NULL AND ts IS NOT NULL) AS p
           FROM rl_big GROUP BY cust) r USING (cust);
CREATE VIEW rl_big_funnel AS
SELECT cust, cxm.journey_funnel(ts, interval '8 hours', ARRAY[tp = 'ad', tp = 'web', tp = 'buy']) AS lvl
FROM rl_big GROUP BY cust;
SET enable_hashagg = off;
CREATE TABLE rl_big_fref AS SELECT * FROM rl_big_funnel;
RESET enable_hashagg;
SELECT count(*) AS groups, count(*) FILTER (WHERE o.lvl IS DISTINCT FROM r.lvl) AS mismatches,
       count(*) FILTER (WHERE o.lvl = 3) AS reached_3
FROM rl_big_funnel o FULL JOIN rl_big_fref r USING (cust);
UPDATE pg_class SET reltuples = 1000 WHERE oid = 'rl_big'::regclass;
SELECT count(*) AS groups, count(*) FILTER (WHERE o.p IS DISTINCT FROM r.p) AS mismatches
FROM (SELECT cust, cxm.journey_path(tp, ts) AS p FROM rl_big GROUP BY cust) o
FULL JOIN (SELECT cust, array_agg(tp ORDER BY ts, tp COLLATE "C") FILTER (WHERE tp IS NOT NULL AND ts IS NOT NULL) AS p
           FROM rl_big GROUP BY cust) r USING (cust);
RESET work_mem;
DROP VIEW rl_big_funnel;
DROP TABLE rl_big, rl_big_fref;

-- a group's window, mode and number of steps are still checked row by row
SELECT pg_temp.err($$SELECT c, cxm.journey_funnel(ts, CASE WHEN i = 900 THEN interval '2 hours' ELSE interval '1 hour' END, ARRAY[true])
                    FROM (SELECT i, i % 100 AS c, now() + i * interval '1 second' AS ts FROM generate_series(1, 1000) i) x GROUP BY c$$);
SELECT pg_temp.err($$SELECT c, cxm.journey_funnel(ts, interval '1 hour', ARRAY[true], CASE WHEN i = 900 THEN 'strict_order' ELSE 'default' END)
                    FROM (SELECT i, i % 100 AS c, now() + i * interval '1 second' AS ts FROM generate_series(1, 1000) i) x GROUP BY c$$);
SELECT pg_temp.err($$SELECT c, cxm.journey_funnel(ts, interval '1 hour', CASE WHEN i = 900 THEN ARRAY[true, false] ELSE ARRAY[true] END)
                    FROM (SELECT i, i % 100 AS c, now() + i * interval '1 second' AS ts FROM generate_series(1, 1000) i) x GROUP BY c$$);
-- an equal window written differently is the same window
SELECT count(*) AS groups, sum(lvl) AS levels
FROM (SELECT c, cxm.journey_funnel(ts, CASE WHEN i % 2 = 0 THEN interval '1 day' ELSE interval '24 hours' END, ARRAY[true]) AS lvl
      FROM (SELECT i, i % 100 AS c, now() + i * interval '1 second' AS ts FROM generate_series(1, 1000) i) x GROUP BY c) y;
-- a group whose steps are all NULL is NULL; usable rows matching nothing give 0
SELECT c, cxm.journey_funnel(ts, interval '1 hour', CASE WHEN c = 1 THEN NULL ELSE ARRAY[false] END) AS lvl
FROM (SELECT i % 3 AS c, now() + i * interval '1 second' AS ts FROM generate_series(1, 30) i) x
GROUP BY c ORDER BY c;

-- an aggregate of one's own over journey_path's functions, with an initial
-- (empty, flat) state: its groups never start NULL, so in hash aggregation
-- they keep states of their own rather than the shared log's; same paths
CREATE AGGREGATE pg_temp.my_path(text, timestamptz) (
  sfunc = cxm.journey_path_accum, stype = cxm.path_state,
  finalfunc = cxm.journey_path_final, initcond = '\x010000000000000000');
SELECT * FROM pg_temp.check('SELECT cust, pg_temp.my_path(tp, ts) AS path FROM rl_ev GROUP BY cust');

-- funnels whose first rows have NULL steps (not usable) and later rows
-- usable: such groups keep bits of their own in the log; against sorted
-- grouping
CREATE TABLE rl_late AS
SELECT i % 3000 AS c, timestamptz '2026-01-01' + (i % 7919) * interval '1 minute' AS ts,
       CASE WHEN i <= 3000 THEN NULL ELSE ARRAY[i % 2 = 0, i % 3 = 0, i % 5 = 0] END AS steps
FROM generate_series(1, 12000) i;
ANALYZE rl_late;
CREATE VIEW rl_late_f AS
SELECT c, cxm.journey_funnel(ts, interval '1 day', steps) AS lvl FROM rl_late GROUP BY c;
SET enable_hashagg = off;
CREATE TABLE rl_late_ref AS SELECT * FROM rl_late_f;
RESET enable_hashagg;
SELECT pg_temp.plan_of('SELECT * FROM rl_late_f') AS plan, count(*) AS groups,
       count(*) FILTER (WHERE o.lvl IS DISTINCT FROM r.lvl) AS mismatches,
       count(DISTINCT o.lvl) AS levels
FROM rl_late_f o FULL JOIN rl_late_ref r USING (c);

DROP VIEW rl_funnels, rl_late_f;
DROP TABLE rl_ev, rl_ref, rl_fref, rl_late, rl_late_ref;
