
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

-- Columns added in 1.2 (issue 13): the optional roles of map_transactions,
-- map_touchpoints and map_feedback, and the settings they bring.  Added here
-- so that a fresh install and an update from 1.1 get the same column order.
ALTER TABLE @extschema@.sources ADD COLUMN cost pg_catalog.text;
ALTER TABLE @extschema@.sources ADD COLUMN margin pg_catalog.text;
ALTER TABLE @extschema@.sources ADD COLUMN campaign pg_catalog.text;
ALTER TABLE @extschema@.sources ADD COLUMN utm_source pg_catalog.text;
ALTER TABLE @extschema@.sources ADD COLUMN utm_medium pg_catalog.text;
ALTER TABLE @extschema@.sources ADD COLUMN referrer pg_catalog.text;
ALTER TABLE @extschema@.sources ADD COLUMN properties pg_catalog.text;
ALTER TABLE @extschema@.sources ADD COLUMN comment pg_catalog.text;
COMMENT ON COLUMN @extschema@.sources.cost IS 'transactions: column holding the cost of the purchase (optional; profit = amount - cost)';
COMMENT ON COLUMN @extschema@.sources.margin IS 'transactions: column holding the margin of the purchase (optional, instead of cost; cost = amount - margin)';
COMMENT ON COLUMN @extschema@.sources.campaign IS 'touchpoints: column holding the campaign (optional)';
COMMENT ON COLUMN @extschema@.sources.utm_source IS 'touchpoints: column holding the traffic source, utm_source (optional)';
COMMENT ON COLUMN @extschema@.sources.utm_medium IS 'touchpoints: column holding the medium, utm_medium (optional)';
COMMENT ON COLUMN @extschema@.sources.referrer IS 'touchpoints: column holding the referrer (optional)';
COMMENT ON COLUMN @extschema@.sources.properties IS 'touchpoints: json or jsonb column holding further event properties (optional)';
COMMENT ON COLUMN @extschema@.sources.comment IS 'feedback: column holding the free-text comment or topic (optional)';
ALTER TABLE @extschema@.settings ADD COLUMN purchase_touchpoint pg_catalog.text NOT NULL DEFAULT 'purchase';
ALTER TABLE @extschema@.settings ADD COLUMN min_nps_answers pg_catalog.int4 NOT NULL DEFAULT 30
  CHECK (min_nps_answers >= 1);
COMMENT ON COLUMN @extschema@.settings.purchase_touchpoint IS 'touchpoint name of a purchase in the journey views (funnels and path patterns can end in it)';
COMMENT ON COLUMN @extschema@.settings.min_nps_answers IS 'nps_monthly shows no NPS (NULL) for a month and channel with fewer answers than this (30)';

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
    -- citus: not a Citus reference table, which cannot be analyzed after local writes in one transaction
    IF NOT @extschema@.layer_citus_table('@extschema@.identity_map') THEN  -- citus:
      ANALYZE @extschema@.identity_map;  -- citus:
    END IF;  -- citus:
  END IF;
  RETURN n;
END $$;
COMMENT ON FUNCTION @extschema@.layer_identity_map_rebuild() IS
  'internal: makes cxm.identity_map equal cxm.identities again and logs the profiles whose stitching changed; returns how many ids were logged';

-- Column checks ------------------------------------------------------------------

-- layer_column(source, column, role, want): the SQL expression (on alias s)
-- that reads the column as the canonical type.  want: id (any type, as text),
-- text (any type, as text), ts (timestamp, timestamptz, date), amount (numeric
-- types), score (integer types), json (json, jsonb: as jsonb).  42703 when the
-- column does not exist, 42804 when its type cannot serve.  The values are
-- checked by layer_check_values (doc/layer.md, "Mapping").
CREATE FUNCTION @extschema@.layer_column(source pg_catalog.regclass, col pg_catalog.text,
                                         role pg_catalog.text, want pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_typ pg_catalog.oid;
  v_base pg_catalog.oid;
  v_next pg_catalog.oid;
  v_typtype pg_catalog.char;
  v_col pg_catalog.text;
  v_typmod pg_catalog.int4;
  v_coll pg_catalog.oid;
  v_plain pg_catalog.bool;
BEGIN
  IF col IS NULL THEN
    RAISE EXCEPTION 'the % column must not be NULL', role USING ERRCODE = '22004';
  END IF;
  SELECT a.atttypid, a.atttypmod, a.attcollation INTO v_typ, v_typmod, v_coll FROM pg_catalog.pg_attribute a
  WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'column "%" of relation % does not exist', col, source
      USING ERRCODE = '42703', HINT = pg_catalog.format('It was given as the %s column.', role);
  END IF;
  -- the base type of a domain
  v_base := v_typ;
  LOOP
    SELECT t.typtype, t.typbasetype INTO v_typtype, v_next FROM pg_catalog.pg_type t WHERE t.oid = v_base;
    EXIT WHEN v_typtype <> 'd';
    v_base := v_next;
  END LOOP;
  v_col := pg_catalog.format('s.%I', col);
  -- read as is only when the column already has exactly the canonical type
  -- (no domain, no typmod), so the view's column type does not change and a
  -- filter on it can use the source's index; else an explicit cast
  v_plain := v_typ = v_base AND v_typmod = -1;
  IF want IN ('id', 'text') THEN
    IF v_coll NOT IN (0, 100) THEN
      RETURN v_col || '::pg_catalog.text COLLATE pg_catalog."default"';
    ELSIF v_plain AND v_base = 'pg_catalog.text'::pg_catalog.regtype THEN
      RETURN v_col;
    END IF;
    RETURN v_col || '::pg_catalog.text';
  ELSIF want = 'ts' THEN
    IF v_plain AND v_base = 'pg_catalog.timestamptz'::pg_catalog.regtype THEN
      RETURN v_col;
    ELSIF v_base = 'pg_catalog.timestamptz'::pg_catalog.regtype THEN
      RETURN v_col || '::pg_catalog.timestamptz';
    ELSIF v_base IN ('pg_catalog.timestamp'::pg_catalog.regtype, 'pg_catalog.date'::pg_catalog.regtype) THEN
      RETURN v_col || '::pg_catalog.timestamptz';
    END IF;
    RAISE EXCEPTION 'column "%" of relation % has type %; the % column needs timestamp, timestamptz or date',
      col, source, pg_catalog.format_type(v_typ, NULL), role USING ERRCODE = '42804';
  ELSIF want = 'amount' THEN
    IF v_plain AND v_base = 'pg_catalog.numeric'::pg_catalog.regtype THEN
      RETURN v_col;
    ELSIF v_base = 'pg_catalog.numeric'::pg_catalog.regtype THEN
      RETURN v_col || '::pg_catalog.numeric';
    ELSIF v_base IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                     'pg_catalog.int8'::pg_catalog.regtype, 'pg_catalog.float4'::pg_catalog.regtype,
                     'pg_catalog.float8'::pg_catalog.regtype, 'pg_catalog.money'::pg_catalog.regtype) THEN
      RETURN v_col || '::pg_catalog.numeric';
    END IF;
    RAISE EXCEPTION 'column "%" of relation % has type %; the % column needs a numeric type (smallint, integer, bigint, numeric, real, double precision, money)',
      col, source, pg_catalog.format_type(v_typ, NULL), role USING ERRCODE = '42804';
  ELSIF want = 'score' THEN
    IF v_plain AND v_base = 'pg_catalog.int4'::pg_catalog.regtype THEN
      RETURN v_col;
    ELSIF v_base = 'pg_catalog.int4'::pg_catalog.regtype THEN
      RETURN v_col || '::pg_catalog.int4';
    ELSIF v_base IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype) THEN
      RETURN v_col || '::pg_catalog.int4';
    END IF;
    RAISE EXCEPTION 'column "%" of relation % has type %; the % column needs an integer type (smallint, integer, bigint)',
      col, source, pg_catalog.format_type(v_typ, NULL), role USING ERRCODE = '42804';
  ELSIF want = 'json' THEN
    IF v_plain AND v_base = 'pg_catalog.jsonb'::pg_catalog.regtype THEN
      RETURN v_col;
    ELSIF v_base IN ('pg_catalog.jsonb'::pg_catalog.regtype, 'pg_catalog.json'::pg_catalog.regtype) THEN
      RETURN v_col || '::pg_catalog.jsonb';
    END IF;
    RAISE EXCEPTION 'column "%" of relation % has type %; the % column needs json or jsonb',
      col, source, pg_catalog.format_type(v_typ, NULL), role USING ERRCODE = '42804';
  END IF;
  RAISE EXCEPTION 'internal error: unknown column role %', want USING ERRCODE = 'XX000';
END $$;
COMMENT ON FUNCTION @extschema@.layer_column(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'internal: checks a mapped column (42703 missing, 42804 unusable type) and returns the quoted expression reading it as the canonical type';


-- layer_id_family(source, column): what a mapped id column's values look like
-- as text.  Ids of every mapping are compared as text, so two id columns can
-- name the same profiles only when their text forms can agree: a string type
-- can hold any id; integer types (and numeric without decimals) agree with
-- each other; any other type only with itself.
CREATE FUNCTION @extschema@.layer_id_family(source pg_catalog.regclass, col pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_base pg_catalog.oid;
  v_mod pg_catalog.int4;
  v_next pg_catalog.oid;
  v_typtype pg_catalog.char;
  v_cat pg_catalog.char;
BEGIN
  SELECT a.atttypid, a.atttypmod INTO v_base, v_mod FROM pg_catalog.pg_attribute a
  WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
  LOOP
    SELECT t.typtype, t.typbasetype, t.typcategory INTO v_typtype, v_next, v_cat FROM pg_catalog.pg_type t WHERE t.oid = v_base;
    EXIT WHEN v_typtype <> 'd';
    IF v_mod = -1 THEN
      SELECT t.typtypmod INTO v_mod FROM pg_catalog.pg_type t WHERE t.oid = v_base;
    END IF;
    v_base := v_next;
  END LOOP;
  IF v_cat = 'S' THEN
    RETURN 'string';
  ELSIF v_base IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                   'pg_catalog.int8'::pg_catalog.regtype)
        OR (v_base = 'pg_catalog.numeric'::pg_catalog.regtype AND v_mod >= 4 AND ((v_mod - 4) & 65535) = 0) THEN
    RETURN 'integer';
  END IF;
  RETURN pg_catalog.format_type(v_base, NULL);
END $$;
COMMENT ON FUNCTION @extschema@.layer_id_family(pg_catalog.regclass, pg_catalog.text) IS
  'internal: string, integer or the type name of a mapped id column: ids of two families other than string never match as text';

-- layer_bad_value(value, what, mapping): the error of a value that a mapped
-- column should not hold (a score outside 0-10, a NaN amount), raised while a
-- view reads it; the detail names the mapping
CREATE FUNCTION @extschema@.layer_bad_value(x anyelement, what pg_catalog.text, mapping pg_catalog.text)
RETURNS anyelement
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION '% % is out of range', what, x
    USING ERRCODE = '22023', DETAIL = pg_catalog.format('The value was read through %s.', mapping),
          HINT = 'Correct the row, or map another column.';
END $$;
COMMENT ON FUNCTION @extschema@.layer_bad_value(anyelement, pg_catalog.text, pg_catalog.text) IS
  'internal: ERROR (22023) for a value a mapped column should not hold, naming the mapping in its DETAIL';

-- the mapping as people wrote it: map_feedback of demo.nps_survey (score column "Q1 Score")
CREATE FUNCTION @extschema@.layer_mapping_name(s @extschema@.sources, role pg_catalog.text, col pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.format('cxm.map_%s of %s (%s column "%s")', s.kind, s.source_name, role,
                           pg_catalog.replace(col, '"', '""'))
$$;
COMMENT ON FUNCTION @extschema@.layer_mapping_name(@extschema@.sources, pg_catalog.text, pg_catalog.text) IS
  'internal: a mapping and one of its columns, as error messages name them';

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

-- the same rows in one pass over the source, one identity lookup per row:
-- cheaper for reading every row (the <kind>_whole views), but a filter on
-- customer_id cannot reach the source's index through it
CREATE FUNCTION @extschema@.layer_stitch_whole(raw pg_catalog.text, cols pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.format(
    'SELECT CASE WHEN m.anonymous_id IS NULL THEN r.raw_id ELSE m.customer_id END AS customer_id,'
    ' CASE WHEN m.anonymous_id IS NULL THEN NULL ELSE r.raw_id END AS anonymous_id, %1$s FROM (%2$s) r'
    ' LEFT JOIN @extschema@.identity_map m ON m.anonymous_id OPERATOR(pg_catalog.=) r.raw_id',
    cols, raw);
$$;
COMMENT ON FUNCTION @extschema@.layer_stitch_whole(pg_catalog.text, pg_catalog.text) IS
  'internal: SQL of the identity-stitched rows of one source in one pass (a left join to the identity map), for reading every row';

-- layer_optional(source, column, role, want, otherwise): layer_column of an
-- optional column, or the SQL otherwise when it is not mapped
CREATE FUNCTION @extschema@.layer_optional(source pg_catalog.regclass, col pg_catalog.text, role pg_catalog.text,
                                           want pg_catalog.text, otherwise pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN col IS NULL THEN otherwise ELSE @extschema@.layer_column(source, col, role, want) END
$$;
COMMENT ON FUNCTION @extschema@.layer_optional(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'internal: layer_column of an optional mapped column, or the given SQL when none is mapped';

-- layer_value_rules(mapping): the columns of a mapping whose values are
-- checked, with the SQL reading each (on alias s), the condition its bad
-- values meet (%1$s stands for the value) and what they are called
CREATE FUNCTION @extschema@.layer_value_rules(s @extschema@.sources)
RETURNS TABLE (role pg_catalog.text, col pg_catalog.text, expr pg_catalog.text, bad pg_catalog.text,
               what pg_catalog.text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  finite pg_catalog.text := 'NOT (%1$s > ''-Infinity''::pg_catalog.numeric AND %1$s < ''Infinity''::pg_catalog.numeric)';
BEGIN
  IF s.kind IN ('touchpoints', 'transactions', 'feedback') THEN
    RETURN QUERY SELECT 'ts', s.ts, @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'),
                        'NOT pg_catalog.isfinite(%1$s)', 'infinite times';
  ELSIF s.kind = 'customers' AND s.created_at IS NOT NULL THEN
    RETURN QUERY SELECT 'created_at', s.created_at, @extschema@.layer_column(s.source, s.created_at, 'created_at', 'ts'),
                        'NOT pg_catalog.isfinite(%1$s)', 'infinite times';
  END IF;
  IF s.kind = 'transactions' THEN
    RETURN QUERY SELECT 'amount', s.amount, @extschema@.layer_column(s.source, s.amount, 'amount', 'amount'),
                        finite, 'amounts that are not finite numbers (NaN or infinity)';
    IF s.cost IS NOT NULL THEN
      RETURN QUERY SELECT 'cost', s.cost, @extschema@.layer_column(s.source, s.cost, 'cost', 'amount'),
                          finite, 'costs that are not finite numbers (NaN or infinity)';
    END IF;
    IF s.margin IS NOT NULL THEN
      RETURN QUERY SELECT 'margin', s.margin, @extschema@.layer_column(s.source, s.margin, 'margin', 'amount'),
                          finite, 'margins that are not finite numbers (NaN or infinity)';
    END IF;
  ELSIF s.kind = 'feedback' THEN
    RETURN QUERY SELECT 'score', s.score, @extschema@.layer_column(s.source, s.score, 'score', 'score'),
                        '(%1$s < 0 OR %1$s > 10)', 'answers outside the NPS scale 0-10';
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.layer_value_rules(@extschema@.sources) IS
  'internal: the mapped columns whose values are checked (scores on the 0-10 scale, finite amounts and times), with the condition of a bad value';

-- layer_checked(mapping, role, expr): the expression, made to raise an error
-- naming the mapping when a view reads a value its rule refuses (a row
-- written after map_* checked the column)
CREATE FUNCTION @extschema@.layer_checked(s @extschema@.sources, v_role pg_catalog.text, v_expr pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT COALESCE(
    (SELECT pg_catalog.format('CASE WHEN %s THEN @extschema@.layer_bad_value(%s, %L, %L) ELSE %s END',
                              pg_catalog.format(r.bad, v_expr), v_expr,
                              CASE v_role WHEN 'score' THEN 'NPS score' ELSE v_role END,
                              @extschema@.layer_mapping_name(s, r.role, r.col), v_expr)
     FROM @extschema@.layer_value_rules(s) r WHERE r.role = v_role),
    v_expr)
$$;
COMMENT ON FUNCTION @extschema@.layer_checked(@extschema@.sources, pg_catalog.text, pg_catalog.text) IS
  'internal: SQL reading a checked column that raises an error naming the mapping on a value its rule refuses';

-- layer_check_values(mapping): counts the bad values of every checked column
-- (one scan of the source); 22023 naming the column, the count and an example
CREATE FUNCTION @extschema@.layer_check_values(s @extschema@.sources)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
  q pg_catalog.text;
  res pg_catalog.text[];
  i pg_catalog.int4 := 0;
BEGIN
  SELECT pg_catalog.string_agg(pg_catalog.format(
           'pg_catalog.count(*) FILTER (WHERE %1$s)::pg_catalog.text, pg_catalog.min(%2$s) FILTER (WHERE %1$s)::pg_catalog.text',
           pg_catalog.format(x.bad, x.expr), x.expr), ', ' ORDER BY x.o)
  INTO q FROM @extschema@.layer_value_rules(s) WITH ORDINALITY x(role, col, expr, bad, what, o);
  IF q IS NULL THEN
    RETURN;
  END IF;
  EXECUTE pg_catalog.format('SELECT ARRAY[%s] FROM %s s', q, @extschema@.layer_relation(s.source)) INTO res;
  FOR r IN SELECT * FROM @extschema@.layer_value_rules(s) LOOP
    i := i + 1;
    IF res[2 * i - 1]::pg_catalog.int8 > 0 THEN
      RAISE EXCEPTION 'column "%" of relation % holds % (% rows, for example %)',
        r.col, s.source_name, r.what, res[2 * i - 1], res[2 * i]
        USING ERRCODE = '22023',
              HINT = pg_catalog.format('It was given as the %s column of cxm.map_%s: map another column, or correct the rows.', r.role, s.kind);
    END IF;
  END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.layer_check_values(@extschema@.sources) IS
  'internal: ERROR (22023) naming the column, the number of bad rows and an example when a mapped column holds values its role refuses';

-- layer_check_ids(mapping): the customer ids of customers, transactions,
-- feedback and identity links are matched as text, so their columns must be
-- of one family (layer_id_family; a string column goes with any).  Touchpoint
-- ids and anonymous ids may be visitor ids of another kind.
CREATE FUNCTION @extschema@.layer_check_ids(s @extschema@.sources)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  mine pg_catalog.text;
  o record;
BEGIN
  IF s.kind = 'touchpoints' THEN
    RETURN;
  END IF;
  mine := @extschema@.layer_id_family(s.source, s.customer_id);
  IF mine = 'string' THEN
    RETURN;
  END IF;
  FOR o IN SELECT x.kind, x.source_name, x.customer_id AS col, @extschema@.layer_id_family(x.source, x.customer_id) AS family
           FROM @extschema@.sources x
           WHERE x.kind <> 'touchpoints' AND NOT (x.kind = s.kind AND x.source = s.source)
           ORDER BY x.kind, x.source_name LOOP
    IF o.family IS NOT NULL AND o.family NOT IN ('string', mine) THEN
      RAISE EXCEPTION 'column "%" of relation % holds % ids, but the customer ids of cxm.map_% of % (column "%") are of type %',
        s.customer_id, s.source_name, mine, o.kind, o.source_name, o.col, o.family
        USING ERRCODE = '42804',
              DETAIL = 'Ids are matched as text, and values of these two types never have the same text.',
              HINT = 'Map a column with the same kind of id (a text column goes with any).';
    END IF;
  END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.layer_check_ids(@extschema@.sources) IS
  'internal: ERROR (42804) when a mapping''s customer id column cannot hold the same ids (as text) as those of the other mappings';

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
  relname pg_catalog.text := pg_catalog.format('%L::pg_catalog.text',
                                               (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = s.source));
  ts pg_catalog.text;
  amount pg_catalog.text;
BEGIN
  IF s.kind IN ('touchpoints', 'transactions', 'feedback') THEN
    ts := @extschema@.layer_column(s.source, s.ts, 'ts', 'ts');
  END IF;
  CASE s.kind
  WHEN 'identities' THEN
    RETURN pg_catalog.format('SELECT %s AS anonymous_id, %s AS customer_id, %s FROM %s s WHERE %s IS NOT NULL AND %s IS NOT NULL',
      @extschema@.layer_column(s.source, s.anonymous_id, 'anonymous_id', 'id'), id, src, rel,
      @extschema@.layer_column(s.source, s.anonymous_id, 'anonymous_id', 'id'), id);
  WHEN 'touchpoints' THEN
    RETURN pg_catalog.format('SELECT %s AS raw_id, %s AS touchpoint, %s AS ts, %s AS channel, %s, %s AS campaign,'
                             ' %s AS utm_source, %s AS utm_medium, %s AS referrer, %s AS properties'
                             ' FROM %s s WHERE %s IS NOT NULL AND %s IS NOT NULL',
      id, @extschema@.layer_column(s.source, s.touchpoint, 'touchpoint', 'text'), ts,
      @extschema@.layer_optional(s.source, s.channel, 'channel', 'text', relname), src,
      @extschema@.layer_optional(s.source, s.campaign, 'campaign', 'text', 'NULL::pg_catalog.text'),
      @extschema@.layer_optional(s.source, s.utm_source, 'utm_source', 'text', 'NULL::pg_catalog.text'),
      @extschema@.layer_optional(s.source, s.utm_medium, 'utm_medium', 'text', 'NULL::pg_catalog.text'),
      @extschema@.layer_optional(s.source, s.referrer, 'referrer', 'text', 'NULL::pg_catalog.text'),
      @extschema@.layer_optional(s.source, s.properties, 'properties', 'json', 'NULL::pg_catalog.jsonb'),
      rel, id, ts);
  WHEN 'transactions' THEN
    IF s.cost IS NOT NULL AND s.margin IS NOT NULL THEN
      RAISE EXCEPTION 'map either a cost or a margin column of %, not both', s.source_name USING ERRCODE = '22023';
    END IF;
    amount := @extschema@.layer_column(s.source, s.amount, 'amount', 'amount');
    RETURN pg_catalog.format('SELECT %s AS raw_id, %s AS ts, %s AS amount, %s AS product, %s, %s AS cost FROM %s s WHERE %s IS NOT NULL AND %s IS NOT NULL',
      id, ts, @extschema@.layer_checked(s, 'amount', amount),
      @extschema@.layer_optional(s.source, s.product, 'product', 'text', 'NULL::pg_catalog.text'), src,
      CASE WHEN s.margin IS NOT NULL
           THEN pg_catalog.format('%s - %s', @extschema@.layer_checked(s, 'amount', amount),
                                  @extschema@.layer_checked(s, 'margin', @extschema@.layer_column(s.source, s.margin, 'margin', 'amount')))
           WHEN s.cost IS NOT NULL
           THEN @extschema@.layer_checked(s, 'cost', @extschema@.layer_column(s.source, s.cost, 'cost', 'amount'))
           ELSE 'NULL::pg_catalog.numeric' END,
      rel, id, ts);
  WHEN 'feedback' THEN
    RETURN pg_catalog.format('SELECT %s AS raw_id, %s AS ts, %s AS score, %s, %s AS channel, %s AS comment FROM %s s WHERE %s IS NOT NULL AND %s IS NOT NULL',
      id, ts, @extschema@.layer_checked(s, 'score', @extschema@.layer_column(s.source, s.score, 'score', 'score')), src,
      @extschema@.layer_optional(s.source, s.channel, 'channel', 'text', relname),
      @extschema@.layer_optional(s.source, s.comment, 'comment', 'text', 'NULL::pg_catalog.text'),
      rel, id, ts);
  WHEN 'customers' THEN
    RETURN pg_catalog.format('SELECT %s AS customer_id, %s AS created_at, %s FROM %s s WHERE %s IS NOT NULL',
      id, @extschema@.layer_optional(s.source, s.created_at, 'created_at', 'ts', 'NULL::pg_catalog.timestamptz'),
      src, rel, id);
  END CASE;
END $$;
COMMENT ON FUNCTION @extschema@.layer_kind_sql(@extschema@.sources) IS
  'internal: SELECT of one mapped source with the canonical columns of its kind (every column checked, every name quoted)';

-- The canonical views are rebuilt from the table of kinds (layer_kinds.sql).
CREATE FUNCTION @extschema@.layer_rebuild()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k record;
  s @extschema@.sources;
  parts pg_catalog.text[];
  wparts pg_catalog.text[];
  q pg_catalog.text;
  cols pg_catalog.text;
BEGIN
  -- one rebuild at a time (two sessions mapping at once)
  PERFORM pg_catalog.pg_advisory_xact_lock(1668836716, 1);
  FOR k IN SELECT * FROM @extschema@.layer_kinds() LOOP
    parts := '{}';
    wparts := '{}';
    FOR s IN SELECT * FROM @extschema@.sources x WHERE x.kind = k.kind ORDER BY x.source_name, x.source LOOP
      q := @extschema@.layer_kind_sql(s);
      IF k.stitched THEN
        cols := 'r.' || pg_catalog.replace(k.cols, ', ', ', r.');
        wparts := wparts || @extschema@.layer_stitch_whole(q, cols);
        q := @extschema@.layer_stitch(q, cols);
      END IF;
      parts := parts || q;
    END LOOP;
    -- a stitched kind also has <kind>_whole: the same rows, each source read
    -- once (refresh()'s full passes read every row through it)
    IF k.stitched THEN
      EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW @extschema@.%I WITH (security_invoker = true) AS %s',
        k.kind || '_whole',
        CASE WHEN pg_catalog.cardinality(wparts) = 0 THEN 'SELECT ' || k.empty || ' WHERE false'
             ELSE 'SELECT customer_id, anonymous_id, ' || k.cols || ' FROM ('
                  || pg_catalog.array_to_string(wparts, ' UNION ALL ') || ') u' END);
    END IF;
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
  PERFORM @extschema@.layer_citus_forms();  -- citus: per-profile functions Citus can plan (layer_citus.sql)
END $$;
COMMENT ON FUNCTION @extschema@.layer_rebuild() IS
  'internal: rebuilds the canonical views (identities, touchpoints, transactions, feedback, customers, and the _whole forms of the stitched ones) from cxm.sources';

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

-- the canonical views in their 1.2 form (with the columns added in 1.2), before
-- the derived views are built on them
SELECT @extschema@.layer_rebuild();
COMMENT ON COLUMN @extschema@.touchpoints.campaign IS 'campaign (NULL when no campaign column is mapped)';
COMMENT ON COLUMN @extschema@.touchpoints.utm_source IS 'traffic source, utm_source (NULL when not mapped)';
COMMENT ON COLUMN @extschema@.touchpoints.utm_medium IS 'medium, utm_medium (NULL when not mapped)';
COMMENT ON COLUMN @extschema@.touchpoints.referrer IS 'referrer (NULL when not mapped)';
COMMENT ON COLUMN @extschema@.touchpoints.properties IS 'further event properties (jsonb; NULL when not mapped)';
COMMENT ON COLUMN @extschema@.transactions.cost IS 'cost of the purchase (the mapped cost, or amount - the mapped margin; NULL when neither is mapped)';
COMMENT ON COLUMN @extschema@.feedback.channel IS 'channel of the answer (the mapped channel column, or the source relation''s name when none was mapped)';
COMMENT ON COLUMN @extschema@.feedback.comment IS 'free-text comment or topic (NULL when not mapped)';
COMMENT ON VIEW @extschema@.touchpoints_whole IS
  'internal: the rows of touchpoints, each source read once with one identity lookup per row (for reading every row; a filter on customer_id does not reach the sources'' indexes)';
COMMENT ON VIEW @extschema@.transactions_whole IS
  'internal: the rows of transactions, each source read once with one identity lookup per row (for reading every row)';
COMMENT ON VIEW @extschema@.feedback_whole IS
  'internal: the rows of feedback, each source read once with one identity lookup per row (for reading every row)';
-- their columns mean what the same columns of the stitched views mean
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT k.kind, a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS d
           FROM @extschema@.layer_kinds() k
           JOIN pg_catalog.pg_attribute a ON a.attrelid = pg_catalog.format('@extschema@.%I', k.kind)::pg_catalog.regclass
           WHERE k.stitched AND a.attnum > 0 AND NOT a.attisdropped LOOP
    EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.%I IS %L', c.kind || '_whole', c.attname, c.d);
  END LOOP;
END $$;

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
  -- citus: Citus refuses triggers on its distributed and reference tables; refresh() finds their changes by digests (layer_citus.sql)
  IF @extschema@.layer_citus_table(s.source) THEN  -- citus:
    RAISE NOTICE 'no change capture on %: a Citus distributed or reference table (refresh() compares digests of its rows instead)', s.source;  -- citus:
    RETURN false;  -- citus:
  END IF;  -- citus:
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

-- layer_map(kind, source, columns): checks and stores one mapping.  columns
-- is a jsonb object of role -> column name (the columns of cxm.sources), so
-- roles added later need no new argument here.
CREATE FUNCTION @extschema@.layer_map(kind pg_catalog.text, source pg_catalog.regclass, cols pg_catalog.jsonb)
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
  s := pg_catalog.jsonb_populate_record(NULL::@extschema@.sources, cols);
  s.kind := kind;
  s.source := source;
  s.source_name := @extschema@.layer_relation(source);
  s.mapped_at := pg_catalog.now();
  s.captured := false;
  -- every column is checked now, so the error names the argument: its type,
  -- then its values, then the ids against the other mappings
  PERFORM @extschema@.layer_kind_sql(s);
  PERFORM @extschema@.layer_check_values(s);
  PERFORM @extschema@.layer_check_ids(s);
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
COMMENT ON FUNCTION @extschema@.layer_map(pg_catalog.text, pg_catalog.regclass, pg_catalog.jsonb) IS
  'internal: checks and stores one mapping (role -> column name) and installs its capture triggers (the trigger on cxm.sources rebuilds the views)';

CREATE FUNCTION @extschema@.map_touchpoints(source pg_catalog.regclass, customer_id pg_catalog.text,
  touchpoint pg_catalog.text, ts pg_catalog.text, channel pg_catalog.text DEFAULT NULL,
  campaign pg_catalog.text DEFAULT NULL, utm_source pg_catalog.text DEFAULT NULL,
  utm_medium pg_catalog.text DEFAULT NULL, referrer pg_catalog.text DEFAULT NULL,
  properties pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('touchpoints', source, pg_catalog.jsonb_build_object(
    'customer_id', customer_id, 'touchpoint', touchpoint, 'ts', ts, 'channel', channel, 'campaign', campaign,
    'utm_source', utm_source, 'utm_medium', utm_medium, 'referrer', referrer, 'properties', properties));
$$;
COMMENT ON FUNCTION @extschema@.map_touchpoints(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'maps a relation''s columns (customer or visitor id, touchpoint, time; optional channel, campaign, utm_source, utm_medium, referrer, jsonb properties) into cxm.touchpoints';

CREATE FUNCTION @extschema@.map_transactions(source pg_catalog.regclass, customer_id pg_catalog.text,
  ts pg_catalog.text, amount pg_catalog.text, product pg_catalog.text DEFAULT NULL,
  cost pg_catalog.text DEFAULT NULL, margin pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('transactions', source, pg_catalog.jsonb_build_object(
    'customer_id', customer_id, 'ts', ts, 'amount', amount, 'product', product, 'cost', cost, 'margin', margin));
$$;
COMMENT ON FUNCTION @extschema@.map_transactions(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.text) IS
  'maps a relation''s columns (customer id, time, amount; optional product or category, cost or margin) into cxm.transactions';

CREATE FUNCTION @extschema@.map_feedback(source pg_catalog.regclass, customer_id pg_catalog.text,
  ts pg_catalog.text, score pg_catalog.text, channel pg_catalog.text DEFAULT NULL,
  comment pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('feedback', source, pg_catalog.jsonb_build_object(
    'customer_id', customer_id, 'ts', ts, 'score', score, 'channel', channel, 'comment', comment));
$$;
COMMENT ON FUNCTION @extschema@.map_feedback(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text,
  pg_catalog.text) IS
  'maps a relation''s columns (customer id, time, 0-10 NPS answer; optional channel, comment or topic) into cxm.feedback';

CREATE FUNCTION @extschema@.map_customers(source pg_catalog.regclass, customer_id pg_catalog.text,
  created_at pg_catalog.text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('customers', source, pg_catalog.jsonb_build_object(
    'customer_id', customer_id, 'created_at', created_at));
$$;
COMMENT ON FUNCTION @extschema@.map_customers(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) IS
  'maps a customer master (customer id, optional sign-up time) into cxm.customers';

CREATE FUNCTION @extschema@.map_identities(source pg_catalog.regclass, anonymous_id pg_catalog.text,
  customer_id pg_catalog.text)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.layer_map('identities', source, pg_catalog.jsonb_build_object(
    'customer_id', customer_id, 'anonymous_id', anonymous_id));
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

REVOKE ALL ON FUNCTION @extschema@.layer_map(pg_catalog.text, pg_catalog.regclass, pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_rebuild() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_identity_map_rebuild() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_capture_triggers(@extschema@.sources, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_touchpoints(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_transactions(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_feedback(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text,
  pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_customers(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_identities(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.unmap(pg_catalog.regclass) FROM PUBLIC;
