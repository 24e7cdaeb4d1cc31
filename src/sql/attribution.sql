-- ---------------------------------------------------------------------------
-- Multi-touch attribution (doc/attribution.md): attribution(path, conversions, model)
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.channel_credit AS (
  channel pg_catalog.text,
  credit  pg_catalog.float8
);
COMMENT ON TYPE @extschema@.channel_credit IS
  'one channel''s share of the conversions (element of the result of attribution)';
COMMENT ON COLUMN @extschema@.channel_credit.channel IS 'the touchpoint / channel name';
COMMENT ON COLUMN @extschema@.channel_credit.credit IS
  'conversions credited to the channel; the credits of one group sum to its total conversions';

CREATE FUNCTION @extschema@.attribution_accum(pg_catalog.internal, pg_catalog.text[],
                                              pg_catalog.float8, pg_catalog.text)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'attribution_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_accum(pg_catalog.internal, pg_catalog.text[],
                                                  pg_catalog.float8, pg_catalog.text) IS
  'transition function of attribution: adds one journey (channel credits, or Markov transition counts)';

CREATE FUNCTION @extschema@.attribution_combine(pg_catalog.internal, pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'attribution_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_combine(pg_catalog.internal, pg_catalog.internal) IS
  'combine function of attribution (parallel and partial aggregation)';

CREATE FUNCTION @extschema@.attribution_serial(pg_catalog.internal)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'attribution_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_serial(pg_catalog.internal) IS
  'serial function of attribution: the state as bytea (version byte first)';

CREATE FUNCTION @extschema@.attribution_deserial(pg_catalog.bytea, pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'attribution_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_deserial(pg_catalog.bytea, pg_catalog.internal) IS
  'deserial function of attribution: checks version, lengths and consistency of a serialized state';

CREATE FUNCTION @extschema@.attribution_final(pg_catalog.internal)
RETURNS @extschema@.channel_credit[]
AS 'MODULE_PATHNAME', 'attribution_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_final(pg_catalog.internal) IS
  'final function of attribution: the credits by channel, highest first; NULL when no journey was usable';

CREATE AGGREGATE @extschema@.attribution(path pg_catalog.text[], conversions pg_catalog.float8,
                                         model pg_catalog.text) (
  SFUNC = @extschema@.attribution_accum,
  STYPE = pg_catalog.internal,
  SSPACE = 2048,
  FINALFUNC = @extschema@.attribution_final,
  COMBINEFUNC = @extschema@.attribution_combine,
  SERIALFUNC = @extschema@.attribution_serial,
  DESERIALFUNC = @extschema@.attribution_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.attribution(pg_catalog.text[], pg_catalog.float8, pg_catalog.text) IS
  'multi-touch attribution of the conversions of journeys (one row each) to channels; models first_touch, last_touch, linear, position, markov (exact removal effect)';
