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

CREATE AGGREGATE @extschema@.attribution(path pg_catalog.text[], conversions pg_catalog.float8,
                                         model pg_catalog.text) (
  SFUNC = @extschema@.attribution_accum,
  STYPE = @extschema@.attribution_state,
  SSPACE = 2048,
  FINALFUNC = @extschema@.attribution_final,
  COMBINEFUNC = @extschema@.attribution_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.attribution(pg_catalog.text[], pg_catalog.float8, pg_catalog.text) IS
  'multi-touch attribution of the conversions of journeys (one row each) to channels; models first_touch, last_touch, linear, position, markov (exact removal effect)';
