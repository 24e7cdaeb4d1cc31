-- Journeys: an event stream, a view of paths (journey_path, path_collapse),
-- sessions (sessionize) and funnels (journey_funnel), and stored paths
CREATE TABLE app.events (customer text, touchpoint text, ts timestamptz);
INSERT INTO app.events
SELECT 'u' || (i % 50), (ARRAY['home', 'search', 'product', 'cart', 'checkout', 'email'])[1 + (i * 7 + i / 11) % 6],
       timestamptz '2026-03-01 00:00+00' + (i * 37 % 5000) * interval '1 minute'
FROM generate_series(1, 2500) i;
CREATE VIEW app.paths AS
  SELECT customer, cxm.journey_path(touchpoint, ts) AS path,
         cxm.path_collapse(cxm.journey_path(touchpoint, ts)) AS collapsed,
         cxm.journey_path(touchpoint, ts, 5) AS last5,
         cxm.journey_funnel(ts, interval '2 hours', ARRAY[touchpoint = 'home', touchpoint = 'product', touchpoint = 'cart', touchpoint = 'checkout']) AS funnel,
         cxm.journey_funnel(ts, interval '2 hours', ARRAY[touchpoint = 'home', touchpoint = 'product', touchpoint = 'checkout'], 'strict_order') AS funnel_strict
  FROM app.events GROUP BY customer;
CREATE VIEW app.sessions AS
  SELECT customer, ts, touchpoint, cxm.sessionize(ts, interval '30 minutes') OVER (PARTITION BY customer ORDER BY ts, touchpoint) AS session
  FROM app.events;
CREATE TABLE app.stored_paths AS SELECT customer, path FROM app.paths;
