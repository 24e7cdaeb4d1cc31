-- Churn and CLV: transactions, RFM summaries, fitted models stored in a table
CREATE TABLE app.orders (customer int, ts timestamptz, amount numeric);
INSERT INTO app.orders
SELECT c, timestamptz '2025-01-01 00:00+00' + ((c * 13 + k * k * 17 + k * 29) % 300) * interval '1 day',
       10 + (c * 7 + k * 3) % 40
FROM generate_series(1, 300) c, generate_series(1, 1 + c % 7) k;
CREATE TABLE app.rfm AS
  SELECT customer, cxm.rfm(ts, amount, timestamptz '2025-12-31 00:00+00', interval '1 day') AS r
  FROM app.orders GROUP BY customer;
CREATE TABLE app.models (name text PRIMARY KEY, bg cxm.bgnbd_model, gg cxm.gammagamma_model);
INSERT INTO app.models
SELECT 'v1', (SELECT cxm.bgnbd_fit((r).frequency, (r).recency, (r).t, 0.001) FROM app.rfm),
       (SELECT cxm.gammagamma_fit((r).frequency, (r).monetary) FROM app.rfm);
CREATE VIEW app.scores AS
  SELECT customer, cxm.p_alive(m.bg, (r).frequency, (r).recency, (r).t) AS p_alive,
         cxm.churn_score(m.bg, (r).frequency, (r).recency, (r).t) AS churn,
         cxm.expected_purchases(m.bg, 30, (r).frequency, (r).recency, (r).t) AS next30,
         CASE WHEN (r).frequency > 0 THEN cxm.expected_spend(m.gg, (r).frequency, (r).monetary) END AS spend,
         cxm.clv(m.bg, m.gg, (r).frequency, (r).recency, (r).t, (r).monetary, 12, 0.01) AS clv,
         cxm.rfm_segment(1 + customer % 5, 1 + customer / 7 % 5) AS segment
  FROM app.rfm, app.models m WHERE m.name = 'v1';
