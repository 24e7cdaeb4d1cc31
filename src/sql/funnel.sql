-- ---------------------------------------------------------------------------
-- Funnels: journey_funnel (doc/funnels.md)
-- ---------------------------------------------------------------------------

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

CREATE AGGREGATE @extschema@.journey_funnel(ts pg_catalog.timestamptz, "window" pg_catalog.interval,
  steps pg_catalog.bool[]) (
  SFUNC = @extschema@.journey_funnel_accum,
  STYPE = @extschema@.funnel_state,
  SSPACE = 1024,
  FINALFUNC = @extschema@.journey_funnel_final,
  COMBINEFUNC = @extschema@.journey_funnel_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.journey_funnel(pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.bool[]) IS
  'deepest funnel level (0..n) reached: steps[1] starts a chain, each later-or-equal row matching the next step within window of the start adds a level; like ClickHouse windowFunnel';

CREATE AGGREGATE @extschema@.journey_funnel(ts pg_catalog.timestamptz, "window" pg_catalog.interval,
  steps pg_catalog.bool[], mode pg_catalog.text) (
  SFUNC = @extschema@.journey_funnel_accum,
  STYPE = @extschema@.funnel_state,
  SSPACE = 1024,
  FINALFUNC = @extschema@.journey_funnel_final,
  COMBINEFUNC = @extschema@.journey_funnel_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.journey_funnel(pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.bool[], pg_catalog.text) IS
  'deepest funnel level with a mode: default, strict_order (a step above the next one ends a chain), strict_deduplication (a repeat of the last step ends it), strict_increase (each step strictly later)';
