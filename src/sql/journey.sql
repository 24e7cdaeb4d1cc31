-- ---------------------------------------------------------------------------
-- Journeys: journey_path, path_collapse, sessionize (doc/journeys.md)
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

CREATE AGGREGATE @extschema@.journey_path(touchpoint pg_catalog.text, ts pg_catalog.timestamptz) (
  SFUNC = @extschema@.journey_path_accum,
  STYPE = @extschema@.path_state,
  SSPACE = 1024,
  FINALFUNC = @extschema@.journey_path_final,
  COMBINEFUNC = @extschema@.journey_path_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.journey_path(pg_catalog.text, pg_catalog.timestamptz) IS
  'the touchpoints ordered by ts (ties by touchpoint in byte order), whatever order rows arrive in; NULL touchpoints or timestamps skipped';

CREATE AGGREGATE @extschema@.journey_path(touchpoint pg_catalog.text, ts pg_catalog.timestamptz, max_steps pg_catalog.int4) (
  SFUNC = @extschema@.journey_path_accum_n,
  STYPE = @extschema@.path_state,
  SSPACE = 1024,
  FINALFUNC = @extschema@.journey_path_final,
  COMBINEFUNC = @extschema@.journey_path_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.journey_path(pg_catalog.text, pg_catalog.timestamptz, pg_catalog.int4) IS
  'the last max_steps touchpoints in (ts, touchpoint) order; memory bounded by max_steps (at least 1, the same on every row of a group)';

CREATE FUNCTION @extschema@.path_collapse(path pg_catalog.text[])
RETURNS pg_catalog.text[]
AS 'MODULE_PATHNAME', 'path_collapse'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.path_collapse(pg_catalog.text[]) IS
  'consecutive repeats collapsed: {a,a,b,a} -> {a,b,a}; a run of NULLs becomes one NULL; result indexed from 1';

CREATE FUNCTION @extschema@.sessionize(ts pg_catalog.timestamptz, gap pg_catalog.interval)
RETURNS pg_catalog.int4
AS 'MODULE_PATHNAME', 'sessionize'
LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sessionize(pg_catalog.timestamptz, pg_catalog.interval) IS
  'window function: 1-based session number in the partition; a new session starts when ts minus the previous non-NULL ts exceeds gap';
