-- nps_stats(score, confidence), added in 1.1: the NPS interval at a chosen level
SET extra_float_digits = 0;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

SELECT extversion FROM pg_extension WHERE extname = 'cxm';

-- hand-checked: 5 promoters, 3 passives, 2 detractors (+ NULLs, skipped)
CREATE TABLE hand_c (score int);
INSERT INTO hand_c VALUES (10),(10),(9),(9),(9),(8),(7),(7),(6),(0),(NULL),(NULL);
-- 90 %: z = 1.6448536269514715 (Python statistics.NormalDist().inv_cdf(0.95))
SELECT (s).n, (s).promoters, (s).passives, (s).detractors, (s).nps,
       round((s).std_error::numeric, 10) AS se,
       round((s).ci_low::numeric, 10) AS lo, round((s).ci_high::numeric, 10) AS hi
FROM (SELECT cxm.nps_stats(score, 0.9) AS s FROM hand_c) x;
SELECT round((30 - 1.6448536269514715 * 100 * sqrt(0.061))::numeric, 10) AS lo_formula,
       round((30 + 1.6448536269514715 * 100 * sqrt(0.061))::numeric, 10) AS hi_formula;
-- 99 %: z = 2.5758293035489
SELECT round((s).ci_low::numeric, 10) AS lo, round((s).ci_high::numeric, 10) AS hi
FROM (SELECT cxm.nps_stats(score, 0.99) AS s FROM hand_c) x;
SELECT round((30 - 2.5758293035489 * 100 * sqrt(0.061))::numeric, 10) AS lo_formula,
       round((30 + 2.5758293035489 * 100 * sqrt(0.061))::numeric, 10) AS hi_formula;
-- 95 % agrees with the 1.0 nps_stats(score) (which uses the literal 1.959964)
-- to the 7th digit
SELECT abs((a).ci_high - (b).ci_high) < 1e-5 AS same_95, (a).ci_high <> (b).ci_high AS not_literal
FROM (SELECT cxm.nps_stats(score, 0.95) AS a, cxm.nps_stats(score) AS b FROM hand_c) x;
-- a 99.9999 % interval is clamped to 100 above
SELECT (s).ci_high, round((s).ci_low::numeric, 6) AS lo
FROM (SELECT cxm.nps_stats(score, 0.999999) AS s FROM hand_c) x;

-- no answers -> NULL; only NULL answers -> NULL
SELECT cxm.nps_stats(score, 0.9) IS NULL AS empty_null FROM hand_c WHERE false;
SELECT cxm.nps_stats(NULL::int, 0.9) IS NULL AS nulls_null FROM hand_c;

-- per group, with the level as a parameter
SELECT g, (cxm.nps_stats(s, 0.8)).n, round((cxm.nps_stats(s, 0.8)).ci_low::numeric, 4) AS lo
FROM (VALUES (1, 10), (1, 0), (2, 9), (2, 9), (2, 6)) v(g, s) GROUP BY g ORDER BY g;

-- errors
SELECT pg_temp.err($$SELECT cxm.nps_stats(score, 1.0) FROM hand_c$$);
SELECT pg_temp.err($$SELECT cxm.nps_stats(score, 0) FROM hand_c$$);
SELECT pg_temp.err($$SELECT cxm.nps_stats(score, 'NaN') FROM hand_c$$);
SELECT pg_temp.err($$SELECT cxm.nps_stats(score, NULL) FROM hand_c$$);
SELECT pg_temp.err($$SELECT cxm.nps_stats(s, 0.9) FROM (VALUES (11)) v(s)$$);
SELECT pg_temp.err($$SELECT cxm.nps_stats(s, c) FROM (VALUES (9, 0.9), (8, 0.8)) v(s, c)$$);
-- a NULL score with a bad level is still an error
SELECT pg_temp.err($$SELECT cxm.nps_stats(NULL::int, 2) FROM hand_c$$);
-- malformed states given to the support functions by hand
SELECT pg_temp.err($$SELECT cxm.nps_conf_final('{1,2}')$$);
SELECT pg_temp.err($$SELECT cxm.nps_conf_final('{1,2,3,0}')$$);
SELECT pg_temp.err($$SELECT cxm.nps_conf_final('{-1,2,3,0}')$$);
SELECT pg_temp.err($$SELECT cxm.nps_conf_combine('{1,0,0,4607182418800017408}', '{1,0,0,4606281698874543309}')$$);
SELECT pg_temp.err($$SELECT cxm.nps_conf_accum_inv('{0,0,0,0}', 9, 0.9)$$);

-- moving window: exact inverse transition, the same as recomputing each frame
CREATE TABLE daily_c AS
  SELECT d, (d * 7 + d / 3) % 11 AS score FROM generate_series(1, 60) d;
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.s IS NOT DISTINCT FROM r.s) AS identical
FROM (SELECT d, cxm.nps_stats(score, 0.9) OVER (ORDER BY d ROWS 6 PRECEDING) AS s
      FROM daily_c) w
JOIN LATERAL (SELECT cxm.nps_stats(score, 0.9) AS s FROM daily_c
              WHERE d BETWEEN w.d - 6 AND w.d) r ON true;

-- parallel plan: partial aggregation with the combine function
CREATE TABLE many_c AS SELECT (i * 7) % 11 AS score FROM generate_series(1, 20000) i;
ANALYZE many_c;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT cxm.nps_stats(score, 0.9) FROM many_c;
SELECT (s).n, round((s).nps::numeric, 6) AS nps, round((s).ci_low::numeric, 6) AS lo
FROM (SELECT cxm.nps_stats(score, 0.9) AS s FROM many_c) x;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT (s).n, round((s).nps::numeric, 6) AS nps, round((s).ci_low::numeric, 6) AS lo
FROM (SELECT cxm.nps_stats(score, 0.9) AS s FROM many_c) x;
