-- CX layer, part 3: journeys, Sankey transitions, funnel and attribution on the demo
-- data mapped by layer_views, against independent SQL over the raw tables
SET extra_float_digits = 0;
-- refresh() reports its steps as NOTICEs with timings
SET client_min_messages = warning;
-- the views' plans are large: JIT compilation would cost more than it saves
SET jit = off;
SELECT count(*) AS mappings FROM cxm.sources;

CREATE TEMP TABLE raw_tp AS
SELECT COALESCE(l."Client No"::text, w.cookie_id) AS customer_id,
       w."Page" AS touchpoint, w."Event Time"::timestamptz AS ts, w.utm_channel AS channel
FROM demo.clickstream w LEFT JOIN demo.login_links l ON l."Cookie" = w.cookie_id
UNION ALL
SELECT e.recipient::text, e.action, e.sent_at, 'email' FROM demo.email e;
-- consecutive repeats collapsed, by hand
CREATE FUNCTION pg_temp.collapse(a text[]) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(x ORDER BY i), '{}')
  FROM (SELECT x, i, lag(x) OVER (ORDER BY i) AS p FROM unnest(a) WITH ORDINALITY u(x, i)) s
  WHERE i = 1 OR x IS DISTINCT FROM p $$;
-- journeys show every purchase as a step named settings.purchase_touchpoint ('purchase')
CREATE TEMP TABLE raw_ev AS
SELECT customer_id, touchpoint, ts FROM raw_tp
UNION ALL SELECT "Client No"::text, 'purchase', "Ordered At" FROM demo.shop_orders;
CREATE TEMP TABLE hand AS
SELECT t.customer_id,
       (SELECT array_agg(e.touchpoint ORDER BY e.ts, e.touchpoint COLLATE "C") FROM raw_ev e
        WHERE e.customer_id = t.customer_id) AS path,
       pg_temp.collapse(array_agg(t.channel ORDER BY t.ts, t.channel COLLATE "C")) AS channel_path,
       count(*) AS touchpoints, count(DISTINCT t.channel) AS channels
FROM raw_tp t GROUP BY 1;

-- customer_journeys
CREATE TEMP TABLE sess AS SELECT customer_id, count(*) AS n FROM cxm.sessions GROUP BY 1;
SELECT count(*) AS profiles,
       count(*) FILTER (WHERE j.path = h.path) AS same_path,
       count(*) FILTER (WHERE j.touchpoints = h.touchpoints AND j.channel_count = h.channels) AS same_counts,
       count(*) FILTER (WHERE j.sessions = (SELECT s.n FROM sess s WHERE s.customer_id = j.customer_id)) AS same_sessions,
       count(*) FILTER (WHERE j.converted = EXISTS (SELECT 1 FROM demo.shop_orders o WHERE o."Client No"::text = j.customer_id))
         AS same_converted
FROM cxm.customer_journeys j JOIN hand h USING (customer_id);
-- the channel path is collapsed (ties in time ordered by touchpoint, so compare where no two channels tie)
SELECT count(*) FILTER (WHERE j.channel_path = h.channel_path) AS same_channel_path, count(*) AS profiles
FROM cxm.customer_journeys j JOIN hand h USING (customer_id)
WHERE j.customer_id NOT IN (SELECT DISTINCT a.customer_id FROM raw_tp a JOIN raw_tp b USING (customer_id, ts)
                            WHERE a.channel < b.channel);
SELECT customer_id, touchpoints, sessions, channel_count, path[1:6] AS first_steps, channel_path, converted
FROM cxm.customer_journeys WHERE customer_id IN ('1011', 'v-5') ORDER BY 1;

-- journey_transitions = the collapsed paths, step by step, counted by hand
SELECT (SELECT count(*) FROM cxm.journey_transitions) AS rows,
       (SELECT count(*) FROM (
          SELECT step, source, target, customers FROM cxm.journey_transitions
          EXCEPT
          SELECT i, p[i], coalesce(p[i + 1], '(end)'), count(*)
          FROM (SELECT pg_temp.collapse(path) AS p FROM hand) x, generate_series(1, cardinality(p)) i
          GROUP BY 1, 2, 3) d) AS differ,
       (SELECT sum(customers) FROM cxm.journey_transitions WHERE step = 1) = (SELECT count(*) FROM hand) AS step1_all;
SELECT step, source, target, customers FROM cxm.journey_transitions
WHERE step <= 2 ORDER BY step, customers DESC, source, target LIMIT 8;

-- funnel: default mode, greedy from every start (earliest next step is optimal for a fixed start)
CREATE FUNCTION pg_temp.funnel(ts timestamptz[], tp text[], steps text[], win interval) RETURNS int
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE best int := 0; lvl int; last_i int;
BEGIN
  FOR s IN 1 .. coalesce(cardinality(ts), 0) LOOP
    CONTINUE WHEN tp[s] IS DISTINCT FROM steps[1];
    lvl := 1; last_i := s;
    FOR i IN 1 .. cardinality(ts) LOOP
      EXIT WHEN lvl = cardinality(steps);
      CONTINUE WHEN i = last_i OR ts[i] < ts[last_i] OR (ts[i] = ts[last_i] AND i < last_i) OR ts[i] - ts[s] > win;
      IF tp[i] = steps[lvl + 1] THEN lvl := lvl + 1; last_i := i; END IF;
    END LOOP;
    best := greatest(best, lvl);
  END LOOP;
  RETURN best;
END $$;
CREATE TEMP TABLE levels AS
SELECT customer_id, pg_temp.funnel(array_agg(ts ORDER BY ts, touchpoint), array_agg(touchpoint ORDER BY ts, touchpoint),
                                   '{home,product,cart,checkout}', '7 days') AS level
FROM raw_tp GROUP BY 1;
SELECT f.step, f.touchpoint, f.customers,
       f.customers = (SELECT count(*) FROM levels WHERE level >= f.step) AS by_hand,
       round(f.conversion::numeric, 4) AS conversion, round(f.step_conversion::numeric, 4) AS step_conversion
FROM cxm.funnel_conversion f ORDER BY f.step;

-- attribution of first purchases: journeys up to the first purchase (all of
-- it without one), credited with the first purchase's amount
CREATE TEMP TABLE jr AS
SELECT pg_temp.collapse(array_agg(t.channel ORDER BY t.ts, t.channel COLLATE "C")) AS p,
       (b.cno IS NOT NULL)::int AS conv, coalesce(b.revenue, 0) AS revenue
FROM raw_tp t
LEFT JOIN (SELECT "Client No"::text AS cno, min("Ordered At") AS first_at,
                  (array_agg("Total EUR" ORDER BY "Ordered At", "Total EUR"))[1] AS revenue
           FROM demo.shop_orders GROUP BY 1) b ON b.cno = t.customer_id
WHERE b.first_at IS NULL OR t.ts <= b.first_at
GROUP BY t.customer_id, b.cno, b.revenue;
CREATE TEMP VIEW first_ch AS SELECT * FROM cxm.channel_attribution WHERE level = 'channel' AND NOT is_repeat;
SELECT a.model, count(*) AS channels,
       round(sum(a.conversions)::numeric, 6) = (SELECT sum(conv) FROM jr) AS credits_sum_to_conversions,
       round(sum(a.revenue)::numeric, 2) = (SELECT sum(revenue) FROM jr WHERE conv = 1) AS revenue_sums,
       round(sum(a.share)::numeric, 6) AS share_sum, bool_and(a.conversions >= 0) AS non_negative
FROM first_ch a GROUP BY a.model ORDER BY a.model;
-- first_touch, last_touch, linear and position by hand
SELECT a.model, a.channel,
       abs(a.conversions - CASE a.model
         WHEN 'first_touch' THEN (SELECT count(*) FROM jr WHERE conv = 1 AND p[1] = a.channel)
         WHEN 'last_touch' THEN (SELECT count(*) FROM jr WHERE conv = 1 AND p[cardinality(p)] = a.channel)
         WHEN 'linear' THEN (SELECT coalesce(sum(1.0 / cardinality(p)), 0) FROM jr, unnest(p) c WHERE conv = 1 AND c = a.channel)
         WHEN 'position' THEN (SELECT coalesce(sum(CASE WHEN cardinality(p) = 1 THEN 1.0
                                                        WHEN cardinality(p) = 2 THEN 0.5
                                                        WHEN i IN (1, cardinality(p)) THEN 0.4
                                                        ELSE 0.2 / (cardinality(p) - 2) END), 0)
                               FROM jr, unnest(p) WITH ORDINALITY u(c, i) WHERE conv = 1 AND c = a.channel)
       END) < 1e-9 AS by_hand,
       round(a.conversions::numeric, 3) AS conversions, round(a.revenue::numeric, 2) AS revenue
FROM first_ch a WHERE a.model <> 'markov' ORDER BY a.model, a.conversions DESC, a.channel;
SELECT channel, round(conversions::numeric, 3) AS conversions, round(share::numeric, 4) AS share,
       round(revenue::numeric, 2) AS revenue
FROM first_ch WHERE model = 'markov' ORDER BY conversions DESC, channel;
-- repeat purchases: the touchpoints after the previous purchase up to this
-- one (a touchpoint at the time of a purchase leads to it); after the last
-- purchase, a path that converted nothing
CREATE TEMP TABLE po AS
SELECT "Client No"::text AS customer_id, "Ordered At" AS ts, "Total EUR" AS amount,
       row_number() OVER (PARTITION BY "Client No" ORDER BY "Ordered At", "Total EUR") AS k,
       lag("Ordered At") OVER (PARTITION BY "Client No" ORDER BY "Ordered At", "Total EUR") AS prev_ts
FROM demo.shop_orders;
CREATE TEMP TABLE jr2 AS
SELECT po.customer_id, po.k, po.amount,
       (SELECT pg_temp.collapse(array_agg(t.channel ORDER BY t.ts, t.channel COLLATE "C")) FROM raw_tp t
        WHERE t.customer_id = po.customer_id AND t.ts > po.prev_ts AND t.ts <= po.ts) AS p
FROM po WHERE po.k > 1;
SELECT a.model, round(sum(a.conversions)::numeric, 6) = (SELECT count(*) FROM jr2 WHERE p <> '{}') AS credits_sum_to_purchases,
       round(sum(a.revenue)::numeric, 2) = (SELECT sum(amount) FROM jr2 WHERE p <> '{}') AS revenue_sums,
       bool_and(CASE a.model
         WHEN 'last_touch' THEN abs(a.conversions - (SELECT count(*) FROM jr2 WHERE p[cardinality(p)] = a.channel)) < 1e-9
         WHEN 'first_touch' THEN abs(a.conversions - (SELECT count(*) FROM jr2 WHERE p[1] = a.channel)) < 1e-9
         ELSE true END) AS by_hand
FROM cxm.channel_attribution a WHERE a.level = 'channel' AND a.is_repeat GROUP BY a.model ORDER BY a.model;
SELECT (SELECT count(*) FROM jr2 WHERE p <> '{}') AS repeat_purchases_with_a_path,
       (SELECT count(*) FROM jr2 WHERE p = '{}') AS repeat_purchases_without;

-- materialised mode serves the same journeys
SELECT cxm.set_materialized(true);
SELECT (SELECT count(*) FROM (SELECT * FROM cxm.journey_transitions EXCEPT SELECT * FROM cxm.journey_transitions_live) x) AS transitions_differ,
       (SELECT count(*) FROM (SELECT customer_id, path, channel_path FROM cxm.customer_journeys
                              EXCEPT SELECT customer_id, path, channel_path FROM cxm.customer_journeys_live) x) AS journeys_differ,
       (SELECT count(*) FROM cxm.channel_attribution) = (SELECT count(*) FROM cxm.channel_attribution_live) AS attribution_rows;
SELECT cxm.set_materialized(false);

-- after all the mapping, rebuilding and switching: every view still security_invoker,
-- every view, table and column still commented
SELECT count(*) AS views,
       count(*) FILTER (WHERE 'security_invoker=true' = ANY (c.reloptions)) AS security_invoker
FROM pg_class c WHERE c.relnamespace = 'cxm'::regnamespace AND c.relkind = 'v';
SELECT c.relname, a.attname FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE c.relnamespace = 'cxm'::regnamespace AND c.relkind IN ('v', 'r')
  AND (obj_description(c.oid, 'pg_class') IS NULL OR col_description(c.oid, a.attnum) IS NULL);
