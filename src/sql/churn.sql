-- ---------------------------------------------------------------------------
-- Churn and customer lifetime value (doc/churn.md)
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.rfm_result AS (
  frequency pg_catalog.float8,
  recency   pg_catalog.float8,
  t         pg_catalog.float8,
  monetary  pg_catalog.float8
);
COMMENT ON TYPE @extschema@.rfm_result IS
  'one customer''s purchase history in whole periods (result of rfm)';
COMMENT ON COLUMN @extschema@.rfm_result.frequency IS 'number of distinct purchase periods minus one (repeat periods)';
COMMENT ON COLUMN @extschema@.rfm_result.recency IS 'periods from the first to the last purchase';
COMMENT ON COLUMN @extschema@.rfm_result.t IS 'periods from the first purchase to as_of';
COMMENT ON COLUMN @extschema@.rfm_result.monetary IS 'mean summed amount of the repeat periods (first period excluded; 0 without repeats)';

CREATE TYPE @extschema@.bgnbd_model AS (
  r              pg_catalog.float8,
  alpha          pg_catalog.float8,
  a              pg_catalog.float8,
  b              pg_catalog.float8,
  log_likelihood pg_catalog.float8,
  n              pg_catalog.int8
);
COMMENT ON TYPE @extschema@.bgnbd_model IS
  'fitted BG/NBD model (result of bgnbd_fit)';
COMMENT ON COLUMN @extschema@.bgnbd_model.r IS 'shape of the Gamma distribution of purchase rates';
COMMENT ON COLUMN @extschema@.bgnbd_model.alpha IS 'scale of the Gamma distribution of purchase rates, in time units';
COMMENT ON COLUMN @extschema@.bgnbd_model.a IS 'first shape of the Beta distribution of drop-out probabilities';
COMMENT ON COLUMN @extschema@.bgnbd_model.b IS 'second shape of the Beta distribution of drop-out probabilities';
COMMENT ON COLUMN @extschema@.bgnbd_model.log_likelihood IS 'log-likelihood at the optimum (without the penalty)';
COMMENT ON COLUMN @extschema@.bgnbd_model.n IS 'number of customers fitted';

CREATE TYPE @extschema@.gammagamma_model AS (
  p              pg_catalog.float8,
  q              pg_catalog.float8,
  v              pg_catalog.float8,
  log_likelihood pg_catalog.float8,
  n              pg_catalog.int8
);
COMMENT ON TYPE @extschema@.gammagamma_model IS
  'fitted Gamma-Gamma spend model (result of gammagamma_fit)';
COMMENT ON COLUMN @extschema@.gammagamma_model.p IS 'shape of the Gamma distribution of single transaction values';
COMMENT ON COLUMN @extschema@.gammagamma_model.q IS 'shape of the Gamma distribution of the customers'' scale parameter';
COMMENT ON COLUMN @extschema@.gammagamma_model.v IS 'scale of the Gamma distribution of the customers'' scale parameter';
COMMENT ON COLUMN @extschema@.gammagamma_model.log_likelihood IS 'log-likelihood at the optimum';
COMMENT ON COLUMN @extschema@.gammagamma_model.n IS 'number of repeat customers fitted (frequency > 0)';

-- rfm ------------------------------------------------------------------------

CREATE FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, pg_catalog.timestamptz, pg_catalog.numeric,
                                      pg_catalog.timestamptz, pg_catalog.interval)
RETURNS @extschema@.rfm_state
AS 'MODULE_PATHNAME', 'rfm_accum'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, pg_catalog.timestamptz, pg_catalog.numeric,
                                          pg_catalog.timestamptz, pg_catalog.interval) IS
  'transition function of rfm: adds a purchase to its period (session time zone, hence STABLE)';

CREATE FUNCTION @extschema@.rfm_combine(@extschema@.rfm_state, @extschema@.rfm_state)
RETURNS @extschema@.rfm_state
AS 'MODULE_PATHNAME', 'rfm_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_combine(@extschema@.rfm_state, @extschema@.rfm_state) IS
  'combine function of rfm';

CREATE FUNCTION @extschema@.rfm_final(@extschema@.rfm_state)
RETURNS @extschema@.rfm_result
AS 'MODULE_PATHNAME', 'rfm_final'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_final(@extschema@.rfm_state) IS
  'final function of rfm';

CREATE AGGREGATE @extschema@.rfm(ts pg_catalog.timestamptz, amount pg_catalog.numeric,
                                 as_of pg_catalog.timestamptz, unit pg_catalog.interval) (
  SFUNC = @extschema@.rfm_accum,
  STYPE = @extschema@.rfm_state,
  FINALFUNC = @extschema@.rfm_final,
  COMBINEFUNC = @extschema@.rfm_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm(pg_catalog.timestamptz, pg_catalog.numeric,
                                     pg_catalog.timestamptz, pg_catalog.interval) IS
  'one customer''s purchases as (frequency, recency, t, monetary) in periods of length unit, up to as_of';

-- model fits -------------------------------------------------------------

CREATE FUNCTION @extschema@.churn_fit_combine(@extschema@.fit_state, @extschema@.fit_state)
RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'churn_fit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_fit_combine(@extschema@.fit_state, @extschema@.fit_state) IS
  'combine function of bgnbd_fit and gammagamma_fit: merges the distinct summary rows';

CREATE FUNCTION @extschema@.bgnbd_fit_accum(@extschema@.fit_state, pg_catalog.float8, pg_catalog.float8,
                                            pg_catalog.float8)
RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'bgnbd_fit_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_fit_accum(@extschema@.fit_state, pg_catalog.float8, pg_catalog.float8,
                                                pg_catalog.float8) IS
  'transition function of bgnbd_fit: checks and counts one customer summary';

CREATE FUNCTION @extschema@.bgnbd_fit_accum(@extschema@.fit_state, pg_catalog.float8, pg_catalog.float8,
                                            pg_catalog.float8, pg_catalog.float8)
RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'bgnbd_fit_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_fit_accum(@extschema@.fit_state, pg_catalog.float8, pg_catalog.float8,
                                                pg_catalog.float8, pg_catalog.float8) IS
  'transition function of the penalised bgnbd_fit';

CREATE FUNCTION @extschema@.bgnbd_fit_final(@extschema@.fit_state)
RETURNS @extschema@.bgnbd_model
AS 'MODULE_PATHNAME', 'bgnbd_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_fit_final(@extschema@.fit_state) IS
  'final function of bgnbd_fit: maximum-likelihood fit (BFGS on log-parameters)';

CREATE AGGREGATE @extschema@.bgnbd_fit(frequency pg_catalog.float8, recency pg_catalog.float8,
                                       t pg_catalog.float8) (
  SFUNC = @extschema@.bgnbd_fit_accum,
  STYPE = @extschema@.fit_state,
  FINALFUNC = @extschema@.bgnbd_fit_final,
  COMBINEFUNC = @extschema@.churn_fit_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'maximum-likelihood BG/NBD fit over all customers: (r, alpha, a, b, log_likelihood, n)';

CREATE AGGREGATE @extschema@.bgnbd_fit(frequency pg_catalog.float8, recency pg_catalog.float8,
                                       t pg_catalog.float8, penalizer pg_catalog.float8) (
  SFUNC = @extschema@.bgnbd_fit_accum,
  STYPE = @extschema@.fit_state,
  FINALFUNC = @extschema@.bgnbd_fit_final,
  COMBINEFUNC = @extschema@.churn_fit_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8,
                                           pg_catalog.float8) IS
  'BG/NBD fit minimising -LL/n + penalizer * (r^2 + alpha^2 + a^2 + b^2)';

CREATE FUNCTION @extschema@.gg_fit_accum(@extschema@.fit_state, pg_catalog.float8, pg_catalog.float8)
RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'gg_fit_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gg_fit_accum(@extschema@.fit_state, pg_catalog.float8, pg_catalog.float8) IS
  'transition function of gammagamma_fit: checks and counts one (frequency, monetary) pair';

CREATE FUNCTION @extschema@.gg_fit_final(@extschema@.fit_state)
RETURNS @extschema@.gammagamma_model
AS 'MODULE_PATHNAME', 'gg_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gg_fit_final(@extschema@.fit_state) IS
  'final function of gammagamma_fit: maximum-likelihood fit (BFGS on log-parameters)';

CREATE AGGREGATE @extschema@.gammagamma_fit(frequency pg_catalog.float8, monetary pg_catalog.float8) (
  SFUNC = @extschema@.gg_fit_accum,
  STYPE = @extschema@.fit_state,
  FINALFUNC = @extschema@.gg_fit_final,
  COMBINEFUNC = @extschema@.churn_fit_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gammagamma_fit(pg_catalog.float8, pg_catalog.float8) IS
  'maximum-likelihood Gamma-Gamma spend model over the repeat customers: (p, q, v, log_likelihood, n)';

-- scoring ------------------------------------------------------------------

CREATE FUNCTION @extschema@.p_alive(m @extschema@.bgnbd_model, frequency pg_catalog.float8,
                                    recency pg_catalog.float8, t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'bgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.bgnbd_model, pg_catalog.float8, pg_catalog.float8,
                                        pg_catalog.float8) IS
  'probability that the customer is still active under the BG/NBD model (1 for frequency 0)';

CREATE FUNCTION @extschema@.churn_score(m @extschema@.bgnbd_model, frequency pg_catalog.float8,
                                        recency pg_catalog.float8, t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'bgnbd_churn_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_score(@extschema@.bgnbd_model, pg_catalog.float8, pg_catalog.float8,
                                            pg_catalog.float8) IS
  '1 - p_alive: probability that the customer has churned';

CREATE FUNCTION @extschema@.expected_purchases(m @extschema@.bgnbd_model, horizon pg_catalog.float8,
                                               frequency pg_catalog.float8, recency pg_catalog.float8,
                                               t pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'bgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.bgnbd_model, pg_catalog.float8, pg_catalog.float8,
                                                   pg_catalog.float8, pg_catalog.float8) IS
  'expected purchases in the next horizon time units, given the customer''s history';

CREATE FUNCTION @extschema@.expected_spend(m @extschema@.gammagamma_model, frequency pg_catalog.float8,
                                           monetary pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'gg_expected_spend'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_spend(@extschema@.gammagamma_model, pg_catalog.float8,
                                               pg_catalog.float8) IS
  'conditional expected mean transaction value p (v + frequency monetary) / (p frequency + q - 1)';

CREATE FUNCTION @extschema@.clv(bg @extschema@.bgnbd_model, gg @extschema@.gammagamma_model,
                                frequency pg_catalog.float8, recency pg_catalog.float8, t pg_catalog.float8,
                                monetary pg_catalog.float8, horizon pg_catalog.int4,
                                discount_rate pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'churn_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv(@extschema@.bgnbd_model, @extschema@.gammagamma_model, pg_catalog.float8,
                                    pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4,
                                    pg_catalog.float8) IS
  'discounted customer lifetime value over horizon periods: expected purchases per period times expected spend';

CREATE FUNCTION @extschema@.rfm_segment(r_score pg_catalog.int4, f_score pg_catalog.int4)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'churn_rfm_segment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_segment(pg_catalog.int4, pg_catalog.int4) IS
  'RFM segment name for recency and frequency scores 1 (worst) .. 5 (best)';
