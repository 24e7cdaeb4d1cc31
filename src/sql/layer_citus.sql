
-- ---------------------------------------------------------------------------
-- CX layer on a Citus cluster (doc/scale-out.md, "The CX layer on Citus")
-- ---------------------------------------------------------------------------
-- PostgreSQL inlines the per-profile SQL functions (layer_profile_rows,
-- layer_journey_rows, layer_month_rows, layer_kpi_rows, layer_views.sql)
-- inside its planner,
-- after Citus's planner hook has looked at the query.  A query that reaches
-- distributed tables only through them is therefore planned as a local one:
-- over the coordinator's shell tables, which hold no rows (an INSERT ...
-- SELECT, as refresh() runs, silently writes nothing), or refused with 0A000.
-- While a mapped relation (or cxm.identity_map) is a Citus table, each of
-- them is replaced by a PL/pgSQL function that runs the same query text with
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

-- layer_citus_forms(): the per-profile functions in the form the mappings
-- need.  On Citus each is a PL/pgSQL function that runs, with EXECUTE, its
-- query rewritten so that every source is grouped by profile on the workers
-- (layer_citus_live_sql, below); it keeps the SQL function's text verbatim
-- as a constant, so the way back gives the same function again, and it is
-- written again at every rebuild (the rewritten query names the mapped
-- sources).
CREATE FUNCTION @extschema@.layer_citus_forms()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  citus pg_catalog.bool;
  fn pg_catalog.text;
  f record;
  sql_form pg_catalog.text;
  live pg_catalog.text;
  live_of pg_catalog.text;
  body pg_catalog.text;
  ddl pg_catalog.text;
BEGIN
  citus := @extschema@.layer_citus_active();
  -- (also the forms generated from them in layer_views.sql: _whole)
  FOREACH fn IN ARRAY ARRAY['layer_profile_rows', 'layer_profile_rows_whole',
                            'layer_journey_rows', 'layer_journey_rows_whole',
                            'layer_month_rows', 'layer_month_rows_whole',
                            'layer_kpi_rows', 'layer_kpi_rows_whole'] LOOP
    SELECT p.oid, p.prosrc, l.lanname INTO f
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    WHERE p.oid = pg_catalog.to_regprocedure(pg_catalog.format('@extschema@.%I(pg_catalog.text[])', fn));
    CONTINUE WHEN f.oid IS NULL OR (f.lanname = 'sql' AND NOT citus);
    sql_form := @extschema@.layer_citus_sql(fn);
    IF citus THEN
      -- (a function and its _whole form run the same query)
      IF live_of IS DISTINCT FROM pg_catalog.regexp_replace(fn, '_whole$', '') THEN
        live_of := pg_catalog.regexp_replace(fn, '_whole$', '');
        live := @extschema@.layer_citus_live_sql(fn);
      END IF;
      body := pg_catalog.format(E'DECLARE sql_form CONSTANT pg_catalog.text := %s;\nBEGIN RETURN QUERY EXECUTE %s USING ids; END',
                                pg_catalog.quote_literal(sql_form), pg_catalog.quote_literal(live));
      -- (unchanged mappings: nothing to write)
      CONTINUE WHEN f.lanname = 'plpgsql' AND f.prosrc = body;
    ELSE
      body := sql_form;
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
  'internal: the per-profile functions as PL/pgSQL (EXECUTE of their query with each source grouped by profile on the workers, layer_citus_live_sql) while a mapped relation is a Citus table, else as inlinable SQL';
REVOKE ALL ON FUNCTION @extschema@.layer_citus_forms() FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- refresh()'s per-profile pass on the workers (doc/scale-out.md, "The CX
-- layer on Citus")
-- ---------------------------------------------------------------------------
-- A profile's rows are stored under its ids (its orders on the shard of its
-- customer id, its web events on the shards of its cookies), so the
-- per-profile functions cannot group them where they are.  When the stage
-- below is laid out (distributed by customer_id, co-located with the
-- per-profile snapshots), refresh() copies the stitched rows keyed by
-- profile into it, one INSERT ... SELECT per mapped source, which Citus
-- repartitions worker to worker; the per-profile queries then read the stage
-- and group each profile's rows on the shard that holds them and the
-- profile's snapshot rows.  Only the columns the per-profile functions read
-- are kept.  On one node the stage is not used (refresh() groups the
-- touchpoints into layer_touch_stage instead).
CREATE UNLOGGED TABLE @extschema@.layer_citus_touchpoints (
  customer_id pg_catalog.text NOT NULL,
  ts pg_catalog.timestamptz,
  touchpoint pg_catalog.text,
  channel pg_catalog.text,
  campaign pg_catalog.text
);
CREATE UNLOGGED TABLE @extschema@.layer_citus_transactions (
  customer_id pg_catalog.text NOT NULL,
  ts pg_catalog.timestamptz,
  amount pg_catalog.numeric,
  product pg_catalog.text,
  cost pg_catalog.numeric
);
CREATE UNLOGGED TABLE @extschema@.layer_citus_feedback (
  customer_id pg_catalog.text NOT NULL,
  ts pg_catalog.timestamptz,
  score pg_catalog.int4,
  channel pg_catalog.text
);
CREATE UNLOGGED TABLE @extschema@.layer_citus_customers (
  customer_id pg_catalog.text NOT NULL,
  created_at pg_catalog.timestamptz
);
CREATE UNLOGGED TABLE @extschema@.layer_citus_identities (
  customer_id pg_catalog.text NOT NULL,
  anonymous_id pg_catalog.text
);
COMMENT ON TABLE @extschema@.layer_citus_touchpoints IS
  'internal: on Citus, the stitched touchpoints keyed by profile, filled and emptied by refresh() when distributed by customer_id with the per-profile snapshots (doc/scale-out.md)';
COMMENT ON TABLE @extschema@.layer_citus_transactions IS
  'internal: on Citus, the stitched transactions keyed by profile (as layer_citus_touchpoints)';
COMMENT ON TABLE @extschema@.layer_citus_feedback IS
  'internal: on Citus, the stitched answers keyed by profile (as layer_citus_touchpoints)';
COMMENT ON TABLE @extschema@.layer_citus_customers IS
  'internal: on Citus, the customer masters'' rows keyed by customer (as layer_citus_touchpoints; one row per master)';
COMMENT ON TABLE @extschema@.layer_citus_identities IS
  'internal: on Citus, the identity map keyed by customer (as layer_citus_touchpoints)';
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT a.attrelid::pg_catalog.regclass AS rel, a.attname
           FROM pg_catalog.pg_attribute a
           WHERE a.attrelid IN ('@extschema@.layer_citus_touchpoints'::pg_catalog.regclass, '@extschema@.layer_citus_transactions'::pg_catalog.regclass,
                                '@extschema@.layer_citus_feedback'::pg_catalog.regclass, '@extschema@.layer_citus_customers'::pg_catalog.regclass,
                                '@extschema@.layer_citus_identities'::pg_catalog.regclass)
             AND a.attnum > 0 AND NOT a.attisdropped LOOP
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', c.rel, c.attname,
      CASE WHEN c.attname = 'customer_id' THEN 'the profile (the customer id a row is stitched to, or its own anonymous id)'
           ELSE pg_catalog.format('the row''s %s, as in the canonical view', c.attname) END);
  END LOOP;
END $$;
REVOKE ALL ON @extschema@.layer_citus_touchpoints, @extschema@.layer_citus_transactions, @extschema@.layer_citus_feedback,
              @extschema@.layer_citus_customers, @extschema@.layer_citus_identities FROM PUBLIC;

-- layer_citus_staged(): Citus is active and the five stage tables and the
-- three per-profile snapshots are hash-distributed by customer_id in one
-- co-location group (what refresh()'s per-profile pass on the workers needs)
CREATE FUNCTION @extschema@.layer_citus_staged()
RETURNS pg_catalog.bool
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ok pg_catalog.bool;
BEGIN
  IF NOT @extschema@.layer_citus_active() THEN
    RETURN false;
  END IF;
  EXECUTE 'SELECT pg_catalog.count(*) = 8 AND pg_catalog.count(DISTINCT p.colocationid) = 1'
          ' FROM pg_catalog.pg_dist_partition p'
          ' WHERE p.logicalrelid = ANY ($1) AND p.partmethod OPERATOR(pg_catalog.=) ''h'''
          ' AND pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) OPERATOR(pg_catalog.=) ''customer_id'''
    INTO ok
    USING ARRAY['@extschema@.layer_citus_touchpoints', '@extschema@.layer_citus_transactions', '@extschema@.layer_citus_feedback',
                '@extschema@.layer_citus_customers', '@extschema@.layer_citus_identities', '@extschema@.customer_360_snapshot',
                '@extschema@.customer_journeys_snapshot', '@extschema@.profile_months_snapshot']::pg_catalog.regclass[];
  RETURN ok;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_staged() IS
  'internal: whether refresh() runs its per-profile pass on the Citus workers: the stage tables (layer_citus_*) and the per-profile snapshots are distributed by customer_id and co-located';

-- layer_citus_stage_cols(kind): the columns of a kind's canonical view
-- that the per-profile functions read: those of its stage table, in order
-- (customer_id first), with their types (none for identity links, whose
-- stage is the identity map's)
CREATE FUNCTION @extschema@.layer_citus_stage_cols(kind pg_catalog.text)
RETURNS TABLE (col pg_catalog.name, typ pg_catalog.regtype)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT a.attname, a.atttypid::pg_catalog.regtype
  FROM pg_catalog.pg_attribute a
  WHERE kind <> 'identities'
    AND a.attrelid = pg_catalog.to_regclass(pg_catalog.format('@extschema@.%I', 'layer_citus_' || kind))
    AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum
$$;
COMMENT ON FUNCTION @extschema@.layer_citus_stage_cols(pg_catalog.text) IS
  'internal: the columns of a kind that the per-profile functions read, with their types (its Citus stage table''s, hashed by its digests)';

-- layer_citus_stage_sql(ids): the statements that fill the stage with the
-- stitched rows of the profiles ids (NULL: every profile, a full refresh):
-- one INSERT ... SELECT per mapped source (a source's rows stitched on the
-- worker that holds them, against its copy of the identity map, then
-- repartitioned by profile), and one for the identity map.  The ids are
-- written into the statements as a literal, which Citus sends to every
-- shard.
CREATE FUNCTION @extschema@.layer_citus_stage_sql(ids pg_catalog.text[] DEFAULT NULL)
RETURNS SETOF pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s @extschema@.sources;
  k record;
  cols pg_catalog.text;
  q pg_catalog.text;
  w pg_catalog.text := '';
BEGIN
  IF ids IS NOT NULL THEN
    w := pg_catalog.format(' WHERE q.customer_id OPERATOR(pg_catalog.=) ANY (%L::pg_catalog.text[])', ids);
  END IF;
  FOR s IN SELECT x.* FROM @extschema@.sources x ORDER BY x.kind, x.source_name, x.source LOOP
    SELECT * INTO k FROM @extschema@.layer_kinds() y WHERE y.kind = s.kind;
    SELECT pg_catalog.string_agg(c.col::pg_catalog.text, ', ' ORDER BY c.o) INTO cols
    FROM @extschema@.layer_citus_stage_cols(s.kind) WITH ORDINALITY c(col, typ, o);
    CONTINUE WHEN cols IS NULL;
    q := @extschema@.layer_kind_sql(s);
    IF k.stitched THEN
      q := @extschema@.layer_stitch_whole(q, 'r.' || pg_catalog.replace(k.cols, ', ', ', r.'));
    END IF;
    RETURN NEXT pg_catalog.format('INSERT INTO @extschema@.%I (%s) SELECT q.%s FROM (%s) q%s', 'layer_citus_' || s.kind,
                                  cols, pg_catalog.replace(cols, ', ', ', q.'), q, w);
  END LOOP;
  RETURN NEXT 'INSERT INTO @extschema@.layer_citus_identities (customer_id, anonymous_id)'
              ' SELECT q.customer_id, q.anonymous_id FROM @extschema@.identity_map q' || w;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_stage_sql(pg_catalog.text[]) IS
  'internal: the INSERT ... SELECT statements that fill the Citus stage (layer_citus_*) with the stitched rows of the given profiles (NULL: every profile), one per mapped source and one for the identity map';

-- layer_citus_stage(fill, ids): empties the stage, then fills it (fill)
-- with the rows of the profiles ids (NULL: every profile); filling also
-- sends the session's time zone to the workers for the rest of the
-- transaction
CREATE FUNCTION @extschema@.layer_citus_stage(fill pg_catalog.bool, ids pg_catalog.text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  q pg_catalog.text;
BEGIN
  TRUNCATE @extschema@.layer_citus_touchpoints, @extschema@.layer_citus_transactions, @extschema@.layer_citus_feedback,
           @extschema@.layer_citus_customers, @extschema@.layer_citus_identities;
  IF fill THEN
    -- the passes compute months and days in the session's time zone on the
    -- workers: Citus sends them this transaction's SET LOCAL commands
    PERFORM pg_catalog.set_config('citus.propagate_set_commands', 'local', true);
    EXECUTE pg_catalog.format('SET LOCAL TimeZone = %L', pg_catalog.current_setting('TimeZone'));
    FOR q IN SELECT * FROM @extschema@.layer_citus_stage_sql(ids) LOOP
      EXECUTE q;
    END LOOP;
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_stage(pg_catalog.bool, pg_catalog.text[]) IS
  'internal: empties the Citus stage (layer_citus_*) and, when fill, fills it with the stitched rows of the given profiles (NULL: every profile) and sends the session''s time zone to the workers for the transaction';
REVOKE ALL ON FUNCTION @extschema@.layer_citus_stage(pg_catalog.bool, pg_catalog.text[]) FROM PUBLIC;

-- layer_citus_sql(fn): the query text of a per-profile function, in either
-- of its forms (layer_citus_forms)
CREATE FUNCTION @extschema@.layer_citus_sql(fn pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  pre CONSTANT pg_catalog.text := 'DECLARE sql_form CONSTANT pg_catalog.text := ';
  sep CONSTANT pg_catalog.text := E';\nBEGIN RETURN QUERY EXECUTE ';
  f record;
  body pg_catalog.text;
  i pg_catalog.int4;
BEGIN
  SELECT p.prosrc, l.lanname INTO f
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
  WHERE p.oid = pg_catalog.to_regprocedure(pg_catalog.format('@extschema@.%I(pg_catalog.text[])', fn));
  IF f.lanname = 'sql' THEN
    RETURN f.prosrc;
  END IF;
  i := pg_catalog.strpos(f.prosrc, sep);
  IF f.lanname = 'plpgsql' AND pg_catalog.starts_with(f.prosrc, pre) AND i > 0 THEN
    EXECUTE 'SELECT ' || pg_catalog.substr(f.prosrc, pg_catalog.length(pre) + 1, i - pg_catalog.length(pre) - 1)
      INTO body;
    RETURN body;
  END IF;
  RAISE EXCEPTION 'internal error: %() is not in a form cxm wrote', fn USING ERRCODE = 'XX000';
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_sql(pg_catalog.text) IS
  'internal: the query text of a per-profile function (layer_profile_rows, layer_journey_rows, layer_month_rows, layer_kpi_rows and their _whole forms) as an SQL function, in either of its forms';

-- ---------------------------------------------------------------------------
-- The _live views on Citus (doc/scale-out.md, "The _live views on Citus")
-- ---------------------------------------------------------------------------
-- A read cannot fill refresh()'s stage, and a profile's rows lie on the
-- shards of each of its ids.  So the query of a per-profile function is
-- rewritten: each grouping of a stitched kind by profile (SELECT
-- t.customer_id, <aggregates> FROM @extschema@.<kind>_whole t ... GROUP BY
-- t.customer_id) becomes one grouping per mapped source of the kind, each a
-- query over one distributed table (and the reference identity map) that
-- Citus computes as partial aggregates on the workers, and an outer
-- grouping that merges a profile's partial rows of all sources on the
-- coordinator.  Each aggregate call becomes a pair:
--   count -> count, then sum; sum, min, max -> the same twice;
--   array_agg -> array_agg, then layer_array_cat_agg;
--   layer_touch_agg, layer_touch_times_agg, rfm -> layer_touch_state_agg or
--   layer_rfm_state_agg, then their _merge_agg.
-- An aggregate with DISTINCT or ORDER BY cannot be split and is refused.

-- layer_citus_close(s, i): the position of the parenthesis that closes the
-- one at position i of s (outside quotes)
CREATE FUNCTION @extschema@.layer_citus_close(s pg_catalog.text, i pg_catalog.int4)
RETURNS pg_catalog.int4
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  depth pg_catalog.int4 := 0;
  quoted pg_catalog.bool := false;
  ch pg_catalog.text;
BEGIN
  FOR j IN i .. pg_catalog.length(s) LOOP
    ch := pg_catalog.substr(s, j, 1);
    IF ch = '''' THEN
      quoted := NOT quoted;
    ELSIF NOT quoted AND ch = '(' THEN
      depth := depth + 1;
    ELSIF NOT quoted AND ch = ')' THEN
      depth := depth - 1;
      IF depth = 0 THEN
        RETURN j;
      END IF;
    END IF;
  END LOOP;
  RAISE EXCEPTION 'internal error: unbalanced parentheses in a per-profile query' USING ERRCODE = 'XX000';
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_close(pg_catalog.text, pg_catalog.int4) IS
  'internal: the position of the parenthesis closing the one at the given position (quotes skipped)';

-- layer_citus_items(list): a select list split at its commas outside
-- parentheses and quotes, each item trimmed
CREATE FUNCTION @extschema@.layer_citus_items(list pg_catalog.text)
RETURNS pg_catalog.text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  j pg_catalog.int4 := 1;
  start pg_catalog.int4 := 1;
  ch pg_catalog.text;
  items pg_catalog.text[] := '{}';
BEGIN
  WHILE j <= pg_catalog.length(list) LOOP
    ch := pg_catalog.substr(list, j, 1);
    IF ch = '(' THEN
      j := @extschema@.layer_citus_close(list, j);
    ELSIF ch = '''' THEN
      -- to the quote that ends the literal (a doubled quote ends it and
      -- starts the rest at once)
      j := j + pg_catalog.strpos(pg_catalog.substr(list, j + 1), '''');
    ELSIF ch = ',' THEN
      items := items || pg_catalog.btrim(pg_catalog.substr(list, start, j - start), E' \n');
      start := j + 1;
    END IF;
    j := j + 1;
  END LOOP;
  RETURN items || pg_catalog.btrim(pg_catalog.substr(list, start), E' \n');
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_items(pg_catalog.text) IS
  'internal: the items of a select list (split at the commas outside parentheses and quotes)';

-- layer_citus_live_sql(fn): the query of per-profile function fn (and of
-- its _whole form: the same rows) as its Citus form runs it, with $1 for
-- its parameter
CREATE FUNCTION @extschema@.layer_citus_live_sql(fn pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  agg CONSTANT pg_catalog.text :=
    '(pg_catalog\.(count|sum|min|max|array_agg)|@extschema@\.(layer_touch_agg|layer_touch_times_agg|rfm))\(';
  -- (m[1]: the whole FROM ... GROUP BY; m[2]: the kind; m[3]: its alias;
  -- m[4]: the settings' join; m[5]: the condition)
  block CONSTANT pg_catalog.text :=
    '^(FROM @extschema@\.([a-z]+)_whole ([a-z]+)( CROSS JOIN cfg c)?\s+WHERE ([^\n]+)\s+GROUP BY \3\.customer_id)';
  body pg_catalog.text;
  m pg_catalog.text[];
  k record;
  s @extschema@.sources;
  from_at pg_catalog.int4;
  sel_at pg_catalog.int4;
  pre pg_catalog.text;
  item pg_catalog.text;
  outer_items pg_catalog.text[];
  inner_aggs pg_catalog.text[];
  branches pg_catalog.text[];
  n pg_catalog.int4;
  at pg_catalog.int4;
  open_at pg_catalog.int4;
  close_at pg_catalog.int4;
  call_end pg_catalog.int4;
  name pg_catalog.text;
  call pg_catalog.text;
  merged pg_catalog.text;
  q pg_catalog.text;
BEGIN
  body := @extschema@.layer_citus_sql(pg_catalog.regexp_replace(fn, '_whole$', '') || '_whole');
  body := pg_catalog.regexp_replace(body, '\mids\M', '$1', 'g');
  LOOP
    from_at := pg_catalog.regexp_instr(body, 'FROM @extschema@\.(touchpoints|transactions|feedback)_whole ');
    EXIT WHEN from_at = 0;
    -- the block: from the last SELECT before its FROM to its GROUP BY
    m := pg_catalog.regexp_match(pg_catalog.substr(body, from_at), block);
    pre := pg_catalog.substr(body, 1, from_at - 1);
    sel_at := pg_catalog.length(pre) - pg_catalog.strpos(pg_catalog.reverse(pre), ' TCELES') - 5;
    IF m IS NULL OR sel_at < 1 THEN
      RAISE EXCEPTION 'internal error: %() groups a stitched kind in a way layer_citus_live_sql does not know', fn
        USING ERRCODE = 'XX000';
    END IF;
    SELECT * INTO k FROM @extschema@.layer_kinds() y WHERE y.kind = m[2];
    -- each aggregate call of the select list: its partial form for the
    -- sources' groupings (p1, p2, ...), its merge in the outer one
    outer_items := '{}';
    inner_aggs := '{}';
    n := 0;
    -- (the list without its comments, whose words and quotes are not SQL)
    FOREACH item IN ARRAY @extschema@.layer_citus_items(pg_catalog.regexp_replace(pg_catalog.substr(pre, sel_at + 7),
                                                                                  '--[^\n]*', '', 'g')) LOOP
      at := 1;
      LOOP
        open_at := pg_catalog.regexp_instr(item, agg, at);
        EXIT WHEN open_at = 0;
        name := (pg_catalog.regexp_match(pg_catalog.substr(item, open_at), '^' || agg))[1];
        close_at := @extschema@.layer_citus_close(item, open_at + pg_catalog.length(name));
        call_end := close_at;
        IF pg_catalog.substr(item, close_at + 1) ~ '^\s*FILTER\s*\(' THEN
          call_end := @extschema@.layer_citus_close(item, close_at + pg_catalog.strpos(pg_catalog.substr(item, close_at + 1), '('));
        END IF;
        call := pg_catalog.substr(item, open_at, call_end - open_at + 1);
        IF pg_catalog.substr(item, open_at + pg_catalog.length(name) + 1, close_at - open_at - pg_catalog.length(name) - 1)
           ~* '^\s*DISTINCT\M|\mORDER\s+BY\M' THEN
          RAISE EXCEPTION 'internal error: %() has an aggregate that cannot be split: %', fn, call USING ERRCODE = 'XX000';
        END IF;
        n := n + 1;
        inner_aggs := inner_aggs || pg_catalog.format('%s AS p%s',
          CASE name WHEN '@extschema@.layer_touch_agg' THEN '@extschema@.layer_touch_state_agg' || pg_catalog.substr(call, pg_catalog.length(name) + 1)
                    WHEN '@extschema@.layer_touch_times_agg' THEN '@extschema@.layer_touch_state_agg' || pg_catalog.substr(call, pg_catalog.length(name) + 1)
                    WHEN '@extschema@.rfm' THEN '@extschema@.layer_rfm_state_agg' || pg_catalog.substr(call, pg_catalog.length(name) + 1)
                    ELSE call END, n);
        merged := pg_catalog.format(
          CASE name WHEN 'pg_catalog.count' THEN '(pg_catalog.sum(%1$s.p%2$s))::pg_catalog.int8'
                    WHEN 'pg_catalog.array_agg' THEN '@extschema@.layer_array_cat_agg(%1$s.p%2$s)'
                    WHEN '@extschema@.layer_touch_agg' THEN '@extschema@.layer_touch_merge_agg(%1$s.p%2$s)'
                    WHEN '@extschema@.layer_touch_times_agg' THEN '@extschema@.layer_touch_times_merge_agg(%1$s.p%2$s)'
                    WHEN '@extschema@.rfm' THEN '@extschema@.layer_rfm_merge_agg(%1$s.p%2$s)'
                    ELSE name || '(%1$s.p%2$s)' END, m[3], n);
        item := pg_catalog.substr(item, 1, open_at - 1) || merged || pg_catalog.substr(item, call_end + 1);
        at := open_at + pg_catalog.length(merged);
      END LOOP;
      IF item ~ pg_catalog.format('\m%s\.(?!customer_id\M|p[0-9]+\M)', m[3]) THEN
        RAISE EXCEPTION 'internal error: %() reads % outside an aggregate: %', fn, m[3], item USING ERRCODE = 'XX000';
      END IF;
      outer_items := outer_items || item;
    END LOOP;
    -- one grouping per mapped source of the kind (its rows stitched as in
    -- the _whole view)
    branches := '{}';
    FOR s IN SELECT x.* FROM @extschema@.sources x WHERE x.kind = m[2] ORDER BY x.source_name, x.source LOOP
      q := @extschema@.layer_stitch_whole(@extschema@.layer_kind_sql(s), 'r.' || pg_catalog.replace(k.cols, ', ', ', r.'));
      branches := branches || pg_catalog.format('SELECT %1$s.customer_id, %2$s FROM (%3$s) %1$s%4$s WHERE %5$s GROUP BY %1$s.customer_id',
                                                m[3], pg_catalog.array_to_string(inner_aggs, ', '), q, COALESCE(m[4], ''), m[5]);
    END LOOP;
    IF pg_catalog.cardinality(branches) = 0 THEN
      branches := ARRAY[pg_catalog.format('SELECT %1$s.customer_id, %2$s FROM (SELECT %3$s WHERE false) %1$s%4$s GROUP BY %1$s.customer_id',
                                          m[3], pg_catalog.array_to_string(inner_aggs, ', '), k.empty, COALESCE(m[4], ''))];
    END IF;
    body := pg_catalog.substr(body, 1, sel_at - 1)
            || pg_catalog.format('SELECT %1$s FROM (%2$s) %3$s GROUP BY %3$s.customer_id',
                                 pg_catalog.array_to_string(outer_items, ', '),
                                 pg_catalog.array_to_string(branches, ' UNION ALL '), m[3])
            || pg_catalog.substr(body, from_at + pg_catalog.length(m[1]));
  END LOOP;
  RETURN body;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_live_sql(pg_catalog.text) IS
  'internal: the query of a per-profile function as its Citus form runs it ($1: its parameter): each stitched kind grouped by profile per mapped source, as partial aggregates on the workers, merged by profile on the coordinator';

-- layer_citus_consts(body, ctes, aliases): body without the CTEs ctes (the
-- settings and the models: tables of the coordinator, one row each), their
-- joins removed and their columns (alias.column) replaced by their values
-- as typed constants
CREATE FUNCTION @extschema@.layer_citus_consts(body pg_catalog.text, ctes pg_catalog.text[], aliases pg_catalog.text[])
RETURNS pg_catalog.text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src CONSTANT pg_catalog.text := body;
  k pg_catalog.int4;
  head pg_catalog.text;
  i pg_catalog.int4;
  j pg_catalog.int4;
  v pg_catalog.text;
  a record;
  refs pg_catalog.text[] := '{}';
  vals pg_catalog.text[] := '{}';
  alt pg_catalog.text;
BEGIN
  FOR k IN 1 .. pg_catalog.cardinality(ctes) LOOP
    -- the CTE: from "<name> AS (" to the first line that closes it, with
    -- ", " before the next CTE or a line break after the last one
    head := pg_catalog.format(E'%s AS (\n', ctes[k]);
    i := pg_catalog.strpos(src, head);
    j := i + pg_catalog.strpos(pg_catalog.substr(src, i), E'\n)') - 1;
    IF i = 0 OR j < i THEN
      RAISE EXCEPTION 'internal error: no CTE % in a per-profile query', ctes[k] USING ERRCODE = 'XX000';
    END IF;
    -- its row, computed here with the CTEs before it
    EXECUTE 'CREATE TEMP TABLE cxm_citus_consts AS ' || pg_catalog.substr(src, 1, j + 1)
            || pg_catalog.format(' SELECT * FROM %I', ctes[k]);
    -- the settings have their row; no models row reads as NULLs (the query
    -- joins them with LEFT JOIN ... ON true)
    IF NOT EXISTS (SELECT 1 FROM cxm_citus_consts)
       AND pg_catalog.strpos(src, pg_catalog.format('LEFT JOIN %s ON true', ctes[k])) = 0 THEN
      RAISE EXCEPTION 'internal error: no row in CTE %', ctes[k] USING ERRCODE = 'XX000';
    END IF;
    FOR a IN SELECT x.attname, pg_catalog.format_type(x.atttypid, x.atttypmod) AS typ
             FROM pg_catalog.pg_attribute x
             WHERE x.attrelid = 'cxm_citus_consts'::pg_catalog.regclass AND x.attnum > 0 AND NOT x.attisdropped LOOP
      EXECUTE pg_catalog.format('SELECT c.%I::pg_catalog.text FROM cxm_citus_consts c', a.attname) INTO v;
      refs := refs || pg_catalog.format('\m%s\.%s\M', aliases[k], a.attname);
      vals := vals || pg_catalog.format('%s::%s', pg_catalog.quote_nullable(v), a.typ);
    END LOOP;
    DROP TABLE cxm_citus_consts;
    -- the CTE and its joins go (the WITH too when nothing is left of it)
    body := pg_catalog.replace(body, pg_catalog.substr(src, i, j + CASE WHEN pg_catalog.substr(src, j + 2, 1) = ',' THEN 4 ELSE 3 END - i), '');
    body := pg_catalog.regexp_replace(body, E'\\mWITH\\s+SELECT\\M', 'SELECT');
    body := pg_catalog.regexp_replace(body, pg_catalog.format('\s+CROSS JOIN %s %s\M', ctes[k], aliases[k]), '', 'g');
    body := pg_catalog.regexp_replace(body, pg_catalog.format('\s+LEFT JOIN %s ON true\M', ctes[k]), '', 'g');
  END LOOP;
  -- a line that lists only such columns is part of a select list: each
  -- keeps its name
  alt := pg_catalog.format('(%s)\.[a-z_]+', pg_catalog.array_to_string(aliases, '|'));
  body := (SELECT pg_catalog.string_agg(
                    CASE WHEN u.l ~ pg_catalog.format('^\s+%1$s(, %1$s)*,?$', alt)
                         THEN pg_catalog.regexp_replace(u.l, pg_catalog.format('\m(%s)\.([a-z_]+)\M', pg_catalog.array_to_string(aliases, '|')),
                                                        '\1.\2 AS \2', 'g')
                         ELSE u.l END, E'\n' ORDER BY u.n)
           FROM pg_catalog.unnest(pg_catalog.string_to_array(body, E'\n')) WITH ORDINALITY u(l, n));
  FOR k IN 1 .. pg_catalog.cardinality(refs) LOOP
    body := pg_catalog.regexp_replace(body, refs[k], vals[k], 'g');
  END LOOP;
  IF body ~ pg_catalog.format('\m(%s)\M', pg_catalog.array_to_string(ctes, '|')) THEN
    RAISE EXCEPTION 'internal error: a CTE of % is still read', ctes USING ERRCODE = 'XX000';
  END IF;
  RETURN body;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_consts(pg_catalog.text, pg_catalog.text[], pg_catalog.text[]) IS
  'internal: a per-profile query without its CTEs of the settings and the models (coordinator tables), their columns replaced by their current values as constants';
REVOKE ALL ON FUNCTION @extschema@.layer_citus_consts(pg_catalog.text, pg_catalog.text[], pg_catalog.text[]) FROM PUBLIC;

-- layer_citus_pass_sql(fn): the query of per-profile function fn as
-- a full refresh() runs it on Citus: over the stage instead of the
-- canonical views, with the settings and the
-- models as constants and every CTE inlined, so that Citus pushes the whole
-- query down to the shards, each grouping its profiles' rows.  Citus does
-- not push down a full join on a COALESCE of two distribution columns, so
-- the monthly facts list their profiles from the stage, as the journeys do.
CREATE FUNCTION @extschema@.layer_citus_pass_sql(fn pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  body pg_catalog.text;
  full_join CONSTANT pg_catalog.text :=
    E'SELECT COALESCE(tt.customer_id, tx.customer_id, fb.customer_id), m.*\n'
    || E'FROM tt\n'
    || E'FULL JOIN tx ON tx.customer_id OPERATOR(pg_catalog.=) tt.customer_id\n'
    || E'FULL JOIN fb ON fb.customer_id OPERATOR(pg_catalog.=) COALESCE(tt.customer_id, tx.customer_id)\n';
BEGIN
  body := @extschema@.layer_citus_sql(fn);
  IF pg_catalog.strpos(body, full_join) > 0 THEN
    body := pg_catalog.replace(body, full_join,
      E'SELECT e.customer_id, m.*\n'
      || E'FROM (SELECT t.customer_id FROM @extschema@.touchpoints t UNION SELECT x.customer_id FROM @extschema@.transactions x'
      || E' UNION SELECT f.customer_id FROM @extschema@.feedback f) e\n'
      || E'LEFT JOIN tt ON tt.customer_id OPERATOR(pg_catalog.=) e.customer_id\n'
      || E'LEFT JOIN tx ON tx.customer_id OPERATOR(pg_catalog.=) e.customer_id\n'
      || E'LEFT JOIN fb ON fb.customer_id OPERATOR(pg_catalog.=) e.customer_id\n');
  END IF;
  body := pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(body,
            '@extschema@.touchpoints ', '@extschema@.layer_citus_touchpoints '),
            '@extschema@.transactions ', '@extschema@.layer_citus_transactions '),
            '@extschema@.feedback ', '@extschema@.layer_citus_feedback '),
            '@extschema@.identity_map ', '@extschema@.layer_citus_identities '),
            '@extschema@.customers x',
            '(SELECT u.customer_id, pg_catalog.min(u.created_at) AS created_at FROM @extschema@.layer_citus_customers u GROUP BY u.customer_id) x');
  body := pg_catalog.regexp_replace(body, '\mids\M', 'NULL::pg_catalog.text[]', 'g');
  IF pg_catalog.strpos(body, E'), mdl AS (\n') > 0 THEN
    body := @extschema@.layer_citus_consts(body, '{cfg,mdl}', '{c,mdl}');
  ELSE
    body := @extschema@.layer_citus_consts(body, '{cfg}', '{c}');
  END IF;
  -- every CTE inlined (Citus plans a CTE it does not inline as a subplan)
  body := pg_catalog.regexp_replace(body, E'(WITH|\\),) ([a-z_]+) AS \\(\n', E'\\1 \\2 AS NOT MATERIALIZED (\n', 'g');
  IF body ~ '@extschema@\.(touchpoints|transactions|feedback|customers|identity_map|settings|models)\M|FULL JOIN' THEN
    RAISE EXCEPTION 'internal error: %() reads a relation the Citus stage does not replace', fn USING ERRCODE = 'XX000';
  END IF;
  RETURN body;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_pass_sql(pg_catalog.text) IS
  'internal: the query of a per-profile function as refresh() runs it on Citus: over the stage (layer_citus_*), settings and models as constants, every CTE inlined, so that each shard groups its profiles';
REVOKE ALL ON FUNCTION @extschema@.layer_citus_pass_sql(pg_catalog.text) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Change detection on Citus: digests of the sources' rows (doc/scale-out.md,
-- "Incremental refresh on Citus")
-- ---------------------------------------------------------------------------
-- Citus refuses the capture triggers on its tables, so refresh() finds what
-- changed in a mapped Citus table by comparing digests: for every id of the
-- source (the mapped id column's value, before stitching), the number of its
-- canonical rows and two sums of a 64-bit hash of each row (with two seeds),
-- over the columns the per-profile functions read.  A sum does not depend on the order of the rows, so each worker
-- computes the digests of its shards (grouped by the distribution column)
-- and they go, repartitioned by id, into layer_citus_digest_new; the ids
-- whose digest differs from the one stored at the previous refresh
-- (layer_citus_digest) are the changed ids, which refresh() turns into
-- profiles as it does with the change log's.  The identity links need no
-- digest: refresh() compares cxm.identity_map with them at every refresh.
CREATE TABLE @extschema@.layer_citus_digest (
  kind pg_catalog.text NOT NULL,
  source pg_catalog.oid NOT NULL,
  raw_id pg_catalog.text NOT NULL,
  n pg_catalog.int8 NOT NULL,
  h1 pg_catalog.numeric NOT NULL,
  h2 pg_catalog.numeric NOT NULL,
  PRIMARY KEY (raw_id, kind, source)
);
CREATE UNLOGGED TABLE @extschema@.layer_citus_digest_new (
  kind pg_catalog.text NOT NULL,
  source pg_catalog.oid NOT NULL,
  raw_id pg_catalog.text NOT NULL,
  n pg_catalog.int8 NOT NULL,
  h1 pg_catalog.numeric NOT NULL,
  h2 pg_catalog.numeric NOT NULL
);
COMMENT ON TABLE @extschema@.layer_citus_digest IS
  'internal: on Citus, per mapped id of each mapped Citus table, the digest of its rows at the last refresh() (doc/scale-out.md)';
COMMENT ON TABLE @extschema@.layer_citus_digest_new IS
  'internal: on Citus, the digests computed by refresh() (several rows per id when the source is not distributed by it), compared with layer_citus_digest, then emptied';
DO $$
DECLARE
  t pg_catalog.text;
BEGIN
  FOREACH t IN ARRAY ARRAY['layer_citus_digest', 'layer_citus_digest_new'] LOOP
    EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.kind IS %L', t, 'kind of the mapping');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.source IS %L', t, 'the mapped relation (its oid on the coordinator)');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.raw_id IS %L', t, 'the mapped id column''s value, as text (before stitching)');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.n IS %L', t, 'rows of the id in the canonical view of the source');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.h1 IS %L', t, 'sum of hash_record_extended(row, seed 1) over those rows (exact)');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.h2 IS %L', t, 'sum of hash_record_extended(row, seed 2) over those rows (exact)');
  END LOOP;
END $$;
REVOKE ALL ON @extschema@.layer_citus_digest, @extschema@.layer_citus_digest_new FROM PUBLIC;

-- layer_citus_digest_sql(): the statements of layer_citus_digest, by step:
-- 'compute', one INSERT ... SELECT per co-location group of the mapped
-- Citus tables (but identity links) that puts the digests of their ids into
-- layer_citus_digest_new;
-- 'remove', the DELETE of the stored digests that differ from the new ones
-- or have none; 'add', the INSERT ... SELECT of the new digests that are
-- not stored (after 'remove': the changed and the new ids).  Both return
-- the ids they touch: the changed ids.  Both tables are distributed by the
-- id, so each worker compares and writes its own shards; an unchanged id's
-- stored digest is not written again.  A row's hash is hash_record_extended over the
-- columns the per-profile functions read (layer_citus_stage_cols): each
-- column's own 64-bit hash (a time's, not its text's, so that a digest does
-- not depend on the session's time zone), but amounts as text, whose
-- hash keeps their scale (10.5 and 10.50 print differently).  A
-- hash-distributed source is grouped by its distribution column too, so
-- that Citus groups each shard on its worker.
CREATE FUNCTION @extschema@.layer_citus_digest_sql()
RETURNS TABLE (step pg_catalog.text, q pg_catalog.text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s @extschema@.sources;
  r record;
  k record;
  idcol pg_catalog.text;
  rowtext pg_catalog.text;
  k_sql pg_catalog.text;
  w pg_catalog.text;
  grp pg_catalog.int8;
  parts pg_catalog.text[] := '{}';
BEGIN
  step := 'compute';
  -- (Citus's catalog is read by name: it exists when a source is a Citus table)
  FOR r IN EXECUTE
    'SELECT x AS s, p.colocationid::pg_catalog.int8 AS grp,'
    ' CASE WHEN p.partmethod OPERATOR(pg_catalog.=) ''h'' THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END AS dist'
    ' FROM @extschema@.sources x JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid OPERATOR(pg_catalog.=) x.source'
    ' WHERE x.kind OPERATOR(pg_catalog.<>) ''identities'''
    ' AND (p.partmethod OPERATOR(pg_catalog.<>) ''n'' OR p.colocationid OPERATOR(pg_catalog.<>) 0)'
    ' ORDER BY p.colocationid, x.kind, x.source_name, x.source'
  LOOP
    -- the sources of one co-location group in one statement (a UNION ALL,
    -- which Citus runs shard by shard): one repartitioning instead of one
    -- per source
    IF r.grp IS DISTINCT FROM grp AND pg_catalog.cardinality(parts) > 0 THEN
      q := 'INSERT INTO @extschema@.layer_citus_digest_new (kind, source, raw_id, n, h1, h2) '
           || pg_catalog.array_to_string(parts, ' UNION ALL ');
      RETURN NEXT;
      parts := '{}';
    END IF;
    grp := r.grp;
    s := r.s;
    SELECT * INTO k FROM @extschema@.layer_kinds() y WHERE y.kind = s.kind;
    -- the stage's columns (customer_id: the id, raw_id in a stitched kind's
    -- canonical view), numeric ones as text
    idcol := CASE WHEN k.stitched THEN 'raw_id' ELSE 'customer_id' END;
    SELECT pg_catalog.string_agg(CASE WHEN c.col = 'customer_id' THEN 'q.' || idcol
                                      WHEN c.typ = 'pg_catalog.numeric'::pg_catalog.regtype
                                      THEN pg_catalog.format('q.%I::pg_catalog.text', c.col)
                                      ELSE pg_catalog.format('q.%I', c.col) END, ', ' ORDER BY c.o)
      INTO rowtext
    FROM @extschema@.layer_citus_stage_cols(s.kind) WITH ORDINALITY c(col, typ, o);
    k_sql := @extschema@.layer_kind_sql(s);
    IF r.dist IS NOT NULL THEN
      k_sql := pg_catalog.format('SELECT s.%I AS cxm_dist, ', r.dist) || pg_catalog.substr(k_sql, pg_catalog.length('SELECT ') + 1);
    END IF;
    parts := parts || pg_catalog.format(
      'SELECT %L, %s::pg_catalog.oid, r.id, pg_catalog.count(*),'
      ' pg_catalog.sum(pg_catalog.hash_record_extended(r.t, 1668836721)), pg_catalog.sum(pg_catalog.hash_record_extended(r.t, 1668836722))'
      ' FROM (SELECT %s q.%I AS id, ROW(%s) AS t FROM (%s) q) r GROUP BY %s r.id',
      s.kind, s.source::pg_catalog.oid, CASE WHEN r.dist IS NULL THEN '' ELSE 'q.cxm_dist,' END, idcol, rowtext, k_sql,
      CASE WHEN r.dist IS NULL THEN '' ELSE 'r.cxm_dist,' END);
  END LOOP;
  IF pg_catalog.cardinality(parts) > 0 THEN
    q := 'INSERT INTO @extschema@.layer_citus_digest_new (kind, source, raw_id, n, h1, h2) '
         || pg_catalog.array_to_string(parts, ' UNION ALL ');
    RETURN NEXT;
  END IF;
  -- (an id's new digest: the sum of its partial digests)
  w := '(SELECT d.raw_id, d.kind, d.source, pg_catalog.sum(d.n) AS n, pg_catalog.sum(d.h1) AS h1, pg_catalog.sum(d.h2) AS h2'
       ' FROM @extschema@.layer_citus_digest_new d GROUP BY d.raw_id, d.kind, d.source) w';
  step := 'remove';
  q := 'DELETE FROM @extschema@.layer_citus_digest o WHERE NOT EXISTS (SELECT 1 FROM ' || w
       || ' WHERE w.raw_id OPERATOR(pg_catalog.=) o.raw_id AND w.kind OPERATOR(pg_catalog.=) o.kind'
       ' AND w.source OPERATOR(pg_catalog.=) o.source AND w.n OPERATOR(pg_catalog.=) o.n'
       ' AND w.h1 OPERATOR(pg_catalog.=) o.h1 AND w.h2 OPERATOR(pg_catalog.=) o.h2)'
       ' RETURNING o.kind, o.source, o.raw_id';
  RETURN NEXT;
  step := 'add';
  q := 'INSERT INTO @extschema@.layer_citus_digest AS o (kind, source, raw_id, n, h1, h2)'
       ' SELECT w.kind, w.source, w.raw_id, w.n, w.h1, w.h2 FROM ' || w
       || ' WHERE NOT EXISTS (SELECT 1 FROM @extschema@.layer_citus_digest x WHERE x.raw_id OPERATOR(pg_catalog.=) w.raw_id'
       ' AND x.kind OPERATOR(pg_catalog.=) w.kind AND x.source OPERATOR(pg_catalog.=) w.source)'
       ' RETURNING o.kind, o.source, o.raw_id';
  RETURN NEXT;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_digest_sql() IS
  'internal: the statements of layer_citus_digest: compute (the digests of the ids of each mapped Citus table but identity links, into layer_citus_digest_new), remove (the stored digests that changed or are gone) and add (the new and changed digests)';

-- layer_citus_digest(compare): computes the digests of the mapped Citus
-- tables and stores them as those of this refresh; when compare, lists in
-- pg_temp.cxm_refresh_digest_changes (kind, source, raw_id) the ids whose
-- digest changed since the last refresh (a new or a gone id too); returns
-- how many
CREATE FUNCTION @extschema@.layer_citus_digest(compare pg_catalog.bool)
RETURNS pg_catalog.int8
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  x record;
  n pg_catalog.int8 := 0;
BEGIN
  TRUNCATE @extschema@.layer_citus_digest_new;
  FOR x IN SELECT * FROM @extschema@.layer_citus_digest_sql() LOOP
    IF x.step <> 'compute' AND compare THEN
      EXECUTE pg_catalog.format('WITH x AS (%s) INSERT INTO pg_temp.cxm_refresh_digest_changes (kind, source, raw_id)'
                                ' SELECT x.kind, x.source, x.raw_id FROM x', x.q);
    ELSE
      EXECUTE x.q;
    END IF;
  END LOOP;
  IF compare THEN
    SELECT pg_catalog.count(*) INTO n FROM (SELECT DISTINCT d.kind, d.source, d.raw_id FROM pg_temp.cxm_refresh_digest_changes d) d;
  END IF;
  TRUNCATE @extschema@.layer_citus_digest_new;
  RETURN n;
END $$;
COMMENT ON FUNCTION @extschema@.layer_citus_digest(pg_catalog.bool) IS
  'internal: computes and stores the digests of the mapped Citus tables'' ids; when compare, lists the ids whose digest changed since the last refresh in pg_temp.cxm_refresh_digest_changes';
REVOKE ALL ON FUNCTION @extschema@.layer_citus_digest(pg_catalog.bool) FROM PUBLIC;
