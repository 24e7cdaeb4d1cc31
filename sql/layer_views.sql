-- CX layer, part 2: the views' numbers on the demo data (test/demo/05_layer_data.sql)
-- against independent SQL over the raw tables
SET extra_float_digits = 0;
-- refresh() reports its steps as NOTICEs with timings
SET client_min_messages = warning;
-- the views' plans are large: JIT compilation would cost more than it saves
SET jit = off;
CREATE SCHEMA demo;
\getenv abs_srcdir PG_ABS_SRCDIR
\set datafile :abs_srcdir '/test/demo/05_layer_data.sql'
\set layer_customers 300
\set ECHO none
\i :datafile
\set ECHO all
SELECT (SELECT count(*) FROM demo.crm_clients) AS customers, (SELECT count(*) FROM demo.shop_orders) AS orders,
       (SELECT count(*) FROM demo.clickstream) AS web_events, (SELECT count(*) FROM demo.email) AS emails,
       (SELECT count(*) FROM demo.nps_survey) AS answers, (SELECT count(*) FROM demo.login_links) AS links;

SELECT cxm.map_customers('demo.crm_clients', 'Client No', 'Signed Up');
SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Ordered At', 'Total EUR', 'Category');
SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel');
SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
SELECT cxm.map_identities('demo.login_links', 'Cookie', 'Client No');
SELECT cxm.map_feedback('demo.nps_survey', 'Client No', 'Submitted', 'Q1 Score');
UPDATE cxm.settings SET as_of = '2026-07-01 00:00+00', funnel_steps = '{home,product,cart,checkout}', min_nps_answers = 1;
-- before refresh() there is no model: model figures are NULL, never made up
SELECT count(*) AS buyers, count(p_alive) AS with_p_alive, count(expected_clv) AS with_clv
FROM cxm.customer_360 WHERE orders > 0;
SELECT cxm.refresh();

-- raw rows, stitched by hand
CREATE TEMP VIEW raw_tp AS
SELECT COALESCE(l."Client No"::text, w.cookie_id) AS customer_id,
       CASE WHEN l."Cookie" IS NOT NULL THEN w.cookie_id END AS anonymous_id,
       w."Page" AS touchpoint, w."Event Time"::timestamptz AS ts, w.utm_channel AS channel
FROM demo.clickstream w LEFT JOIN demo.login_links l ON l."Cookie" = w.cookie_id
UNION ALL
SELECT e.recipient::text, NULL, e.action, e.sent_at, 'email' FROM demo.email e;

-- canonical views = the raw rows (both directions, with multiplicity)
SELECT (SELECT count(*) FROM (SELECT customer_id, anonymous_id, touchpoint, ts, channel FROM cxm.touchpoints
                              EXCEPT ALL SELECT * FROM raw_tp) x) AS extra_tp,
       (SELECT count(*) FROM (SELECT * FROM raw_tp EXCEPT ALL
                              SELECT customer_id, anonymous_id, touchpoint, ts, channel FROM cxm.touchpoints) x) AS missing_tp,
       (SELECT count(*) FROM (SELECT customer_id, ts, amount, product FROM cxm.transactions
                              EXCEPT ALL SELECT "Client No"::text, "Ordered At", "Total EUR", "Category" FROM demo.shop_orders) x) AS extra_tx,
       (SELECT count(*) FROM cxm.transactions) = (SELECT count(*) FROM demo.shop_orders) AS same_tx_count,
       (SELECT count(*) FROM (SELECT customer_id, ts, score FROM cxm.feedback
                              EXCEPT ALL SELECT "Client No"::text, "Submitted", "Q1 Score" FROM demo.nps_survey) x) AS extra_fb,
       (SELECT count(*) FROM cxm.feedback) = (SELECT count(*) FROM demo.nps_survey) AS same_fb_count;
-- stitched: no touchpoint is left under a linked cookie; unlinked visitors keep their cookie
SELECT count(*) FILTER (WHERE customer_id LIKE 'ck-%') AS left_under_cookie,
       count(DISTINCT customer_id) FILTER (WHERE customer_id LIKE 'v-%') AS anonymous_profiles,
       count(DISTINCT customer_id) FILTER (WHERE customer_id NOT LIKE 'v-%') AS customer_profiles
FROM cxm.touchpoints;

-- sessions: a session starts at a touchpoint with no touchpoint of the profile in the 30 minutes before it
SELECT (SELECT count(*) FROM cxm.sessions) AS sessions,
       (SELECT count(*) FROM (SELECT DISTINCT t.customer_id, t.ts FROM raw_tp t
                              WHERE NOT EXISTS (SELECT 1 FROM raw_tp p WHERE p.customer_id = t.customer_id
                                                AND p.ts < t.ts AND p.ts >= t.ts - interval '30 minutes')) s) AS independent,
       (SELECT sum(touchpoints) FROM cxm.sessions) = (SELECT count(*) FROM raw_tp) AS all_touchpoints_in_a_session,
       (SELECT count(*) FROM cxm.sessions WHERE ended_at - started_at > interval '1 day') AS over_a_day;

-- nps_monthly against the definition
SELECT count(*) AS months,
       count(*) FILTER (WHERE n.responses = h.n AND n.promoters = h.p AND n.detractors = h.d
                        AND abs(n.nps - 100.0 * (h.p - h.d) / h.n) < 1e-9
                        AND abs(n.std_error - 100 * sqrt((h.p::float8 / h.n + h.d::float8 / h.n
                                                          - ((h.p - h.d)::float8 / h.n) ^ 2) / h.n)) < 1e-9
                        AND abs(n.ci_low - greatest(-100, n.nps - 1.959964 * n.std_error)) < 1e-9) AS matching
FROM (SELECT * FROM cxm.nps_monthly WHERE channel = 'all') n
FULL JOIN (SELECT date_trunc('month', "Submitted")::date AS month, count(*) AS n,
                  count(*) FILTER (WHERE "Q1 Score" >= 9) AS p, count(*) FILTER (WHERE "Q1 Score" <= 6) AS d
           FROM demo.nps_survey GROUP BY 1) h ON h.month = n.month;
SELECT month, responses, promoters, passives, detractors, round(nps::numeric, 2) AS nps,
       round(ci_low::numeric, 2) AS ci_low, round(ci_high::numeric, 2) AS ci_high
FROM cxm.nps_monthly WHERE month >= '2026-01-01' AND channel = 'all' ORDER BY month;

-- cohort retention against a direct count
SELECT count(*) AS cells,
       count(*) FILTER (WHERE c.customers = h.customers AND c.cohort_size = h.size) AS matching,
       count(*) FILTER (WHERE c.months_since = 0 AND c.retention <> 1) AS month0_not_1
FROM cxm.cohort_retention c
LEFT JOIN (
  SELECT f.cohort, date_trunc('month', o."Ordered At")::date AS month,
         count(DISTINCT o."Client No") AS customers,
         (SELECT count(*) FROM (SELECT "Client No" FROM demo.shop_orders GROUP BY 1
                                HAVING date_trunc('month', min("Ordered At"))::date = f.cohort) z) AS size
  FROM demo.shop_orders o
  JOIN (SELECT "Client No", date_trunc('month', min("Ordered At"))::date AS cohort FROM demo.shop_orders GROUP BY 1) f
    USING ("Client No")
  GROUP BY 1, 2
) h ON h.cohort = c.cohort_month AND h.month = c.month
WHERE c.customers > 0;
SELECT cohort_month, months_since, cohort_size, customers, round(retention::numeric, 3) AS retention
FROM cxm.cohort_retention WHERE cohort_month = '2025-06-01' AND months_since <= 6 ORDER BY 2;

-- experiment_results = bandit_report, with the lift over the first arm
SELECT e.arm_no, e.arm, e.trials = r.trials AND e.reward_sum = r.reward_sum AND e.mean = r.mean
                        AND e.p_best = r.p_best AS same_as_report,
       e.trials, e.reward_sum, round(e.mean::numeric, 4) AS mean, round(e.lift::numeric, 4) AS lift,
       round((r.mean / first_value(r.mean) OVER (ORDER BY e.arm_no) - 1)::numeric, 4) AS lift_by_hand
FROM cxm.experiment_results e JOIN cxm.bandit_report('demo_checkout') r USING (arm)
WHERE e.experiment = 'demo_checkout' ORDER BY e.arm_no;

-- the stored models are the fits over the raw orders (weekly periods, as_of 2026-07-01)
WITH r AS (SELECT cxm.rfm("Ordered At", "Total EUR", '2026-07-01 00:00+00', '7 days') AS x
           FROM demo.shop_orders GROUP BY "Client No")
SELECT m.customers = (SELECT count(*) FROM r) AS same_n,
       m.bgnbd = (SELECT cxm.bgnbd_fit((x).frequency, (x).recency, (x).t, 0.001) FROM r) AS same_bgnbd,
       m.gammagamma = (SELECT cxm.gammagamma_fit((x).frequency, (x).monetary) FROM r) AS same_gammagamma,
       m.as_of, m.time_unit
FROM cxm.models m;

-- customer_360 against the raw tables
CREATE TEMP TABLE c360 AS SELECT * FROM cxm.customer_360;
CREATE TEMP TABLE hand AS
WITH o AS (
  SELECT "Client No"::text AS customer_id, count(*) AS orders, sum("Total EUR") AS revenue,
         count(DISTINCT "Category") AS products, min("Ordered At") AS first_purchase, max("Ordered At") AS last_purchase,
         count(DISTINCT date_trunc('week', "Ordered At")) - 1 AS frequency,
         (date_trunc('week', max("Ordered At"))::date - date_trunc('week', min("Ordered At"))::date) / 7 AS recency,
         (date_trunc('week', timestamptz '2026-07-01 00:00+00')::date - date_trunc('week', min("Ordered At"))::date) / 7 AS t
  FROM demo.shop_orders GROUP BY 1
), tp AS (
  SELECT customer_id, count(*) AS touchpoints, count(DISTINCT channel) AS channels FROM raw_tp GROUP BY 1
), nps AS (
  SELECT DISTINCT ON ("Client No") "Client No"::text AS customer_id, "Q1 Score" AS latest
  FROM demo.nps_survey ORDER BY "Client No", "Submitted" DESC
)
SELECT COALESCE(o.customer_id, tp.customer_id, c."Client No"::text) AS customer_id,
       COALESCE(o.orders, 0) AS orders, COALESCE(o.revenue, 0) AS revenue, COALESCE(o.products, 0) AS products,
       o.frequency, o.recency, o.t, o.first_purchase, o.last_purchase,
       COALESCE(tp.touchpoints, 0) AS touchpoints, COALESCE(tp.channels, 0) AS channels, nps.latest
FROM o
FULL JOIN tp ON tp.customer_id = o.customer_id
FULL JOIN demo.crm_clients c ON c."Client No"::text = COALESCE(o.customer_id, tp.customer_id)
LEFT JOIN nps ON nps.customer_id = COALESCE(o.customer_id, tp.customer_id, c."Client No"::text);
CREATE TEMP TABLE sess AS SELECT customer_id, count(*) AS n FROM cxm.sessions GROUP BY 1;
SELECT (SELECT count(*) FROM c360) AS profiles, (SELECT count(*) FROM hand) AS by_hand,
       (SELECT count(*) FROM c360 WHERE is_known) AS known,
       (SELECT count(*) FROM c360 WHERE NOT is_known) AS anonymous,
       (SELECT count(*) FROM c360 WHERE NOT is_known AND customer_id NOT LIKE 'v-%') AS anonymous_not_visitor;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE c.orders <> h.orders OR c.revenue <> h.revenue OR c.products <> h.products) AS bad_orders,
       count(*) FILTER (WHERE c.touchpoints <> h.touchpoints OR c.channel_count <> h.channels
                        OR c.is_cross_channel <> (h.channels >= 2)
                        OR c.sessions <> COALESCE((SELECT s.n FROM sess s WHERE s.customer_id = c.customer_id), 0)) AS bad_touchpoints,
       count(*) FILTER (WHERE c.frequency IS DISTINCT FROM h.frequency::float8 OR c.recency IS DISTINCT FROM h.recency::float8
                        OR c.t IS DISTINCT FROM h.t::float8) AS bad_rfm,
       count(*) FILTER (WHERE c.first_purchase IS DISTINCT FROM h.first_purchase
                        OR c.last_purchase IS DISTINCT FROM h.last_purchase) AS bad_dates,
       count(*) FILTER (WHERE c.latest_nps IS DISTINCT FROM h.latest::int
                        OR c.nps_category IS DISTINCT FROM CASE WHEN h.latest >= 9 THEN 'promoter'
                                                                WHEN h.latest >= 7 THEN 'passive'
                                                                WHEN h.latest >= 0 THEN 'detractor' END) AS bad_nps
FROM c360 c JOIN hand h USING (customer_id);
-- stitched cookies are listed on their customer
SELECT count(*) AS customers_with_cookies,
       count(*) FILTER (WHERE anonymous_ids = (SELECT array_agg(l."Cookie" ORDER BY l."Cookie") FROM demo.login_links l
                                                WHERE l."Client No"::text = c.customer_id)) AS matching
FROM c360 c WHERE anonymous_ids IS NOT NULL;

-- p_alive by the closed form of the chosen model (churn models, issue 14: BG/NBD
-- or MBG/NBD by hand, Pareto/NBD through its typed p_alive); churn_score; CLV by clv()
SELECT m.churn_model, m.churn_chosen_by, count(*) AS buyers,
       count(*) FILTER (WHERE abs(c.p_alive - CASE m.churn_model
           WHEN 'bgnbd' THEN CASE WHEN c.frequency = 0 THEN 1 ELSE
             1 / (1 + ((m.bgnbd).a / ((m.bgnbd).b + c.frequency - 1))
                      * (((m.bgnbd).alpha + c.t) / ((m.bgnbd).alpha + c.recency)) ^ ((m.bgnbd).r + c.frequency)) END
           WHEN 'mbgnbd' THEN
             1 / (1 + ((m.mbgnbd).a / ((m.mbgnbd).b + c.frequency))
                      * (((m.mbgnbd).alpha + c.t) / ((m.mbgnbd).alpha + c.recency)) ^ ((m.mbgnbd).r + c.frequency))
           ELSE cxm.p_alive(m.pareto_nbd, c.frequency, c.recency, c.t) END) < 1e-9)
         AS p_alive_matches,
       count(*) FILTER (WHERE abs(c.churn_score - (1 - c.p_alive)) < 1e-12) AS churn_matches,
       count(*) FILTER (WHERE abs(c.expected_clv - cxm.clv(m.churn, m.gammagamma, c.frequency, c.recency, c.t,
                                                            c.monetary, 52, 0.0)) < 1e-9) AS clv_matches,
       count(*) FILTER (WHERE c.one_time_buyer) AS one_time_buyers,
       count(*) FILTER (WHERE c.one_time_buyer AND c.p_alive <> 1) AS one_time_not_alive
FROM c360 c CROSS JOIN cxm.models m WHERE c.orders > 0 GROUP BY m.churn_model, m.churn_chosen_by;

-- RFM scores: 1 + floor(5 * (buyers ranked strictly below) / buyers), segment from rfm_segment
SELECT count(*) AS buyers,
       count(*) FILTER (WHERE c.r_score = 1 + floor(5.0 * (SELECT count(*) FROM c360 x WHERE x.orders > 0 AND x.last_purchase < c.last_purchase)
                                                 / (SELECT count(*) FROM c360 x WHERE x.orders > 0))
                          AND c.f_score = 1 + floor(5.0 * (SELECT count(*) FROM c360 x WHERE x.orders > 0 AND x.orders < c.orders)
                                                 / (SELECT count(*) FROM c360 x WHERE x.orders > 0))
                          AND c.m_score = 1 + floor(5.0 * (SELECT count(*) FROM c360 x WHERE x.orders > 0 AND x.revenue < c.revenue)
                                                 / (SELECT count(*) FROM c360 x WHERE x.orders > 0))
                          AND c.rfm_segment = cxm.rfm_segment(c.r_score, c.f_score)) AS matching
FROM c360 c WHERE c.orders > 0;
SELECT segment, customers, round(share::numeric, 4) AS share, revenue,
       customers = (SELECT count(*) FROM c360 WHERE rfm_segment = s.segment) AS matches
FROM cxm.rfm_segments s ORDER BY customers DESC, segment;

-- lifecycle stages: the documented rules, from the raw columns
SELECT lifecycle_stage, count(*),
       count(*) FILTER (WHERE lifecycle_stage = CASE
         WHEN orders = 0 THEN 'prospect'
         WHEN timestamptz '2026-07-01 00:00+00' - first_purchase <= interval '90 days' THEN 'new'
         WHEN frequency > 0 THEN CASE WHEN p_alive >= 0.5 THEN 'active' WHEN p_alive >= 0.2 THEN 'at risk' ELSE 'churned' END
         WHEN timestamptz '2026-07-01 00:00+00' - last_purchase <= interval '365 days' THEN 'at risk'
         ELSE 'churned' END) AS by_rule
FROM c360 GROUP BY 1 ORDER BY 1;
SELECT count(*) AS churn_risk_rows, count(*) = (SELECT count(*) FROM c360 WHERE orders > 0) AS all_buyers
FROM cxm.churn_risk;

-- kpi_monthly against direct counts
CREATE TEMP TABLE kpi AS SELECT * FROM cxm.kpi_monthly;
SELECT count(*) AS months,
       count(*) FILTER (WHERE k.revenue = h.revenue AND k.orders = h.orders AND k.active_customers = h.buyers
                        AND k.new_customers = h.new_buyers
                        AND (abs(k.repeat_purchase_rate - h.repeaters::float8 / h.buyers) < 1e-12
                             OR k.repeat_purchase_rate IS NULL AND k.month = (SELECT min(month) FROM kpi))) AS matching
FROM kpi k
JOIN (SELECT date_trunc('month', o."Ordered At")::date AS month, sum("Total EUR") AS revenue, count(*) AS orders,
             count(DISTINCT "Client No") AS buyers,
             count(DISTINCT "Client No") FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM demo.shop_orders p WHERE p."Client No" = o."Client No"
               AND p."Ordered At" < date_trunc('month', o."Ordered At"))
               AND EXISTS (SELECT 1 FROM demo.shop_orders p WHERE p."Client No" = o."Client No")) AS new_buyers,
             count(DISTINCT "Client No") FILTER (WHERE EXISTS (
               SELECT 1 FROM demo.shop_orders p WHERE p."Client No" = o."Client No"
               AND p."Ordered At" < date_trunc('month', o."Ordered At"))) AS repeaters
      FROM demo.shop_orders o GROUP BY 1) h ON h.month = k.month;
-- conversion (visitors who bought in the month), sessions, NPS, cross-sell, churn
SELECT count(*) AS months,
       count(*) FILTER (WHERE k.visitors = v.visitors
                        AND abs(k.conversion_rate - v.converted::float8 / v.visitors) < 1e-12) AS conversion_ok,
       count(*) FILTER (WHERE k.sessions = s.sessions
                        AND abs(k.touchpoints_per_session - s.tps::float8 / s.sessions) < 1e-9
                        AND abs(k.avg_session_minutes - s.minutes) < 1e-9) AS sessions_ok,
       count(*) FILTER (WHERE k.nps IS NOT DISTINCT FROM n.nps) AS nps_ok
FROM kpi k
LEFT JOIN (SELECT date_trunc('month', t.ts)::date AS month, count(DISTINCT t.customer_id) AS visitors,
                  count(DISTINCT t.customer_id) FILTER (WHERE EXISTS (
                    SELECT 1 FROM demo.shop_orders o WHERE o."Client No"::text = t.customer_id
                    AND date_trunc('month', o."Ordered At") = date_trunc('month', t.ts))) AS converted
           FROM raw_tp t GROUP BY 1) v ON v.month = k.month
LEFT JOIN (SELECT date_trunc('month', started_at)::date AS month, count(*) AS sessions, sum(touchpoints) AS tps,
                  avg(extract(epoch FROM ended_at - started_at) / 60) AS minutes
           FROM cxm.sessions GROUP BY 1) s ON s.month = k.month
LEFT JOIN (SELECT date_trunc('month', "Submitted")::date AS month,
                  100.0 * (count(*) FILTER (WHERE "Q1 Score" >= 9) - count(*) FILTER (WHERE "Q1 Score" <= 6)) / count(*) AS nps
           FROM demo.nps_survey GROUP BY 1) n ON n.month = k.month;
SELECT count(*) FILTER (WHERE k.active_customers > 0) AS months_with_buyers,
       count(*) FILTER (WHERE abs(k.cross_sell_rate - (
         SELECT count(*) FILTER (WHERE (SELECT count(DISTINCT p."Category") FROM demo.shop_orders p
                                       WHERE p."Client No" = b."Client No"
                                         AND p."Ordered At" < k.month + interval '1 month') >= 2)::float8 / count(*)
         FROM (SELECT DISTINCT "Client No" FROM demo.shop_orders
               WHERE date_trunc('month', "Ordered At") = k.month) b)) < 1e-12) AS cross_sell_ok,
       -- the base is known from 365 days after the first purchase month, the
       -- churn also once the month is over (in the session time zone)
       count(*) FILTER (WHERE CASE WHEN k.month >= (SELECT date_trunc('month', min("Ordered At")) FROM demo.shop_orders)
                                                   + interval '365 days'
         THEN (k.churned_customers = (
         SELECT count(*) FROM demo.shop_orders o
         WHERE date_trunc('month', o."Ordered At" + interval '365 days') = k.month
           AND o."Ordered At" + interval '365 days' <= timestamptz '2026-07-01 00:00+00'
           AND NOT EXISTS (SELECT 1 FROM demo.shop_orders p WHERE p."Client No" = o."Client No"
                           AND p."Ordered At" > o."Ordered At" AND p."Ordered At" <= o."Ordered At" + interval '365 days'))
         AND k.customer_base = (SELECT count(DISTINCT "Client No") FROM demo.shop_orders
                                WHERE "Ordered At" >= k.month - interval '365 days' AND "Ordered At" < k.month)
         AND k.month + interval '1 month' <= timestamptz '2026-07-01 00:00+00'
         OR k.churned_customers IS NULL AND k.churn_rate IS NULL
         AND k.month + interval '1 month' > timestamptz '2026-07-01 00:00+00')
         ELSE k.churned_customers IS NULL AND k.customer_base IS NULL AND k.churn_rate IS NULL END) AS churn_ok,
       count(*) FILTER (WHERE k.churn_rate IS NOT NULL) AS churn_known,
       count(*) FILTER (WHERE abs(k.clv_cross_channel - (SELECT avg(c.expected_clv) FROM c360 c
                                                         WHERE c.is_cross_channel AND EXISTS (
                                                           SELECT 1 FROM demo.shop_orders o WHERE o."Client No"::text = c.customer_id
                                                           AND date_trunc('month', o."Ordered At") = k.month))) < 1e-9) AS clv_cross_ok
FROM kpi k WHERE k.active_customers > 0;
SELECT month, revenue, active_customers AS active, new_customers AS new,
       round(repeat_purchase_rate::numeric, 3) AS repeat_rate, round(churn_rate::numeric, 3) AS churn_rate,
       round(conversion_rate::numeric, 3) AS conversion, round(nps::numeric, 1) AS nps,
       round(touchpoints_per_session::numeric, 2) AS tp_per_session,
       round(cross_sell_rate::numeric, 3) AS cross_sell, round(cross_channel_share::numeric, 3) AS cross_channel,
       round(clv_cross_channel::numeric, 2) AS clv_cross, round(clv_single_channel::numeric, 2) AS clv_single
FROM kpi WHERE month >= '2026-01-01' ORDER BY month;

-- the first row is the first month with a purchase (web visits before it
-- are not shown), whose repeat purchase rate cannot be known
SELECT min(month) = (SELECT date_trunc('month', min("Ordered At"))::date FROM demo.shop_orders) AS starts_at_first_purchase,
       count(*) FILTER (WHERE repeat_purchase_rate IS NULL) AS months_without_repeat_rate,
       (SELECT repeat_purchase_rate IS NULL FROM kpi ORDER BY month LIMIT 1) AS first_month_null
FROM kpi;

-- materialised mode: the same rows from snapshots; stale until refresh()
SELECT cxm.set_materialized(true);
SELECT (SELECT count(*) FROM (SELECT * FROM cxm.customer_360 EXCEPT SELECT * FROM c360) x) AS differ,
       (SELECT count(*) FROM cxm.customer_360) = (SELECT count(*) FROM c360) AS same_count,
       (SELECT count(*) FROM cxm.kpi_monthly k JOIN kpi USING (month)
        WHERE (k.revenue, k.active_customers, k.churn_rate, k.conversion_rate, k.nps, k.cross_sell_rate)
              IS DISTINCT FROM (kpi.revenue, kpi.active_customers, kpi.churn_rate, kpi.conversion_rate, kpi.nps, kpi.cross_sell_rate)
           OR abs(k.clv_cross_channel - kpi.clv_cross_channel) > 1e-9) AS kpi_differ,
       pg_get_viewdef('cxm.customer_360') LIKE '%customer_360_snapshot%' AS reads_snapshot;
INSERT INTO demo.shop_orders VALUES (999999, 1001, '2026-06-30 12:00+00', 10, 'shoes', false);
SELECT orders FROM cxm.customer_360 WHERE customer_id = '1001';
SELECT orders FROM cxm.customer_360_live WHERE customer_id = '1001';
SELECT cxm.refresh();
SELECT orders FROM cxm.customer_360 WHERE customer_id = '1001';
SELECT cxm.set_materialized(false);
SELECT pg_get_viewdef('cxm.customer_360') LIKE '%customer_360_live%' AS reads_live,
       (SELECT count(*) FROM cxm.customer_360_snapshot) AS snapshot_rows;
DELETE FROM demo.shop_orders WHERE "Order#" = 999999;

-- an index on a mapped column serves a lookup through the stitched view
CREATE INDEX ON demo.clickstream (cookie_id);
CREATE INDEX ON demo.login_links ("Cookie");
ANALYZE demo.clickstream;
CREATE FUNCTION pg_temp.plan(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || q; END $$;
SELECT count(*) FILTER (WHERE p ~ 'Index.*clickstream') > 0 AS uses_index
FROM pg_temp.plan($$SELECT * FROM cxm.touchpoints WHERE customer_id = 'v-17'$$) p;
SELECT customer_id, anonymous_id, touchpoint, channel FROM cxm.touchpoints WHERE customer_id = 'v-17' ORDER BY ts, touchpoint;

-- kpi_monthly_live in one pass (doc/layer.md, "Performance"): the rows of
-- layer_kpi_rows are layer_month_rows' rows with their profile's facts from
-- customer_360 (layer_profile_rows), for every profile and for given ones
CREATE TEMP TABLE kpi_rows_ref AS
SELECT m.customer_id, m.month, m.revenue, m.orders, m.visited, m.sessions, m.session_touchpoints, m.session_minutes,
       m.answers, m.promoters, m.passives, m.detractors, m.lost, m.base_delta, m.cost, m.costed,
       p.products, p.is_cross_channel, p.expected_clv, p.second_product_at, p.first_purchase
FROM cxm.layer_month_rows(NULL) m JOIN cxm.layer_profile_rows(NULL) p USING (customer_id);
-- (each fact takes more than one value)
SELECT count(*) > 1000 AS many_rows, count(DISTINCT products) > 2 AS products_vary,
       count(DISTINCT is_cross_channel) = 2 AS cross_channel_varies, count(second_product_at) > 0 AS with_second,
       count(*) FILTER (WHERE second_product_at IS NULL AND orders > 0) > 0 AS buyers_without_second,
       count(DISTINCT expected_clv) > 100 AS clv_varies, count(*) FILTER (WHERE first_purchase IS NULL) > 0 AS non_buyers
FROM kpi_rows_ref;
SELECT (SELECT count(*) FROM (SELECT * FROM cxm.layer_kpi_rows(NULL) EXCEPT ALL SELECT * FROM kpi_rows_ref) d) AS only_kpi_rows,
       (SELECT count(*) FROM (SELECT * FROM kpi_rows_ref EXCEPT ALL SELECT * FROM cxm.layer_kpi_rows(NULL)) d) AS only_ref,
       (SELECT count(*) FROM (SELECT * FROM cxm.layer_kpi_rows_whole(NULL) EXCEPT ALL SELECT * FROM kpi_rows_ref) d) AS only_whole,
       (SELECT count(*) FROM (SELECT * FROM kpi_rows_ref EXCEPT ALL SELECT * FROM cxm.layer_kpi_rows_whole(NULL)) d) AS only_ref_whole;
SELECT (SELECT count(*) FROM (SELECT * FROM cxm.layer_kpi_rows(ARRAY['1001', '1002', 'v-17', 'nobody'])
                              EXCEPT ALL SELECT * FROM kpi_rows_ref
                                         WHERE customer_id IN ('1001', '1002', 'v-17', 'nobody')) d) AS only_given,
       (SELECT count(*) FROM (SELECT * FROM kpi_rows_ref WHERE customer_id IN ('1001', '1002', 'v-17', 'nobody')
                              EXCEPT ALL SELECT * FROM cxm.layer_kpi_rows(ARRAY['1001', '1002', 'v-17', 'nobody'])) d) AS only_ref_given,
       (SELECT count(*) FROM cxm.layer_kpi_rows(ARRAY['1001', '1002', 'v-17', 'nobody'])) > 0 AS some_rows;
-- the live view reads that one pass and nothing else per profile, and
-- equals the view over the two per-profile functions it replaces
SELECT pg_get_viewdef('cxm.kpi_monthly_live') LIKE '%layer_kpi_rows_whole%' AS one_pass,
       pg_get_viewdef('cxm.kpi_monthly_live') NOT LIKE '%layer_profile_rows%'
       AND pg_get_viewdef('cxm.kpi_monthly_live') NOT LIKE '%layer_month_rows%' AS nothing_else;
DO $$ BEGIN
  EXECUTE (SELECT 'CREATE TEMP VIEW kpi_two_passes AS '
                  || replace(cxm.layer_fill(a.body, 'cxm.layer_profile_rows_whole(NULL)', '-', 'cxm.layer_month_rows_whole(NULL)'),
                             '{base}', '(' || cxm.layer_fill(a.base, 'cxm.layer_profile_rows_whole(NULL)', '-',
                                                             'cxm.layer_month_rows_whole(NULL)') || ')')
           FROM cxm.layer_aggregates() a WHERE a.name = 'kpi_monthly');
END $$;
SELECT (SELECT count(*) FROM (SELECT * FROM cxm.kpi_monthly_live EXCEPT ALL SELECT * FROM kpi_two_passes) d) AS only_live,
       (SELECT count(*) FROM (SELECT * FROM kpi_two_passes EXCEPT ALL SELECT * FROM cxm.kpi_monthly_live) d) AS only_two_passes,
       (SELECT count(*) FROM cxm.kpi_monthly_live) AS months;
-- the generated base refuses a base of another shape
SELECT cxm.layer_kpi_live_base('SELECT 1');
SELECT cxm.layer_kpi_live_base(replace(base, 'p.products', '(SELECT 1 FROM x) AS products'))
FROM cxm.layer_aggregates() WHERE name = 'kpi_monthly';
-- the Citus form of the per-profile functions (doc/scale-out.md, "The
-- _live views on Citus"), run here on one node: each source grouped by
-- profile into partial aggregates, merged by profile; the same rows as the
-- SQL functions, for every profile and for some
CREATE FUNCTION pg_temp.live_rows(fn text, ids text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('SELECT r::text FROM (%s) r', cxm.layer_citus_live_sql(fn)) USING ids;
END $$;
CREATE FUNCTION pg_temp.sql_rows(fn text, ids text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('SELECT r::text FROM cxm.%I($1) r', fn) USING ids;
END $$;
SELECT f.fn, i.ids,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.live_rows(f.fn, i.ids)
                              EXCEPT ALL SELECT * FROM pg_temp.sql_rows(f.fn, i.ids)) d) AS only_citus_form,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.sql_rows(f.fn, i.ids)
                              EXCEPT ALL SELECT * FROM pg_temp.live_rows(f.fn, i.ids)) d) AS only_sql_form,
       (SELECT count(*) FROM pg_temp.sql_rows(f.fn, i.ids)) > 0 AS some_rows
FROM unnest(ARRAY['layer_profile_rows', 'layer_journey_rows', 'layer_month_rows', 'layer_kpi_rows']) f(fn)
CROSS JOIN (VALUES (NULL::text[]), (ARRAY['1001', '1002', 'v-17', 'nobody'])) i(ids)
ORDER BY 1, 2;
-- each source is grouped apart: one grouping per mapped source of each kind
SELECT f.fn, (SELECT count(*) FROM regexp_matches(cxm.layer_citus_live_sql(f.fn), 'GROUP BY [a-z]+\.customer_id', 'g')) AS groupings,
       cxm.layer_citus_live_sql(f.fn) !~ '_whole ' AS no_kind_view
FROM unnest(ARRAY['layer_profile_rows', 'layer_journey_rows', 'layer_month_rows', 'layer_kpi_rows']) f(fn)
ORDER BY 1;
-- customer_360's latest NPS: the latest answer, of answers given at the
-- same time the lowest score (before 1970 too, where its key is negative),
-- in the SQL form and in the Citus form
CREATE TABLE nps_ties (who text, at timestamptz, score int);
INSERT INTO nps_ties VALUES ('tie-1', '1969-07-20 20:17:40.000001+00', 9), ('tie-1', '1969-07-20 20:17:40.000001+00', 3),
  ('tie-1', '1969-07-20 20:17:40+00', 0), ('tie-2', '2026-01-01 00:00+00', 10), ('tie-2', '2025-12-31 23:59:59.999999+00', 0),
  ('tie-2', '2026-01-01 00:00+00', 10);
SELECT cxm.map_feedback('nps_ties', 'who', 'at', 'score');
SELECT customer_id, latest_nps, latest_nps_at AT TIME ZONE 'UTC' AS latest_nps_at_utc
FROM cxm.customer_360_live WHERE customer_id IN ('tie-1', 'tie-2') ORDER BY 1;
SELECT r FROM pg_temp.live_rows('layer_profile_rows', ARRAY['tie-1', 'tie-2']) r
EXCEPT ALL SELECT r FROM pg_temp.sql_rows('layer_profile_rows', ARRAY['tie-1', 'tie-2']) r;
SELECT cxm.unmap('nps_ties');
DROP TABLE nps_ties;
-- a kind with no mapped source (here: no feedback) reads as no rows in the
-- Citus form too
BEGIN;
SELECT count(*) AS unmapped FROM cxm.sources s, LATERAL cxm.unmap(s.source) u WHERE s.kind = 'feedback';
SELECT f.fn,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.live_rows(f.fn, NULL)
                              EXCEPT ALL SELECT * FROM pg_temp.sql_rows(f.fn, NULL)) d) AS only_citus_form,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.sql_rows(f.fn, NULL)
                              EXCEPT ALL SELECT * FROM pg_temp.live_rows(f.fn, NULL)) d) AS only_sql_form
FROM unnest(ARRAY['layer_profile_rows', 'layer_kpi_rows']) f(fn)
ORDER BY 1;
ROLLBACK;
