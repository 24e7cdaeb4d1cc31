-- ---------------------------------------------------------------------------
-- Funnels: journey_funnel (doc/funnels.md)
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.journey_funnel_accum(pg_catalog.internal, pg_catalog.timestamptz,
  pg_catalog.interval, pg_catalog.bool[])
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'journey_funnel_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_funnel_accum(pg_catalog.internal, pg_catalog.timestamptz,
  pg_catalog.interval, pg_catalog.bool[]) IS
  'transition function of journey_funnel: keeps the timestamp and matched steps of each row matching a step';

CREATE FUNCTION @extschema@.journey_funnel_accum(pg_catalog.internal, pg_catalog.timestamptz,
  pg_catalog.interval, pg_catalog.bool[], pg_catalog.text)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'journey_funnel_accum_mode'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_funnel_accum(pg_catalog.internal, pg_catalog.timestamptz,
  pg_catalog.interval, pg_catalog.bool[], pg_catalog.text) IS
  'transition function of journey_funnel with a mode';

CREATE FUNCTION @extschema@.journey_funnel_combine(pg_catalog.internal, pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'journey_funnel_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_funnel_combine(pg_catalog.internal, pg_catalog.internal) IS
  'combine function of journey_funnel (parallel and partial aggregation): concatenates the rows';

CREATE FUNCTION @extschema@.journey_funnel_serial(pg_catalog.internal)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'journey_funnel_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_funnel_serial(pg_catalog.internal) IS
  'serial function of journey_funnel: versioned binary state';

CREATE FUNCTION @extschema@.journey_funnel_deserial(pg_catalog.bytea, pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'journey_funnel_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_funnel_deserial(pg_catalog.bytea, pg_catalog.internal) IS
  'deserial function of journey_funnel: checks the version and every length (ERROR 22P03 on a damaged state)';

CREATE FUNCTION @extschema@.journey_funnel_final(pg_catalog.internal)
RETURNS pg_catalog.int4
AS 'MODULE_PATHNAME', 'journey_funnel_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_funnel_final(pg_catalog.internal) IS
  'final function of journey_funnel: sorts the rows by time and returns the deepest level, NULL without usable rows';

CREATE AGGREGATE @extschema@.journey_funnel(ts pg_catalog.timestamptz, "window" pg_catalog.interval,
  steps pg_catalog.bool[]) (
  SFUNC = @extschema@.journey_funnel_accum,
  STYPE = pg_catalog.internal,
  SSPACE = 1024,
  FINALFUNC = @extschema@.journey_funnel_final,
  COMBINEFUNC = @extschema@.journey_funnel_combine,
  SERIALFUNC = @extschema@.journey_funnel_serial,
  DESERIALFUNC = @extschema@.journey_funnel_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.journey_funnel(pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.bool[]) IS
  'deepest funnel level (0..n) reached: steps[1] starts a chain, each later-or-equal row matching the next step within window of the start adds a level; like ClickHouse windowFunnel';

CREATE AGGREGATE @extschema@.journey_funnel(ts pg_catalog.timestamptz, "window" pg_catalog.interval,
  steps pg_catalog.bool[], mode pg_catalog.text) (
  SFUNC = @extschema@.journey_funnel_accum,
  STYPE = pg_catalog.internal,
  SSPACE = 1024,
  FINALFUNC = @extschema@.journey_funnel_final,
  COMBINEFUNC = @extschema@.journey_funnel_combine,
  SERIALFUNC = @extschema@.journey_funnel_serial,
  DESERIALFUNC = @extschema@.journey_funnel_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.journey_funnel(pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.bool[], pg_catalog.text) IS
  'deepest funnel level with a mode: default, strict_order (a step above the next one ends a chain), strict_deduplication (a repeat of the last step ends it), strict_increase (each step strictly later)';
