
-- issue 16: refresh() also refills the recommendation tables (one marked line;
-- the function as in src/sql/layer.sql)
DROP FUNCTION @extschema@.refresh();
CREATE FUNCTION @extschema@.refresh()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
  v_as_of pg_catalog.timestamptz;
  v_unit pg_catalog.interval;
  v_pen pg_catalog.float8;
  fit record;
BEGIN
  -- the canonical views follow cxm.sources (also after a restore that skipped triggers)
  PERFORM @extschema@.layer_rebuild();
  PERFORM @extschema@.layer_apply_mode();
  -- refit the churn (BG/NBD) and spend (Gamma-Gamma) models on every buyer
  SELECT COALESCE(x.as_of, pg_catalog.now()), x.time_unit, x.penalizer INTO v_as_of, v_unit, v_pen
  FROM @extschema@.settings x WHERE x.id;
  SELECT pg_catalog.count(*) AS n,
         @extschema@.bgnbd_fit((s.r).frequency, (s.r).recency, (s.r).t, v_pen) AS bg,
         @extschema@.gammagamma_fit((s.r).frequency, (s.r).monetary) FILTER (WHERE (s.r).monetary > 0) AS gg
  INTO fit
  FROM (SELECT @extschema@.rfm(t.ts, t.amount, v_as_of, v_unit) AS r
        FROM @extschema@.transactions t GROUP BY t.customer_id) s
  WHERE s.r IS NOT NULL;
  DELETE FROM @extschema@.models m WHERE m.id;
  INSERT INTO @extschema@.models (id, fitted_at, as_of, time_unit, customers, bgnbd, gammagamma)
  VALUES (true, pg_catalog.now(), v_as_of, v_unit, fit.n, fit.bg, fit.gg);
  IF (SELECT x.materialized FROM @extschema@.settings x WHERE x.id) THEN
    PERFORM @extschema@.layer_refresh_snapshots();
  END IF;
  PERFORM @extschema@.layer_refresh_recommendations();  -- recommendations (issue 16, src/sql/layer_recommend.sql)
END $$;
COMMENT ON FUNCTION @extschema@.refresh() IS
  'rebuilds the canonical views, refits and stores the churn (BG/NBD) and spend (Gamma-Gamma) models in cxm.models, and refills the snapshots in materialised mode';
REVOKE ALL ON FUNCTION @extschema@.refresh() FROM PUBLIC;
