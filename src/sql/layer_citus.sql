
-- ---------------------------------------------------------------------------
-- CX layer on a Citus cluster (doc/scale-out.md, "The CX layer on Citus")
-- ---------------------------------------------------------------------------
-- PostgreSQL inlines the per-profile SQL functions (layer_profile_rows,
-- layer_journey_rows, layer_month_rows, layer_views.sql) inside its planner,
-- after Citus's planner hook has looked at the query.  A query that reaches
-- distributed tables only through them is therefore planned as a local one:
-- over the coordinator's shell tables, which hold no rows (an INSERT ...
-- SELECT, as refresh() runs, silently writes nothing), or refused with 0A000.
-- While a mapped relation (or cxm.identity_map) is a Citus table, each of the
-- three is replaced by a PL/pgSQL function that runs the same query text with
-- EXECUTE, which Citus plans as a distributed query; otherwise they are the
-- inlinable SQL functions, so that a filter on one customer reaches the
-- sources' indexes.  layer_rebuild() (every map_*, unmap, refresh and
-- restore) keeps the form in line with the mappings.

-- layer_citus_table(rel): rel is a Citus distributed or reference table (not
-- a Citus local table, which keeps its rows on the coordinator); false when
-- Citus is not installed
CREATE FUNCTION @extschema@.layer_citus_table(rel pg_catalog.regclass)
RETURNS pg_catalog.bool
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n pg_catalog.int8 := 0;
BEGIN
  IF rel IS NOT NULL AND pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
    -- (Citus's catalog is read by name only when it exists)
    EXECUTE 'SELECT pg_catalog.count(*) FROM pg_catalog.pg_dist_partition p'
            ' WHERE p.logicalrelid = $1 AND (p.partmethod OPERATOR(pg_catalog.<>) ''n'' OR p.colocationid OPERATOR(pg_catalog.<>) 0)'
      INTO n USING rel;
  END IF;
  RETURN n > 0;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_table(pg_catalog.regclass) IS
  'internal: whether the relation is a Citus distributed or reference table (false without Citus)';

-- layer_citus_active(): a mapped relation or the identity map is a Citus
-- table (the per-profile passes then run as distributed queries)
CREATE FUNCTION @extschema@.layer_citus_active()
RETURNS pg_catalog.bool
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT @extschema@.layer_citus_table(pg_catalog.to_regclass('@extschema@.identity_map'))
         OR EXISTS (SELECT 1 FROM @extschema@.sources s WHERE @extschema@.layer_citus_table(s.source))
$$;
COMMENT ON FUNCTION @extschema@.layer_citus_active() IS
  'internal: whether the identity map or a mapped relation is a Citus distributed or reference table';

-- layer_citus_forms(): the three per-profile functions in the form the
-- mappings need.  The PL/pgSQL form keeps the SQL function's text verbatim
-- as a literal (its parameter ids becomes $1 when it runs), so the way back
-- gives the same function again.
CREATE FUNCTION @extschema@.layer_citus_forms()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  pre CONSTANT pg_catalog.text := 'BEGIN RETURN QUERY EXECUTE pg_catalog.regexp_replace(';
  post CONSTANT pg_catalog.text := ', ''\mids\M'', ''$1'', ''g'') USING ids; END';
  citus pg_catalog.bool;
  fn pg_catalog.text;
  f record;
  body pg_catalog.text;
  ddl pg_catalog.text;
BEGIN
  citus := @extschema@.layer_citus_active();
  -- (also the forms generated from them in layer_views.sql: _whole)
  FOREACH fn IN ARRAY ARRAY['layer_profile_rows', 'layer_profile_rows_whole',
                            'layer_journey_rows', 'layer_journey_rows_whole',
                            'layer_month_rows', 'layer_month_rows_whole'] LOOP
    SELECT p.oid, p.prosrc, l.lanname INTO f
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    WHERE p.oid = pg_catalog.to_regprocedure(pg_catalog.format('@extschema@.%I(pg_catalog.text[])', fn));
    CONTINUE WHEN f.oid IS NULL OR (f.lanname = 'plpgsql') = citus;
    IF citus THEN
      body := pre || pg_catalog.quote_literal(f.prosrc) || post;
    ELSIF pg_catalog.starts_with(f.prosrc, pre) AND pg_catalog.right(f.prosrc, pg_catalog.length(post)) = post THEN
      EXECUTE 'SELECT ' || pg_catalog.substr(f.prosrc, pg_catalog.length(pre) + 1,
                                             pg_catalog.length(f.prosrc) - pg_catalog.length(pre) - pg_catalog.length(post))
        INTO body;
    ELSE
      RAISE EXCEPTION 'internal error: %() is not in a form cxm wrote', fn USING ERRCODE = 'XX000';
    END IF;
    -- on the coordinator only (it plans every query of the layer): Citus
    -- would send the new definition to the workers, which it refuses to do
    -- after a parallel query in the same transaction (map_* checks values)
    ddl := pg_catalog.current_setting('citus.enable_ddl_propagation', true);
    PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
    EXECUTE pg_catalog.format('CREATE OR REPLACE FUNCTION @extschema@.%I(ids pg_catalog.text[]) RETURNS %s'
                              ' LANGUAGE %s STABLE PARALLEL SAFE AS %L',
                              fn, pg_catalog.pg_get_function_result(f.oid),
                              CASE WHEN citus THEN 'plpgsql' ELSE 'sql' END, body);
    PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', COALESCE(ddl, 'on'), true);
  END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_forms() IS
  'internal: the per-profile functions as PL/pgSQL (EXECUTE of the same query, which Citus plans) while a mapped relation is a Citus table, else as inlinable SQL';
REVOKE ALL ON FUNCTION @extschema@.layer_citus_forms() FROM PUBLIC;
