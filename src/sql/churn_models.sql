
-- ---------------------------------------------------------------------------
-- Churn models beyond BG/NBD: Pareto/NBD and MBG/NBD, one model type that
-- holds any of the three, and holdout validation (doc/churn.md, "Choosing a
-- model").  The CX layer's side is in churn_layer.sql.
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.pareto_nbd_model AS (
  r              pg_catalog.float8,
  alpha          pg_catalog.float8,
  s              pg_catalog.float8,
  beta           pg_catalog.float8,
  log_likelihood pg_catalog.float8,
  n              pg_catalog.int8
);
COMMENT ON TYPE @extschema@.pareto_nbd_model IS
  'fitted Pareto/NBD model (result of pareto_nbd_fit)';
COMMENT ON COLUMN @extschema@.pareto_nbd_model.r IS 'shape of the Gamma distribution of purchase rates';
COMMENT ON COLUMN @extschema@.pareto_nbd_model.alpha IS 'scale of the Gamma distribution of purchase rates, in time units';
COMMENT ON COLUMN @extschema@.pareto_nbd_model.s IS 'shape of the Gamma distribution of drop-out rates';
COMMENT ON COLUMN @extschema@.pareto_nbd_model.beta IS 'scale of the Gamma distribution of drop-out rates, in time units';
COMMENT ON COLUMN @extschema@.pareto_nbd_model.log_likelihood IS 'log-likelihood at the optimum (without the penalty)';
COMMENT ON COLUMN @extschema@.pareto_nbd_model.n IS 'number of customers fitted';

CREATE TYPE @extschema@.mbgnbd_model AS (
  r              pg_catalog.float8,
  alpha          pg_catalog.float8,
  a              pg_catalog.float8,
  b              pg_catalog.float8,
  log_likelihood pg_catalog.float8,
  n              pg_catalog.int8
);
COMMENT ON TYPE @extschema@.mbgnbd_model IS
  'fitted MBG/NBD model (result of mbgnbd_fit)';
COMMENT ON COLUMN @extschema@.mbgnbd_model.r IS 'shape of the Gamma distribution of purchase rates';
COMMENT ON COLUMN @extschema@.mbgnbd_model.alpha IS 'scale of the Gamma distribution of purchase rates, in time units';
COMMENT ON COLUMN @extschema@.mbgnbd_model.a IS 'first shape of the Beta distribution of drop-out probabilities';
COMMENT ON COLUMN @extschema@.mbgnbd_model.b IS 'second shape of the Beta distribution of drop-out probabilities';
COMMENT ON COLUMN @extschema@.mbgnbd_model.log_likelihood IS 'log-likelihood at the optimum (without the penalty)';
COMMENT ON COLUMN @extschema@.mbgnbd_model.n IS 'number of customers fitted';

CREATE TYPE @extschema@.churn_model AS (
  model          pg_catalog.text,
  params         pg_catalog.float8[],
  log_likelihood pg_catalog.float8,
  n              pg_catalog.int8
);
COMMENT ON TYPE @extschema@.churn_model IS
  'any fitted churn model (BG/NBD, Pareto/NBD or MBG/NBD), for code that stores or passes whichever was chosen; made by churn_model(m)';
COMMENT ON COLUMN @extschema@.churn_model.model IS 'bgnbd, pareto_nbd or mbgnbd';
COMMENT ON COLUMN @extschema@.churn_model.params IS 'the four parameters in the order of the model''s own type: r, alpha, a, b or r, alpha, s, beta';
COMMENT ON COLUMN @extschema@.churn_model.log_likelihood IS 'log-likelihood at the optimum (without the penalty)';
COMMENT ON COLUMN @extschema@.churn_model.n IS 'number of customers fitted';

-- fits: the transition, combine and serial functions of bgnbd_fit ----------------

CREATE FUNCTION @extschema@.pnbd_fit_final(@extschema@.fit_state)
RETURNS @extschema@.pareto_nbd_model
AS 'MODULE_PATHNAME', 'pnbd_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pnbd_fit_final(@extschema@.fit_state) IS
  'final function of pareto_nbd_fit: maximum-likelihood fit (BFGS on log-parameters)';

CREATE FUNCTION @extschema@.mbgnbd_fit_final(@extschema@.fit_state)
RETURNS @extschema@.mbgnbd_model
AS 'MODULE_PATHNAME', 'mbgnbd_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_fit_final(@extschema@.fit_state) IS
  'final function of mbgnbd_fit: maximum-likelihood fit (BFGS on log-parameters)';

CREATE AGGREGATE @extschema@.pareto_nbd_fit(frequency pg_catalog.float8, recency pg_catalog.float8,
                                            t pg_catalog.float8) (
  SFUNC = @extschema@.bgnbd_fit_accum,
  STYPE = @extschema@.fit_state,
  FINALFUNC = @extschema@.pnbd_fit_final,
  COMBINEFUNC = @extschema@.churn_fit_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'maximum-likelihood Pareto/NBD fit over all customers: (r, alpha, s, beta, log_likelihood, n)';

CREATE AGGREGATE @extschema@.pareto_nbd_fit(frequency pg_catalog.float8, recency pg_catalog.float8,
                                            t pg_catalog.float8, penalizer pg_catalog.float8) (
  SFUNC = @extschema@.bgnbd_fit_accum,
  STYPE = @extschema@.fit_state,
  FINALFUNC = @extschema@.pnbd_fit_final,
  COMBINEFUNC = @extschema@.churn_fit_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8,
                                                pg_catalog.float8) IS
  'Pareto/NBD fit minimising -LL/n + penalizer * (r^2 + alpha^2 + s^2 + beta^2)';

CREATE AGGREGATE @extschema@.mbgnbd_fit(frequency pg_catalog.float8, recency pg_catalog.float8,
                                        t pg_catalog.float8) (
  SFUNC = @extschema@.bgnbd_fit_accum,
  STYPE = @extschema@.fit_state,
  FINALFUNC = @extschema@.mbgnbd_fit_final,
  COMBINEFUNC = @extschema@.churn_fit_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'maximum-likelihood MBG/NBD fit over all customers: (r, alpha, a, b, log_likelihood, n)';

CREATE AGGREGATE @extschema@.mbgnbd_fit(frequency pg_catalog.float8, recency pg_catalog.float8,
                                        t pg_catalog.float8, penalizer pg_catalog.float8) (
  SFUNC = @extschema@.bgnbd_fit_accum,
  STYPE = @extschema@.fit_state,
  FINALFUNC = @extschema@.mbgnbd_fit_final,
  COMBINEFUNC = @extschema@.churn_fit_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8,
                                            pg_catalog.float8) IS
  'MBG/NBD fit minimising -LL/n + penalizer * (r^2 + alpha^2 + a^2 + b^2)';

-- churn_model: any of the three ------------------------------------------------

CREATE FUNCTION @extschema@.churn_model(m @extschema@.bgnbd_model)
RETURNS @extschema@.churn_model
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT ROW('bgnbd', ARRAY[m.r, m.alpha, m.a, m.b], m.log_likelihood, m.n)::@extschema@.churn_model
$$;
COMMENT ON FUNCTION @extschema@.churn_model(@extschema@.bgnbd_model) IS
  'the BG/NBD model as a churn_model';

CREATE FUNCTION @extschema@.churn_model(m @extschema@.pareto_nbd_model)
RETURNS @extschema@.churn_model
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT ROW('pareto_nbd', ARRAY[m.r, m.alpha, m.s, m.beta], m.log_likelihood, m.n)::@extschema@.churn_model
$$;
COMMENT ON FUNCTION @extschema@.churn_model(@extschema@.pareto_nbd_model) IS
  'the Pareto/NBD model as a churn_model';

CREATE FUNCTION @extschema@.churn_model(m @extschema@.mbgnbd_model)
RETURNS @extschema@.churn_model
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT ROW('mbgnbd', ARRAY[m.r, m.alpha, m.a, m.b], m.log_likelihood, m.n)::@extschema@.churn_model
$$;
COMMENT ON FUNCTION @extschema@.churn_model(@extschema@.mbgnbd_model) IS
  'the MBG/NBD model as a churn_model';

-- scoring: p_alive, churn_score, expected_purchases, clv for each model type ------

CREATE FUNCTION @extschema@.p_alive(m @extschema@.pareto_nbd_model, frequency pg_catalog.float8,
                                    recency pg_catalog.float8, t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'pnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.pareto_nbd_model, pg_catalog.float8, pg_catalog.float8,
                                        pg_catalog.float8) IS
  'probability that the customer is still active under the Pareto/NBD model';

CREATE FUNCTION @extschema@.p_alive(m @extschema@.mbgnbd_model, frequency pg_catalog.float8,
                                    recency pg_catalog.float8, t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mbgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.mbgnbd_model, pg_catalog.float8, pg_catalog.float8,
                                        pg_catalog.float8) IS
  'probability that the customer is still active under the MBG/NBD model (below 1 for frequency 0 too)';

CREATE FUNCTION @extschema@.p_alive(m @extschema@.churn_model, frequency pg_catalog.float8,
                                    recency pg_catalog.float8, t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'churn_model_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.churn_model, pg_catalog.float8, pg_catalog.float8,
                                        pg_catalog.float8) IS
  'probability that the customer is still active under the model m holds';

CREATE FUNCTION @extschema@.churn_score(m @extschema@.pareto_nbd_model, frequency pg_catalog.float8,
                                        recency pg_catalog.float8, t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'pnbd_churn_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_score(@extschema@.pareto_nbd_model, pg_catalog.float8, pg_catalog.float8,
                                            pg_catalog.float8) IS
  '1 - p_alive under the Pareto/NBD model';

CREATE FUNCTION @extschema@.churn_score(m @extschema@.mbgnbd_model, frequency pg_catalog.float8,
                                        recency pg_catalog.float8, t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mbgnbd_churn_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_score(@extschema@.mbgnbd_model, pg_catalog.float8, pg_catalog.float8,
                                            pg_catalog.float8) IS
  '1 - p_alive under the MBG/NBD model';

CREATE FUNCTION @extschema@.churn_score(m @extschema@.churn_model, frequency pg_catalog.float8,
                                        recency pg_catalog.float8, t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'churn_model_churn_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_score(@extschema@.churn_model, pg_catalog.float8, pg_catalog.float8,
                                            pg_catalog.float8) IS
  '1 - p_alive under the model m holds';

CREATE FUNCTION @extschema@.expected_purchases(m @extschema@.pareto_nbd_model, horizon pg_catalog.float8,
                                               frequency pg_catalog.float8, recency pg_catalog.float8,
                                               t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'pnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.pareto_nbd_model, pg_catalog.float8,
                                                   pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'expected purchases in the next horizon time units under the Pareto/NBD model, given the customer''s history';

CREATE FUNCTION @extschema@.expected_purchases(m @extschema@.mbgnbd_model, horizon pg_catalog.float8,
                                               frequency pg_catalog.float8, recency pg_catalog.float8,
                                               t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mbgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.mbgnbd_model, pg_catalog.float8,
                                                   pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'expected purchases in the next horizon time units under the MBG/NBD model, given the customer''s history';

CREATE FUNCTION @extschema@.expected_purchases(m @extschema@.churn_model, horizon pg_catalog.float8,
                                               frequency pg_catalog.float8, recency pg_catalog.float8,
                                               t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'churn_model_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.churn_model, pg_catalog.float8,
                                                   pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'expected purchases in the next horizon time units under the model m holds';

CREATE FUNCTION @extschema@.clv(m @extschema@.pareto_nbd_model, gg @extschema@.gammagamma_model,
                                frequency pg_catalog.float8, recency pg_catalog.float8, t pg_catalog.float8,
                                monetary pg_catalog.float8, horizon pg_catalog.int4,
                                discount_rate pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'pnbd_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv(@extschema@.pareto_nbd_model, @extschema@.gammagamma_model, pg_catalog.float8,
                                    pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4,
                                    pg_catalog.float8) IS
  'discounted customer lifetime value over horizon periods with the Pareto/NBD purchase model';

CREATE FUNCTION @extschema@.clv(m @extschema@.mbgnbd_model, gg @extschema@.gammagamma_model,
                                frequency pg_catalog.float8, recency pg_catalog.float8, t pg_catalog.float8,
                                monetary pg_catalog.float8, horizon pg_catalog.int4,
                                discount_rate pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mbgnbd_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv(@extschema@.mbgnbd_model, @extschema@.gammagamma_model, pg_catalog.float8,
                                    pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4,
                                    pg_catalog.float8) IS
  'discounted customer lifetime value over horizon periods with the MBG/NBD purchase model';

CREATE FUNCTION @extschema@.clv(m @extschema@.churn_model, gg @extschema@.gammagamma_model,
                                frequency pg_catalog.float8, recency pg_catalog.float8, t pg_catalog.float8,
                                monetary pg_catalog.float8, horizon pg_catalog.int4,
                                discount_rate pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'churn_model_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv(@extschema@.churn_model, @extschema@.gammagamma_model, pg_catalog.float8,
                                    pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4,
                                    pg_catalog.float8) IS
  'discounted customer lifetime value over horizon periods with the purchase model m holds';

-- holdout validation --------------------------------------------------------------

CREATE FUNCTION @extschema@.churn_holdout_expected(m @extschema@.churn_model, horizon pg_catalog.float8,
                                                   frequency pg_catalog.float8, recency pg_catalog.float8,
                                                   t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'churn_model_expected_or_null'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_holdout_expected(@extschema@.churn_model, pg_catalog.float8,
                                                       pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'internal: expected_purchases, but NULL where the model cannot predict the customer (churn_holdout)';

-- churn_holdout's arguments: 22004 when one is NULL, 22023 unless
-- calibration_end < holdout_end, both finite (also the CX layer's check,
-- layer_choose_churn_model)
CREATE FUNCTION @extschema@.churn_holdout_check(calibration_end pg_catalog.timestamptz,
                                                holdout_end pg_catalog.timestamptz, time_unit pg_catalog.interval,
                                                penalizer pg_catalog.float8)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF calibration_end IS NULL OR holdout_end IS NULL OR time_unit IS NULL OR penalizer IS NULL THEN
    RAISE EXCEPTION 'source, calibration_end, holdout_end, time_unit and penalizer must not be NULL'
      USING ERRCODE = '22004';
  END IF;
  IF NOT (holdout_end > calibration_end) OR NOT pg_catalog.isfinite(calibration_end) OR NOT pg_catalog.isfinite(holdout_end) THEN
    RAISE EXCEPTION 'holdout_end must be a finite time after calibration_end, got % and %', calibration_end, holdout_end
      USING ERRCODE = '22023';
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.churn_holdout_check(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval,
                                                    pg_catalog.float8) IS
  'internal: checks churn_holdout''s calibration_end, holdout_end, time_unit and penalizer (22004, 22023)';

-- churn_holdout's comparison, given the query of the calibration rows (f,
-- rec, t: the calibration summary; actual: the holdout purchases, distinct
-- periods up to holdout_end minus those up to calibration_end; horizon: the
-- periods from calibration_end to holdout_end) of every customer with a
-- purchase by calibration_end, and $4 the penalizer: the three models fitted
-- on the calibration summaries; predicted against actual repeat purchases per
-- calibration frequency.  churn_holdout computes the rows from the source;
-- the CX layer keeps them from its fitting pass (layer_fit_models; doc/churn.md,
-- "The model step at 1,000,000 customers").
CREATE FUNCTION @extschema@.churn_holdout_sql(cal pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT 'WITH cal AS (' || cal || $q$
    ), fit AS (
      SELECT @extschema@.bgnbd_fit(cal.f, cal.rec, cal.t, $4) AS bg,
             @extschema@.pareto_nbd_fit(cal.f, cal.rec, cal.t, $4) AS pn,
             @extschema@.mbgnbd_fit(cal.f, cal.rec, cal.t, $4) AS mb
      FROM cal
    ), same AS (
      -- customers with the same summary, horizon and holdout purchases (in
      -- whole time units they are few): each model predicts each once
      SELECT cal.f, cal.rec, cal.t, cal.horizon, cal.actual, pg_catalog.count(*)::pg_catalog.float8 AS n
      FROM cal GROUP BY cal.f, cal.rec, cal.t, cal.horizon, cal.actual
    ), pred AS (
      SELECT m.ord, m.name,
             CASE WHEN same.f >= 7 THEN '7+' ELSE same.f::pg_catalog.int4::pg_catalog.text END AS bucket,
             same.actual, same.n,
             @extschema@.churn_holdout_expected(m.cm, same.horizon, same.f, same.rec, same.t) AS predicted
      FROM same CROSS JOIN fit
      CROSS JOIN LATERAL (VALUES (1, 'bgnbd', @extschema@.churn_model(fit.bg)),
                                 (2, 'pareto_nbd', @extschema@.churn_model(fit.pn)),
                                 (3, 'mbgnbd', @extschema@.churn_model(fit.mb))) m(ord, name, cm)
      WHERE m.cm IS NOT NULL
    ), err AS (
      -- a model that cannot predict every customer has no error (NULL)
      SELECT pred.ord,
             CASE WHEN pg_catalog.count(pred.predicted) = pg_catalog.count(*)
                  THEN pg_catalog.sum(pred.n * pg_catalog.abs(pred.predicted - pred.actual))
                       / pg_catalog.sum(pred.n) END AS mae,
             CASE WHEN pg_catalog.count(pred.predicted) = pg_catalog.count(*)
                  THEN pg_catalog.sqrt(pg_catalog.sum(pred.n * (pred.predicted - pred.actual) ^ 2)
                                       / pg_catalog.sum(pred.n)) END AS rmse
      FROM pred GROUP BY pred.ord
    )
    SELECT g.name, g.bucket, g.customers, g.actual, g.predicted, e.mae, e.rmse
    FROM (SELECT pred.ord, pred.name, COALESCE(pred.bucket, 'all') AS bucket,
                 pg_catalog.sum(pred.n)::pg_catalog.int8 AS customers,
                 pg_catalog.sum(pred.n * pred.actual) AS actual,
                 CASE WHEN pg_catalog.count(pred.predicted) = pg_catalog.count(*)
                      THEN pg_catalog.sum(pred.n * pred.predicted) END AS predicted
          FROM pred GROUP BY pred.ord, pred.name, ROLLUP (pred.bucket)) g
    JOIN err e ON e.ord = g.ord
    ORDER BY g.ord, g.bucket COLLATE "C"
$q$
$$;
COMMENT ON FUNCTION @extschema@.churn_holdout_sql(pg_catalog.text) IS
  'internal: the query of churn_holdout''s comparison over the calibration rows that cal selects ($4: the penalizer)';

CREATE FUNCTION @extschema@.churn_holdout(source pg_catalog.regclass, customer_column pg_catalog.text,
                                          time_column pg_catalog.text, calibration_end pg_catalog.timestamptz,
                                          holdout_end pg_catalog.timestamptz, time_unit pg_catalog.interval,
                                          penalizer pg_catalog.float8)
RETURNS TABLE (model pg_catalog.text, frequency_bucket pg_catalog.text, customers pg_catalog.int8,
               actual pg_catalog.float8, predicted pg_catalog.float8, mae pg_catalog.float8,
               rmse pg_catalog.float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cust pg_catalog.text;
  v_ts pg_catalog.text;
BEGIN
  IF source IS NULL THEN
    RAISE EXCEPTION 'source, calibration_end, holdout_end, time_unit and penalizer must not be NULL'
      USING ERRCODE = '22004';
  END IF;
  PERFORM @extschema@.churn_holdout_check(calibration_end, holdout_end, time_unit, penalizer);
  v_cust := @extschema@.layer_column(source, customer_column, 'customer', 'id');
  v_ts := @extschema@.layer_column(source, time_column, 'time', 'ts');
  -- the calibration summary (rfm up to calibration_end) and the holdout
  -- purchases of every customer with a purchase by calibration_end
  RETURN QUERY EXECUTE @extschema@.churn_holdout_sql(pg_catalog.format($q$
      SELECT (s.c).frequency AS f, (s.c).recency AS rec, (s.c).t AS t,
             (s.h).frequency - (s.c).frequency AS actual, (s.h).t - (s.c).t AS horizon
      FROM (SELECT @extschema@.rfm(%2$s, 0::pg_catalog.numeric, $1, $3) AS c,
                   @extschema@.rfm(%2$s, 0::pg_catalog.numeric, $2, $3) AS h
            FROM %3$s s GROUP BY %1$s) s
      WHERE (s.c).frequency IS NOT NULL$q$, v_cust, v_ts, source))
  USING calibration_end, holdout_end, time_unit, penalizer;
END $$;
COMMENT ON FUNCTION @extschema@.churn_holdout(pg_catalog.regclass, pg_catalog.text, pg_catalog.text,
                                              pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval,
                                              pg_catalog.float8) IS
  'churn_holdout with the three models fitted with an L2 penalizer (as bgnbd_fit(frequency, recency, t, penalizer))';

CREATE FUNCTION @extschema@.churn_holdout(source pg_catalog.regclass, customer_column pg_catalog.text,
                                          time_column pg_catalog.text, calibration_end pg_catalog.timestamptz,
                                          holdout_end pg_catalog.timestamptz,
                                          time_unit pg_catalog.interval DEFAULT '1 day')
RETURNS TABLE (model pg_catalog.text, frequency_bucket pg_catalog.text, customers pg_catalog.int8,
               actual pg_catalog.float8, predicted pg_catalog.float8, mae pg_catalog.float8,
               rmse pg_catalog.float8)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT * FROM @extschema@.churn_holdout(source, customer_column, time_column, calibration_end, holdout_end,
                                          time_unit, 0::pg_catalog.float8)
$$;
COMMENT ON FUNCTION @extschema@.churn_holdout(pg_catalog.regclass, pg_catalog.text, pg_catalog.text,
                                              pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval) IS
  'fits BG/NBD, Pareto/NBD and MBG/NBD on the purchases up to calibration_end and compares their predicted repeat purchases in (calibration_end, holdout_end] with the actual ones, per calibration frequency (0 .. 6, 7+) and over all customers';
