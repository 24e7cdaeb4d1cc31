-- ---------------------------------------------------------------------------
-- CX layer: the kinds of mapping (doc/layer.md, "Mapping")
-- ---------------------------------------------------------------------------
-- One table of kinds drives the canonical views: each kind's columns are
-- written here once (name and type), and the empty view (nothing mapped), the
-- column list of each mapped branch and the rebuild (layer_mapping.sql) are
-- derived from them.  A view only gains columns at the end (CREATE OR
-- REPLACE VIEW keeps the views built on it valid).  A stitched kind starts
-- with customer_id and anonymous_id, which the stitching provides.
CREATE FUNCTION @extschema@.layer_kinds()
RETURNS TABLE (kind pg_catalog.text, stitched pg_catalog.bool, cols pg_catalog.text, empty pg_catalog.text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT k.kind, k.stitched,
         (SELECT pg_catalog.string_agg(pg_catalog.split_part(c.c, ' ', 1), ', ' ORDER BY c.o)
          FROM pg_catalog.unnest(k.columns) WITH ORDINALITY c(c, o) WHERE NOT k.stitched OR c.o > 2),
         (SELECT pg_catalog.string_agg(pg_catalog.format('NULL::%s AS %s', pg_catalog.split_part(c.c, ' ', 2),
                                                         pg_catalog.split_part(c.c, ' ', 1)), ', ' ORDER BY c.o)
          FROM pg_catalog.unnest(k.columns) WITH ORDINALITY c(c, o))
  FROM (VALUES
    (1, 'identities', false, ARRAY['anonymous_id pg_catalog.text', 'customer_id pg_catalog.text', 'source pg_catalog.text']),
    (2, 'touchpoints', true, ARRAY['customer_id pg_catalog.text', 'anonymous_id pg_catalog.text', 'touchpoint pg_catalog.text',
      'ts pg_catalog.timestamptz', 'channel pg_catalog.text', 'source pg_catalog.text', 'campaign pg_catalog.text',
      'utm_source pg_catalog.text', 'utm_medium pg_catalog.text', 'referrer pg_catalog.text', 'properties pg_catalog.jsonb']),
    (3, 'transactions', true, ARRAY['customer_id pg_catalog.text', 'anonymous_id pg_catalog.text', 'ts pg_catalog.timestamptz',
      'amount pg_catalog.numeric', 'product pg_catalog.text', 'source pg_catalog.text', 'cost pg_catalog.numeric']),
    (4, 'feedback', true, ARRAY['customer_id pg_catalog.text', 'anonymous_id pg_catalog.text', 'ts pg_catalog.timestamptz',
      'score pg_catalog.int4', 'source pg_catalog.text', 'channel pg_catalog.text', 'comment pg_catalog.text']),
    (5, 'customers', false, ARRAY['customer_id pg_catalog.text', 'created_at pg_catalog.timestamptz', 'source pg_catalog.text'])
  ) k(o, kind, stitched, columns)
  ORDER BY k.o
$$;
COMMENT ON FUNCTION @extschema@.layer_kinds() IS
  'internal: the kinds of mapping, whether their rows are identity-stitched, their columns, and the empty view of each';
