-- Churn and lifetime value: rfm, bgnbd_fit, p_alive, churn_score,
-- expected_purchases, gammagamma_fit, expected_spend, clv, rfm_segment
SET extra_float_digits = 0;
SET timezone = 'UTC';

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- CDNOW 1/10 sample, 39-week calibration period, time in weeks (test/data/README.md)
CREATE TABLE cdnow (id int, frequency float8, recency float8, t float8);
\copy cdnow FROM 'test/data/cdnow_customers_summary.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE cdnow_spend (id int, x float8, t_x float8, t float8, zbar float8);
\copy cdnow_spend FROM 'test/data/cdnow_customers_summary_with_transactions.csv' WITH (FORMAT csv, HEADER true)
SELECT count(*) AS customers, count(DISTINCT (frequency, recency, t)) AS distinct_rows FROM cdnow;

-- published optimum: r 0.242593, alpha 4.413532, a 0.792886, b 2.425753, LL -9582.4256
CREATE TABLE bg AS SELECT cxm.bgnbd_fit(frequency, recency, t) AS m FROM cdnow;
SELECT round((m).r::numeric, 4) AS r, round((m).alpha::numeric, 4) AS alpha,
       round((m).a::numeric, 4) AS a, round((m).b::numeric, 4) AS b,
       round((m).log_likelihood::numeric, 2) AS ll, (m).n
FROM bg;
-- published: 1.226 expected purchases in 39 weeks for (2, 30.43, 38.86)
SELECT round(cxm.expected_purchases(m, 39, 2, 30.43, 38.86)::numeric, 3) AS e39 FROM bg;

-- p_alive by the closed form 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+tx))^(r+x)), over all customers
SELECT count(*) FILTER (WHERE abs(cxm.p_alive(m, frequency, recency, t) - CASE WHEN frequency = 0 THEN 1
         ELSE 1 / (1 + (m).a / ((m).b + frequency - 1)
                   * (((m).alpha + t) / ((m).alpha + recency)) ^ ((m).r + frequency)) END) > 1e-12) AS mismatches,
       count(*) FILTER (WHERE abs(cxm.churn_score(m, frequency, recency, t)
                                 + cxm.p_alive(m, frequency, recency, t) - 1) > 1e-15) AS churn_mismatches,
       min(cxm.p_alive(m, frequency, recency, t)) >= 0 AS lo_ok,
       max(cxm.p_alive(m, frequency, recency, t)) <= 1 AS hi_ok
FROM cdnow, bg;
-- frequency 0 is always alive; huge frequencies stay in [0, 1]
SELECT cxm.p_alive(m, 0, 0, 38) AS zero_freq,
       cxm.p_alive(m, 1e9, 38, 38) BETWEEN 0 AND 1 AS huge_recent,
       cxm.p_alive(m, 1e9, 1, 38) BETWEEN 0 AND 1 AS huge_old,
       cxm.churn_score(m, 1e9, 1, 38) BETWEEN 0 AND 1 AS churn_huge
FROM bg;
-- expected purchases grow with the horizon and are 0 at horizon 0
SELECT cxm.expected_purchases(m, 0, 2, 30.43, 38.86) AS h0,
       cxm.expected_purchases(m, 10, 2, 30.43, 38.86) < cxm.expected_purchases(m, 20, 2, 30.43, 38.86) AS grows
FROM bg;

-- Gamma-Gamma on the 946 repeat buyers: the file's optimum p 6.2488, q 3.7446, v 15.4477, LL -4055.92
CREATE TABLE gg AS SELECT cxm.gammagamma_fit(x, zbar) AS m FROM cdnow_spend;
SELECT round((m).p::numeric, 3) AS p, round((m).q::numeric, 3) AS q, round((m).v::numeric, 2) AS v,
       round((m).log_likelihood::numeric, 1) AS ll, (m).n
FROM gg;
-- expected spend: the population mean for x = 0, otherwise p (v + x m) / (p x + q - 1)
SELECT round(cxm.expected_spend(m, 0, 0)::numeric, 6) = round(((m).p * (m).v / ((m).q - 1))::numeric, 6) AS mean_ok,
       round(cxm.expected_spend(m, 2, 22.35)::numeric, 4) AS spend_2_22_35,
       round(((m).p * ((m).v + 2 * 22.35) / ((m).p * 2 + (m).q - 1))::numeric, 4) AS by_formula
FROM gg;

-- clv against a plain-SQL sum over periods of the purchase increments
SELECT round(cxm.clv(b.m, g.m, 2, 30.43, 38.86, 22.35, 12, 0.01)::numeric, 4) AS clv,
       abs(cxm.clv(b.m, g.m, 2, 30.43, 38.86, 22.35, 12, 0.01)
           - sum((cxm.expected_purchases(b.m, i, 2, 30.43, 38.86)
                  - cxm.expected_purchases(b.m, i - 1, 2, 30.43, 38.86))
                 * cxm.expected_spend(g.m, 2, 22.35) / 1.01 ^ i)) < 1e-9 AS same_as_sum
FROM bg b, gg g, generate_series(1, 12) i GROUP BY b.m, g.m;
SELECT cxm.clv(b.m, g.m, 0, 0, 38.86, 0, 0, 0.01) AS zero_horizon FROM bg b, gg g;

-- the fit does not depend on the plan: parallel partial aggregation gives the same model
CREATE TABLE cdnow10 AS SELECT c.* FROM cdnow c, generate_series(1, 10);
ANALYZE cdnow10;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT cxm.bgnbd_fit(frequency, recency, t) FROM cdnow10;
EXPLAIN (COSTS OFF) SELECT cxm.gammagamma_fit(frequency, recency) FROM cdnow10 WHERE frequency > 0;
CREATE TABLE par AS SELECT cxm.bgnbd_fit(frequency, recency, t) AS m FROM cdnow10;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE ser AS SELECT cxm.bgnbd_fit(frequency, recency, t) AS m FROM cdnow10;
RESET max_parallel_workers_per_gather;
SELECT (p.m).n AS n, p.m = s.m AS identical,
       round(((p.m).r - (b.m).r)::numeric, 6) AS r_same_as_once
FROM par p, ser s, bg b;

-- the penalised fit shrinks the parameters and reports the unpenalised LL
SELECT round((m).r::numeric, 4) AS r, round((m).alpha::numeric, 4) AS alpha,
       round((m).a::numeric, 4) AS a, round((m).b::numeric, 4) AS b,
       (m).log_likelihood < (SELECT (m).log_likelihood FROM bg) AS worse_ll
FROM (SELECT cxm.bgnbd_fit(frequency, recency, t, 0.01) AS m FROM cdnow) x;

-- NULL rows are skipped; no rows -> NULL
SELECT (cxm.bgnbd_fit(f, r, t, 0.1)).n FROM (VALUES (1::float8, 2::float8, 3::float8), (NULL, 1, 2), (0, 0, NULL)) v(f, r, t);
SELECT cxm.bgnbd_fit(frequency, recency, t) IS NULL AS empty_null,
       cxm.gammagamma_fit(frequency, recency) IS NULL AS gg_empty_null
FROM cdnow WHERE false;
SELECT cxm.gammagamma_fit(frequency, 0) IS NULL AS only_one_timers FROM cdnow WHERE frequency = 0;

-- bad input names the value (22023)
SELECT pg_temp.err($$SELECT cxm.bgnbd_fit(f, r, t) FROM (VALUES (-1::float8, 0::float8, 5::float8)) v(f, r, t)$$);
SELECT pg_temp.err($$SELECT cxm.bgnbd_fit(f, r, t) FROM (VALUES (2::float8, 6::float8, 5::float8)) v(f, r, t)$$);
SELECT pg_temp.err($$SELECT cxm.bgnbd_fit(f, r, t) FROM (VALUES (1.5::float8, 2::float8, 5::float8)) v(f, r, t)$$);
SELECT pg_temp.err($$SELECT cxm.bgnbd_fit(f, r, t) FROM (VALUES (2::float8, 0::float8, 5::float8)) v(f, r, t)$$);
SELECT pg_temp.err($$SELECT cxm.bgnbd_fit(f, r, t) FROM (VALUES ('NaN'::float8, 1::float8, 5::float8)) v(f, r, t)$$);
SELECT pg_temp.err($$SELECT cxm.bgnbd_fit(frequency, recency, t, -0.1) FROM cdnow$$);
SELECT pg_temp.err($$SELECT cxm.bgnbd_fit(frequency, recency, t, id % 2) FROM cdnow$$);
SELECT pg_temp.err($$SELECT cxm.gammagamma_fit(f, m) FROM (VALUES (2::float8, 0::float8)) v(f, m)$$);
SELECT pg_temp.err($$SELECT cxm.gammagamma_fit(f, m) FROM (VALUES (-2::float8, 3::float8)) v(f, m)$$);
SELECT pg_temp.err($$SELECT cxm.p_alive(m, 3, 4, 2) FROM bg$$);
SELECT pg_temp.err($$SELECT cxm.expected_purchases(m, -1, 3, 1, 2) FROM bg$$);
SELECT pg_temp.err($$SELECT cxm.p_alive((-1, 1, 1, 1, 0, 0)::cxm.bgnbd_model, 1, 1, 2)$$);
SELECT pg_temp.err($$SELECT cxm.expected_spend((1, 0.5, 1, 0, 0)::cxm.gammagamma_model, 0, 0)$$);
SELECT pg_temp.err($$SELECT cxm.clv(b.m, g.m, 2, 30, 38, 20, -1, 0.1) FROM bg b, gg g$$);
SELECT pg_temp.err($$SELECT cxm.clv(b.m, g.m, 2, 30, 38, 20, 12, -1) FROM bg b, gg g$$);

-- too few customers: an error without a penalizer; no repeat buyers at all: a WARNING
SELECT pg_temp.err($$SELECT cxm.bgnbd_fit(f, r, t) FROM (VALUES (0::float8, 0::float8, 10::float8), (1, 5, 20)) v(f, r, t)$$);
SELECT (m).n, (m).r > 0 AS positive
FROM (SELECT cxm.bgnbd_fit(f, r, t, 0.05) AS m FROM (VALUES (0::float8, 0::float8, 10::float8), (1, 5, 20)) v(f, r, t)) x;
SELECT (m).n FROM (SELECT cxm.bgnbd_fit(0, 0, t) AS m FROM generate_series(10, 40) t) x;

-- rfm_segment: the full map, and out-of-range scores (22003)
SELECT r, string_agg(cxm.rfm_segment(r, f), ' | ' ORDER BY f) AS f1_to_f5
FROM generate_series(5, 1, -1) r, generate_series(1, 5) f GROUP BY r ORDER BY r DESC;
SELECT pg_temp.err($$SELECT cxm.rfm_segment(0, 3)$$);
SELECT pg_temp.err($$SELECT cxm.rfm_segment(3, 6)$$);

-- rfm() on the full CDNOW purchase log, against an independent computation
CREATE TABLE raw (line text);
\copy raw FROM PROGRAM 'gzip -dc test/data/CDNOW_master.txt.gz'
CREATE TABLE purchases AS
SELECT f[1]::int AS customer_id, to_date(f[2], 'YYYYMMDD')::timestamptz AS ts, f[4]::numeric AS amount
FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM raw WHERE btrim(line) ~ '^[0-9]') s;
SELECT count(*) AS purchases, count(DISTINCT customer_id) AS customers FROM purchases;

-- calendar days, as_of the end of the log
CREATE TABLE r_day AS
SELECT customer_id, (cxm.rfm(ts, amount, '1998-06-30', '1 day')).* FROM purchases GROUP BY customer_id;
CREATE TABLE r_day_sql AS
WITH per AS (SELECT customer_id, ts::date AS d, sum(amount) AS amt FROM purchases GROUP BY 1, 2),
firsts AS (SELECT customer_id, min(d) AS d0 FROM per GROUP BY 1)
SELECT p.customer_id, count(*) - 1 AS frequency, max(p.d) - f.d0 AS recency, date '1998-06-30' - f.d0 AS t,
       CASE WHEN count(*) > 1 THEN (sum(p.amt) FILTER (WHERE p.d > f.d0)) / (count(*) - 1) ELSE 0 END AS monetary
FROM per p JOIN firsts f USING (customer_id) GROUP BY p.customer_id, f.d0;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE a.frequency <> b.frequency OR a.recency <> b.recency OR a.t <> b.t
                          OR abs(a.monetary - b.monetary::float8) > 1e-9 * (1 + abs(a.monetary))) AS mismatches
FROM r_day a FULL JOIN r_day_sql b USING (customer_id);

-- ISO weeks, as_of the end of the 39-week calibration period; later purchases ignored
CREATE TABLE r_week AS
SELECT customer_id, (cxm.rfm(ts, amount, '1997-09-30', '1 week')).* FROM purchases GROUP BY customer_id;
CREATE TABLE r_week_sql AS
WITH per AS (SELECT customer_id, (date_trunc('week', ts)::date - date '1996-12-30') / 7 AS w, sum(amount) AS amt
             FROM purchases WHERE ts <= '1997-09-30' GROUP BY 1, 2),
firsts AS (SELECT customer_id, min(w) AS w0 FROM per GROUP BY 1)
SELECT p.customer_id, count(*) - 1 AS frequency, max(p.w) - f.w0 AS recency,
       (date '1997-09-29' - date '1996-12-30') / 7 - f.w0 AS t,
       CASE WHEN count(*) > 1 THEN (sum(p.amt) FILTER (WHERE p.w > f.w0)) / (count(*) - 1) ELSE 0 END AS monetary
FROM per p JOIN firsts f USING (customer_id) GROUP BY p.customer_id, f.w0;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE a.frequency IS DISTINCT FROM b.frequency OR a.recency IS DISTINCT FROM b.recency
                          OR a.t IS DISTINCT FROM b.t
                          OR abs(a.monetary - b.monetary::float8) > 1e-9 * (1 + abs(a.monetary))) AS mismatches,
       count(*) FILTER (WHERE a.frequency IS NULL) AS null_results
FROM r_week a FULL JOIN r_week_sql b USING (customer_id);

-- calendar months in another time zone, under a forced parallel plan
SET timezone = 'America/New_York';
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT cxm.rfm(ts, amount, '1998-06-30', '1 month') FROM purchases;
CREATE TABLE r_month AS
SELECT (cxm.rfm(ts, amount, '1998-06-30 12:00', '1 month')).* FROM purchases;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
WITH per AS (SELECT date_trunc('month', ts) AS mth, sum(amount) AS amt FROM purchases GROUP BY 1)
SELECT r.frequency = (SELECT count(*) - 1 FROM per) AS freq_ok,
       r.recency = (SELECT (extract(year FROM max(mth)) - extract(year FROM min(mth))) * 12
                           + extract(month FROM max(mth)) - extract(month FROM min(mth)) FROM per) AS rec_ok,
       r.t AS t_months,
       abs(r.monetary - (SELECT (sum(amt) - (SELECT amt FROM per ORDER BY mth LIMIT 1)) / (count(*) - 1) FROM per)::float8) < 1e-6 AS mon_ok
FROM r_month r;
SET timezone = 'UTC';

-- fixed units count whole units from the epoch; order of rows does not matter
SELECT (cxm.rfm(ts, a, '1970-01-03 00:00', '12 hours')).*
FROM (VALUES ('1970-01-01 13:00'::timestamptz, 5::numeric), ('1970-01-01 01:00', 1), ('1970-01-02 11:59', 3)) v(ts, a);
SELECT (cxm.rfm(ts, a, '1970-01-03 00:00', '12 hours')).*
FROM (VALUES ('1970-01-02 11:59'::timestamptz, 3::numeric), ('1970-01-01 13:00', 5), ('1970-01-01 01:00', 1)) v(ts, a);
-- monetary is bit-identical whatever the order rows arrive in (amounts are
-- summed exactly in millionths, doc/churn.md): three orders, a serial and a
-- forced parallel plan.  The amounts are chosen so that float8 sums differ
-- by order (0.1 + 0.2 + 0.3 is not 0.1 + (0.2 + 0.3) in float8); the
-- expected value is the exact numeric sum over the repeat days, divided in
-- float8 as documented: (sum * 10^6)::float8 / 10^6 / frequency.
CREATE TABLE rfm_exact AS
SELECT 1 + i % 3 AS cust, '2024-01-01'::timestamptz + (i % 17) * interval '1 day' AS ts,
       (ARRAY[0.1, 0.2, 0.3, 1e9 + 0.01, -1e9, 0.07, 12.345678])[1 + i % 7]::numeric AS amount,
       hashint4(i) AS k1, hashint4(i * 7 + 1) AS k2
FROM generate_series(1, 3000) i;
ANALYZE rfm_exact;
SET extra_float_digits = 3;
CREATE TABLE rfm_exact_orders AS
SELECT cust, cxm.rfm(ts, amount, '2024-02-01', '1 day' ORDER BY k1)::text AS o1,
       cxm.rfm(ts, amount, '2024-02-01', '1 day' ORDER BY k2)::text AS o2,
       cxm.rfm(ts, amount, '2024-02-01', '1 day' ORDER BY k1 DESC)::text AS o3
FROM rfm_exact GROUP BY cust;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT cust, cxm.rfm(ts, amount, '2024-02-01', '1 day')::text AS par FROM rfm_exact GROUP BY cust;
CREATE TABLE rfm_exact_par AS
SELECT cust, cxm.rfm(ts, amount, '2024-02-01', '1 day')::text AS par FROM rfm_exact GROUP BY cust;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
WITH per AS (SELECT cust, date_trunc('day', ts) AS d, sum(amount) AS amt FROM rfm_exact GROUP BY 1, 2),
     want AS (SELECT cust, ((sum(amt) - min(amt) FILTER (WHERE d = '2024-01-01')) * 1000000)::float8
                           / 1000000::float8 / (count(*) - 1)::float8 AS monetary
              FROM per GROUP BY cust)
SELECT o.cust, o.o1 = o.o2 AND o.o2 = o.o3 AS orders_agree, o.o1 = p.par AS parallel_agrees,
       (o.o1::cxm.rfm_result).monetary::text = w.monetary::text AS exact,
       (o.o1::cxm.rfm_result).monetary
FROM rfm_exact_orders o JOIN rfm_exact_par p USING (cust) JOIN want w USING (cust) ORDER BY 1;
RESET extra_float_digits;
-- amounts beyond 9.2e12 cannot be summed exactly in millionths: an error
SELECT pg_temp.err($$SELECT cxm.rfm(now() - interval '1 day', 1e13, now(), '1 day')$$);
-- one purchase: frequency 0, monetary 0; all purchases after as_of: NULL
SELECT (cxm.rfm(ts, 10, '2024-01-10', '1 day')).* FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT cxm.rfm(ts, 10, '2023-01-10', '1 day') IS NULL AS after_as_of FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT pg_temp.err($$SELECT cxm.rfm(now(), 1, now(), '-1 day')$$);
SELECT pg_temp.err($$SELECT cxm.rfm(now(), 1, now(), '1 month 2 days')$$);
SELECT pg_temp.err($$SELECT cxm.rfm(now(), 1, now(), '2147483647 days 1 second')$$);
SELECT pg_temp.err($$SELECT cxm.rfm(ts, 1, ts, '1 day') FROM (VALUES ('2024-01-02'::timestamptz), ('2024-01-01')) v(ts)$$);
