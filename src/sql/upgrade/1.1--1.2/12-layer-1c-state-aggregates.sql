-- ---------------------------------------------------------------------------
-- 1.1 -> 1.2, the aggregates' state types (doc/scale-out.md, "State types"),
-- after the layer's views that use them are dropped: the 1.1 aggregates on
-- internal and their support functions are dropped, and the aggregates are
-- created again on their state types (copied from journey.sql, funnel.sql,
-- attribution.sql and churn.sql).
-- ---------------------------------------------------------------------------

DROP AGGREGATE @extschema@.journey_path(pg_catalog.text, pg_catalog.timestamptz);
DROP AGGREGATE @extschema@.journey_path(pg_catalog.text, pg_catalog.timestamptz, pg_catalog.int4);
DROP AGGREGATE @extschema@.journey_funnel(pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.bool[]);
DROP AGGREGATE @extschema@.journey_funnel(pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.bool[], pg_catalog.text);
DROP AGGREGATE @extschema@.attribution(pg_catalog.text[], pg_catalog.float8, pg_catalog.text);
DROP AGGREGATE @extschema@.rfm(pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz, pg_catalog.interval);
DROP AGGREGATE @extschema@.bgnbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8);
DROP AGGREGATE @extschema@.bgnbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8);
DROP AGGREGATE @extschema@.gammagamma_fit(pg_catalog.float8, pg_catalog.float8);
DROP FUNCTION @extschema@.journey_path_accum(pg_catalog.internal, pg_catalog.text, pg_catalog.timestamptz);
DROP FUNCTION @extschema@.journey_path_accum_n(pg_catalog.internal, pg_catalog.text, pg_catalog.timestamptz, pg_catalog.int4);
DROP FUNCTION @extschema@.journey_path_combine(pg_catalog.internal, pg_catalog.internal);
DROP FUNCTION @extschema@.journey_path_serialize(pg_catalog.internal);
DROP FUNCTION @extschema@.journey_path_deserialize(pg_catalog.bytea, pg_catalog.internal);
DROP FUNCTION @extschema@.journey_path_final(pg_catalog.internal);
DROP FUNCTION @extschema@.journey_funnel_accum(pg_catalog.internal, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.bool[]);
DROP FUNCTION @extschema@.journey_funnel_accum(pg_catalog.internal, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.bool[], pg_catalog.text);
DROP FUNCTION @extschema@.journey_funnel_combine(pg_catalog.internal, pg_catalog.internal);
DROP FUNCTION @extschema@.journey_funnel_serial(pg_catalog.internal);
DROP FUNCTION @extschema@.journey_funnel_deserial(pg_catalog.bytea, pg_catalog.internal);
DROP FUNCTION @extschema@.journey_funnel_final(pg_catalog.internal);
DROP FUNCTION @extschema@.attribution_accum(pg_catalog.internal, pg_catalog.text[], pg_catalog.float8, pg_catalog.text);
DROP FUNCTION @extschema@.attribution_combine(pg_catalog.internal, pg_catalog.internal);
DROP FUNCTION @extschema@.attribution_serial(pg_catalog.internal);
DROP FUNCTION @extschema@.attribution_deserial(pg_catalog.bytea, pg_catalog.internal);
DROP FUNCTION @extschema@.attribution_final(pg_catalog.internal);
DROP FUNCTION @extschema@.rfm_accum(pg_catalog.internal, pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz, pg_catalog.interval);
DROP FUNCTION @extschema@.rfm_combine(pg_catalog.internal, pg_catalog.internal);
DROP FUNCTION @extschema@.rfm_serialize(pg_catalog.internal);
DROP FUNCTION @extschema@.rfm_deserialize(pg_catalog.bytea, pg_catalog.internal);
DROP FUNCTION @extschema@.rfm_final(pg_catalog.internal);
DROP FUNCTION @extschema@.churn_fit_combine(pg_catalog.internal, pg_catalog.internal);
DROP FUNCTION @extschema@.churn_fit_serialize(pg_catalog.internal);
DROP FUNCTION @extschema@.churn_fit_deserialize(pg_catalog.bytea, pg_catalog.internal);
DROP FUNCTION @extschema@.bgnbd_fit_accum(pg_catalog.internal, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8);
DROP FUNCTION @extschema@.bgnbd_fit_accum(pg_catalog.internal, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8);
DROP FUNCTION @extschema@.bgnbd_fit_final(pg_catalog.internal);
DROP FUNCTION @extschema@.gg_fit_accum(pg_catalog.internal, pg_catalog.float8, pg_catalog.float8);
DROP FUNCTION @extschema@.gg_fit_final(pg_catalog.internal);

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

CREATE AGGREGATE @extschema@.gammagamma_fit(frequency pg_catalog.float8, monetary pg_catalog.float8) (
  SFUNC = @extschema@.gg_fit_accum,
  STYPE = @extschema@.fit_state,
  FINALFUNC = @extschema@.gg_fit_final,
  COMBINEFUNC = @extschema@.churn_fit_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.gammagamma_fit(pg_catalog.float8, pg_catalog.float8) IS
  'maximum-likelihood Gamma-Gamma spend model over the repeat customers: (p, q, v, log_likelihood, n)';
