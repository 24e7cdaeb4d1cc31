
-- ---------------------------------------------------------------------------
-- The CX layer's churn models (doc/churn.md, "Choosing a model"): holdout
-- validation over the mapped transactions, the model settings, and the
-- choice that refresh(refit => true) makes once layer_fit_models (in
-- layer_refresh.sql) has stored the fitted models (layer_choose_churn_model).
-- The models' columns for the other two models and the choice are added in
-- layer_views.sql, whose layer_profile_rows reads them.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.churn_holdout(calibration_end pg_catalog.timestamptz,
                                          holdout_end pg_catalog.timestamptz)
RETURNS TABLE (model pg_catalog.text, frequency_bucket pg_catalog.text, customers pg_catalog.int8,
               actual pg_catalog.float8, predicted pg_catalog.float8, mae pg_catalog.float8,
               rmse pg_catalog.float8)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- transactions_whole: the rows of cxm.transactions, each source read once
  SELECT h.* FROM @extschema@.settings x
  CROSS JOIN LATERAL @extschema@.churn_holdout('@extschema@.transactions_whole'::pg_catalog.regclass, 'customer_id',
                                               'ts', calibration_end, holdout_end, x.time_unit, x.penalizer) h
  WHERE x.id
$$;
COMMENT ON FUNCTION @extschema@.churn_holdout(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
  'churn_holdout over the mapped transactions (cxm.transactions) in settings.time_unit, the models fitted with settings.penalizer as refresh() fits them';

ALTER TABLE @extschema@.settings
  ADD COLUMN churn_model pg_catalog.text CHECK (churn_model IN ('bgnbd', 'pareto_nbd', 'mbgnbd')),
  ADD COLUMN churn_holdout pg_catalog.interval CHECK (churn_holdout > '0'::pg_catalog.interval);
COMMENT ON COLUMN @extschema@.settings.churn_model IS
  'churn model of customer_360 and churn_risk: bgnbd, pareto_nbd or mbgnbd; NULL = the one with the lowest holdout MAE when refresh() fits the models';
COMMENT ON COLUMN @extschema@.settings.churn_holdout IS
  'holdout period of the model choice, ending at settings.as_of; NULL = the last third of the time since the first purchase';

CREATE TABLE @extschema@.model_holdout (
  model            pg_catalog.text NOT NULL,
  frequency_bucket pg_catalog.text NOT NULL,
  customers        pg_catalog.int8 NOT NULL,
  actual           pg_catalog.float8,
  predicted        pg_catalog.float8,
  mae              pg_catalog.float8,
  rmse             pg_catalog.float8,
  calibration_end  pg_catalog.timestamptz NOT NULL,
  holdout_end      pg_catalog.timestamptz NOT NULL,
  PRIMARY KEY (model, frequency_bucket)
);
COMMENT ON TABLE @extschema@.model_holdout IS
  'the holdout comparison (churn_holdout) behind the last model choice of refresh(); kept by pg_dump';
COMMENT ON COLUMN @extschema@.model_holdout.model IS 'bgnbd, pareto_nbd or mbgnbd';
COMMENT ON COLUMN @extschema@.model_holdout.frequency_bucket IS 'calibration frequency 0 .. 6, 7+, or all';
COMMENT ON COLUMN @extschema@.model_holdout.customers IS 'customers in the bucket';
COMMENT ON COLUMN @extschema@.model_holdout.actual IS 'their repeat purchase periods in the holdout period';
COMMENT ON COLUMN @extschema@.model_holdout.predicted IS 'the model''s expected repeat purchases for them';
COMMENT ON COLUMN @extschema@.model_holdout.mae IS 'mean absolute error per customer over all customers (the same on every row of a model)';
COMMENT ON COLUMN @extschema@.model_holdout.rmse IS 'root mean squared error per customer over all customers';
COMMENT ON COLUMN @extschema@.model_holdout.calibration_end IS 'end of the calibration period';
COMMENT ON COLUMN @extschema@.model_holdout.holdout_end IS 'end of the holdout period (settings.as_of at refresh)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_holdout', '');
GRANT SELECT ON @extschema@.model_holdout TO PUBLIC;

-- The choice, once cxm.models holds the fitted models: compares the three
-- churn models on the holdout period from calibration_end to the models'
-- as_of (unless settings.churn_model names one), over the calibration rows
-- that layer_fit_models keeps in pg_temp.cxm_fit_holdout from its pass over
-- the transactions (churn_holdout_sql: as churn_holdout(calibration_end,
-- as_of) computes them), keeps the comparison in cxm.model_holdout and
-- writes the choice into cxm.models (churn_model, churn_chosen_by, churn).
CREATE FUNCTION @extschema@.layer_choose_churn_model(calibration_end pg_catalog.timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
  v_choice pg_catalog.text;
  v_unit pg_catalog.interval;
  v_pen pg_catalog.float8;
  v_model pg_catalog.text;
  v_by pg_catalog.text;
  v_msg pg_catalog.text;
  m record;
BEGIN
  SELECT x.churn_model, x.time_unit, x.penalizer INTO v_choice, v_unit, v_pen FROM @extschema@.settings x WHERE x.id;
  DELETE FROM @extschema@.model_holdout;
  SELECT x.as_of, x.customers, x.bgnbd, x.pareto_nbd, x.mbgnbd INTO m FROM @extschema@.models x WHERE x.id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  -- the holdout comparison: calibrate up to calibration_end, compare up to as_of
  IF v_choice IS NULL AND m.customers > 0 THEN
    -- the calibration fits' convergence warnings are not about the stored
    -- models: model_holdout shows how well each predicts
    v_msg := pg_catalog.current_setting('client_min_messages');
    PERFORM pg_catalog.set_config('client_min_messages', 'error', true);
    BEGIN
      PERFORM @extschema@.churn_holdout_check(calibration_end, m.as_of, v_unit, v_pen);
      EXECUTE pg_catalog.format(
        'INSERT INTO @extschema@.model_holdout SELECT h.*, %L::pg_catalog.timestamptz, %L::pg_catalog.timestamptz FROM (%s) h',
        calibration_end, m.as_of,
        @extschema@.churn_holdout_sql('SELECT h.f, h.rec, h.t, h.actual, h.horizon FROM pg_temp.cxm_fit_holdout h'))
      USING calibration_end, m.as_of, v_unit, v_pen;
      PERFORM pg_catalog.set_config('client_min_messages', v_msg, true);
    EXCEPTION WHEN invalid_parameter_value OR numeric_value_out_of_range OR null_value_not_allowed THEN
      PERFORM pg_catalog.set_config('client_min_messages', v_msg, true);
      GET STACKED DIAGNOSTICS v_msg = MESSAGE_TEXT;
      RAISE WARNING 'refresh: no holdout comparison of the churn models: %', v_msg;
    END;
  END IF;

  -- the model named in the settings; else the lowest holdout MAE; else BG/NBD
  IF v_choice IS NOT NULL THEN
    v_model := v_choice;
    v_by := 'settings';
  ELSE
    SELECT h.model INTO v_model FROM @extschema@.model_holdout h
    WHERE h.frequency_bucket = 'all' AND h.mae IS NOT NULL
      AND (h.model <> 'bgnbd' OR m.bgnbd IS NOT NULL) AND (h.model <> 'pareto_nbd' OR m.pareto_nbd IS NOT NULL)
      AND (h.model <> 'mbgnbd' OR m.mbgnbd IS NOT NULL)
    ORDER BY h.mae, h.model LIMIT 1;
    v_by := CASE WHEN v_model IS NOT NULL THEN 'holdout' ELSE 'default' END;
    v_model := COALESCE(v_model, 'bgnbd');
  END IF;
  UPDATE @extschema@.models x
  SET churn = c.m,
      churn_model = CASE WHEN c.m IS NOT NULL THEN v_model END,
      churn_chosen_by = CASE WHEN c.m IS NOT NULL THEN v_by END
  FROM (SELECT CASE v_model WHEN 'bgnbd' THEN @extschema@.churn_model(m.bgnbd)
                            WHEN 'pareto_nbd' THEN @extschema@.churn_model(m.pareto_nbd)
                            ELSE @extschema@.churn_model(m.mbgnbd) END AS m) c
  WHERE x.id;
END $$;
COMMENT ON FUNCTION @extschema@.layer_choose_churn_model(pg_catalog.timestamptz) IS
  'internal (layer_fit_models, at refresh(refit => true)): compares the churn models of cxm.models on the holdout period from calibration_end, over the calibration rows of pg_temp.cxm_fit_holdout, and stores the choice';
REVOKE ALL ON FUNCTION @extschema@.layer_choose_churn_model(pg_catalog.timestamptz) FROM PUBLIC;
