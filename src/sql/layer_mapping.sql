
-- ---------------------------------------------------------------------------
-- CX layer: mappings, identity stitching and change capture (doc/layer.md)
-- ---------------------------------------------------------------------------
-- * cxm.identity_map holds one customer per anonymous id (the smallest one
--   when an id is linked to several).  The canonical views stitch against it
--   in two branches per source (rows of unlinked ids, rows of linked ids), so
--   the planner sees real statistics and a filter on customer_id reaches the
--   sources' own indexes.  map_identities and unmap rebuild it, the capture
--   triggers of table sources keep it current, and every refresh() checks it.
--   The trigger on cxm.sources does not touch it: during a restore the
--   mappings arrive before the mapped tables' rows, and the dumped map is
--   restored as it was.
-- * map_* installs capture triggers on table sources: statement triggers that
--   log the changed rows' ids into cxm.change_log, from which refresh() finds
--   the profiles to recompute (doc/layer.md, "Incremental refresh").

-- An inserted settings row (a restore's COPY, any INSERT) replaces the one row.
CREATE FUNCTION @extschema@.layer_settings_insert()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  DELETE FROM @extschema@.settings x WHERE x.id;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.layer_settings_insert() IS
  'internal: an INSERT into cxm.settings (for example by a restore) replaces the one settings row';
CREATE TRIGGER settings_insert BEFORE INSERT ON @extschema@.settings
FOR EACH ROW EXECUTE FUNCTION @extschema@.layer_settings_insert();
COMMENT ON TRIGGER settings_insert ON @extschema@.settings IS 'an inserted row replaces the settings row';

ALTER TABLE @extschema@.sources ADD COLUMN captured pg_catalog.bool NOT NULL DEFAULT false;
COMMENT ON COLUMN @extschema@.sources.captured IS
  'true when map_* installed capture triggers on the source (a table): refresh() then recomputes only what its changes touch';

CREATE TABLE @extschema@.identity_map (
  anonymous_id pg_catalog.text PRIMARY KEY,
  customer_id  pg_catalog.text NOT NULL
);
CREATE INDEX identity_map_customer ON @extschema@.identity_map (customer_id);
COMMENT ON TABLE @extschema@.identity_map IS
  'the customer of each linked anonymous id (the smallest one when linked to several), from cxm.identities; read by the canonical views';
COMMENT ON COLUMN @extschema@.identity_map.anonymous_id IS 'anonymous visitor id';
COMMENT ON COLUMN @extschema@.identity_map.customer_id IS 'the customer its rows are stitched to';
COMMENT ON INDEX @extschema@.identity_map_customer IS 'finds the anonymous ids of one customer (filters on customer_id)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_map', '');
GRANT SELECT ON @extschema@.identity_map TO PUBLIC;

CREATE TABLE @extschema@.change_log (
  id        pg_catalog.int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind      pg_catalog.text NOT NULL,
  source    pg_catalog.regclass NOT NULL,
  raw_id    pg_catalog.text,
  logged_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.change_log IS
  'ids of the rows changed in captured sources since the last refresh() (written by the capture triggers, emptied by refresh())';
COMMENT ON COLUMN @extschema@.change_log.id IS 'order of logging';
COMMENT ON COLUMN @extschema@.change_log.kind IS 'kind of the mapping (touchpoints, transactions, feedback, customers, identities)';
COMMENT ON COLUMN @extschema@.change_log.source IS 'the changed source';
COMMENT ON COLUMN @extschema@.change_log.raw_id IS 'the id column''s value of a changed row (old and new); NULL: the source was truncated, every profile may have changed';
COMMENT ON COLUMN @extschema@.change_log.logged_at IS 'when the change was logged';
GRANT SELECT ON @extschema@.change_log TO PUBLIC;

CREATE FUNCTION @extschema@.layer_identity_map_rebuild()
RETURNS pg_catalog.int8
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n pg_catalog.int8;
BEGIN
  -- log every profile whose stitching changes (old and new customer, the id itself)
  INSERT INTO @extschema@.change_log (kind, source, raw_id)
  SELECT 'identities', '@extschema@.identity_map'::pg_catalog.regclass, u.id
  FROM (SELECT COALESCE(o.anonymous_id, w.anonymous_id) AS anonymous_id, o.customer_id AS old_c, w.customer_id AS new_c
        FROM @extschema@.identity_map o
        FULL JOIN (SELECT i.anonymous_id, pg_catalog.min(i.customer_id) AS customer_id
                   FROM @extschema@.identities i GROUP BY i.anonymous_id) w ON w.anonymous_id = o.anonymous_id
        WHERE o.customer_id IS DISTINCT FROM w.customer_id) d
  CROSS JOIN LATERAL (VALUES (d.anonymous_id), (d.old_c), (d.new_c)) u(id)
  WHERE u.id IS NOT NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    DELETE FROM @extschema@.identity_map;
    INSERT INTO @extschema@.identity_map (anonymous_id, customer_id)
    SELECT i.anonymous_id, pg_catalog.min(i.customer_id) FROM @extschema@.identities i GROUP BY i.anonymous_id;
    ANALYZE @extschema@.identity_map;
  END IF;
  RETURN n;
END $$;
COMMENT ON FUNCTION @extschema@.layer_identity_map_rebuild() IS
  'internal: makes cxm.identity_map equal cxm.identities again and logs the profiles whose stitching changed; returns how many ids were logged';

-- stitched(raw: SQL of one source with columns raw_id and cols): rows of an
-- unlinked id keep it; rows of a linked anonymous id take its customer
CREATE FUNCTION @extschema@.layer_stitch(raw pg_catalog.text, cols pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.format(
    'SELECT r.raw_id AS customer_id, NULL::pg_catalog.text AS anonymous_id, %1$s FROM (%2$s) r'
    ' WHERE NOT EXISTS (SELECT 1 FROM @extschema@.identity_map m WHERE m.anonymous_id = r.raw_id)'
    ' UNION ALL'
    ' SELECT m.customer_id, r.raw_id, %1$s FROM (%2$s) r'
    ' JOIN @extschema@.identity_map m ON m.anonymous_id = r.raw_id',
    cols, raw);
$$;
COMMENT ON FUNCTION @extschema@.layer_stitch(pg_catalog.text, pg_catalog.text) IS
  'internal: SQL of the identity-stitched rows of one source (two branches, so filters on customer_id reach the source''s index)';

-- layer_kind_sql(kind, mapping): the SELECT of one mapped source with the
-- canonical columns of its kind (raw_id first for the stitched kinds)
CREATE FUNCTION @extschema@.layer_kind_sql(s @extschema@.sources)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rel pg_catalog.text := @extschema@.layer_relation(s.source);
  id pg_catalog.text := @extschema@.layer_column(s.source, s.customer_id, 'customer_id', 'id');
  src pg_catalog.text := pg_catalog.format('%L::pg_catalog.text AS source', s.source_name);
BEGIN
  CASE s.kind
  WHEN 'identities' THEN
    RETURN pg_catalog.format('SELECT %s AS anonymous_id, %s AS customer_id, %s FROM %s s WHERE %s IS NOT NULL AND %s IS NOT NULL',
      @extschema@.layer_column(s.source, s.anonymous_id, 'anonymous_id', 'id'), id, src, rel,
      @extschema@.layer_column(s.source, s.anonymous_id, 'anonymous_id', 'id'), id);
  WHEN 'touchpoints' THEN
    RETURN pg_catalog.format('SELECT %s AS raw_id, %s AS touchpoint, %s AS ts, %s AS channel, %s FROM %s s WHERE %s IS NOT NULL AND %s IS NOT NULL',
      id, @extschema@.layer_column(s.source, s.touchpoint, 'touchpoint', 'text'),
      @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'),
      CASE WHEN s.channel IS NULL
           THEN pg_catalog.format('%L::pg_catalog.text', (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = s.source))
           ELSE @extschema@.layer_column(s.source, s.channel, 'channel', 'text') END,
      src, rel, id, @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'));
  WHEN 'transactions' THEN
    RETURN pg_catalog.format('SELECT %s AS raw_id, %s AS ts, %s AS amount, %s AS product, %s FROM %s s WHERE %s IS NOT NULL AND %s IS NOT NULL',
      id, @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'),
      @extschema@.layer_column(s.source, s.amount, 'amount', 'amount'),
      CASE WHEN s.product IS NULL THEN 'NULL::pg_catalog.text'
           ELSE @extschema@.layer_column(s.source, s.product, 'product', 'text') END,
      src, rel, id, @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'));
  WHEN 'feedback' THEN
    RETURN pg_catalog.format('SELECT %s AS raw_id, %s AS ts, %s AS score, %s FROM %s s WHERE %s IS NOT NULL AND %s IS NOT NULL',
      id, @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'),
      @extschema@.layer_column(s.source, s.score, 'score', 'score'),
      src, rel, id, @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'));
  WHEN 'customers' THEN
    RETURN pg_catalog.format('SELECT %s AS customer_id, %s AS created_at, %s FROM %s s WHERE %s IS NOT NULL',
      id, CASE WHEN s.created_at IS NULL THEN 'NULL::pg_catalog.timestamptz'
               ELSE @extschema@.layer_column(s.source, s.created_at, 'created_at', 'ts') END,
      src, rel, id);
  END CASE;
END $$;
COMMENT ON FUNCTION @extschema@.layer_kind_sql(@extschema@.sources) IS
  'internal: SELECT of one mapped source with the canonical columns of its kind (every column checked, every name quoted)';

-- The canonical views, one table of kinds: output columns and the empty form
CREATE FUNCTION @extschema@.layer_kinds()
RETURNS TABLE (kind pg_catalog.text, stitched pg_catalog.bool, cols pg_catalog.text, empty pg_catalog.text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  VALUES
    ('identities', false, 'anonymous_id, customer_id, source',
     'NULL::pg_catalog.text AS anonymous_id, NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS source'),
    ('touchpoints', true, 'touchpoint, ts, channel, source',
     'NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS anonymous_id, NULL::pg_catalog.text AS touchpoint,'
     ' NULL::pg_catalog.timestamptz AS ts, NULL::pg_catalog.text AS channel, NULL::pg_catalog.text AS source'),
    ('transactions', true, 'ts, amount, product, source',
     'NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS anonymous_id, NULL::pg_catalog.timestamptz AS ts,'
     ' NULL::pg_catalog.numeric AS amount, NULL::pg_catalog.text AS product, NULL::pg_catalog.text AS source'),
    ('feedback', true, 'ts, score, source',
     'NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS anonymous_id, NULL::pg_catalog.timestamptz AS ts,'
     ' NULL::pg_catalog.int4 AS score, NULL::pg_catalog.text AS source'),
    ('customers', false, 'customer_id, created_at, source',
     'NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.timestamptz AS created_at, NULL::pg_catalog.text AS source')
$$;
COMMENT ON FUNCTION @extschema@.layer_kinds() IS
  'internal: the kinds of mapping, whether their rows are identity-stitched, their columns, and the empty view of each';

CREATE FUNCTION @extschema@.layer_rebuild()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k record;
  s @extschema@.sources;
  parts pg_catalog.text[];
  q pg_catalog.text;
BEGIN
  -- one rebuild at a time (two sessions mapping at once)
  PERFORM pg_catalog.pg_advisory_xact_lock(1668836716, 1);
  FOR k IN SELECT * FROM @extschema@.layer_kinds() LOOP
    parts := '{}';
    FOR s IN SELECT * FROM @extschema@.sources x WHERE x.kind = k.kind ORDER BY x.source_name, x.source LOOP
      q := @extschema@.layer_kind_sql(s);
      IF k.stitched THEN
        q := @extschema@.layer_stitch(q, 'r.' || pg_catalog.replace(k.cols, ', ', ', r.'));
      END IF;
      parts := parts || q;
    END LOOP;
    IF pg_catalog.cardinality(parts) = 0 THEN
      q := 'SELECT ' || k.empty || ' WHERE false';
    ELSIF k.kind = 'customers' AND pg_catalog.cardinality(parts) > 1 THEN
      -- one row per customer over several masters
      q := 'SELECT u.customer_id, pg_catalog.min(u.created_at) AS created_at, pg_catalog.min(u.source) AS source FROM ('
           || pg_catalog.array_to_string(parts, ' UNION ALL ') || ') u GROUP BY u.customer_id';
    ELSE
      q := 'SELECT ' || CASE WHEN k.stitched THEN 'customer_id, anonymous_id, ' ELSE '' END || k.cols
           || ' FROM (' || pg_catalog.array_to_string(parts, ' UNION ALL ') || ') u';
    END IF;
    EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW @extschema@.%I WITH (security_invoker = true) AS %s', k.kind, q);
  END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.layer_rebuild() IS
  'internal: rebuilds the canonical views (identities, touchpoints, transactions, feedback, customers) from cxm.sources';

CREATE FUNCTION @extschema@.layer_sources_changed()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM @extschema@.layer_rebuild();
  RETURN NULL;
END $$;
COMMENT ON FUNCTION @extschema@.layer_sources_changed() IS
  'internal: statement trigger of cxm.sources: any change (also rows restored by pg_dump) rebuilds the canonical views';

CREATE TRIGGER sources_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.sources
FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.layer_sources_changed();
COMMENT ON TRIGGER sources_changed ON @extschema@.sources IS
  'rebuilds the canonical views after every change of the mappings';

-- Change capture -------------------------------------------------------------------

-- Trigger function of the capture triggers (arguments: kind, id expression on
-- alias s, and for identities the customer id expression).  It runs with the
-- rights of the extension's owner, since whoever writes a mapped table may not
-- write cxm's tables: it only appends the changed ids to cxm.change_log and,
-- for identity links, recomputes those ids' entries of cxm.identity_map
-- (doc/layer.md, "Change capture").
CREATE FUNCTION @extschema@.layer_capture()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kind pg_catalog.text := TG_ARGV[0];
  idx pg_catalog.text := TG_ARGV[1];
  rows_sql pg_catalog.text;
  ids pg_catalog.text[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO @extschema@.change_log (kind, source, raw_id) VALUES (kind, TG_RELID, NULL);
    IF kind = 'identities' THEN
      PERFORM @extschema@.layer_identity_map_rebuild();
    END IF;
    RETURN NULL;
  END IF;
  rows_sql := CASE TG_OP WHEN 'INSERT' THEN 'SELECT %1$s AS id FROM cxm_new s'
                         WHEN 'DELETE' THEN 'SELECT %1$s AS id FROM cxm_old s'
                         ELSE 'SELECT %1$s AS id FROM cxm_new s UNION SELECT %1$s FROM cxm_old s' END;
  EXECUTE pg_catalog.format('SELECT pg_catalog.array_agg(DISTINCT x.id) FILTER (WHERE x.id IS NOT NULL) FROM ('
                            || rows_sql || ') x', idx) INTO ids;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  IF kind = 'identities' THEN
    -- the anonymous ids' old and new customers change too
    INSERT INTO @extschema@.change_log (kind, source, raw_id)
    SELECT kind, TG_RELID, m.customer_id FROM @extschema@.identity_map m WHERE m.anonymous_id = ANY (ids);
    DELETE FROM @extschema@.identity_map m WHERE m.anonymous_id = ANY (ids);
    INSERT INTO @extschema@.identity_map (anonymous_id, customer_id)
    SELECT i.anonymous_id, pg_catalog.min(i.customer_id) FROM @extschema@.identities i
    WHERE i.anonymous_id = ANY (ids) GROUP BY i.anonymous_id;
    INSERT INTO @extschema@.change_log (kind, source, raw_id)
    SELECT kind, TG_RELID, m.customer_id FROM @extschema@.identity_map m WHERE m.anonymous_id = ANY (ids);
  END IF;
  INSERT INTO @extschema@.change_log (kind, source, raw_id)
  SELECT kind, TG_RELID, u.id FROM pg_catalog.unnest(ids) u(id);
  RETURN NULL;
END $$;
COMMENT ON FUNCTION @extschema@.layer_capture() IS
  'internal: capture trigger of a mapped table: logs the changed rows'' ids for refresh() (and keeps cxm.identity_map current for identity links)';
REVOKE ALL ON FUNCTION @extschema@.layer_capture() FROM PUBLIC;

-- layer_capture_triggers(mapping, install): drops the capture triggers of one
-- mapping and, when install, creates them again; returns whether they exist
CREATE FUNCTION @extschema@.layer_capture_triggers(s @extschema@.sources, install pg_catalog.bool)
RETURNS pg_catalog.bool
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rel pg_catalog.text := @extschema@.layer_relation(s.source);
  relkind pg_catalog."char" := (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = s.source);
  idx pg_catalog.text;
  ev pg_catalog.text;
BEGIN
  FOREACH ev IN ARRAY ARRAY['ins', 'upd', 'del', 'trunc'] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = s.source
               AND t.tgname = 'cxm_' || s.kind || '_' || ev) THEN
      EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', 'cxm_' || s.kind || '_' || ev, rel);
    END IF;
  END LOOP;
  IF NOT install OR relkind NOT IN ('r', 'p') THEN
    RETURN false;
  END IF;
  idx := @extschema@.layer_column(s.source, CASE WHEN s.kind = 'identities' THEN s.anonymous_id ELSE s.customer_id END,
                                  'customer_id', 'id');
  BEGIN
    EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS cxm_new'
      ' FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.layer_capture(%L, %L)', 'cxm_' || s.kind || '_ins', rel, s.kind, idx);
    EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS cxm_old NEW TABLE AS cxm_new'
      ' FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.layer_capture(%L, %L)', 'cxm_' || s.kind || '_upd', rel, s.kind, idx);
    EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS cxm_old'
      ' FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.layer_capture(%L, %L)', 'cxm_' || s.kind || '_del', rel, s.kind, idx);
    EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER TRUNCATE ON %s'
      ' FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.layer_capture(%L, %L)', 'cxm_' || s.kind || '_trunc', rel, s.kind, idx);
  EXCEPTION WHEN insufficient_privilege OR feature_not_supported OR wrong_object_type THEN
    RAISE NOTICE 'no change capture on %: % (refresh() rebuilds every snapshot while it is mapped)', s.source, SQLERRM;
    RETURN false;
  END;
  RETURN true;
END $$;
COMMENT ON FUNCTION @extschema@.layer_capture_triggers(@extschema@.sources, pg_catalog.bool) IS
  'internal: installs (or removes) the capture triggers cxm_<kind>_ins/upd/del/trunc of one mapped table';

-- map_* / unmap ----------------------------------------------------------------

CREATE FUNCTION @extschema@.layer_map(kind pg_catalog.text, source pg_catalog.regclass,
  customer_id pg_catalog.text, anonymous_id pg_catalog.text, touchpoint pg_catalog.text,
  ts pg_catalog.text, channel pg_catalog.text, amount pg_catalog.text, product pg_catalog.text,
  score pg_catalog.text, created_at pg_catalog.text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s @extschema@.sources;
BEGIN
  IF source IS NULL THEN
    RAISE EXCEPTION 'source must not be NULL' USING ERRCODE = '22004';
  END IF;
  s := ROW(kind, source, @extschema@.layer_relation(source), customer_id, anonymous_id, touchpoint,
           ts, channel, amount, product, score, created_at, pg_catalog.now(), false);
  -- every column is checked now, so the error names the argument
  PERFORM @extschema@.layer_kind_sql(s);
  -- mapping a relation again for the same kind replaces its mapping
  DELETE FROM @extschema@.sources x WHERE x.kind = layer_map.kind AND x.source = layer_map.source;
  s.captured := @extschema@.layer_capture_triggers(s, true);
  INSERT INTO @extschema@.sources SELECT s.*;
  -- every profile of the source may have changed
  INSERT INTO @extschema@.change_log (kind, source, raw_id) VALUES (kind, source, NULL);
  IF kind = 'identities' THEN
    PERFORM @extschema@.layer_identity_map_rebuild();
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.layer_map(pg_catalog.text, pg_catalog.regclass, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'internal: checks and stores one mapping and installs its capture triggers (the trigger on cxm.sources rebuilds the views)';

CREATE FUNCTION @extschema@.map_touchpoints(source pg_catalog.regclass, customer_id pg_catalog.text,
  touchpoint pg_catalog.text, ts pg_catalog.text, channel pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('touchpoints', source, customer_id, NULL, touchpoint, ts, channel,
                               NULL, NULL, NULL, NULL);
$$;
COMMENT ON FUNCTION @extschema@.map_touchpoints(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'maps a relation''s columns (customer or visitor id, touchpoint, time, optional channel) into cxm.touchpoints';

CREATE FUNCTION @extschema@.map_transactions(source pg_catalog.regclass, customer_id pg_catalog.text,
  ts pg_catalog.text, amount pg_catalog.text, product pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('transactions', source, customer_id, NULL, NULL, ts, NULL,
                               amount, product, NULL, NULL);
$$;
COMMENT ON FUNCTION @extschema@.map_transactions(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'maps a relation''s columns (customer id, time, amount, optional product or category) into cxm.transactions';

CREATE FUNCTION @extschema@.map_feedback(source pg_catalog.regclass, customer_id pg_catalog.text,
  ts pg_catalog.text, score pg_catalog.text)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('feedback', source, customer_id, NULL, NULL, ts, NULL,
                               NULL, NULL, score, NULL);
$$;
COMMENT ON FUNCTION @extschema@.map_feedback(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'maps a relation''s columns (customer id, time, 0-10 NPS answer) into cxm.feedback';

CREATE FUNCTION @extschema@.map_customers(source pg_catalog.regclass, customer_id pg_catalog.text,
  created_at pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('customers', source, customer_id, NULL, NULL, NULL, NULL,
                               NULL, NULL, NULL, created_at);
$$;
COMMENT ON FUNCTION @extschema@.map_customers(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) IS
  'maps a customer master (customer id, optional sign-up time) into cxm.customers';

CREATE FUNCTION @extschema@.map_identities(source pg_catalog.regclass, anonymous_id pg_catalog.text,
  customer_id pg_catalog.text)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('identities', source, customer_id, anonymous_id, NULL, NULL, NULL,
                               NULL, NULL, NULL, NULL);
$$;
COMMENT ON FUNCTION @extschema@.map_identities(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) IS
  'maps identity links (anonymous visitor id -> customer id): linked visitors show as their customer in every view';

CREATE FUNCTION @extschema@.unmap(source pg_catalog.regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s @extschema@.sources;
  n pg_catalog.int4 := 0;
BEGIN
  IF source IS NULL THEN
    RAISE EXCEPTION 'source must not be NULL' USING ERRCODE = '22004';
  END IF;
  FOR s IN SELECT * FROM @extschema@.sources x WHERE x.source = unmap.source LOOP
    PERFORM @extschema@.layer_capture_triggers(s, false);
    INSERT INTO @extschema@.change_log (kind, source, raw_id) VALUES (s.kind, s.source, NULL);
    n := n + 1;
  END LOOP;
  IF n = 0 THEN
    RAISE EXCEPTION 'relation % is not mapped', source USING ERRCODE = '42704';
  END IF;
  DELETE FROM @extschema@.sources x WHERE x.source = unmap.source;
  PERFORM @extschema@.layer_identity_map_rebuild();
END $$;
COMMENT ON FUNCTION @extschema@.unmap(pg_catalog.regclass) IS
  'removes every mapping of a relation and its capture triggers (the canonical views are rebuilt without it); 42704 when it was not mapped';

REVOKE ALL ON FUNCTION @extschema@.layer_map(pg_catalog.text, pg_catalog.regclass, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_rebuild() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_identity_map_rebuild() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_capture_triggers(@extschema@.sources, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_touchpoints(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_transactions(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_feedback(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_customers(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_identities(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.unmap(pg_catalog.regclass) FROM PUBLIC;
