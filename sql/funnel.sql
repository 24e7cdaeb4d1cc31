-- journey_funnel(ts, window, steps [, mode]): deepest funnel level reached
-- (timezone of the regression database: PST8PDT)

-- run a statement, return its SQLSTATE and message (or 'ok')
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Hand-built journeys; steps a, b, c, d; one event a minute unless noted.
-- Expected levels (default, strict_order, strict_deduplication, strict_increase):
--  1 a b c d         4 4 4 4  every mode completes
--  2 a b d c         3 2 3 3  strict_order: d is a step above the next one (c) -> ends at 2
--  3 a b b c         3 3 2 3  strict_deduplication: the second b repeats the last step -> ends at 2
--  4 a (b c) d       4 4 4 2  b and c at the same minute: a tie may follow itself except
--                             in strict_increase (a -> b, then c is not later than b)
--  5 a d b c         3 1 3 3  strict_order: d right after a ends that chain at 1
--  6 a b a c         3 3 3 3  a repeated earlier step ends no chain (as in ClickHouse)
--  7 a x b c         3 3 3 3  x matches no step: ignored in every mode
--  8 b c d           0 0 0 0  no a, no chain
--  9 a . . b c       2 2 2 2  window 10 minutes: b at +9 min, c at +11 min is too late
-- 10 a@0 a@5 b@8 c@12 (window 10)  3 3 3 3  the second a's chain completes (latest start)
-- 11 a (d c b)       4 4 4 2  all of b, c, d tied: ordered b c d as a set
-- 12 a (b b) c       3 3 2 3  strict_deduplication: one of the tied b's repeats the other
-- 13 a c a b c       3 3 3 3  strict_order ends the first chain at c; the second a's chain
--                             completes (ClickHouse's strict_order stops for good: 1)
-- 14 a b b a b c     3 3 3 3  strict_deduplication ends the first chain at the second b;
--                             the second a's chain completes (ClickHouse: 2)
CREATE TABLE funnel_ev (j int, ts timestamptz, e text);
INSERT INTO funnel_ev VALUES
 (1, '2026-03-01 10:00', 'a'), (1, '2026-03-01 10:01', 'b'), (1, '2026-03-01 10:02', 'c'), (1, '2026-03-01 10:03', 'd'),
 (2, '2026-03-01 10:00', 'a'), (2, '2026-03-01 10:01', 'b'), (2, '2026-03-01 10:02', 'd'), (2, '2026-03-01 10:03', 'c'),
 (3, '2026-03-01 10:00', 'a'), (3, '2026-03-01 10:01', 'b'), (3, '2026-03-01 10:02', 'b'), (3, '2026-03-01 10:03', 'c'),
 (4, '2026-03-01 10:00', 'a'), (4, '2026-03-01 10:01', 'b'), (4, '2026-03-01 10:01', 'c'), (4, '2026-03-01 10:02', 'd'),
 (5, '2026-03-01 10:00', 'a'), (5, '2026-03-01 10:01', 'd'), (5, '2026-03-01 10:02', 'b'), (5, '2026-03-01 10:03', 'c'),
 (6, '2026-03-01 10:00', 'a'), (6, '2026-03-01 10:01', 'b'), (6, '2026-03-01 10:02', 'a'), (6, '2026-03-01 10:03', 'c'),
 (7, '2026-03-01 10:00', 'a'), (7, '2026-03-01 10:01', 'x'), (7, '2026-03-01 10:02', 'b'), (7, '2026-03-01 10:03', 'c'),
 (8, '2026-03-01 10:00', 'b'), (8, '2026-03-01 10:01', 'c'), (8, '2026-03-01 10:02', 'd'),
 (9, '2026-03-01 10:00', 'a'), (9, '2026-03-01 10:09', 'b'), (9, '2026-03-01 10:11', 'c'),
 (10, '2026-03-01 10:00', 'a'), (10, '2026-03-01 10:05', 'a'), (10, '2026-03-01 10:08', 'b'), (10, '2026-03-01 10:12', 'c'),
 (11, '2026-03-01 10:00', 'a'), (11, '2026-03-01 10:01', 'd'), (11, '2026-03-01 10:01', 'c'), (11, '2026-03-01 10:01', 'b'),
 (12, '2026-03-01 10:00', 'a'), (12, '2026-03-01 10:01', 'b'), (12, '2026-03-01 10:01', 'b'), (12, '2026-03-01 10:02', 'c'),
 (13, '2026-03-01 10:00', 'a'), (13, '2026-03-01 10:01', 'c'), (13, '2026-03-01 10:02', 'a'), (13, '2026-03-01 10:03', 'b'),
 (13, '2026-03-01 10:04', 'c'),
 (14, '2026-03-01 10:00', 'a'), (14, '2026-03-01 10:01', 'b'), (14, '2026-03-01 10:02', 'b'), (14, '2026-03-01 10:03', 'a'),
 (14, '2026-03-01 10:04', 'b'), (14, '2026-03-01 10:05', 'c');
SELECT j,
  cxm.journey_funnel(ts, '10 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd']) AS dflt,
  cxm.journey_funnel(ts, '10 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], 'default') AS dflt2,
  cxm.journey_funnel(ts, '10 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], 'strict_order') AS ord,
  cxm.journey_funnel(ts, '10 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], 'strict_deduplication') AS dedup,
  cxm.journey_funnel(ts, '10 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], 'strict_increase') AS incr
FROM funnel_ev GROUP BY j ORDER BY j;

-- the arrival order of rows never matters (ties included)
SELECT m, bool_and(fwd = bwd) AS same_both_ways, count(*)
FROM (SELECT m, j,
        (SELECT cxm.journey_funnel(ts, '10 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], m)
         FROM (SELECT * FROM funnel_ev WHERE funnel_ev.j = jj.j ORDER BY ts, e) s) AS fwd,
        (SELECT cxm.journey_funnel(ts, '10 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], m)
         FROM (SELECT * FROM funnel_ev WHERE funnel_ev.j = jj.j ORDER BY ts DESC, e DESC) s) AS bwd
      FROM (SELECT DISTINCT j FROM funnel_ev) jj,
           unnest(ARRAY['default', 'strict_order', 'strict_deduplication', 'strict_increase']) m) x
GROUP BY m ORDER BY m;

-- one row advances a chain by one level: a row matching a and b is level 1,
-- two such rows (even tied) are level 2
SELECT cxm.journey_funnel(ts, '1 hour', ARRAY[true, true]) AS one_row
FROM (VALUES ('2026-03-01 10:00'::timestamptz)) v(ts);
SELECT cxm.journey_funnel(ts, '1 hour', ARRAY[true, true]) AS two_rows
FROM (VALUES ('2026-03-01 10:00'::timestamptz), ('2026-03-01 10:00')) v(ts);

-- NULLs: a NULL element is false; rows with NULL ts or NULL steps are skipped;
-- no usable row -> NULL; usable rows matching nothing -> 0
SELECT cxm.journey_funnel(ts, '1 hour', s) AS null_elements
FROM (VALUES ('2026-03-01 10:00'::timestamptz, ARRAY[true, NULL, false]),
             ('2026-03-01 10:01', ARRAY[NULL, true, NULL]),
             ('2026-03-01 10:02', ARRAY[NULL, NULL, NULL]::bool[])) v(ts, s);
SELECT cxm.journey_funnel(ts, '1 hour', s) AS null_rows_skipped
FROM (VALUES ('2026-03-01 10:00'::timestamptz, ARRAY[true, false]),
             (NULL, ARRAY[false, true]),
             ('2026-03-01 10:01', NULL)) v(ts, s);
SELECT cxm.journey_funnel(ts, '1 hour', s) IS NULL AS only_nulls
FROM (VALUES (NULL::timestamptz, ARRAY[true]), ('2026-03-01 10:00', NULL)) v(ts, s);
SELECT cxm.journey_funnel(ts, '1 hour', ARRAY[e = 'a']) IS NULL AS no_rows FROM funnel_ev WHERE false;
SELECT cxm.journey_funnel(ts, '1 hour', ARRAY[e = 'zz', e = 'a']) AS nothing_matches_step_1 FROM funnel_ev;
-- a NULL steps array may even have another length (it is skipped before the check)
SELECT cxm.journey_funnel(ts, '1 hour', s) AS null_array_any_length
FROM (VALUES ('2026-03-01 10:00'::timestamptz, ARRAY[true, false]), ('2026-03-01 10:01', NULL::bool[]),
             ('2026-03-01 10:02', ARRAY[false, true])) v(ts, s);

-- window boundaries: ts - start <= window, compared as PostgreSQL compares intervals
SELECT w, cxm.journey_funnel(ts, w, ARRAY[e = 'a', e = 'b']) AS level,
       max(ts) - min(ts) <= w AS sql_says
FROM (VALUES ('2026-03-01 10:00:00'::timestamptz, 'a'), ('2026-03-01 10:30:00.000001', 'b')) v(ts, e),
     unnest(ARRAY['30 minutes', '30 minutes 0.000001 seconds', '1 hour', '0.5 hours']::interval[])
       WITH ORDINALITY u(w, k)
GROUP BY k, w ORDER BY k;
-- a month is 30 days and a day is 24 hours, as in interval comparison
-- (31 days apart: '1 month' is too short, '1 month 1 day' is enough)
SELECT w, cxm.journey_funnel(ts, w, ARRAY[e = 'a', e = 'b']) AS level,
       max(ts) - min(ts) <= w AS sql_says
FROM (VALUES ('2026-01-01 00:00'::timestamptz, 'a'), ('2026-02-01 00:00', 'b')) v(ts, e),
     unnest(ARRAY['1 month', '1 month 1 day', '30 days', '744 hours', '31 days']::interval[])
       WITH ORDINALITY u(w, k)
GROUP BY k, w ORDER BY k;
-- across the DST change (PST8PDT, 2026-03-08) the elapsed time is 23 hours
SELECT cxm.journey_funnel(ts, '23 hours', ARRAY[e = 'a', e = 'b']) AS dst_23h,
       cxm.journey_funnel(ts, '22 hours 59 minutes', ARRAY[e = 'a', e = 'b']) AS dst_under
FROM (VALUES ('2026-03-07 12:00'::timestamptz, 'a'), ('2026-03-08 12:00', 'b')) v(ts, e);
-- '1 day' and '24 hours' compare equal, so they are the same window in one group
SELECT cxm.journey_funnel(ts, w, ARRAY[e = 'a', e = 'b']) AS equal_windows
FROM (VALUES ('2026-03-01 10:00'::timestamptz, 'a', '1 day'::interval),
             ('2026-03-01 11:00', 'b', '24 hours')) v(ts, e, w);
-- infinite timestamps chain only with the same infinity
SELECT cxm.journey_funnel(ts, '1000 years', ARRAY[e = 'a', e = 'b']) AS inf_level
FROM (VALUES ('-infinity'::timestamptz, 'a'), ('2026-03-01', 'b'), ('infinity', 'b')) v(ts, e);
SELECT cxm.journey_funnel(ts, '1 second', ARRAY[e = 'a', e = 'b']) AS same_infinity
FROM (VALUES ('infinity'::timestamptz, 'a'), ('infinity', 'b')) v(ts, e);

-- 100 steps: row i matches step i, one second apart
SELECT cxm.journey_funnel(ts, '100 seconds', s) AS hundred,
       cxm.journey_funnel(ts, '98 seconds', s) AS window_99_steps,
       cxm.journey_funnel(ts, '100 seconds', s, 'strict_order') AS hundred_strict
FROM (SELECT timestamptz '2026-03-01' + i * interval '1 second' AS ts,
             array(SELECT g = i FROM generate_series(1, 100) g) AS s
      FROM generate_series(1, 100) i) x;
-- the same rows, step 50 missing
SELECT cxm.journey_funnel(ts, '1 hour', s) AS missing_50
FROM (SELECT timestamptz '2026-03-01' + i * interval '1 second' AS ts,
             array(SELECT g = i FROM generate_series(1, 100) g) AS s
      FROM generate_series(1, 100) i WHERE i <> 50) x;

-- errors
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '0 seconds', ARRAY[true])$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '-1 hour', ARRAY[true])$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '1 month -30 days', ARRAY[true])$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), NULL, ARRAY[true])$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(NULL, NULL, NULL::bool[])$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(ts, w, ARRAY[true])
  FROM (VALUES (now(), '1 hour'::interval), (now(), '2 hours')) v(ts, w)$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '1 hour', s)
  FROM (VALUES (ARRAY[true, false]), (ARRAY[true, false, true])) v(s)$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '1 hour', '{}'::bool[])$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '1 hour', '{{true,false},{false,true}}'::bool[])$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '1 hour', ARRAY[true], 'strict')$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '1 hour', ARRAY[true], 'Strict_Order')$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '1 hour', ARRAY[true], NULL)$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(now(), '1 hour', ARRAY[true], m)
  FROM (VALUES ('default'), ('strict_order')) v(m)$$);
-- the window and mode are checked on rows that are otherwise skipped
SELECT pg_temp.err($$SELECT cxm.journey_funnel(NULL, '-1 hour', ARRAY[true])$$);
SELECT pg_temp.err($$SELECT cxm.journey_funnel(NULL, '1 hour', NULL, 'nope')$$);

-- independent recomputation in SQL over many random groups (default mode):
-- level >= 2 iff some a-row has a different b-row at or after it within the
-- window; level 3 iff some a <= b <= c chain of distinct rows fits the window
CREATE TABLE funnel_rnd AS
SELECT i, i % 300 AS c,
       timestamptz '2026-01-01' + (('x' || substr(md5('t' || i), 1, 7))::bit(28)::int % 20) * interval '10 minutes' AS ts,
       (ARRAY['a', 'b', 'c', 'x'])[1 + ('x' || substr(md5('e' || i), 1, 7))::bit(28)::int % 4] AS e
FROM generate_series(1, 6000) i;
ANALYZE funnel_rnd;
WITH ours AS (
  SELECT c, cxm.journey_funnel(ts, '25 minutes', ARRAY[e = 'a', e = 'b', e = 'c']) AS lvl
  FROM funnel_rnd GROUP BY c
), plain AS (
  SELECT c,
    CASE
      WHEN EXISTS (SELECT 1 FROM funnel_rnd x JOIN funnel_rnd y ON y.c = x.c AND y.i <> x.i AND y.ts >= x.ts
                   JOIN funnel_rnd z ON z.c = x.c AND z.i NOT IN (x.i, y.i) AND z.ts >= y.ts
                   WHERE x.c = g.c AND x.e = 'a' AND y.e = 'b' AND z.e = 'c'
                     AND z.ts - x.ts <= interval '25 minutes') THEN 3
      WHEN EXISTS (SELECT 1 FROM funnel_rnd x JOIN funnel_rnd y ON y.c = x.c AND y.i <> x.i AND y.ts >= x.ts
                   WHERE x.c = g.c AND x.e = 'a' AND y.e = 'b'
                     AND y.ts - x.ts <= interval '25 minutes') THEN 2
      WHEN EXISTS (SELECT 1 FROM funnel_rnd x WHERE x.c = g.c AND x.e = 'a') THEN 1
      ELSE 0
    END AS lvl
  FROM (SELECT DISTINCT c FROM funnel_rnd) g
)
SELECT count(*) AS groups, count(*) FILTER (WHERE o.lvl = p.lvl) AS agree,
       count(*) FILTER (WHERE o.lvl = 3) AS l3, count(*) FILTER (WHERE o.lvl = 2) AS l2,
       count(*) FILTER (WHERE o.lvl = 1) AS l1, count(*) FILTER (WHERE o.lvl = 0) AS l0
FROM ours o JOIN plain p USING (c);

-- strict_increase over the same data: the same chains with strictly later steps
WITH ours AS (
  SELECT c, cxm.journey_funnel(ts, '25 minutes', ARRAY[e = 'a', e = 'b', e = 'c'], 'strict_increase') AS lvl
  FROM funnel_rnd GROUP BY c
), plain AS (
  SELECT c,
    CASE
      WHEN EXISTS (SELECT 1 FROM funnel_rnd x JOIN funnel_rnd y ON y.c = x.c AND y.ts > x.ts
                   JOIN funnel_rnd z ON z.c = x.c AND z.ts > y.ts
                   WHERE x.c = g.c AND x.e = 'a' AND y.e = 'b' AND z.e = 'c'
                     AND z.ts - x.ts <= interval '25 minutes') THEN 3
      WHEN EXISTS (SELECT 1 FROM funnel_rnd x JOIN funnel_rnd y ON y.c = x.c AND y.ts > x.ts
                   WHERE x.c = g.c AND x.e = 'a' AND y.e = 'b'
                     AND y.ts - x.ts <= interval '25 minutes') THEN 2
      WHEN EXISTS (SELECT 1 FROM funnel_rnd x WHERE x.c = g.c AND x.e = 'a') THEN 1
      ELSE 0
    END AS lvl
  FROM (SELECT DISTINCT c FROM funnel_rnd) g
)
SELECT count(*) AS groups, count(*) FILTER (WHERE o.lvl = p.lvl) AS agree
FROM ours o JOIN plain p USING (c);

-- as a window function: the level reached so far, row by row
SELECT ts, e, cxm.journey_funnel(ts, '10 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'])
              OVER (ORDER BY ts, e ROWS UNBOUNDED PRECEDING) AS so_far
FROM funnel_ev WHERE j = 1 ORDER BY ts;

-- parallel plans: Partial Aggregate with serial/combine, same result as serial
CREATE TABLE funnel_big AS
SELECT i, i % 500 AS c,
       timestamptz '2026-01-01' + (('x' || substr(md5('t' || i), 1, 7))::bit(28)::int % 300) * interval '1 minute' AS ts,
       (ARRAY['a', 'b', 'c', 'd', 'x', 'y', 'z', 'w', 'v', 'u'])[1 + ('x' || substr(md5('e' || i), 1, 7))::bit(28)::int % 10] AS e
FROM generate_series(1, 60000) i;
ANALYZE funnel_big;
CREATE TABLE funnel_serial AS
SELECT m, c, cxm.journey_funnel(ts, '5 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], m) AS lvl
FROM funnel_big, unnest(ARRAY['default', 'strict_order', 'strict_deduplication', 'strict_increase']) m
GROUP BY m, c;
SELECT m, count(*) AS groups, sum(lvl) AS sum_levels, max(lvl) AS max_level
FROM funnel_serial GROUP BY m ORDER BY m;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT cxm.journey_funnel(ts, '5 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd']) FROM funnel_big;
EXPLAIN (COSTS OFF)
SELECT c, cxm.journey_funnel(ts, '5 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], 'strict_order')
FROM funnel_big GROUP BY c;
SELECT cxm.journey_funnel(ts, '5 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd']) AS whole_table FROM funnel_big;
SELECT m, count(*) AS groups, count(*) FILTER (WHERE p.lvl IS NOT DISTINCT FROM s.lvl) AS same_as_serial
FROM (SELECT 'default' AS m, c, cxm.journey_funnel(ts, '5 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], 'default') AS lvl FROM funnel_big GROUP BY c
      UNION ALL
      SELECT 'strict_order', c, cxm.journey_funnel(ts, '5 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], 'strict_order') FROM funnel_big GROUP BY c
      UNION ALL
      SELECT 'strict_deduplication', c, cxm.journey_funnel(ts, '5 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], 'strict_deduplication') FROM funnel_big GROUP BY c
      UNION ALL
      SELECT 'strict_increase', c, cxm.journey_funnel(ts, '5 minutes', ARRAY[e = 'a', e = 'b', e = 'c', e = 'd'], 'strict_increase') FROM funnel_big GROUP BY c) p
JOIN funnel_serial s USING (m, c)
GROUP BY m ORDER BY m;
-- the mode is checked across workers' partial states too
-- (which of the two modes comes first depends on the workers: show the SQLSTATE)
SELECT left(pg_temp.err($$SELECT cxm.journey_funnel(ts, '5 minutes', ARRAY[true],
  CASE WHEN i = 59999 THEN 'strict_order' ELSE 'default' END) FROM funnel_big$$), 5) AS sqlstate;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- serialized states are checked before use: the input function of
-- cxm.funnel_state (the same check as every flat state gets), on a valid
-- state and damaged ones.
-- Layout: version 01, mode 00, nsteps 00000002, window (us) 000000000000000a,
-- window as given (time 000000000000000a, day 00000000, month 00000000),
-- nusable 0000000000000001, nrows 0000000000000001,
-- row: ts 0000000000000000, nmatch 00000001, step 00000001
CREATE TABLE funnel_states (what text, st bytea);
INSERT INTO funnel_states VALUES
 ('valid', '\x010000000002000000000000000a000000000000000a00000000000000000000000000000001000000000000000100000000000000000000000100000001'),
 ('valid, two rows', '\x010000000002000000000000000a000000000000000a000000000000000000000000000000030000000000000002000000000000000000000001000000010000000000000005000000020000000100000002'),
 ('empty', '\x'),
 ('version 2', '\x020000000002000000000000000a000000000000000a00000000000000000000000000000001000000000000000100000000000000000000000100000001'),
 ('mode 9', '\x010900000002000000000000000a000000000000000a00000000000000000000000000000001000000000000000100000000000000000000000100000001'),
 ('truncated', '\x010000000002000000000000000a000000000000000a0000000000000000000000000000000100000000000000010000000000000000000000010000'),
 ('trailing byte', '\x010000000002000000000000000a000000000000000a00000000000000000000000000000001000000000000000100000000000000000000000100000001ff'),
 ('step 3 of 2', '\x010000000002000000000000000a000000000000000a00000000000000000000000000000001000000000000000100000000000000000000000100000003'),
 ('steps not ascending', '\x010000000002000000000000000a000000000000000a0000000000000000000000000000000100000000000000010000000000000000000000020000000200000001'),
 ('huge row count', '\x010000000002000000000000000a000000000000000a000000000000000000000000000000010fffffffffffffff00000000000000000000000100000001'),
 ('negative row count', '\x010000000002000000000000000a000000000000000a00000000000000000000000000000001ffffffffffffffff00000000000000000000000100000001'),
 ('more rows than usable', '\x010000000002000000000000000a000000000000000a00000000000000000000000000000000000000000000000100000000000000000000000100000001'),
 ('window mismatch', '\x010000000002000000000000000b000000000000000a00000000000000000000000000000001000000000000000100000000000000000000000100000001'),
 ('zero window', '\x0100000000020000000000000000000000000000000000000000000000000000000000000001000000000000000100000000000000000000000100000001'),
 ('nmatch 0', '\x010000000002000000000000000a000000000000000a000000000000000000000000000000010000000000000001000000000000000000000000'),
 ('nmatch 0, padded', '\x010000000002000000000000000a000000000000000a00000000000000000000000000000001000000000000000100000000000000000000000000000001'),
 ('no steps', '\x010000000000000000000000000a000000000000000a00000000000000000000000000000001000000000000000100000000000000000000000100000001'),
 ('nmatch too big', '\x010000000002000000000000000a000000000000000a000000000000000000000000000000010000000000000001000000000000000000000003000000010000000200000003'),
 ('window of 1 mon 1 day', '\x0100000000020000026f9d14a000000000000000000000000001000000010000000000000001000000000000000100000000000000000000000100000001'),
 ('window 1 us short of 1 mon 1 day', '\x0100000000020000026f9d149fff000000000000000000000001000000010000000000000001000000000000000100000000000000000000000100000001'),
 ('negative interval', '\x010000000002000000000000000afffffffffffffff600000000000000000000000000000001000000000000000100000000000000000000000100000001'),
 ('usable rows, no steps', '\x010000000000000000000000000a000000000000000a000000000000000000000000000000010000000000000000'),
 ('steps above MaxArraySize', '\x010008000000000000000000000a000000000000000a00000000000000000000000000000001000000000000000100000000000000000000000100000001');
CREATE FUNCTION pg_temp.err_detail(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ' (' || d || ')';
END $$;
SELECT what, pg_temp.err_detail(format('SELECT %L::cxm.funnel_state', st::text)) AS result
FROM funnel_states;

DROP TABLE funnel_ev, funnel_rnd, funnel_big, funnel_serial, funnel_states;
