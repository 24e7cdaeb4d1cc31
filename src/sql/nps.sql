-- ---------------------------------------------------------------------------
-- NPS and survey scores (doc/nps.md)
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.nps_result AS (
  n          pg_catalog.int8,
  promoters  pg_catalog.int8,
  passives   pg_catalog.int8,
  detractors pg_catalog.int8,
  nps        pg_catalog.float8,
  std_error  pg_catalog.float8,
  ci_low     pg_catalog.float8,
  ci_high    pg_catalog.float8
);
COMMENT ON TYPE @extschema@.nps_result IS
  'Net Promoter Score with counts, standard error and 95 % interval (result of nps_stats)';
COMMENT ON COLUMN @extschema@.nps_result.n IS 'number of non-NULL answers';
COMMENT ON COLUMN @extschema@.nps_result.promoters IS 'answers 9-10';
COMMENT ON COLUMN @extschema@.nps_result.passives IS 'answers 7-8';
COMMENT ON COLUMN @extschema@.nps_result.detractors IS 'answers 0-6';
COMMENT ON COLUMN @extschema@.nps_result.nps IS '100 * (promoters - detractors) / n, from -100 to 100';
COMMENT ON COLUMN @extschema@.nps_result.std_error IS '100 * sqrt((p + d - (p - d)^2) / n), p and d the promoter and detractor shares';
COMMENT ON COLUMN @extschema@.nps_result.ci_low IS 'nps - 1.959964 * std_error, clamped to -100';
COMMENT ON COLUMN @extschema@.nps_result.ci_high IS 'nps + 1.959964 * std_error, clamped to 100';

CREATE FUNCTION @extschema@.nps_accum(pg_catalog.int8[], pg_catalog.int4)
RETURNS pg_catalog.int8[]
AS 'MODULE_PATHNAME', 'nps_accum'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_accum(pg_catalog.int8[], pg_catalog.int4) IS
  'transition function of nps_agg and nps_stats: state {promoters, passives, detractors}';

CREATE FUNCTION @extschema@.nps_accum_inv(pg_catalog.int8[], pg_catalog.int4)
RETURNS pg_catalog.int8[]
AS 'MODULE_PATHNAME', 'nps_accum_inv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_accum_inv(pg_catalog.int8[], pg_catalog.int4) IS
  'inverse transition of nps_agg and nps_stats (moving windows)';

CREATE FUNCTION @extschema@.nps_combine(pg_catalog.int8[], pg_catalog.int8[])
RETURNS pg_catalog.int8[]
AS 'MODULE_PATHNAME', 'nps_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_combine(pg_catalog.int8[], pg_catalog.int8[]) IS
  'combine function of nps_agg and nps_stats (parallel and partial aggregation)';

CREATE FUNCTION @extschema@.nps_final(pg_catalog.int8[])
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'nps_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_final(pg_catalog.int8[]) IS
  'final function of nps_agg: the score, NULL when there were no answers';

CREATE FUNCTION @extschema@.nps_stats_final(pg_catalog.int8[])
RETURNS @extschema@.nps_result
AS 'MODULE_PATHNAME', 'nps_stats_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_stats_final(pg_catalog.int8[]) IS
  'final function of nps_stats: counts, score, standard error and interval';

CREATE AGGREGATE @extschema@.nps_agg(score pg_catalog.int4) (
  SFUNC = @extschema@.nps_accum,
  STYPE = pg_catalog.int8[],
  INITCOND = '{0,0,0}',
  FINALFUNC = @extschema@.nps_final,
  COMBINEFUNC = @extschema@.nps_combine,
  MSFUNC = @extschema@.nps_accum,
  MINVFUNC = @extschema@.nps_accum_inv,
  MSTYPE = pg_catalog.int8[],
  MINITCOND = '{0,0,0}',
  MFINALFUNC = @extschema@.nps_final,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.nps_agg(pg_catalog.int4) IS
  'Net Promoter Score of 0-10 answers: 100 * (promoters - detractors) / n; NULLs skipped, NULL over no answers';

CREATE AGGREGATE @extschema@.nps_stats(score pg_catalog.int4) (
  SFUNC = @extschema@.nps_accum,
  STYPE = pg_catalog.int8[],
  INITCOND = '{0,0,0}',
  FINALFUNC = @extschema@.nps_stats_final,
  COMBINEFUNC = @extschema@.nps_combine,
  MSFUNC = @extschema@.nps_accum,
  MINVFUNC = @extschema@.nps_accum_inv,
  MSTYPE = pg_catalog.int8[],
  MINITCOND = '{0,0,0}',
  MFINALFUNC = @extschema@.nps_stats_final,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.nps_stats(pg_catalog.int4) IS
  'NPS with counts, standard error and 95 % interval (nps_result); NULL over no answers';

CREATE FUNCTION @extschema@.nps_category(score pg_catalog.int4)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'nps_category'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_category(pg_catalog.int4) IS
  'detractor (0-6), passive (7-8) or promoter (9-10)';

CREATE FUNCTION @extschema@.nps_compare(a @extschema@.nps_result, b @extschema@.nps_result,
  OUT diff pg_catalog.float8, OUT std_error pg_catalog.float8,
  OUT z pg_catalog.float8, OUT p_value pg_catalog.float8)
RETURNS record
AS 'MODULE_PATHNAME', 'nps_compare'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_compare(@extschema@.nps_result, @extschema@.nps_result) IS
  'two-sample z test of a.nps - b.nps: diff, sqrt(se_a^2 + se_b^2), z and two-sided p-value';

CREATE FUNCTION @extschema@.csat_accum(pg_catalog.int8[], pg_catalog.int4, pg_catalog.int4)
RETURNS pg_catalog.int8[]
AS 'MODULE_PATHNAME', 'csat_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.csat_accum(pg_catalog.int8[], pg_catalog.int4, pg_catalog.int4) IS
  'transition function of csat_agg: state {answers, top-two-box answers, scale_max}';

CREATE FUNCTION @extschema@.csat_accum_inv(pg_catalog.int8[], pg_catalog.int4, pg_catalog.int4)
RETURNS pg_catalog.int8[]
AS 'MODULE_PATHNAME', 'csat_accum_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.csat_accum_inv(pg_catalog.int8[], pg_catalog.int4, pg_catalog.int4) IS
  'inverse transition of csat_agg (moving windows)';

CREATE FUNCTION @extschema@.csat_combine(pg_catalog.int8[], pg_catalog.int8[])
RETURNS pg_catalog.int8[]
AS 'MODULE_PATHNAME', 'csat_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.csat_combine(pg_catalog.int8[], pg_catalog.int8[]) IS
  'combine function of csat_agg';

CREATE FUNCTION @extschema@.csat_final(pg_catalog.int8[])
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'csat_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.csat_final(pg_catalog.int8[]) IS
  'final function of csat_agg: percent of answers in the top two boxes';

CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int4, scale_max pg_catalog.int4) (
  SFUNC = @extschema@.csat_accum,
  STYPE = pg_catalog.int8[],
  INITCOND = '{0,0,0}',
  FINALFUNC = @extschema@.csat_final,
  COMBINEFUNC = @extschema@.csat_combine,
  MSFUNC = @extschema@.csat_accum,
  MINVFUNC = @extschema@.csat_accum_inv,
  MSTYPE = pg_catalog.int8[],
  MINITCOND = '{0,0,0}',
  MFINALFUNC = @extschema@.csat_final,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int4, pg_catalog.int4) IS
  'CSAT: percent of 1..scale_max answers in the top two boxes; NULL answers skipped';

-- nps_stats(score, confidence): added in 1.1 (upgrade script 1.0--1.1).

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
