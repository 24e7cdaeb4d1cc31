-- CX layer demo: a shop's own tables (loaded by 05_layer_data.sql, with their own
-- column names) are mapped in six calls; from then on the cxm views serve them.
\pset footer off
SET jit = off;

\echo
\echo '================================================================================'
\echo ' The CX layer: map existing tables once, read cxm.* views from any BI tool'
\echo '================================================================================'
\echo
\echo '== The shop''s tables, as they are =='
SELECT 'demo.crm_clients' AS "table", count(*) AS "rows", '"Client No", "Signed Up"' AS "columns used" FROM demo.crm_clients
UNION ALL SELECT 'demo.clickstream', count(*), 'cookie_id, "Page", "Event Time" (timestamp), utm_channel' FROM demo.clickstream
UNION ALL SELECT 'demo.login_links', count(*), '"Cookie", "Client No"' FROM demo.login_links
UNION ALL SELECT 'demo.email', count(*), 'recipient, action, sent_at' FROM demo.email
UNION ALL SELECT 'demo.shop_orders', count(*), '"Client No", "Ordered At", "Total EUR", "Category"' FROM demo.shop_orders
UNION ALL SELECT 'demo.nps_survey', count(*), '"Client No", "Submitted", "Q1 Score" (smallint)' FROM demo.nps_survey;

\echo '== Mapping them (arguments are column names; checked against the catalog, always quoted) =='
\echo 'SELECT cxm.map_customers(''demo.crm_clients'', ''Client No'', ''Signed Up'');'
\echo 'SELECT cxm.map_touchpoints(''demo.clickstream'', ''cookie_id'', ''Page'', ''Event Time'', ''utm_channel'', campaign => ''utm_campaign'');'
\echo 'SELECT cxm.map_touchpoints(''demo.email'', ''recipient'', ''action'', ''sent_at'');   -- channel: the table name'
\echo 'SELECT cxm.map_identities(''demo.login_links'', ''Cookie'', ''Client No'');'
\echo 'SELECT cxm.map_transactions(''demo.shop_orders'', ''Client No'', ''Ordered At'', ''Total EUR'', ''Category'', cost => ''Cost EUR'');'
\echo 'SELECT cxm.map_feedback(''demo.nps_survey'', ''Client No'', ''Submitted'', ''Q1 Score'', channel => ''Channel'', comment => ''Comment'');'
\o /dev/null
SELECT cxm.map_customers('demo.crm_clients', 'Client No', 'Signed Up');
SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel', campaign => 'utm_campaign');
SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
SELECT cxm.map_identities('demo.login_links', 'Cookie', 'Client No');
SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Ordered At', 'Total EUR', 'Category', cost => 'Cost EUR');
SELECT cxm.map_feedback('demo.nps_survey', 'Client No', 'Submitted', 'Q1 Score', channel => 'Channel', comment => 'Comment');
-- the data ends in June 2026: figures as of 1 July 2026; the web funnel
UPDATE cxm.settings SET as_of = '2026-07-01 00:00+00', funnel_steps = '{home,product,cart,checkout}';
SELECT cxm.refresh();
\o
\echo 'UPDATE cxm.settings SET as_of = ''2026-07-01'', funnel_steps = ''{home,product,cart,checkout}'';'
\echo 'SELECT cxm.refresh();   -- fits the churn (BG/NBD) and spend (Gamma-Gamma) models'
\echo
\echo '== A mapping error names the column (42703), a wrong type names it too (42804) =='
\set VERBOSITY terse
\set ON_ERROR_STOP 0
SELECT cxm.map_transactions('demo.shop_orders', 'client no', 'Ordered At', 'Total EUR');
SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Category', 'Total EUR');
\set ON_ERROR_STOP 1
\set VERBOSITY default

\echo
\echo '== Identity stitching: anonymous cookies that later signed up count as their customer =='
SELECT count(*) AS touchpoints,
       count(*) FILTER (WHERE anonymous_id IS NOT NULL) AS recorded_under_a_cookie,
       count(DISTINCT customer_id) FILTER (WHERE customer_id LIKE 'v-%') AS anonymous_visitors,
       count(DISTINCT customer_id) FILTER (WHERE customer_id NOT LIKE 'v-%') AS customers
FROM cxm.touchpoints;
SELECT customer_id, anonymous_ids, touchpoints, sessions, channels, orders, lifecycle_stage
FROM cxm.customer_360 WHERE customer_id IN ('1003', '1011', 'v-5') ORDER BY customer_id;

\echo '== KPIs by month (cxm.kpi_monthly) =='
SELECT to_char(month, 'YYYY-MM') AS month, round(revenue) AS revenue, active_customers AS buyers,
       new_customers AS new, round(100 * repeat_purchase_rate) AS "repeat %",
       round((100 * churn_rate)::numeric, 1) AS "churn %", round((100 * conversion_rate)::numeric, 1) AS "conv %",
       round(nps) AS nps, round(touchpoints_per_session::numeric, 2) AS "tp/session",
       round(avg_session_minutes::numeric, 1) AS "session min", round(100 * cross_sell_rate) AS "x-sell %"
FROM cxm.kpi_monthly WHERE month >= '2025-01-01' ORDER BY month;

\echo '== NPS by month with 95 % intervals (cxm.nps_monthly) =='
SELECT to_char(month, 'YYYY-MM') AS month, responses, promoters, passives, detractors,
       round(nps::numeric, 1) AS nps, round(ci_low::numeric, 1) AS ci_low, round(ci_high::numeric, 1) AS ci_high
FROM cxm.nps_monthly WHERE month >= '2025-07-01' AND channel = 'all' ORDER BY month;

\echo '== Cohort retention: % of each first-purchase cohort buying again N months later (cxm.cohort_retention) =='
SELECT to_char(cohort_month, 'YYYY-MM') AS cohort, max(cohort_size) AS size,
       max(round(100 * retention)) FILTER (WHERE months_since = 1) AS m1,
       max(round(100 * retention)) FILTER (WHERE months_since = 2) AS m2,
       max(round(100 * retention)) FILTER (WHERE months_since = 3) AS m3,
       max(round(100 * retention)) FILTER (WHERE months_since = 4) AS m4,
       max(round(100 * retention)) FILTER (WHERE months_since = 5) AS m5,
       max(round(100 * retention)) FILTER (WHERE months_since = 6) AS m6,
       max(round(100 * retention)) FILTER (WHERE months_since = 9) AS m9,
       max(round(100 * retention)) FILTER (WHERE months_since = 12) AS m12
FROM cxm.cohort_retention GROUP BY cohort_month ORDER BY cohort_month;

\echo '== Lifecycle stages (cxm.customer_360; rules in doc/layer.md) =='
SELECT lifecycle_stage, count(*) AS profiles, round(sum(revenue)) AS revenue,
       round(avg(p_alive)::numeric, 3) AS avg_p_alive, round(sum(expected_clv)::numeric) AS expected_clv
FROM cxm.customer_360 GROUP BY 1
ORDER BY array_position(ARRAY['prospect', 'new', 'active', 'at risk', 'churned'], lifecycle_stage);

\echo '== RFM segments (cxm.rfm_segments) =='
SELECT segment, customers, round((100 * share)::numeric, 1) AS "share %", round(revenue) AS revenue,
       round(avg_orders, 1) AS avg_orders, round(avg_days_since_purchase::numeric) AS days_since,
       round(avg_p_alive::numeric, 3) AS p_alive, round(expected_clv::numeric) AS expected_clv
FROM cxm.rfm_segments ORDER BY revenue DESC;

\echo '== Top customers by expected CLV, next 52 weeks (cxm.customer_360) =='
SELECT customer_id, orders, round(revenue) AS revenue, frequency, recency, t,
       round(p_alive::numeric, 3) AS p_alive, round(expected_purchases::numeric, 2) AS exp_purchases,
       round(expected_clv::numeric, 2) AS expected_clv, rfm_segment, lifecycle_stage
FROM cxm.customer_360 WHERE expected_clv IS NOT NULL ORDER BY expected_clv DESC, customer_id LIMIT 10;

\echo '== The 80/20 rule: which share of the buyers holds 80 % of the value (cxm.value_concentration) =='
SELECT measure, customers, round((100 * top_20_pct)::numeric, 1) AS "top 20 % hold %",
       round((100 * customers_for_80_pct)::numeric, 1) AS "% of buyers for 80 %", round(gini::numeric, 3) AS gini
FROM cxm.value_concentration ORDER BY measure;

\echo '== Cross-channel against single-channel buyers, within tenure bands (cxm.channel_mix_value) =='
SELECT tenure_band, measure, single_customers AS single, cross_customers AS "cross",
       round(single_mean::numeric) AS single_mean, round(cross_mean::numeric) AS cross_mean,
       round(difference::numeric) AS difference, round(ci_low::numeric) AS ci_low, round(ci_high::numeric) AS ci_high,
       round(p_value::numeric, 4) AS p_value
FROM cxm.channel_mix_value ORDER BY measure DESC, array_position(ARRAY['<90', '90-365', '365+', 'all'], tenure_band);

SELECT to_regclass('cxm.funnel_conversion') IS NOT NULL AS has_funnel \gset
\if :has_funnel
\echo '== Web funnel home -> product -> cart -> checkout within 7 days (cxm.funnel_conversion) =='
SELECT step, touchpoint, customers, round((100 * conversion)::numeric, 1) AS "% of step 1",
       round((100 * step_conversion)::numeric, 1) AS "% of previous"
FROM cxm.funnel_conversion ORDER BY step;
\else
\echo '(funnel_conversion needs journey_funnel, not installed in this build)'
\endif

\echo '== Channel attribution of first purchases, five models (cxm.channel_attribution) =='
SELECT channel,
       round(max(conversions) FILTER (WHERE model = 'first_touch')::numeric, 1) AS first_touch,
       round(max(conversions) FILTER (WHERE model = 'last_touch')::numeric, 1) AS last_touch,
       round(max(conversions) FILTER (WHERE model = 'linear')::numeric, 1) AS linear,
       round(max(conversions) FILTER (WHERE model = 'position')::numeric, 1) AS position,
       round(max(conversions) FILTER (WHERE model = 'markov')::numeric, 1) AS markov,
       round(max(revenue) FILTER (WHERE model = 'markov')::numeric) AS markov_revenue
FROM cxm.channel_attribution WHERE level = 'channel' AND NOT is_repeat GROUP BY channel ORDER BY markov DESC, channel;

\echo '== Sankey input: the biggest transitions of the first four steps (cxm.journey_transitions) =='
SELECT step, source, target, customers
FROM (SELECT *, row_number() OVER (PARTITION BY step ORDER BY customers DESC, source, target) AS k
      FROM cxm.journey_transitions WHERE step <= 4) x
WHERE k <= 4 ORDER BY step, customers DESC, source, target;

\echo '== Experiment report: checkout design test (cxm.experiment_results) =='
SELECT experiment, arm, trials, reward_sum AS conversions, round(mean::numeric, 4) AS rate,
       round(ci_low::numeric, 4) AS ci_low, round(ci_high::numeric, 4) AS ci_high,
       round(p_best::numeric, 3) AS p_best, round(100 * lift::numeric, 1) AS "lift %"
FROM cxm.experiment_results WHERE experiment = 'demo_checkout' ORDER BY arm_no;

\echo '== Every view carries comments that BI tools show, e.g. cxm.customer_360 =='
SELECT a.attname AS "column", col_description(a.attrelid, a.attnum) AS "comment"
FROM pg_attribute a WHERE a.attrelid = 'cxm.customer_360'::regclass AND a.attnum > 0
  AND a.attname IN ('is_cross_channel', 'p_alive', 'expected_clv', 'lifecycle_stage')
ORDER BY a.attnum;
