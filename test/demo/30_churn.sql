-- Churn and lifetime value on real data: the full CDNOW purchase log
-- (23,570 customers, 1997-01 .. 1998-06; test/data/README.md).
-- Calibrate on the first 39 weeks, predict the next 39, compare with what happened.
CREATE TABLE demo.cdnow_raw (line text);
\copy demo.cdnow_raw FROM PROGRAM 'gzip -dc test/data/CDNOW_master.txt.gz'
CREATE TABLE demo.cdnow_orders AS
SELECT f[1]::int AS customer_id, to_date(f[2], 'YYYYMMDD') AS ordered_on, f[4]::numeric AS amount
FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM demo.cdnow_raw
      WHERE btrim(line) ~ '^[0-9]') s;
DROP TABLE demo.cdnow_raw;

SET timezone = 'UTC';
CREATE TABLE demo.cdnow_summary AS
SELECT customer_id, (cxm.rfm(ordered_on, amount, '1997-09-30', '1 week')).*
FROM demo.cdnow_orders GROUP BY customer_id;

CREATE TABLE demo.cdnow_bg AS
SELECT cxm.bgnbd_fit(frequency, recency, t) AS m FROM demo.cdnow_summary;
CREATE TABLE demo.cdnow_gg AS
SELECT cxm.gammagamma_fit(frequency, monetary) AS m FROM demo.cdnow_summary
WHERE monetary > 0 OR frequency = 0;   -- a few repeat periods were $0 orders

\echo
\echo '== BG/NBD and Gamma-Gamma fitted in the database (cxm.rfm, cxm.bgnbd_fit, cxm.gammagamma_fit) =='
SELECT 'BG/NBD' AS model, round((m).r::numeric, 3) AS "r / p", round((m).alpha::numeric, 3) AS "alpha / q",
       round((m).a::numeric, 3) AS "a / v", round((m).b::numeric, 3) AS b,
       round((m).log_likelihood::numeric, 1) AS log_likelihood, (m).n AS customers
FROM demo.cdnow_bg
UNION ALL
SELECT 'Gamma-Gamma', round((m).p::numeric, 3), round((m).q::numeric, 3), round((m).v::numeric, 3), NULL,
       round((m).log_likelihood::numeric, 1), (m).n
FROM demo.cdnow_gg;

\echo '== Holdout check: predicted vs actual purchases in the next 39 weeks, by calibration frequency =='
WITH actual AS (
  SELECT customer_id, count(DISTINCT date_trunc('week', ordered_on)) AS purchases
  FROM demo.cdnow_orders WHERE ordered_on > '1997-09-30' GROUP BY customer_id)
SELECT CASE WHEN s.frequency >= 7 THEN '7+' ELSE s.frequency::int::text END AS frequency,
       count(*) AS customers,
       round(avg(cxm.expected_purchases(bg.m, 39, s.frequency, s.recency, s.t))::numeric, 2) AS predicted,
       round(avg(coalesce(a.purchases, 0))::numeric, 2) AS actual
FROM demo.cdnow_summary s CROSS JOIN demo.cdnow_bg bg LEFT JOIN actual a USING (customer_id)
GROUP BY 1 ORDER BY min(s.frequency);

\echo '== Churn risk: customers with repeat purchases whose p_alive fell below 30 % (cxm.churn_score) =='
SELECT count(*) FILTER (WHERE cxm.churn_score(bg.m, frequency, recency, t) > 0.7) AS at_risk_repeat_buyers,
       count(*) FILTER (WHERE frequency > 0) AS repeat_buyers,
       count(*) FILTER (WHERE frequency = 0) AS one_time_buyers_p_alive_1
FROM demo.cdnow_summary, demo.cdnow_bg bg;

\echo '== Top 5 customers by 52-week CLV (10 % a year discount; cxm.clv) =='
CREATE TABLE demo.cdnow_clv AS
SELECT customer_id, frequency, recency, t, monetary,
       cxm.p_alive(bg.m, frequency, recency, t) AS p_alive,
       CASE WHEN frequency = 0 OR monetary > 0
            THEN cxm.clv(bg.m, gg.m, frequency, recency, t, monetary, 52, 1.1 ^ (1 / 52.0) - 1) END AS clv
FROM demo.cdnow_summary, demo.cdnow_bg bg, demo.cdnow_gg gg;
SELECT customer_id, frequency::int, recency::int, t::int, round(monetary::numeric, 2) AS monetary,
       round(p_alive::numeric, 3) AS p_alive, round(clv::numeric, 2) AS clv_52w
FROM demo.cdnow_clv ORDER BY clv DESC NULLS LAST, customer_id LIMIT 5;

\echo '== 80/20: share of expected value from the top 20 % of customers =='
SELECT round((100 * sum(clv) FILTER (WHERE pct <= 0.2) / sum(clv))::numeric, 1) AS top_20pct_share_of_clv,
       round(100 * sum(spent) FILTER (WHERE spent_pct <= 0.2) / sum(spent), 1) AS top_20pct_share_of_past_revenue
FROM (SELECT c.clv, o.spent,
             percent_rank() OVER (ORDER BY c.clv DESC) AS pct,
             percent_rank() OVER (ORDER BY o.spent DESC) AS spent_pct
      FROM demo.cdnow_clv c
      JOIN (SELECT customer_id, sum(amount) AS spent FROM demo.cdnow_orders
            WHERE ordered_on <= '1997-09-30' GROUP BY 1) o USING (customer_id)
      WHERE c.clv IS NOT NULL) x;

\echo '== RFM segments (quintile scores; cxm.rfm_segment) =='
SELECT cxm.rfm_segment(r_score, f_score) AS segment, count(*) AS customers,
       round(avg(p_alive)::numeric, 2) AS avg_p_alive, round(avg(clv)::numeric, 2) AS avg_clv_52w
FROM (SELECT *, ntile(5) OVER (ORDER BY t - recency DESC, customer_id) AS r_score,
                ntile(5) OVER (ORDER BY frequency, customer_id) AS f_score
      FROM demo.cdnow_clv) s
GROUP BY 1 ORDER BY avg_clv_52w DESC;
RESET timezone;
