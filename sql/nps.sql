-- NPS and survey scores: nps_agg, nps_stats, nps_category, nps_compare, csat_agg
SET extra_float_digits = 0;

-- run a statement, return its SQLSTATE and message (or 'ok')
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- hand-checked: 5 promoters, 3 passives, 2 detractors (+ NULLs, skipped)
CREATE TABLE hand (score int);
INSERT INTO hand VALUES (10),(10),(9),(9),(9),(8),(7),(7),(6),(0),(NULL),(NULL);
SELECT cxm.nps_agg(score) FROM hand;
SELECT (s).* FROM (SELECT cxm.nps_stats(score) AS s FROM hand) x;
-- the same by doc/nps.md's formula: p = .5, d = .2, se = 100 sqrt(.61/10)
SELECT round((100 * sqrt((0.5 + 0.2 - (0.5 - 0.2)^2) / 10))::numeric, 10) AS se_formula,
       round((30 - 1.959964 * 100 * sqrt(0.061))::numeric, 10) AS lo_formula,
       round((30 + 1.959964 * 100 * sqrt(0.061))::numeric, 10) AS hi_formula;
SELECT round((s).std_error::numeric, 10) AS se, round((s).ci_low::numeric, 10) AS lo,
       round((s).ci_high::numeric, 10) AS hi
FROM (SELECT cxm.nps_stats(score) AS s FROM hand) x;

-- no rows, only NULLs -> NULL; a single answer
SELECT cxm.nps_agg(score) IS NULL AS empty_null, cxm.nps_stats(score) IS NULL AS stats_null
FROM hand WHERE false;
SELECT cxm.nps_agg(NULL::int), cxm.nps_stats(NULL::int) IS NULL AS stats_null FROM hand;
SELECT (cxm.nps_stats(s)).* FROM (VALUES (9)) v(s);
-- all promoters / all detractors: zero error, interval clamped to the point
SELECT (cxm.nps_stats(s)).* FROM (VALUES (10),(9),(10)) v(s);
SELECT (cxm.nps_stats(s)).* FROM (VALUES (0),(6)) v(s);
-- 1 promoter + 1 detractor: se 70.7, interval clamped to [-100, 100]
SELECT (cxm.nps_stats(s)).* FROM (VALUES (10),(0)) v(s);

-- category boundaries
SELECT s, cxm.nps_category(s) FROM generate_series(0, 10) s;
SELECT cxm.nps_category(NULL);

-- thousands of rows in many groups against plain SQL (count FILTER)
CREATE TABLE answers AS
SELECT i, i % 97 AS grp, (i * 7919 + (i / 13) * 104729) % 11 AS score,
       date '2026-01-01' + (i % 120) AS day
FROM generate_series(1, 20000) i;
UPDATE answers SET score = NULL WHERE i % 17 = 0;
ANALYZE answers;
WITH ours AS (
  SELECT grp, cxm.nps_agg(score) AS nps, cxm.nps_stats(score) AS st
  FROM answers GROUP BY grp
), plain AS (
  SELECT grp,
         count(score) AS n,
         count(*) FILTER (WHERE score >= 9) AS pr,
         count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS pa,
         count(*) FILTER (WHERE score <= 6) AS de
  FROM answers GROUP BY grp
), formula AS (
  SELECT grp, n, pr, pa, de,
         100.0 * (pr - de) / n AS nps,
         100 * sqrt((pr::float8 / n + de::float8 / n - (pr::float8 / n - de::float8 / n)^2) / n) AS se
  FROM plain
)
SELECT count(*) AS groups,
       count(*) FILTER (WHERE abs(o.nps - f.nps) > 1e-9) AS nps_mismatch,
       count(*) FILTER (WHERE (o.st).n <> f.n OR (o.st).promoters <> f.pr
                          OR (o.st).passives <> f.pa OR (o.st).detractors <> f.de) AS count_mismatch,
       count(*) FILTER (WHERE abs((o.st).nps - f.nps) > 1e-9
                          OR abs((o.st).std_error - f.se) > 1e-9
                          OR abs((o.st).ci_low - greatest(-100, f.nps - 1.959964 * f.se)) > 1e-9
                          OR abs((o.st).ci_high - least(100, f.nps + 1.959964 * f.se)) > 1e-9) AS stats_mismatch,
       sum(f.n) AS answers
FROM ours o JOIN formula f USING (grp);

-- parallel plans: Partial Aggregate with the combine function, same result
CREATE TABLE serial_result AS
SELECT cxm.nps_agg(score) AS nps, cxm.nps_stats(score) AS st, cxm.csat_agg(score % 5 + 1, 5) AS csat
FROM answers;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT cxm.nps_agg(score), cxm.nps_stats(score), cxm.csat_agg(score % 5 + 1, 5) FROM answers;
SELECT p.nps = s.nps AS nps_same, p.st = s.st AS stats_same, p.csat = s.csat AS csat_same
FROM (SELECT cxm.nps_agg(score) AS nps, cxm.nps_stats(score) AS st,
             cxm.csat_agg(score % 5 + 1, 5) AS csat FROM answers) p,
     serial_result s;
EXPLAIN (COSTS OFF)
SELECT grp, cxm.nps_stats(score) FROM answers GROUP BY grp;
-- grouped in parallel against the plain SQL counts (computed serially)
SET max_parallel_workers_per_gather = 0;
CREATE TABLE plain_groups AS
SELECT grp, count(*) FILTER (WHERE score >= 9) AS pr,
       count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS pa,
       count(*) FILTER (WHERE score <= 6) AS de,
       100.0 * count(*) FILTER (WHERE score % 5 + 1 >= 4) / count(score) AS csat
FROM answers GROUP BY grp;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE (p.st).promoters IS DISTINCT FROM q.pr
                          OR (p.st).passives IS DISTINCT FROM q.pa
                          OR (p.st).detractors IS DISTINCT FROM q.de
                          OR abs(p.nps - 100.0 * (q.pr - q.de) / (q.pr + q.pa + q.de)) > 1e-9
                          OR abs(p.csat - q.csat) > 1e-9) AS groups_differing
FROM (SELECT grp, cxm.nps_stats(score) AS st, cxm.nps_agg(score) AS nps,
             cxm.csat_agg(score % 5 + 1, 5) AS csat
      FROM answers GROUP BY grp) p
JOIN plain_groups q USING (grp);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- moving windows (exact inverse) against a recomputation per frame
WITH w AS (
  SELECT i, cxm.nps_agg(score) OVER fr AS nps, cxm.nps_stats(score) OVER fr AS st,
         cxm.csat_agg(score % 5 + 1, 5) OVER fr AS csat
  FROM (SELECT i, score FROM answers WHERE grp < 5) a
  WINDOW fr AS (ORDER BY i ROWS 29 PRECEDING)
), r AS (
  SELECT a.i,
         100.0 * (count(*) FILTER (WHERE b.score >= 9) - count(*) FILTER (WHERE b.score <= 6))
           / nullif(count(b.score), 0) AS nps,
         count(b.score) AS n,
         100.0 * count(*) FILTER (WHERE b.score % 5 + 1 >= 4) / nullif(count(b.score), 0) AS csat
  FROM (SELECT i, row_number() OVER (ORDER BY i) AS rn FROM answers WHERE grp < 5) a
  JOIN (SELECT i, score, row_number() OVER (ORDER BY i) AS rn FROM answers WHERE grp < 5) b
    ON b.rn BETWEEN a.rn - 29 AND a.rn
  GROUP BY a.i
)
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.nps IS DISTINCT FROM r.nps::float8
                          AND abs(w.nps - r.nps) > 1e-9) AS nps_mismatch,
       count(*) FILTER (WHERE (w.st).n IS DISTINCT FROM nullif(r.n, 0)) AS n_mismatch,
       count(*) FILTER (WHERE w.csat IS DISTINCT FROM r.csat::float8
                          AND abs(w.csat - r.csat) > 1e-9) AS csat_mismatch
FROM w JOIN r USING (i);
-- a moving frame that empties out returns NULL again
SELECT x, cxm.nps_agg(s) OVER (ORDER BY x ROWS 1 PRECEDING) AS nps
FROM (VALUES (1, 10), (2, NULL), (3, NULL), (4, 0)) v(x, s);

-- nps_compare
SELECT * FROM cxm.nps_compare(ROW(100, 50, 30, 20, 30, 3, 0, 0)::cxm.nps_result,
                              ROW(100, 40, 40, 20, 20, 4, 0, 0)::cxm.nps_result);
SELECT round(p_value::numeric, 12) AS p_value_z2 FROM
  cxm.nps_compare(ROW(1, 1, 0, 0, 30, 3, 0, 0)::cxm.nps_result,
                  ROW(1, 1, 0, 0, 20, 4, 0, 0)::cxm.nps_result);
-- both standard errors 0: z and p_value are NULL
SELECT * FROM cxm.nps_compare((SELECT cxm.nps_stats(s) FROM (VALUES (10),(9)) v(s)),
                              (SELECT cxm.nps_stats(s) FROM (VALUES (0),(3)) v(s)));
-- strict
SELECT * FROM cxm.nps_compare(NULL, (SELECT cxm.nps_stats(s) FROM (VALUES (10)) v(s)));
-- two channels of the test data
SELECT round(diff::numeric, 6) AS diff, round(std_error::numeric, 6) AS se,
       round(z::numeric, 6) AS z, round(p_value::numeric, 6) AS p
FROM cxm.nps_compare((SELECT cxm.nps_stats(score) FROM answers WHERE grp % 2 = 0),
                     (SELECT cxm.nps_stats(score) FROM answers WHERE grp % 2 = 1));

-- CSAT
SELECT cxm.csat_agg(s, 5) FROM (VALUES (5),(4),(3),(1),(NULL)) v(s);
SELECT cxm.csat_agg(s, 10) FROM (VALUES (10),(9),(8)) v(s);
SELECT cxm.csat_agg(s, 5) IS NULL AS empty_null FROM (VALUES (NULL::int)) v(s);
SELECT grp % 3 AS g, cxm.csat_agg(score + 1, 11),
       100.0 * count(*) FILTER (WHERE score + 1 >= 10) / count(score) AS plain
FROM answers GROUP BY 1 ORDER BY 1;

-- errors, each with its SQLSTATE and the value named
SELECT pg_temp.err('SELECT cxm.nps_agg(s) FROM (VALUES (3), (11)) v(s)');
SELECT pg_temp.err('SELECT cxm.nps_stats(s) FROM (VALUES (-1)) v(s)');
SELECT pg_temp.err('SELECT cxm.nps_agg(s) OVER (ORDER BY s ROWS 2 PRECEDING) FROM (VALUES (12)) v(s)');
SELECT pg_temp.err('SELECT cxm.nps_category(11)');
SELECT pg_temp.err('SELECT cxm.nps_category(-5)');
SELECT pg_temp.err('SELECT cxm.csat_agg(s, 5) FROM (VALUES (6)) v(s)');
SELECT pg_temp.err('SELECT cxm.csat_agg(s, 5) FROM (VALUES (0)) v(s)');
SELECT pg_temp.err('SELECT cxm.csat_agg(s, NULL) FROM (VALUES (4)) v(s)');
SELECT pg_temp.err('SELECT cxm.csat_agg(s, 1) FROM (VALUES (1)) v(s)');
SELECT pg_temp.err('SELECT cxm.csat_agg(s, m) FROM (VALUES (4, 5), (7, 7)) v(s, m)');
SELECT pg_temp.err('SELECT cxm.nps_compare(ROW(1,1,0,0,100,-1,0,0)::cxm.nps_result, ROW(1,1,0,0,100,0,0,0)::cxm.nps_result)');
-- the support functions validate a state handed in by hand
SELECT pg_temp.err('SELECT cxm.nps_accum(''{1,2}''::int8[], 5)');
SELECT pg_temp.err('SELECT cxm.nps_final(''{1,NULL,3}''::int8[])');
SELECT pg_temp.err('SELECT cxm.nps_final(''{-5,0,0}''::int8[])');
SELECT pg_temp.err('SELECT cxm.nps_accum_inv(''{0,0,0}''::int8[], 5)');
SELECT pg_temp.err('SELECT cxm.csat_combine(''{1,1,5}''::int8[], ''{1,1,7}''::int8[])');
SELECT cxm.nps_accum('{1,2,3}'::int8[], 10) AS called_directly;
-- inside aggregates the transition checks a state where it enters (the
-- initial value, each group's copy of it), then updates it in place; an
-- aggregate of one's own built on nps_accum with a bad initial state fails
-- in plain, sorted, hashed and moving-window aggregation alike
CREATE AGGREGATE nps_short(int4) (SFUNC = cxm.nps_accum, STYPE = int8[], INITCOND = '{0,0}',
  FINALFUNC = cxm.nps_final);
CREATE AGGREGATE nps_nulls(int4) (SFUNC = cxm.nps_accum, STYPE = int8[], INITCOND = '{0,NULL,0}',
  FINALFUNC = cxm.nps_final, MSFUNC = cxm.nps_accum, MINVFUNC = cxm.nps_accum_inv,
  MSTYPE = int8[], MINITCOND = '{0,0,0,0}', MFINALFUNC = cxm.nps_final);
CREATE AGGREGATE nps_from5(int4) (SFUNC = cxm.nps_accum, STYPE = int8[], INITCOND = '{5,0,0}',
  FINALFUNC = cxm.nps_final);
SELECT pg_temp.err('SELECT nps_short(s) FROM generate_series(0, 10) s');
SELECT pg_temp.err('SELECT s % 3, nps_nulls(s) FROM generate_series(0, 10) s GROUP BY 1');
SET enable_hashagg = off;
SELECT pg_temp.err('SELECT s % 3, nps_short(s) FROM generate_series(0, 10) s GROUP BY 1');
RESET enable_hashagg;
SELECT pg_temp.err('SELECT nps_nulls(s) OVER (ORDER BY s ROWS 2 PRECEDING) FROM generate_series(0, 10) s');
-- a good initial state is counted: 5 promoters before the rows (2 9s, 2 10s, 7 detractors of 11 + 2 passives)
SELECT nps_from5(s) AS from5, 100.0 * (5 + 2 - 7) / (5 + 11) AS expected FROM generate_series(0, 10) s;
SELECT s % 2 AS g, nps_from5(s) AS from5 FROM generate_series(0, 10) s GROUP BY 1 ORDER BY 1;
-- hashed aggregation that spills to disk starts every group again from a
-- copy of the initial value: same counts as plain SQL
SET work_mem = '64kB';
SET enable_sort = off;
CREATE FUNCTION pg_temp.hash_batches(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'HashAgg Batches')::int;
END $$;
SELECT pg_temp.hash_batches('SELECT i % 5000, nps_from5(score), cxm.nps_stats(score) FROM answers GROUP BY 1') > 1
  AS spilled;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE abs(o.nps - 100.0 * (5 + q.pr - q.de) / (5 + q.n)) > 1e-9
                          OR (o.st).n <> q.n OR (o.st).promoters <> q.pr
                          OR (o.st).detractors <> q.de) AS groups_differing
FROM (SELECT i % 5000 AS g, nps_from5(score) AS nps, cxm.nps_stats(score) AS st
      FROM answers GROUP BY 1) o
JOIN (SELECT i % 5000 AS g, count(score) AS n, count(*) FILTER (WHERE score >= 9) AS pr,
             count(*) FILTER (WHERE score <= 6) AS de
      FROM answers GROUP BY 1) q USING (g);
RESET work_mem;
RESET enable_sort;
DROP AGGREGATE nps_short(int4);
DROP AGGREGATE nps_nulls(int4);
DROP AGGREGATE nps_from5(int4);

-- called by hand row after row, outside any aggregate, every state is
-- checked (good ones first, then a bad one), also when the call is an
-- argument evaluated by an aggregate node; the caller's array is not changed
SELECT pg_temp.err('SELECT cxm.nps_accum(''{{1,2,3}}''::int8[], 5)');
SELECT pg_temp.err('SELECT cxm.nps_accum(''{1,NULL,3}''::int8[], 5)');
SELECT pg_temp.err('SELECT cxm.csat_accum(''{1,1}''::int8[], 4, 5)');
SELECT pg_temp.err('SELECT cxm.csat_accum(NULL, 4, 5)');
SELECT pg_temp.err('SELECT cxm.nps_conf_accum(''{0,0,0}''::int8[], 4, 0.9)');
SELECT pg_temp.err($$SELECT cxm.nps_accum(CASE WHEN s < 10 THEN '{0,0,0}' ELSE '{0,0}' END::int8[], s)
  FROM generate_series(0, 10) s$$);
SELECT pg_temp.err($$SELECT count(cxm.nps_accum(CASE WHEN s < 10 THEN '{0,0,0}' ELSE '{0,0}' END::int8[], s))
  FROM generate_series(0, 10) s$$);
SELECT pg_temp.err($$SELECT cxm.csat_accum(CASE WHEN s < 4 THEN '{0,0,0}' ELSE '{{0,0,0}}' END::int8[], s, 5)
  FROM generate_series(1, 5) s$$);
SELECT cxm.nps_accum(x, 10) AS plus_promoter, cxm.nps_accum(x, 0) AS plus_detractor, x
FROM (VALUES ('{1,2,3}'::int8[])) v(x);

-- a moving aggregate of one's own whose inverse hands back a bad array: the
-- transition checks every state in a window (no final function that would
-- check after it: the state is the result)
CREATE FUNCTION bad_inverse(s int8[], x int4) RETURNS int8[] LANGUAGE sql IMMUTABLE STRICT
  AS $$SELECT '{0,0}'::int8[]$$;
CREATE AGGREGATE nps_bad_inverse(int4) (SFUNC = cxm.nps_accum, STYPE = int8[], INITCOND = '{0,0,0}',
  MSFUNC = cxm.nps_accum, MINVFUNC = bad_inverse, MSTYPE = int8[], MINITCOND = '{0,0,0}');
SELECT pg_temp.err('SELECT nps_bad_inverse(s) OVER (ORDER BY s ROWS 1 PRECEDING) FROM generate_series(0, 10) s');
DROP AGGREGATE nps_bad_inverse(int4);
DROP FUNCTION bad_inverse(int8[], int4);

-- damaged states reaching a combine function in a parallel plan: the
-- partial states of aggregates of one's own whose transitions do not check
-- (a bad initial value kept as it is, or a bad array returned); no final
-- function, so only the combine function can notice
CREATE FUNCTION keep_state(s int8[], x int4) RETURNS int8[] LANGUAGE sql IMMUTABLE STRICT
  PARALLEL SAFE AS 'SELECT s';
CREATE FUNCTION two_dims(s int8[], x int4) RETURNS int8[] LANGUAGE sql IMMUTABLE STRICT
  PARALLEL SAFE AS $$SELECT '{{1,2,3}}'::int8[]$$;
CREATE FUNCTION short_state(s int8[], x int4, m int4) RETURNS int8[] LANGUAGE sql IMMUTABLE
  PARALLEL SAFE AS $$SELECT '{1,1}'::int8[]$$;
CREATE AGGREGATE nps_bad_init(int4) (SFUNC = keep_state, STYPE = int8[], INITCOND = '{0,NULL,0}',
  COMBINEFUNC = cxm.nps_combine, PARALLEL = SAFE);
CREATE AGGREGATE nps_bad_partial(int4) (SFUNC = two_dims, STYPE = int8[], INITCOND = '{0,0,0}',
  COMBINEFUNC = cxm.nps_combine, PARALLEL = SAFE);
CREATE AGGREGATE csat_bad_partial(int4, int4) (SFUNC = short_state, STYPE = int8[],
  INITCOND = '{0,0,0}', COMBINEFUNC = cxm.csat_combine, PARALLEL = SAFE);
CREATE AGGREGATE nps_conf_bad_partial(int4) (SFUNC = keep_state, STYPE = int8[], INITCOND = '{0,0,0}',
  COMBINEFUNC = cxm.nps_conf_combine, PARALLEL = SAFE);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT nps_bad_init(score), nps_bad_partial(score) FROM answers;
SELECT pg_temp.err('SELECT nps_bad_init(score) FROM answers');
SELECT pg_temp.err('SELECT nps_bad_partial(score) FROM answers');
SELECT pg_temp.err('SELECT csat_bad_partial(score % 5 + 1, 5) FROM answers');
SELECT pg_temp.err('SELECT nps_conf_bad_partial(score) FROM answers');
-- the same by hand
SELECT pg_temp.err('SELECT cxm.nps_combine(''{0,0,0}''::int8[], ''{{1,2,3}}''::int8[])');
SELECT pg_temp.err('SELECT cxm.nps_combine(''{0,NULL,0}''::int8[], ''{1,2,3}''::int8[])');
SELECT cxm.nps_combine('{1,2,3}'::int8[], '{10,20,30}'::int8[]) AS combined;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP AGGREGATE nps_bad_init(int4);
DROP AGGREGATE nps_bad_partial(int4);
DROP AGGREGATE csat_bad_partial(int4, int4);
DROP AGGREGATE nps_conf_bad_partial(int4);
DROP FUNCTION keep_state(int8[], int4);
DROP FUNCTION two_dims(int8[], int4);
DROP FUNCTION short_state(int8[], int4, int4);
