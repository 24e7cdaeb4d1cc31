-- The KPI page's figures recomputed from the canonical views (cxm.transactions,
-- cxm.touchpoints, cxm.feedback) and cxm.settings, without kpi_monthly: one row
-- per month, the columns named as the KPI cards.  Definitions: doc/layer.md,
-- "kpi_monthly".  check.js compares the KPI page with it.
WITH first AS (
  -- kpi_monthly starts at the first month with a purchase
  SELECT date_trunc('month', min(ts)) AS m0 FROM cxm.transactions
), cfg AS (
  SELECT s.churned_after, coalesce(s.as_of, date_trunc('day', now()) + interval '1 day') AS as_of FROM cxm.settings s
), months AS (
  SELECT x.month FROM (
    SELECT DISTINCT date_trunc('month', ts) AS month FROM cxm.transactions
    UNION SELECT date_trunc('month', ts) FROM cxm.touchpoints
    UNION SELECT date_trunc('month', ts) FROM cxm.feedback) x, first f
  WHERE x.month >= f.m0
), gaps AS (
  -- a touchpoint more than settings.session_gap after the profile's previous one starts a session
  SELECT p.customer_id, p.ts,
         coalesce(p.ts - lag(p.ts) OVER (PARTITION BY p.customer_id ORDER BY p.ts) > s.session_gap, true) AS starts
  FROM cxm.touchpoints p, cxm.settings s
), numbered AS (
  SELECT customer_id, ts, count(*) FILTER (WHERE starts) OVER (PARTITION BY customer_id ORDER BY ts
                                                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session
  FROM gaps
), sessions AS (
  SELECT min(ts) AS started, count(*) AS touchpoints, extract(epoch FROM max(ts) - min(ts)) / 60 AS minutes
  FROM numbered GROUP BY customer_id, session
), purchases AS (
  -- churn: a purchase not followed by another within settings.churned_after
  -- churns its customer when that time runs out (up to as_of)
  SELECT t.customer_id, t.ts, t.ts + s.churned_after AS runs_out, coalesce(s.as_of, now()) AS as_of,
         lead(t.ts) OVER (PARTITION BY t.customer_id ORDER BY t.ts) AS next_ts, s.churned_after
  FROM cxm.transactions t, cxm.settings s
)
SELECT m.month::date AS month,
       (SELECT sum(t.amount) FROM cxm.transactions t
        WHERE t.ts >= m.month AND t.ts < m.month + interval '1 month') AS revenue,
       (SELECT count(DISTINCT t.customer_id) FROM cxm.transactions t
        WHERE t.ts >= m.month AND t.ts < m.month + interval '1 month') AS active_customers,
       -- unknown in the first month (nobody can have bought before)
       CASE WHEN m.month > (SELECT m0 FROM first) THEN
       (SELECT avg((EXISTS (SELECT FROM cxm.transactions e WHERE e.customer_id = b.customer_id AND e.ts < m.month))::int)
        FROM (SELECT DISTINCT t.customer_id FROM cxm.transactions t
              WHERE t.ts >= m.month AND t.ts < m.month + interval '1 month') b) END AS repeat_purchase_rate,
       -- known once churned_after of purchase history exists and the month is over
       CASE WHEN m.month >= (SELECT m0 FROM first) + (SELECT churned_after FROM cfg)
                 AND m.month + interval '1 month' <= (SELECT as_of FROM cfg) THEN
       (SELECT count(DISTINCT p.customer_id) FROM purchases p
        WHERE (p.next_ts IS NULL OR p.next_ts > p.runs_out)
          AND p.runs_out >= m.month AND p.runs_out < m.month + interval '1 month' AND p.runs_out <= p.as_of)::float8
       / nullif((SELECT count(DISTINCT p.customer_id) FROM purchases p
                 WHERE p.ts >= m.month - p.churned_after AND p.ts < m.month), 0) END AS churn_rate,
       (SELECT avg((EXISTS (SELECT FROM cxm.transactions e WHERE e.customer_id = v.customer_id
                                AND e.ts >= m.month AND e.ts < m.month + interval '1 month'))::int)
        FROM (SELECT DISTINCT p.customer_id FROM cxm.touchpoints p
              WHERE p.ts >= m.month AND p.ts < m.month + interval '1 month') v) AS conversion_rate,
       (SELECT 100.0 * (count(*) FILTER (WHERE f.score >= 9) - count(*) FILTER (WHERE f.score <= 6)) / nullif(count(f.score), 0)
        FROM cxm.feedback f WHERE f.ts >= m.month AND f.ts < m.month + interval '1 month') AS nps,
       (SELECT avg(touchpoints) FROM sessions WHERE started >= m.month AND started < m.month + interval '1 month') AS touchpoints_per_session,
       (SELECT avg(minutes) FROM sessions WHERE started >= m.month AND started < m.month + interval '1 month') AS avg_session_minutes
FROM months m
ORDER BY 1;
