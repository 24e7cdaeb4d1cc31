
-- ---------------------------------------------------------------------------
-- CX layer: snapshots, refresh(), its log and schedule, and who may read the
-- snapshots (doc/layer.md)
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.layer_state (
  id            pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (id),
  as_of         pg_catalog.timestamptz NOT NULL,
  settings_hash pg_catalog.text NOT NULL,
  refreshed_at  pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE @extschema@.layer_state IS
  'internal: what the snapshots were computed with (one row once refresh() has filled them; kept by pg_dump)';
COMMENT ON COLUMN @extschema@.layer_state.id IS 'always true (at most one row)';
COMMENT ON COLUMN @extschema@.layer_state.as_of IS 'reference time of the snapshots (layer_as_of() at the refresh)';
COMMENT ON COLUMN @extschema@.layer_state.settings_hash IS 'digest of the settings and of the models'' fitting time the snapshots were computed with';
COMMENT ON COLUMN @extschema@.layer_state.refreshed_at IS 'end of the last refresh that filled the snapshots';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.layer_state', '');
GRANT SELECT ON @extschema@.layer_state TO PUBLIC;

CREATE TABLE @extschema@.refresh_history (
  started_at   pg_catalog.timestamptz NOT NULL,
  finished_at  pg_catalog.timestamptz,
  mode         pg_catalog.text NOT NULL,
  rows_changed pg_catalog.jsonb,
  error        pg_catalog.text
);
COMMENT ON TABLE @extschema@.refresh_history IS 'internal: the rows of cxm.refresh_log (the last 100 refreshes are kept; kept by pg_dump)';
CREATE INDEX refresh_history_started ON @extschema@.refresh_history (started_at);
COMMENT ON INDEX @extschema@.refresh_history_started IS 'newest first';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.refresh_history', '');
COMMENT ON COLUMN @extschema@.refresh_history.started_at IS 'start of the refresh';
COMMENT ON COLUMN @extschema@.refresh_history.finished_at IS 'end of the refresh (NULL when it failed)';
COMMENT ON COLUMN @extschema@.refresh_history.mode IS 'full, incremental or refit';
COMMENT ON COLUMN @extschema@.refresh_history.rows_changed IS 'ids of changed rows logged per source since the previous refresh';
COMMENT ON COLUMN @extschema@.refresh_history.error IS 'the error of a scheduled refresh that failed';

CREATE VIEW @extschema@.refresh_log WITH (security_invoker = true) AS
SELECT h.started_at, h.finished_at, h.mode, h.rows_changed, h.error
FROM @extschema@.refresh_history h
ORDER BY h.started_at DESC;
COMMENT ON VIEW @extschema@.refresh_log IS 'the last refreshes, newest first: when, full, incremental or refit, changed rows per source, and the error of a failed scheduled one';
COMMENT ON COLUMN @extschema@.refresh_log.started_at IS 'start of the refresh';
COMMENT ON COLUMN @extschema@.refresh_log.finished_at IS 'end of the refresh (NULL when it failed)';
COMMENT ON COLUMN @extschema@.refresh_log.mode IS 'full (every snapshot rebuilt with the stored models), incremental (only the changed profiles) or refit (models fitted again, then full)';
COMMENT ON COLUMN @extschema@.refresh_log.rows_changed IS 'per source: logged ids of inserted, updated or deleted rows since the previous refresh';
COMMENT ON COLUMN @extschema@.refresh_log.error IS 'error message of a scheduled refresh that failed (an interactive refresh() raises its error instead)';
GRANT SELECT ON @extschema@.refresh_history, @extschema@.refresh_log TO PUBLIC;

-- Who may read the snapshots --------------------------------------------------------
-- A snapshot holds every source row.  A role that may not read every row of
-- every mapped source (no SELECT privilege, or a row-level security policy
-- that applies to it) gets an error naming the live view, which applies its
-- privileges and policies.  The check is the snapshot tables' own policy, so
-- it holds even when SELECT is granted on every table of the schema.
CREATE FUNCTION @extschema@.layer_snapshot_check(view_name pg_catalog.text)
RETURNS pg_catalog.bool
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s record;
BEGIN
  IF (SELECT r.rolbypassrls OR r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    RETURN true;
  END IF;
  FOR s IN SELECT DISTINCT x.source, c.relrowsecurity, c.relforcerowsecurity, c.relowner
           FROM @extschema@.sources x JOIN pg_catalog.pg_class c ON c.oid = x.source LOOP
    IF NOT pg_catalog.has_table_privilege(s.source, 'SELECT') THEN
      RAISE EXCEPTION 'permission denied for the snapshot behind cxm.%: role % may not read %', view_name, current_user, s.source
        USING ERRCODE = '42501', HINT = pg_catalog.format('Read cxm.%I_live, which applies your privileges.', view_name);
    END IF;
    IF s.relrowsecurity AND (s.relforcerowsecurity OR NOT pg_catalog.pg_has_role(s.relowner, 'USAGE')) THEN
      RAISE EXCEPTION 'the snapshot behind cxm.% would show rows of % that row-level security hides from role %',
        view_name, s.source, current_user
        USING ERRCODE = '42501', HINT = pg_catalog.format('Read cxm.%I_live, which applies the policies.', view_name);
    END IF;
  END LOOP;
  RETURN true;
END $$;
COMMENT ON FUNCTION @extschema@.layer_snapshot_check(pg_catalog.text) IS
  'internal: the snapshot tables'' row-level security policy: ERROR (42501) naming the live view when the role may not read every row of every mapped source';

-- every snapshot: the public view it serves, in refresh order
CREATE FUNCTION @extschema@.layer_snapshots()
RETURNS TABLE (snapshot pg_catalog.text, view_name pg_catalog.text, shown pg_catalog.bool)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT 'customer_360_snapshot', 'customer_360', true
  UNION ALL SELECT 'customer_journeys_snapshot', 'customer_journeys', true
  UNION ALL SELECT 'churn_risk_snapshot', 'churn_risk', true
  UNION ALL SELECT 'profile_months_snapshot', 'kpi_monthly', false
  UNION ALL SELECT a.name || '_base_snapshot', a.name, false FROM @extschema@.layer_aggregates() a WHERE a.base IS NOT NULL
  UNION ALL SELECT a.name || '_snapshot', a.name, true FROM @extschema@.layer_aggregates() a
$$;
COMMENT ON FUNCTION @extschema@.layer_snapshots() IS
  'internal: every snapshot table, the view it serves, and whether that view reads it (the per-month facts and the aggregates'' bases are only read by refresh), in refresh order';

DO $$
DECLARE
  x record;
BEGIN
  FOR x IN SELECT * FROM @extschema@.layer_snapshots() LOOP
    EXECUTE pg_catalog.format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', x.snapshot);
    EXECUTE pg_catalog.format('CREATE POLICY readers ON @extschema@.%I FOR SELECT USING (@extschema@.layer_snapshot_check(%L))',
                              x.snapshot, x.view_name);
    EXECUTE pg_catalog.format('COMMENT ON POLICY readers ON @extschema@.%I IS %L', x.snapshot,
                              'only roles that may read every row of every mapped source read the snapshot; others get an error naming cxm.' || x.view_name || '_live');
    EXECUTE pg_catalog.format('GRANT SELECT ON @extschema@.%I TO PUBLIC', x.snapshot);
  END LOOP;
END $$;

-- Mode ----------------------------------------------------------------------------

-- the views read their snapshots once refresh() has filled them (materialised
-- mode, the default), else their live queries
CREATE FUNCTION @extschema@.layer_apply_mode()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  x record;
  snap pg_catalog.bool;
BEGIN
  snap := COALESCE((SELECT s.materialized FROM @extschema@.settings s WHERE s.id), false)
          AND EXISTS (SELECT 1 FROM @extschema@.layer_state l WHERE l.id);
  FOR x IN SELECT * FROM @extschema@.layer_snapshots() WHERE shown LOOP
    EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW @extschema@.%I WITH (security_invoker = true) AS SELECT %s FROM @extschema@.%I',
      x.view_name,
      (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
       FROM pg_catalog.pg_attribute a
       WHERE a.attrelid = pg_catalog.format('@extschema@.%I', x.view_name || '_live')::pg_catalog.regclass
         AND a.attnum > 0 AND NOT a.attisdropped),
      CASE WHEN snap THEN x.snapshot ELSE x.view_name || '_live' END);
  END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.layer_apply_mode() IS
  'internal: makes the views read their snapshots (materialised mode, once refresh() has filled them) or their live queries';

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
  'internal: statement trigger of cxm.settings and cxm.layer_state: switches the views between snapshots and live queries (also on restore)';
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE ON @extschema@.settings
FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.layer_settings_changed();
COMMENT ON TRIGGER settings_changed ON @extschema@.settings IS 'applies the materialized setting to the views';
CREATE TRIGGER state_changed AFTER INSERT OR DELETE ON @extschema@.layer_state
FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.layer_settings_changed();
COMMENT ON TRIGGER state_changed ON @extschema@.layer_state IS 'the views read the snapshots once they are filled (also on restore)';

-- Models --------------------------------------------------------------------------

-- fits BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma on every buyer and stores
-- them with the RFM quintile cut points (score k from the smallest value whose
-- rank-based quintile is k: for the buyers at fitting time exactly the rank
-- quintile), then chooses the churn model (layer_choose_churn_model,
-- churn_layer.sql; doc/churn.md, "Choosing a model").  One pass over the
-- transactions serves both: each buyer's summary up to as_of and, when the
-- choice compares the models, the holdout comparison's calibration rows
-- (churn_holdout_sql), kept in pg_temp.cxm_fit_holdout for
-- layer_choose_churn_model (doc/churn.md, "The model step at 1,000,000
-- customers": each pass groups every order by buyer, which costs most of
-- the step)
CREATE FUNCTION @extschema@.layer_fit_models(v_as_of pg_catalog.timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_unit pg_catalog.interval;
  v_pen pg_catalog.float8;
  v_choice pg_catalog.text;
  v_hold pg_catalog.interval;
  v_cal pg_catalog.timestamptz;
  v_holdout pg_catalog.bool;
  v_sort pg_catalog.text;
  fit record;
BEGIN
  SELECT x.time_unit, x.penalizer, x.churn_model, x.churn_holdout INTO v_unit, v_pen, v_choice, v_hold
  FROM @extschema@.settings x WHERE x.id;
  -- the holdout period of the choice, ending at as_of: settings.churn_holdout,
  -- else the last third of the time since the first purchase
  IF v_choice IS NULL THEN
    IF v_hold IS NULL THEN
      SELECT (v_as_of - pg_catalog.min(t.ts)) / 3 INTO v_hold FROM @extschema@.transactions_whole t WHERE t.ts <= v_as_of;
    END IF;
    v_cal := v_as_of - v_hold;
  END IF;
  -- the calibration rows only for a period that churn_holdout_check accepts
  -- (else layer_choose_churn_model warns with its error)
  v_holdout := v_cal IS NOT NULL AND v_as_of > v_cal AND pg_catalog.isfinite(v_cal) AND pg_catalog.isfinite(v_as_of);
  -- dropped at the end (an error rolls its creation back)
  CREATE TEMP TABLE cxm_fit_holdout (f pg_catalog.float8, rec pg_catalog.float8, t pg_catalog.float8,
                                     actual pg_catalog.float8, horizon pg_catalog.float8);
  -- group the orders by buyer by hashing: with more buyers than it expects to
  -- fit in work_mem the planner sorts the orders by customer id instead, 13 -
  -- 15 % more CPU at 1 M (doc/churn.md, "The model step at 1,000,000
  -- customers"); the quintiles' window sorts stay
  v_sort := pg_catalog.current_setting('enable_sort');
  PERFORM pg_catalog.set_config('enable_sort', 'off', true);
  WITH per AS MATERIALIZED (
    SELECT @extschema@.rfm(t.ts, t.amount, v_as_of, v_unit) AS r,
           pg_catalog.count(*) AS orders, pg_catalog.sum(t.amount) AS revenue, pg_catalog.max(t.ts) AS last_purchase,
           -- the holdout's calibration summary and its summary up to as_of (churn_holdout)
           @extschema@.rfm(t.ts, 0::pg_catalog.numeric, v_cal, v_unit) FILTER (WHERE v_holdout) AS c,
           @extschema@.rfm(t.ts, 0::pg_catalog.numeric, v_as_of, v_unit) FILTER (WHERE v_holdout) AS h
    FROM @extschema@.transactions_whole t GROUP BY t.customer_id  -- _whole: each source read once
  ), cal AS (
    INSERT INTO pg_temp.cxm_fit_holdout
    SELECT (p.c).frequency, (p.c).recency, (p.c).t, (p.h).frequency - (p.c).frequency, (p.h).t - (p.c).t
    FROM per p WHERE (p.c).frequency IS NOT NULL
  ), q AS (
    SELECT p.r, p.orders, p.revenue, p.last_purchase,
           1 + pg_catalog.floor(5 * (pg_catalog.rank() OVER (ORDER BY p.last_purchase) - 1)::pg_catalog.float8
                                / pg_catalog.count(*) OVER ())::pg_catalog.int4 AS rs,
           1 + pg_catalog.floor(5 * (pg_catalog.rank() OVER (ORDER BY p.orders) - 1)::pg_catalog.float8
                                / pg_catalog.count(*) OVER ())::pg_catalog.int4 AS fs,
           1 + pg_catalog.floor(5 * (pg_catalog.rank() OVER (ORDER BY p.revenue) - 1)::pg_catalog.float8
                                / pg_catalog.count(*) OVER ())::pg_catalog.int4 AS ms
    FROM per p
  )
  SELECT pg_catalog.count(*) FILTER (WHERE q.r IS NOT NULL) AS n,
         @extschema@.bgnbd_fit((q.r).frequency, (q.r).recency, (q.r).t, v_pen) FILTER (WHERE q.r IS NOT NULL) AS bg,
         @extschema@.pareto_nbd_fit((q.r).frequency, (q.r).recency, (q.r).t, v_pen) FILTER (WHERE q.r IS NOT NULL) AS pn,
         @extschema@.mbgnbd_fit((q.r).frequency, (q.r).recency, (q.r).t, v_pen) FILTER (WHERE q.r IS NOT NULL) AS mb,
         @extschema@.gammagamma_fit((q.r).frequency, (q.r).monetary) FILTER (WHERE (q.r).monetary > 0) AS gg,
         ARRAY[pg_catalog.min(q.last_purchase) FILTER (WHERE q.rs >= 2), pg_catalog.min(q.last_purchase) FILTER (WHERE q.rs >= 3),
               pg_catalog.min(q.last_purchase) FILTER (WHERE q.rs >= 4), pg_catalog.min(q.last_purchase) FILTER (WHERE q.rs >= 5)] AS rc,
         ARRAY[pg_catalog.min(q.orders) FILTER (WHERE q.fs >= 2), pg_catalog.min(q.orders) FILTER (WHERE q.fs >= 3),
               pg_catalog.min(q.orders) FILTER (WHERE q.fs >= 4), pg_catalog.min(q.orders) FILTER (WHERE q.fs >= 5)] AS fc,
         ARRAY[pg_catalog.min(q.revenue) FILTER (WHERE q.ms >= 2), pg_catalog.min(q.revenue) FILTER (WHERE q.ms >= 3),
               pg_catalog.min(q.revenue) FILTER (WHERE q.ms >= 4), pg_catalog.min(q.revenue) FILTER (WHERE q.ms >= 5)] AS mc
  INTO fit FROM q;
  PERFORM pg_catalog.set_config('enable_sort', v_sort, true);
  DELETE FROM @extschema@.models m WHERE m.id;
  INSERT INTO @extschema@.models (id, fitted_at, as_of, time_unit, customers, bgnbd, gammagamma, r_cuts, f_cuts, m_cuts,
                                  pareto_nbd, mbgnbd)
  VALUES (true, pg_catalog.clock_timestamp(), v_as_of, v_unit, fit.n, fit.bg, fit.gg, fit.rc, fit.fc, fit.mc,
          fit.pn, fit.mb);
  PERFORM @extschema@.layer_choose_churn_model(v_cal);
  DROP TABLE pg_temp.cxm_fit_holdout;
END $$;
COMMENT ON FUNCTION @extschema@.layer_fit_models(pg_catalog.timestamptz) IS
  'internal: fits and stores the churn (BG/NBD, Pareto/NBD, MBG/NBD) and spend (Gamma-Gamma) models and the RFM quintile cut points, then chooses the churn model';

-- Refresh -------------------------------------------------------------------------

-- layer_step(name, since): NOTICE with the step's elapsed time; returns now
CREATE FUNCTION @extschema@.layer_step(step pg_catalog.text, since pg_catalog.timestamptz)
RETURNS pg_catalog.timestamptz
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t pg_catalog.timestamptz := pg_catalog.clock_timestamp();
BEGIN
  RAISE NOTICE 'cxm.refresh: % (% ms)', step,
    pg_catalog.round((EXTRACT(epoch FROM t - since) * 1000)::pg_catalog.numeric, 1);
  RETURN t;
END $$;
COMMENT ON FUNCTION @extschema@.layer_step(pg_catalog.text, pg_catalog.timestamptz) IS
  'internal: reports one step of refresh() with its elapsed time (NOTICE)';

-- layer_analyze(rels): ANALYZE from a sample of 3,000 rows rather than
-- 30,000 (default_statistics_target 10 for these only; a per-column target
-- still counts): enough to plan what refresh() groups next, 2.3-2.7 s -> 0.4 s
-- for the snapshots at 150,000 profiles; autovacuum analyses them again with
-- the server's default soon after (doc/layer.md, "Statistics")
CREATE FUNCTION @extschema@.layer_analyze(rels pg_catalog.regclass[])
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET default_statistics_target = 10
AS $$
DECLARE
  r pg_catalog.regclass;
BEGIN
  FOREACH r IN ARRAY rels LOOP
    EXECUTE pg_catalog.format('ANALYZE %s', r);
  END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.layer_analyze(pg_catalog.regclass[]) IS
  'internal: ANALYZE of refresh()''s own tables from a 3,000-row sample (default_statistics_target 10)';
REVOKE ALL ON FUNCTION @extschema@.layer_analyze(pg_catalog.regclass[]) FROM PUBLIC;

CREATE FUNCTION @extschema@.layer_settings_hash()
RETURNS pg_catalog.text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT pg_catalog.md5(COALESCE((SELECT (pg_catalog.to_jsonb(s) - 'materialized')::pg_catalog.text
                                  FROM @extschema@.settings s WHERE s.id), '')
                        || COALESCE((SELECT m.fitted_at::pg_catalog.text FROM @extschema@.models m WHERE m.id), ''))
$$;
COMMENT ON FUNCTION @extschema@.layer_settings_hash() IS
  'internal: digest of the settings (but materialized) and of the models'' fitting time: a change means every profile changed';

-- the three per-profile passes of refresh(), in order: the kind of relation
-- (the {profile}, {journey} and {month} of the aggregates' templates), its
-- snapshot, the function that computes the rows of given profiles, the one
-- that computes every row (a full pass), the step's name and the snapshot's
-- key as an ORDER BY list
CREATE FUNCTION @extschema@.layer_refresh_passes()
RETURNS TABLE (kind pg_catalog.text, snap pg_catalog.text, fn pg_catalog.text, whole_fn pg_catalog.text,
               staged_fn pg_catalog.text, staged_ids_fn pg_catalog.text, step pg_catalog.text,
               sort_keys pg_catalog.text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  VALUES ('profile', 'customer_360_snapshot', 'layer_profile_rows', 'layer_profile_rows_whole',
          'layer_profile_rows_staged', 'layer_profile_rows_staged_ids', 'customer_360', 'r.customer_id COLLATE "C"'),
         ('journey', 'customer_journeys_snapshot', 'layer_journey_rows', 'layer_journey_rows_whole',
          'layer_journey_rows_staged', 'layer_journey_rows_staged_ids', 'customer_journeys', 'r.customer_id COLLATE "C"'),
         ('month', 'profile_months_snapshot', 'layer_month_rows', 'layer_month_rows_whole',
          'layer_month_rows_staged', 'layer_month_rows_staged_ids', 'monthly facts', 'r.customer_id COLLATE "C", r.month')
$$;
COMMENT ON FUNCTION @extschema@.layer_refresh_passes() IS
  'internal: the per-profile passes of refresh(): relation kind, snapshot, row functions (given profiles; every profile; the same two with the touchpoints from layer_touch_stage), step name and sort keys';

CREATE FUNCTION @extschema@.refresh(full pg_catalog.bool DEFAULT false, refit pg_catalog.bool DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
  t0 pg_catalog.timestamptz := pg_catalog.clock_timestamp();
  t pg_catalog.timestamptz := t0;
  v_mode pg_catalog.text;
  v_as_of pg_catalog.timestamptz;
  v_max pg_catalog.int8;
  v_ids pg_catalog.text[];
  v_raw_ids pg_catalog.text[];
  v_snap pg_catalog.bool;
  v_changes pg_catalog.jsonb;
  why pg_catalog.text;
  st record;
  agg record;
  sums pg_catalog.text;
  negs pg_catalog.text;
  v_rpc pg_catalog.text;
  v_workers pg_catalog.text;
  v_stage pg_catalog.bool;
  v_citus pg_catalog.bool;
  v_sort pg_catalog.text;
  v_hash pg_catalog.text;
  v_merge pg_catalog.text;
  v_touch_ids pg_catalog.text[];
  v_digest pg_catalog.bool;
BEGIN
  IF refresh.full IS NULL OR refresh.refit IS NULL THEN
    RAISE EXCEPTION 'full and refit must not be NULL' USING ERRCODE = '22004';
  END IF;
  -- one refresh at a time
  PERFORM pg_catalog.pg_advisory_xact_lock(1668836716, 2);
  v_mode := CASE WHEN refresh.refit THEN 'refit' WHEN refresh.full THEN 'full' ELSE 'incremental' END;
  -- the canonical views follow cxm.sources (also after a restore that skipped
  -- triggers), and the identity map follows sources without capture
  PERFORM @extschema@.layer_rebuild();
  -- the capture triggers keep the identity map current; it is checked against
  -- the links when some link source has none, and at every full refresh
  IF v_mode <> 'incremental'
     OR EXISTS (SELECT 1 FROM @extschema@.sources s WHERE s.kind = 'identities' AND NOT s.captured) THEN
    PERFORM @extschema@.layer_identity_map_rebuild();
  END IF;
  t := @extschema@.layer_step('canonical views and identity map', t);
  SELECT pg_catalog.max(c.id) INTO v_max FROM @extschema@.change_log c;
  SELECT pg_catalog.jsonb_object_agg(y.source, y.n) INTO v_changes
  FROM (SELECT c.source::pg_catalog.text AS source, pg_catalog.count(*) AS n FROM @extschema@.change_log c
        WHERE c.id <= v_max GROUP BY 1) y;
  v_as_of := @extschema@.layer_as_of();
  IF v_mode <> 'refit' AND NOT EXISTS (
       SELECT 1 FROM @extschema@.models m, @extschema@.settings s WHERE m.id AND s.id AND m.time_unit = s.time_unit) THEN
    v_mode := 'refit';
    RAISE NOTICE 'cxm.refresh: no model fitted with the current time unit yet: refit';
  END IF;
  IF v_mode = 'incremental' THEN
    SELECT * INTO st FROM @extschema@.layer_state l WHERE l.id;
    IF NOT FOUND THEN
      why := 'the snapshots were never filled';
    ELSIF st.as_of IS DISTINCT FROM v_as_of THEN
      why := pg_catalog.format('the reference time moved from %s to %s', st.as_of, v_as_of);
    ELSIF st.settings_hash IS DISTINCT FROM @extschema@.layer_settings_hash() THEN
      why := 'the settings or the models changed';
    -- (a Citus table has no capture: its changes are found by digests, and
    -- those of identity links by the identity map's check above)
    ELSIF EXISTS (SELECT 1 FROM @extschema@.sources s WHERE NOT s.captured AND NOT @extschema@.layer_citus_table(s.source)) THEN
      why := 'a source has no change capture (not a table, or no right to add triggers)';
    ELSIF EXISTS (SELECT 1 FROM @extschema@.change_log c WHERE c.id <= v_max AND c.raw_id IS NULL) THEN
      why := 'a source was mapped, unmapped or truncated';
    END IF;
    IF why IS NOT NULL THEN
      v_mode := 'full';
      RAISE NOTICE 'cxm.refresh: full: %', why;
    END IF;
  END IF;
  -- mapped Citus tables: their changed ids, from the digests of their rows
  -- (layer_citus.sql), listed in cxm_refresh_digest_changes; a full refresh
  -- only stores the digests.  Computed before the snapshots: a row written
  -- meanwhile differs from the stored digest at the next refresh.
  v_snap := COALESCE((SELECT s.materialized FROM @extschema@.settings s WHERE s.id), false);
  v_digest := v_snap AND @extschema@.layer_citus_active();
  IF v_digest THEN
    CREATE TEMP TABLE cxm_refresh_digest_changes (kind pg_catalog.text, source pg_catalog.oid, raw_id pg_catalog.text);
    PERFORM @extschema@.layer_citus_digest(v_mode = 'incremental');
    IF v_mode = 'incremental' THEN
      SELECT COALESCE(v_changes, '{}') || COALESCE(pg_catalog.jsonb_object_agg(y.source, y.n), '{}') INTO v_changes
      FROM (SELECT d.source::pg_catalog.regclass::pg_catalog.text AS source, pg_catalog.count(DISTINCT d.raw_id) AS n
            FROM pg_temp.cxm_refresh_digest_changes d GROUP BY 1) y;
    END IF;
    t := @extschema@.layer_step('digests of the Citus tables', t);
  ELSIF v_snap AND v_mode <> 'incremental' AND EXISTS (SELECT 1 FROM @extschema@.layer_citus_digest) THEN
    -- (digests of a former Citus layout)
    DELETE FROM @extschema@.layer_citus_digest;
  END IF;
  IF v_mode = 'refit' THEN
    PERFORM @extschema@.layer_fit_models(v_as_of);
    t := @extschema@.layer_step('models fitted', t);
  END IF;
  IF v_snap THEN
    IF v_mode = 'incremental' THEN
      -- the changed profiles: the changed ids (the change log's, and on
      -- Citus those whose digest changed) and the customers of the changed
      -- anonymous ids
      v_raw_ids := ARRAY(SELECT c.raw_id FROM @extschema@.change_log c WHERE c.id <= v_max);
      IF v_digest THEN
        v_raw_ids := v_raw_ids || ARRAY(SELECT d.raw_id FROM pg_temp.cxm_refresh_digest_changes d);
      END IF;
      v_ids := ARRAY(SELECT p.id FROM pg_catalog.unnest(v_raw_ids) p(id)
                     UNION
                     SELECT m.customer_id FROM @extschema@.identity_map m WHERE m.anonymous_id = ANY (v_raw_ids));
      RAISE NOTICE 'cxm.refresh: incremental: % changed profiles', pg_catalog.cardinality(v_ids);
    END IF;
    -- incremental: the changed profiles' rows are a few per source and per
    -- snapshot, found by index: plan them as cached reads (random_page_cost
    -- 1.1 instead of the server's), without parallel workers, whose
    -- start-up and hash builds cost more than the few rows gain, and
    -- without merge joins, for which the planner, which takes the changed
    -- ids for several times their rows, sorts the month and profile rows
    -- (kpi_monthly's base 48 -> 31 ms, the journeys 53 -> 48 ms; restored
    -- below; doc/layer.md, "Performance")
    IF v_ids IS NOT NULL THEN
      v_rpc := pg_catalog.current_setting('random_page_cost');
      v_workers := pg_catalog.current_setting('max_parallel_workers_per_gather');
      v_merge := pg_catalog.current_setting('enable_mergejoin');
      PERFORM pg_catalog.set_config('random_page_cost', '1.1', true);
      PERFORM pg_catalog.set_config('max_parallel_workers_per_gather', '0', true);
      PERFORM pg_catalog.set_config('enable_mergejoin', 'off', true);
      -- the changed profiles' old per-profile rows, taken out of each
      -- snapshot (deleted, returned into cxm_refresh_rows_old_*: one pass
      -- by index, no per-profile function reads the snapshots); the
      -- additive bases lose what these rows gave them and gain their new
      -- rows below
      FOR agg IN SELECT * FROM @extschema@.layer_refresh_passes() LOOP
        EXECUTE pg_catalog.format('CREATE TEMP TABLE %I AS SELECT * FROM @extschema@.%I WITH NO DATA',
                                  'cxm_refresh_rows_old_' || agg.kind, agg.snap);
        EXECUTE pg_catalog.format('WITH d AS (DELETE FROM @extschema@.%I x WHERE x.customer_id = ANY ($1) RETURNING x.*)'
                                  ' INSERT INTO %I SELECT * FROM d', agg.snap, 'cxm_refresh_rows_old_' || agg.kind) USING v_ids;
      END LOOP;
      t := @extschema@.layer_step('the changed profiles'' old rows', t);
    END IF;
    -- the changed profiles' rows (v_ids), or every row (v_ids NULL); DELETE,
    -- not TRUNCATE: readers keep seeing the old snapshot until commit
    -- A full pass writes each snapshot in the order of its key (byte order,
    -- cheap to sort): a profile's rows share pages, and the primary key
    -- grows at its right edge.  An incremental pass keeps the changed
    -- profiles' new rows in cxm_refresh_rows_new_* for the bases.
    -- The passes group the touchpoints by profile once, into
    -- layer_touch_stage (every profile, or the changed ones), and read them
    -- from there (the _staged forms); not on Citus, where the passes run as
    -- distributed queries (the _whole and written forms)
    v_stage := NOT @extschema@.layer_citus_active();
    IF v_stage THEN
      TRUNCATE @extschema@.layer_touch_stage, @extschema@.layer_purchase_stage, @extschema@.layer_answer_stage;
      IF v_ids IS NULL THEN
        INSERT INTO @extschema@.layer_touch_stage SELECT * FROM @extschema@.layer_touch_stage_rows();
      ELSE
        -- the changed profiles' touchpoints: the stitching probes the
        -- identity map by index instead of hashing all of it once per
        -- source (a quarter less CPU for 3,779 changed profiles of 150,000;
        -- doc/layer.md, "Performance")
        -- An id that is a linked anonymous id (and no customer's) has no
        -- touchpoints of its own: they belong to its customer, whose id is
        -- in the list too.  Leaving it out spares reading its rows by index
        -- only to drop them at the stitching (26,000 of 75,000 rows in the
        -- bench's refresh; doc/layer.md, "Performance").
        -- (The list is a variable: passed as a subquery, its values would be
        -- unknown to the planner, whose plan then reads every touchpoint.)
        v_touch_ids := ARRAY(SELECT i FROM pg_catalog.unnest(v_ids) i
                             WHERE NOT EXISTS (SELECT FROM @extschema@.identity_map m WHERE m.anonymous_id = i)
                             UNION
                             SELECT m.customer_id FROM @extschema@.identity_map m WHERE m.customer_id = ANY (v_ids));
        v_hash := pg_catalog.current_setting('enable_hashjoin');
        PERFORM pg_catalog.set_config('enable_hashjoin', 'off', true);
        INSERT INTO @extschema@.layer_touch_stage SELECT * FROM @extschema@.layer_touch_stage_rows(v_touch_ids);
        -- their purchases and answers, read once here rather than once by
        -- each of the three passes (the _staged_ids forms read these)
        INSERT INTO @extschema@.layer_purchase_stage
        SELECT x.customer_id, x.ts, x.amount, x.product, x.cost
        FROM @extschema@.transactions x WHERE x.customer_id = ANY (v_touch_ids);
        INSERT INTO @extschema@.layer_answer_stage
        SELECT f.customer_id, f.ts, f.score, f.channel
        FROM @extschema@.feedback f WHERE f.customer_id = ANY (v_touch_ids);
        PERFORM pg_catalog.set_config('enable_hashjoin', v_hash, true);
      END IF;
      -- (statistics for a full refresh's passes; an incremental one's few
      -- rows plan as well without them)
      IF v_ids IS NULL THEN
        PERFORM @extschema@.layer_analyze(ARRAY['@extschema@.layer_touch_stage'::pg_catalog.regclass]);
      END IF;
      t := @extschema@.layer_step(CASE WHEN v_ids IS NULL THEN 'touchpoints by profile'
                                       ELSE 'touchpoints, purchases and answers of the changed profiles' END, t);
    END IF;
    -- on Citus with the stage laid out: the stitched rows of every profile
    -- (full) or of the changed ones (incremental) go to the workers by
    -- profile, and the passes group them there (layer_citus.sql)
    v_citus := NOT v_stage AND @extschema@.layer_citus_staged();
    IF v_citus THEN
      PERFORM @extschema@.layer_citus_stage(true, v_ids);
      t := @extschema@.layer_step('stitched rows by profile', t);
    END IF;
    FOR agg IN SELECT * FROM @extschema@.layer_refresh_passes() LOOP
      IF v_ids IS NULL THEN
        EXECUTE pg_catalog.format('DELETE FROM @extschema@.%I', agg.snap);
        -- every profile: hash the per-source groupings and joins rather
        -- than sort them (the planner prices each array_agg state at 8 kB
        -- a group, so it sorts the purchases and answers by profile and
        -- merge-joins the per-profile rows; doc/layer.md, "Performance");
        -- the snapshot is still written in key order
        v_sort := pg_catalog.current_setting('enable_sort');
        PERFORM pg_catalog.set_config('enable_sort', 'off', true);
        EXECUTE CASE WHEN v_citus
                     THEN pg_catalog.format('INSERT INTO @extschema@.%I %s', agg.snap, @extschema@.layer_citus_pass_sql(agg.fn))
                     ELSE pg_catalog.format('INSERT INTO @extschema@.%I SELECT * FROM @extschema@.%I(NULL) r ORDER BY %s',
                                            agg.snap, CASE WHEN v_stage THEN agg.staged_fn ELSE agg.whole_fn END, agg.sort_keys) END;
        PERFORM pg_catalog.set_config('enable_sort', v_sort, true);
      ELSIF v_citus THEN
        -- (the stage holds only the changed profiles' rows)
        EXECUTE pg_catalog.format('CREATE TEMP TABLE %I (LIKE @extschema@.%I)', 'cxm_refresh_rows_new_' || agg.kind, agg.snap);
        EXECUTE pg_catalog.format('INSERT INTO %I %s', 'cxm_refresh_rows_new_' || agg.kind,
                                  @extschema@.layer_citus_pass_sql(agg.fn));
      ELSE
        EXECUTE pg_catalog.format('CREATE TEMP TABLE %I AS SELECT * FROM @extschema@.%I($1)',
                                  'cxm_refresh_rows_new_' || agg.kind,
                                  CASE WHEN v_stage THEN agg.staged_ids_fn ELSE agg.fn END) USING v_ids;
      END IF;
      IF v_ids IS NOT NULL THEN
        EXECUTE pg_catalog.format('INSERT INTO @extschema@.%I SELECT * FROM %I', agg.snap, 'cxm_refresh_rows_new_' || agg.kind);
      END IF;
      t := @extschema@.layer_step(agg.step, t);
    END LOOP;
    IF v_stage THEN
      TRUNCATE @extschema@.layer_touch_stage, @extschema@.layer_purchase_stage, @extschema@.layer_answer_stage;
    ELSIF v_citus THEN
      PERFORM @extschema@.layer_citus_stage(false);
    END IF;
    -- churn_risk: the changed buyers' rows of customer_360, its columns
    -- (an incremental refresh has their new rows at hand)
    DELETE FROM @extschema@.churn_risk_snapshot x WHERE v_ids IS NULL OR x.customer_id = ANY (v_ids);
    EXECUTE pg_catalog.format(
      'INSERT INTO @extschema@.churn_risk_snapshot SELECT %s FROM %s c WHERE c.orders > 0',
      (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
       FROM pg_catalog.pg_attribute a
       WHERE a.attrelid = '@extschema@.churn_risk_snapshot'::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped),
      CASE WHEN v_ids IS NULL THEN '@extschema@.customer_360_snapshot' ELSE 'pg_temp.cxm_refresh_rows_new_profile' END);
    t := @extschema@.layer_step('churn_risk', t);
    IF v_mode <> 'incremental' THEN
      -- statistics for the bases grouped next (layer_analyze)
      PERFORM @extschema@.layer_analyze(ARRAY['@extschema@.customer_360_snapshot', '@extschema@.customer_journeys_snapshot',
                                              '@extschema@.profile_months_snapshot',
                                              '@extschema@.churn_risk_snapshot']::pg_catalog.regclass[]);
      t := @extschema@.layer_step('statistics', t);
    END IF;
    FOR agg IN SELECT a.name, a.base, a.base_keys FROM @extschema@.layer_aggregates() a LOOP
      IF agg.base_keys IS NOT NULL AND v_ids IS NULL THEN
        EXECUTE pg_catalog.format('DELETE FROM @extschema@.%I', agg.name || '_base_snapshot');
        EXECUTE pg_catalog.format('INSERT INTO @extschema@.%I %s', agg.name || '_base_snapshot',
                                  @extschema@.layer_base_sql(agg.name, NULL));
      ELSIF agg.base_keys IS NOT NULL THEN
        -- base := base - old + new, on the groups the changed profiles touch;
        -- groups whose count n falls to 0 go
        SELECT pg_catalog.string_agg(pg_catalog.format(
                 CASE WHEN a.atttypid = 'pg_catalog.numeric'::pg_catalog.regtype
                      THEN 'pg_catalog.trim_scale(pg_catalog.sum(u.%1$I)) AS %1$I' ELSE 'pg_catalog.sum(u.%1$I) AS %1$I' END,
                 a.attname), ', ' ORDER BY a.attnum),
               pg_catalog.string_agg(pg_catalog.format('-o.%I', a.attname), ', ' ORDER BY a.attnum)
          INTO sums, negs
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = pg_catalog.format('@extschema@.%I', agg.name || '_base_snapshot')::pg_catalog.regclass
          AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attname <> ALL (pg_catalog.string_to_array(agg.base_keys, ', '));
        -- one statement: the changed profiles' old and new base rows (from
        -- their old and new per-profile rows); the groups they touch leave
        -- the base (one pass over it) and come back with the old rows
        -- subtracted and the new ones added; groups whose count n falls to
        -- 0 stay out
        EXECUTE pg_catalog.format(
          'WITH o AS MATERIALIZED (%4$s), nw AS MATERIALIZED (%5$s),'
          ' k AS (SELECT %1$s FROM o UNION SELECT %1$s FROM nw),'
          ' gone AS (DELETE FROM @extschema@.%3$I b USING k WHERE %7$s RETURNING b.*)'
          ' INSERT INTO @extschema@.%3$I SELECT %1$s, %2$s FROM ('
          '  SELECT * FROM gone'
          '  UNION ALL SELECT %1$s, %6$s FROM o'
          '  UNION ALL SELECT * FROM nw) u GROUP BY %1$s HAVING pg_catalog.sum(u.n) <> 0',
          agg.base_keys, sums, agg.name || '_base_snapshot',
          @extschema@.layer_base_sql(agg.name, 'cxm_refresh_rows_old_'),
          @extschema@.layer_base_sql(agg.name, 'cxm_refresh_rows_new_'), negs,
          (SELECT pg_catalog.string_agg(pg_catalog.format('b.%1$I = k.%1$I', x), ' AND ')
           FROM pg_catalog.unnest(pg_catalog.string_to_array(agg.base_keys, ', ')) x));
      END IF;
      EXECUTE pg_catalog.format('DELETE FROM @extschema@.%I', agg.name || '_snapshot');
      EXECUTE pg_catalog.format('INSERT INTO @extschema@.%I %s', agg.name || '_snapshot',
                                @extschema@.layer_aggregate_sql(agg.name, false));
      t := @extschema@.layer_step(agg.name, t);
    END LOOP;
    IF v_ids IS NOT NULL THEN
      DROP TABLE cxm_refresh_rows_old_profile, cxm_refresh_rows_old_journey, cxm_refresh_rows_old_month,
                 cxm_refresh_rows_new_profile, cxm_refresh_rows_new_journey, cxm_refresh_rows_new_month;
      PERFORM pg_catalog.set_config('random_page_cost', v_rpc, true);
      PERFORM pg_catalog.set_config('max_parallel_workers_per_gather', v_workers, true);
      PERFORM pg_catalog.set_config('enable_mergejoin', v_merge, true);
    END IF;
    IF v_digest THEN
      DROP TABLE pg_temp.cxm_refresh_digest_changes;
    END IF;
    INSERT INTO @extschema@.layer_state AS l (id, as_of, settings_hash, refreshed_at)
    VALUES (true, v_as_of, @extschema@.layer_settings_hash(), pg_catalog.clock_timestamp())
    ON CONFLICT (id) DO UPDATE SET as_of = EXCLUDED.as_of, settings_hash = EXCLUDED.settings_hash,
                                   refreshed_at = EXCLUDED.refreshed_at;
  END IF;
  DELETE FROM @extschema@.change_log c WHERE c.id <= v_max;
  PERFORM @extschema@.layer_apply_mode();
  -- item similarities and popularity for recommend() (doc/recommendations.md):
  -- population-level, like the models, so not by an incremental refresh
  -- (in materialised mode customer_360_snapshot was refilled above: the
  -- buyers' entry channels are read from it)
  IF v_mode <> 'incremental' THEN
    PERFORM @extschema@.layer_refresh_recommendations(v_snap);
    t := @extschema@.layer_step('recommendations', t);
  END IF;
  INSERT INTO @extschema@.refresh_history (started_at, finished_at, mode, rows_changed)
  VALUES (t0, pg_catalog.clock_timestamp(), v_mode, COALESCE(v_changes, '{}'));
  DELETE FROM @extschema@.refresh_history h
  WHERE h.started_at <= (SELECT y.started_at FROM @extschema@.refresh_history y ORDER BY y.started_at DESC OFFSET 100 LIMIT 1);
  PERFORM @extschema@.layer_step(v_mode || ' refresh done', t0);
END $$;
COMMENT ON FUNCTION @extschema@.refresh(pg_catalog.bool, pg_catalog.bool) IS
  'brings the snapshots up to date: only the profiles changed since the last refresh (default), every profile with the stored models (full), or after fitting the models again (refit); reports each step as a NOTICE and logs to cxm.refresh_log';

-- a refresh for schedulers: its error, if any, stays in cxm.refresh_log
CREATE PROCEDURE @extschema@.refresh_job(refit pg_catalog.bool DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
  t0 pg_catalog.timestamptz := pg_catalog.clock_timestamp();
  err pg_catalog.text;
BEGIN
  BEGIN
    PERFORM @extschema@.refresh(false, refit);
  EXCEPTION WHEN OTHERS THEN
    err := SQLERRM;
  END;
  IF err IS NOT NULL THEN
    INSERT INTO @extschema@.refresh_history (started_at, mode, error)
    VALUES (t0, CASE WHEN refit THEN 'refit' ELSE 'incremental' END, err);
    COMMIT;
    RAISE EXCEPTION 'cxm refresh failed: %', err USING HINT = 'See cxm.refresh_log.';
  END IF;
END $$;
COMMENT ON PROCEDURE @extschema@.refresh_job(pg_catalog.bool) IS
  'CALL from a scheduler: refresh(refit => refit), recording a failure in cxm.refresh_log before raising it';

CREATE FUNCTION @extschema@.set_materialized(enabled pg_catalog.bool)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
  x record;
BEGIN
  IF enabled IS NULL THEN
    RAISE EXCEPTION 'enabled must not be NULL' USING ERRCODE = '22004';
  END IF;
  UPDATE @extschema@.settings s SET materialized = enabled WHERE s.id;
  IF enabled THEN
    PERFORM @extschema@.refresh(full => true);
  ELSE
    -- the snapshots are not read any more: free their space
    FOR x IN SELECT * FROM @extschema@.layer_snapshots() LOOP
      EXECUTE pg_catalog.format('DELETE FROM @extschema@.%I', x.snapshot);
    END LOOP;
    DELETE FROM @extschema@.layer_state l WHERE l.id;
    PERFORM @extschema@.layer_apply_mode();
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.set_materialized(pg_catalog.bool) IS
  'true (the default): the dashboard views, customer_360 and customer_journeys read snapshots kept by refresh(); false: they read live data';

-- Schedule ------------------------------------------------------------------------

-- pg_cron's schedule for an interval: seconds below a minute, else whole
-- minutes, hours or days
CREATE FUNCTION @extschema@.layer_cron_spec(every pg_catalog.interval)
RETURNS pg_catalog.text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s pg_catalog.numeric := EXTRACT(epoch FROM every);
BEGIN
  IF every IS NULL OR s < 1 THEN
    RAISE EXCEPTION 'interval % is too short to schedule a refresh (at least 1 second)', every USING ERRCODE = '22023';
  ELSIF s < 60 AND s = pg_catalog.trunc(s) THEN
    RETURN s::pg_catalog.int4 || ' seconds';
  ELSIF s % 60 = 0 AND s < 3600 AND 60 % (s / 60) = 0 THEN
    RETURN '*/' || (s / 60)::pg_catalog.int4 || ' * * * *';
  ELSIF s % 3600 = 0 AND s < 86400 AND 24 % (s / 3600) = 0 THEN
    RETURN '0 */' || (s / 3600)::pg_catalog.int4 || ' * * *';
  ELSIF s = 86400 THEN
    RETURN '0 0 * * *';
  ELSIF s = 604800 THEN
    RETURN '0 0 * * 0';
  END IF;
  RAISE EXCEPTION 'interval % cannot be scheduled by pg_cron', every USING ERRCODE = '22023',
    HINT = 'Use 1 to 59 seconds, minutes or hours that divide an hour or a day, 1 day or 7 days.';
END $$;
COMMENT ON FUNCTION @extschema@.layer_cron_spec(pg_catalog.interval) IS
  'internal: pg_cron schedule of an interval (22023 when pg_cron cannot express it)';

CREATE FUNCTION @extschema@.schedule_refresh(every pg_catalog.interval, refit_every pg_catalog.interval DEFAULT '1 day')
RETURNS pg_catalog.text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a pg_catalog.text := @extschema@.layer_cron_spec(every);
  b pg_catalog.text := @extschema@.layer_cron_spec(refit_every);
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
    RAISE EXCEPTION 'schedule_refresh needs the pg_cron extension, which is not installed in this database'
      USING ERRCODE = '55000',
            HINT = 'On Debian: apt-get install postgresql-15-cron; add pg_cron to shared_preload_libraries and set cron.database_name to this database in postgresql.conf; restart; CREATE EXTENSION pg_cron. Or call cxm.refresh() from any scheduler.';
  END IF;
  IF (a LIKE '% seconds' OR b LIKE '% seconds')
     AND (SELECT pg_catalog.string_to_array(e.extversion, '.')::pg_catalog.int4[] < '{1,5}'
          FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
    RAISE EXCEPTION 'pg_cron % schedules jobs at most once a minute; % is shorter',
      (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron'),
      CASE WHEN a LIKE '% seconds' THEN every ELSE refit_every END
      USING ERRCODE = '22023', HINT = 'Schedules in seconds need pg_cron 1.5 or later.';
  END IF;
  EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING 'cxm-refresh', a, 'CALL @extschema@.refresh_job(false)';
  EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING 'cxm-refit', b, 'CALL @extschema@.refresh_job(true)';
  RETURN pg_catalog.format('cxm-refresh every %s (%s), cxm-refit every %s (%s)', every, a, refit_every, b);
END $$;
COMMENT ON FUNCTION @extschema@.schedule_refresh(pg_catalog.interval, pg_catalog.interval) IS
  'schedules refresh() every interval and refresh(refit => true) every refit_every with pg_cron (jobs cxm-refresh and cxm-refit; scheduling again replaces them)';

CREATE FUNCTION @extschema@.unschedule_refresh()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
    EXECUTE 'SELECT cron.unschedule(j.jobid) FROM cron.job j WHERE j.jobname IN (''cxm-refresh'', ''cxm-refit'')';
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.unschedule_refresh() IS 'removes the pg_cron jobs made by schedule_refresh (nothing when there are none)';

REVOKE ALL ON FUNCTION @extschema@.set_materialized(pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.refresh(pg_catalog.bool, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON PROCEDURE @extschema@.refresh_job(pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.schedule_refresh(pg_catalog.interval, pg_catalog.interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.unschedule_refresh() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_apply_mode() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_fit_models(pg_catalog.timestamptz) FROM PUBLIC;

-- Comments ------------------------------------------------------------------------
-- of the public views here; (keep last) the _live views and the _snapshot
-- tables take their view's comments
COMMENT ON VIEW @extschema@.nps_monthly IS
  'Net Promoter Score by calendar month (session time zone) and feedback channel, with its 95 % interval (nps_stats) and the change from the previous month (nps_compare); NULL below settings.min_nps_answers answers';
COMMENT ON COLUMN @extschema@.nps_monthly.month IS 'first day of the month';
COMMENT ON COLUMN @extschema@.nps_monthly.channel IS 'feedback channel (feedback.channel; (none) when NULL), or all for every answer of the month';
COMMENT ON COLUMN @extschema@.nps_monthly.responses IS 'answers with a score in the month and channel';
COMMENT ON COLUMN @extschema@.nps_monthly.promoters IS 'answers 9-10';
COMMENT ON COLUMN @extschema@.nps_monthly.passives IS 'answers 7-8';
COMMENT ON COLUMN @extschema@.nps_monthly.detractors IS 'answers 0-6';
COMMENT ON COLUMN @extschema@.nps_monthly.nps IS '100 * (promoters - detractors) / responses; NULL when responses < settings.min_nps_answers (30)';
COMMENT ON COLUMN @extschema@.nps_monthly.std_error IS 'standard error of nps';
COMMENT ON COLUMN @extschema@.nps_monthly.ci_low IS 'lower end of the 95 % interval (nps - 1.959964 std_error, at least -100)';
COMMENT ON COLUMN @extschema@.nps_monthly.ci_high IS 'upper end of the 95 % interval (at most 100)';
COMMENT ON COLUMN @extschema@.nps_monthly.nps_change IS 'nps - nps of the previous calendar month in the same channel (NULL when either has no nps)';
COMMENT ON COLUMN @extschema@.nps_monthly.change_ci_low IS 'lower end of the 95 % interval of nps_change (nps_change - 1.959964 sqrt(std_error^2 + previous std_error^2))';
COMMENT ON COLUMN @extschema@.nps_monthly.change_ci_high IS 'upper end of the 95 % interval of nps_change';
COMMENT ON COLUMN @extschema@.nps_monthly.change_p_value IS 'two-sided p-value of the change (z test of nps_compare)';
COMMENT ON VIEW @extschema@.channel_mix_value IS
  'single- against cross-channel buyers within tenure bands: count, mean and median revenue and expected CLV, the difference of the means (cross - single) with its 95 % interval and Welch t-test p-value';
COMMENT ON COLUMN @extschema@.channel_mix_value.tenure_band IS 'days from the first purchase to the reference time: <90, 90-365, 365+, or all';
COMMENT ON COLUMN @extschema@.channel_mix_value.measure IS 'revenue (to date) or expected_clv (needs refresh())';
COMMENT ON COLUMN @extschema@.channel_mix_value.single_customers IS 'buyers touched through exactly one channel';
COMMENT ON COLUMN @extschema@.channel_mix_value.cross_customers IS 'buyers touched through two or more channels';
COMMENT ON COLUMN @extschema@.channel_mix_value.single_mean IS 'mean of the measure over the single-channel buyers';
COMMENT ON COLUMN @extschema@.channel_mix_value.cross_mean IS 'mean over the cross-channel buyers';
COMMENT ON COLUMN @extschema@.channel_mix_value.single_median IS 'median over the single-channel buyers';
COMMENT ON COLUMN @extschema@.channel_mix_value.cross_median IS 'median over the cross-channel buyers';
COMMENT ON COLUMN @extschema@.channel_mix_value.difference IS 'cross_mean - single_mean (NULL without two buyers and some spread on each side)';
COMMENT ON COLUMN @extschema@.channel_mix_value.ci_low IS 'lower end of the 95 % interval of the difference (Welch, Student t with Welch-Satterthwaite df)';
COMMENT ON COLUMN @extschema@.channel_mix_value.ci_high IS 'upper end of the 95 % interval of the difference';
COMMENT ON COLUMN @extschema@.channel_mix_value.p_value IS 'two-sided p-value of Welch''s t test of the difference';
COMMENT ON VIEW @extschema@.visitor_segments IS
  'profiles with touchpoints by known or anonymous and by entry channel and campaign: sessions, pages per session, time on site, recency, bounces, engagement and the share that bought';
COMMENT ON COLUMN @extschema@.visitor_segments.is_known IS 'known customers (true) or anonymous visitors never linked to one (false)';
COMMENT ON COLUMN @extschema@.visitor_segments.entry_channel IS 'channel of the profile''s first touchpoint ((none) when NULL)';
COMMENT ON COLUMN @extschema@.visitor_segments.entry_campaign IS 'campaign of the first touchpoint ((none) when none)';
COMMENT ON COLUMN @extschema@.visitor_segments.profiles IS 'profiles in the segment';
COMMENT ON COLUMN @extschema@.visitor_segments.sessions IS 'their sessions';
COMMENT ON COLUMN @extschema@.visitor_segments.pages_per_session IS 'touchpoints / sessions';
COMMENT ON COLUMN @extschema@.visitor_segments.avg_session_minutes IS 'mean session duration in minutes (time on site)';
COMMENT ON COLUMN @extschema@.visitor_segments.avg_days_since_seen IS 'mean days from the last activity to the reference time (recency)';
COMMENT ON COLUMN @extschema@.visitor_segments.bounce_rate IS 'share of the sessions with a single touchpoint';
COMMENT ON COLUMN @extschema@.visitor_segments.engaged_share IS 'share of the profiles with at least one session of two or more touchpoints';
COMMENT ON COLUMN @extschema@.visitor_segments.customer_share IS 'share of the profiles with a purchase (0 for anonymous visitors: a purchase makes a profile known)';
COMMENT ON VIEW @extschema@.value_concentration IS
  'how concentrated value is among buyers (the 80/20 answer): one row per measure (revenue, profit, expected_clv) with the shares of the top customers, a Lorenz curve and the Gini coefficient';
COMMENT ON COLUMN @extschema@.value_concentration.measure IS 'revenue, profit (needs a mapped cost or margin) or expected_clv (needs refresh())';
COMMENT ON COLUMN @extschema@.value_concentration.customers IS 'buyers with a value of the measure';
COMMENT ON COLUMN @extschema@.value_concentration.total IS 'sum of the measure over them';
COMMENT ON COLUMN @extschema@.value_concentration.top_1_pct IS 'share of the total held by the top 1 % of the customers (ceil(1 % of customers) largest values)';
COMMENT ON COLUMN @extschema@.value_concentration.top_5_pct IS 'share of the total held by the top 5 %';
COMMENT ON COLUMN @extschema@.value_concentration.top_10_pct IS 'share of the total held by the top 10 %';
COMMENT ON COLUMN @extschema@.value_concentration.top_20_pct IS 'share of the total held by the top 20 %';
COMMENT ON COLUMN @extschema@.value_concentration.top_50_pct IS 'share of the total held by the top 50 %';
COMMENT ON COLUMN @extschema@.value_concentration.customers_for_80_pct IS 'smallest share of the customers (the largest values first) that holds 80 % of the total';
COMMENT ON COLUMN @extschema@.value_concentration.lorenz IS 'Lorenz curve: for d = 1..10, the share of the total held by the floor(d/10 of customers) smallest values';
COMMENT ON COLUMN @extschema@.value_concentration.gini IS 'Gini coefficient: 0 = everyone equal, near 1 = one customer holds everything (can exceed 1 when values are negative)';
COMMENT ON VIEW @extschema@.cohort_retention IS
  'purchase cohorts: customers by month of first purchase, and the share of them buying again in each later month';
COMMENT ON COLUMN @extschema@.cohort_retention.cohort_month IS 'month of the cohort''s first purchase (first day)';
COMMENT ON COLUMN @extschema@.cohort_retention.months_since IS 'months after the cohort month (0 = the cohort month itself)';
COMMENT ON COLUMN @extschema@.cohort_retention.month IS 'the calendar month (first day)';
COMMENT ON COLUMN @extschema@.cohort_retention.cohort_size IS 'customers whose first purchase was in the cohort month';
COMMENT ON COLUMN @extschema@.cohort_retention.customers IS 'of them, customers with a purchase in this month';
COMMENT ON COLUMN @extschema@.cohort_retention.retention IS 'customers / cohort_size (1 in month 0)';
COMMENT ON VIEW @extschema@.customer_journeys IS
  'one row per profile with touchpoints or purchases: its journey (touchpoints and purchases in time order), channel path, sessions and whether it converted';
COMMENT ON COLUMN @extschema@.customer_journeys.customer_id IS 'profile id (customer, or unlinked anonymous visitor)';
COMMENT ON COLUMN @extschema@.customer_journeys.first_seen IS 'first touchpoint';
COMMENT ON COLUMN @extschema@.customer_journeys.last_seen IS 'last touchpoint';
COMMENT ON COLUMN @extschema@.customer_journeys.touchpoints IS 'number of touchpoints (purchases not counted)';
COMMENT ON COLUMN @extschema@.customer_journeys.sessions IS 'number of sessions (settings.session_gap of inactivity splits them)';
COMMENT ON COLUMN @extschema@.customer_journeys.channel_count IS 'number of distinct channels (customer_360.channels lists them)';
COMMENT ON COLUMN @extschema@.customer_journeys.path IS 'touchpoints and purchases (named settings.purchase_touchpoint) in time order, ties by name (journey_path)';
COMMENT ON COLUMN @extschema@.customer_journeys.channel_path IS 'channels in time order with consecutive repeats collapsed';
COMMENT ON COLUMN @extschema@.customer_journeys.converted IS 'the profile has a purchase';
COMMENT ON COLUMN @extschema@.customer_journeys.first_purchase IS 'time of the first purchase (NULL when none)';
COMMENT ON VIEW @extschema@.journey_transitions IS
  'Sankey input: how many profiles went from one touchpoint to the next at each step of their (collapsed) journey';
COMMENT ON COLUMN @extschema@.journey_transitions.step IS 'position of the source touchpoint in the journey (1 = first)';
COMMENT ON COLUMN @extschema@.journey_transitions.source IS 'touchpoint at this step';
COMMENT ON COLUMN @extschema@.journey_transitions.target IS 'next touchpoint, or (end) when the journey stops here';
COMMENT ON COLUMN @extschema@.journey_transitions.customers IS 'profiles that made this transition at this step';
COMMENT ON VIEW @extschema@.channel_attribution IS
  'attribution of every purchase: the channel (or campaign) path leading to each purchase since the previous one, first and repeat purchases apart, credited by five models (attribution)';
COMMENT ON COLUMN @extschema@.channel_attribution.model IS 'first_touch, last_touch, linear, position or markov';
COMMENT ON COLUMN @extschema@.channel_attribution.channel IS 'channel, or campaign when level is campaign ((none): touchpoints without a campaign)';
COMMENT ON COLUMN @extschema@.channel_attribution.conversions IS 'purchases credited to the channel (sums to the purchases of the level and is_repeat)';
COMMENT ON COLUMN @extschema@.channel_attribution.share IS 'conversions / all purchases of the level and is_repeat';
COMMENT ON COLUMN @extschema@.channel_attribution.revenue IS 'amounts of the purchases credited to the channel';
COMMENT ON COLUMN @extschema@.channel_attribution.level IS 'channel: paths of touchpoint channels; campaign: paths of touchpoint campaigns';
COMMENT ON COLUMN @extschema@.channel_attribution.is_repeat IS 'false: first purchases (and journeys that never bought); true: repeat purchases (paths since the previous purchase, and after the last one)';
COMMENT ON VIEW @extschema@.funnel_conversion IS
  'the funnel of settings.funnel_steps within settings.funnel_window (journey_funnel per profile): profiles reaching each step';
COMMENT ON COLUMN @extschema@.funnel_conversion.step IS 'step number (1 = first)';
COMMENT ON COLUMN @extschema@.funnel_conversion.touchpoint IS 'touchpoint of the step';
COMMENT ON COLUMN @extschema@.funnel_conversion.customers IS 'profiles that reached at least this step';
COMMENT ON COLUMN @extschema@.funnel_conversion.conversion IS 'customers / customers of step 1';
COMMENT ON COLUMN @extschema@.funnel_conversion.step_conversion IS 'customers / customers of the previous step (step 1: / all profiles with touchpoints)';
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
COMMENT ON COLUMN @extschema@.customer_360.days_since_purchase IS 'days from the latest purchase to the reference time (settings.as_of, or the end of the current day)';
COMMENT ON COLUMN @extschema@.customer_360.products IS 'distinct products (or categories) bought; 0 when no product column is mapped';
COMMENT ON COLUMN @extschema@.customer_360.latest_nps IS 'latest NPS answer (0-10)';
COMMENT ON COLUMN @extschema@.customer_360.latest_nps_at IS 'time of the latest NPS answer';
COMMENT ON COLUMN @extschema@.customer_360.nps_category IS 'promoter, passive or detractor, from the latest answer';
COMMENT ON COLUMN @extschema@.customer_360.frequency IS 'RFM frequency: purchase periods (settings.time_unit) after the first (rfm)';
COMMENT ON COLUMN @extschema@.customer_360.recency IS 'RFM recency: periods from the first to the last purchase period';
COMMENT ON COLUMN @extschema@.customer_360.t IS 'RFM age: periods from the first purchase period to settings.as_of';
COMMENT ON COLUMN @extschema@.customer_360.monetary IS 'mean spend per repeat period (0 for one-time buyers)';
COMMENT ON COLUMN @extschema@.customer_360.r_score IS 'recency score 1-5 (5 = most recent latest purchase): quintile of rank among the buyers, from the cut points stored by refresh() (NULL before it)';
COMMENT ON COLUMN @extschema@.customer_360.f_score IS 'frequency score 1-5 (5 = most orders)';
COMMENT ON COLUMN @extschema@.customer_360.m_score IS 'monetary score 1-5 (5 = most revenue)';
COMMENT ON COLUMN @extschema@.customer_360.rfm_segment IS 'segment of (r_score, f_score) (rfm_segment)';
COMMENT ON COLUMN @extschema@.customer_360.one_time_buyer IS 'bought in one period only (under BG/NBD p_alive is 1 by construction), see lifecycle_stage';
COMMENT ON COLUMN @extschema@.customer_360.p_alive IS 'probability the customer is still active (the model of cxm.models.churn_model; NULL before refresh())';
COMMENT ON COLUMN @extschema@.customer_360.churn_score IS '1 - p_alive';
COMMENT ON COLUMN @extschema@.customer_360.expected_purchases IS 'expected purchases in the next settings.clv_horizon periods';
COMMENT ON COLUMN @extschema@.customer_360.expected_clv IS 'expected value of the next settings.clv_horizon periods (clv with the churn model and Gamma-Gamma)';
COMMENT ON COLUMN @extschema@.customer_360.lifecycle_stage IS 'prospect, new, active, at risk or churned (see doc/layer.md)';
COMMENT ON COLUMN @extschema@.customer_360.cost IS 'sum of the purchase costs (NULL when a purchase has no cost, or none was made)';
COMMENT ON COLUMN @extschema@.customer_360.profit IS 'revenue - cost';
COMMENT ON COLUMN @extschema@.customer_360.expected_profit IS 'expected profit of the next settings.clv_horizon periods: expected_clv * profit / revenue';
COMMENT ON COLUMN @extschema@.customer_360.entry_channel IS 'channel of the first touchpoint';
COMMENT ON COLUMN @extschema@.customer_360.entry_campaign IS 'campaign of the first touchpoint';
COMMENT ON COLUMN @extschema@.customer_360.bounced_sessions IS 'sessions of a single touchpoint';
COMMENT ON COLUMN @extschema@.customer_360.session_minutes IS 'time on site: summed session durations in minutes (first to last touchpoint of each session)';
COMMENT ON COLUMN @extschema@.customer_360.days_since_seen IS 'days from last_seen to the reference time';
COMMENT ON COLUMN @extschema@.customer_360.churn_model IS 'the model behind p_alive, expected_purchases and expected_clv: bgnbd, pareto_nbd or mbgnbd (cxm.models.churn_model)';
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
COMMENT ON VIEW @extschema@.kpi_monthly IS
  'monthly KPIs from the first month with a purchase: revenue, active customers, repeat purchases, churn, conversion, NPS, sessions, cross-sell, cross-channel CLV, cost and profit; NULL where a KPI is not observable yet';
COMMENT ON COLUMN @extschema@.kpi_monthly.month IS 'first day of the month (session time zone)';
COMMENT ON COLUMN @extschema@.kpi_monthly.revenue IS 'sum of the purchase amounts';
COMMENT ON COLUMN @extschema@.kpi_monthly.orders IS 'number of purchases';
COMMENT ON COLUMN @extschema@.kpi_monthly.active_customers IS 'customers with a purchase in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.new_customers IS 'customers whose first purchase is in the month';
COMMENT ON COLUMN @extschema@.kpi_monthly.repeat_purchase_rate IS 'share of the month''s buyers who had bought in an earlier month (NULL in the first month with purchases)';
COMMENT ON COLUMN @extschema@.kpi_monthly.customer_base IS 'customers with a purchase in the settings.churned_after (365 days) before the month; NULL until that much purchase history exists';
COMMENT ON COLUMN @extschema@.kpi_monthly.churned_customers IS 'customers whose settings.churned_after without a purchase ran out in the month; NULL while not observable (customer_base unknown, or the month not over at the reference time)';
COMMENT ON COLUMN @extschema@.kpi_monthly.churn_rate IS 'churned_customers / customer_base (NULL when churned_customers is)';
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
COMMENT ON COLUMN @extschema@.kpi_monthly.cost IS 'sum of the costs of the month''s purchases (NULL when no cost is mapped or a purchase has none)';
COMMENT ON COLUMN @extschema@.kpi_monthly.profit IS 'revenue - cost';

COMMENT ON TABLE @extschema@.profile_months_snapshot IS
  'snapshot of the monthly facts of every profile (layer_month_rows), filled by refresh(); kpi_monthly, nps_monthly and cohort_retention aggregate it';
DO $$
DECLARE
  v pg_catalog.text;
  c record;
BEGIN
  FOR v IN SELECT x.view_name FROM @extschema@.layer_snapshots() x WHERE x.shown LOOP
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
COMMENT ON COLUMN @extschema@.customer_360_snapshot.second_product_at IS 'internal: time of the first purchase of the second distinct product (kpi_monthly.cross_sell_rate)';
COMMENT ON COLUMN @extschema@.customer_journeys_snapshot.segments IS 'internal: per purchase (and after the last) the collapsed channel (c) and campaign (k) paths leading to it, its amount (v, NULL: none) and whether it is a repeat purchase (r) (channel_attribution)';
COMMENT ON COLUMN @extschema@.customer_journeys_snapshot.funnel_level IS 'internal: steps of settings.funnel_steps reached (funnel_conversion)';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.customer_id IS 'profile id';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.month IS 'first day of the month';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.revenue IS 'sum of the purchase amounts in the month (NULL: none)';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.orders IS 'purchases in the month';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.visited IS 'the profile had a touchpoint in the month';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.sessions IS 'sessions started in the month';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.session_touchpoints IS 'touchpoints of those sessions';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.session_minutes IS 'summed duration of those sessions in minutes';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.answers IS 'feedback rows in the month (also without a score)';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.promoters IS 'answers 9-10';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.passives IS 'answers 7-8';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.detractors IS 'answers 0-6';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.lost IS 'purchases whose churned_after without another purchase ran out in the month';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.cost IS 'sum of the costs of the month''s purchases that have one';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.costed IS 'purchases in the month with a cost';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.nps_channels IS 'scored NPS answers per feedback channel: {channel: [promoters, passives, detractors]}';
COMMENT ON COLUMN @extschema@.profile_months_snapshot.base_delta IS 'change of the profile''s membership of kpi_monthly.customer_base at the month (+1 enters, -1 leaves)';
COMMENT ON TABLE @extschema@.journey_transitions_base_snapshot IS
  'internal: additive base of journey_transitions, kept by refresh() by subtracting and adding the changed profiles (doc/layer.md, "Incremental refresh")';
COMMENT ON COLUMN @extschema@.journey_transitions_base_snapshot.step IS 'position of the source touchpoint in the collapsed journey';
COMMENT ON COLUMN @extschema@.journey_transitions_base_snapshot.source IS 'touchpoint at that step';
COMMENT ON COLUMN @extschema@.journey_transitions_base_snapshot.target IS 'next touchpoint, or (end)';
COMMENT ON COLUMN @extschema@.journey_transitions_base_snapshot.n IS 'journeys with this transition';
COMMENT ON TABLE @extschema@.channel_attribution_base_snapshot IS
  'internal: additive base of channel_attribution (distinct paths with their journeys), kept by refresh() by subtracting and adding the changed profiles (doc/layer.md, "Incremental refresh")';
COMMENT ON COLUMN @extschema@.channel_attribution_base_snapshot.level IS 'channel or campaign';
COMMENT ON COLUMN @extschema@.channel_attribution_base_snapshot.is_repeat IS 'the paths lead to a repeat purchase (or follow the first)';
COMMENT ON COLUMN @extschema@.channel_attribution_base_snapshot.path IS 'collapsed channel or campaign path';
COMMENT ON COLUMN @extschema@.channel_attribution_base_snapshot.converted IS 'the journeys end in a purchase';
COMMENT ON COLUMN @extschema@.channel_attribution_base_snapshot.paid IS 'the purchases have a positive amount';
COMMENT ON COLUMN @extschema@.channel_attribution_base_snapshot.n IS 'journeys that took the path';
COMMENT ON COLUMN @extschema@.channel_attribution_base_snapshot.conversions IS 'their purchases';
COMMENT ON COLUMN @extschema@.channel_attribution_base_snapshot.revenue IS 'their purchases'' amounts (exact, trailing zeros trimmed)';
COMMENT ON TABLE @extschema@.kpi_monthly_base_snapshot IS
  'internal: additive base of kpi_monthly (monthly counts and exact sums), kept by refresh() by subtracting and adding the changed profiles (doc/layer.md, "Incremental refresh")';
COMMENT ON TABLE @extschema@.nps_monthly_base_snapshot IS
  'internal: additive base of nps_monthly, kept by refresh() by subtracting and adding the changed profiles (doc/layer.md, "Incremental refresh")';
COMMENT ON COLUMN @extschema@.nps_monthly_base_snapshot.month IS 'first day of the month';
COMMENT ON COLUMN @extschema@.nps_monthly_base_snapshot.channel IS 'feedback channel, or (none)';
COMMENT ON COLUMN @extschema@.nps_monthly_base_snapshot.n IS 'profiles with scored answers in the month and channel';
COMMENT ON COLUMN @extschema@.nps_monthly_base_snapshot.p IS 'promoters (answers 9-10)';
COMMENT ON COLUMN @extschema@.nps_monthly_base_snapshot.pa IS 'passives (answers 7-8)';
COMMENT ON COLUMN @extschema@.nps_monthly_base_snapshot.d IS 'detractors (answers 0-6)';
COMMENT ON TABLE @extschema@.cohort_retention_base_snapshot IS
  'internal: additive base of cohort_retention, kept by refresh() by subtracting and adding the changed profiles (doc/layer.md, "Incremental refresh")';
COMMENT ON COLUMN @extschema@.cohort_retention_base_snapshot.cohort IS 'month of the first purchase';
COMMENT ON COLUMN @extschema@.cohort_retention_base_snapshot.month IS 'a month in which the cohort''s customers bought';
COMMENT ON COLUMN @extschema@.cohort_retention_base_snapshot.n IS 'customers of the cohort who bought in the month';
COMMENT ON TABLE @extschema@.funnel_conversion_base_snapshot IS
  'internal: additive base of funnel_conversion, kept by refresh() by subtracting and adding the changed profiles (doc/layer.md, "Incremental refresh")';
COMMENT ON COLUMN @extschema@.funnel_conversion_base_snapshot.level IS 'last funnel step reached in order (0: none; -1: no funnel configured)';
COMMENT ON COLUMN @extschema@.funnel_conversion_base_snapshot.n IS 'profiles at that level';
COMMENT ON TABLE @extschema@.rfm_segments_base_snapshot IS
  'internal: additive base of rfm_segments (counts and exact sums; a mean is a sum over the count of its values), kept by refresh() by subtracting and adding the changed profiles (doc/layer.md, "Incremental refresh")';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.segment IS 'RFM segment';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.n IS 'customers in the segment';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.revenue IS 'their revenue (exact, trailing zeros trimmed)';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.orders IS 'their orders';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.days IS 'sum of their days since the latest purchase';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.days_n IS 'customers with a latest purchase';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.p_alive IS 'sum of their probabilities of being alive';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.p_alive_n IS 'customers with a probability of being alive';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.clv IS 'sum of their expected CLVs';
COMMENT ON COLUMN @extschema@.rfm_segments_base_snapshot.clv_n IS 'customers with an expected CLV';
COMMENT ON TABLE @extschema@.value_concentration_base_snapshot IS
  'internal: base of value_concentration (buyers by measure and value), kept by refresh() by subtracting and adding the changed profiles; the ranks, top sums and Gini follow from it (doc/layer.md, "Incremental refresh")';
COMMENT ON COLUMN @extschema@.value_concentration_base_snapshot.mo IS 'measure: 1 revenue, 2 profit, 3 expected_clv';
COMMENT ON COLUMN @extschema@.value_concentration_base_snapshot.value IS 'a buyer''s value of the measure (exact)';
COMMENT ON COLUMN @extschema@.value_concentration_base_snapshot.sc IS 'its scale (digits after the point; -1 for NaN or infinity): equal values written differently stay apart';
COMMENT ON COLUMN @extschema@.value_concentration_base_snapshot.f IS 'the value as float8 (the first sort key)';
COMMENT ON COLUMN @extschema@.value_concentration_base_snapshot.n IS 'buyers with that value';
COMMENT ON TABLE @extschema@.channel_mix_value_base_snapshot IS
  'internal: base of channel_mix_value (buyers by tenure band, measure, side and value), kept by refresh() by subtracting and adding the changed profiles; counts, means, variances and medians follow from it (doc/layer.md, "Incremental refresh")';
COMMENT ON COLUMN @extschema@.channel_mix_value_base_snapshot.part IS '4 band + 2 measure + side: band 0 <90, 1 90-365, 2 365+ (the view''s band all is the three together); measure 0 revenue, 1 expected_clv; side 1 cross-channel, 0 single';
COMMENT ON COLUMN @extschema@.channel_mix_value_base_snapshot.value IS 'a buyer''s value of the measure (exact)';
COMMENT ON COLUMN @extschema@.channel_mix_value_base_snapshot.sc IS 'its scale (digits after the point; -1 for NaN or infinity): equal values written differently stay apart';
COMMENT ON COLUMN @extschema@.channel_mix_value_base_snapshot.f IS 'the value as float8 (the order of the medians)';
COMMENT ON COLUMN @extschema@.channel_mix_value_base_snapshot.n IS 'buyers with that value';
COMMENT ON TABLE @extschema@.visitor_segments_base_snapshot IS
  'internal: additive base of visitor_segments, kept by refresh() by subtracting and adding the changed profiles (doc/layer.md, "Incremental refresh")';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.is_known IS 'the profiles are known customers';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.entry_channel IS 'channel of their first touchpoint, or (none)';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.entry_campaign IS 'campaign of their first touchpoint, or (none)';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.n IS 'profiles with touchpoints';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.sessions IS 'their sessions';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.touchpoints IS 'their touchpoints';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.minutes IS 'their time on site in minutes (exact)';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.days IS 'sum of their days since last seen';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.days_n IS 'profiles with a last-seen time';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.bounced IS 'their bounced sessions (one touchpoint)';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.engaged IS 'profiles with a session that did not bounce';
COMMENT ON COLUMN @extschema@.visitor_segments_base_snapshot.buyers IS 'profiles with a purchase';
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT a.attname FROM pg_catalog.pg_attribute a
           WHERE a.attrelid = '@extschema@.kpi_monthly_base_snapshot'::pg_catalog.regclass AND a.attnum > 0 LOOP
    EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.kpi_monthly_base_snapshot.%I IS %L', c.attname,
      CASE c.attname WHEN 'month' THEN 'first day of the month'
                     WHEN 'n' THEN 'per-profile month rows in the month'
                     WHEN 'product_buyers' THEN 'buyers of the month with a product (kpi_monthly.cross_sell_rate is NULL when no month has one)'
                     WHEN 'clv_cross_n' THEN 'buyers of the month touched through two or more channels, with an expected CLV'
                     WHEN 'clv_single_n' THEN 'buyers of the month touched through one channel or none, with an expected CLV'
                     ELSE 'monthly figure behind kpi_monthly (see doc/layer.md)' END);
  END LOOP;
END $$;
