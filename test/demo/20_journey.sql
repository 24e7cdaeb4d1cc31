-- Journeys demo: 1 000 customers, up to 4 visits each over two weeks, a visit
-- being an entry touchpoint followed by up to 5 steps a few minutes apart.
-- Deterministic (md5), stored in an order unrelated to time.
CREATE TABLE demo.journey_events AS
SELECT c AS customer_id,
       CASE WHEN e = 1
            THEN (ARRAY['ad_click', 'email_open', 'search', 'app_open'])[1 + get_byte(h, 2) % 4]
            ELSE (ARRAY['web_visit', 'web_visit', 'web_visit', 'cart', 'cart', 'checkout'])[1 + get_byte(h, 3) % 6]
       END AS touchpoint,
       timestamptz '2026-03-01 00:00+00'
         + ((get_byte(hv, 0) * 256 + get_byte(hv, 1)) % 20160) * interval '1 minute'
         + (e * 4 + get_byte(h, 4) % 3) * interval '1 minute' AS ts
FROM generate_series(1, 1000) c, generate_series(1, 4) v, generate_series(1, 6) e,
     LATERAL (SELECT decode(md5(c || '-' || v), 'hex') AS hv,
                     decode(md5(c || '-' || v || '-' || e), 'hex') AS h) x
WHERE e <= 1 + get_byte(hv, 5) % 6
ORDER BY md5(c || '-' || v || '-' || e);

\echo
\echo '== Most common first steps of a journey, repeats collapsed (cxm.journey_path, cxm.path_collapse) =='
SELECT first_steps, count(*) AS customers
FROM (SELECT (cxm.path_collapse(cxm.journey_path(touchpoint, ts)))[1:3] AS first_steps
      FROM demo.journey_events GROUP BY customer_id) x
GROUP BY first_steps
ORDER BY customers DESC, first_steps
LIMIT 5;

\echo '== What happened just before a checkout: the last 3 steps up to the first checkout (max_steps) =='
SELECT before_checkout, count(*) AS customers
FROM (SELECT e.customer_id, cxm.journey_path(e.touchpoint, e.ts, 3) AS before_checkout
      FROM demo.journey_events e
      JOIN (SELECT customer_id, min(ts) AS first_checkout FROM demo.journey_events
            WHERE touchpoint = 'checkout' GROUP BY customer_id) f USING (customer_id)
      WHERE e.ts <= f.first_checkout
      GROUP BY e.customer_id) x
GROUP BY before_checkout
ORDER BY customers DESC, before_checkout
LIMIT 5;

\echo '== Sessions with a 30-minute gap (cxm.sessionize) =='
SELECT count(DISTINCT customer_id) AS customers,
       count(DISTINCT (customer_id, session)) AS sessions,
       round(count(*)::numeric / count(DISTINCT (customer_id, session)), 2) AS events_per_session,
       max(session) AS most_sessions
FROM (SELECT customer_id,
             cxm.sessionize(ts, '30 minutes') OVER (PARTITION BY customer_id ORDER BY ts) AS session
      FROM demo.journey_events) s;

\echo '== Entry touchpoint of each session and how often it reached checkout =='
SELECT path[1] AS entry, count(*) AS sessions,
       count(*) FILTER (WHERE 'checkout' = ANY (path)) AS with_checkout
FROM (SELECT cxm.journey_path(touchpoint, ts) AS path
      FROM (SELECT *, cxm.sessionize(ts, '30 minutes')
                        OVER (PARTITION BY customer_id ORDER BY ts) AS session
            FROM demo.journey_events) s
      GROUP BY customer_id, session) p
GROUP BY entry
ORDER BY sessions DESC;
