-- ---------------------------------------------------------------------------
-- cxm 1.1 -> 1.2, churn models (issue 14): the CX layer objects that changed.
-- cxm.models gets the Pareto/NBD and MBG/NBD models and the choice;
-- customer_360_live scores with the chosen model (cxm.models.churn) and,
-- like customer_360 and churn_risk, says which one (churn_model); refresh()
-- fits through layer_fit_churn_models() (churn_layer.sql, the next part).
-- The views are dropped and made again from src/sql/layer.sql's text, with
-- the ones built on them.
-- ---------------------------------------------------------------------------

ALTER TABLE @extschema@.models
  ADD COLUMN pareto_nbd @extschema@.pareto_nbd_model,
  ADD COLUMN mbgnbd @extschema@.mbgnbd_model,
  ADD COLUMN churn_model pg_catalog.text,
  ADD COLUMN churn_chosen_by pg_catalog.text,
  ADD COLUMN churn @extschema@.churn_model;
COMMENT ON COLUMN @extschema@.models.pareto_nbd IS 'Pareto/NBD model (pareto_nbd_fit with settings.penalizer); NULL when there were no buyers';
COMMENT ON COLUMN @extschema@.models.mbgnbd IS 'MBG/NBD model (mbgnbd_fit with settings.penalizer); NULL when there were no buyers';
COMMENT ON COLUMN @extschema@.models.churn_model IS 'the churn model customer_360 uses: bgnbd, pareto_nbd or mbgnbd';
COMMENT ON COLUMN @extschema@.models.churn_chosen_by IS 'why: settings (settings.churn_model), holdout (lowest MAE in cxm.model_holdout) or default (no holdout result: bgnbd)';
COMMENT ON COLUMN @extschema@.models.churn IS 'the chosen model as a churn_model, for p_alive, expected_purchases and clv';

-- customer_360 may read its snapshot (materialised mode): drop by name
DROP VIEW @extschema@.kpi_monthly;
DROP VIEW @extschema@.kpi_monthly_live;
DROP VIEW @extschema@.rfm_segments;
DROP VIEW @extschema@.churn_risk;
DROP VIEW @extschema@.customer_360;
DROP VIEW @extschema@.customer_360_live;
ALTER TABLE @extschema@.customer_360_snapshot ADD COLUMN churn_model pg_catalog.text;

CREATE VIEW @extschema@.customer_360_live WITH (security_invoker = true) AS
WITH cfg AS (
  SELECT COALESCE(s.as_of, pg_catalog.now()) AS as_of, s.time_unit, s.clv_horizon, s.discount_rate,
         s.new_within, s.churned_after, s.active_p_alive, s.churned_p_alive
  FROM @extschema@.settings s WHERE s.id
), mdl AS (
  -- churn models (issue 14): the chosen model, whichever it is, as a churn_model
  SELECT m.churn, m.churn_model, m.gammagamma FROM @extschema@.models m WHERE m.id AND m.time_unit = (SELECT c.time_unit FROM cfg c)
), tp AS (
  -- one pass over the touchpoints: sessions are counted by their first touchpoints
  -- (no touchpoint in the settings.session_gap before), as in cxm.sessions
  SELECT x.customer_id, pg_catalog.min(x.ts) AS first_seen, pg_catalog.max(x.ts) AS last_seen,
         pg_catalog.count(*) AS touchpoints,
         pg_catalog.count(*) FILTER (WHERE x.prev IS NULL OR x.ts - x.prev > x.gap) AS sessions,
         pg_catalog.array_agg(DISTINCT x.channel ORDER BY x.channel) FILTER (WHERE x.channel IS NOT NULL) AS channels
  FROM (SELECT t.customer_id, t.ts, t.channel, s.session_gap AS gap,
               pg_catalog.lag(t.ts) OVER (PARTITION BY t.customer_id ORDER BY t.ts) AS prev
        FROM @extschema@.touchpoints t CROSS JOIN @extschema@.settings s) x
  GROUP BY x.customer_id
), tx AS (
  SELECT x.customer_id, pg_catalog.count(*) AS orders, pg_catalog.sum(x.amount) AS revenue,
         pg_catalog.min(x.ts) AS first_purchase, pg_catalog.max(x.ts) AS last_purchase,
         pg_catalog.count(DISTINCT x.product) AS products,
         @extschema@.rfm(x.ts, x.amount, c.as_of, c.time_unit) AS r
  FROM @extschema@.transactions x CROSS JOIN cfg c GROUP BY x.customer_id
), sc AS (
  -- quintile scores 1..5 by rank among the buyers (ties share a score)
  SELECT tx.*,
         1 + pg_catalog.floor(5 * (pg_catalog.rank() OVER (ORDER BY tx.last_purchase) - 1)::pg_catalog.float8
                              / pg_catalog.count(*) OVER ())::pg_catalog.int4 AS r_score,
         1 + pg_catalog.floor(5 * (pg_catalog.rank() OVER (ORDER BY tx.orders) - 1)::pg_catalog.float8
                              / pg_catalog.count(*) OVER ())::pg_catalog.int4 AS f_score,
         1 + pg_catalog.floor(5 * (pg_catalog.rank() OVER (ORDER BY tx.revenue) - 1)::pg_catalog.float8
                              / pg_catalog.count(*) OVER ())::pg_catalog.int4 AS m_score
  FROM tx
), fb AS (
  SELECT f.customer_id, pg_catalog.min(f.ts) AS first_answer, pg_catalog.max(f.ts) AS latest_nps_at,
         (pg_catalog.array_agg(f.score ORDER BY f.ts DESC, f.score))[1] AS latest_nps
  FROM @extschema@.feedback f WHERE f.score IS NOT NULL GROUP BY f.customer_id
), ids AS (
  SELECT m.customer_id, pg_catalog.array_agg(m.anonymous_id ORDER BY m.anonymous_id) AS anonymous_ids
  FROM (SELECT i.anonymous_id, pg_catalog.min(i.customer_id) AS customer_id
        FROM @extschema@.identities i GROUP BY i.anonymous_id) m
  GROUP BY m.customer_id
), everyone AS (
  SELECT x.customer_id FROM @extschema@.customers x
  UNION SELECT tp.customer_id FROM tp
  UNION SELECT tx.customer_id FROM tx
  UNION SELECT fb.customer_id FROM fb
), base AS (
  SELECT e.customer_id,
         (cu.customer_id IS NOT NULL OR sc.customer_id IS NOT NULL OR ids.customer_id IS NOT NULL) AS is_known,
         ids.anonymous_ids, cu.created_at,
         LEAST(tp.first_seen, sc.first_purchase, fb.first_answer) AS first_seen,
         GREATEST(tp.last_seen, sc.last_purchase, fb.latest_nps_at) AS last_seen,
         COALESCE(tp.touchpoints, 0) AS touchpoints, COALESCE(tp.sessions, 0) AS sessions,
         COALESCE(tp.channels, '{}') AS channels,
         COALESCE(sc.orders, 0) AS orders, COALESCE(sc.revenue, 0) AS revenue,
         sc.first_purchase, sc.last_purchase, COALESCE(sc.products, 0) AS products,
         fb.latest_nps, fb.latest_nps_at,
         (sc.r).frequency AS frequency, (sc.r).recency AS recency, (sc.r).t AS t, (sc.r).monetary AS monetary,
         sc.r_score, sc.f_score, sc.m_score,
         c.as_of, c.clv_horizon, c.discount_rate, c.new_within, c.churned_after,
         c.active_p_alive, c.churned_p_alive, mdl.churn, mdl.churn_model, mdl.gammagamma
  FROM everyone e
  CROSS JOIN cfg c
  LEFT JOIN mdl ON true
  LEFT JOIN @extschema@.customers cu ON cu.customer_id = e.customer_id
  LEFT JOIN tp ON tp.customer_id = e.customer_id
  LEFT JOIN sc ON sc.customer_id = e.customer_id
  LEFT JOIN fb ON fb.customer_id = e.customer_id
  LEFT JOIN ids ON ids.customer_id = e.customer_id
), fig AS (
  SELECT b.*,
         CASE WHEN b.churn IS NOT NULL AND b.frequency IS NOT NULL
              THEN @extschema@.p_alive(b.churn, b.frequency, b.recency, b.t) END AS p_alive,
         CASE WHEN b.churn IS NOT NULL AND b.frequency IS NOT NULL
              THEN @extschema@.expected_purchases(b.churn, b.clv_horizon::pg_catalog.float8, b.frequency, b.recency, b.t)
         END AS expected_purchases,
         CASE WHEN b.churn IS NOT NULL AND b.gammagamma IS NOT NULL AND b.frequency IS NOT NULL
              THEN @extschema@.clv(b.churn, b.gammagamma, b.frequency, b.recency, b.t,
                                   CASE WHEN b.frequency > 0 AND b.monetary <= 0 THEN NULL ELSE b.monetary END,
                                   b.clv_horizon, b.discount_rate)
         END AS expected_clv
  FROM base b
)
SELECT f.customer_id, f.is_known, f.anonymous_ids, f.created_at, f.first_seen, f.last_seen,
       f.touchpoints, f.sessions, f.channels,
       pg_catalog.cardinality(f.channels) AS channel_count,
       pg_catalog.cardinality(f.channels) >= 2 AS is_cross_channel,
       f.orders, f.revenue,
       f.revenue / NULLIF(f.orders, 0) AS avg_order_value,
       f.first_purchase, f.last_purchase,
       EXTRACT(epoch FROM f.as_of - f.last_purchase)::pg_catalog.float8 / 86400 AS days_since_purchase,
       f.products, f.latest_nps, f.latest_nps_at,
       @extschema@.nps_category(f.latest_nps) AS nps_category,
       f.frequency, f.recency, f.t, f.monetary,
       f.r_score, f.f_score, f.m_score,
       CASE WHEN f.r_score IS NOT NULL THEN @extschema@.rfm_segment(f.r_score, f.f_score) END AS rfm_segment,
       f.orders > 0 AND f.frequency = 0 AS one_time_buyer,
       f.p_alive, 1 - f.p_alive AS churn_score, f.expected_purchases, f.expected_clv,
       CASE
         WHEN f.orders = 0 THEN 'prospect'
         WHEN f.as_of - f.first_purchase <= f.new_within THEN 'new'
         WHEN f.frequency > 0 AND f.p_alive IS NOT NULL THEN
           CASE WHEN f.p_alive >= f.active_p_alive THEN 'active'
                WHEN f.p_alive >= f.churned_p_alive THEN 'at risk'
                ELSE 'churned' END
         WHEN f.frequency > 0 AND f.as_of - f.last_purchase <= f.new_within THEN 'active'
         WHEN f.as_of - f.last_purchase <= f.churned_after THEN 'at risk'
         ELSE 'churned'
       END AS lifecycle_stage,
       CASE WHEN f.p_alive IS NOT NULL THEN f.churn_model END AS churn_model  -- churn models (issue 14)
FROM fig f;
CREATE VIEW @extschema@.customer_360 WITH (security_invoker = true) AS
SELECT * FROM @extschema@.customer_360_live;
COMMENT ON VIEW @extschema@.customer_360 IS
  'one row per profile (customers and unlinked anonymous visitors): activity, purchases, NPS, RFM, churn model figures, CLV and lifecycle stage';
COMMENT ON COLUMN @extschema@.customer_360.customer_id IS 'profile id (customer id, or an unlinked anonymous id)';
COMMENT ON COLUMN @extschema@.customer_360.is_known IS 'a known customer: in the customer master, has a purchase or has linked anonymous ids';
COMMENT ON COLUMN @extschema@.customer_360.anonymous_ids IS 'anonymous ids stitched to this customer (NULL when none)';
COMMENT ON COLUMN @extschema@.customer_360.created_at IS 'sign-up time from the customer master';
COMMENT ON COLUMN @extschema@.customer_360.first_seen IS 'earliest touchpoint, purchase or NPS answer';
COMMENT ON COLUMN @extschema@.customer_360.last_seen IS 'latest touchpoint, purchase or NPS answer';
COMMENT ON COLUMN @extschema@.customer_360.touchpoints IS 'number of touchpoints';
COMMENT ON COLUMN @extschema@.customer_360.sessions IS 'number of sessions (30 minutes of inactivity split them)';
COMMENT ON COLUMN @extschema@.customer_360.channels IS 'distinct touchpoint channels, sorted';
COMMENT ON COLUMN @extschema@.customer_360.channel_count IS 'number of distinct channels';
COMMENT ON COLUMN @extschema@.customer_360.is_cross_channel IS 'touched through two or more channels';
COMMENT ON COLUMN @extschema@.customer_360.orders IS 'number of purchases (transaction rows)';
COMMENT ON COLUMN @extschema@.customer_360.revenue IS 'sum of the purchase amounts';
COMMENT ON COLUMN @extschema@.customer_360.avg_order_value IS 'revenue / orders';
COMMENT ON COLUMN @extschema@.customer_360.first_purchase IS 'time of the first purchase';
COMMENT ON COLUMN @extschema@.customer_360.last_purchase IS 'time of the latest purchase';
COMMENT ON COLUMN @extschema@.customer_360.days_since_purchase IS 'days from the latest purchase to settings.as_of (now)';
COMMENT ON COLUMN @extschema@.customer_360.products IS 'distinct products (or categories) bought; 0 when no product column is mapped';
COMMENT ON COLUMN @extschema@.customer_360.latest_nps IS 'latest NPS answer (0-10)';
COMMENT ON COLUMN @extschema@.customer_360.latest_nps_at IS 'time of the latest NPS answer';
COMMENT ON COLUMN @extschema@.customer_360.nps_category IS 'promoter, passive or detractor, from the latest answer';
COMMENT ON COLUMN @extschema@.customer_360.frequency IS 'RFM frequency: purchase periods (settings.time_unit) after the first (rfm)';
COMMENT ON COLUMN @extschema@.customer_360.recency IS 'RFM recency: periods from the first to the last purchase period';
COMMENT ON COLUMN @extschema@.customer_360.t IS 'RFM age: periods from the first purchase period to settings.as_of';
COMMENT ON COLUMN @extschema@.customer_360.monetary IS 'mean spend per repeat period (0 for one-time buyers)';
COMMENT ON COLUMN @extschema@.customer_360.r_score IS 'recency score 1-5 (5 = most recent latest purchase), quintile of rank among buyers';
COMMENT ON COLUMN @extschema@.customer_360.f_score IS 'frequency score 1-5 (5 = most orders)';
COMMENT ON COLUMN @extschema@.customer_360.m_score IS 'monetary score 1-5 (5 = most revenue)';
COMMENT ON COLUMN @extschema@.customer_360.rfm_segment IS 'segment of (r_score, f_score) (rfm_segment)';
COMMENT ON COLUMN @extschema@.customer_360.one_time_buyer IS 'bought in one period only (under BG/NBD p_alive is 1 by construction), see lifecycle_stage';
COMMENT ON COLUMN @extschema@.customer_360.p_alive IS 'probability the customer is still active (the model of cxm.models.churn_model; NULL before refresh())';
COMMENT ON COLUMN @extschema@.customer_360.churn_score IS '1 - p_alive';
COMMENT ON COLUMN @extschema@.customer_360.expected_purchases IS 'expected purchases in the next settings.clv_horizon periods';
COMMENT ON COLUMN @extschema@.customer_360.expected_clv IS 'expected value of the next settings.clv_horizon periods (clv with the churn model and Gamma-Gamma)';
COMMENT ON COLUMN @extschema@.customer_360.lifecycle_stage IS 'prospect, new, active, at risk or churned (see doc/layer.md)';
COMMENT ON COLUMN @extschema@.customer_360.churn_model IS 'the model behind p_alive, expected_purchases and expected_clv: bgnbd, pareto_nbd or mbgnbd (cxm.models.churn_model)';

CREATE VIEW @extschema@.churn_risk WITH (security_invoker = true) AS
SELECT c.customer_id, c.lifecycle_stage, c.orders, c.revenue, c.last_purchase, c.days_since_purchase,
       c.frequency, c.recency, c.t, c.monetary, c.one_time_buyer,
       c.p_alive, c.churn_score, c.expected_purchases, c.expected_clv,
       c.churn_model  -- churn models (issue 14)
FROM @extschema@.customer_360 c
WHERE c.orders > 0;
COMMENT ON VIEW @extschema@.churn_risk IS
  'buyers with their churn model figures (sort by churn_score; one-time buyers are flagged: under BG/NBD their p_alive is 1 by construction)';
COMMENT ON COLUMN @extschema@.churn_risk.customer_id IS 'customer id';
COMMENT ON COLUMN @extschema@.churn_risk.lifecycle_stage IS 'new, active, at risk or churned';
COMMENT ON COLUMN @extschema@.churn_risk.orders IS 'number of purchases';
COMMENT ON COLUMN @extschema@.churn_risk.revenue IS 'sum of the purchase amounts';
COMMENT ON COLUMN @extschema@.churn_risk.last_purchase IS 'time of the latest purchase';
COMMENT ON COLUMN @extschema@.churn_risk.days_since_purchase IS 'days from the latest purchase to settings.as_of';
COMMENT ON COLUMN @extschema@.churn_risk.frequency IS 'RFM frequency (repeat purchase periods)';
COMMENT ON COLUMN @extschema@.churn_risk.recency IS 'RFM recency in periods';
COMMENT ON COLUMN @extschema@.churn_risk.t IS 'RFM age in periods';
COMMENT ON COLUMN @extschema@.churn_risk.monetary IS 'mean spend per repeat period';
COMMENT ON COLUMN @extschema@.churn_risk.one_time_buyer IS 'bought in one period only';
COMMENT ON COLUMN @extschema@.churn_risk.p_alive IS 'probability the customer is still active';
COMMENT ON COLUMN @extschema@.churn_risk.churn_score IS '1 - p_alive';
COMMENT ON COLUMN @extschema@.churn_risk.expected_purchases IS 'expected purchases in the next settings.clv_horizon periods';
COMMENT ON COLUMN @extschema@.churn_risk.expected_clv IS 'expected value of the next settings.clv_horizon periods';
COMMENT ON COLUMN @extschema@.churn_risk.churn_model IS 'the model behind p_alive: bgnbd, pareto_nbd or mbgnbd';

CREATE VIEW @extschema@.rfm_segments WITH (security_invoker = true) AS
SELECT c.rfm_segment AS segment, pg_catalog.count(*) AS customers,
       pg_catalog.count(*)::pg_catalog.float8 / pg_catalog.sum(pg_catalog.count(*)) OVER () AS share,
       pg_catalog.sum(c.revenue) AS revenue,
       pg_catalog.avg(c.revenue) AS avg_revenue,
       pg_catalog.avg(c.orders) AS avg_orders,
       pg_catalog.avg(c.days_since_purchase) AS avg_days_since_purchase,
       pg_catalog.avg(c.p_alive) AS avg_p_alive,
       pg_catalog.sum(c.expected_clv) AS expected_clv
FROM @extschema@.customer_360 c
WHERE c.rfm_segment IS NOT NULL
GROUP BY c.rfm_segment;
COMMENT ON VIEW @extschema@.rfm_segments IS 'buyers per RFM segment with their revenue, activity and expected value';
COMMENT ON COLUMN @extschema@.rfm_segments.segment IS 'RFM segment (Champions, Loyal Customers, ... Hibernating)';
COMMENT ON COLUMN @extschema@.rfm_segments.customers IS 'buyers in the segment';
COMMENT ON COLUMN @extschema@.rfm_segments.share IS 'customers / all buyers';
COMMENT ON COLUMN @extschema@.rfm_segments.revenue IS 'revenue of the segment';
COMMENT ON COLUMN @extschema@.rfm_segments.avg_revenue IS 'mean revenue per customer';
COMMENT ON COLUMN @extschema@.rfm_segments.avg_orders IS 'mean orders per customer';
COMMENT ON COLUMN @extschema@.rfm_segments.avg_days_since_purchase IS 'mean days since the latest purchase';
COMMENT ON COLUMN @extschema@.rfm_segments.avg_p_alive IS 'mean p_alive';
COMMENT ON COLUMN @extschema@.rfm_segments.expected_clv IS 'sum of expected_clv';

CREATE VIEW @extschema@.kpi_monthly_live WITH (security_invoker = true) AS
WITH cfg AS (
  SELECT COALESCE(s.as_of, pg_catalog.now()) AS as_of, s.churned_after FROM @extschema@.settings s WHERE s.id
), tx AS (
  SELECT x.customer_id, x.ts, x.amount, x.product, pg_catalog.date_trunc('month', x.ts)::pg_catalog.date AS month
  FROM @extschema@.transactions x
), bm AS (
  SELECT tx.month, tx.customer_id, pg_catalog.sum(tx.amount) AS revenue, pg_catalog.count(*) AS orders
  FROM tx GROUP BY 1, 2
), firsts AS (
  SELECT bm.customer_id, pg_catalog.min(bm.month) AS first_month FROM bm GROUP BY 1
), second_product AS (
  SELECT p.customer_id, (pg_catalog.array_agg(p.first_ts ORDER BY p.first_ts))[2] AS at
  FROM (SELECT tx.customer_id, tx.product, pg_catalog.min(tx.ts) AS first_ts
        FROM tx WHERE tx.product IS NOT NULL GROUP BY 1, 2) p
  GROUP BY 1
), c360 AS (
  SELECT c.customer_id, c.is_cross_channel, c.expected_clv FROM @extschema@.customer_360 c WHERE c.orders > 0
), bagg AS (
  SELECT bm.month, pg_catalog.sum(bm.revenue) AS revenue, pg_catalog.sum(bm.orders) AS orders,
         pg_catalog.count(*) AS buyers,
         pg_catalog.count(*) FILTER (WHERE f.first_month = bm.month) AS new_customers,
         pg_catalog.count(*) FILTER (WHERE f.first_month < bm.month) AS repeat_buyers,
         pg_catalog.count(*) FILTER (WHERE sp.at < bm.month + '1 month'::pg_catalog.interval) AS cross_sold,
         pg_catalog.count(*) FILTER (WHERE c.is_cross_channel) AS cross_channel_buyers,
         pg_catalog.avg(c.expected_clv) FILTER (WHERE c.is_cross_channel) AS clv_cross_channel,
         pg_catalog.avg(c.expected_clv) FILTER (WHERE NOT c.is_cross_channel) AS clv_single_channel
  FROM bm
  JOIN firsts f ON f.customer_id = bm.customer_id
  LEFT JOIN second_product sp ON sp.customer_id = bm.customer_id
  LEFT JOIN c360 c ON c.customer_id = bm.customer_id
  GROUP BY bm.month
), lapses AS (
  -- a customer lapses (churns) churned_after after a purchase not followed by another within that time
  SELECT pg_catalog.date_trunc('month', y.ts + c.churned_after)::pg_catalog.date AS month, pg_catalog.count(*) AS lost
  FROM (SELECT tx.customer_id, tx.ts,
               pg_catalog.lead(tx.ts) OVER (PARTITION BY tx.customer_id ORDER BY tx.ts) AS next_ts
        FROM tx) y
  CROSS JOIN cfg c
  WHERE (y.next_ts IS NULL OR y.next_ts > y.ts + c.churned_after) AND y.ts + c.churned_after <= c.as_of
  GROUP BY 1
), vm AS (
  SELECT pg_catalog.date_trunc('month', t.ts)::pg_catalog.date AS month, t.customer_id
  FROM @extschema@.touchpoints t GROUP BY 1, 2
), vagg AS (
  SELECT vm.month, pg_catalog.count(*) AS visitors, pg_catalog.count(bm.customer_id) AS converted
  FROM vm LEFT JOIN bm ON bm.customer_id = vm.customer_id AND bm.month = vm.month
  GROUP BY vm.month
), sagg AS (
  SELECT pg_catalog.date_trunc('month', s.started_at)::pg_catalog.date AS month, pg_catalog.count(*) AS sessions,
         pg_catalog.sum(s.touchpoints) AS touchpoints, pg_catalog.avg(s.duration_minutes) AS duration
  FROM @extschema@.sessions s GROUP BY 1
), nagg AS (
  SELECT pg_catalog.date_trunc('month', f.ts)::pg_catalog.date AS month, pg_catalog.count(f.score) AS responses,
         @extschema@.nps_agg(f.score) AS nps
  FROM @extschema@.feedback f GROUP BY 1
), months AS (
  SELECT bagg.month FROM bagg UNION SELECT vagg.month FROM vagg UNION SELECT nagg.month FROM nagg
)
SELECT m.month,
       COALESCE(b.revenue, 0) AS revenue, COALESCE(b.orders, 0) AS orders,
       COALESCE(b.buyers, 0) AS active_customers, COALESCE(b.new_customers, 0) AS new_customers,
       b.repeat_buyers::pg_catalog.float8 / NULLIF(b.buyers, 0) AS repeat_purchase_rate,
       base.customers AS customer_base,
       COALESCE(l.lost, 0) AS churned_customers,
       COALESCE(l.lost, 0)::pg_catalog.float8 / NULLIF(base.customers, 0) AS churn_rate,
       COALESCE(v.visitors, 0) AS visitors,
       v.converted::pg_catalog.float8 / NULLIF(v.visitors, 0) AS conversion_rate,
       COALESCE(n.responses, 0) AS nps_responses, n.nps,
       COALESCE(s.sessions, 0) AS sessions,
       s.touchpoints::pg_catalog.float8 / NULLIF(s.sessions, 0) AS touchpoints_per_session,
       s.duration AS avg_session_minutes,
       CASE WHEN EXISTS (SELECT 1 FROM tx WHERE tx.product IS NOT NULL)
            THEN b.cross_sold::pg_catalog.float8 / NULLIF(b.buyers, 0) END AS cross_sell_rate,
       b.cross_channel_buyers::pg_catalog.float8 / NULLIF(b.buyers, 0) AS cross_channel_share,
       b.clv_cross_channel, b.clv_single_channel
FROM months m
LEFT JOIN bagg b ON b.month = m.month
LEFT JOIN lapses l ON l.month = m.month
LEFT JOIN vagg v ON v.month = m.month
LEFT JOIN sagg s ON s.month = m.month
LEFT JOIN nagg n ON n.month = m.month
CROSS JOIN LATERAL (
  SELECT pg_catalog.count(DISTINCT tx.customer_id) AS customers
  FROM tx CROSS JOIN cfg c
  WHERE tx.ts >= m.month - c.churned_after AND tx.ts < m.month
) base;
CREATE VIEW @extschema@.kpi_monthly WITH (security_invoker = true) AS
SELECT * FROM @extschema@.kpi_monthly_live;
COMMENT ON VIEW @extschema@.kpi_monthly IS
  'monthly KPIs: revenue, active customers, repeat purchases, churn, conversion, NPS, sessions, cross-sell, cross-channel CLV';
COMMENT ON COLUMN @extschema@.kpi_monthly.month IS 'first day of the month (session time zone)';
COMMENT ON COLUMN @extschema@.kpi_monthly.revenue IS 'sum of the purchase amounts';
COMMENT ON COLUMN @extschema@.kpi_monthly.orders IS 'number of purchases';
COMMENT ON COLUMN @extschema@.kpi_monthly.active_customers IS 'customers with a purchase in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.new_customers IS 'customers whose first purchase is in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.repeat_purchase_rate IS 'share of the month''s buyers who had bought in an earlier month';
COMMENT ON COLUMN @extschema@.kpi_monthly.customer_base IS 'customers with a purchase in the settings.churned_after (365 days) before the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.churned_customers IS 'customers whose settings.churned_after without a purchase ran out in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.churn_rate IS 'churned_customers / customer_base';
COMMENT ON COLUMN @extschema@.kpi_monthly.visitors IS 'profiles (customers and anonymous visitors) with a touchpoint in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.conversion_rate IS 'share of the visitors who bought in the same month';
COMMENT ON COLUMN @extschema@.kpi_monthly.nps_responses IS 'NPS answers in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.nps IS 'Net Promoter Score of the month''s answers';
COMMENT ON COLUMN @extschema@.kpi_monthly.sessions IS 'sessions started in the month (30 minutes of inactivity split them)';
COMMENT ON COLUMN @extschema@.kpi_monthly.touchpoints_per_session IS 'mean touchpoints per session';
COMMENT ON COLUMN @extschema@.kpi_monthly.avg_session_minutes IS 'mean session duration in minutes (first to last touchpoint)';
COMMENT ON COLUMN @extschema@.kpi_monthly.cross_sell_rate IS 'share of the month''s buyers who by the end of the month had bought two or more distinct products (NULL when no product column is mapped)';
COMMENT ON COLUMN @extschema@.kpi_monthly.cross_channel_share IS 'share of the month''s buyers who are cross-channel customers';
COMMENT ON COLUMN @extschema@.kpi_monthly.clv_cross_channel IS 'mean expected CLV of the month''s cross-channel buyers';
COMMENT ON COLUMN @extschema@.kpi_monthly.clv_single_channel IS 'mean expected CLV of the month''s single-channel buyers';

DROP FUNCTION @extschema@.refresh();
CREATE FUNCTION @extschema@.refresh()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
BEGIN
  -- the canonical views follow cxm.sources (also after a restore that skipped triggers)
  PERFORM @extschema@.layer_rebuild();
  PERFORM @extschema@.layer_apply_mode();
  -- churn models (issue 14): refit the churn models (BG/NBD, Pareto/NBD,
  -- MBG/NBD, with the choice) and the spend model on every buyer
  PERFORM @extschema@.layer_fit_churn_models();
  IF (SELECT x.materialized FROM @extschema@.settings x WHERE x.id) THEN
    PERFORM @extschema@.layer_refresh_snapshots();
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.refresh() IS
  'rebuilds the canonical views, refits and stores the churn (BG/NBD, Pareto/NBD, MBG/NBD, and the one chosen) and spend (Gamma-Gamma) models in cxm.models, and refills the snapshots in materialised mode';
REVOKE ALL ON FUNCTION @extschema@.refresh() FROM PUBLIC;

-- customer_360 and kpi_monthly read their snapshots again in materialised mode
SELECT @extschema@.layer_apply_mode();

-- (keep last) comments of the _live views and _snapshot tables, from their public view
DO $$
DECLARE
  v pg_catalog.text;
  c record;
BEGIN
  FOREACH v IN ARRAY @extschema@.layer_materializable() LOOP
    CONTINUE WHEN pg_catalog.to_regclass(pg_catalog.format('@extschema@.%I', v || '_live')) IS NULL;
    EXECUTE pg_catalog.format('COMMENT ON VIEW @extschema@.%I IS %L', v || '_live',
      'live query behind ' || v || ' (see that view): ' || pg_catalog.obj_description(pg_catalog.format('@extschema@.%I', v)::pg_catalog.regclass, 'pg_class'));
    EXECUTE pg_catalog.format('COMMENT ON TABLE @extschema@.%I IS %L', v || '_snapshot',
      'snapshot of ' || v || ' filled by refresh() in materialised mode: ' || pg_catalog.obj_description(pg_catalog.format('@extschema@.%I', v)::pg_catalog.regclass, 'pg_class'));
    FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS d
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = pg_catalog.format('@extschema@.%I', v)::pg_catalog.regclass AND a.attnum > 0
    LOOP
      EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.%I IS %L', v || '_live', c.attname, c.d);
      EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.%I IS %L', v || '_snapshot', c.attname, c.d);
    END LOOP;
  END LOOP;
END $$;
