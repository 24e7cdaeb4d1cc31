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
SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel', campaign => 'utm_campaign');
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

-- welch_test against scipy.stats.ttest_ind(a, b, equal_var=False) for
-- a = {3, 5, 8, 13, 21, 1, 2}, b = {1.5, 2.5, 2, 4, 3.5}, computed offline:
-- t 1.7627938238923142, p 0.125707933814466, df 6.344674577823789,
-- 95 % interval [-1.8024850731907884, 11.545342216047931]
SELECT abs(t - 1.7627938238923142) < 1e-9 AS t_ok, abs(p_value - 0.125707933814466) < 1e-8 AS p_ok,
       abs(df - 6.344674577823789) < 1e-9 AS df_ok,
       abs(ci_low + 1.8024850731907884) < 1e-7 AND abs(ci_high - 11.545342216047931) < 1e-7 AS ci_ok
FROM cxm.welch_test(7, 53.0 / 7, 51.952380952380956, 5, 2.7, 1.075);
SELECT * FROM cxm.welch_test(1, 2, 0, 5, 2.7, 1.075);
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.err($$SELECT cxm.welch_test(3, 1, 1, 3, 2, 1, 1.5)$$);
SELECT pg_temp.err($$SELECT cxm.welch_test(3, 1, -1, 3, 2, 1)$$);

-- channel_mix_value: counts, means, medians by tenure band from the raw
-- orders and touchpoint channels; the difference and its interval are
-- welch_test of those figures
CREATE TEMP TABLE raw_tp AS
SELECT COALESCE(l."Client No"::text, w.cookie_id) AS customer_id, w."Page" AS touchpoint,
       w."Event Time"::timestamptz AS ts, w.utm_channel AS channel, w.utm_campaign AS campaign
FROM demo.clickstream w LEFT JOIN demo.login_links l ON l."Cookie" = w.cookie_id
UNION ALL
SELECT e.recipient::text, e.action, e.sent_at, 'email', NULL FROM demo.email e;
CREATE TEMP TABLE mix AS
SELECT o.customer_id, o.revenue, c.expected_clv, ch.n >= 2 AS cross_channel,
       extract(epoch FROM timestamptz '2026-07-01 00:00+00' - o.first_purchase) / 86400 AS tenure
FROM (SELECT "Client No"::text AS customer_id, sum("Total EUR") AS revenue, min("Ordered At") AS first_purchase
      FROM demo.shop_orders GROUP BY 1) o
JOIN (SELECT customer_id, count(DISTINCT channel) AS n FROM raw_tp GROUP BY 1) ch USING (customer_id)
JOIN c360 c USING (customer_id);
CREATE TEMP TABLE hand_mix AS
SELECT b.band, m.measure,
       count(*) FILTER (WHERE NOT cross_channel) AS n1, count(*) FILTER (WHERE cross_channel) AS n2,
       avg(m.v) FILTER (WHERE NOT cross_channel) AS mean1, avg(m.v) FILTER (WHERE cross_channel) AS mean2,
       var_samp(m.v) FILTER (WHERE NOT cross_channel) AS var1, var_samp(m.v) FILTER (WHERE cross_channel) AS var2,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY m.v) FILTER (WHERE NOT cross_channel) AS med1,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY m.v) FILTER (WHERE cross_channel) AS med2
FROM mix
CROSS JOIN LATERAL (VALUES (CASE WHEN tenure < 90 THEN '<90' WHEN tenure < 365 THEN '90-365' ELSE '365+' END), ('all')) b(band)
CROSS JOIN LATERAL (VALUES ('revenue', revenue::float8), ('expected_clv', expected_clv)) m(measure, v)
GROUP BY 1, 2;
SELECT v.tenure_band, v.measure, v.single_customers = h.n1 AND v.cross_customers = h.n2 AS counts_ok,
       abs(v.single_mean - h.mean1) < 1e-9 AND abs(v.cross_mean - h.mean2) < 1e-9 AS means_ok,
       abs(v.single_median - h.med1) < 1e-9 AND abs(v.cross_median - h.med2) < 1e-9 AS medians_ok,
       abs(v.difference - (h.mean2 - h.mean1)) < 1e-9
         AND abs(v.ci_low - w.ci_low) < 1e-6 AND abs(v.ci_high - w.ci_high) < 1e-6
         AND abs(v.p_value - w.p_value) < 1e-9 AS welch_ok
FROM cxm.channel_mix_value v
JOIN hand_mix h ON h.band = v.tenure_band AND h.measure = v.measure
CROSS JOIN LATERAL cxm.welch_test(h.n2, h.mean2, h.var2, h.n1, h.mean1, h.var1) w
ORDER BY 2, 1;
SELECT tenure_band, measure, single_customers AS single, cross_customers AS cross, round(single_mean::numeric, 1) AS single_mean,
       round(cross_mean::numeric, 1) AS cross_mean, round(difference::numeric, 1) AS difference,
       round(ci_low::numeric, 1) AS ci_low, round(ci_high::numeric, 1) AS ci_high, round(p_value::numeric, 4) AS p
FROM cxm.channel_mix_value ORDER BY measure, tenure_band;

-- visitor_segments: sessions, bounces and time on site from cxm.sessions,
-- entry channel from the first raw touchpoint
CREATE TEMP TABLE hand_vs AS
WITH s AS (SELECT customer_id, count(*) AS sessions, count(*) FILTER (WHERE touchpoints = 1) AS bounced,
                  sum(duration_minutes) AS minutes, sum(touchpoints) AS tps
           FROM cxm.sessions GROUP BY 1),
e AS (SELECT DISTINCT ON (customer_id) customer_id, channel, campaign FROM raw_tp
      ORDER BY customer_id, ts, touchpoint, channel, campaign)
SELECT c.is_known, coalesce(e.channel, '(none)') AS entry_channel, coalesce(e.campaign, '(none)') AS entry_campaign,
       count(*) AS profiles, sum(s.sessions) AS sessions,
       sum(s.tps)::float8 / sum(s.sessions) AS pps, sum(s.minutes) / sum(s.sessions) AS minutes,
       sum(s.bounced)::float8 / sum(s.sessions) AS bounce,
       count(*) FILTER (WHERE s.sessions > s.bounced)::float8 / count(*) AS engaged,
       count(*) FILTER (WHERE c.orders > 0)::float8 / count(*) AS bought,
       avg(extract(epoch FROM timestamptz '2026-07-01 00:00+00' - c.last_seen) / 86400) AS days
FROM s JOIN e USING (customer_id) JOIN c360 c USING (customer_id)
GROUP BY 1, 2, 3;
SELECT count(*) AS segments,
       count(*) FILTER (WHERE v.profiles = h.profiles AND v.sessions = h.sessions
                        AND abs(v.pages_per_session - h.pps) < 1e-12 AND abs(v.avg_session_minutes - h.minutes) < 1e-9
                        AND abs(v.bounce_rate - h.bounce) < 1e-12 AND abs(v.engaged_share - h.engaged) < 1e-12
                        AND abs(v.customer_share - h.bought) < 1e-12
                        AND abs(v.avg_days_since_seen - h.days) < 1e-9) AS matching
FROM cxm.visitor_segments v FULL JOIN hand_vs h USING (is_known, entry_channel, entry_campaign);
SELECT is_known, entry_channel, entry_campaign, profiles, sessions, round(pages_per_session::numeric, 2) AS pages,
       round(avg_session_minutes::numeric, 1) AS minutes, round(bounce_rate::numeric, 3) AS bounce,
       round(engaged_share::numeric, 3) AS engaged, round(customer_share::numeric, 3) AS bought
FROM cxm.visitor_segments ORDER BY 1, 2, 3;

-- campaign attribution: the campaigns of the touchpoints up to the first
-- purchase ((none) for touchpoints without one), collapsed, last touch by hand
CREATE TEMP TABLE camp AS
SELECT t.customer_id, b.first_at IS NOT NULL AS bought,
       (SELECT coalesce(array_agg(x ORDER BY i), '{}') FROM (
          SELECT x, i, lag(x) OVER (ORDER BY i) AS p
          FROM unnest(array_agg(coalesce(t.campaign, '(none)') ORDER BY t.ts, coalesce(t.campaign, '(none)') COLLATE "C"))
               WITH ORDINALITY u(x, i)) z WHERE i = 1 OR x IS DISTINCT FROM p) AS p
FROM raw_tp t
LEFT JOIN (SELECT "Client No"::text AS cno, min("Ordered At") AS first_at FROM demo.shop_orders GROUP BY 1) b
  ON b.cno = t.customer_id
WHERE t.channel IS NOT NULL AND (b.first_at IS NULL OR t.ts <= b.first_at)
GROUP BY t.customer_id, b.first_at;
SELECT a.channel AS campaign, round(a.conversions::numeric, 3) AS conversions,
       a.conversions = (SELECT count(*) FROM camp WHERE bought AND p[cardinality(p)] = a.channel) AS by_hand
FROM cxm.channel_attribution a
WHERE a.level = 'campaign' AND NOT a.is_repeat AND a.model = 'last_touch' ORDER BY 1;
-- the journeys end in purchases, so funnels can: home -> purchase within 7 days
UPDATE cxm.settings SET funnel_steps = '{home,purchase}';
SELECT step, touchpoint, customers FROM cxm.funnel_conversion ORDER BY step;
SELECT count(DISTINCT o."Client No") AS bought_within_7_days_of_a_home_visit
FROM demo.shop_orders o JOIN raw_tp t ON t.customer_id = o."Client No"::text AND t.touchpoint = 'home'
 AND o."Ordered At" >= t.ts AND o."Ordered At" - t.ts <= interval '7 days';
UPDATE cxm.settings SET funnel_steps = NULL;

-- value_concentration's and channel_mix_value's formulas over bases with
-- ties, equal values of different scales (5.0 and 5.00 are separate groups)
-- and negative values, against per-value definitions over the expanded
-- values: totals and the 80 % point exactly, shares to 1e-12, and counts,
-- means, variances and medians equal to avg, var_samp and percentile_cont
CREATE TEMP TABLE vb AS
SELECT mo, value, coalesce(scale(value), -1) AS sc, value::float8 AS f, count(*) AS n
FROM (SELECT 1 + i % 3 AS mo,
             CASE WHEN i % 7 = 0 THEN round((i % 13)::numeric, 1) ELSE round((i % 11)::numeric - 2 + (i % 4) * 0.25, 2) END AS value
      FROM generate_series(1, 500) i) x
GROUP BY 1, 2, 3, 4;
CREATE TEMP TABLE vb_rows AS SELECT b.mo, b.value FROM vb b CROSS JOIN LATERAL generate_series(1, b.n) g;
CREATE FUNCTION pg_temp.vc_of() RETURNS SETOF cxm.value_concentration_snapshot LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE replace((SELECT a.body FROM cxm.layer_aggregates() a WHERE a.name = 'value_concentration'), '{base}', 'vb');
END $$;
SELECT count(*) FILTER (WHERE n > 1) AS tied_groups, count(*) FILTER (WHERE value < 0) AS negative_groups,
       count(*) - count(DISTINCT (mo, value)) AS groups_split_by_scale FROM vb;
CREATE FUNCTION pg_temp.vc_check() RETURNS TABLE (measure text, n_ok bool, total_ok bool, total_scale_ok bool,
  tops_ok bool, k80_ok bool, lorenz_ok bool, gini_ok bool) LANGUAGE sql AS $check$
WITH s AS (SELECT mo, array_agg(value ORDER BY value DESC) AS d, count(*) AS n, sum(value) AS total FROM vb_rows GROUP BY 1),
h AS (
  SELECT (ARRAY['revenue', 'profit', 'expected_clv'])[s.mo] AS measure, s.n, s.total,
         ARRAY(SELECT (SELECT sum(x) FROM unnest(s.d[1:ceil(s.n * p)::int]) x) / s.total
               FROM unnest('{0.01,0.05,0.10,0.20,0.50}'::numeric[]) WITH ORDINALITY q(p, o) ORDER BY o) AS tops,
         (SELECT min(k) FROM generate_series(1, s.n::int) k WHERE (SELECT sum(x) FROM unnest(s.d[1:k]) x) >= 0.8 * s.total) AS k80,
         ARRAY(SELECT coalesce((SELECT sum(x) FROM unnest(s.d[s.n - (dd * s.n) / 10 + 1:s.n]) x), 0) / s.total
               FROM generate_series(1, 10) dd ORDER BY dd) AS lorenz,
         (SELECT sum(abs(a.value - b.value)) FROM vb_rows a, vb_rows b WHERE a.mo = s.mo AND b.mo = s.mo) / (2 * s.n * s.total) AS gini
  FROM s)
SELECT v.measure, v.customers = h.n AS n_ok, v.total = h.total AS total_ok, scale(v.total) = scale(h.total) AS total_scale_ok,
       abs(v.top_1_pct - h.tops[1]) < 1e-12 AND abs(v.top_5_pct - h.tops[2]) < 1e-12 AND abs(v.top_10_pct - h.tops[3]) < 1e-12
         AND abs(v.top_20_pct - h.tops[4]) < 1e-12 AND abs(v.top_50_pct - h.tops[5]) < 1e-12 AS tops_ok,
       v.customers_for_80_pct = h.k80::float8 / h.n AS k80_ok,
       (SELECT bool_and(abs(a - b) < 1e-12) FROM unnest(v.lorenz, h.lorenz) u(a, b)) AS lorenz_ok,
       abs(v.gini - h.gini) < 1e-12 AS gini_ok
FROM pg_temp.vc_of() v JOIN h USING (measure) ORDER BY 1
$check$;
SELECT * FROM pg_temp.vc_check();
CREATE TEMP TABLE mb AS
SELECT part, value, coalesce(scale(value), -1) AS sc, value::float8 AS f, count(*) AS n
FROM (SELECT (i * 7) % 12 AS part,
             CASE WHEN i % 5 = 0 THEN round((i % 9)::numeric, 1) ELSE round((i % 17)::numeric * 1.5 - 3, 2) END AS value
      FROM generate_series(1, 700) i) x
GROUP BY 1, 2, 3, 4;
CREATE FUNCTION pg_temp.cmv_of() RETURNS SETOF cxm.channel_mix_value_snapshot LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE replace((SELECT a.body FROM cxm.layer_aggregates() a WHERE a.name = 'channel_mix_value'), '{base}', 'mb');
END $$;
CREATE FUNCTION pg_temp.cmv_check() RETURNS TABLE (rows bigint, counts_equal bigint, means_equal bigint,
  medians_equal bigint, welch_equal bigint) LANGUAGE sql AS $check$
WITH r0 AS (SELECT b.part, b.value FROM mb b CROSS JOIN LATERAL generate_series(1, b.n) g),
-- the base holds the three tenure bands; band all (parts 12-15) is their union
r AS (SELECT part, value FROM r0 UNION ALL SELECT 12 + part % 4, value FROM r0),
h AS (
  SELECT (ARRAY['<90', '90-365', '365+', 'all'])[part / 4 + 1] AS band, (ARRAY['revenue', 'expected_clv'])[(part / 2) % 2 + 1] AS measure,
         count(*) FILTER (WHERE part % 2 = 0) AS n1, count(*) FILTER (WHERE part % 2 = 1) AS n2,
         avg(value) FILTER (WHERE part % 2 = 0)::float8 AS mean1, avg(value) FILTER (WHERE part % 2 = 1)::float8 AS mean2,
         var_samp(value) FILTER (WHERE part % 2 = 0)::float8 AS var1, var_samp(value) FILTER (WHERE part % 2 = 1)::float8 AS var2,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY value::float8) FILTER (WHERE part % 2 = 0) AS med1,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY value::float8) FILTER (WHERE part % 2 = 1) AS med2
  FROM r GROUP BY 1, 2)
SELECT count(*) AS rows,
       count(*) FILTER (WHERE v.single_customers = h.n1 AND v.cross_customers = h.n2) AS counts_equal,
       count(*) FILTER (WHERE v.single_mean = h.mean1 AND v.cross_mean = h.mean2) AS means_equal,
       count(*) FILTER (WHERE v.single_median = h.med1 AND v.cross_median = h.med2) AS medians_equal,
       count(*) FILTER (WHERE (v.ci_low, v.ci_high, v.p_value) IS NOT DISTINCT FROM (w.ci_low, w.ci_high, w.p_value)) AS welch_equal
FROM pg_temp.cmv_of() v
JOIN h ON h.band = v.tenure_band AND h.measure = v.measure
CROSS JOIN LATERAL cxm.welch_test(h.n2, h.mean2, h.var2, h.n1, h.mean1, h.var1) w
$check$;
SELECT * FROM pg_temp.cmv_check();
-- the same with 19 more digits after the point: values that do not fit the
-- 128-bit fixed point go through PostgreSQL's numeric arithmetic
-- (layer_rank.c), to the same figures and scales
UPDATE vb SET value = value * 1.0000000000000000000, sc = sc + 19;
UPDATE vb_rows SET value = value * 1.0000000000000000000;
SELECT * FROM pg_temp.vc_check();
UPDATE mb SET value = value * 1.0000000000000000000, sc = sc + 19;
SELECT * FROM pg_temp.cmv_check();
-- and with values whose sums of squares pass 2^128 (summed in 256 bits),
-- then with one value beyond 2^63 (numeric again): the same figures
-- (as integers at each part's largest scale d: value * 10^d)
UPDATE mb SET value = round(value * 100) * 4000000000000000, f = (round(value * 100) * 4000000000000000)::float8;
UPDATE mb SET sc = scale(value);
SELECT bool_and(m < 2 ^ 63) AS below_2_63, bool_or(q > 2 ^ 128) AS squares_above_2_128
FROM (SELECT part, max(abs(value * 10 ^ d)) AS m, sum((value * 10 ^ d) ^ 2 * n) AS q
      FROM (SELECT part, value, n, max(sc) OVER (PARTITION BY part) AS d FROM mb) y GROUP BY part) x;
SELECT * FROM pg_temp.cmv_check();
UPDATE mb SET value = value * 1000000, f = (value * 1000000)::float8 WHERE value = (SELECT max(value) FROM mb);
SELECT * FROM pg_temp.cmv_check();
-- NaN and infinities propagate as in numeric sums; a negative count is an error
SELECT cxm.layer_concentration_agg(v, v::float8, 1) FROM (VALUES (2.5), ('Infinity'), (1)) x(v);
SELECT cxm.layer_concentration_agg(v, v::float8, 1) FROM (VALUES (2.5), ('NaN'), (1)) x(v);
SELECT cxm.layer_moments_agg(v, v::float8, 2) FROM (VALUES (2.5), ('-Infinity'), (1)) x(v);
SELECT cxm.layer_moments_agg(v, v::float8, n) FROM (VALUES (2.5, 1), (NULL, 3), (1, NULL)) x(v, n);
SELECT cxm.layer_moments_agg(v, v::float8, 0) FROM (VALUES (2.5)) x(v);
SELECT pg_temp.err($$SELECT cxm.layer_moments_agg(1, 1, -1)$$);
-- in parallel: partial states (exact and numeric values) serialised,
-- combined and finished to the same figures as one process
CREATE TABLE par_rank AS
SELECT i % 3 AS g, CASE WHEN i % 1000 = 0 THEN round((i - 30000) / 7.0, 20) ELSE round((i - 30000) / 7.0, 2) END AS v, 1 + i % 4 AS n
FROM generate_series(1, 60000) i;
ANALYZE par_rank;
CREATE TEMP TABLE serial_rank AS
SELECT g, cxm.layer_concentration_agg(v, v::float8, n) AS c, cxm.layer_moments_agg(v, v::float8, n) AS m FROM par_rank GROUP BY g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT g, cxm.layer_concentration_agg(v, v::float8, n), cxm.layer_moments_agg(v, v::float8, n) FROM par_rank GROUP BY g;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE (p.c).total = (s.c).total AND scale((p.c).total) = scale((s.c).total)
                        AND (p.c)::text = (s.c)::text AND (p.m)::text = (s.m)::text) AS same
FROM (SELECT g, cxm.layer_concentration_agg(v, v::float8, n) AS c, cxm.layer_moments_agg(v, v::float8, n) AS m
      FROM par_rank GROUP BY g) p JOIN serial_rank s USING (g);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET enable_hashagg;
DROP TABLE par_rank;

-- leave the layer as the next tests expect it: nothing mapped, no model
SELECT cxm.unmap(s) FROM (SELECT DISTINCT source AS s FROM cxm.sources) x;
UPDATE cxm.settings SET materialized = true, as_of = NULL;
DELETE FROM cxm.models;
SELECT cxm.bandit_drop('demo_checkout');
DROP SCHEMA demo CASCADE;
