-- Churn and CLV: transactions with RFM summaries, the CDNOW customer summary
-- (test/data), fitted models stored in a table, a scoring view
CREATE TABLE app.orders (customer int, ts timestamptz, amount numeric);
INSERT INTO app.orders
SELECT c, timestamptz '2025-01-01 00:00+00' + ((c * 13 + k * k * 17 + k * 29) % 300) * interval '1 day',
       10 + (c * 7 + k * 3) % 40
FROM generate_series(1, 300) c, generate_series(1, 1 + c % 7) k;
CREATE TABLE app.rfm AS
  SELECT customer, cxm.rfm(ts, amount, timestamptz '2025-12-31 00:00+00', interval '1 day') AS r
  FROM app.orders GROUP BY customer;
CREATE TABLE app.cdnow (id int PRIMARY KEY, x float8, t_x float8, t float8, zbar float8);
\copy app.cdnow FROM 'test/data/cdnow_customers_summary_with_transactions.csv' CSV HEADER
CREATE TABLE app.models (name text PRIMARY KEY, bg cxm.bgnbd_model, gg cxm.gammagamma_model);
INSERT INTO app.models
SELECT 'cdnow', (SELECT cxm.bgnbd_fit(x, t_x, t) FROM app.cdnow),
       (SELECT cxm.gammagamma_fit(x, zbar) FROM app.cdnow);
CREATE VIEW app.scores AS
  SELECT id, cxm.p_alive(m.bg, x, t_x, t) AS p_alive,
         cxm.churn_score(m.bg, x, t_x, t) AS churn,
         cxm.expected_purchases(m.bg, 39, x, t_x, t) AS next39,
         CASE WHEN x > 0 THEN cxm.expected_spend(m.gg, x, zbar) END AS spend,
         CASE WHEN x > 0 THEN cxm.clv(m.bg, m.gg, x, t_x, t, zbar, 12, 0.01) END AS clv,
         cxm.rfm_segment(1 + id % 5, 1 + id / 7 % 5) AS segment
  FROM app.cdnow, app.models m WHERE m.name = 'cdnow';
