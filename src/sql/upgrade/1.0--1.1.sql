-- ---------------------------------------------------------------------------
-- cxm 1.0 -> 1.1: nps_stats(score, confidence), the NPS interval at a chosen
-- confidence level.  Adds objects only; no 1.0 object changes.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.nps_conf_accum(pg_catalog.int8[], pg_catalog.int4, pg_catalog.float8)
RETURNS pg_catalog.int8[]
AS 'MODULE_PATHNAME', 'nps_conf_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_conf_accum(pg_catalog.int8[], pg_catalog.int4, pg_catalog.float8) IS
  'transition function of nps_stats(score, confidence): state {promoters, passives, detractors, confidence as float8 bits}';

CREATE FUNCTION @extschema@.nps_conf_accum_inv(pg_catalog.int8[], pg_catalog.int4, pg_catalog.float8)
RETURNS pg_catalog.int8[]
AS 'MODULE_PATHNAME', 'nps_conf_accum_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_conf_accum_inv(pg_catalog.int8[], pg_catalog.int4, pg_catalog.float8) IS
  'inverse transition of nps_stats(score, confidence) (moving windows)';

CREATE FUNCTION @extschema@.nps_conf_combine(pg_catalog.int8[], pg_catalog.int8[])
RETURNS pg_catalog.int8[]
AS 'MODULE_PATHNAME', 'nps_conf_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_conf_combine(pg_catalog.int8[], pg_catalog.int8[]) IS
  'combine function of nps_stats(score, confidence)';

CREATE FUNCTION @extschema@.nps_conf_final(pg_catalog.int8[])
RETURNS @extschema@.nps_result
AS 'MODULE_PATHNAME', 'nps_conf_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_conf_final(pg_catalog.int8[]) IS
  'final function of nps_stats(score, confidence): counts, score, standard error and interval';

CREATE AGGREGATE @extschema@.nps_stats(score pg_catalog.int4, confidence pg_catalog.float8) (
  SFUNC = @extschema@.nps_conf_accum,
  STYPE = pg_catalog.int8[],
  INITCOND = '{0,0,0,0}',
  FINALFUNC = @extschema@.nps_conf_final,
  COMBINEFUNC = @extschema@.nps_conf_combine,
  MSFUNC = @extschema@.nps_conf_accum,
  MINVFUNC = @extschema@.nps_conf_accum_inv,
  MSTYPE = pg_catalog.int8[],
  MINITCOND = '{0,0,0,0}',
  MFINALFUNC = @extschema@.nps_conf_final,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.nps_stats(pg_catalog.int4, pg_catalog.float8) IS
  'NPS with counts, standard error and an interval at the given confidence level (0 < confidence < 1, e.g. 0.9); NULL over no answers';
