-- Journeys demo: 3,000 customers' web and marketing touchpoints over two weeks,
-- deterministic.  Each customer arrives through one entry channel, browses,
-- and some put products in the cart and buy.  Channels differ in how well the
-- visitors they bring convert.
CREATE TABLE demo.web_events AS
WITH c AS (
  SELECT i AS customer,
         (ARRAY['search', 'social', 'email', 'display', 'direct'])[1 + (i * 7) % 5] AS entry,
         ((i::int8 * 2654435761) % 1000003) / 1000003.0 AS h
  FROM generate_series(1, 3000) i),
steps AS (
  SELECT customer, entry, h, s,
         ((customer::int8 * 40503 + s * 69069) % 999983) / 999983.0 AS u
  FROM c, generate_series(1, 9) s)
SELECT customer AS customer_id,
       timestamptz '2026-03-02 09:00' + (customer % 14) * interval '1 day'
         + (customer % 600) * interval '1 minute' + s * (2 + (customer + s) % 9) * interval '1 minute'
         + CASE WHEN s > 5 THEN interval '2 hours' ELSE interval '0' END AS ts,
       CASE
         WHEN s = 1 THEN 'ad_' || entry
         WHEN s = 2 THEN 'landing'
         WHEN s <= 4 THEN CASE WHEN u < 0.5 THEN 'product' WHEN u < 0.8 THEN 'search_page' ELSE 'product' END
         WHEN s = 5 THEN CASE WHEN h < (ARRAY[0.55, 0.35, 0.6, 0.25, 0.5])[1 + (customer * 7) % 5] THEN 'cart' ELSE 'exit' END
         WHEN s = 6 THEN (ARRAY['email', 'retargeting', 'direct'])[1 + customer % 3]
         WHEN s = 7 THEN CASE WHEN h < (ARRAY[0.4, 0.2, 0.45, 0.15, 0.35])[1 + (customer * 7) % 5] THEN 'checkout' ELSE 'product' END
         WHEN s = 8 THEN CASE WHEN h < (ARRAY[0.3, 0.12, 0.35, 0.08, 0.25])[1 + (customer * 7) % 5] THEN 'purchase' ELSE 'exit' END
         ELSE 'exit'
       END AS touchpoint
FROM steps
WHERE NOT (s >= 6 AND h >= (ARRAY[0.55, 0.35, 0.6, 0.25, 0.5])[1 + (customer * 7) % 5]);

-- one ordered path per customer: cxm.journey_path restores the order itself
CREATE TABLE demo.paths AS
SELECT customer_id, cxm.journey_path(touchpoint, ts) AS path
FROM demo.web_events GROUP BY customer_id;

\echo
\echo '== Path patterns (cxm.path_match, cxm.path_match_count) =='
SELECT count(*) AS customers,
       count(*) FILTER (WHERE cxm.path_match(path, 'cart _* purchase')) AS cart_then_purchase,
       count(*) FILTER (WHERE cxm.path_match(path, 'cart [^purchase]* $')) AS abandoned_cart,
       count(*) FILTER (WHERE cxm.path_match(path, '^ad_search landing (product|search_page){2}')) AS search_ad_then_2_pages,
       sum(cxm.path_match_count(path, 'product')) AS product_views
FROM demo.paths;

\echo '== Channel attribution of purchases, five models (cxm.attribution) =='
WITH touches AS (
  SELECT customer_id,
         cxm.journey_path(CASE WHEN touchpoint LIKE 'ad\_%' THEN substr(touchpoint, 4) ELSE touchpoint END, ts)
           FILTER (WHERE touchpoint LIKE 'ad\_%' OR touchpoint IN ('email', 'retargeting', 'direct')) AS channels,
         bool_or(touchpoint = 'purchase') AS bought
  FROM demo.web_events GROUP BY customer_id),
models AS (
  SELECT m, (unnest(cxm.attribution(channels, CASE WHEN bought THEN 1 ELSE 0 END, m))).*
  FROM touches, unnest(ARRAY['first_touch', 'last_touch', 'linear', 'position', 'markov']) m
  GROUP BY m)
SELECT channel,
       round(max(credit) FILTER (WHERE m = 'first_touch')::numeric, 1) AS first_touch,
       round(max(credit) FILTER (WHERE m = 'last_touch')::numeric, 1) AS last_touch,
       round(max(credit) FILTER (WHERE m = 'linear')::numeric, 1) AS linear,
       round(max(credit) FILTER (WHERE m = 'position')::numeric, 1) AS position,
       round(max(credit) FILTER (WHERE m = 'markov')::numeric, 1) AS markov
FROM models GROUP BY channel ORDER BY markov DESC, channel;

\echo '== Funnel landing -> product -> cart -> checkout -> purchase within 3 hours, by entry channel (cxm.journey_funnel) =='
WITH levels AS (
  SELECT customer_id,
         min(substr(touchpoint, 4)) FILTER (WHERE touchpoint LIKE 'ad\_%') AS entry,
         cxm.journey_funnel(ts, '3 hours',
                            ARRAY[touchpoint = 'landing', touchpoint = 'product', touchpoint = 'cart',
                                  touchpoint = 'checkout', touchpoint = 'purchase']) AS level
  FROM demo.web_events GROUP BY customer_id)
SELECT entry, count(*) AS visitors,
       count(*) FILTER (WHERE level >= 2) AS product,
       count(*) FILTER (WHERE level >= 3) AS cart,
       count(*) FILTER (WHERE level >= 4) AS checkout,
       count(*) FILTER (WHERE level >= 5) AS purchase,
       round(100.0 * count(*) FILTER (WHERE level >= 5) / count(*), 1) AS conversion_pct
FROM levels GROUP BY entry ORDER BY conversion_pct DESC;

\echo '== The same funnel in strict_order mode: leaving the order (e.g. back to a product page) ends a chain =='
SELECT level, count(*) AS customers
FROM (SELECT customer_id,
             cxm.journey_funnel(ts, '3 hours',
                                ARRAY[touchpoint = 'landing', touchpoint = 'product', touchpoint = 'cart',
                                      touchpoint = 'checkout', touchpoint = 'purchase'], 'strict_order') AS level
      FROM demo.web_events GROUP BY customer_id) f
GROUP BY level ORDER BY level;
