-- Journeys: journey_path (with and without max_steps), path_collapse, sessionize
SET TIME ZONE 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

-- run a statement, return its SQLSTATE and message (or 'ok')
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- ---------------------------------------------------------------------------
-- journey_path by hand
-- ---------------------------------------------------------------------------
CREATE TABLE jp_hand (cust int, tp text, ts timestamptz);
INSERT INTO jp_hand VALUES
  (1, 'checkout', '2026-01-03 10:00'),
  (1, 'ad',       '2026-01-01 09:00'),
  (1, 'web',      '2026-01-02 12:00'),
  (1, 'email',    '2026-01-02 12:00'),   -- tie with web: email first (byte order)
  (1, 'Web',      '2026-01-02 12:00'),   -- upper case sorts before lower case in "C"
  (1, 'web',      '2026-01-02 12:00'),   -- duplicate (ts, touchpoint): kept
  (1, NULL,       '2026-01-01 00:00'),   -- NULL touchpoint: skipped
  (1, 'app',      NULL),                 -- NULL ts: skipped
  (2, 'email',    '2026-02-01'),
  (3, NULL,       '2026-02-01'),         -- no usable row: NULL
  (3, 'web',      NULL);
SELECT cust, cxm.journey_path(tp, ts) FROM jp_hand GROUP BY cust ORDER BY cust;
SELECT cust, cxm.journey_path(tp, ts, 3) AS last3, cxm.journey_path(tp, ts, 1) AS last1
FROM jp_hand GROUP BY cust ORDER BY cust;
-- no rows at all
SELECT cxm.journey_path(tp, ts) IS NULL AS empty_null,
       cxm.journey_path(tp, ts, 5) IS NULL AS empty_null_n
FROM jp_hand WHERE false;
-- empty strings and byte order (no collation is involved)
SELECT cxm.journey_path(t, '2026-01-01'::timestamptz)
FROM (VALUES ('b'), (''), ('a'), ('B'), ('ab'), ('é'), ('z')) v(t);
-- infinite timestamps sort at the ends
SELECT cxm.journey_path(t, ts)
FROM (VALUES ('end', 'infinity'::timestamptz), ('start', '-infinity'), ('mid', '2026-01-01')) v(t, ts);

-- ---------------------------------------------------------------------------
-- thousands of rows, many groups, arriving in random order, against
-- array_agg(touchpoint ORDER BY ts, touchpoint COLLATE "C")
-- ---------------------------------------------------------------------------
CREATE TABLE jp_ev AS
SELECT i, (i * 7919) % 211 AS cust,
       CASE WHEN i % 53 = 0 THEN NULL
            ELSE (ARRAY['ad', 'email', 'web', 'app', 'cart', 'checkout', 'Web', 'web2', ''])
                 [1 + get_byte(decode(md5(i::text), 'hex'), 0) % 9]
       END AS tp,
       CASE WHEN i % 71 = 0 THEN NULL
            ELSE timestamptz '2026-01-01' + (get_byte(decode(md5(i::text), 'hex'), 1) % 24) * interval '1 hour'
       END AS ts
FROM generate_series(1, 30000) i
ORDER BY md5(i::text);
-- a customer with only unusable rows
INSERT INTO jp_ev VALUES (30001, 500, NULL, '2026-01-01'), (30002, 500, 'web', NULL);
CREATE INDEX ON jp_ev (cust, i);
ANALYZE jp_ev;
-- groups and ties: most groups have tied timestamps and duplicate steps
SELECT count(DISTINCT cust) AS groups, count(*) AS rows,
       count(*) FILTER (WHERE tp IS NOT NULL AND ts IS NOT NULL) AS usable,
       (SELECT count(*) FROM (SELECT 1 FROM jp_ev WHERE tp IS NOT NULL AND ts IS NOT NULL
                              GROUP BY cust, ts, tp HAVING count(*) > 1) d) AS duplicated_steps
FROM jp_ev;

CREATE TABLE jp_ref AS
SELECT cust,
       array_agg(tp ORDER BY ts, tp COLLATE "C") FILTER (WHERE tp IS NOT NULL AND ts IS NOT NULL) AS path
FROM jp_ev GROUP BY cust;
-- the last k steps, by row_number over the same order
CREATE TABLE jp_ref_last AS
SELECT k, c.cust, r.path
FROM (VALUES (1), (5), (60), (1000)) ks(k)
CROSS JOIN (SELECT DISTINCT cust FROM jp_ev) c
LEFT JOIN LATERAL (
  SELECT array_agg(tp ORDER BY ts, tp COLLATE "C") AS path
  FROM (SELECT tp, ts, row_number() OVER (ORDER BY ts DESC, tp COLLATE "C" DESC) AS rn
        FROM jp_ev e
        WHERE e.cust = c.cust AND tp IS NOT NULL AND ts IS NOT NULL) x
  WHERE rn <= ks.k
) r ON true;

CREATE FUNCTION pg_temp.check_paths() RETURNS TABLE (groups bigint, mismatches bigint, null_groups bigint)
LANGUAGE sql AS $$
  SELECT count(*), count(*) FILTER (WHERE o.path IS DISTINCT FROM r.path),
         count(*) FILTER (WHERE o.path IS NULL)
  FROM (SELECT cust, cxm.journey_path(tp, ts) AS path FROM jp_ev GROUP BY cust) o
  FULL JOIN jp_ref r USING (cust)
$$;
CREATE FUNCTION pg_temp.check_last() RETURNS TABLE (k int, groups bigint, mismatches bigint)
LANGUAGE sql AS $$
  SELECT r.k, count(*), count(*) FILTER (WHERE o.path IS DISTINCT FROM r.path)
  FROM jp_ref_last r
  LEFT JOIN (
    SELECT 1 AS k, cust, cxm.journey_path(tp, ts, 1) AS path FROM jp_ev GROUP BY cust
    UNION ALL SELECT 5, cust, cxm.journey_path(tp, ts, 5) FROM jp_ev GROUP BY cust
    UNION ALL SELECT 60, cust, cxm.journey_path(tp, ts, 60) FROM jp_ev GROUP BY cust
    UNION ALL SELECT 1000, cust, cxm.journey_path(tp, ts, 1000) FROM jp_ev GROUP BY cust
  ) o USING (k, cust)
  GROUP BY r.k ORDER BY r.k
$$;

SELECT * FROM pg_temp.check_paths();
SELECT * FROM pg_temp.check_last();
-- sorted (hash) and group (sort) aggregation give the same
SET enable_hashagg = off;
SELECT * FROM pg_temp.check_paths();
RESET enable_hashagg;
-- the whole table as one group (30000 steps, ties everywhere)
SELECT cxm.journey_path(tp, ts) = (SELECT array_agg(tp ORDER BY ts, tp COLLATE "C")
                                   FROM jp_ev WHERE tp IS NOT NULL AND ts IS NOT NULL) AS one_group_same,
       cxm.journey_path(tp, ts, 100) = (SELECT array_agg(tp ORDER BY ts, tp COLLATE "C") FROM
          (SELECT tp, ts FROM jp_ev WHERE tp IS NOT NULL AND ts IS NOT NULL
           ORDER BY ts DESC, tp COLLATE "C" DESC LIMIT 100) x) AS one_group_last100_same
FROM jp_ev;

-- ---------------------------------------------------------------------------
-- parallel plans: partial aggregation with serialized states, same answers
-- ---------------------------------------------------------------------------
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT cxm.journey_path(tp, ts), cxm.journey_path(tp, ts, 100) FROM jp_ev;
-- results are stored with CREATE TABLE AS, which keeps the parallel plan,
-- then compared serially with the references
CREATE TABLE jp_par1 AS
SELECT cxm.journey_path(tp, ts) AS path, cxm.journey_path(tp, ts, 100) AS last100 FROM jp_ev;
EXPLAIN (COSTS OFF)
CREATE TABLE jp_par AS
SELECT cust, cxm.journey_path(tp, ts) AS path,
       cxm.journey_path(tp, ts, 1) AS last1, cxm.journey_path(tp, ts, 5) AS last5,
       cxm.journey_path(tp, ts, 60) AS last60, cxm.journey_path(tp, ts, 1000) AS last1000
FROM jp_ev GROUP BY cust;
CREATE TABLE jp_par AS
SELECT cust, cxm.journey_path(tp, ts) AS path,
       cxm.journey_path(tp, ts, 1) AS last1, cxm.journey_path(tp, ts, 5) AS last5,
       cxm.journey_path(tp, ts, 60) AS last60, cxm.journey_path(tp, ts, 1000) AS last1000
FROM jp_ev GROUP BY cust;
-- the same with sorted (group) aggregation
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
CREATE TABLE jp_par_sorted AS
SELECT cust, cxm.journey_path(tp, ts) AS path,
       cxm.journey_path(tp, ts, 1) AS last1, cxm.journey_path(tp, ts, 5) AS last5,
       cxm.journey_path(tp, ts, 60) AS last60, cxm.journey_path(tp, ts, 1000) AS last1000
FROM jp_ev GROUP BY cust;
CREATE TABLE jp_par_sorted AS
SELECT cust, cxm.journey_path(tp, ts) AS path,
       cxm.journey_path(tp, ts, 1) AS last1, cxm.journey_path(tp, ts, 5) AS last5,
       cxm.journey_path(tp, ts, 60) AS last60, cxm.journey_path(tp, ts, 1000) AS last1000
FROM jp_ev GROUP BY cust;
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT p.path = (SELECT array_agg(tp ORDER BY ts, tp COLLATE "C")
                 FROM jp_ev WHERE tp IS NOT NULL AND ts IS NOT NULL) AS parallel_one_group_same,
       p.last100 = (SELECT array_agg(tp ORDER BY ts, tp COLLATE "C") FROM
          (SELECT tp, ts FROM jp_ev WHERE tp IS NOT NULL AND ts IS NOT NULL
           ORDER BY ts DESC, tp COLLATE "C" DESC LIMIT 100) x) AS parallel_one_group_last100_same
FROM jp_par1 p;
SELECT t.plan, count(*) AS groups,
       count(*) FILTER (WHERE t.path IS DISTINCT FROM r.path) AS path_mismatches,
       count(*) FILTER (WHERE t.last1 IS DISTINCT FROM l1.path OR t.last5 IS DISTINCT FROM l5.path
                          OR t.last60 IS DISTINCT FROM l60.path
                          OR t.last1000 IS DISTINCT FROM l1000.path) AS last_k_mismatches
FROM (SELECT 'hash' AS plan, * FROM jp_par UNION ALL SELECT 'sorted', * FROM jp_par_sorted) t
FULL JOIN jp_ref r USING (cust)
LEFT JOIN jp_ref_last l1 ON l1.k = 1 AND l1.cust = t.cust
LEFT JOIN jp_ref_last l5 ON l5.k = 5 AND l5.cust = t.cust
LEFT JOIN jp_ref_last l60 ON l60.k = 60 AND l60.cust = t.cust
LEFT JOIN jp_ref_last l1000 ON l1000.k = 1000 AND l1000.cust = t.cust
GROUP BY t.plan ORDER BY t.plan;

-- ---------------------------------------------------------------------------
-- journey_path as a running window aggregate (the final function runs on
-- every row and must leave the state usable, the bounded heap included)
-- ---------------------------------------------------------------------------
WITH w AS (
  SELECT i, cust,
         cxm.journey_path(tp, ts) OVER (PARTITION BY cust ORDER BY i) AS path,
         cxm.journey_path(tp, ts, 4) OVER (PARTITION BY cust ORDER BY i) AS last4
  FROM jp_ev WHERE cust < 20
)
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.path IS DISTINCT FROM
         (SELECT array_agg(tp ORDER BY ts, tp COLLATE "C") FROM jp_ev e
          WHERE e.cust = w.cust AND e.i <= w.i AND tp IS NOT NULL AND ts IS NOT NULL)) AS path_mismatch,
       count(*) FILTER (WHERE w.last4 IS DISTINCT FROM
         (SELECT array_agg(tp ORDER BY ts, tp COLLATE "C") FROM
            (SELECT tp, ts FROM jp_ev e
             WHERE e.cust = w.cust AND e.i <= w.i AND tp IS NOT NULL AND ts IS NOT NULL
             ORDER BY ts DESC, tp COLLATE "C" DESC LIMIT 4) x)) AS last4_mismatch
FROM w;

-- ---------------------------------------------------------------------------
-- path_collapse
-- ---------------------------------------------------------------------------
SELECT cxm.path_collapse('{a,a,b,a}');
SELECT cxm.path_collapse('{a,a,a}'), cxm.path_collapse('{a}'), cxm.path_collapse('{}');
-- a run of NULLs is one NULL; NULL and '' are different elements
SELECT cxm.path_collapse('{NULL,NULL,a,a,NULL,"","",NULL,NULL}');
-- byte-wise comparison: case and prefixes matter
SELECT cxm.path_collapse('{Web,web,web,web2,web}');
-- NULL array -> NULL
SELECT cxm.path_collapse(NULL) IS NULL AS null_in_null_out;
-- the result is indexed from 1, collapsed or not
SELECT p, array_lower(p, 1) AS lower, array_upper(p, 1) AS upper
FROM (VALUES (cxm.path_collapse('[0:3]={a,a,b,b}')),
             (cxm.path_collapse('[5:7]={a,b,c}')),
             (cxm.path_collapse('[-2:-2]={x}'))) v(p);
-- with journey_path
SELECT cust, cxm.path_collapse(cxm.journey_path(tp, ts)) FROM jp_hand GROUP BY cust ORDER BY cust;
-- random paths with NULLs against a plain SQL collapse (IS DISTINCT FROM the previous element)
CREATE TABLE jp_paths AS
SELECT cust,
       array_agg(CASE WHEN i % 13 = 0 THEN NULL
                      ELSE chr(97 + get_byte(decode(md5(i::text), 'hex'), 0) % 3) END ORDER BY i) AS p
FROM jp_ev GROUP BY cust;
SELECT count(*) AS paths,
       sum(cardinality(p)) AS elements,
       sum(cardinality(cxm.path_collapse(p))) AS kept,
       count(*) FILTER (WHERE cxm.path_collapse(p) IS DISTINCT FROM
         (SELECT array_agg(x ORDER BY n) FROM unnest(p) WITH ORDINALITY u(x, n)
          WHERE n = 1 OR x IS DISTINCT FROM p[n - 1])) AS mismatches
FROM jp_paths;

-- ---------------------------------------------------------------------------
-- sessionize
-- ---------------------------------------------------------------------------
SELECT ts, cxm.sessionize(ts, '30 minutes') OVER (ORDER BY ts) AS session
FROM (VALUES ('2026-01-01 10:00'::timestamptz), ('2026-01-01 10:29'),
             ('2026-01-01 10:59'),      -- exactly 30 minutes: same session
             ('2026-01-01 11:29:00.000001'), -- 30 minutes + 1 us: new session
             ('2026-01-01 11:29:00.000001'), -- tie
             ('2026-01-02 08:00'), (NULL)) v(ts);
-- partitions restart at 1; NULL ts rows take the current session and do not break the chain
SELECT cust, i, ts, cxm.sessionize(ts, '1 hour') OVER (PARTITION BY cust ORDER BY i) AS session
FROM (VALUES (1, 1, '2026-01-01 10:00'::timestamptz), (1, 2, NULL), (1, 3, '2026-01-01 10:50'),
             (1, 4, '2026-01-01 12:00'), (1, 5, NULL),
             (2, 1, NULL), (2, 2, '2026-01-01 09:00'), (2, 3, '2026-01-01 09:30'),
             (2, 4, '2026-01-01 08:00'),   -- a step back in time never starts a session
             (2, 5, '2026-01-01 09:31')) v(cust, i, ts)
ORDER BY cust, i;
-- months count 30 days and days 24 hours, as PostgreSQL compares intervals
SELECT g, ts, cxm.sessionize(ts, g) OVER (PARTITION BY g ORDER BY ts) AS session
FROM (VALUES ('2026-01-01'::timestamptz), ('2026-01-31'), ('2026-03-02 00:00:01')) t(ts)
CROSS JOIN (VALUES ('1 month'::interval), ('1 day -1 hour')) v(g)
ORDER BY g, ts;
-- infinite timestamps: a step from -infinity or to infinity always starts a session
SELECT ts, cxm.sessionize(ts, '1000 years') OVER (ORDER BY ts) AS session
FROM (VALUES ('-infinity'::timestamptz), ('2026-01-01'), ('infinity'), ('infinity')) v(ts);
-- a NULL gap gives NULL
SELECT ts, cxm.sessionize(ts, NULL) OVER (ORDER BY ts) AS session
FROM (VALUES ('2026-01-01'::timestamptz)) v(ts);

-- thousands of rows against lag() + a running count, ordered by ts
CREATE TABLE jp_clicks AS
SELECT i, i % 37 AS cust,
       CASE WHEN i % 101 = 0 THEN NULL
            ELSE timestamptz '2026-03-01' + ((i * 7907) % 4000) * interval '5 minutes' END AS ts
FROM generate_series(1, 20000) i;
CREATE INDEX ON jp_clicks (cust, i);
ANALYZE jp_clicks;
WITH ours AS (
  SELECT i, cxm.sessionize(ts, '30 minutes') OVER w AS s,
         cxm.sessionize(ts, CASE WHEN cust % 2 = 0 THEN interval '10 minutes' ELSE interval '2 hours' END) OVER w AS s2
  FROM jp_clicks WINDOW w AS (PARTITION BY cust ORDER BY ts, i)
), brk AS (
  SELECT i, cust, ts,
         ts - lag(ts) OVER w > interval '30 minutes' AS b,
         ts - lag(ts) OVER w > CASE WHEN cust % 2 = 0 THEN interval '10 minutes' ELSE interval '2 hours' END AS b2
  FROM jp_clicks WINDOW w AS (PARTITION BY cust ORDER BY ts, i)
), ref AS (
  SELECT i, 1 + count(*) FILTER (WHERE b) OVER w AS s, 1 + count(*) FILTER (WHERE b2) OVER w AS s2
  FROM brk WINDOW w AS (PARTITION BY cust ORDER BY ts, i ROWS UNBOUNDED PRECEDING)
)
SELECT count(*) AS rows, max(o.s) AS max_session, sum(o.s) AS sum_sessions,
       count(*) FILTER (WHERE o.s IS DISTINCT FROM r.s) AS mismatches,
       count(*) FILTER (WHERE o.s2 IS DISTINCT FROM r.s2) AS mismatches_gap2
FROM ours o JOIN ref r USING (i);
-- NULLS FIRST: the leading NULL rows are in session 1
WITH ours AS (
  SELECT i, cxm.sessionize(ts, '30 minutes') OVER w AS s
  FROM jp_clicks WINDOW w AS (PARTITION BY cust ORDER BY ts NULLS FIRST, i)
), ref AS (
  SELECT i, 1 + count(*) FILTER (WHERE b) OVER (PARTITION BY cust ORDER BY ts NULLS FIRST, i ROWS UNBOUNDED PRECEDING) AS s
  FROM (SELECT i, cust, ts, ts - lag(ts) OVER (PARTITION BY cust ORDER BY ts NULLS FIRST, i) > interval '30 minutes' AS b
        FROM jp_clicks) x
)
SELECT count(*) AS rows, count(*) FILTER (WHERE o.s IS DISTINCT FROM r.s) AS mismatches
FROM ours o JOIN ref r USING (i);
-- ordered by i (time not monotone, NULLs in the middle): the previous
-- non-NULL ts of the partition, found by a correlated subquery
WITH ours AS (
  SELECT i, cust, ts, cxm.sessionize(ts, '45 minutes') OVER (PARTITION BY cust ORDER BY i) AS s
  FROM jp_clicks WHERE cust < 8
), prev AS (
  SELECT i, cust,
         ts - (SELECT c2.ts FROM jp_clicks c2 WHERE c2.cust = c.cust AND c2.i < c.i AND c2.ts IS NOT NULL
               ORDER BY c2.i DESC LIMIT 1) > interval '45 minutes' AS b
  FROM jp_clicks c WHERE cust < 8
), ref AS (
  SELECT i, 1 + count(*) FILTER (WHERE b) OVER (PARTITION BY cust ORDER BY i) AS s FROM prev
)
SELECT count(*) AS rows, max(o.s) AS max_session,
       count(*) FILTER (WHERE o.s IS DISTINCT FROM r.s) AS mismatches
FROM ours o JOIN ref r USING (i);

-- ---------------------------------------------------------------------------
-- errors, each with its SQLSTATE and the value named
-- ---------------------------------------------------------------------------
SELECT pg_temp.err($$SELECT cxm.journey_path('a', now(), 0)$$);
SELECT pg_temp.err($$SELECT cxm.journey_path(t, now(), -3) FROM (VALUES ('a'), (NULL)) v(t)$$);
SELECT pg_temp.err($$SELECT cxm.journey_path(t, now(), NULL) FROM (VALUES ('a')) v(t)$$);
-- max_steps must be the same on every row of a group (NULL touchpoint rows included)
SELECT pg_temp.err($$SELECT cxm.journey_path(t, now(), k) FROM (VALUES ('a', 3), ('b', 4)) v(t, k)$$);
SELECT pg_temp.err($$SELECT cxm.journey_path(t, now(), k) FROM (VALUES (NULL, 2), ('b', 3)) v(t, k)$$);
SELECT pg_temp.err($$SELECT cxm.sessionize(ts, '0') OVER (ORDER BY ts) FROM (VALUES (now())) v(ts)$$);
SELECT pg_temp.err($$SELECT cxm.sessionize(ts, '-5 minutes') OVER (ORDER BY ts) FROM (VALUES (now())) v(ts)$$);
SELECT pg_temp.err($$SELECT cxm.sessionize(ts, '1 mon -30 days') OVER (ORDER BY ts) FROM (VALUES (now())) v(ts)$$);
SELECT pg_temp.err($$SELECT cxm.path_collapse('{{a,a},{b,b}}')$$);
-- sessionize is a window function only
SELECT pg_temp.err($$SELECT cxm.sessionize(now(), '1 hour')$$);

DROP TABLE jp_hand, jp_ev, jp_ref, jp_ref_last, jp_paths, jp_clicks, jp_par1, jp_par, jp_par_sorted;
