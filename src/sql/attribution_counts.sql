-- Attribution over paths with counts (doc/attribution.md, "Paths with counts"):
-- one row per distinct path stands for the journeys that took it, as path
-- tables are often stored (and as the layer's channel_attribution feeds it).

CREATE FUNCTION @extschema@.attribution_accum_n(@extschema@.attribution_state, pg_catalog.text[],
                                                pg_catalog.float8, pg_catalog.text, pg_catalog.int8)
RETURNS @extschema@.attribution_state
AS 'MODULE_PATHNAME', 'attribution_accum_n'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_accum_n(@extschema@.attribution_state, pg_catalog.text[],
                                                    pg_catalog.float8, pg_catalog.text, pg_catalog.int8) IS
  'transition function of attribution with journey counts: adds journeys that took one path (credits linear in their total conversions, Markov transitions counted journeys times)';

CREATE AGGREGATE @extschema@.attribution(path pg_catalog.text[], conversions pg_catalog.float8,
                                         model pg_catalog.text, journeys pg_catalog.int8) (
  SFUNC = @extschema@.attribution_accum_n,
  STYPE = @extschema@.attribution_state,
  SSPACE = 2048,
  FINALFUNC = @extschema@.attribution_final,
  COMBINEFUNC = @extschema@.attribution_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.attribution(pg_catalog.text[], pg_catalog.float8, pg_catalog.text, pg_catalog.int8) IS
  'attribution of paths with counts: each row is journeys (>= 1) journeys that took path, with conversions their total; all of them converted (conversions > 0) or none did';
