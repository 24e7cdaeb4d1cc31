-- CX layer, part 5: profit and how concentrated value is, NPS by feedback
-- channel with the change from month to month, cross-channel value and
-- visitor segments, on the demo data (test/demo/05_layer_data.sql) against
-- independent SQL over the raw tables
SET extra_float_digits = 0;
SET client_min_messages = warning;
SET jit = off;
CREATE SCHEMA demo;
\getenv abs_srcdir PG_ABS_SRCDIR
\set datafile :abs_srcdir '/test/demo/05_layer_data.sql'
\set layer_customers 300
\set ECHO none
\i :datafile
\set ECHO all
SELECT cxm.map_customers('demo.crm_clients', 'Client No', 'Signed Up');
SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Ordered At', 'Total EUR', 'Category', cost => 'Cost EUR');
SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel');
SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
SELECT cxm.map_identities('demo.login_links', 'Cookie', 'Client No');
SELECT cxm.map_feedback('demo.nps_survey', 'Client No', 'Submitted', 'Q1 Score', channel => 'Channel', comment => 'Comment');
UPDATE cxm.settings SET as_of = '2026-07-01 00:00+00', materialized = false;
SELECT cxm.refresh();
CREATE TEMP TABLE c360 AS SELECT * FROM cxm.customer_360;

-- profit: cost, profit and expected profit per customer
SELECT count(*) AS buyers,
       count(*) FILTER (WHERE c.cost = h.cost AND c.profit = h.revenue - h.cost) AS cost_ok,
       count(*) FILTER (WHERE abs(c.expected_profit - c.expected_clv * (h.revenue - h.cost) / h.revenue) < 1e-9) AS expected_profit_ok,
       sum(c.profit) AS profit
FROM c360 c
JOIN (SELECT "Client No"::text AS customer_id, sum("Total EUR") AS revenue, sum("Cost EUR") AS cost
      FROM demo.shop_orders GROUP BY 1) h USING (customer_id);
SELECT count(*) AS non_buyers, count(cost) AS with_cost FROM c360 WHERE orders = 0;
-- and per month
SELECT count(*) AS months,
       count(*) FILTER (WHERE k.cost = h.cost AND k.profit = h.revenue - h.cost) AS matching,
       count(*) FILTER (WHERE k.active_customers = 0 AND k.cost = 0) AS months_without_orders
FROM cxm.kpi_monthly k
LEFT JOIN (SELECT date_trunc('month', "Ordered At")::date AS month, sum("Total EUR") AS revenue, sum("Cost EUR") AS cost
           FROM demo.shop_orders GROUP BY 1) h USING (month);
-- an order without a cost: its customer's and its month's cost are unknown, not understated
BEGIN;
UPDATE demo.shop_orders SET "Cost EUR" = NULL WHERE "Order#" = 10;
SELECT c.cost IS NULL AS customer_cost_unknown, k.cost IS NULL AS month_cost_unknown
FROM demo.shop_orders o
JOIN cxm.customer_360 c ON c.customer_id = o."Client No"::text
JOIN cxm.kpi_monthly k ON k.month = date_trunc('month', o."Ordered At")::date
WHERE o."Order#" = 10;
ROLLBACK;

-- value_concentration against sorted arrays of the raw values: shares of
-- the top k = ceil(p n), the customers holding 80 %, Lorenz deciles and the
-- Gini coefficient by the mean absolute difference (sum |x_i - x_j| / (2 n^2 mean))
CREATE TEMP TABLE vals AS
SELECT 'revenue' AS measure, revenue AS value FROM c360 WHERE orders > 0
UNION ALL SELECT 'profit', profit FROM c360 WHERE orders > 0
UNION ALL SELECT 'expected_clv', expected_clv::numeric FROM c360 WHERE orders > 0 AND expected_clv IS NOT NULL;
CREATE TEMP TABLE hand_vc AS
WITH s AS (SELECT measure, array_agg(value ORDER BY value DESC) AS d, count(*) AS n, sum(value) AS total
           FROM vals GROUP BY 1)
SELECT s.measure, s.n, s.total,
       (SELECT sum(x) FROM unnest(s.d[1:ceil(s.n * 0.01)::int]) x) / s.total AS top1,
       (SELECT sum(x) FROM unnest(s.d[1:ceil(s.n * 0.05)::int]) x) / s.total AS top5,
       (SELECT sum(x) FROM unnest(s.d[1:ceil(s.n * 0.10)::int]) x) / s.total AS top10,
       (SELECT sum(x) FROM unnest(s.d[1:ceil(s.n * 0.20)::int]) x) / s.total AS top20,
       (SELECT sum(x) FROM unnest(s.d[1:ceil(s.n * 0.50)::int]) x) / s.total AS top50,
       (SELECT min(k) FROM generate_series(1, s.n::int) k
        WHERE (SELECT sum(x) FROM unnest(s.d[1:k]) x) >= 0.8 * s.total)::float8 / s.n AS k80,
       ARRAY(SELECT coalesce((SELECT sum(x) FROM unnest(s.d[s.n - (dd * s.n) / 10 + 1:s.n]) x), 0) / s.total
             FROM generate_series(1, 10) dd ORDER BY dd) AS lorenz,
       (SELECT sum(abs(a.value - b.value)) FROM vals a, vals b WHERE a.measure = s.measure AND b.measure = s.measure)
         / (2 * s.n * s.total) AS gini
FROM s;
SELECT v.measure, v.customers = h.n AS same_n, v.total = h.total AS same_total,
       abs(v.top_1_pct - h.top1) < 1e-12 AND abs(v.top_5_pct - h.top5) < 1e-12 AND abs(v.top_10_pct - h.top10) < 1e-12
         AND abs(v.top_20_pct - h.top20) < 1e-12 AND abs(v.top_50_pct - h.top50) < 1e-12 AS tops_ok,
       v.customers_for_80_pct = h.k80 AS k80_ok,
       (SELECT bool_and(abs(a - b) < 1e-12) FROM unnest(v.lorenz, h.lorenz) u(a, b)) AS lorenz_ok,
       abs(v.gini - h.gini) < 1e-12 AS gini_ok
FROM cxm.value_concentration v JOIN hand_vc h USING (measure) ORDER BY 1;
SELECT measure, customers, round(top_1_pct::numeric, 3) AS top_1, round(top_20_pct::numeric, 3) AS top_20,
       round(customers_for_80_pct::numeric, 3) AS for_80, round(gini::numeric, 3) AS gini,
       (SELECT array_agg(round(x::numeric, 2)) FROM unnest(lorenz) x) AS lorenz
FROM cxm.value_concentration ORDER BY customers DESC, measure;
-- the Lorenz curve ends at 1 and never falls
SELECT bool_and(lorenz[10] = 1 AND lorenz[1] <= lorenz[5]) AS lorenz_shape FROM cxm.value_concentration;

-- NPS by feedback channel: counts and scores against the raw answers; the
-- minimum number of answers (30) blanks the score, not the counts
UPDATE cxm.settings SET min_nps_answers = 5;
CREATE TEMP TABLE hand_nps AS
SELECT date_trunc('month', "Submitted")::date AS month, coalesce(c, 'all') AS channel, count(*) AS n,
       count(*) FILTER (WHERE "Q1 Score" >= 9) AS p, count(*) FILTER (WHERE "Q1 Score" <= 6) AS d
FROM demo.nps_survey CROSS JOIN LATERAL (VALUES ("Channel"), (NULL)) v(c)
WHERE "Q1 Score" IS NOT NULL GROUP BY 1, 2;
SELECT count(*) AS rows, count(*) FILTER (WHERE n.responses = h.n AND n.promoters = h.p AND n.detractors = h.d) AS counts_ok,
       count(*) FILTER (WHERE h.n >= 5 AND abs(n.nps - 100.0 * (h.p - h.d) / h.n) < 1e-9
                        AND abs(n.std_error - 100 * sqrt((h.p::float8 / h.n + h.d::float8 / h.n
                                                          - ((h.p - h.d)::float8 / h.n) ^ 2) / h.n)) < 1e-9) AS nps_ok,
       count(*) FILTER (WHERE h.n < 5 AND n.nps IS NULL AND n.ci_low IS NULL) AS blanked,
       count(*) FILTER (WHERE h.n < 5) AS too_few
FROM cxm.nps_monthly n FULL JOIN hand_nps h USING (month, channel);
-- the change from the previous calendar month: difference, interval
-- sqrt(se^2 + se_prev^2) * 1.959964 and p-value; NULL without two scores
SELECT count(*) AS rows,
       count(*) FILTER (WHERE n.nps_change IS NOT NULL) AS with_change,
       count(*) FILTER (WHERE (n.nps_change IS NOT NULL) = (n.nps IS NOT NULL AND p.nps IS NOT NULL)) AS null_rule_ok,
       count(*) FILTER (WHERE abs(n.nps_change - (n.nps - p.nps)) < 1e-9
                        AND abs((n.change_ci_high - n.change_ci_low) / 2
                                - 1.959963984540054 * sqrt(n.std_error ^ 2 + p.std_error ^ 2)) < 1e-9
                        AND abs((n.change_ci_high + n.change_ci_low) / 2 - n.nps_change) < 1e-9
                        AND (n.change_p_value < 0.05) = (n.change_ci_low > 0 OR n.change_ci_high < 0)) AS change_ok
FROM cxm.nps_monthly n
LEFT JOIN cxm.nps_monthly p ON p.channel = n.channel AND p.month = n.month - interval '1 month';
SELECT month, channel, responses, round(nps::numeric, 1) AS nps, round(nps_change::numeric, 1) AS change,
       round(change_ci_low::numeric, 1) AS ci_low, round(change_ci_high::numeric, 1) AS ci_high,
       round(change_p_value::numeric, 3) AS p
FROM cxm.nps_monthly WHERE month >= '2026-04-01' ORDER BY month, channel;
UPDATE cxm.settings SET min_nps_answers = DEFAULT;
SELECT count(*) FILTER (WHERE nps IS NOT NULL) AS with_score, count(*) FILTER (WHERE responses >= 30) AS with_30
FROM cxm.nps_monthly;
