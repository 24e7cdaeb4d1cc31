-- layer_touch_facts, layer_profile_months and layer_journey_facts (doc/layer.md, "Performance"):
-- checked against the window queries they replace, recomputed here in
-- plain SQL over the same random touchpoints
SET client_min_messages = warning;
SET TimeZone = 'America/New_York';
SELECT pg_catalog.setseed(0.42);
CREATE TEMP TABLE tt AS
SELECT 'p' || (g % 40) AS customer_id,
       -- times over two months around a DST change, on a 7-minute grid so
       -- that equal times and gaps of exactly 30 minutes occur
       timestamptz '2026-02-25 00:00' + (pg_catalog.floor(pg_catalog.random() * 3000) * interval '7 minutes') AS ts,
       (ARRAY['home', 'product', 'cart', NULL])[1 + (pg_catalog.random() * 3.4)::int] AS touchpoint,
       (ARRAY['web', 'email', 'Ads', NULL, 'ads'])[1 + (pg_catalog.random() * 4.4)::int] AS channel,
       (ARRAY['spring', NULL, 'Winter'])[1 + (pg_catalog.random() * 2.4)::int] AS campaign
FROM pg_catalog.generate_series(1, 4000) g;

-- the facts: array in, row out, against customer_360's former window query
CREATE TEMP TABLE facts_c AS
SELECT a.customer_id, f.*
FROM (SELECT customer_id, array_agg(ts) ts, array_agg(touchpoint) tp, array_agg(channel) ch, array_agg(campaign) cp
      FROM tt GROUP BY 1) a
CROSS JOIN LATERAL cxm.layer_touch_facts(a.ts, a.tp, a.ch, a.cp, interval '30 minutes') f;
CREATE TEMP TABLE facts_sql AS
SELECT x.customer_id, min(x.ts) AS first_seen, max(x.ts) AS last_seen, count(*) AS touchpoints,
       count(*) FILTER (WHERE x.first) AS sessions,
       count(*) FILTER (WHERE x.first AND x.last) AS bounced_sessions,
       (COALESCE(sum(EXTRACT(epoch FROM x.ts)) FILTER (WHERE x.last), 0)
        - COALESCE(sum(EXTRACT(epoch FROM x.ts)) FILTER (WHERE x.first), 0)) / 60 AS session_minutes,
       min(x.entry_channel) AS entry_channel, min(x.entry_campaign) AS entry_campaign,
       array_agg(DISTINCT x.channel ORDER BY x.channel) FILTER (WHERE x.channel IS NOT NULL) AS channels
FROM (SELECT y.*, y.prev IS NULL OR y.ts - y.prev > interval '30 minutes' AS first,
             y.next IS NULL OR y.next - y.ts > interval '30 minutes' AS last
      FROM (SELECT t.*, lag(t.ts) OVER w AS prev, lead(t.ts) OVER w AS next,
                   first_value(t.channel) OVER w AS entry_channel, first_value(t.campaign) OVER w AS entry_campaign
            FROM tt t WINDOW w AS (PARTITION BY t.customer_id ORDER BY t.ts, t.touchpoint, t.channel, t.campaign)) y) x
GROUP BY x.customer_id;
SELECT (SELECT count(*) FROM facts_c) AS profiles,
       (SELECT count(*) FROM (TABLE facts_c EXCEPT ALL TABLE facts_sql) d) AS only_c,
       (SELECT count(*) FROM (TABLE facts_sql EXCEPT ALL TABLE facts_c) d) AS only_sql,
       -- the same numeric scale too
       (SELECT count(*) FROM facts_c c JOIN facts_sql s USING (customer_id)
        WHERE c.session_minutes::text <> s.session_minutes::text) AS minutes_text_differs,
       (SELECT sum(sessions) FROM facts_c) > 40 AND (SELECT sum(bounced_sessions) FROM facts_c) > 0 AS has_sessions;

-- the months: against sessionize and date_trunc in the session's time zone
CREATE TEMP TABLE months_c AS
SELECT a.customer_id, m.*
FROM (SELECT customer_id, array_agg(ts) ts FROM tt GROUP BY 1) a
CROSS JOIN LATERAL (SELECT x.month, x.visited, x.sessions, x.session_touchpoints, x.session_minutes
                    FROM cxm.layer_profile_months(a.ts, NULL, NULL, NULL, NULL, NULL, NULL, interval '30 minutes',
                                                  interval '30 days', NULL) x) m;
CREATE TEMP TABLE months_sql AS
WITH s AS (
  SELECT customer_id, ts, cxm.sessionize(ts, interval '30 minutes') OVER (PARTITION BY customer_id ORDER BY ts) AS session
  FROM tt
), ses AS (
  SELECT customer_id, date_trunc('month', min(ts))::date AS month, count(*) AS touchpoints,
         (EXTRACT(epoch FROM max(ts) - min(ts)) / 60)::numeric AS minutes
  FROM s GROUP BY customer_id, session
), parts AS (
  SELECT DISTINCT customer_id, date_trunc('month', ts)::date AS month, true AS visited, 0 AS sessions,
         0 AS touchpoints, 0::numeric AS minutes
  FROM tt
  UNION ALL
  SELECT customer_id, month, false, 1, touchpoints, minutes FROM ses
)
SELECT customer_id, month, bool_or(visited) AS visited, sum(sessions)::int8 AS sessions,
       sum(touchpoints)::int8 AS session_touchpoints, sum(minutes) AS session_minutes
FROM parts GROUP BY 1, 2;
SELECT (SELECT count(*) FROM months_c) AS months,
       (SELECT count(*) FROM (TABLE months_c EXCEPT ALL TABLE months_sql) d) AS only_c,
       (SELECT count(*) FROM (TABLE months_sql EXCEPT ALL TABLE months_c) d) AS only_sql,
       (SELECT count(*) FROM months_c c JOIN months_sql s USING (customer_id, month)
        WHERE c.session_minutes::text <> s.session_minutes::text) AS minutes_text_differs,
       (SELECT count(DISTINCT month) FROM months_c) AS distinct_months;

-- the whole months: purchases and answers too, against the former query
-- of layer_month_rows (its months of touchpoints are months_sql above)
CREATE TEMP TABLE tpur AS
SELECT 'p' || (g % 45) AS customer_id,
       timestamptz '2026-01-20' + pg_catalog.floor(pg_catalog.random() * 400) * interval '5 hours' AS ts,
       CASE WHEN pg_catalog.random() < 0.1 THEN NULL ELSE (pg_catalog.random() * 50)::numeric(8, 2) END AS amount,
       CASE WHEN pg_catalog.random() < 0.3 THEN NULL ELSE (pg_catalog.random() * 20)::numeric(8, 3) END AS cost
FROM pg_catalog.generate_series(1, 300) g;
CREATE TEMP TABLE tans AS
SELECT 'p' || (g % 50) AS customer_id,
       timestamptz '2026-02-01' + pg_catalog.floor(pg_catalog.random() * 300) * interval '6 hours' AS ts,
       (ARRAY['web', 'email', NULL])[1 + (pg_catalog.random() * 2.4)::int] AS channel,
       CASE WHEN pg_catalog.random() < 0.15 THEN NULL ELSE (pg_catalog.random() * 10)::int END AS score
FROM pg_catalog.generate_series(1, 200) g;
CREATE TEMP TABLE pm_sql AS
WITH cfg AS (
  SELECT timestamptz '2026-04-10' AS as_of, interval '25 days' AS churned_after
), tx AS (
  SELECT x.*, lead(x.ts) OVER (PARTITION BY x.customer_id ORDER BY x.ts) AS next_ts FROM tpur x
), txm AS (
  SELECT customer_id, date_trunc('month', ts)::date AS month, sum(amount) AS revenue, count(*) AS orders,
         max(ts) AS last_ts, sum(cost) AS cost, count(cost) AS costed
  FROM tx GROUP BY 1, 2
), span AS (
  SELECT y.customer_id, (y.month + interval '1 month')::date AS first_m,
         LEAST(y.next_month, date_trunc('month', y.last_ts + c.churned_after)::date) AS last_m
  FROM (SELECT txm.*, lead(txm.month) OVER (PARTITION BY txm.customer_id ORDER BY txm.month) AS next_month FROM txm) y
  CROSS JOIN cfg c
), fbc AS (
  SELECT customer_id, date_trunc('month', ts)::date AS month, COALESCE(channel, '(none)') AS channel,
         count(*) AS answers, count(*) FILTER (WHERE score >= 9) AS promoters,
         count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives, count(*) FILTER (WHERE score <= 6) AS detractors
  FROM tans GROUP BY 1, 2, 3
), parts AS (
  SELECT customer_id, month, revenue, orders, false AS visited, 0::int8 AS sessions, 0::int8 AS session_touchpoints,
         0::numeric AS session_minutes, 0::int8 AS answers, 0::int8 AS promoters, 0::int8 AS passives,
         0::int8 AS detractors, 0::int8 AS lost, 0::int8 AS base_delta, cost, costed, NULL::text AS nps_channel
  FROM txm
  UNION ALL
  SELECT customer_id, first_m, NULL, 0, false, 0, 0, 0, 0, 0, 0, 0, 0, 1, NULL, 0, NULL FROM span WHERE first_m <= last_m
  UNION ALL
  SELECT customer_id, (last_m + interval '1 month')::date, NULL, 0, false, 0, 0, 0, 0, 0, 0, 0, 0, -1, NULL, 0, NULL
  FROM span WHERE first_m <= last_m
  UNION ALL
  SELECT tx.customer_id, date_trunc('month', tx.ts + c.churned_after)::date, NULL, 0, false, 0, 0, 0, 0, 0, 0, 0, 1, 0,
         NULL, 0, NULL
  FROM tx CROSS JOIN cfg c
  WHERE (tx.next_ts IS NULL OR tx.next_ts > tx.ts + c.churned_after) AND tx.ts + c.churned_after <= c.as_of
  UNION ALL
  SELECT customer_id, month, NULL, 0, visited, sessions, session_touchpoints, session_minutes, 0, 0, 0, 0, 0, 0, NULL, 0, NULL
  FROM months_sql
  UNION ALL
  SELECT customer_id, month, NULL, 0, false, 0, 0, 0, answers, promoters, passives, detractors, 0, 0, NULL, 0, channel
  FROM fbc
)
SELECT customer_id, month, sum(revenue) AS revenue, sum(orders)::int8 AS orders, bool_or(visited) AS visited,
       sum(sessions)::int8 AS sessions, sum(session_touchpoints)::int8 AS session_touchpoints,
       sum(session_minutes) AS session_minutes, sum(answers)::int8 AS answers, sum(promoters)::int8 AS promoters,
       sum(passives)::int8 AS passives, sum(detractors)::int8 AS detractors, sum(lost)::int8 AS lost,
       sum(base_delta)::int8 AS base_delta, sum(cost) AS cost, sum(costed)::int8 AS costed,
       jsonb_object_agg(nps_channel, jsonb_build_array(promoters, passives, detractors))
         FILTER (WHERE nps_channel IS NOT NULL AND promoters + passives + detractors > 0) AS nps_channels
FROM parts GROUP BY 1, 2;
CREATE TEMP TABLE pm_c AS
WITH a AS (SELECT customer_id, array_agg(ts) ts FROM tt GROUP BY 1),
p AS (SELECT customer_id, array_agg(ts) ts, array_agg(amount) amounts, array_agg(cost) costs FROM tpur GROUP BY 1),
f AS (SELECT customer_id, array_agg(ts) ts, array_agg(channel) channels, array_agg(score) scores FROM tans GROUP BY 1)
SELECT COALESCE(a.customer_id, p.customer_id, f.customer_id) AS customer_id, m.*
FROM a FULL JOIN p ON p.customer_id = a.customer_id
FULL JOIN f ON f.customer_id = COALESCE(a.customer_id, p.customer_id)
CROSS JOIN LATERAL cxm.layer_profile_months(a.ts, p.ts, p.amounts, p.costs, f.ts, f.channels, f.scores,
                                            interval '30 minutes', interval '25 days', timestamptz '2026-04-10') m;
SELECT (SELECT count(*) FROM pm_c) AS months,
       (SELECT count(*) FROM (SELECT x::text FROM pm_c x EXCEPT ALL SELECT y::text FROM pm_sql y) d) AS only_c,
       (SELECT count(*) FROM (SELECT y::text FROM pm_sql y EXCEPT ALL SELECT x::text FROM pm_c x) d) AS only_sql,
       (SELECT count(*) FILTER (WHERE lost > 0) > 0 AND count(*) FILTER (WHERE base_delta < 0) > 0
               AND count(*) FILTER (WHERE base_delta > 0) > 0 AND count(*) FILTER (WHERE orders > 0 AND revenue IS NULL) > 0
               AND count(*) FILTER (WHERE costed > 0 AND costed < orders) > 0
               AND count(*) FILTER (WHERE nps_channels ? '(none)') > 0 AND count(*) FILTER (WHERE answers > 0 AND nps_channels IS NULL) > 0
        FROM pm_c) AS covers_every_case;

-- a session across midnight at the end of a month counts in the month it starts
SELECT month, visited, sessions, session_touchpoints, session_minutes
FROM cxm.layer_profile_months(ARRAY[timestamptz '2026-03-31 23:50', '2026-04-01 00:10', '2026-04-01 00:40:01'],
                              NULL, NULL, NULL, NULL, NULL, NULL, interval '30 minutes', interval '30 days', NULL);
-- a purchase: the base from the next month until churned_after after it
-- (the month that contains that time), its lapse once that is before as_of
SELECT month, revenue, orders, lost, base_delta
FROM cxm.layer_profile_months(NULL, ARRAY[timestamptz '2026-01-15 12:00'], ARRAY[10.5], ARRAY[NULL::numeric], NULL, NULL,
                              NULL, interval '30 minutes', interval '60 days', timestamptz '2026-06-01')
ORDER BY month;
SELECT * FROM cxm.layer_touch_facts(ARRAY[timestamptz '2026-03-01 10:00', '2026-03-01 10:00', '2026-03-01 10:30'],
                                    ARRAY['b', 'a', 'c'], ARRAY['x', 'y', NULL], ARRAY[NULL, 'k', 'm'],
                                    interval '30 minutes');


-- the journeys' row: against the aggregates and the window query it
-- replaces (sessions, channel count, segments: purchases numbered by time
-- and amount, a touchpoint in segment 1 + the purchases strictly before it;
-- path and funnel: journey_path and journey_funnel over the touchpoints and
-- the purchases, named 'purchase'; times on a coarse grid, so that
-- touchpoints and purchases share times)
CREATE TEMP TABLE jt AS
SELECT 'p' || (g % 30) AS customer_id,
       timestamptz '2026-03-01' + (pg_catalog.floor(pg_catalog.random() * 40) * interval '20 minutes') AS ts,
       (ARRAY['home', 'cart', 'purchase', 'Home', NULL])[1 + (pg_catalog.random() * 4.3)::int] AS tp,
       (ARRAY['web', 'email', 'ads', 'Ads', NULL])[1 + (pg_catalog.random() * 4.3)::int] AS ch,
       (ARRAY['spring', '(none)', 'winter', NULL])[1 + (pg_catalog.random() * 3.4)::int] AS cp
FROM pg_catalog.generate_series(1, 600) g;
CREATE TEMP TABLE jp AS
SELECT 'p' || (g % 34) AS customer_id,
       timestamptz '2026-03-01' + (pg_catalog.floor(pg_catalog.random() * 40) * interval '20 minutes') AS ts,
       (pg_catalog.random() * 3)::int::numeric(8, 2) AS amount
FROM pg_catalog.generate_series(1, 70) g;
-- the function over each profile's rows (a step name twice: 'home' is steps 1 and 4)
CREATE TEMP TABLE jf AS
  SELECT k.customer_id, f.*
  FROM (SELECT customer_id FROM jt UNION SELECT customer_id FROM jp) k
  CROSS JOIN LATERAL cxm.layer_journey_facts(
    (SELECT array_agg(ts) FROM jt WHERE jt.customer_id = k.customer_id),
    (SELECT array_agg(tp) FROM jt WHERE jt.customer_id = k.customer_id),
    (SELECT array_agg(ch) FROM jt WHERE jt.customer_id = k.customer_id),
    (SELECT array_agg(cp) FROM jt WHERE jt.customer_id = k.customer_id),
    (SELECT array_agg(ts) FROM jp WHERE jp.customer_id = k.customer_id),
    (SELECT array_agg(amount) FROM jp WHERE jp.customer_id = k.customer_id), interval '30 minutes',
    'purchase', ARRAY['home', 'cart', 'purchase', 'home'], interval '1 hour') f;
WITH ev AS (
  SELECT customer_id, ts, tp, ch, COALESCE(cp, '(none)') AS cp, NULL::numeric AS amount FROM jt
  UNION ALL SELECT customer_id, ts, 'purchase', NULL, NULL, amount FROM jp
), e AS (
  SELECT ev.*,
         pg_catalog.max(ev.ts) FILTER (WHERE ev.amount IS NULL) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev,
         CASE WHEN ev.amount IS NOT NULL THEN pg_catalog.count(ev.amount) OVER (w ROWS UNBOUNDED PRECEDING)
              ELSE 1 + pg_catalog.count(ev.amount) OVER (PARTITION BY ev.customer_id ORDER BY ev.ts
                         RANGE BETWEEN UNBOUNDED PRECEDING AND '1 microsecond'::interval PRECEDING) END AS seg
  FROM ev WINDOW w AS (PARTITION BY ev.customer_id ORDER BY ev.ts, ev.amount)
), q AS (
  SELECT e.customer_id,
         pg_catalog.min(e.ts) FILTER (WHERE e.amount IS NULL) AS first_seen,
         pg_catalog.max(e.ts) FILTER (WHERE e.amount IS NULL) AS last_seen,
         pg_catalog.count(*) FILTER (WHERE e.amount IS NULL) AS touchpoints,
         pg_catalog.count(*) FILTER (WHERE e.amount IS NULL AND (e.prev IS NULL OR e.ts - e.prev > interval '30 minutes')) AS sessions,
         pg_catalog.count(DISTINCT e.ch)::int4 AS channel_count,
         cxm.journey_path(e.tp, e.ts) AS path,
         cxm.path_collapse(cxm.journey_path(e.ch, e.ts) FILTER (WHERE e.amount IS NULL)) AS channel_path,
         pg_catalog.min(e.ts) FILTER (WHERE e.amount IS NOT NULL) AS first_purchase,
         (SELECT jsonb_agg(jsonb_build_object('c', p.c, 'k', p.k, 'v', a.amounts[p.seg], 'r', p.seg > 1) ORDER BY p.seg)
          FROM (SELECT x.seg, cxm.path_collapse(cxm.journey_path(x.ch, x.ts)) AS c,
                       cxm.path_collapse(cxm.journey_path(x.cp, x.ts)) AS k
                FROM e x WHERE x.customer_id = e.customer_id AND x.amount IS NULL AND x.ch IS NOT NULL
                GROUP BY x.seg) p,
               (SELECT array_agg(y.amount ORDER BY y.seg) AS amounts FROM e y
                WHERE y.customer_id = e.customer_id AND y.amount IS NOT NULL) a) AS segments,
         cxm.journey_funnel(e.ts, interval '1 hour',
                            ARRAY[COALESCE(e.tp = 'home', false), COALESCE(e.tp = 'cart', false),
                                  COALESCE(e.tp = 'purchase', false), COALESCE(e.tp = 'home', false)]) AS funnel_level
  FROM e GROUP BY e.customer_id
), c AS (
  SELECT * FROM jf
)
SELECT count(*) AS profiles,
       count(*) FILTER (WHERE (c.first_seen, c.last_seen, c.touchpoints, c.sessions, c.channel_count, c.path,
                               c.channel_path, c.first_purchase, c.segments::text, c.funnel_level)
                              IS DISTINCT FROM (q.first_seen, q.last_seen, q.touchpoints, q.sessions, q.channel_count,
                                                q.path, q.channel_path, q.first_purchase, q.segments::text,
                                                q.funnel_level)) AS differ,
       count(*) FILTER (WHERE c.segments IS NULL) AS without_segments,
       count(*) FILTER (WHERE c.segments::text LIKE '%"r": true%') > 0 AS has_repeat,
       count(*) FILTER (WHERE c.segments::text LIKE '%"v": null%') > 0 AS has_no_purchase,
       count(*) FILTER (WHERE c.first_seen IS NULL) AS without_touchpoints,
       count(*) FILTER (WHERE c.channel_path IS NULL) AS without_channel_path,
       pg_catalog.array_agg(DISTINCT c.funnel_level ORDER BY c.funnel_level) AS funnel_levels
FROM c FULL JOIN q USING (customer_id);
-- a touchpoint at a purchase's time leads to it; purchases ordered by time,
-- then amount; the touchpoint without a channel is in no path; no steps: no
-- funnel level
SELECT * FROM cxm.layer_journey_facts(
  ARRAY[timestamptz '2026-03-01 10:00', '2026-03-01 09:00', '2026-03-01 09:00', '2026-03-01 11:00', '2026-03-01 12:00'],
  ARRAY['home', 'cart', 'cart', NULL, 'home'], ARRAY['web', 'web', 'email', 'web', NULL], ARRAY['b', 'a', 'a', NULL, 'c'],
  ARRAY[timestamptz '2026-03-01 10:00', '2026-03-01 10:00'], ARRAY[20, 12.50], interval '30 minutes',
  'purchase', NULL, NULL);
SELECT * FROM cxm.layer_journey_facts(NULL, NULL, NULL, NULL, ARRAY[timestamptz '2026-03-01 10:00'], ARRAY[1],
                                      interval '30 minutes', 'purchase', ARRAY['purchase'], interval '1 day');
-- the segments as rows (channel_attribution's base): against the JSON
-- operators they replace, on the random profiles' segments above
WITH seg AS (
  SELECT customer_id, segments FROM jf
), c AS (
  SELECT s.customer_id, x.* FROM seg s CROSS JOIN LATERAL cxm.layer_segment_paths(s.segments) x
), q AS (
  SELECT s.customer_id, (x.e ->> 'r')::bool AS is_repeat, CASE WHEN x.e ->> 'v' IS NULL THEN 0 ELSE 1 END AS conversions,
         COALESCE((x.e ->> 'v')::numeric, 0) AS revenue,
         ARRAY(SELECT y.v FROM jsonb_array_elements_text(x.e -> 'c') WITH ORDINALITY y(v, i) ORDER BY y.i) AS c,
         ARRAY(SELECT y.v FROM jsonb_array_elements_text(x.e -> 'k') WITH ORDINALITY y(v, i) ORDER BY y.i) AS k
  FROM seg s CROSS JOIN LATERAL jsonb_array_elements(s.segments) x(e)
)
SELECT (SELECT count(*) FROM c) AS segments,
       (SELECT count(*) FROM (SELECT x::text FROM c x EXCEPT ALL SELECT y::text FROM q y) d) AS only_c,
       (SELECT count(*) FROM (SELECT y::text FROM q y EXCEPT ALL SELECT x::text FROM c x) d) AS only_sql;
-- missing keys, a number as a string, and what is refused
SELECT * FROM cxm.layer_segment_paths('[{"c": ["web"], "r": false}, {"k": ["x"], "v": "12.50", "r": "true"}, {}]');
SELECT * FROM cxm.layer_segment_paths(NULL);
SELECT * FROM cxm.layer_segment_paths('{"c": []}');
SELECT * FROM cxm.layer_segment_paths('[{"c": "web"}]');
SELECT * FROM cxm.layer_segment_paths('[{"c": [1]}]');
SELECT * FROM cxm.layer_segment_paths('[{"v": true}]');
SELECT cxm.layer_journey_facts(ARRAY[now()], ARRAY['h'], ARRAY['a', 'b'], ARRAY['c'], NULL, NULL, interval '30 minutes', 'p', NULL, NULL);
SELECT cxm.layer_journey_facts(ARRAY[now()], ARRAY['h'], ARRAY['a'], ARRAY['c'], ARRAY[now()], ARRAY[NULL::numeric], interval '30 minutes', 'p', NULL, NULL);
SELECT cxm.layer_journey_facts(ARRAY[now()], ARRAY['h'], ARRAY['a'], ARRAY['c'], NULL, NULL, interval '30 minutes', 'p', ARRAY['h'], NULL);
SELECT cxm.layer_journey_facts(ARRAY[now()], ARRAY['h'], ARRAY['a'], ARRAY['c'], NULL, NULL, interval '30 minutes', 'p', ARRAY['h'], interval '-1 day');


-- the second product's time: against the query it replaces
CREATE TEMP TABLE sp AS
SELECT 'p' || (g % 25) AS customer_id,
       timestamptz '2026-01-01' + (pg_catalog.floor(pg_catalog.random() * 20) * interval '1 day') AS ts,
       (ARRAY['shoes', 'bags', 'Bags', NULL])[1 + (pg_catalog.random() * 3.3)::int] AS product
FROM pg_catalog.generate_series(1, 120) g;
WITH c AS (
  SELECT customer_id,
         cxm.layer_second_product(array_agg(ts) FILTER (WHERE product IS NOT NULL),
                                  array_agg(product) FILTER (WHERE product IS NOT NULL)) AS at
  FROM sp GROUP BY 1
), q AS (
  SELECT p.customer_id, (array_agg(p.first_ts ORDER BY p.first_ts))[2] AS at
  FROM (SELECT customer_id, product, min(ts) AS first_ts FROM sp WHERE product IS NOT NULL GROUP BY 1, 2) p
  GROUP BY 1
)
SELECT count(*) AS profiles, count(*) FILTER (WHERE c.at IS DISTINCT FROM q.at) AS differ,
       count(c.at) AS with_second
FROM c LEFT JOIN q USING (customer_id);
SELECT cxm.layer_second_product(ARRAY[timestamptz '2026-01-03', '2026-01-01', '2026-01-02', '2026-01-01'],
                                ARRAY['b', 'a', 'a', NULL]) AS second,
       cxm.layer_second_product(ARRAY[timestamptz '2026-01-01'], ARRAY['a']) AS only_one;

-- bad input
SELECT cxm.layer_touch_facts(ARRAY[now()], ARRAY['a'], ARRAY['b', 'c'], ARRAY['d'], interval '1 hour');
SELECT cxm.layer_touch_facts(ARRAY[now(), NULL], ARRAY['a', 'b'], ARRAY['b', 'c'], ARRAY['d', 'e'], interval '1 hour');
SELECT * FROM cxm.layer_profile_months(ARRAY[now()], NULL, NULL, NULL, NULL, NULL, NULL, interval '0', interval '1 day', NULL);
SELECT * FROM cxm.layer_profile_months(ARRAY[now()], NULL, NULL, NULL, NULL, NULL, NULL, NULL, interval '1 day', NULL);
SELECT * FROM cxm.layer_profile_months(ARRAY[now(), 'infinity'], NULL, NULL, NULL, NULL, NULL, NULL, interval '1 hour',
                                       interval '1 day', NULL);
SELECT * FROM cxm.layer_profile_months(NULL, NULL, NULL, NULL, NULL, NULL, NULL, interval '1 hour', interval '1 day', NULL);
SELECT * FROM cxm.layer_profile_months(NULL, ARRAY[now()], ARRAY[1], NULL, NULL, NULL, NULL, interval '1 hour',
                                       interval '1 day', NULL);
SELECT * FROM cxm.layer_profile_months(NULL, ARRAY[now(), NULL], ARRAY[1, 2], ARRAY[1, 2], NULL, NULL, NULL,
                                       interval '1 hour', interval '1 day', NULL);
SELECT * FROM cxm.layer_profile_months(NULL, NULL, NULL, NULL, ARRAY[now()], ARRAY['web'], ARRAY[9], interval '1 hour',
                                       NULL, NULL);

-- layer_product_facts: against count(DISTINCT product) and layer_second_product
WITH c AS (
  SELECT customer_id, cxm.layer_product_facts(array_agg(ts), array_agg(product)) AS f,
         cxm.layer_second_product(array_agg(ts) FILTER (WHERE product IS NOT NULL),
                                  array_agg(product) FILTER (WHERE product IS NOT NULL)) AS at,
         count(DISTINCT product) AS products
  FROM sp GROUP BY 1
)
SELECT count(*) AS profiles, count(*) FILTER (WHERE (f).products <> products) AS products_differ,
       count(*) FILTER (WHERE (f).second_product_at IS DISTINCT FROM at) AS second_differ,
       count(DISTINCT products) > 2 AS products_vary
FROM c;
SELECT * FROM cxm.layer_product_facts(NULL, NULL);
SELECT * FROM cxm.layer_product_facts(ARRAY[timestamptz '2026-01-01'], ARRAY['a', 'b']);

-- layer_touch_agg: the same facts as an aggregate over the rows, against
-- the window query (facts_sql) and layer_touch_facts, under the collation
-- of the column ("C" orders 'Ads' before 'ads' and before 'email')
CREATE TEMP TABLE facts_agg AS
SELECT customer_id, (cxm.layer_touch_agg(ts, touchpoint, channel, campaign, interval '30 minutes')).*
FROM tt GROUP BY 1;
SELECT (SELECT count(*) FROM facts_agg) AS profiles,
       (SELECT count(*) FROM (TABLE facts_agg EXCEPT ALL TABLE facts_sql) d) AS only_agg,
       (SELECT count(*) FROM (TABLE facts_sql EXCEPT ALL TABLE facts_agg) d) AS only_sql,
       (SELECT count(*) FROM facts_agg a JOIN facts_c c USING (customer_id)
        WHERE a.session_minutes::text <> c.session_minutes::text) AS minutes_text_differs;
SELECT count(*) AS profiles,
       count(*) FILTER (WHERE a::text IS DISTINCT FROM c::text) AS differ
FROM (SELECT customer_id, cxm.layer_touch_agg(ts, touchpoint, channel COLLATE "C", campaign, interval '1 hour') AS a
      FROM tt GROUP BY 1) x
JOIN (SELECT a.customer_id, f AS c
      FROM (SELECT customer_id, array_agg(ts) ts, array_agg(touchpoint) tp, array_agg(channel COLLATE "C") ch,
                   array_agg(campaign) cp
            FROM tt GROUP BY 1) a
      CROSS JOIN LATERAL cxm.layer_touch_facts(a.ts, a.tp, a.ch, a.cp, interval '1 hour') f) y USING (customer_id);
-- no rows: NULL; only NULL texts: no channels, NULL entry
SELECT cxm.layer_touch_agg(ts, touchpoint, channel, campaign, interval '1 hour') FROM tt WHERE false;
SELECT (cxm.layer_touch_agg(t, NULL, NULL, NULL, interval '1 hour')).*
FROM (VALUES (timestamptz '2026-01-01 10:00'), ('2026-01-01 10:30'), ('2026-01-01 12:00')) v(t);
-- more distinct channels than the state keeps deduplicated on the way
SELECT (f).touchpoints, cardinality((f).channels) AS channels, (f).channels[1:3] AS first_channels
FROM (SELECT cxm.layer_touch_agg(timestamptz '2026-01-01' + g * interval '1 minute', 'p', 'c' || (g % 50), NULL,
                                 interval '1 hour') AS f
      FROM generate_series(1, 400) g) x;

-- layer_touch_times_agg: the times in ascending order (whatever order the
-- rows come in) and whether two channels differ in their bytes, against
-- array_agg and least/greatest under "C"
SELECT count(*) AS profiles,
       count(*) FILTER (WHERE (x.f).ts IS DISTINCT FROM x.sorted) AS times_differ,
       count(*) FILTER (WHERE (x.f).cross_channel IS DISTINCT FROM x.cross) AS cross_differ,
       count(*) FILTER (WHERE x.cross) AS cross_channel
FROM (SELECT customer_id, cxm.layer_touch_times_agg(ts, NULL, channel, NULL, interval '30 minutes') AS f,
             array_agg(ts ORDER BY ts) AS sorted,
             COALESCE(min(channel COLLATE "C") <> max(channel COLLATE "C"), false) AS cross
      FROM tt GROUP BY 1) x;
SELECT (cxm.layer_touch_times_agg(t, NULL, c, NULL, interval '1 hour')).*
FROM (VALUES (timestamptz '2026-01-01 10:00', 'web'), ('2026-01-01 09:00', 'web'), ('2026-01-01 11:00', NULL)) v(t, c);

-- its state: text and binary forms, checked completely
CREATE FUNCTION pg_temp.touch_err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- (version 1; gap 30 minutes; times 2000-01-01 00:00 and 00:10 UTC; the
-- channel web; the entry at 00:00: touchpoint p, channel web, no campaign)
SET TimeZone = 'UTC';
SELECT cxm.touch_state_out(cxm.touch_state_in(
  '\x010000000000000000000000006b49d200000000000000000200000000000000000000000023c3460000000001000000037765620000000000000000000000017000000003776562ffffffff'));
SELECT (cxm.layer_touch_final(
  '\x010000000000000000000000006b49d200000000000000000200000000000000000000000023c3460000000001000000037765620000000000000000000000017000000003776562ffffffff')).*;
SET TimeZone = 'America/New_York';
-- damaged: cut short, a byte too many, an unknown version, a gap of 0, a
-- count of times too large, a negative text length
SELECT pg_temp.touch_err($$SELECT cxm.touch_state_in('\x010000000000000000000000006b49d200000000000000000200000000000000000000000023c3460000000001000000037765620000000000000000000000017000000003776562ffff')$$);
SELECT pg_temp.touch_err($$SELECT cxm.touch_state_in('\x010000000000000000000000006b49d200000000000000000200000000000000000000000023c3460000000001000000037765620000000000000000000000017000000003776562ffffffff00')$$);
SELECT pg_temp.touch_err($$SELECT cxm.touch_state_in('\x020000000000000000000000006b49d200000000000000000200000000000000000000000023c3460000000001000000037765620000000000000000000000017000000003776562ffffffff')$$);
SELECT pg_temp.touch_err($$SELECT cxm.touch_state_in('\x010000000000000000000000000000000000000000000000000200000000000000000000000023c3460000000001000000037765620000000000000000000000017000000003776562ffffffff')$$);
SELECT pg_temp.touch_err($$SELECT cxm.touch_state_in('\x010000000000000000000000006b49d2000000000000000fff00000000000000000000000023c3460000000001000000037765620000000000000000000000017000000003776562ffffffff')$$);
SELECT pg_temp.touch_err($$SELECT cxm.touch_state_in('\x010000000000000000000000006b49d200000000000000000200000000000000000000000023c34600000000010000000377656200000000000000000000000170fffffffd776562ffffffff')$$);
SELECT pg_temp.touch_err($$SELECT cxm.touch_state_in('\x02')$$);

-- parallel plans: partial states combined, the same facts
CREATE TABLE lt_ev AS SELECT * FROM tt, generate_series(1, 20) k;
UPDATE lt_ev SET ts = ts + k * interval '5 days', customer_id = customer_id || '-' || (k % 7);
ANALYZE lt_ev;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT customer_id, cxm.layer_touch_agg(ts, touchpoint, channel, campaign, interval '30 minutes') FROM lt_ev GROUP BY 1;
CREATE TEMP TABLE lt_par AS
SELECT customer_id, (cxm.layer_touch_agg(ts, touchpoint, channel, campaign, interval '30 minutes')).* FROM lt_ev GROUP BY 1;
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE lt_ser AS
SELECT a.customer_id, f.*
FROM (SELECT customer_id, array_agg(ts) ts, array_agg(touchpoint) tp, array_agg(channel) ch, array_agg(campaign) cp
      FROM lt_ev GROUP BY 1) a
CROSS JOIN LATERAL cxm.layer_touch_facts(a.ts, a.tp, a.ch, a.cp, interval '30 minutes') f;
RESET max_parallel_workers_per_gather;
SELECT (SELECT count(*) FROM lt_par) AS profiles,
       (SELECT count(*) FROM (TABLE lt_par EXCEPT ALL TABLE lt_ser) d) AS only_parallel,
       (SELECT count(*) FROM (TABLE lt_ser EXCEPT ALL TABLE lt_par) d) AS only_serial;
DROP TABLE lt_ev;

-- the two-stage forms (the _live views on Citus, doc/scale-out.md): a
-- profile's rows split into parts, taken in random order, a partial state
-- per part, then merged: the same as the one-stage aggregates (the arrays
-- concatenated stay parallel)
CREATE TEMP TABLE ts_ev AS
SELECT 'p' || (g % 37) AS customer_id, g % 5 AS part,
       timestamptz '2026-01-01' + floor(random() * 90 * 86400) * interval '1 second' AS ts,
       (ARRAY['home', 'product', 'cart'])[1 + g % 3] AS touchpoint,
       CASE WHEN g % 11 > 0 THEN (ARRAY['web', 'email', 'ads'])[1 + g * 7 % 3] END AS channel,
       CASE WHEN g % 4 = 0 THEN 'spring' END AS campaign,
       round((random() * 200)::numeric, 2) AS amount
FROM generate_series(1, 3000) g;
CREATE TEMP TABLE ts_parts AS
SELECT customer_id, part,
       cxm.layer_touch_state_agg(ts, touchpoint, channel, campaign, interval '30 minutes') AS touch,
       cxm.layer_rfm_state_agg(ts, amount, timestamptz '2026-06-01', interval '7 days') AS rfm,
       array_agg(ts) AS ts, array_agg(amount) AS amounts
FROM (SELECT * FROM ts_ev ORDER BY random()) e
GROUP BY customer_id, part;
SELECT count(*) AS profiles,
       count(*) FILTER (WHERE m.facts IS DISTINCT FROM o.facts) AS facts_differ,
       count(*) FILTER (WHERE m.times IS DISTINCT FROM o.times) AS times_differ,
       count(*) FILTER (WHERE m.r IS DISTINCT FROM o.r) AS rfm_differ,
       count(*) FILTER (WHERE m.pairs IS DISTINCT FROM o.pairs) AS pairs_differ
FROM (SELECT customer_id, cxm.layer_touch_merge_agg(touch) AS facts, cxm.layer_touch_times_merge_agg(touch) AS times,
             cxm.layer_rfm_merge_agg(rfm) AS r,
             (SELECT array_agg(u ORDER BY u) FROM unnest(cxm.layer_array_cat_agg(ts), cxm.layer_array_cat_agg(amounts)) u) AS pairs
      FROM ts_parts GROUP BY customer_id) m
JOIN (SELECT customer_id, cxm.layer_touch_agg(ts, touchpoint, channel, campaign, interval '30 minutes') AS facts,
             cxm.layer_touch_times_agg(ts, touchpoint, channel, campaign, interval '30 minutes') AS times,
             cxm.rfm(ts, amount, timestamptz '2026-06-01', interval '7 days') AS r,
             (SELECT array_agg(u ORDER BY u) FROM unnest(array_agg(ts), array_agg(amount)) u) AS pairs
      FROM ts_ev GROUP BY customer_id) o USING (customer_id);
-- NULL arrays (array_agg of no rows) add nothing; all NULL: NULL
SELECT cxm.layer_array_cat_agg(a) FROM (VALUES (NULL::int4[]), ('{1,2}'), (NULL), ('{3}')) v(a);
SELECT cxm.layer_array_cat_agg(a) IS NULL AS all_null FROM (VALUES (NULL::text[]), (NULL)) v(a);
-- a state's flat form does not depend on the order of its rows
SELECT count(*) AS profiles, count(*) FILTER (WHERE a.s::text <> b.s::text) AS flat_forms_differ
FROM (SELECT customer_id, cxm.layer_touch_state_agg(ts, touchpoint, channel, campaign, interval '30 minutes') AS s
      FROM (SELECT * FROM ts_ev ORDER BY ts, channel) e GROUP BY 1) a
JOIN (SELECT customer_id, cxm.layer_touch_state_agg(ts, touchpoint, channel, campaign, interval '30 minutes') AS s
      FROM (SELECT * FROM ts_ev ORDER BY ts DESC, channel DESC) e GROUP BY 1) b USING (customer_id);
DROP TABLE ts_ev, ts_parts;

-- bad input: a NULL or infinite time, a gap that is NULL, not positive or
-- not the same in every row
SELECT pg_temp.touch_err($$SELECT cxm.layer_touch_agg(t, 'p', 'web', NULL, interval '1 hour') FROM (VALUES (now()), (NULL)) v(t)$$);
SELECT pg_temp.touch_err($$SELECT cxm.layer_touch_agg(timestamptz 'infinity', 'p', 'web', NULL, interval '1 hour')$$);
SELECT pg_temp.touch_err($$SELECT cxm.layer_touch_agg(now(), 'p', 'web', NULL, NULL)$$);
SELECT pg_temp.touch_err($$SELECT cxm.layer_touch_agg(now(), 'p', 'web', NULL, interval '-1 hour')$$);
SELECT pg_temp.touch_err($$SELECT cxm.layer_touch_agg(now(), 'p', 'web', NULL, g * interval '1 hour') FROM generate_series(1, 2) g$$);
