
-- ---------------------------------------------------------------------------
-- The CX layer over existing tables (contract section 5)
-- ---------------------------------------------------------------------------
-- Design (see doc/layer.md):
-- * cxm.sources holds the mappings (one row per kind and source relation); the
--   source is stored as regclass, which pg_dump writes as a qualified name and
--   a restore resolves again, plus its name for reading.  It is registered
--   with pg_extension_config_dump, like cxm.settings and cxm.models.
-- * The canonical views (identities, touchpoints, transactions, feedback,
--   customers) are members of the extension with a fixed column list.  Any
--   change of cxm.sources (map_*, unmap, a restore of its rows by pg_dump)
--   fires a statement trigger that rebuilds them with CREATE OR REPLACE VIEW:
--   the column list never changes, so every view built on top of them (ours
--   and the user's) stays valid and nothing has to be dropped.
-- * Column names are checked against pg_attribute and always quoted with
--   format('%I'); relation names come from the catalog, quoted the same way.

CREATE TABLE @extschema@.sources (
  kind        pg_catalog.text NOT NULL
              CHECK (kind IN ('touchpoints', 'transactions', 'feedback', 'customers', 'identities')),
  source      pg_catalog.regclass NOT NULL,
  source_name pg_catalog.text NOT NULL,
  customer_id pg_catalog.text NOT NULL,
  anonymous_id pg_catalog.text,
  touchpoint  pg_catalog.text,
  ts          pg_catalog.text,
  channel     pg_catalog.text,
  amount      pg_catalog.text,
  product     pg_catalog.text,
  score       pg_catalog.text,
  created_at  pg_catalog.text,
  mapped_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (kind, source)
);
COMMENT ON TABLE @extschema@.sources IS
  'CX layer mappings: which columns of which existing relation feed each canonical view (managed by map_* and unmap; kept by pg_dump)';
COMMENT ON COLUMN @extschema@.sources.kind IS 'touchpoints, transactions, feedback, customers or identities';
COMMENT ON COLUMN @extschema@.sources.source IS 'the mapped relation (dumped as its qualified name, resolved again on restore)';
COMMENT ON COLUMN @extschema@.sources.source_name IS 'schema-qualified name of the relation when it was mapped (shown in the views'' source column)';
COMMENT ON COLUMN @extschema@.sources.customer_id IS 'column holding the customer (or visitor) id';
COMMENT ON COLUMN @extschema@.sources.anonymous_id IS 'identities: column holding the anonymous visitor id';
COMMENT ON COLUMN @extschema@.sources.touchpoint IS 'touchpoints: column holding the touchpoint (event) name';
COMMENT ON COLUMN @extschema@.sources.ts IS 'column holding the time (timestamp, timestamptz or date)';
COMMENT ON COLUMN @extschema@.sources.channel IS 'touchpoints: column holding the channel (NULL: the relation name is the channel)';
COMMENT ON COLUMN @extschema@.sources.amount IS 'transactions: column holding the amount';
COMMENT ON COLUMN @extschema@.sources.product IS 'transactions: column holding the product or category (optional)';
COMMENT ON COLUMN @extschema@.sources.score IS 'feedback: column holding the 0-10 answer';
COMMENT ON COLUMN @extschema@.sources.created_at IS 'customers: column holding the sign-up time (optional)';
COMMENT ON COLUMN @extschema@.sources.mapped_at IS 'when the mapping was (last) made';

CREATE TABLE @extschema@.settings (
  id              pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (id),
  time_unit       pg_catalog.interval NOT NULL DEFAULT '7 days'
                  CHECK (time_unit > '0'::pg_catalog.interval),
  as_of           pg_catalog.timestamptz,
  clv_horizon     pg_catalog.int4 NOT NULL DEFAULT 52 CHECK (clv_horizon >= 1),
  discount_rate   pg_catalog.float8 NOT NULL DEFAULT 0.0 CHECK (discount_rate > -1),
  penalizer       pg_catalog.float8 NOT NULL DEFAULT 0.001 CHECK (penalizer >= 0),
  session_gap     pg_catalog.interval NOT NULL DEFAULT '30 minutes'
                  CHECK (session_gap > '0'::pg_catalog.interval),
  new_within      pg_catalog.interval NOT NULL DEFAULT '90 days',
  churned_after   pg_catalog.interval NOT NULL DEFAULT '365 days',
  active_p_alive  pg_catalog.float8 NOT NULL DEFAULT 0.5 CHECK (active_p_alive BETWEEN 0 AND 1),
  churned_p_alive pg_catalog.float8 NOT NULL DEFAULT 0.2 CHECK (churned_p_alive BETWEEN 0 AND 1),
  funnel_steps    pg_catalog.text[],
  funnel_window   pg_catalog.interval NOT NULL DEFAULT '7 days'
                  CHECK (funnel_window > '0'::pg_catalog.interval),
  materialized    pg_catalog.bool NOT NULL DEFAULT false
);
INSERT INTO @extschema@.settings DEFAULT VALUES;
COMMENT ON TABLE @extschema@.settings IS
  'CX layer settings (one row; change with UPDATE, except materialized: use set_materialized); kept by pg_dump';
COMMENT ON COLUMN @extschema@.settings.id IS 'always true (the table has one row)';
COMMENT ON COLUMN @extschema@.settings.time_unit IS 'period of the RFM summaries and of the churn models (rfm unit: 7 days = ISO weeks)';
COMMENT ON COLUMN @extschema@.settings.as_of IS 'reference time of RFM, churn and lifecycle figures; NULL = now()';
COMMENT ON COLUMN @extschema@.settings.clv_horizon IS 'CLV horizon in time units (52 weeks by default)';
COMMENT ON COLUMN @extschema@.settings.discount_rate IS 'CLV discount rate per time unit';
COMMENT ON COLUMN @extschema@.settings.penalizer IS 'L2 penalizer of the BG/NBD fit';
COMMENT ON COLUMN @extschema@.settings.session_gap IS 'inactivity that ends a session (30 minutes)';
COMMENT ON COLUMN @extschema@.settings.new_within IS 'a buyer whose first purchase is this recent is "new"';
COMMENT ON COLUMN @extschema@.settings.churned_after IS 'one-time buyers (and every buyer while no model is fitted) count as churned after this long without a purchase';
COMMENT ON COLUMN @extschema@.settings.active_p_alive IS 'repeat buyers with p_alive at or above this are "active"';
COMMENT ON COLUMN @extschema@.settings.churned_p_alive IS 'repeat buyers with p_alive below this are "churned" (between the two: "at risk")';
COMMENT ON COLUMN @extschema@.settings.funnel_steps IS 'touchpoint names of the funnel in order (funnel_conversion is empty while NULL)';
COMMENT ON COLUMN @extschema@.settings.funnel_window IS 'window of the funnel (journey_funnel)';
COMMENT ON COLUMN @extschema@.settings.materialized IS 'true: the heavy views read snapshots filled by refresh() (see set_materialized)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.sources', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.settings', '');

-- The settings row exists from CREATE EXTENSION on; a restore (COPY of the
-- dumped row) or any other INSERT replaces it instead of failing on the key.
CREATE FUNCTION @extschema@.layer_settings_insert()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM @extschema@.settings x WHERE x.id) THEN
    UPDATE @extschema@.settings x
    SET time_unit = NEW.time_unit, as_of = NEW.as_of, clv_horizon = NEW.clv_horizon,
        discount_rate = NEW.discount_rate, penalizer = NEW.penalizer, session_gap = NEW.session_gap,
        new_within = NEW.new_within, churned_after = NEW.churned_after,
        active_p_alive = NEW.active_p_alive, churned_p_alive = NEW.churned_p_alive,
        funnel_steps = NEW.funnel_steps, funnel_window = NEW.funnel_window,
        materialized = NEW.materialized
    WHERE x.id;
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.layer_settings_insert() IS
  'internal: an INSERT into cxm.settings (for example by a restore) replaces the one settings row';
CREATE TRIGGER settings_insert BEFORE INSERT ON @extschema@.settings
FOR EACH ROW EXECUTE FUNCTION @extschema@.layer_settings_insert();
COMMENT ON TRIGGER settings_insert ON @extschema@.settings IS 'an inserted row replaces the settings row';

-- Column checks ------------------------------------------------------------------

-- the relation as a quoted, qualified name; checks it can be a source
CREATE FUNCTION @extschema@.layer_relation(source pg_catalog.regclass)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c record;
BEGIN
  IF source IS NULL THEN
    RAISE EXCEPTION 'source must not be NULL' USING ERRCODE = '22004';
  END IF;
  SELECT n.nspname, r.relname, r.relkind, r.relpersistence INTO c
  FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
  WHERE r.oid = source;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'relation with OID % does not exist', source::pg_catalog.oid USING ERRCODE = '42P01';
  END IF;
  IF c.relkind NOT IN ('r', 'p', 'v', 'm', 'f') THEN
    RAISE EXCEPTION '% is not a table, view, materialized view or foreign table',
      pg_catalog.format('%I.%I', c.nspname, c.relname) USING ERRCODE = '42809';
  END IF;
  IF c.relpersistence = 't' THEN
    RAISE EXCEPTION '"%" is a temporary table; the CX views can only read permanent relations', c.relname
      USING ERRCODE = '42809';
  END IF;
  RETURN pg_catalog.format('%I.%I', c.nspname, c.relname);
END $$;
COMMENT ON FUNCTION @extschema@.layer_relation(pg_catalog.regclass) IS
  'internal: quoted qualified name of a source relation; ERROR when it is not a table, view, materialized view or foreign table';

-- layer_column(source, column, role, want): the SQL expression (on alias s)
-- that reads the column as the canonical type.  want: id (any type, as text),
-- text (any type, as text), ts (timestamp, timestamptz, date), amount (numeric
-- types), score (integer types).  42703 when the column does not exist, 42804
-- when its type cannot serve.
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
  END IF;
  RAISE EXCEPTION 'internal error: unknown column role %', want USING ERRCODE = 'XX000';
END $$;
COMMENT ON FUNCTION @extschema@.layer_column(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'internal: checks a mapped column (42703 missing, 42804 unusable type) and returns the quoted expression reading it as the canonical type';

-- Canonical views (empty until something is mapped) -----------------------------

CREATE VIEW @extschema@.identities WITH (security_invoker = true) AS
SELECT NULL::pg_catalog.text AS anonymous_id, NULL::pg_catalog.text AS customer_id,
       NULL::pg_catalog.text AS source
WHERE false;
COMMENT ON VIEW @extschema@.identities IS
  'identity links from every source mapped with map_identities: an anonymous visitor id that became a known customer';
COMMENT ON COLUMN @extschema@.identities.anonymous_id IS 'anonymous visitor id (cookie, device id) as text';
COMMENT ON COLUMN @extschema@.identities.customer_id IS 'the customer id it belongs to, as text';
COMMENT ON COLUMN @extschema@.identities.source IS 'qualified name of the source relation';

CREATE VIEW @extschema@.touchpoints WITH (security_invoker = true) AS
SELECT NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS anonymous_id,
       NULL::pg_catalog.text AS touchpoint, NULL::pg_catalog.timestamptz AS ts,
       NULL::pg_catalog.text AS channel, NULL::pg_catalog.text AS source
WHERE false;
COMMENT ON VIEW @extschema@.touchpoints IS
  'every mapped touchpoint, identity-stitched: an anonymous id linked by map_identities shows as its customer';
COMMENT ON COLUMN @extschema@.touchpoints.customer_id IS 'profile id: the customer id, or the linked customer of an anonymous id, or the unlinked anonymous id itself';
COMMENT ON COLUMN @extschema@.touchpoints.anonymous_id IS 'the anonymous id the row was recorded under when it was stitched to a customer, else NULL';
COMMENT ON COLUMN @extschema@.touchpoints.touchpoint IS 'touchpoint (event) name';
COMMENT ON COLUMN @extschema@.touchpoints.ts IS 'time of the touchpoint';
COMMENT ON COLUMN @extschema@.touchpoints.channel IS 'channel (the mapped channel column, or the source relation''s name when none was mapped)';
COMMENT ON COLUMN @extschema@.touchpoints.source IS 'qualified name of the source relation';

CREATE VIEW @extschema@.transactions WITH (security_invoker = true) AS
SELECT NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS anonymous_id,
       NULL::pg_catalog.timestamptz AS ts, NULL::pg_catalog.numeric AS amount,
       NULL::pg_catalog.text AS product, NULL::pg_catalog.text AS source
WHERE false;
COMMENT ON VIEW @extschema@.transactions IS 'every mapped purchase, identity-stitched';
COMMENT ON COLUMN @extschema@.transactions.customer_id IS 'profile id (customer id, stitched as in touchpoints)';
COMMENT ON COLUMN @extschema@.transactions.anonymous_id IS 'the anonymous id the purchase was recorded under when it was stitched, else NULL';
COMMENT ON COLUMN @extschema@.transactions.ts IS 'time of the purchase';
COMMENT ON COLUMN @extschema@.transactions.amount IS 'amount of the purchase';
COMMENT ON COLUMN @extschema@.transactions.product IS 'product or category (NULL when no product column is mapped)';
COMMENT ON COLUMN @extschema@.transactions.source IS 'qualified name of the source relation';

CREATE VIEW @extschema@.feedback WITH (security_invoker = true) AS
SELECT NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS anonymous_id,
       NULL::pg_catalog.timestamptz AS ts, NULL::pg_catalog.int4 AS score,
       NULL::pg_catalog.text AS source
WHERE false;
COMMENT ON VIEW @extschema@.feedback IS 'every mapped NPS answer (0-10), identity-stitched';
COMMENT ON COLUMN @extschema@.feedback.customer_id IS 'profile id (stitched as in touchpoints)';
COMMENT ON COLUMN @extschema@.feedback.anonymous_id IS 'the anonymous id the answer was recorded under when it was stitched, else NULL';
COMMENT ON COLUMN @extschema@.feedback.ts IS 'time of the answer';
COMMENT ON COLUMN @extschema@.feedback.score IS 'answer 0-10 to "how likely are you to recommend us"';
COMMENT ON COLUMN @extschema@.feedback.source IS 'qualified name of the source relation';

CREATE VIEW @extschema@.customers WITH (security_invoker = true) AS
SELECT NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.timestamptz AS created_at,
       NULL::pg_catalog.text AS source
WHERE false;
COMMENT ON VIEW @extschema@.customers IS
  'the customer master: one row per customer id over every source mapped with map_customers';
COMMENT ON COLUMN @extschema@.customers.customer_id IS 'customer id as text';
COMMENT ON COLUMN @extschema@.customers.created_at IS 'earliest sign-up time over the sources (NULL when no created_at column is mapped)';
COMMENT ON COLUMN @extschema@.customers.source IS 'qualified name of the first source (by name) that lists the customer';

-- Rebuild ------------------------------------------------------------------------

-- stitched(kind, union of raw rows with a column raw_id, output columns):
-- rows whose raw_id is not an anonymous id keep it; linked rows take the
-- customer (the smallest one when an anonymous id is linked to several).
-- Written as two branches, and the link table as a DISTINCT (not a GROUP BY),
-- so a filter on customer_id is pushed down into both: to the source's own
-- index in the first branch, to the identity links in the second.
CREATE FUNCTION @extschema@.layer_stitch(raw pg_catalog.text, cols pg_catalog.text, has_ids pg_catalog.bool)
RETURNS pg_catalog.text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT has_ids THEN
    RETURN pg_catalog.format(
      'SELECT r.raw_id AS customer_id, NULL::pg_catalog.text AS anonymous_id, %s FROM (%s) r', cols, raw);
  END IF;
  RETURN pg_catalog.format(
    'SELECT r.raw_id AS customer_id, NULL::pg_catalog.text AS anonymous_id, %1$s FROM (%2$s) r'
    ' WHERE NOT EXISTS (SELECT 1 FROM @extschema@.identities i WHERE i.anonymous_id = r.raw_id)'
    ' UNION ALL'
    ' SELECT m.customer_id, r.raw_id, %1$s FROM (%2$s) r'
    ' JOIN (SELECT DISTINCT i.anonymous_id, i.customer_id FROM @extschema@.identities i'
    ' WHERE NOT EXISTS (SELECT 1 FROM @extschema@.identities j'
    ' WHERE j.anonymous_id = i.anonymous_id AND j.customer_id < i.customer_id)) m'
    ' ON m.anonymous_id = r.raw_id',
    cols, raw);
END $$;
COMMENT ON FUNCTION @extschema@.layer_stitch(pg_catalog.text, pg_catalog.text, pg_catalog.bool) IS
  'internal: SQL of an identity-stitched canonical view over the union of its raw sources';

CREATE FUNCTION @extschema@.layer_rebuild()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s record;
  rel pg_catalog.text;
  parts pg_catalog.text[];
  has_ids pg_catalog.bool;
  q pg_catalog.text;
  opt CONSTANT pg_catalog.text := ' WITH (security_invoker = true) AS ';
BEGIN
  -- one rebuild at a time (two sessions mapping at once)
  PERFORM pg_catalog.pg_advisory_xact_lock(1668836716, 1);

  -- identities
  parts := '{}';
  FOR s IN SELECT * FROM @extschema@.sources x WHERE x.kind = 'identities' ORDER BY x.source_name, x.source LOOP
    rel := @extschema@.layer_relation(s.source);
    parts := parts || pg_catalog.format(
      'SELECT %s AS anonymous_id, %s AS customer_id, %L::pg_catalog.text AS source FROM %s s',
      @extschema@.layer_column(s.source, s.anonymous_id, 'anonymous_id', 'id'),
      @extschema@.layer_column(s.source, s.customer_id, 'customer_id', 'id'),
      s.source_name, rel);
  END LOOP;
  has_ids := pg_catalog.cardinality(parts) > 0;
  IF has_ids THEN
    q := 'SELECT i.anonymous_id, i.customer_id, i.source FROM ('
         || pg_catalog.array_to_string(parts, ' UNION ALL ')
         || ') i WHERE i.anonymous_id IS NOT NULL AND i.customer_id IS NOT NULL';
  ELSE
    q := 'SELECT NULL::pg_catalog.text AS anonymous_id, NULL::pg_catalog.text AS customer_id,'
         ' NULL::pg_catalog.text AS source WHERE false';
  END IF;
  EXECUTE 'CREATE OR REPLACE VIEW @extschema@.identities' || opt || q;

  -- touchpoints
  parts := '{}';
  FOR s IN SELECT * FROM @extschema@.sources x WHERE x.kind = 'touchpoints' ORDER BY x.source_name, x.source LOOP
    rel := @extschema@.layer_relation(s.source);
    parts := parts || pg_catalog.format(
      'SELECT %s AS raw_id, %s AS touchpoint, %s AS ts, %s AS channel, %L::pg_catalog.text AS source FROM %s s',
      @extschema@.layer_column(s.source, s.customer_id, 'customer_id', 'id'),
      @extschema@.layer_column(s.source, s.touchpoint, 'touchpoint', 'text'),
      @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'),
      CASE WHEN s.channel IS NULL
           THEN pg_catalog.format('%L::pg_catalog.text',
                  (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = s.source))
           ELSE @extschema@.layer_column(s.source, s.channel, 'channel', 'text') END,
      s.source_name, rel);
  END LOOP;
  IF pg_catalog.cardinality(parts) > 0 THEN
    q := 'SELECT * FROM (' || pg_catalog.array_to_string(parts, ' UNION ALL ')
         || ') u WHERE u.raw_id IS NOT NULL AND u.ts IS NOT NULL';
    q := 'SELECT t.customer_id, t.anonymous_id, t.touchpoint, t.ts, t.channel, t.source FROM ('
         || @extschema@.layer_stitch(q, 'r.touchpoint, r.ts, r.channel, r.source', has_ids) || ') t';
  ELSE
    q := 'SELECT NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS anonymous_id,'
         ' NULL::pg_catalog.text AS touchpoint, NULL::pg_catalog.timestamptz AS ts,'
         ' NULL::pg_catalog.text AS channel, NULL::pg_catalog.text AS source WHERE false';
  END IF;
  EXECUTE 'CREATE OR REPLACE VIEW @extschema@.touchpoints' || opt || q;

  -- transactions
  parts := '{}';
  FOR s IN SELECT * FROM @extschema@.sources x WHERE x.kind = 'transactions' ORDER BY x.source_name, x.source LOOP
    rel := @extschema@.layer_relation(s.source);
    parts := parts || pg_catalog.format(
      'SELECT %s AS raw_id, %s AS ts, %s AS amount, %s AS product, %L::pg_catalog.text AS source FROM %s s',
      @extschema@.layer_column(s.source, s.customer_id, 'customer_id', 'id'),
      @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'),
      @extschema@.layer_column(s.source, s.amount, 'amount', 'amount'),
      CASE WHEN s.product IS NULL THEN 'NULL::pg_catalog.text'
           ELSE @extschema@.layer_column(s.source, s.product, 'product', 'text') END,
      s.source_name, rel);
  END LOOP;
  IF pg_catalog.cardinality(parts) > 0 THEN
    q := 'SELECT * FROM (' || pg_catalog.array_to_string(parts, ' UNION ALL ')
         || ') u WHERE u.raw_id IS NOT NULL AND u.ts IS NOT NULL';
    q := 'SELECT t.customer_id, t.anonymous_id, t.ts, t.amount, t.product, t.source FROM ('
         || @extschema@.layer_stitch(q, 'r.ts, r.amount, r.product, r.source', has_ids) || ') t';
  ELSE
    q := 'SELECT NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS anonymous_id,'
         ' NULL::pg_catalog.timestamptz AS ts, NULL::pg_catalog.numeric AS amount,'
         ' NULL::pg_catalog.text AS product, NULL::pg_catalog.text AS source WHERE false';
  END IF;
  EXECUTE 'CREATE OR REPLACE VIEW @extschema@.transactions' || opt || q;

  -- feedback
  parts := '{}';
  FOR s IN SELECT * FROM @extschema@.sources x WHERE x.kind = 'feedback' ORDER BY x.source_name, x.source LOOP
    rel := @extschema@.layer_relation(s.source);
    parts := parts || pg_catalog.format(
      'SELECT %s AS raw_id, %s AS ts, %s AS score, %L::pg_catalog.text AS source FROM %s s',
      @extschema@.layer_column(s.source, s.customer_id, 'customer_id', 'id'),
      @extschema@.layer_column(s.source, s.ts, 'ts', 'ts'),
      @extschema@.layer_column(s.source, s.score, 'score', 'score'),
      s.source_name, rel);
  END LOOP;
  IF pg_catalog.cardinality(parts) > 0 THEN
    q := 'SELECT * FROM (' || pg_catalog.array_to_string(parts, ' UNION ALL ')
         || ') u WHERE u.raw_id IS NOT NULL AND u.ts IS NOT NULL';
    q := 'SELECT t.customer_id, t.anonymous_id, t.ts, t.score, t.source FROM ('
         || @extschema@.layer_stitch(q, 'r.ts, r.score, r.source', has_ids) || ') t';
  ELSE
    q := 'SELECT NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.text AS anonymous_id,'
         ' NULL::pg_catalog.timestamptz AS ts, NULL::pg_catalog.int4 AS score,'
         ' NULL::pg_catalog.text AS source WHERE false';
  END IF;
  EXECUTE 'CREATE OR REPLACE VIEW @extschema@.feedback' || opt || q;

  -- customers: one row per id
  parts := '{}';
  FOR s IN SELECT * FROM @extschema@.sources x WHERE x.kind = 'customers' ORDER BY x.source_name, x.source LOOP
    rel := @extschema@.layer_relation(s.source);
    parts := parts || pg_catalog.format(
      'SELECT %s AS customer_id, %s AS created_at, %L::pg_catalog.text AS source FROM %s s',
      @extschema@.layer_column(s.source, s.customer_id, 'customer_id', 'id'),
      CASE WHEN s.created_at IS NULL THEN 'NULL::pg_catalog.timestamptz'
           ELSE @extschema@.layer_column(s.source, s.created_at, 'created_at', 'ts') END,
      s.source_name, rel);
  END LOOP;
  IF pg_catalog.cardinality(parts) = 1 THEN
    q := 'SELECT u.customer_id, u.created_at, u.source FROM (' || parts[1]
         || ') u WHERE u.customer_id IS NOT NULL';
  ELSIF pg_catalog.cardinality(parts) > 1 THEN
    q := 'SELECT u.customer_id, pg_catalog.min(u.created_at) AS created_at, pg_catalog.min(u.source) AS source FROM ('
         || pg_catalog.array_to_string(parts, ' UNION ALL ')
         || ') u WHERE u.customer_id IS NOT NULL GROUP BY u.customer_id';
  ELSE
    q := 'SELECT NULL::pg_catalog.text AS customer_id, NULL::pg_catalog.timestamptz AS created_at,'
         ' NULL::pg_catalog.text AS source WHERE false';
  END IF;
  EXECUTE 'CREATE OR REPLACE VIEW @extschema@.customers' || opt || q;
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
  v_name pg_catalog.text;
BEGIN
  v_name := @extschema@.layer_relation(source);
  -- check every column now, so the error names the argument (the rebuild checks again)
  PERFORM @extschema@.layer_column(source, layer_map.customer_id, 'customer_id', 'id');
  IF kind = 'identities' THEN
    PERFORM @extschema@.layer_column(source, layer_map.anonymous_id, 'anonymous_id', 'id');
  END IF;
  IF kind = 'touchpoints' THEN
    PERFORM @extschema@.layer_column(source, layer_map.touchpoint, 'touchpoint', 'text');
  END IF;
  IF kind IN ('touchpoints', 'transactions', 'feedback') THEN
    PERFORM @extschema@.layer_column(source, layer_map.ts, 'ts', 'ts');
  END IF;
  IF layer_map.channel IS NOT NULL THEN
    PERFORM @extschema@.layer_column(source, layer_map.channel, 'channel', 'text');
  END IF;
  IF kind = 'transactions' THEN
    PERFORM @extschema@.layer_column(source, layer_map.amount, 'amount', 'amount');
  END IF;
  IF layer_map.product IS NOT NULL THEN
    PERFORM @extschema@.layer_column(source, layer_map.product, 'product', 'text');
  END IF;
  IF kind = 'feedback' THEN
    PERFORM @extschema@.layer_column(source, layer_map.score, 'score', 'score');
  END IF;
  IF layer_map.created_at IS NOT NULL THEN
    PERFORM @extschema@.layer_column(source, layer_map.created_at, 'created_at', 'ts');
  END IF;
  -- mapping a relation again for the same kind replaces its mapping
  DELETE FROM @extschema@.sources x WHERE x.kind = layer_map.kind AND x.source = layer_map.source;
  INSERT INTO @extschema@.sources (kind, source, source_name, customer_id, anonymous_id, touchpoint,
                                   ts, channel, amount, product, score, created_at)
  VALUES (kind, source, v_name, customer_id, anonymous_id, touchpoint,
          ts, channel, amount, product, score, created_at);
END $$;
COMMENT ON FUNCTION @extschema@.layer_map(pg_catalog.text, pg_catalog.regclass, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'internal: checks and stores one mapping (the trigger on cxm.sources rebuilds the views)';

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
BEGIN
  IF source IS NULL THEN
    RAISE EXCEPTION 'source must not be NULL' USING ERRCODE = '22004';
  END IF;
  DELETE FROM @extschema@.sources x WHERE x.source = unmap.source;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'relation % is not mapped', source USING ERRCODE = '42704';
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.unmap(pg_catalog.regclass) IS
  'removes every mapping of a relation (the canonical views are rebuilt without it); 42704 when it was not mapped';

REVOKE ALL ON FUNCTION @extschema@.layer_map(pg_catalog.text, pg_catalog.regclass, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_rebuild() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_touchpoints(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_transactions(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_feedback(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_customers(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.map_identities(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.unmap(pg_catalog.regclass) FROM PUBLIC;

GRANT SELECT ON @extschema@.sources, @extschema@.settings TO PUBLIC;

-- Derived views -------------------------------------------------------------------
-- All read the canonical views, so they follow every mapping; all are
-- security_invoker.  The heavy ones exist twice: <name>_live (the query) and
-- <name>_snapshot (a table filled by refresh() in materialised mode); the view
-- <name> reads one or the other (see set_materialized).

CREATE VIEW @extschema@.sessions WITH (security_invoker = true) AS
SELECT y.customer_id, y.session,
       pg_catalog.min(y.ts) AS started_at, pg_catalog.max(y.ts) AS ended_at,
       pg_catalog.count(*) AS touchpoints,
       EXTRACT(epoch FROM pg_catalog.max(y.ts) - pg_catalog.min(y.ts))::pg_catalog.float8 / 60 AS duration_minutes,
       (pg_catalog.array_agg(y.channel ORDER BY y.ts, y.touchpoint))[1] AS channel
FROM (
  SELECT t.customer_id, t.ts, t.touchpoint, t.channel,
         @extschema@.sessionize(t.ts, s.session_gap) OVER (PARTITION BY t.customer_id ORDER BY t.ts) AS session
  FROM @extschema@.touchpoints t CROSS JOIN @extschema@.settings s
) y
GROUP BY y.customer_id, y.session;
COMMENT ON VIEW @extschema@.sessions IS
  'sessions of every profile: a new session starts after settings.session_gap (30 minutes) without a touchpoint';
COMMENT ON COLUMN @extschema@.sessions.customer_id IS 'profile id (as in touchpoints)';
COMMENT ON COLUMN @extschema@.sessions.session IS 'session number within the profile, 1 = first';
COMMENT ON COLUMN @extschema@.sessions.started_at IS 'time of the first touchpoint of the session';
COMMENT ON COLUMN @extschema@.sessions.ended_at IS 'time of the last touchpoint of the session';
COMMENT ON COLUMN @extschema@.sessions.touchpoints IS 'touchpoints in the session';
COMMENT ON COLUMN @extschema@.sessions.duration_minutes IS 'minutes from the first to the last touchpoint (0 for a single touchpoint)';
COMMENT ON COLUMN @extschema@.sessions.channel IS 'channel of the first touchpoint';

CREATE VIEW @extschema@.nps_monthly WITH (security_invoker = true) AS
SELECT x.month, (x.s).n AS responses, (x.s).promoters, (x.s).passives, (x.s).detractors,
       (x.s).nps, (x.s).std_error, (x.s).ci_low, (x.s).ci_high
FROM (
  SELECT pg_catalog.date_trunc('month', f.ts)::pg_catalog.date AS month, @extschema@.nps_stats(f.score) AS s
  FROM @extschema@.feedback f
  WHERE f.score IS NOT NULL
  GROUP BY 1
) x;
COMMENT ON VIEW @extschema@.nps_monthly IS 'Net Promoter Score by calendar month (session time zone) with its 95 % interval (nps_stats)';
COMMENT ON COLUMN @extschema@.nps_monthly.month IS 'first day of the month';
COMMENT ON COLUMN @extschema@.nps_monthly.responses IS 'answers in the month';
COMMENT ON COLUMN @extschema@.nps_monthly.promoters IS 'answers 9-10';
COMMENT ON COLUMN @extschema@.nps_monthly.passives IS 'answers 7-8';
COMMENT ON COLUMN @extschema@.nps_monthly.detractors IS 'answers 0-6';
COMMENT ON COLUMN @extschema@.nps_monthly.nps IS '100 * (promoters - detractors) / responses';
COMMENT ON COLUMN @extschema@.nps_monthly.std_error IS 'standard error of nps';
COMMENT ON COLUMN @extschema@.nps_monthly.ci_low IS 'lower end of the 95 % interval (nps - 1.959964 std_error, at least -100)';
COMMENT ON COLUMN @extschema@.nps_monthly.ci_high IS 'upper end of the 95 % interval (at most 100)';

CREATE VIEW @extschema@.cohort_retention_live WITH (security_invoker = true) AS
WITH b AS (
  SELECT t.customer_id, pg_catalog.date_trunc('month', t.ts)::pg_catalog.date AS month
  FROM @extschema@.transactions t GROUP BY 1, 2
), f AS (
  SELECT b.customer_id, pg_catalog.min(b.month) AS cohort FROM b GROUP BY 1
), sizes AS (
  SELECT f.cohort, pg_catalog.count(*) AS n FROM f GROUP BY 1
), act AS (
  SELECT f.cohort, b.month, pg_catalog.count(*) AS c
  FROM b JOIN f ON f.customer_id = b.customer_id GROUP BY 1, 2
)
SELECT s.cohort AS cohort_month,
       ((EXTRACT(year FROM m.month) - EXTRACT(year FROM s.cohort)) * 12
        + EXTRACT(month FROM m.month) - EXTRACT(month FROM s.cohort))::pg_catalog.int4 AS months_since,
       m.month, s.n AS cohort_size, COALESCE(a.c, 0) AS customers,
       COALESCE(a.c, 0)::pg_catalog.float8 / s.n AS retention
FROM sizes s
CROSS JOIN LATERAL (
  SELECT g::pg_catalog.date AS month
  FROM pg_catalog.generate_series(s.cohort::pg_catalog.timestamp,
                                  (SELECT pg_catalog.max(b.month) FROM b)::pg_catalog.timestamp,
                                  '1 month'::pg_catalog.interval) g
) m
LEFT JOIN act a ON a.cohort = s.cohort AND a.month = m.month;
CREATE VIEW @extschema@.cohort_retention WITH (security_invoker = true) AS
SELECT * FROM @extschema@.cohort_retention_live;
COMMENT ON VIEW @extschema@.cohort_retention IS
  'purchase cohorts: customers by month of first purchase, and the share of them buying again in each later month';
COMMENT ON COLUMN @extschema@.cohort_retention.cohort_month IS 'month of the cohort''s first purchase (first day)';
COMMENT ON COLUMN @extschema@.cohort_retention.months_since IS 'months after the cohort month (0 = the cohort month itself)';
COMMENT ON COLUMN @extschema@.cohort_retention.month IS 'the calendar month (first day)';
COMMENT ON COLUMN @extschema@.cohort_retention.cohort_size IS 'customers whose first purchase was in the cohort month';
COMMENT ON COLUMN @extschema@.cohort_retention.customers IS 'of them, customers with a purchase in this month';
COMMENT ON COLUMN @extschema@.cohort_retention.retention IS 'customers / cohort_size (1 in month 0)';

CREATE VIEW @extschema@.experiment_results WITH (security_invoker = true) AS
SELECT e.experiment, e.policy, a.arm_no, r.arm, r.trials, r.reward_sum, r.mean, r.ci_low, r.ci_high,
       r.p_best, r.active,
       r.mean / NULLIF(pg_catalog.first_value(r.mean) OVER (PARTITION BY e.experiment ORDER BY a.arm_no), 0) - 1
         AS lift
FROM @extschema@.bandit_experiment e
CROSS JOIN LATERAL @extschema@.bandit_report(e.experiment) r
JOIN @extschema@.bandit_arm a ON a.experiment = e.experiment AND a.arm = r.arm;
COMMENT ON VIEW @extschema@.experiment_results IS
  'every experiment and bandit (bandit_report per arm) with the lift of each arm over the first (control) arm';
COMMENT ON COLUMN @extschema@.experiment_results.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.experiment_results.policy IS 'assignment policy (uniform = classic A/B/N split)';
COMMENT ON COLUMN @extschema@.experiment_results.arm_no IS 'arm number in creation order (1 = control)';
COMMENT ON COLUMN @extschema@.experiment_results.arm IS 'arm (variant) name';
COMMENT ON COLUMN @extschema@.experiment_results.trials IS 'subjects assigned (trials)';
COMMENT ON COLUMN @extschema@.experiment_results.reward_sum IS 'conversions (sum of rewards)';
COMMENT ON COLUMN @extschema@.experiment_results.mean IS 'conversion rate or mean reward: reward_sum / trials';
COMMENT ON COLUMN @extschema@.experiment_results.ci_low IS 'lower end of the 95 % interval of mean (Wilson; normal for gaussian_thompson)';
COMMENT ON COLUMN @extschema@.experiment_results.ci_high IS 'upper end of the 95 % interval of mean';
COMMENT ON COLUMN @extschema@.experiment_results.p_best IS 'posterior probability that the arm is the best (NULL while paused)';
COMMENT ON COLUMN @extschema@.experiment_results.active IS 'false while the arm is paused';
COMMENT ON COLUMN @extschema@.experiment_results.lift IS 'mean / mean of arm 1 - 1 (0 for arm 1; NULL when arm 1''s mean is 0)';



-- Journeys over the canonical views (needs journey_path, path_collapse,
-- journey_funnel, attribution) -----------------------------------------------------

CREATE VIEW @extschema@.customer_journeys_live WITH (security_invoker = true) AS
SELECT j.customer_id, j.first_seen, j.last_seen, j.touchpoints, COALESCE(s.sessions, 0) AS sessions,
       j.channels, j.path, j.channel_path, b.first_purchase IS NOT NULL AS converted, b.first_purchase
FROM (
  SELECT t.customer_id, pg_catalog.min(t.ts) AS first_seen, pg_catalog.max(t.ts) AS last_seen,
         pg_catalog.count(*) AS touchpoints, pg_catalog.count(DISTINCT t.channel) AS channels,
         @extschema@.journey_path(t.touchpoint, t.ts) AS path,
         @extschema@.path_collapse(@extschema@.journey_path(t.channel, t.ts)) AS channel_path
  FROM @extschema@.touchpoints t
  GROUP BY t.customer_id
) j
LEFT JOIN (SELECT x.customer_id, pg_catalog.count(*) AS sessions
           FROM @extschema@.sessions x GROUP BY x.customer_id) s ON s.customer_id = j.customer_id
LEFT JOIN (SELECT x.customer_id, pg_catalog.min(x.ts) AS first_purchase
           FROM @extschema@.transactions x GROUP BY x.customer_id) b ON b.customer_id = j.customer_id;
CREATE VIEW @extschema@.customer_journeys WITH (security_invoker = true) AS
SELECT * FROM @extschema@.customer_journeys_live;
COMMENT ON VIEW @extschema@.customer_journeys IS
  'one row per profile with touchpoints: its journey (touchpoints in time order), channel path, sessions and whether it converted';
COMMENT ON COLUMN @extschema@.customer_journeys.customer_id IS 'profile id (customer, or unlinked anonymous visitor)';
COMMENT ON COLUMN @extschema@.customer_journeys.first_seen IS 'first touchpoint';
COMMENT ON COLUMN @extschema@.customer_journeys.last_seen IS 'last touchpoint';
COMMENT ON COLUMN @extschema@.customer_journeys.touchpoints IS 'number of touchpoints';
COMMENT ON COLUMN @extschema@.customer_journeys.sessions IS 'number of sessions (settings.session_gap of inactivity splits them)';
COMMENT ON COLUMN @extschema@.customer_journeys.channels IS 'number of distinct channels';
COMMENT ON COLUMN @extschema@.customer_journeys.path IS 'touchpoints in time order, ties by name (journey_path)';
COMMENT ON COLUMN @extschema@.customer_journeys.channel_path IS 'channels in time order with consecutive repeats collapsed';
COMMENT ON COLUMN @extschema@.customer_journeys.converted IS 'the profile has a purchase';
COMMENT ON COLUMN @extschema@.customer_journeys.first_purchase IS 'time of the first purchase (NULL when none)';

CREATE VIEW @extschema@.journey_transitions_live WITH (security_invoker = true) AS
SELECT x.step, x.source, x.target, pg_catalog.count(*) AS customers
FROM (
  SELECT i AS step, p.path[i] AS source, COALESCE(p.path[i + 1], '(end)') AS target
  FROM (SELECT @extschema@.path_collapse(j.path) AS path FROM @extschema@.customer_journeys j) p
  CROSS JOIN LATERAL pg_catalog.generate_series(1, pg_catalog.cardinality(p.path)) i
) x
GROUP BY x.step, x.source, x.target;
CREATE VIEW @extschema@.journey_transitions WITH (security_invoker = true) AS
SELECT * FROM @extschema@.journey_transitions_live;
COMMENT ON VIEW @extschema@.journey_transitions IS
  'Sankey input: how many profiles went from one touchpoint to the next at each step of their (collapsed) journey';
COMMENT ON COLUMN @extschema@.journey_transitions.step IS 'position of the source touchpoint in the journey (1 = first)';
COMMENT ON COLUMN @extschema@.journey_transitions.source IS 'touchpoint at this step';
COMMENT ON COLUMN @extschema@.journey_transitions.target IS 'next touchpoint, or (end) when the journey stops here';
COMMENT ON COLUMN @extschema@.journey_transitions.customers IS 'profiles that made this transition at this step';

CREATE VIEW @extschema@.channel_attribution_live WITH (security_invoker = true) AS
WITH b AS (
  SELECT x.customer_id, pg_catalog.min(x.ts) AS first_purchase, pg_catalog.sum(x.amount) AS revenue
  FROM @extschema@.transactions x GROUP BY x.customer_id
), j AS MATERIALIZED (
  SELECT @extschema@.path_collapse(@extschema@.journey_path(t.channel, t.ts)) AS path,
         CASE WHEN b.customer_id IS NULL THEN 0 ELSE 1 END::pg_catalog.float8 AS conversions,
         COALESCE(b.revenue, 0)::pg_catalog.float8 AS revenue
  FROM @extschema@.touchpoints t
  LEFT JOIN b ON b.customer_id = t.customer_id
  WHERE b.first_purchase IS NULL OR t.ts <= b.first_purchase
  GROUP BY t.customer_id, b.customer_id, b.revenue
), tot AS (
  SELECT pg_catalog.sum(j.conversions) AS conversions FROM j
)
SELECT m.model, c.channel, c.credit AS conversions, c.credit / NULLIF(tot.conversions, 0) AS share,
       r.credit AS revenue
FROM pg_catalog.unnest(ARRAY['first_touch', 'last_touch', 'linear', 'position', 'markov']::pg_catalog.text[]) m(model)
CROSS JOIN LATERAL (
  SELECT @extschema@.attribution(j.path, j.conversions, m.model) AS ac,
         @extschema@.attribution(j.path, j.revenue, m.model) AS ar
  FROM j
) a
CROSS JOIN LATERAL pg_catalog.unnest(a.ac) c
LEFT JOIN LATERAL pg_catalog.unnest(a.ar) r ON r.channel = c.channel
CROSS JOIN tot;
CREATE VIEW @extschema@.channel_attribution WITH (security_invoker = true) AS
SELECT * FROM @extschema@.channel_attribution_live;
COMMENT ON VIEW @extschema@.channel_attribution IS
  'acquisition attribution: the channel path of each profile up to its first purchase, credited by five models (attribution)';
COMMENT ON COLUMN @extschema@.channel_attribution.model IS 'first_touch, last_touch, linear, position or markov';
COMMENT ON COLUMN @extschema@.channel_attribution.channel IS 'channel';
COMMENT ON COLUMN @extschema@.channel_attribution.conversions IS 'converted customers credited to the channel (sums to the converting journeys)';
COMMENT ON COLUMN @extschema@.channel_attribution.share IS 'conversions / all converting journeys';
COMMENT ON COLUMN @extschema@.channel_attribution.revenue IS 'lifetime revenue of the converted customers credited to the channel';

CREATE TABLE @extschema@.customer_journeys_snapshot AS
SELECT * FROM @extschema@.customer_journeys_live WITH NO DATA;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.customer_journeys_snapshot', '');
CREATE TABLE @extschema@.journey_transitions_snapshot AS
SELECT * FROM @extschema@.journey_transitions_live WITH NO DATA;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.journey_transitions_snapshot', '');
CREATE TABLE @extschema@.channel_attribution_snapshot AS
SELECT * FROM @extschema@.channel_attribution_live WITH NO DATA;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.channel_attribution_snapshot', '');


-- needs journey_funnel
CREATE VIEW @extschema@.funnel_conversion WITH (security_invoker = true) AS
WITH cfg AS (
  SELECT s.funnel_steps AS steps, s.funnel_window AS win
  FROM @extschema@.settings s
  WHERE s.id AND pg_catalog.cardinality(s.funnel_steps) > 0
), lv AS (
  SELECT t.customer_id,
         @extschema@.journey_funnel(t.ts, c.win,
           ARRAY(SELECT t.touchpoint = u.s FROM pg_catalog.unnest(c.steps) WITH ORDINALITY u(s, o) ORDER BY u.o)) AS level
  FROM @extschema@.touchpoints t CROSS JOIN cfg c
  GROUP BY t.customer_id
)
SELECT u.o::pg_catalog.int4 AS step, u.s AS touchpoint,
       pg_catalog.count(*) FILTER (WHERE lv.level >= u.o) AS customers,
       pg_catalog.count(*) FILTER (WHERE lv.level >= u.o)::pg_catalog.float8
         / NULLIF(pg_catalog.count(*) FILTER (WHERE lv.level >= 1), 0) AS conversion,
       pg_catalog.count(*) FILTER (WHERE lv.level >= u.o)::pg_catalog.float8
         / NULLIF(pg_catalog.count(*) FILTER (WHERE lv.level >= u.o - 1), 0) AS step_conversion
FROM cfg c
CROSS JOIN LATERAL pg_catalog.unnest(c.steps) WITH ORDINALITY u(s, o)
CROSS JOIN lv
GROUP BY u.o, u.s;
COMMENT ON VIEW @extschema@.funnel_conversion IS
  'the funnel of settings.funnel_steps within settings.funnel_window (journey_funnel per profile): profiles reaching each step';
COMMENT ON COLUMN @extschema@.funnel_conversion.step IS 'step number (1 = first)';
COMMENT ON COLUMN @extschema@.funnel_conversion.touchpoint IS 'touchpoint of the step';
COMMENT ON COLUMN @extschema@.funnel_conversion.customers IS 'profiles that reached at least this step';
COMMENT ON COLUMN @extschema@.funnel_conversion.conversion IS 'customers / customers of step 1';
COMMENT ON COLUMN @extschema@.funnel_conversion.step_conversion IS 'customers / customers of the previous step (step 1: / all profiles with touchpoints)';


-- Customers, churn and CLV (needs rfm, bgnbd_fit, p_alive, churn_score,
-- expected_purchases, gammagamma_fit, clv, rfm_segment, churn_model) ------------------

CREATE TABLE @extschema@.models (
  id          pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (id),
  fitted_at   pg_catalog.timestamptz NOT NULL,
  as_of       pg_catalog.timestamptz NOT NULL,
  time_unit   pg_catalog.interval NOT NULL,
  customers   pg_catalog.int8 NOT NULL,
  bgnbd       @extschema@.bgnbd_model,
  gammagamma  @extschema@.gammagamma_model,
  -- churn models (issue 14): the other two models and the choice (churn_layer.sql)
  pareto_nbd  @extschema@.pareto_nbd_model,
  mbgnbd      @extschema@.mbgnbd_model,
  churn_model pg_catalog.text,
  churn_chosen_by pg_catalog.text,
  churn       @extschema@.churn_model
);
COMMENT ON TABLE @extschema@.models IS
  'churn and spend models fitted by refresh() and read by customer_360 (one row; kept by pg_dump)';
COMMENT ON COLUMN @extschema@.models.id IS 'always true (the table has one row)';
COMMENT ON COLUMN @extschema@.models.fitted_at IS 'when refresh() fitted the models';
COMMENT ON COLUMN @extschema@.models.as_of IS 'reference time of the RFM summaries the models were fitted on';
COMMENT ON COLUMN @extschema@.models.time_unit IS 'time unit of the models (settings.time_unit at fitting time)';
COMMENT ON COLUMN @extschema@.models.customers IS 'buyers the BG/NBD model was fitted on';
COMMENT ON COLUMN @extschema@.models.bgnbd IS 'BG/NBD model (bgnbd_fit with settings.penalizer); NULL when there were no buyers';
COMMENT ON COLUMN @extschema@.models.pareto_nbd IS 'Pareto/NBD model (pareto_nbd_fit with settings.penalizer); NULL when there were no buyers';
COMMENT ON COLUMN @extschema@.models.mbgnbd IS 'MBG/NBD model (mbgnbd_fit with settings.penalizer); NULL when there were no buyers';
COMMENT ON COLUMN @extschema@.models.churn_model IS 'the churn model customer_360 uses: bgnbd, pareto_nbd or mbgnbd';
COMMENT ON COLUMN @extschema@.models.churn_chosen_by IS 'why: settings (settings.churn_model), holdout (lowest MAE in cxm.model_holdout) or default (no holdout result: bgnbd)';
COMMENT ON COLUMN @extschema@.models.churn IS 'the chosen model as a churn_model, for p_alive, expected_purchases and clv';
COMMENT ON COLUMN @extschema@.models.gammagamma IS 'Gamma-Gamma spend model (gammagamma_fit over repeat buyers with a positive mean spend); NULL when there were none';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.models', '');
GRANT SELECT ON @extschema@.models TO PUBLIC;

CREATE VIEW @extschema@.customer_360_live WITH (security_invoker = true) AS
WITH cfg AS (
  SELECT COALESCE(s.as_of, pg_catalog.now()) AS as_of, s.time_unit, s.clv_horizon, s.discount_rate,
         s.new_within, s.churned_after, s.active_p_alive, s.churned_p_alive
  FROM @extschema@.settings s WHERE s.id
), mdl AS (
  -- churn models (issue 14): the chosen model, whichever it is, as a churn_model
  SELECT m.churn, m.churn_model, m.gammagamma FROM @extschema@.models m WHERE m.id AND m.time_unit = (SELECT c.time_unit FROM cfg c)
), tp AS (
  -- one pass over the touchpoints: sessions are counted by their first touchpoints
  -- (no touchpoint in the settings.session_gap before), as in cxm.sessions
  SELECT x.customer_id, pg_catalog.min(x.ts) AS first_seen, pg_catalog.max(x.ts) AS last_seen,
         pg_catalog.count(*) AS touchpoints,
         pg_catalog.count(*) FILTER (WHERE x.prev IS NULL OR x.ts - x.prev > x.gap) AS sessions,
         pg_catalog.array_agg(DISTINCT x.channel ORDER BY x.channel) FILTER (WHERE x.channel IS NOT NULL) AS channels
  FROM (SELECT t.customer_id, t.ts, t.channel, s.session_gap AS gap,
               pg_catalog.lag(t.ts) OVER (PARTITION BY t.customer_id ORDER BY t.ts) AS prev
        FROM @extschema@.touchpoints t CROSS JOIN @extschema@.settings s) x
  GROUP BY x.customer_id
), tx AS (
  SELECT x.customer_id, pg_catalog.count(*) AS orders, pg_catalog.sum(x.amount) AS revenue,
         pg_catalog.min(x.ts) AS first_purchase, pg_catalog.max(x.ts) AS last_purchase,
         pg_catalog.count(DISTINCT x.product) AS products,
         @extschema@.rfm(x.ts, x.amount, c.as_of, c.time_unit) AS r
  FROM @extschema@.transactions x CROSS JOIN cfg c GROUP BY x.customer_id
), sc AS (
  -- quintile scores 1..5 by rank among the buyers (ties share a score)
  SELECT tx.*,
         1 + pg_catalog.floor(5 * (pg_catalog.rank() OVER (ORDER BY tx.last_purchase) - 1)::pg_catalog.float8
                              / pg_catalog.count(*) OVER ())::pg_catalog.int4 AS r_score,
         1 + pg_catalog.floor(5 * (pg_catalog.rank() OVER (ORDER BY tx.orders) - 1)::pg_catalog.float8
                              / pg_catalog.count(*) OVER ())::pg_catalog.int4 AS f_score,
         1 + pg_catalog.floor(5 * (pg_catalog.rank() OVER (ORDER BY tx.revenue) - 1)::pg_catalog.float8
                              / pg_catalog.count(*) OVER ())::pg_catalog.int4 AS m_score
  FROM tx
), fb AS (
  SELECT f.customer_id, pg_catalog.min(f.ts) AS first_answer, pg_catalog.max(f.ts) AS latest_nps_at,
         (pg_catalog.array_agg(f.score ORDER BY f.ts DESC, f.score))[1] AS latest_nps
  FROM @extschema@.feedback f WHERE f.score IS NOT NULL GROUP BY f.customer_id
), ids AS (
  SELECT m.customer_id, pg_catalog.array_agg(m.anonymous_id ORDER BY m.anonymous_id) AS anonymous_ids
  FROM (SELECT i.anonymous_id, pg_catalog.min(i.customer_id) AS customer_id
        FROM @extschema@.identities i GROUP BY i.anonymous_id) m
  GROUP BY m.customer_id
), everyone AS (
  SELECT x.customer_id FROM @extschema@.customers x
  UNION SELECT tp.customer_id FROM tp
  UNION SELECT tx.customer_id FROM tx
  UNION SELECT fb.customer_id FROM fb
), base AS (
  SELECT e.customer_id,
         (cu.customer_id IS NOT NULL OR sc.customer_id IS NOT NULL OR ids.customer_id IS NOT NULL) AS is_known,
         ids.anonymous_ids, cu.created_at,
         LEAST(tp.first_seen, sc.first_purchase, fb.first_answer) AS first_seen,
         GREATEST(tp.last_seen, sc.last_purchase, fb.latest_nps_at) AS last_seen,
         COALESCE(tp.touchpoints, 0) AS touchpoints, COALESCE(tp.sessions, 0) AS sessions,
         COALESCE(tp.channels, '{}') AS channels,
         COALESCE(sc.orders, 0) AS orders, COALESCE(sc.revenue, 0) AS revenue,
         sc.first_purchase, sc.last_purchase, COALESCE(sc.products, 0) AS products,
         fb.latest_nps, fb.latest_nps_at,
         (sc.r).frequency AS frequency, (sc.r).recency AS recency, (sc.r).t AS t, (sc.r).monetary AS monetary,
         sc.r_score, sc.f_score, sc.m_score,
         c.as_of, c.clv_horizon, c.discount_rate, c.new_within, c.churned_after,
         c.active_p_alive, c.churned_p_alive, mdl.churn, mdl.churn_model, mdl.gammagamma
  FROM everyone e
  CROSS JOIN cfg c
  LEFT JOIN mdl ON true
  LEFT JOIN @extschema@.customers cu ON cu.customer_id = e.customer_id
  LEFT JOIN tp ON tp.customer_id = e.customer_id
  LEFT JOIN sc ON sc.customer_id = e.customer_id
  LEFT JOIN fb ON fb.customer_id = e.customer_id
  LEFT JOIN ids ON ids.customer_id = e.customer_id
), fig AS (
  SELECT b.*,
         CASE WHEN b.churn IS NOT NULL AND b.frequency IS NOT NULL
              THEN @extschema@.p_alive(b.churn, b.frequency, b.recency, b.t) END AS p_alive,
         CASE WHEN b.churn IS NOT NULL AND b.frequency IS NOT NULL
              THEN @extschema@.expected_purchases(b.churn, b.clv_horizon::pg_catalog.float8, b.frequency, b.recency, b.t)
         END AS expected_purchases,
         CASE WHEN b.churn IS NOT NULL AND b.gammagamma IS NOT NULL AND b.frequency IS NOT NULL
              THEN @extschema@.clv(b.churn, b.gammagamma, b.frequency, b.recency, b.t,
                                   CASE WHEN b.frequency > 0 AND b.monetary <= 0 THEN NULL ELSE b.monetary END,
                                   b.clv_horizon, b.discount_rate)
         END AS expected_clv
  FROM base b
)
SELECT f.customer_id, f.is_known, f.anonymous_ids, f.created_at, f.first_seen, f.last_seen,
       f.touchpoints, f.sessions, f.channels,
       pg_catalog.cardinality(f.channels) AS channel_count,
       pg_catalog.cardinality(f.channels) >= 2 AS is_cross_channel,
       f.orders, f.revenue,
       f.revenue / NULLIF(f.orders, 0) AS avg_order_value,
       f.first_purchase, f.last_purchase,
       EXTRACT(epoch FROM f.as_of - f.last_purchase)::pg_catalog.float8 / 86400 AS days_since_purchase,
       f.products, f.latest_nps, f.latest_nps_at,
       @extschema@.nps_category(f.latest_nps) AS nps_category,
       f.frequency, f.recency, f.t, f.monetary,
       f.r_score, f.f_score, f.m_score,
       CASE WHEN f.r_score IS NOT NULL THEN @extschema@.rfm_segment(f.r_score, f.f_score) END AS rfm_segment,
       f.orders > 0 AND f.frequency = 0 AS one_time_buyer,
       f.p_alive, 1 - f.p_alive AS churn_score, f.expected_purchases, f.expected_clv,
       CASE
         WHEN f.orders = 0 THEN 'prospect'
         WHEN f.as_of - f.first_purchase <= f.new_within THEN 'new'
         WHEN f.frequency > 0 AND f.p_alive IS NOT NULL THEN
           CASE WHEN f.p_alive >= f.active_p_alive THEN 'active'
                WHEN f.p_alive >= f.churned_p_alive THEN 'at risk'
                ELSE 'churned' END
         WHEN f.frequency > 0 AND f.as_of - f.last_purchase <= f.new_within THEN 'active'
         WHEN f.as_of - f.last_purchase <= f.churned_after THEN 'at risk'
         ELSE 'churned'
       END AS lifecycle_stage,
       CASE WHEN f.p_alive IS NOT NULL THEN f.churn_model END AS churn_model  -- churn models (issue 14)
FROM fig f;
CREATE VIEW @extschema@.customer_360 WITH (security_invoker = true) AS
SELECT * FROM @extschema@.customer_360_live;
COMMENT ON VIEW @extschema@.customer_360 IS
  'one row per profile (customers and unlinked anonymous visitors): activity, purchases, NPS, RFM, churn model figures, CLV and lifecycle stage';
COMMENT ON COLUMN @extschema@.customer_360.customer_id IS 'profile id (customer id, or an unlinked anonymous id)';
COMMENT ON COLUMN @extschema@.customer_360.is_known IS 'a known customer: in the customer master, has a purchase or has linked anonymous ids';
COMMENT ON COLUMN @extschema@.customer_360.anonymous_ids IS 'anonymous ids stitched to this customer (NULL when none)';
COMMENT ON COLUMN @extschema@.customer_360.created_at IS 'sign-up time from the customer master';
COMMENT ON COLUMN @extschema@.customer_360.first_seen IS 'earliest touchpoint, purchase or NPS answer';
COMMENT ON COLUMN @extschema@.customer_360.last_seen IS 'latest touchpoint, purchase or NPS answer';
COMMENT ON COLUMN @extschema@.customer_360.touchpoints IS 'number of touchpoints';
COMMENT ON COLUMN @extschema@.customer_360.sessions IS 'number of sessions (30 minutes of inactivity split them)';
COMMENT ON COLUMN @extschema@.customer_360.channels IS 'distinct touchpoint channels, sorted';
COMMENT ON COLUMN @extschema@.customer_360.channel_count IS 'number of distinct channels';
COMMENT ON COLUMN @extschema@.customer_360.is_cross_channel IS 'touched through two or more channels';
COMMENT ON COLUMN @extschema@.customer_360.orders IS 'number of purchases (transaction rows)';
COMMENT ON COLUMN @extschema@.customer_360.revenue IS 'sum of the purchase amounts';
COMMENT ON COLUMN @extschema@.customer_360.avg_order_value IS 'revenue / orders';
COMMENT ON COLUMN @extschema@.customer_360.first_purchase IS 'time of the first purchase';
COMMENT ON COLUMN @extschema@.customer_360.last_purchase IS 'time of the latest purchase';
COMMENT ON COLUMN @extschema@.customer_360.days_since_purchase IS 'days from the latest purchase to settings.as_of (now)';
COMMENT ON COLUMN @extschema@.customer_360.products IS 'distinct products (or categories) bought; 0 when no product column is mapped';
COMMENT ON COLUMN @extschema@.customer_360.latest_nps IS 'latest NPS answer (0-10)';
COMMENT ON COLUMN @extschema@.customer_360.latest_nps_at IS 'time of the latest NPS answer';
COMMENT ON COLUMN @extschema@.customer_360.nps_category IS 'promoter, passive or detractor, from the latest answer';
COMMENT ON COLUMN @extschema@.customer_360.frequency IS 'RFM frequency: purchase periods (settings.time_unit) after the first (rfm)';
COMMENT ON COLUMN @extschema@.customer_360.recency IS 'RFM recency: periods from the first to the last purchase period';
COMMENT ON COLUMN @extschema@.customer_360.t IS 'RFM age: periods from the first purchase period to settings.as_of';
COMMENT ON COLUMN @extschema@.customer_360.monetary IS 'mean spend per repeat period (0 for one-time buyers)';
COMMENT ON COLUMN @extschema@.customer_360.r_score IS 'recency score 1-5 (5 = most recent latest purchase), quintile of rank among buyers';
COMMENT ON COLUMN @extschema@.customer_360.f_score IS 'frequency score 1-5 (5 = most orders)';
COMMENT ON COLUMN @extschema@.customer_360.m_score IS 'monetary score 1-5 (5 = most revenue)';
COMMENT ON COLUMN @extschema@.customer_360.rfm_segment IS 'segment of (r_score, f_score) (rfm_segment)';
COMMENT ON COLUMN @extschema@.customer_360.one_time_buyer IS 'bought in one period only (under BG/NBD p_alive is 1 by construction), see lifecycle_stage';
COMMENT ON COLUMN @extschema@.customer_360.p_alive IS 'probability the customer is still active (the model of cxm.models.churn_model; NULL before refresh())';
COMMENT ON COLUMN @extschema@.customer_360.churn_score IS '1 - p_alive';
COMMENT ON COLUMN @extschema@.customer_360.expected_purchases IS 'expected purchases in the next settings.clv_horizon periods';
COMMENT ON COLUMN @extschema@.customer_360.expected_clv IS 'expected value of the next settings.clv_horizon periods (clv with the churn model and Gamma-Gamma)';
COMMENT ON COLUMN @extschema@.customer_360.lifecycle_stage IS 'prospect, new, active, at risk or churned (see doc/layer.md)';
COMMENT ON COLUMN @extschema@.customer_360.churn_model IS 'the model behind p_alive, expected_purchases and expected_clv: bgnbd, pareto_nbd or mbgnbd (cxm.models.churn_model)';

CREATE VIEW @extschema@.churn_risk WITH (security_invoker = true) AS
SELECT c.customer_id, c.lifecycle_stage, c.orders, c.revenue, c.last_purchase, c.days_since_purchase,
       c.frequency, c.recency, c.t, c.monetary, c.one_time_buyer,
       c.p_alive, c.churn_score, c.expected_purchases, c.expected_clv,
       c.churn_model  -- churn models (issue 14)
FROM @extschema@.customer_360 c
WHERE c.orders > 0;
COMMENT ON VIEW @extschema@.churn_risk IS
  'buyers with their churn model figures (sort by churn_score; one-time buyers are flagged: under BG/NBD their p_alive is 1 by construction)';
COMMENT ON COLUMN @extschema@.churn_risk.customer_id IS 'customer id';
COMMENT ON COLUMN @extschema@.churn_risk.lifecycle_stage IS 'new, active, at risk or churned';
COMMENT ON COLUMN @extschema@.churn_risk.orders IS 'number of purchases';
COMMENT ON COLUMN @extschema@.churn_risk.revenue IS 'sum of the purchase amounts';
COMMENT ON COLUMN @extschema@.churn_risk.last_purchase IS 'time of the latest purchase';
COMMENT ON COLUMN @extschema@.churn_risk.days_since_purchase IS 'days from the latest purchase to settings.as_of';
COMMENT ON COLUMN @extschema@.churn_risk.frequency IS 'RFM frequency (repeat purchase periods)';
COMMENT ON COLUMN @extschema@.churn_risk.recency IS 'RFM recency in periods';
COMMENT ON COLUMN @extschema@.churn_risk.t IS 'RFM age in periods';
COMMENT ON COLUMN @extschema@.churn_risk.monetary IS 'mean spend per repeat period';
COMMENT ON COLUMN @extschema@.churn_risk.one_time_buyer IS 'bought in one period only';
COMMENT ON COLUMN @extschema@.churn_risk.p_alive IS 'probability the customer is still active';
COMMENT ON COLUMN @extschema@.churn_risk.churn_score IS '1 - p_alive';
COMMENT ON COLUMN @extschema@.churn_risk.expected_purchases IS 'expected purchases in the next settings.clv_horizon periods';
COMMENT ON COLUMN @extschema@.churn_risk.expected_clv IS 'expected value of the next settings.clv_horizon periods';
COMMENT ON COLUMN @extschema@.churn_risk.churn_model IS 'the model behind p_alive: bgnbd, pareto_nbd or mbgnbd';

CREATE VIEW @extschema@.rfm_segments WITH (security_invoker = true) AS
SELECT c.rfm_segment AS segment, pg_catalog.count(*) AS customers,
       pg_catalog.count(*)::pg_catalog.float8 / pg_catalog.sum(pg_catalog.count(*)) OVER () AS share,
       pg_catalog.sum(c.revenue) AS revenue,
       pg_catalog.avg(c.revenue) AS avg_revenue,
       pg_catalog.avg(c.orders) AS avg_orders,
       pg_catalog.avg(c.days_since_purchase) AS avg_days_since_purchase,
       pg_catalog.avg(c.p_alive) AS avg_p_alive,
       pg_catalog.sum(c.expected_clv) AS expected_clv
FROM @extschema@.customer_360 c
WHERE c.rfm_segment IS NOT NULL
GROUP BY c.rfm_segment;
COMMENT ON VIEW @extschema@.rfm_segments IS 'buyers per RFM segment with their revenue, activity and expected value';
COMMENT ON COLUMN @extschema@.rfm_segments.segment IS 'RFM segment (Champions, Loyal Customers, ... Hibernating)';
COMMENT ON COLUMN @extschema@.rfm_segments.customers IS 'buyers in the segment';
COMMENT ON COLUMN @extschema@.rfm_segments.share IS 'customers / all buyers';
COMMENT ON COLUMN @extschema@.rfm_segments.revenue IS 'revenue of the segment';
COMMENT ON COLUMN @extschema@.rfm_segments.avg_revenue IS 'mean revenue per customer';
COMMENT ON COLUMN @extschema@.rfm_segments.avg_orders IS 'mean orders per customer';
COMMENT ON COLUMN @extschema@.rfm_segments.avg_days_since_purchase IS 'mean days since the latest purchase';
COMMENT ON COLUMN @extschema@.rfm_segments.avg_p_alive IS 'mean p_alive';
COMMENT ON COLUMN @extschema@.rfm_segments.expected_clv IS 'sum of expected_clv';

CREATE VIEW @extschema@.kpi_monthly_live WITH (security_invoker = true) AS
WITH cfg AS (
  SELECT COALESCE(s.as_of, pg_catalog.now()) AS as_of, s.churned_after FROM @extschema@.settings s WHERE s.id
), tx AS (
  SELECT x.customer_id, x.ts, x.amount, x.product, pg_catalog.date_trunc('month', x.ts)::pg_catalog.date AS month
  FROM @extschema@.transactions x
), bm AS (
  SELECT tx.month, tx.customer_id, pg_catalog.sum(tx.amount) AS revenue, pg_catalog.count(*) AS orders
  FROM tx GROUP BY 1, 2
), firsts AS (
  SELECT bm.customer_id, pg_catalog.min(bm.month) AS first_month FROM bm GROUP BY 1
), second_product AS (
  SELECT p.customer_id, (pg_catalog.array_agg(p.first_ts ORDER BY p.first_ts))[2] AS at
  FROM (SELECT tx.customer_id, tx.product, pg_catalog.min(tx.ts) AS first_ts
        FROM tx WHERE tx.product IS NOT NULL GROUP BY 1, 2) p
  GROUP BY 1
), c360 AS (
  SELECT c.customer_id, c.is_cross_channel, c.expected_clv FROM @extschema@.customer_360 c WHERE c.orders > 0
), bagg AS (
  SELECT bm.month, pg_catalog.sum(bm.revenue) AS revenue, pg_catalog.sum(bm.orders) AS orders,
         pg_catalog.count(*) AS buyers,
         pg_catalog.count(*) FILTER (WHERE f.first_month = bm.month) AS new_customers,
         pg_catalog.count(*) FILTER (WHERE f.first_month < bm.month) AS repeat_buyers,
         pg_catalog.count(*) FILTER (WHERE sp.at < bm.month + '1 month'::pg_catalog.interval) AS cross_sold,
         pg_catalog.count(*) FILTER (WHERE c.is_cross_channel) AS cross_channel_buyers,
         pg_catalog.avg(c.expected_clv) FILTER (WHERE c.is_cross_channel) AS clv_cross_channel,
         pg_catalog.avg(c.expected_clv) FILTER (WHERE NOT c.is_cross_channel) AS clv_single_channel
  FROM bm
  JOIN firsts f ON f.customer_id = bm.customer_id
  LEFT JOIN second_product sp ON sp.customer_id = bm.customer_id
  LEFT JOIN c360 c ON c.customer_id = bm.customer_id
  GROUP BY bm.month
), lapses AS (
  -- a customer lapses (churns) churned_after after a purchase not followed by another within that time
  SELECT pg_catalog.date_trunc('month', y.ts + c.churned_after)::pg_catalog.date AS month, pg_catalog.count(*) AS lost
  FROM (SELECT tx.customer_id, tx.ts,
               pg_catalog.lead(tx.ts) OVER (PARTITION BY tx.customer_id ORDER BY tx.ts) AS next_ts
        FROM tx) y
  CROSS JOIN cfg c
  WHERE (y.next_ts IS NULL OR y.next_ts > y.ts + c.churned_after) AND y.ts + c.churned_after <= c.as_of
  GROUP BY 1
), vm AS (
  SELECT pg_catalog.date_trunc('month', t.ts)::pg_catalog.date AS month, t.customer_id
  FROM @extschema@.touchpoints t GROUP BY 1, 2
), vagg AS (
  SELECT vm.month, pg_catalog.count(*) AS visitors, pg_catalog.count(bm.customer_id) AS converted
  FROM vm LEFT JOIN bm ON bm.customer_id = vm.customer_id AND bm.month = vm.month
  GROUP BY vm.month
), sagg AS (
  SELECT pg_catalog.date_trunc('month', s.started_at)::pg_catalog.date AS month, pg_catalog.count(*) AS sessions,
         pg_catalog.sum(s.touchpoints) AS touchpoints, pg_catalog.avg(s.duration_minutes) AS duration
  FROM @extschema@.sessions s GROUP BY 1
), nagg AS (
  SELECT pg_catalog.date_trunc('month', f.ts)::pg_catalog.date AS month, pg_catalog.count(f.score) AS responses,
         @extschema@.nps_agg(f.score) AS nps
  FROM @extschema@.feedback f GROUP BY 1
), months AS (
  SELECT bagg.month FROM bagg UNION SELECT vagg.month FROM vagg UNION SELECT nagg.month FROM nagg
)
SELECT m.month,
       COALESCE(b.revenue, 0) AS revenue, COALESCE(b.orders, 0) AS orders,
       COALESCE(b.buyers, 0) AS active_customers, COALESCE(b.new_customers, 0) AS new_customers,
       b.repeat_buyers::pg_catalog.float8 / NULLIF(b.buyers, 0) AS repeat_purchase_rate,
       base.customers AS customer_base,
       COALESCE(l.lost, 0) AS churned_customers,
       COALESCE(l.lost, 0)::pg_catalog.float8 / NULLIF(base.customers, 0) AS churn_rate,
       COALESCE(v.visitors, 0) AS visitors,
       v.converted::pg_catalog.float8 / NULLIF(v.visitors, 0) AS conversion_rate,
       COALESCE(n.responses, 0) AS nps_responses, n.nps,
       COALESCE(s.sessions, 0) AS sessions,
       s.touchpoints::pg_catalog.float8 / NULLIF(s.sessions, 0) AS touchpoints_per_session,
       s.duration AS avg_session_minutes,
       CASE WHEN EXISTS (SELECT 1 FROM tx WHERE tx.product IS NOT NULL)
            THEN b.cross_sold::pg_catalog.float8 / NULLIF(b.buyers, 0) END AS cross_sell_rate,
       b.cross_channel_buyers::pg_catalog.float8 / NULLIF(b.buyers, 0) AS cross_channel_share,
       b.clv_cross_channel, b.clv_single_channel
FROM months m
LEFT JOIN bagg b ON b.month = m.month
LEFT JOIN lapses l ON l.month = m.month
LEFT JOIN vagg v ON v.month = m.month
LEFT JOIN sagg s ON s.month = m.month
LEFT JOIN nagg n ON n.month = m.month
CROSS JOIN LATERAL (
  SELECT pg_catalog.count(DISTINCT tx.customer_id) AS customers
  FROM tx CROSS JOIN cfg c
  WHERE tx.ts >= m.month - c.churned_after AND tx.ts < m.month
) base;
CREATE VIEW @extschema@.kpi_monthly WITH (security_invoker = true) AS
SELECT * FROM @extschema@.kpi_monthly_live;
COMMENT ON VIEW @extschema@.kpi_monthly IS
  'monthly KPIs: revenue, active customers, repeat purchases, churn, conversion, NPS, sessions, cross-sell, cross-channel CLV';
COMMENT ON COLUMN @extschema@.kpi_monthly.month IS 'first day of the month (session time zone)';
COMMENT ON COLUMN @extschema@.kpi_monthly.revenue IS 'sum of the purchase amounts';
COMMENT ON COLUMN @extschema@.kpi_monthly.orders IS 'number of purchases';
COMMENT ON COLUMN @extschema@.kpi_monthly.active_customers IS 'customers with a purchase in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.new_customers IS 'customers whose first purchase is in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.repeat_purchase_rate IS 'share of the month''s buyers who had bought in an earlier month';
COMMENT ON COLUMN @extschema@.kpi_monthly.customer_base IS 'customers with a purchase in the settings.churned_after (365 days) before the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.churned_customers IS 'customers whose settings.churned_after without a purchase ran out in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.churn_rate IS 'churned_customers / customer_base';
COMMENT ON COLUMN @extschema@.kpi_monthly.visitors IS 'profiles (customers and anonymous visitors) with a touchpoint in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.conversion_rate IS 'share of the visitors who bought in the same month';
COMMENT ON COLUMN @extschema@.kpi_monthly.nps_responses IS 'NPS answers in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.nps IS 'Net Promoter Score of the month''s answers';
COMMENT ON COLUMN @extschema@.kpi_monthly.sessions IS 'sessions started in the month (30 minutes of inactivity split them)';
COMMENT ON COLUMN @extschema@.kpi_monthly.touchpoints_per_session IS 'mean touchpoints per session';
COMMENT ON COLUMN @extschema@.kpi_monthly.avg_session_minutes IS 'mean session duration in minutes (first to last touchpoint)';
COMMENT ON COLUMN @extschema@.kpi_monthly.cross_sell_rate IS 'share of the month''s buyers who by the end of the month had bought two or more distinct products (NULL when no product column is mapped)';
COMMENT ON COLUMN @extschema@.kpi_monthly.cross_channel_share IS 'share of the month''s buyers who are cross-channel customers';
COMMENT ON COLUMN @extschema@.kpi_monthly.clv_cross_channel IS 'mean expected CLV of the month''s cross-channel buyers';
COMMENT ON COLUMN @extschema@.kpi_monthly.clv_single_channel IS 'mean expected CLV of the month''s single-channel buyers';

CREATE TABLE @extschema@.customer_360_snapshot AS
SELECT * FROM @extschema@.customer_360_live WITH NO DATA;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.customer_360_snapshot', '');
CREATE TABLE @extschema@.kpi_monthly_snapshot AS
SELECT * FROM @extschema@.kpi_monthly_live WITH NO DATA;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.kpi_monthly_snapshot', '');

-- Materialised mode ------------------------------------------------------------

CREATE FUNCTION @extschema@.layer_materializable()
RETURNS pg_catalog.text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ARRAY['customer_journeys', 'customer_360', 'journey_transitions', 'channel_attribution',
               'cohort_retention', 'kpi_monthly']::pg_catalog.text[]
$$;
COMMENT ON FUNCTION @extschema@.layer_materializable() IS
  'internal: the views that materialised mode serves from snapshots, in refresh order';

-- point every materialisable view at its _live view or its _snapshot table
CREATE FUNCTION @extschema@.layer_apply_mode()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v pg_catalog.text;
  m pg_catalog.bool;
BEGIN
  SELECT x.materialized INTO m FROM @extschema@.settings x WHERE x.id;
  FOREACH v IN ARRAY @extschema@.layer_materializable() LOOP
    CONTINUE WHEN pg_catalog.to_regclass(pg_catalog.format('@extschema@.%I', v || '_live')) IS NULL;
    EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW @extschema@.%I WITH (security_invoker = true) AS SELECT * FROM @extschema@.%I',
                              v, v || CASE WHEN COALESCE(m, false) THEN '_snapshot' ELSE '_live' END);
  END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.layer_apply_mode() IS
  'internal: makes the heavy views read their snapshots (materialised mode) or their live queries';

CREATE FUNCTION @extschema@.layer_settings_changed()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM @extschema@.layer_apply_mode();
  RETURN NULL;
END $$;
COMMENT ON FUNCTION @extschema@.layer_settings_changed() IS
  'internal: statement trigger of cxm.settings: switches the views when materialized changes (also on restore)';
CREATE TRIGGER settings_changed AFTER UPDATE ON @extschema@.settings
FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.layer_settings_changed();
COMMENT ON TRIGGER settings_changed ON @extschema@.settings IS 'applies the materialized setting to the views';

CREATE FUNCTION @extschema@.layer_refresh_snapshots()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
  v pg_catalog.text;
BEGIN
  FOREACH v IN ARRAY @extschema@.layer_materializable() LOOP
    CONTINUE WHEN pg_catalog.to_regclass(pg_catalog.format('@extschema@.%I', v || '_snapshot')) IS NULL;
    -- DELETE, not TRUNCATE: readers keep seeing the old snapshot until commit
    EXECUTE pg_catalog.format('DELETE FROM @extschema@.%I', v || '_snapshot');
    EXECUTE pg_catalog.format('INSERT INTO @extschema@.%I SELECT * FROM @extschema@.%I', v || '_snapshot', v || '_live');
  END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.layer_refresh_snapshots() IS
  'internal: refills every snapshot table from its live view, in dependency order';

CREATE FUNCTION @extschema@.set_materialized(enabled pg_catalog.bool)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
  v pg_catalog.text;
BEGIN
  IF enabled IS NULL THEN
    RAISE EXCEPTION 'enabled must not be NULL' USING ERRCODE = '22004';
  END IF;
  UPDATE @extschema@.settings x SET materialized = enabled WHERE x.id;
  IF enabled THEN
    PERFORM @extschema@.refresh();
  ELSE
    -- the snapshots are not read any more: free their space
    FOREACH v IN ARRAY @extschema@.layer_materializable() LOOP
      CONTINUE WHEN pg_catalog.to_regclass(pg_catalog.format('@extschema@.%I', v || '_snapshot')) IS NULL;
      EXECUTE pg_catalog.format('DELETE FROM @extschema@.%I', v || '_snapshot');
    END LOOP;
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.set_materialized(pg_catalog.bool) IS
  'true: customer_journeys, customer_360, journey_transitions, channel_attribution, cohort_retention and kpi_monthly read snapshots filled now and by every refresh(); false: they read live data again';

CREATE FUNCTION @extschema@.refresh()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
BEGIN
  -- the canonical views follow cxm.sources (also after a restore that skipped triggers)
  PERFORM @extschema@.layer_rebuild();
  PERFORM @extschema@.layer_apply_mode();
  -- churn models (issue 14): refit the churn models (BG/NBD, Pareto/NBD,
  -- MBG/NBD, with the choice) and the spend model on every buyer
  PERFORM @extschema@.layer_fit_churn_models();
  IF (SELECT x.materialized FROM @extschema@.settings x WHERE x.id) THEN
    PERFORM @extschema@.layer_refresh_snapshots();
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.refresh() IS
  'rebuilds the canonical views, refits and stores the churn (BG/NBD, Pareto/NBD, MBG/NBD, and the one chosen) and spend (Gamma-Gamma) models in cxm.models, and refills the snapshots in materialised mode';

REVOKE ALL ON FUNCTION @extschema@.set_materialized(pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.refresh() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_apply_mode() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_refresh_snapshots() FROM PUBLIC;

-- snapshot tables (kept by pg_dump, so a restored database serves the same
-- figures until the next refresh) and comments of the _live / _snapshot twins
CREATE TABLE @extschema@.cohort_retention_snapshot AS
SELECT * FROM @extschema@.cohort_retention_live WITH NO DATA;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.cohort_retention_snapshot', '');

-- (keep last) comments of the _live views and _snapshot tables, from their public view
DO $$
DECLARE
  v pg_catalog.text;
  c record;
BEGIN
  FOREACH v IN ARRAY @extschema@.layer_materializable() LOOP
    CONTINUE WHEN pg_catalog.to_regclass(pg_catalog.format('@extschema@.%I', v || '_live')) IS NULL;
    EXECUTE pg_catalog.format('COMMENT ON VIEW @extschema@.%I IS %L', v || '_live',
      'live query behind ' || v || ' (see that view): ' || pg_catalog.obj_description(pg_catalog.format('@extschema@.%I', v)::pg_catalog.regclass, 'pg_class'));
    EXECUTE pg_catalog.format('COMMENT ON TABLE @extschema@.%I IS %L', v || '_snapshot',
      'snapshot of ' || v || ' filled by refresh() in materialised mode: ' || pg_catalog.obj_description(pg_catalog.format('@extschema@.%I', v)::pg_catalog.regclass, 'pg_class'));
    FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS d
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = pg_catalog.format('@extschema@.%I', v)::pg_catalog.regclass AND a.attnum > 0
    LOOP
      EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.%I IS %L', v || '_live', c.attname, c.d);
      EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.%I IS %L', v || '_snapshot', c.attname, c.d);
    END LOOP;
  END LOOP;
END $$;
