-- ---------------------------------------------------------------------------
-- 1.1 -> 1.2, the aggregates' state types (doc/scale-out.md, "State types"):
-- the transition, combine and final functions of the 1.1 aggregates on their
-- state types, next to the 1.1 ones on internal (same names, other
-- argument types) until 12-layer-1c-state-aggregates.sql, once the layer's
-- views are dropped, replaces the aggregates and drops those.  Copied from
-- journey.sql, funnel.sql, attribution.sql and churn.sql.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.journey_path_accum(@extschema@.path_state, pg_catalog.text, pg_catalog.timestamptz)
RETURNS @extschema@.path_state
AS 'MODULE_PATHNAME', 'journey_path_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.journey_path_accum(@extschema@.path_state, pg_catalog.text, pg_catalog.timestamptz) IS
  'transition function of journey_path: appends the (ts, touchpoint) step, skipping NULLs';

CREATE FUNCTION @extschema@.journey_path_accum_n(@extschema@.path_state, pg_catalog.text, pg_catalog.timestamptz, pg_catalog.int4)
RETURNS @extschema@.path_state
AS 'MODULE_PATHNAME', 'journey_path_accum_n'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.journey_path_accum_n(@extschema@.path_state, pg_catalog.text, pg_catalog.timestamptz, pg_catalog.int4) IS
  'transition function of journey_path with max_steps: keeps the max_steps latest steps in a bounded heap';

CREATE FUNCTION @extschema@.journey_path_combine(@extschema@.path_state, @extschema@.path_state)
RETURNS @extschema@.path_state
AS 'MODULE_PATHNAME', 'journey_path_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.journey_path_combine(@extschema@.path_state, @extschema@.path_state) IS
  'combine function of journey_path (parallel and partial aggregation)';

CREATE FUNCTION @extschema@.journey_path_final(@extschema@.path_state)
RETURNS pg_catalog.text[]
AS 'MODULE_PATHNAME', 'journey_path_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.journey_path_final(@extschema@.path_state) IS
  'final function of journey_path: the touchpoints ordered by ts, then touchpoint (byte order); NULL when none';

CREATE FUNCTION @extschema@.journey_funnel_accum(@extschema@.funnel_state, pg_catalog.timestamptz,
  pg_catalog.interval, pg_catalog.bool[])
RETURNS @extschema@.funnel_state
AS 'MODULE_PATHNAME', 'journey_funnel_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.journey_funnel_accum(@extschema@.funnel_state, pg_catalog.timestamptz,
  pg_catalog.interval, pg_catalog.bool[]) IS
  'transition function of journey_funnel: keeps the timestamp and matched steps of each row matching a step';

CREATE FUNCTION @extschema@.journey_funnel_accum(@extschema@.funnel_state, pg_catalog.timestamptz,
  pg_catalog.interval, pg_catalog.bool[], pg_catalog.text)
RETURNS @extschema@.funnel_state
AS 'MODULE_PATHNAME', 'journey_funnel_accum_mode'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.journey_funnel_accum(@extschema@.funnel_state, pg_catalog.timestamptz,
  pg_catalog.interval, pg_catalog.bool[], pg_catalog.text) IS
  'transition function of journey_funnel with a mode';

CREATE FUNCTION @extschema@.journey_funnel_combine(@extschema@.funnel_state, @extschema@.funnel_state)
RETURNS @extschema@.funnel_state
AS 'MODULE_PATHNAME', 'journey_funnel_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.journey_funnel_combine(@extschema@.funnel_state, @extschema@.funnel_state) IS
  'combine function of journey_funnel (parallel and partial aggregation): concatenates the rows';

CREATE FUNCTION @extschema@.journey_funnel_final(@extschema@.funnel_state)
RETURNS pg_catalog.int4
AS 'MODULE_PATHNAME', 'journey_funnel_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.journey_funnel_final(@extschema@.funnel_state) IS
  'final function of journey_funnel: sorts the rows by time and returns the deepest level, NULL without usable rows';

CREATE FUNCTION @extschema@.attribution_accum(@extschema@.attribution_state, pg_catalog.text[],
                                              pg_catalog.float8, pg_catalog.text)
RETURNS @extschema@.attribution_state
AS 'MODULE_PATHNAME', 'attribution_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.attribution_accum(@extschema@.attribution_state, pg_catalog.text[],
                                                  pg_catalog.float8, pg_catalog.text) IS
  'transition function of attribution: adds one journey (channel credits, or Markov transition counts)';

CREATE FUNCTION @extschema@.attribution_combine(@extschema@.attribution_state, @extschema@.attribution_state)
RETURNS @extschema@.attribution_state
AS 'MODULE_PATHNAME', 'attribution_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.attribution_combine(@extschema@.attribution_state, @extschema@.attribution_state) IS
  'combine function of attribution (parallel and partial aggregation)';

CREATE FUNCTION @extschema@.attribution_final(@extschema@.attribution_state)
RETURNS @extschema@.channel_credit[]
AS 'MODULE_PATHNAME', 'attribution_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.attribution_final(@extschema@.attribution_state) IS
  'final function of attribution: the credits by channel, highest first; NULL when no journey was usable';

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
