
-- ---------------------------------------------------------------------------
-- Recommendations in the CX layer (doc/recommendations.md): item similarities
-- and popularity stored by refresh(), recommend(customer, n), the
-- recommendations and next_best_action views
-- ---------------------------------------------------------------------------

ALTER TABLE @extschema@.settings ADD COLUMN repeat_items pg_catalog.text[];
COMMENT ON COLUMN @extschema@.settings.repeat_items IS
  'products that recommend() may suggest again to customers who already bought them (NULL: none)';

CREATE TABLE @extschema@.item_similarity (
  item      pg_catalog.text NOT NULL,
  neighbour pg_catalog.text NOT NULL,
  score     pg_catalog.float8 NOT NULL,
  customers pg_catalog.int8 NOT NULL,
  PRIMARY KEY (item, neighbour)
);
COMMENT ON TABLE @extschema@.item_similarity IS
  'item-to-item similarities of the products customers buy together, filled by refresh() (up to 50 neighbours per item); kept by pg_dump';
COMMENT ON COLUMN @extschema@.item_similarity.item IS 'a product';
COMMENT ON COLUMN @extschema@.item_similarity.neighbour IS 'a product bought by at least two of the same customers';
COMMENT ON COLUMN @extschema@.item_similarity.score IS
  'cosine similarity: customers who bought both / sqrt(buyers of item * buyers of neighbour)';
COMMENT ON COLUMN @extschema@.item_similarity.customers IS 'customers who bought both';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.item_similarity', '');

CREATE TABLE @extschema@.item_popularity (
  entry_channel pg_catalog.text,
  item          pg_catalog.text NOT NULL,
  customers     pg_catalog.int8 NOT NULL,
  share         pg_catalog.float8 NOT NULL
);
CREATE INDEX item_popularity_rank ON @extschema@.item_popularity (entry_channel, share DESC, item);
COMMENT ON TABLE @extschema@.item_popularity IS
  'the products by buyers, overall (entry_channel NULL, every product) and per entry channel (top 100), filled by refresh(); kept by pg_dump';
COMMENT ON COLUMN @extschema@.item_popularity.entry_channel IS
  'channel of the buyers'' first touchpoint; NULL for all buyers';
COMMENT ON COLUMN @extschema@.item_popularity.item IS 'a product';
COMMENT ON COLUMN @extschema@.item_popularity.customers IS 'buyers of the product (among the entry channel''s buyers)';
COMMENT ON COLUMN @extschema@.item_popularity.share IS 'customers / all buyers (of the entry channel)';
COMMENT ON INDEX @extschema@.item_popularity_rank IS 'the most popular products of an entry channel first';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.item_popularity', '');

CREATE FUNCTION @extschema@.layer_refresh_recommendations(from_snapshot pg_catalog.bool)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
-- every join here is between whole per-customer sets, whose sizes the planner
-- cannot estimate through the stitched views (it guessed 200 rows, chose a
-- nested loop and took 570 s at 100,000 customers)
SET enable_nestloop = off
AS $$
BEGIN
  -- DELETE, not TRUNCATE: readers keep the old figures until commit
  DELETE FROM @extschema@.item_similarity;
  DELETE FROM @extschema@.item_popularity;
  -- pairs bought by at least two of the same customers, by FP-growth over
  -- each customer's products; the rule x => y gives cosine(x, y) =
  -- sqrt(support * lift)
  INSERT INTO @extschema@.item_similarity (item, neighbour, score, customers)
  WITH b AS MATERIALIZED (
    -- each buyer's distinct products in any order (assoc_rules and the
    -- counts below do not need them sorted): hashed, no sort of every
    -- purchase; the _whole view reads the purchases once
    SELECT pg_catalog.array_agg(d.product) AS basket
    FROM (SELECT DISTINCT t.customer_id, t.product FROM @extschema@.transactions_whole t
          WHERE t.product IS NOT NULL AND t.customer_id IS NOT NULL) d
    GROUP BY d.customer_id
  ), n AS (
    SELECT pg_catalog.count(*)::pg_catalog.float8 AS n FROM b
  )
  SELECT r.item, r.neighbour, r.score, r.customers
  FROM (
    SELECT x.antecedent[1] AS item, x.consequent[1] AS neighbour,
           pg_catalog.sqrt(x.support * x.lift) AS score,
           pg_catalog.round(x.support * a.n)::pg_catalog.int8 AS customers,
           pg_catalog.row_number() OVER (PARTITION BY x.antecedent[1]
             ORDER BY x.support * x.lift DESC, x.consequent[1] COLLATE "C") AS k
    FROM (SELECT @extschema@.assoc_rules(b.basket, LEAST(1.0, 2.0 / n.n), 0.0, 2) AS rules, n.n
          FROM b CROSS JOIN n GROUP BY n.n) a
    CROSS JOIN LATERAL pg_catalog.unnest(a.rules) x
  ) r
  WHERE r.k <= 50;
  -- popularity: overall (every product), and by the channel of each
  -- buyer's first touchpoint (top 100)
  INSERT INTO @extschema@.item_popularity (entry_channel, item, customers, share)
  WITH b AS MATERIALIZED (
    SELECT d.customer_id, pg_catalog.array_agg(d.product) AS basket
    FROM (SELECT DISTINCT t.customer_id, t.product FROM @extschema@.transactions_whole t
          WHERE t.product IS NOT NULL AND t.customer_id IS NOT NULL) d
    GROUP BY d.customer_id
  ), e AS (
    -- the entry channel as customer_360 has it (the channel of the first
    -- touchpoint by time, touchpoint, channel, campaign): from its snapshot
    -- when refresh() has just refilled it, else from the touchpoints (the
    -- branch not taken is skipped by its one-time filter)
    SELECT f.customer_id, f.channel, pg_catalog.count(*) OVER (PARTITION BY f.channel) AS buyers
    FROM (SELECT c.customer_id, c.entry_channel AS channel
          FROM @extschema@.customer_360_snapshot c
          WHERE from_snapshot AND c.customer_id IN (SELECT b.customer_id FROM b)
          UNION ALL
          (SELECT DISTINCT ON (t.customer_id) t.customer_id, t.channel
           FROM @extschema@.touchpoints t
           WHERE NOT from_snapshot AND t.customer_id IN (SELECT b.customer_id FROM b)
           ORDER BY t.customer_id, t.ts, t.touchpoint, t.channel, t.campaign)) f
    WHERE f.channel IS NOT NULL
  )
  SELECT NULL, u.item, pg_catalog.count(*),
         pg_catalog.count(*)::pg_catalog.float8 / (SELECT pg_catalog.count(*) FROM b)
  FROM b CROSS JOIN LATERAL pg_catalog.unnest(b.basket) u(item)
  GROUP BY u.item
  UNION ALL
  SELECT p.channel, p.item, p.customers, p.share
  FROM (
    SELECT e.channel, u.item, pg_catalog.count(*) AS customers,
           pg_catalog.count(*)::pg_catalog.float8 / pg_catalog.max(e.buyers) AS share,
           pg_catalog.row_number() OVER (PARTITION BY e.channel
             ORDER BY pg_catalog.count(*) DESC, u.item COLLATE "C") AS k
    FROM e JOIN b ON b.customer_id = e.customer_id
    CROSS JOIN LATERAL pg_catalog.unnest(b.basket) u(item)
    GROUP BY e.channel, u.item
  ) p
  WHERE p.k <= 100;
END $$;
COMMENT ON FUNCTION @extschema@.layer_refresh_recommendations(pg_catalog.bool) IS
  'internal (called by refresh()): refills item_similarity (assoc_rules over each customer''s products) and item_popularity (entry channels from customer_360_snapshot when from_snapshot, else from the touchpoints)';
REVOKE ALL ON FUNCTION @extschema@.layer_refresh_recommendations(pg_catalog.bool) FROM PUBLIC;

CREATE FUNCTION @extschema@.recommend(customer pg_catalog.text, n pg_catalog.int4 DEFAULT 10)
RETURNS TABLE (item pg_catalog.text, score pg_catalog.float8, reason pg_catalog.text[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  IF n IS NULL OR n < 1 THEN
    RAISE EXCEPTION 'n must be a positive number of recommendations, got %', COALESCE(n::pg_catalog.text, 'NULL')
      USING ERRCODE = '22023';
  END IF;
  IF customer IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH rep AS (
    SELECT COALESCE(x.repeat_items, '{}'::pg_catalog.text[]) AS items FROM @extschema@.settings x WHERE x.id
  ), bought AS (
    SELECT DISTINCT t.product AS item
    FROM @extschema@.transactions t
    WHERE t.customer_id = customer AND t.product IS NOT NULL
  ), entry AS (
    SELECT t.channel FROM @extschema@.touchpoints t
    WHERE t.customer_id = customer
    ORDER BY t.ts, t.channel COLLATE "C" LIMIT 1
  ), cand AS (
    -- neighbours of the customer's products: summed similarity, the three
    -- products that contribute most as the reason
    SELECT 1 AS tier, m.neighbour AS item, pg_catalog.sum(m.score) AS score,
           (pg_catalog.array_agg(m.item ORDER BY m.score DESC, m.item COLLATE "C"))[1:3] AS reason
    FROM bought b JOIN @extschema@.item_similarity m ON m.item = b.item
    GROUP BY m.neighbour
    UNION ALL
    SELECT 2, p.item, p.share, ARRAY['(popular: ' || p.entry_channel || ')']
    FROM (SELECT y.item, y.share, y.entry_channel FROM @extschema@.item_popularity y, entry e
          WHERE y.entry_channel = e.channel
          ORDER BY y.share DESC, y.item LIMIT n + (SELECT pg_catalog.count(*) FROM bought)) p
    UNION ALL
    SELECT 3, p.item, p.share, ARRAY['(popular)']
    FROM (SELECT y.item, y.share FROM @extschema@.item_popularity y
          WHERE y.entry_channel IS NULL
          ORDER BY y.share DESC, y.item LIMIT n + (SELECT pg_catalog.count(*) FROM bought)) p
  )
  SELECT c.item, c.score, c.reason
  FROM (
    SELECT DISTINCT ON (c0.item) c0.tier, c0.item, c0.score, c0.reason
    FROM cand c0, rep
    WHERE c0.item NOT IN (SELECT b.item FROM bought b) OR c0.item = ANY (rep.items)
    ORDER BY c0.item, c0.tier, c0.score DESC
  ) c
  ORDER BY c.tier, c.score DESC, c.item COLLATE "C"
  LIMIT n;
END $$;
COMMENT ON FUNCTION @extschema@.recommend(pg_catalog.text, pg_catalog.int4) IS
  'top n products for a customer: neighbours of the products they bought (item_similarity, reason = those products), then the most popular products of their entry channel, then overall; bought products only when in settings.repeat_items';

CREATE VIEW @extschema@.recommendations WITH (security_invoker = true) AS
SELECT c.customer_id, r.rank::pg_catalog.int4 AS rank, r.item, r.score, r.reason
FROM (SELECT x.customer_id FROM @extschema@.customers x
      UNION SELECT x.customer_id FROM @extschema@.transactions x
      UNION SELECT x.customer_id FROM @extschema@.touchpoints x) c
CROSS JOIN LATERAL @extschema@.recommend(c.customer_id, 10) WITH ORDINALITY r(item, score, reason, rank)
WHERE c.customer_id IS NOT NULL;
COMMENT ON VIEW @extschema@.recommendations IS
  'top 10 products for every profile (recommend(customer_id, 10)); filter on customer_id';
COMMENT ON COLUMN @extschema@.recommendations.customer_id IS 'profile id (as in touchpoints and transactions)';
COMMENT ON COLUMN @extschema@.recommendations.rank IS '1 = best';
COMMENT ON COLUMN @extschema@.recommendations.item IS 'recommended product';
COMMENT ON COLUMN @extschema@.recommendations.score IS
  'summed similarity to the customer''s products; for popular fill-ins the share of buyers who bought it';
COMMENT ON COLUMN @extschema@.recommendations.reason IS
  'the customer''s products that make it similar, or (popular: <entry channel>) / (popular)';

CREATE VIEW @extschema@.next_best_action WITH (security_invoker = true) AS
WITH b AS (
  SELECT x.customer_id, pg_catalog.min(x.ts) AS first_purchase
  FROM @extschema@.transactions x GROUP BY x.customer_id
), j AS MATERIALIZED (
  SELECT t.customer_id, @extschema@.journey_path(t.touchpoint, t.ts) AS path,
         b.customer_id IS NOT NULL AS converted
  FROM @extschema@.touchpoints t
  LEFT JOIN b ON b.customer_id = t.customer_id
  WHERE b.first_purchase IS NULL OR t.ts <= b.first_purchase
  GROUP BY t.customer_id, b.customer_id
), p AS (
  SELECT x.touchpoint, x.probability
  FROM (SELECT @extschema@.markov_conversion(j.path, CASE WHEN j.converted THEN 1 ELSE 0 END::pg_catalog.float8) AS a
        FROM j WHERE j.path IS NOT NULL) q
  CROSS JOIN LATERAL pg_catalog.unnest(q.a) x
), tr AS (
  SELECT DISTINCT j.path[i] AS from_tp, j.path[i + 1] AS to_tp
  FROM j CROSS JOIN LATERAL pg_catalog.generate_series(1, pg_catalog.cardinality(j.path) - 1) i
  WHERE j.path[i] <> j.path[i + 1]
), best AS (
  SELECT DISTINCT ON (tr.from_tp) tr.from_tp, tr.to_tp, p.probability
  FROM tr JOIN p ON p.touchpoint = tr.to_tp
  ORDER BY tr.from_tp, p.probability DESC, tr.to_tp COLLATE "C"
)
SELECT j.customer_id, j.path[pg_catalog.cardinality(j.path)] AS last_touchpoint,
       best.to_tp AS next_touchpoint, best.probability AS conversion_probability
FROM j LEFT JOIN best ON best.from_tp = j.path[pg_catalog.cardinality(j.path)]
WHERE NOT j.converted AND j.path IS NOT NULL;
COMMENT ON VIEW @extschema@.next_best_action IS
  'for every profile that has not bought: its last touchpoint and the observed next touchpoint with the highest probability of converting (absorbing Markov chain over touchpoint journeys up to the first purchase, markov_conversion)';
COMMENT ON COLUMN @extschema@.next_best_action.customer_id IS 'profile id (customer, or unlinked anonymous visitor)';
COMMENT ON COLUMN @extschema@.next_best_action.last_touchpoint IS 'the profile''s latest touchpoint (ties by name)';
COMMENT ON COLUMN @extschema@.next_best_action.next_touchpoint IS
  'among the touchpoints journeys went to next from last_touchpoint (a repeat excluded), the one most likely to convert; NULL when none';
COMMENT ON COLUMN @extschema@.next_best_action.conversion_probability IS
  'probability of converting from next_touchpoint (absorbing Markov chain)';
