-- Churn models beyond BG/NBD: pareto_nbd_fit, mbgnbd_fit, churn_model,
-- p_alive/churn_score/expected_purchases/clv for each model type,
-- churn_holdout and the CX layer's model choice
SET extra_float_digits = 0;
SET timezone = 'UTC';
SET jit = off;
-- own schema: the tables of sql/churn.sql have the same names
CREATE SCHEMA churn_models;
SET search_path = churn_models, public;

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

-- Pareto/NBD, published (Fader, Hardie and Lee 2005, "A note on implementing
-- the Pareto/NBD model"): r 0.5534, alpha 10.5802, s 0.6061, beta 11.6562,
-- LL -9594.98; 3 significant digits (the surface is flat along s and beta)
CREATE TABLE pn AS SELECT cxm.pareto_nbd_fit(frequency, recency, t) AS m FROM cdnow;
SELECT round((m).r::numeric, 3) AS r, round((m).alpha::numeric, 1) AS alpha,
       round((m).s::numeric, 3) AS s, round((m).beta::numeric, 1) AS beta,
       round((m).log_likelihood::numeric, 1) AS ll, (m).n,
       abs((m).r - 0.5534) < 0.0005 AND abs((m).alpha - 10.5802) < 0.05 AND abs((m).s - 0.6061) < 0.0005
         AND abs((m).beta - 11.6562) < 0.05 AND abs((m).log_likelihood + 9594.98) < 0.01 AS published
FROM pn;

-- MBG/NBD against an independent scipy 1.10 optimisation of the same
-- likelihood (test/bench/churn_ref.py mbg_loglik, Nelder-Mead then BFGS from
-- log-parameters 0): r 0.524838, alpha 6.182992, a 0.891356, b 1.613999,
-- LL -9582.132685
CREATE TABLE mb AS SELECT cxm.mbgnbd_fit(frequency, recency, t) AS m FROM cdnow;
SELECT round((m).r::numeric, 4) AS r, round((m).alpha::numeric, 3) AS alpha,
       round((m).a::numeric, 4) AS a, round((m).b::numeric, 4) AS b,
       round((m).log_likelihood::numeric, 2) AS ll, (m).n,
       abs((m).log_likelihood + 9582.132685) < 1e-4 * 9582.132685 AS same_ll
FROM mb;
CREATE TABLE bg AS SELECT cxm.bgnbd_fit(frequency, recency, t) AS m FROM cdnow;

-- P(alive): BG/NBD keeps every one-time buyer alive; the other two do not
SELECT round(cxm.p_alive(b.m, 0, 0, 38)::numeric, 4) AS bgnbd,
       round(cxm.p_alive(p.m, 0, 0, 38)::numeric, 4) AS pareto_nbd,
       round(cxm.p_alive(g.m, 0, 0, 38)::numeric, 4) AS mbgnbd,
       cxm.p_alive(p.m, 0, 0, 60) < cxm.p_alive(p.m, 0, 0, 10) AS pn_falls_with_t,
       cxm.p_alive(g.m, 0, 0, 60) < cxm.p_alive(g.m, 0, 0, 10) AS mb_falls_with_t
FROM bg b, pn p, mb g;
-- MBG/NBD P(alive) by its closed form 1 / (1 + a/(b+x) ((alpha+T)/(alpha+tx))^(r+x)), all customers
SELECT count(*) FILTER (WHERE abs(cxm.p_alive(m, frequency, recency, t)
         - 1 / (1 + (m).a / ((m).b + frequency) * (((m).alpha + t) / ((m).alpha + recency)) ^ ((m).r + frequency))) > 1e-12) AS mismatches
FROM cdnow, mb;
-- every entry point gives the same for a model and for churn_model(model)
SELECT count(*) FILTER (WHERE cxm.p_alive(p.m, c.frequency, c.recency, c.t) <> cxm.p_alive(cxm.churn_model(p.m), c.frequency, c.recency, c.t)
                           OR cxm.p_alive(g.m, c.frequency, c.recency, c.t) <> cxm.p_alive(cxm.churn_model(g.m), c.frequency, c.recency, c.t)
                           OR cxm.p_alive(b.m, c.frequency, c.recency, c.t) <> cxm.p_alive(cxm.churn_model(b.m), c.frequency, c.recency, c.t)
                           OR cxm.churn_score(p.m, c.frequency, c.recency, c.t) <> cxm.churn_score(cxm.churn_model(p.m), c.frequency, c.recency, c.t)
                           OR cxm.churn_score(g.m, c.frequency, c.recency, c.t) <> 1 - cxm.p_alive(g.m, c.frequency, c.recency, c.t)
                           OR cxm.expected_purchases(p.m, 39, c.frequency, c.recency, c.t) <> cxm.expected_purchases(cxm.churn_model(p.m), 39, c.frequency, c.recency, c.t)
                           OR cxm.expected_purchases(g.m, 39, c.frequency, c.recency, c.t) <> cxm.expected_purchases(cxm.churn_model(g.m), 39, c.frequency, c.recency, c.t)
                           OR cxm.expected_purchases(b.m, 39, c.frequency, c.recency, c.t) <> cxm.expected_purchases(cxm.churn_model(b.m), 39, c.frequency, c.recency, c.t)) AS mismatches,
       count(*) AS customers
FROM cdnow c, bg b, pn p, mb g;
-- Pareto/NBD E[purchases]: (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+h))^(s-1)] P(alive)
SELECT count(*) FILTER (WHERE abs(cxm.expected_purchases(m, 39, frequency, recency, t)
         - ((m).r + frequency) * ((m).beta + t) / (((m).alpha + t) * ((m).s - 1))
           * (1 - (((m).beta + t) / ((m).beta + t + 39)) ^ ((m).s - 1)) * cxm.p_alive(m, frequency, recency, t)) > 1e-10) AS mismatches
FROM cdnow, pn;
SELECT round(cxm.expected_purchases(p.m, 39, 2, 30.43, 38.86)::numeric, 3) AS pareto_nbd,
       round(cxm.expected_purchases(g.m, 39, 2, 30.43, 38.86)::numeric, 3) AS mbgnbd,
       round(cxm.expected_purchases(b.m, 39, 2, 30.43, 38.86)::numeric, 3) AS bgnbd
FROM pn p, mb g, bg b;
-- clv with each model: the discounted sum of the per-period increments
CREATE TABLE gg AS SELECT cxm.gammagamma_fit(frequency, recency + 1) AS m FROM cdnow WHERE frequency > 0;
SELECT abs(cxm.clv(p.m, g.m, 2, 30.43, 38.86, 22.35, 12, 0.01)
           - sum((cxm.expected_purchases(p.m, i, 2, 30.43, 38.86) - cxm.expected_purchases(p.m, i - 1, 2, 30.43, 38.86))
                 * cxm.expected_spend(g.m, 2, 22.35) / 1.01 ^ i)) < 1e-9 AS pareto_same_as_sum,
       abs(cxm.clv(m.m, g.m, 2, 30.43, 38.86, 22.35, 12, 0.01)
           - sum((cxm.expected_purchases(m.m, i, 2, 30.43, 38.86) - cxm.expected_purchases(m.m, i - 1, 2, 30.43, 38.86))
                 * cxm.expected_spend(g.m, 2, 22.35) / 1.01 ^ i)) < 1e-9 AS mbg_same_as_sum,
       cxm.clv(cxm.churn_model(p.m), g.m, 2, 30.43, 38.86, 22.35, 12, 0.01) = cxm.clv(p.m, g.m, 2, 30.43, 38.86, 22.35, 12, 0.01) AS generic_same
FROM pn p, mb m, gg g, generate_series(1, 12) i GROUP BY p.m, m.m, g.m;
SELECT (cxm.churn_model(p.m)).model, (cxm.churn_model(p.m)).params = ARRAY[(p.m).r, (p.m).alpha, (p.m).s, (p.m).beta] AS params_ok,
       (cxm.churn_model(g.m)).model AS mbg, (cxm.churn_model(b.m)).model AS bg
FROM pn p, mb g, bg b;

-- the fit does not depend on the plan
CREATE TABLE cdnow4 AS SELECT c.* FROM cdnow c, generate_series(1, 4);
ANALYZE cdnow4;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT cxm.pareto_nbd_fit(frequency, recency, t) FROM cdnow4;
EXPLAIN (COSTS OFF) SELECT cxm.mbgnbd_fit(frequency, recency, t, 0.01) FROM cdnow4;
CREATE TABLE par AS SELECT cxm.pareto_nbd_fit(frequency, recency, t) AS p, cxm.mbgnbd_fit(frequency, recency, t) AS g FROM cdnow4;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE ser AS SELECT cxm.pareto_nbd_fit(frequency, recency, t) AS p, cxm.mbgnbd_fit(frequency, recency, t) AS g FROM cdnow4;
RESET max_parallel_workers_per_gather;
SELECT (p.p).n, p.p = s.p AS pareto_identical, p.g = s.g AS mbg_identical,
       abs((p.p).r - (x.m).r) < 1e-4 AS same_r_as_once
FROM par p, ser s, pn x;

-- penalised fits shrink the parameters and report the unpenalised LL
SELECT (m).log_likelihood < (SELECT (m).log_likelihood FROM pn) AS worse_ll,
       (m).r < (SELECT (m).r FROM pn) AS smaller_r
FROM (SELECT cxm.pareto_nbd_fit(frequency, recency, t, 0.01) AS m FROM cdnow) x;
SELECT (m).n FROM (SELECT cxm.mbgnbd_fit(frequency, recency, t, 0.1) AS m FROM cdnow WHERE id < 4) x;

-- bad input: the same SQLSTATEs as bgnbd_fit
SELECT pg_temp.err($$SELECT cxm.pareto_nbd_fit(f, r, t) FROM (VALUES (-1::float8, 0::float8, 5::float8)) v(f, r, t)$$);
SELECT pg_temp.err($$SELECT cxm.mbgnbd_fit(f, r, t) FROM (VALUES (2::float8, 6::float8, 5::float8)) v(f, r, t)$$);
SELECT pg_temp.err($$SELECT cxm.pareto_nbd_fit(frequency, recency, t, -0.1) FROM cdnow$$);
SELECT pg_temp.err($$SELECT cxm.pareto_nbd_fit(f, r, t) FROM (VALUES (0::float8, 0::float8, 10::float8), (1, 5, 20)) v(f, r, t)$$);
SELECT pg_temp.err($$SELECT cxm.p_alive(m, 3, 4, 2) FROM pn$$);
SELECT pg_temp.err($$SELECT cxm.p_alive((1, 1, -1, 1, 0, 0)::cxm.pareto_nbd_model, 1, 1, 2)$$);
SELECT pg_temp.err($$SELECT cxm.expected_purchases(m, -1, 3, 1, 2) FROM mb$$);
SELECT pg_temp.err($$SELECT cxm.p_alive(('weibull', '{1,1,1,1}', 0, 0)::cxm.churn_model, 1, 1, 2)$$);
SELECT pg_temp.err($$SELECT cxm.p_alive(('bgnbd', '{1,1,1}', 0, 0)::cxm.churn_model, 1, 1, 2)$$);
SELECT pg_temp.err($$SELECT cxm.p_alive(('pareto_nbd', '{1,1,0,1}', 0, 0)::cxm.churn_model, 1, 1, 2)$$);
-- far beyond the 2F1 series (z = 1 - 1e-9): I is integrated directly; with alpha
-- 1e9 constant over [0, 2], P(alive) = 3^-1/2 / (3^-1/2 + 0.5 * 2 (1 - 3^-1/2)) = 3^-1/2
SELECT abs(cxm.p_alive(('pareto_nbd', '{0.5,1e9,0.5,1}', 0, 0)::cxm.churn_model, 0, 0, 2) - 1 / sqrt(3)) < 1e-8 AS direct_ok;
-- nobody came back: the best point, and a WARNING saying why
SELECT (m).n FROM (SELECT cxm.pareto_nbd_fit(0, 0, t) AS m FROM generate_series(10, 40) t) x;

-- churn_holdout on the full CDNOW log: 39 weeks of calibration, 39 of holdout
CREATE TABLE raw (line text);
\copy raw FROM PROGRAM 'gzip -dc test/data/CDNOW_master.txt.gz'
CREATE TABLE purchases AS
SELECT f[1]::int AS customer_id, to_date(f[2], 'YYYYMMDD')::timestamptz AS ts, f[4]::numeric AS amount
FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM raw WHERE btrim(line) ~ '^[0-9]') s;
DROP TABLE raw;
CREATE TABLE ho AS
SELECT * FROM cxm.churn_holdout('purchases', 'customer_id', 'ts', '1997-09-30', '1998-06-30', '7 days');
SELECT model, frequency_bucket, customers, actual, round(predicted::numeric, 1) AS predicted,
       round(mae::numeric, 4) AS mae, round(rmse::numeric, 4) AS rmse
FROM ho;
-- actual, by plain SQL: distinct ISO weeks with a purchase up to holdout_end
-- minus those up to calibration_end (a week holding calibration_end counts
-- in the holdout only when its purchases all came after calibration_end)
WITH w AS (SELECT customer_id, ts, (date_trunc('week', ts)::date - date '1996-12-30') / 7 AS wk FROM purchases),
cust AS (SELECT customer_id, count(DISTINCT wk) FILTER (WHERE ts <= '1997-09-30') - 1 AS f,
                count(DISTINCT wk) FILTER (WHERE ts <= '1998-06-30')
                - count(DISTINCT wk) FILTER (WHERE ts <= '1997-09-30') AS holdout
         FROM w GROUP BY customer_id HAVING min(ts) <= '1997-09-30'),
mine AS (SELECT CASE WHEN f >= 7 THEN '7+' ELSE f::text END AS bucket, count(*) AS n, sum(holdout) AS actual
         FROM cust GROUP BY ROLLUP (1))
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE h.customers <> m.n OR h.actual <> m.actual) AS mismatches
FROM ho h JOIN mine m ON m.bucket = h.frequency_bucket OR (m.bucket IS NULL AND h.frequency_bucket = 'all');
-- predicted and the errors: each model fitted on the calibration summaries and scored by hand
CREATE TABLE cal AS
SELECT customer_id, (cxm.rfm(ts, 0, '1997-09-30', '7 days')).*,
       (cxm.rfm(ts, 0, '1998-06-30', '7 days')).frequency AS f_all
FROM purchases GROUP BY customer_id;
DELETE FROM cal WHERE frequency IS NULL;
CREATE TABLE calfit AS
SELECT cxm.churn_model(cxm.bgnbd_fit(frequency, recency, t)) AS b, cxm.churn_model(cxm.pareto_nbd_fit(frequency, recency, t)) AS p,
       cxm.churn_model(cxm.mbgnbd_fit(frequency, recency, t)) AS g
FROM cal;
WITH pred AS (
  SELECT (x.m).model, c.f_all - c.frequency AS actual, cxm.expected_purchases(x.m, 39, c.frequency, c.recency, c.t) AS e
  FROM cal c, calfit f, LATERAL (VALUES (f.b), (f.p), (f.g)) x(m))
SELECT p.model, count(*) = h.customers AS n_ok, abs(sum(p.e) - h.predicted) < 1e-6 * h.predicted AS predicted_ok,
       abs(avg(abs(p.e - p.actual)) - h.mae) < 1e-12 AS mae_ok,
       abs(sqrt(avg((p.e - p.actual) ^ 2)) - h.rmse) < 1e-12 AS rmse_ok
FROM pred p JOIN ho h ON h.model = p.model AND h.frequency_bucket = 'all'
GROUP BY p.model, h.customers, h.predicted, h.mae, h.rmse ORDER BY p.model;
-- fitted models on the calibration period, for doc/churn.md's comparison
SELECT (x.m).model, (SELECT array_agg(round(v::numeric, 4)) FROM unnest((x.m).params) v) AS params,
       round((x.m).log_likelihood::numeric, 2) AS ll
FROM calfit f, LATERAL (VALUES (f.b), (f.p), (f.g)) x(m);
SELECT pg_temp.err($$SELECT * FROM cxm.churn_holdout('purchases', 'customer_id', 'ts', '1998-06-30', '1997-09-30')$$);
SELECT pg_temp.err($$SELECT * FROM cxm.churn_holdout('purchases', 'nope', 'ts', '1997-09-30', '1998-06-30')$$);
SELECT pg_temp.err($$SELECT * FROM cxm.churn_holdout('purchases', 'customer_id', 'amount', '1997-09-30', '1998-06-30')$$);
SELECT pg_temp.err($$SELECT * FROM cxm.churn_holdout('purchases', 'customer_id', 'ts', '1997-09-30', '1998-06-30', '-1 day')$$);

-- the CX layer: refresh() fits all three, keeps each, and uses the lowest holdout MAE
-- (live mode: refresh() only fits the models; its step NOTICEs are not part of the test)
SET client_min_messages = warning;
SELECT cxm.set_materialized(false);
SELECT cxm.map_transactions('purchases', 'customer_id', 'ts', 'amount');
UPDATE cxm.settings SET as_of = '1998-06-30', time_unit = '7 days', churn_holdout = '273 days';
SELECT cxm.refresh();
SELECT m.churn_model, m.churn_chosen_by, (m.churn).model = m.churn_model AS churn_is_chosen,
       (m.pareto_nbd).n AS pareto_n, (m.mbgnbd).n AS mbg_n, (m.bgnbd).n AS bg_n,
       m.churn_model = (SELECT h.model FROM cxm.model_holdout h WHERE h.frequency_bucket = 'all' ORDER BY h.mae LIMIT 1) AS lowest_mae,
       (SELECT min(h.calibration_end) FROM cxm.model_holdout h) AS calibration_end
FROM cxm.models m;
SELECT model, frequency_bucket, customers, actual, round(predicted::numeric, 1) AS predicted, round(mae::numeric, 4) AS mae
FROM cxm.model_holdout WHERE frequency_bucket IN ('0', '7+', 'all') ORDER BY model, frequency_bucket COLLATE "C";
-- customer_360 and churn_risk say which model produced p_alive, and it is that model's p_alive
SELECT c.churn_model, count(*) AS customers,
       count(*) FILTER (WHERE c.p_alive <> cxm.p_alive(m.churn, c.frequency, c.recency, c.t)) AS mismatches,
       count(*) FILTER (WHERE c.one_time_buyer AND c.p_alive < 1) AS one_time_not_alive_forever
FROM cxm.churn_risk c, cxm.models m GROUP BY c.churn_model;
-- the choice is made when the models are fitted: a refresh without refit
-- keeps the stored models and their choice
UPDATE cxm.settings SET churn_model = 'mbgnbd';
SELECT cxm.refresh();
SELECT m.churn_model, m.churn_chosen_by, (SELECT count(*) FROM cxm.model_holdout) AS holdout_rows FROM cxm.models m;
-- a model named in the settings wins without a holdout comparison
SELECT cxm.refresh(refit => true);
SELECT m.churn_model, m.churn_chosen_by, (m.churn).params = ARRAY[(m.mbgnbd).r, (m.mbgnbd).alpha, (m.mbgnbd).a, (m.mbgnbd).b] AS is_mbgnbd,
       (SELECT count(*) FROM cxm.model_holdout) AS holdout_rows
FROM cxm.models m;
SELECT count(*) FILTER (WHERE churn_model = 'mbgnbd') AS mbgnbd_rows, count(*) FILTER (WHERE churn_model IS NULL) AS null_rows
FROM cxm.customer_360 WHERE orders > 0;
SELECT pg_temp.err($$UPDATE cxm.settings SET churn_model = 'weibull'$$);
-- churn_holdout(calibration_end, holdout_end) reads the mapped transactions
SELECT count(*) AS rows, count(DISTINCT model) AS models
FROM cxm.churn_holdout('1997-09-30'::timestamptz, '1998-06-30'::timestamptz);
-- leave the layer as the next tests expect it: materialised mode, nothing mapped, no model
UPDATE cxm.settings SET churn_model = NULL, churn_holdout = NULL, as_of = NULL, time_unit = '7 days', materialized = true;
SELECT cxm.unmap('purchases');
DELETE FROM cxm.models;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA churn_models CASCADE;
RESET client_min_messages;
