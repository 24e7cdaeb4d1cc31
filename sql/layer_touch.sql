-- layer_touch_facts and layer_touch_months (doc/layer.md, "Performance"):
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
CROSS JOIN LATERAL cxm.layer_touch_months(a.ts, interval '30 minutes') m;
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

-- a session across midnight at the end of a month counts in the month it starts
SELECT * FROM cxm.layer_touch_months(ARRAY[timestamptz '2026-03-31 23:50', '2026-04-01 00:10', '2026-04-01 00:40:01'],
                                     interval '30 minutes');
SELECT * FROM cxm.layer_touch_facts(ARRAY[timestamptz '2026-03-01 10:00', '2026-03-01 10:00', '2026-03-01 10:30'],
                                    ARRAY['b', 'a', 'c'], ARRAY['x', 'y', NULL], ARRAY[NULL, 'k', 'm'],
                                    interval '30 minutes');


-- the journeys' sessions, channel count and segments: against the window
-- query they replace (purchases numbered by time and amount; a touchpoint
-- in segment 1 + the purchases strictly before it; times on a coarse grid,
-- so that touchpoints and purchases share times)
CREATE TEMP TABLE jt AS
SELECT 'p' || (g % 30) AS customer_id,
       timestamptz '2026-03-01' + (pg_catalog.floor(pg_catalog.random() * 40) * interval '20 minutes') AS ts,
       (ARRAY['web', 'email', 'ads', 'Ads', NULL])[1 + (pg_catalog.random() * 4.3)::int] AS ch,
       (ARRAY['spring', '(none)', 'winter'])[1 + (pg_catalog.random() * 2.4)::int] AS cp
FROM pg_catalog.generate_series(1, 600) g;
CREATE TEMP TABLE jp AS
SELECT 'p' || (g % 34) AS customer_id,
       timestamptz '2026-03-01' + (pg_catalog.floor(pg_catalog.random() * 40) * interval '20 minutes') AS ts,
       (pg_catalog.random() * 3)::int::numeric(8, 2) AS amount
FROM pg_catalog.generate_series(1, 70) g;
WITH ev AS (
  SELECT customer_id, ts, ch, cp, NULL::numeric AS amount FROM jt
  UNION ALL SELECT customer_id, ts, NULL, NULL, amount FROM jp
), e AS (
  SELECT ev.*,
         pg_catalog.max(ev.ts) FILTER (WHERE ev.amount IS NULL) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev,
         CASE WHEN ev.amount IS NOT NULL THEN pg_catalog.count(ev.amount) OVER (w ROWS UNBOUNDED PRECEDING)
              ELSE 1 + pg_catalog.count(ev.amount) OVER (PARTITION BY ev.customer_id ORDER BY ev.ts
                         RANGE BETWEEN UNBOUNDED PRECEDING AND '1 microsecond'::interval PRECEDING) END AS seg
  FROM ev WINDOW w AS (PARTITION BY ev.customer_id ORDER BY ev.ts, ev.amount)
), q AS (
  SELECT e.customer_id,
         pg_catalog.count(*) FILTER (WHERE e.amount IS NULL AND (e.prev IS NULL OR e.ts - e.prev > interval '30 minutes')) AS sessions,
         pg_catalog.count(DISTINCT e.ch)::int4 AS channel_count,
         (SELECT jsonb_agg(jsonb_build_object('c', p.c, 'k', p.k, 'v', a.amounts[p.seg], 'r', p.seg > 1) ORDER BY p.seg)
          FROM (SELECT x.seg, cxm.path_collapse(cxm.journey_path(x.ch, x.ts)) AS c,
                       cxm.path_collapse(cxm.journey_path(x.cp, x.ts)) AS k
                FROM e x WHERE x.customer_id = e.customer_id AND x.amount IS NULL AND x.ch IS NOT NULL
                GROUP BY x.seg) p,
               (SELECT array_agg(y.amount ORDER BY y.seg) AS amounts FROM e y
                WHERE y.customer_id = e.customer_id AND y.amount IS NOT NULL) a) AS segments
  FROM e GROUP BY e.customer_id
), c AS (
  SELECT k.customer_id, f.*
  FROM (SELECT customer_id FROM jt UNION SELECT customer_id FROM jp) k
  CROSS JOIN LATERAL cxm.layer_journey_facts(
    (SELECT array_agg(ts) FROM jt WHERE jt.customer_id = k.customer_id),
    (SELECT array_agg(ch) FROM jt WHERE jt.customer_id = k.customer_id),
    (SELECT array_agg(cp) FROM jt WHERE jt.customer_id = k.customer_id),
    (SELECT array_agg(ts) FROM jp WHERE jp.customer_id = k.customer_id),
    (SELECT array_agg(amount) FROM jp WHERE jp.customer_id = k.customer_id), interval '30 minutes') f
)
SELECT count(*) AS profiles,
       count(*) FILTER (WHERE (c.sessions, c.channel_count, c.segments::text)
                              IS DISTINCT FROM (q.sessions, q.channel_count, q.segments::text)) AS differ,
       count(*) FILTER (WHERE c.segments IS NULL) AS without_segments,
       count(*) FILTER (WHERE c.segments::text LIKE '%"r": true%') > 0 AS has_repeat,
       count(*) FILTER (WHERE c.segments::text LIKE '%"v": null%') > 0 AS has_no_purchase
FROM c FULL JOIN q USING (customer_id);
-- a touchpoint at a purchase's time leads to it; purchases ordered by time,
-- then amount; the touchpoint without a channel is in no path
SELECT * FROM cxm.layer_journey_facts(
  ARRAY[timestamptz '2026-03-01 10:00', '2026-03-01 09:00', '2026-03-01 09:00', '2026-03-01 11:00', '2026-03-01 12:00'],
  ARRAY['web', 'web', 'email', 'web', NULL], ARRAY['b', 'a', 'a', 'b', 'c'],
  ARRAY[timestamptz '2026-03-01 10:00', '2026-03-01 10:00'], ARRAY[20, 12.50], interval '30 minutes');
SELECT * FROM cxm.layer_journey_facts(NULL, NULL, NULL, ARRAY[now()], ARRAY[1], interval '30 minutes');
SELECT cxm.layer_journey_facts(ARRAY[now()], ARRAY['a', 'b'], ARRAY['c'], NULL, NULL, interval '30 minutes');
SELECT cxm.layer_journey_facts(ARRAY[now()], ARRAY['a'], ARRAY['c'], ARRAY[now()], ARRAY[NULL::numeric], interval '30 minutes');


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
SELECT * FROM cxm.layer_touch_months(ARRAY[now()], interval '0');
SELECT * FROM cxm.layer_touch_months(ARRAY[now()], NULL);
SELECT * FROM cxm.layer_touch_months(ARRAY[now(), 'infinity'], interval '1 hour');
SELECT * FROM cxm.layer_touch_months(NULL, interval '1 hour');
