
-- ---------------------------------------------------------------------------
-- CX layer: the derived views (doc/layer.md, doc/views.md)
-- ---------------------------------------------------------------------------
-- Everything the dashboards read is computed in two stages:
-- 1. per profile, by three inlinable SQL functions that read each canonical
--    view once: layer_profile_rows (customer_360), layer_journey_rows
--    (customer_journeys) and layer_month_rows (one row per profile and month:
--    the additive monthly facts).  Their argument is an array of profile ids
--    (NULL: everyone); the filter reaches the sources' indexes, so refresh()
--    recomputes only the profiles that changed and a filter on one customer
--    reads only that customer's rows.  What needs the whole population (the
--    RFM quintile cut points, the fitted models) is stored in cxm.models by
--    refresh(), never computed per read.
-- 2. the dashboard views aggregate the per-profile rows.  Each is written once
--    (layer_aggregates) over three placeholders, and instantiated twice: over
--    the live functions as <name>_live, and over the per-profile snapshot
--    tables when refresh() fills <name>_snapshot.

-- Reference time of the layer's figures: settings.as_of, or the end of the
-- current day (session time zone), so that every refresh of one day measures
-- from the same instant (doc/layer.md, "Reference time").
CREATE FUNCTION @extschema@.layer_as_of()
RETURNS pg_catalog.timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT COALESCE(s.as_of, pg_catalog.date_trunc('day', pg_catalog.now()) + '1 day'::pg_catalog.interval)
  FROM @extschema@.settings s WHERE s.id
$$;
COMMENT ON FUNCTION @extschema@.layer_as_of() IS
  'reference time of the layer''s figures: settings.as_of, or when NULL the end of the current day (session time zone)';

-- layer_quintile(x, cuts): 1 + the number of stored cut points at or below x
CREATE FUNCTION @extschema@.layer_quintile(x anyelement, cuts anyarray)
RETURNS pg_catalog.int4
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT 1 + COALESCE((x >= cuts[1])::pg_catalog.int4, 0) + COALESCE((x >= cuts[2])::pg_catalog.int4, 0)
           + COALESCE((x >= cuts[3])::pg_catalog.int4, 0) + COALESCE((x >= cuts[4])::pg_catalog.int4, 0)
$$;
COMMENT ON FUNCTION @extschema@.layer_quintile(anyelement, anyarray) IS
  'internal: RFM score 1-5 of a value from the four cut points stored in cxm.models';

ALTER TABLE @extschema@.models ADD COLUMN r_cuts pg_catalog.timestamptz[];
ALTER TABLE @extschema@.models ADD COLUMN f_cuts pg_catalog.int8[];
ALTER TABLE @extschema@.models ADD COLUMN m_cuts pg_catalog.numeric[];
COMMENT ON COLUMN @extschema@.models.r_cuts IS 'latest-purchase times from which the recency score is 2, 3, 4, 5 (quintiles of rank among the buyers at fitting time)';
COMMENT ON COLUMN @extschema@.models.f_cuts IS 'order counts from which the frequency score is 2, 3, 4, 5';
COMMENT ON COLUMN @extschema@.models.m_cuts IS 'revenues from which the monetary score is 2, 3, 4, 5';
-- churn models (doc/churn.md, "Choosing a model"): the other two models and the
-- choice that layer_choose_churn_model (churn_layer.sql) writes; here because
-- layer_profile_rows reads the chosen one
ALTER TABLE @extschema@.models ADD COLUMN pareto_nbd @extschema@.pareto_nbd_model;
ALTER TABLE @extschema@.models ADD COLUMN mbgnbd @extschema@.mbgnbd_model;
ALTER TABLE @extschema@.models ADD COLUMN churn_model pg_catalog.text;
ALTER TABLE @extschema@.models ADD COLUMN churn_chosen_by pg_catalog.text;
ALTER TABLE @extschema@.models ADD COLUMN churn @extschema@.churn_model;
COMMENT ON COLUMN @extschema@.models.pareto_nbd IS 'Pareto/NBD model (pareto_nbd_fit with settings.penalizer); NULL when there were no buyers';
COMMENT ON COLUMN @extschema@.models.mbgnbd IS 'MBG/NBD model (mbgnbd_fit with settings.penalizer); NULL when there were no buyers';
COMMENT ON COLUMN @extschema@.models.churn_model IS 'the churn model customer_360 uses: bgnbd, pareto_nbd or mbgnbd';
COMMENT ON COLUMN @extschema@.models.churn_chosen_by IS 'why: settings (settings.churn_model), holdout (lowest MAE in cxm.model_holdout) or default (no holdout result: bgnbd)';
COMMENT ON COLUMN @extschema@.models.churn IS 'the chosen model as a churn_model, for p_alive, expected_purchases and clv';

-- Stage 1: per profile ------------------------------------------------------------

-- A profile's touchpoints in any order (array_agg in a hash aggregation, no
-- sort of every touchpoint): the C functions sort their own copy
-- (doc/layer.md, "Performance")
CREATE FUNCTION @extschema@.layer_touch_facts(ts pg_catalog.timestamptz[], touchpoint pg_catalog.text[],
  channel pg_catalog.text[], campaign pg_catalog.text[], gap pg_catalog.interval,
  OUT first_seen pg_catalog.timestamptz, OUT last_seen pg_catalog.timestamptz, OUT touchpoints pg_catalog.int8,
  OUT sessions pg_catalog.int8, OUT bounced_sessions pg_catalog.int8, OUT session_minutes pg_catalog.numeric,
  OUT entry_channel pg_catalog.text, OUT entry_campaign pg_catalog.text, OUT channels pg_catalog.text[])
RETURNS record
AS 'MODULE_PATHNAME', 'layer_touch_facts'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_touch_facts(pg_catalog.timestamptz[], pg_catalog.text[], pg_catalog.text[],
  pg_catalog.text[], pg_catalog.interval) IS
  'internal: one profile''s touchpoints (parallel arrays, any order): first and last time, count, sessions (split by gap), bounced sessions, minutes in sessions, entry channel and campaign (first by time, touchpoint, channel, campaign), distinct channels';

-- The same facts as an aggregate over the profile's rows, which keeps only
-- the times, the distinct channels and the entry (not four arrays a
-- profile); customer_360 reads the touchpoints through it (layer_touch.c;
-- doc/layer.md, "Performance")
CREATE TYPE @extschema@.touch_facts AS (
  first_seen pg_catalog.timestamptz, last_seen pg_catalog.timestamptz, touchpoints pg_catalog.int8,
  sessions pg_catalog.int8, bounced_sessions pg_catalog.int8, session_minutes pg_catalog.numeric,
  entry_channel pg_catalog.text, entry_campaign pg_catalog.text, channels pg_catalog.text[]);
COMMENT ON TYPE @extschema@.touch_facts IS
  'internal: one profile''s touchpoint facts, as layer_touch_facts gives them (the result of layer_touch_agg)';
CREATE TYPE @extschema@.touch_state;
CREATE FUNCTION @extschema@.touch_state_in(pg_catalog.cstring)
RETURNS @extschema@.touch_state
AS 'MODULE_PATHNAME', 'touch_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.touch_state_in(pg_catalog.cstring) IS
  'input function of touch_state: \x and hexadecimal bytes, checked completely';
CREATE FUNCTION @extschema@.touch_state_out(@extschema@.touch_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'touch_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.touch_state_out(@extschema@.touch_state) IS
  'output function of touch_state: \x and the state''s bytes in hexadecimal';
CREATE FUNCTION @extschema@.touch_state_recv(pg_catalog.internal)
RETURNS @extschema@.touch_state
AS 'MODULE_PATHNAME', 'touch_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.touch_state_recv(pg_catalog.internal) IS
  'receive function of touch_state: the state''s bytes, checked completely';
CREATE FUNCTION @extschema@.touch_state_send(@extschema@.touch_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'touch_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.touch_state_send(@extschema@.touch_state) IS
  'send function of touch_state: the state''s bytes';
CREATE TYPE @extschema@.touch_state (
  INPUT = @extschema@.touch_state_in,
  OUTPUT = @extschema@.touch_state_out,
  RECEIVE = @extschema@.touch_state_recv,
  SEND = @extschema@.touch_state_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.touch_state IS
  'partial state of layer_touch_agg: the session gap, the touchpoint times, the distinct channels and the entry so far (versioned bytes; in memory an expanded object)';
CREATE FUNCTION @extschema@.layer_touch_add(@extschema@.touch_state, pg_catalog.timestamptz, pg_catalog.text,
  pg_catalog.text, pg_catalog.text, pg_catalog.interval)
RETURNS @extschema@.touch_state
AS 'MODULE_PATHNAME', 'layer_touch_add'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_touch_add(@extschema@.touch_state, pg_catalog.timestamptz, pg_catalog.text,
  pg_catalog.text, pg_catalog.text, pg_catalog.interval) IS
  'internal: transition of layer_touch_agg (a touchpoint''s time, touchpoint, channel, campaign, and the session gap)';
CREATE FUNCTION @extschema@.layer_touch_combine(@extschema@.touch_state, @extschema@.touch_state)
RETURNS @extschema@.touch_state
AS 'MODULE_PATHNAME', 'layer_touch_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_touch_combine(@extschema@.touch_state, @extschema@.touch_state) IS
  'internal: combine function of layer_touch_agg';
CREATE FUNCTION @extschema@.layer_touch_final(@extschema@.touch_state)
RETURNS @extschema@.touch_facts
AS 'MODULE_PATHNAME', 'layer_touch_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_touch_final(@extschema@.touch_state) IS
  'internal: final function of layer_touch_agg';
CREATE AGGREGATE @extschema@.layer_touch_agg(pg_catalog.timestamptz, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.interval) (
  SFUNC = @extschema@.layer_touch_add, STYPE = @extschema@.touch_state, SSPACE = 512,
  FINALFUNC = @extschema@.layer_touch_final,
  COMBINEFUNC = @extschema@.layer_touch_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.layer_touch_agg(pg_catalog.timestamptz, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.interval) IS
  'internal: layer_touch_facts of a profile''s touchpoints (time, touchpoint, channel, campaign; session gap), in any order';
-- The same state gives the monthly facts what they read of the touchpoints:
-- the times, and whether there are two distinct channels (layer_kpi_rows)
CREATE TYPE @extschema@.touch_times AS (ts pg_catalog.timestamptz[], cross_channel pg_catalog.bool);
COMMENT ON TYPE @extschema@.touch_times IS
  'internal: one profile''s touchpoint times (ascending) and whether it has two distinct channels (the result of layer_touch_times_agg)';
CREATE FUNCTION @extschema@.layer_touch_times_final(@extschema@.touch_state)
RETURNS @extschema@.touch_times
AS 'MODULE_PATHNAME', 'layer_touch_times_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_touch_times_final(@extschema@.touch_state) IS
  'internal: final function of layer_touch_times_agg';
CREATE AGGREGATE @extschema@.layer_touch_times_agg(pg_catalog.timestamptz, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.interval) (
  SFUNC = @extschema@.layer_touch_add, STYPE = @extschema@.touch_state, SSPACE = 512,
  FINALFUNC = @extschema@.layer_touch_times_final,
  COMBINEFUNC = @extschema@.layer_touch_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.layer_touch_times_agg(pg_catalog.timestamptz, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.interval) IS
  'internal: a profile''s touchpoint times and whether it has two distinct channels (arguments as layer_touch_agg''s)';

-- Two-stage forms of the per-profile aggregates, for the _live views on
-- Citus (doc/scale-out.md, "The _live views on Citus"): each mapped source
-- is grouped by profile on the workers into partial states (the _state
-- aggregates: no final function, the state is the result), and the
-- coordinator merges a profile's partial states of all sources (the _merge
-- aggregates: the combine function as transition, then the final function
-- of the one-stage aggregate).  Merging the partial states of any split of
-- the rows gives the one-stage aggregate's result.
CREATE AGGREGATE @extschema@.layer_touch_state_agg(pg_catalog.timestamptz, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.interval) (
  SFUNC = @extschema@.layer_touch_add, STYPE = @extschema@.touch_state, SSPACE = 512,
  COMBINEFUNC = @extschema@.layer_touch_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.layer_touch_state_agg(pg_catalog.timestamptz, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.interval) IS
  'internal: the partial state of layer_touch_agg over some of a profile''s touchpoints (arguments as layer_touch_agg''s), for layer_touch_merge_agg or layer_touch_times_merge_agg';
CREATE AGGREGATE @extschema@.layer_touch_merge_agg(@extschema@.touch_state) (
  SFUNC = @extschema@.layer_touch_combine, STYPE = @extschema@.touch_state, SSPACE = 512,
  FINALFUNC = @extschema@.layer_touch_final,
  COMBINEFUNC = @extschema@.layer_touch_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.layer_touch_merge_agg(@extschema@.touch_state) IS
  'internal: layer_touch_agg''s result from partial states of layer_touch_state_agg';
CREATE AGGREGATE @extschema@.layer_touch_times_merge_agg(@extschema@.touch_state) (
  SFUNC = @extschema@.layer_touch_combine, STYPE = @extschema@.touch_state, SSPACE = 512,
  FINALFUNC = @extschema@.layer_touch_times_final,
  COMBINEFUNC = @extschema@.layer_touch_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.layer_touch_times_merge_agg(@extschema@.touch_state) IS
  'internal: layer_touch_times_agg''s result from partial states of layer_touch_state_agg';
CREATE AGGREGATE @extschema@.layer_rfm_state_agg(pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz,
  pg_catalog.interval) (
  SFUNC = @extschema@.rfm_accum, STYPE = @extschema@.rfm_state,
  COMBINEFUNC = @extschema@.rfm_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.layer_rfm_state_agg(pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz,
  pg_catalog.interval) IS
  'internal: the partial state of rfm over some of a customer''s purchases (arguments as rfm''s), for layer_rfm_merge_agg';
CREATE AGGREGATE @extschema@.layer_rfm_merge_agg(@extschema@.rfm_state) (
  SFUNC = @extschema@.rfm_combine, STYPE = @extschema@.rfm_state,
  FINALFUNC = @extschema@.rfm_final,
  COMBINEFUNC = @extschema@.rfm_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.layer_rfm_merge_agg(@extschema@.rfm_state) IS
  'internal: rfm''s result from partial states of layer_rfm_state_agg';
-- array_agg's partial arrays are concatenated (NULL, array_agg of no rows,
-- adds nothing).  One aggregate per element type the per-profile functions
-- collect, not one over anycompatiblearray: Citus pushes down only
-- aggregates of concrete types.  The partial arrays of one group are
-- concatenated in the same order by every call, so parallel arrays stay
-- parallel.
DO $$
DECLARE
  t pg_catalog.text;
BEGIN
  FOREACH t IN ARRAY ARRAY['pg_catalog.timestamptz[]', 'pg_catalog.text[]', 'pg_catalog.numeric[]', 'pg_catalog.int4[]'] LOOP
    EXECUTE pg_catalog.format('CREATE AGGREGATE @extschema@.layer_array_cat_agg(%1$s) ('
                              ' SFUNC = pg_catalog.array_cat, STYPE = %1$s, COMBINEFUNC = pg_catalog.array_cat, PARALLEL = SAFE)', t);
    EXECUTE pg_catalog.format('COMMENT ON AGGREGATE @extschema@.layer_array_cat_agg(%s) IS %L', t,
                              'internal: the concatenation of the arrays (NULLs skipped), in the order of the rows: array_agg''s result from its partial arrays');
  END LOOP;
END $$;

CREATE FUNCTION @extschema@.layer_second_product(ts pg_catalog.timestamptz[], product pg_catalog.text[])
RETURNS pg_catalog.timestamptz
AS 'MODULE_PATHNAME', 'layer_second_product'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_second_product(pg_catalog.timestamptz[], pg_catalog.text[]) IS
  'internal: one profile''s purchases (parallel arrays, any order): when its second distinct product was first bought (NULL products ignored; NULL with fewer than two products)';

CREATE FUNCTION @extschema@.layer_profile_months(touch_ts pg_catalog.timestamptz[],
  purchase_ts pg_catalog.timestamptz[], amounts pg_catalog.numeric[], costs pg_catalog.numeric[],
  answer_ts pg_catalog.timestamptz[], answer_channels pg_catalog.text[], scores pg_catalog.int4[],
  gap pg_catalog.interval, churned_after pg_catalog.interval, as_of pg_catalog.timestamptz)
RETURNS TABLE (month pg_catalog.date, revenue pg_catalog.numeric, orders pg_catalog.int8, visited pg_catalog.bool,
  sessions pg_catalog.int8, session_touchpoints pg_catalog.int8, session_minutes pg_catalog.numeric,
  answers pg_catalog.int8, promoters pg_catalog.int8, passives pg_catalog.int8, detractors pg_catalog.int8,
  lost pg_catalog.int8, base_delta pg_catalog.int8, cost pg_catalog.numeric, costed pg_catalog.int8,
  nps_channels pg_catalog.jsonb)
AS 'MODULE_PATHNAME', 'layer_profile_months'
LANGUAGE C STABLE PARALLEL SAFE ROWS 6;
COMMENT ON FUNCTION @extschema@.layer_profile_months(pg_catalog.timestamptz[], pg_catalog.timestamptz[],
  pg_catalog.numeric[], pg_catalog.numeric[], pg_catalog.timestamptz[], pg_catalog.text[], pg_catalog.int4[],
  pg_catalog.interval, pg_catalog.interval, pg_catalog.timestamptz) IS
  'internal: one profile''s monthly facts (profile_months_snapshot''s columns, months in the session time zone) from its touchpoint times, purchases (times, amounts, costs) and answers (times, channels, scores), each as parallel arrays in any order';

CREATE FUNCTION @extschema@.layer_profile_rows(ids pg_catalog.text[])
RETURNS TABLE (customer_id pg_catalog.text, is_known pg_catalog.bool, anonymous_ids pg_catalog.text[],
  created_at pg_catalog.timestamptz, first_seen pg_catalog.timestamptz, last_seen pg_catalog.timestamptz,
  touchpoints pg_catalog.int8, sessions pg_catalog.int8, channels pg_catalog.text[],
  channel_count pg_catalog.int4, is_cross_channel pg_catalog.bool, orders pg_catalog.int8,
  revenue pg_catalog.numeric, avg_order_value pg_catalog.numeric, first_purchase pg_catalog.timestamptz,
  last_purchase pg_catalog.timestamptz, days_since_purchase pg_catalog.float8, products pg_catalog.int8,
  latest_nps pg_catalog.int4, latest_nps_at pg_catalog.timestamptz, nps_category pg_catalog.text,
  frequency pg_catalog.float8, recency pg_catalog.float8, t pg_catalog.float8, monetary pg_catalog.float8,
  r_score pg_catalog.int4, f_score pg_catalog.int4, m_score pg_catalog.int4, rfm_segment pg_catalog.text,
  one_time_buyer pg_catalog.bool, p_alive pg_catalog.float8, churn_score pg_catalog.float8,
  expected_purchases pg_catalog.float8, expected_clv pg_catalog.float8, lifecycle_stage pg_catalog.text,
  cost pg_catalog.numeric, profit pg_catalog.numeric, expected_profit pg_catalog.float8,
  entry_channel pg_catalog.text, entry_campaign pg_catalog.text, bounced_sessions pg_catalog.int8,
  session_minutes pg_catalog.numeric, days_since_seen pg_catalog.float8,
  churn_model pg_catalog.text, second_product_at pg_catalog.timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
-- The steps nest as subqueries, not as WITH queries: the planner inlines
-- this function into every query that reads it, and inlining a WITH query
-- walks the whole query tree once more (a quarter of the planning time of
-- one customer's customer_360_live; doc/layer.md, "Performance").  From the
-- inside out: each source's facts by profile (tp, tx, fb, an, cu), their
-- partial rows (p) merged by profile (e), with the settings and the stored
-- models (b), and the model figures (f).
WITH cfg AS (
  SELECT @extschema@.layer_as_of() AS as_of, s.time_unit, s.clv_horizon, s.discount_rate, s.new_within,
         s.churned_after, s.active_p_alive, s.churned_p_alive, s.session_gap
  FROM @extschema@.settings s WHERE s.id LIMIT 1
), mdl AS (
  SELECT m.churn, m.churn_model, m.gammagamma, m.r_cuts, m.f_cuts, m.m_cuts
  FROM @extschema@.models m WHERE m.id AND m.time_unit = (SELECT c.time_unit FROM cfg c) LIMIT 1
)
SELECT f.customer_id, f.is_known, f.anonymous_ids, f.created_at, f.first_seen, f.last_seen,
       f.touchpoints, f.sessions, f.channels,
       pg_catalog.cardinality(f.channels) AS channel_count,
       pg_catalog.cardinality(f.channels) >= 2 AS is_cross_channel,
       f.orders, f.revenue,
       f.revenue / NULLIF(f.orders, 0) AS avg_order_value,
       f.first_purchase, f.last_purchase,
       EXTRACT(epoch FROM f.as_of - f.last_purchase)::pg_catalog.float8 / 86400 AS days_since_purchase,
       f.products, f.latest_nps, f.latest_nps_at,
       @extschema@.nps_category(f.latest_nps) AS nps_category,
       f.frequency, f.recency, f.t, f.monetary,
       CASE WHEN f.scored THEN f.r_score END, CASE WHEN f.scored THEN f.f_score END,
       CASE WHEN f.scored THEN f.m_score END,
       CASE WHEN f.scored AND f.r_score IS NOT NULL THEN @extschema@.rfm_segment(f.r_score, f.f_score) END AS rfm_segment,
       f.orders > 0 AND f.frequency = 0 AS one_time_buyer,
       f.p_alive, 1 - f.p_alive AS churn_score, f.expected_purchases, f.expected_clv,
       CASE
         WHEN f.orders = 0 THEN 'prospect'
         WHEN f.as_of - f.first_purchase <= f.new_within THEN 'new'
         WHEN f.frequency > 0 AND f.p_alive IS NOT NULL THEN
           CASE WHEN f.p_alive >= f.active_p_alive THEN 'active'
                WHEN f.p_alive >= f.churned_p_alive THEN 'at risk'
                ELSE 'churned' END
         WHEN f.frequency > 0 AND f.as_of - f.last_purchase <= f.new_within THEN 'active'
         WHEN f.as_of - f.last_purchase <= f.churned_after THEN 'at risk'
         ELSE 'churned'
       END AS lifecycle_stage,
       f.cost, f.revenue - f.cost AS profit,
       (f.expected_clv::pg_catalog.numeric * (f.revenue - f.cost) / NULLIF(f.revenue, 0))::pg_catalog.float8 AS expected_profit,
       f.entry_channel, f.entry_campaign, f.bounced_sessions, f.session_minutes,
       EXTRACT(epoch FROM f.as_of - f.last_seen)::pg_catalog.float8 / 86400 AS days_since_seen,
       CASE WHEN f.p_alive IS NOT NULL THEN f.churn_model END AS churn_model,
       f.second_product_at
FROM (
-- f: the model figures of each profile
  SELECT b.*,
         CASE WHEN b.churn IS NOT NULL AND b.frequency IS NOT NULL
              THEN @extschema@.p_alive(b.churn, b.frequency, b.recency, b.t) END AS p_alive,
         CASE WHEN b.churn IS NOT NULL AND b.frequency IS NOT NULL
              THEN @extschema@.expected_purchases(b.churn, b.clv_horizon::pg_catalog.float8, b.frequency, b.recency, b.t)
         END AS expected_purchases,
         CASE WHEN b.churn IS NOT NULL AND b.gammagamma IS NOT NULL AND b.frequency IS NOT NULL
              THEN @extschema@.clv(b.churn, b.gammagamma, b.frequency, b.recency, b.t,
                                   CASE WHEN b.frequency > 0 AND b.monetary <= 0 THEN NULL ELSE b.monetary END,
                                   b.clv_horizon, b.discount_rate)
         END AS expected_clv
  FROM (
-- b: each profile's facts with the settings, the stored models and its RFM scores
  SELECT e.customer_id, e.is_known, e.anonymous_ids, e.created_at,
         LEAST(e.touch_first, e.first_purchase, e.first_answer) AS first_seen,
         GREATEST(e.touch_last, e.last_purchase, e.latest_nps_at) AS last_seen,
         COALESCE(e.touchpoints, 0) AS touchpoints, COALESCE(e.sessions, 0) AS sessions,
         COALESCE(e.channels, '{}') AS channels,
         COALESCE(e.orders, 0) AS orders, COALESCE(e.revenue, 0) AS revenue, e.cost,
         e.entry_channel, e.entry_campaign, COALESCE(e.bounced_sessions, 0) AS bounced_sessions,
         COALESCE(e.session_minutes, 0) AS session_minutes,
         e.first_purchase, e.last_purchase, COALESCE(e.products, 0) AS products,
         e.latest_nps, e.latest_nps_at, e.frequency, e.recency, e.t, e.monetary,
         CASE WHEN e.orders IS NOT NULL THEN @extschema@.layer_quintile(e.last_purchase, mdl.r_cuts) END AS r_score,
         CASE WHEN e.orders IS NOT NULL THEN @extschema@.layer_quintile(e.orders, mdl.f_cuts) END AS f_score,
         CASE WHEN e.orders IS NOT NULL THEN @extschema@.layer_quintile(e.revenue, mdl.m_cuts) END AS m_score,
         mdl.r_cuts IS NOT NULL AS scored, e.second_product_at,
         c.as_of, c.clv_horizon, c.discount_rate, c.new_within, c.churned_after,
         c.active_p_alive, c.churned_p_alive, mdl.churn, mdl.churn_model, mdl.gammagamma
  FROM (
  -- a profile's row: at most one partial row per source has each column
  SELECT p.customer_id, pg_catalog.bool_or(p.known) AS is_known, pg_catalog.max(p.anonymous_ids) AS anonymous_ids,
         pg_catalog.max(p.created_at) AS created_at, pg_catalog.max(p.touch_first) AS touch_first,
         pg_catalog.max(p.touch_last) AS touch_last, pg_catalog.max(p.touchpoints) AS touchpoints,
         pg_catalog.max(p.sessions) AS sessions, pg_catalog.max(p.channels) AS channels,
         pg_catalog.max(p.entry_channel) AS entry_channel, pg_catalog.max(p.entry_campaign) AS entry_campaign,
         pg_catalog.max(p.bounced_sessions) AS bounced_sessions, pg_catalog.max(p.session_minutes) AS session_minutes,
         pg_catalog.max(p.orders) AS orders, pg_catalog.max(p.revenue) AS revenue, pg_catalog.max(p.cost) AS cost,
         pg_catalog.max(p.first_purchase) AS first_purchase, pg_catalog.max(p.last_purchase) AS last_purchase,
         pg_catalog.max(p.products) AS products, pg_catalog.max(p.frequency) AS frequency,
         pg_catalog.max(p.recency) AS recency, pg_catalog.max(p.t) AS t, pg_catalog.max(p.monetary) AS monetary,
         pg_catalog.max(p.second_product_at) AS second_product_at, pg_catalog.max(p.first_answer) AS first_answer,
         pg_catalog.max(p.latest_nps) AS latest_nps, pg_catalog.max(p.latest_nps_at) AS latest_nps_at
  FROM (
  -- each source's facts as partial rows of its profiles, merged by profile
  -- below: every source is read once, and a filter on customer_id reaches
  -- each source's index through the grouping (doc/layer.md, "Performance")
  SELECT tp.customer_id, false AS known, NULL::pg_catalog.text[] AS anonymous_ids,
         NULL::pg_catalog.timestamptz AS created_at, tp.first_seen AS touch_first, tp.last_seen AS touch_last,
         tp.touchpoints, tp.sessions, tp.channels, tp.entry_channel, tp.entry_campaign, tp.bounced_sessions,
         tp.session_minutes, NULL::pg_catalog.int8 AS orders, NULL::pg_catalog.numeric AS revenue,
         NULL::pg_catalog.numeric AS cost, NULL::pg_catalog.timestamptz AS first_purchase,
         NULL::pg_catalog.timestamptz AS last_purchase, NULL::pg_catalog.int8 AS products,
         NULL::pg_catalog.float8 AS frequency, NULL::pg_catalog.float8 AS recency, NULL::pg_catalog.float8 AS t,
         NULL::pg_catalog.float8 AS monetary, NULL::pg_catalog.timestamptz AS second_product_at,
         NULL::pg_catalog.timestamptz AS first_answer, NULL::pg_catalog.int4 AS latest_nps,
         NULL::pg_catalog.timestamptz AS latest_nps_at
  FROM (
  -- one pass over the touchpoints: each profile's, in any order, to
  -- layer_touch_agg (sessions as in cxm.sessions: a touchpoint more than
  -- settings.session_gap after the one before starts one; a session of one
  -- touchpoint is a bounce; the entry is the first by time, touchpoint,
  -- channel, campaign)
  SELECT a.customer_id, (a.f).*
  FROM (SELECT t.customer_id,
               @extschema@.layer_touch_agg(t.ts, t.touchpoint, t.channel, t.campaign, c.session_gap) AS f
        FROM @extschema@.touchpoints t CROSS JOIN cfg c
        WHERE ids IS NULL OR t.customer_id = ANY (ids)
        GROUP BY t.customer_id) a
) tp
  UNION ALL
  SELECT tx.customer_id, true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         tx.orders, tx.revenue, tx.cost, tx.first_purchase, tx.last_purchase, tx.products,
         (tx.r).frequency, (tx.r).recency, (tx.r).t, (tx.r).monetary, tx.second_product_at, NULL, NULL, NULL
  FROM (
-- tx: the purchases
  -- (rfm sums amounts exactly, in any row order: no ORDER BY needed)
  SELECT x.customer_id, pg_catalog.count(*) AS orders, pg_catalog.sum(x.amount) AS revenue,
         pg_catalog.min(x.ts) AS first_purchase, pg_catalog.max(x.ts) AS last_purchase,
         -- the cost is known when every purchase has one
         CASE WHEN pg_catalog.count(x.cost) = pg_catalog.count(*) THEN pg_catalog.sum(x.cost) END AS cost,
         @extschema@.rfm(x.ts, x.amount, c.as_of, c.time_unit) AS r,
         -- how many distinct products, and when the second was first bought
         -- (kpi_monthly), from one pair of arrays (the planner computes the
         -- two identical array_agg calls once; unlike count(DISTINCT), the
         -- arrays of a profile's rows in several places can be joined:
         -- doc/scale-out.md, "The _live views on Citus")
         (@extschema@.layer_product_facts(pg_catalog.array_agg(x.ts) FILTER (WHERE x.product IS NOT NULL),
                                          pg_catalog.array_agg(x.product) FILTER (WHERE x.product IS NOT NULL))).products,
         @extschema@.layer_second_product(pg_catalog.array_agg(x.ts) FILTER (WHERE x.product IS NOT NULL),
                                          pg_catalog.array_agg(x.product) FILTER (WHERE x.product IS NOT NULL))
           AS second_product_at
  FROM @extschema@.transactions x CROSS JOIN cfg c
  WHERE ids IS NULL OR x.customer_id = ANY (ids)
  GROUP BY x.customer_id
) tx
  UNION ALL
  SELECT fb.customer_id, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         fb.first_answer, fb.latest_nps, fb.latest_nps_at
  FROM (
-- fb: the latest score (of the latest answer, the lowest of those given
  -- at that time), from the greatest key: the answer's time in whole
  -- microseconds, times 16, plus 10 minus its score (0-10).  A maximum, so
  -- that the answers of a profile in several places can be combined
  -- (doc/scale-out.md, "The _live views on Citus"); exact (numeric).
  SELECT k.customer_id, k.first_answer, k.latest_nps_at,
         (10 - (k.latest - 16 * pg_catalog.floor(k.latest / 16)))::pg_catalog.int4 AS latest_nps
  FROM (
  SELECT f.customer_id, pg_catalog.min(f.ts) AS first_answer, pg_catalog.max(f.ts) AS latest_nps_at,
         pg_catalog.max(EXTRACT(epoch FROM f.ts) * 16000000 + (10 - f.score)) AS latest
  FROM @extschema@.feedback f
  WHERE f.score IS NOT NULL AND (ids IS NULL OR f.customer_id = ANY (ids))
  GROUP BY f.customer_id
  ) k
) fb
  UNION ALL
  SELECT an.customer_id, true, an.anonymous_ids, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM (
-- an: the linked anonymous ids
  SELECT m.customer_id, pg_catalog.array_agg(m.anonymous_id ORDER BY m.anonymous_id) AS anonymous_ids
  FROM @extschema@.identity_map m
  WHERE ids IS NULL OR m.customer_id = ANY (ids)
  GROUP BY m.customer_id
) an
  UNION ALL
  SELECT cu.customer_id, true, NULL, cu.created_at, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM (
-- cu: the customer records
  SELECT x.customer_id, x.created_at FROM @extschema@.customers x
  WHERE ids IS NULL OR x.customer_id = ANY (ids)
) cu
) p
  GROUP BY p.customer_id
) e
  CROSS JOIN cfg c
  LEFT JOIN mdl ON true
) b
) f
$$;
COMMENT ON FUNCTION @extschema@.layer_profile_rows(pg_catalog.text[]) IS
  'internal: customer_360 of the given profiles (NULL: every profile), plus the time of the second distinct product (for kpi_monthly)';


CREATE FUNCTION @extschema@.layer_segment_paths(segments pg_catalog.jsonb)
RETURNS TABLE (is_repeat pg_catalog.bool, conversions pg_catalog.int4, revenue pg_catalog.numeric,
  c pg_catalog.text[], k pg_catalog.text[])
AS 'MODULE_PATHNAME', 'layer_segment_paths'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 3;
COMMENT ON FUNCTION @extschema@.layer_segment_paths(pg_catalog.jsonb) IS
  'internal: customer_journeys.segments as rows: whether the purchase is a repeat (r), 1 and its amount when the segment leads to one (v; else 0 and 0), the channel (c) and campaign (k) paths as text[] (empty when missing)';

CREATE FUNCTION @extschema@.layer_journey_facts(ts pg_catalog.timestamptz[], touchpoint pg_catalog.text[],
  channel pg_catalog.text[], campaign pg_catalog.text[], purchase_ts pg_catalog.timestamptz[], amounts pg_catalog.numeric[],
  gap pg_catalog.interval, purchase_touchpoint pg_catalog.text, steps pg_catalog.text[], funnel_window pg_catalog.interval,
  OUT first_seen pg_catalog.timestamptz, OUT last_seen pg_catalog.timestamptz, OUT touchpoints pg_catalog.int8,
  OUT sessions pg_catalog.int8, OUT channel_count pg_catalog.int4, OUT path pg_catalog.text[],
  OUT channel_path pg_catalog.text[], OUT first_purchase pg_catalog.timestamptz, OUT segments pg_catalog.jsonb,
  OUT funnel_level pg_catalog.int4)
RETURNS record
AS 'MODULE_PATHNAME', 'layer_journey_facts'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_journey_facts(pg_catalog.timestamptz[], pg_catalog.text[], pg_catalog.text[],
  pg_catalog.text[], pg_catalog.timestamptz[], pg_catalog.numeric[], pg_catalog.interval, pg_catalog.text,
  pg_catalog.text[], pg_catalog.interval) IS
  'internal: customer_journeys'' row from one profile''s touchpoints (parallel arrays) and purchases (times and amounts), each in any order: first and last touchpoint, their count, sessions (split by gap), distinct channels, path (journey_path over the touchpoints and the purchases, named purchase_touchpoint), channel_path (path_collapse of journey_path over the channels), first purchase, segments (per segment: 1 + the purchases strictly before a touchpoint, purchases numbered by time and amount: the collapsed channel (c) and campaign (k, a missing one is (none)) paths of its touchpoints with a channel, the amount of the purchase it leads to (v) and whether that is a repeat purchase (r)) and the funnel level (journey_funnel over the events of path; NULL without steps)';

-- Journeys include every purchase as a step named settings.purchase_touchpoint
-- (funnels and path patterns can end in a purchase).  segments cuts each
-- profile's touchpoints at its purchases: the channel and campaign paths
-- leading to purchase 1, 2, ... (a touchpoint at the time of a purchase
-- leads to it), the purchase's amount, and after the last purchase the path
-- that led to none (channel_attribution credits every purchase).
CREATE FUNCTION @extschema@.layer_journey_rows(ids pg_catalog.text[])
RETURNS TABLE (customer_id pg_catalog.text, first_seen pg_catalog.timestamptz, last_seen pg_catalog.timestamptz,
  touchpoints pg_catalog.int8, sessions pg_catalog.int8, channel_count pg_catalog.int4, path pg_catalog.text[],
  channel_path pg_catalog.text[], converted pg_catalog.bool, first_purchase pg_catalog.timestamptz,
  segments pg_catalog.jsonb, funnel_level pg_catalog.int4)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
-- each profile's touchpoints and purchases as arrays in any order (two hash
-- aggregations, no sort; the touchpoints' is customer_360's too), and its
-- row from them (layer_journey_facts); the profiles are listed from the
-- sources so that a filter on customer_id reaches their indexes
WITH cfg AS (
  SELECT s.session_gap, s.funnel_window, s.purchase_touchpoint,
         CASE WHEN pg_catalog.cardinality(s.funnel_steps) > 0 THEN s.funnel_steps END AS steps
  FROM @extschema@.settings s WHERE s.id LIMIT 1
), tp AS (
  SELECT a.*
  FROM (SELECT t.customer_id, pg_catalog.array_agg(t.ts) AS ts, pg_catalog.array_agg(t.touchpoint) AS tps,
               pg_catalog.array_agg(t.channel) AS chs, pg_catalog.array_agg(t.campaign) AS cps
        FROM @extschema@.touchpoints t
        WHERE ids IS NULL OR t.customer_id = ANY (ids)
        GROUP BY t.customer_id) a
), px AS (
  SELECT x.customer_id, pg_catalog.array_agg(x.ts) AS ts, pg_catalog.array_agg(COALESCE(x.amount, 0)) AS amounts
  FROM @extschema@.transactions x
  WHERE ids IS NULL OR x.customer_id = ANY (ids)
  GROUP BY x.customer_id
), everyone AS (
  SELECT t.customer_id FROM @extschema@.touchpoints t WHERE ids IS NULL OR t.customer_id = ANY (ids)
  UNION SELECT x.customer_id FROM @extschema@.transactions x WHERE ids IS NULL OR x.customer_id = ANY (ids)
)
SELECT e.customer_id, j.first_seen, j.last_seen, j.touchpoints, j.sessions, j.channel_count, j.path, j.channel_path,
       j.first_purchase IS NOT NULL, j.first_purchase, j.segments, j.funnel_level
FROM everyone e
CROSS JOIN cfg c
LEFT JOIN tp ON tp.customer_id OPERATOR(pg_catalog.=) e.customer_id
LEFT JOIN px ON px.customer_id OPERATOR(pg_catalog.=) e.customer_id
CROSS JOIN LATERAL @extschema@.layer_journey_facts(tp.ts, tp.tps, tp.chs, tp.cps, px.ts, px.amounts, c.session_gap,
                                                    c.purchase_touchpoint, c.steps, c.funnel_window) j
$$;
COMMENT ON FUNCTION @extschema@.layer_journey_rows(pg_catalog.text[]) IS
  'internal: customer_journeys of the given profiles (NULL: every profile with touchpoints or purchases), plus the paths leading to each purchase and the funnel level';

CREATE FUNCTION @extschema@.layer_month_rows(ids pg_catalog.text[])
RETURNS TABLE (customer_id pg_catalog.text, month pg_catalog.date, revenue pg_catalog.numeric,
  orders pg_catalog.int8, visited pg_catalog.bool, sessions pg_catalog.int8,
  session_touchpoints pg_catalog.int8, session_minutes pg_catalog.numeric, answers pg_catalog.int8,
  promoters pg_catalog.int8, passives pg_catalog.int8, detractors pg_catalog.int8,
  lost pg_catalog.int8, base_delta pg_catalog.int8, cost pg_catalog.numeric, costed pg_catalog.int8,
  nps_channels pg_catalog.jsonb)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
-- each profile's touchpoint times, purchases and answers as arrays in any
-- order (three hash aggregations, no sort), and its months from them
-- (layer_profile_months); the operators are qualified because the body is
-- planned under the caller's search_path
WITH cfg AS (
  SELECT @extschema@.layer_as_of() AS as_of, s.churned_after, s.session_gap
  FROM @extschema@.settings s WHERE s.id LIMIT 1
), tt AS (
  SELECT t.customer_id, pg_catalog.array_agg(t.ts) AS ts
  FROM @extschema@.touchpoints t
  WHERE ids IS NULL OR t.customer_id = ANY (ids)
  GROUP BY t.customer_id
), tx AS (
  SELECT x.customer_id, pg_catalog.array_agg(x.ts) AS ts, pg_catalog.array_agg(x.amount) AS amounts,
         pg_catalog.array_agg(x.cost) AS costs
  FROM @extschema@.transactions x
  WHERE ids IS NULL OR x.customer_id = ANY (ids)
  GROUP BY x.customer_id
), fb AS (
  SELECT f.customer_id, pg_catalog.array_agg(f.ts) AS ts, pg_catalog.array_agg(f.channel) AS channels,
         pg_catalog.array_agg(f.score) AS scores
  FROM @extschema@.feedback f
  WHERE ids IS NULL OR f.customer_id = ANY (ids)
  GROUP BY f.customer_id
)
SELECT COALESCE(tt.customer_id, tx.customer_id, fb.customer_id), m.*
FROM tt
FULL JOIN tx ON tx.customer_id OPERATOR(pg_catalog.=) tt.customer_id
FULL JOIN fb ON fb.customer_id OPERATOR(pg_catalog.=) COALESCE(tt.customer_id, tx.customer_id)
CROSS JOIN cfg c
CROSS JOIN LATERAL @extschema@.layer_profile_months(tt.ts, tx.ts, tx.amounts, tx.costs, fb.ts, fb.channels, fb.scores,
                                                    c.session_gap, c.churned_after, c.as_of) m
$$;
COMMENT ON FUNCTION @extschema@.layer_month_rows(pg_catalog.text[]) IS
  'internal: additive monthly facts of the given profiles (NULL: every profile): purchases, visits, sessions, NPS answers, lapses and customer-base changes';

CREATE FUNCTION @extschema@.layer_product_facts(ts pg_catalog.timestamptz[], product pg_catalog.text[],
  OUT products pg_catalog.int8, OUT second_product_at pg_catalog.timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'layer_product_facts'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_product_facts(pg_catalog.timestamptz[], pg_catalog.text[]) IS
  'internal: one profile''s purchases (parallel arrays, any order): how many distinct products (NULL products ignored) and when the second was first bought (NULL with fewer than two)';

-- kpi_monthly_live in one pass (doc/layer.md, "Performance"): each
-- profile's months as layer_month_rows computes them, with the facts of the
-- profile that kpi_monthly's base reads from customer_360 (products,
-- is_cross_channel, expected_clv, second_product_at, first_purchase),
-- computed from the same groupings: the stitched touchpoints are grouped by
-- profile once, not once for the months and again for customer_360.  Each
-- fact is computed as layer_profile_rows computes it: the channels are told
-- apart by their bytes (the collation of the stitched views is the
-- database's deterministic default, so two channels are distinct exactly
-- when their least and greatest in byte order differ), the products and the
-- second product by layer_product_facts, the expected CLV from rfm and the
-- stored model with the same arguments.
CREATE FUNCTION @extschema@.layer_kpi_rows(ids pg_catalog.text[])
RETURNS TABLE (customer_id pg_catalog.text, month pg_catalog.date, revenue pg_catalog.numeric,
  orders pg_catalog.int8, visited pg_catalog.bool, sessions pg_catalog.int8,
  session_touchpoints pg_catalog.int8, session_minutes pg_catalog.numeric, answers pg_catalog.int8,
  promoters pg_catalog.int8, passives pg_catalog.int8, detractors pg_catalog.int8,
  lost pg_catalog.int8, base_delta pg_catalog.int8, cost pg_catalog.numeric, costed pg_catalog.int8,
  products pg_catalog.int8, is_cross_channel pg_catalog.bool, expected_clv pg_catalog.float8,
  second_product_at pg_catalog.timestamptz, first_purchase pg_catalog.timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH cfg AS (
  SELECT @extschema@.layer_as_of() AS as_of, s.churned_after, s.session_gap, s.time_unit, s.clv_horizon,
         s.discount_rate
  FROM @extschema@.settings s WHERE s.id LIMIT 1
), mdl AS (
  SELECT m.churn, m.gammagamma
  FROM @extschema@.models m WHERE m.id AND m.time_unit = (SELECT c.time_unit FROM cfg c) LIMIT 1
), tt AS (
  -- (one aggregate for the times and the channels: array_agg's state is
  -- priced at 8 kB a group, which made this grouping spill to disk;
  -- doc/layer.md, "Performance")
  SELECT t.customer_id, (@extschema@.layer_touch_times_agg(t.ts, NULL, t.channel, NULL, c.session_gap)).*
  FROM @extschema@.touchpoints t CROSS JOIN cfg c
  WHERE ids IS NULL OR t.customer_id = ANY (ids)
  GROUP BY t.customer_id
), tx AS (
  SELECT x.customer_id, pg_catalog.array_agg(x.ts) AS ts, pg_catalog.array_agg(x.amount) AS amounts,
         pg_catalog.array_agg(x.cost) AS costs, pg_catalog.min(x.ts) AS first_purchase,
         @extschema@.rfm(x.ts, x.amount, c.as_of, c.time_unit) AS r, pg_catalog.array_agg(x.product) AS products
  FROM @extschema@.transactions x CROSS JOIN cfg c
  WHERE ids IS NULL OR x.customer_id = ANY (ids)
  GROUP BY x.customer_id
), fb AS (
  SELECT f.customer_id, pg_catalog.array_agg(f.ts) AS ts, pg_catalog.array_agg(f.channel) AS channels,
         pg_catalog.array_agg(f.score) AS scores
  FROM @extschema@.feedback f
  WHERE ids IS NULL OR f.customer_id = ANY (ids)
  GROUP BY f.customer_id
), pr AS (
  -- one row per profile: its arrays and its facts (the expected CLV as
  -- layer_profile_rows computes it).  OFFSET 0 keeps the planner from
  -- pulling this query up into the one below, where the expected CLV would
  -- be computed for every month row of a buyer instead of once per buyer.
  SELECT COALESCE(tt.customer_id, tx.customer_id, fb.customer_id) AS customer_id, tt.ts AS touch_ts,
         tx.ts AS purchase_ts, tx.amounts, tx.costs, fb.ts AS answer_ts, fb.channels AS answer_channels,
         fb.scores, pf.products, pf.second_product_at, tx.first_purchase,
         COALESCE(tt.cross_channel, false) AS is_cross_channel,
         CASE WHEN d.churn IS NOT NULL AND d.gammagamma IS NOT NULL AND (tx.r).frequency IS NOT NULL
              THEN @extschema@.clv(d.churn, d.gammagamma, (tx.r).frequency, (tx.r).recency, (tx.r).t,
                                   CASE WHEN (tx.r).frequency OPERATOR(pg_catalog.>) 0
                                             AND (tx.r).monetary OPERATOR(pg_catalog.<=) 0
                                        THEN NULL ELSE (tx.r).monetary END,
                                   c.clv_horizon, c.discount_rate)
         END AS expected_clv
  FROM tt
  FULL JOIN tx ON tx.customer_id OPERATOR(pg_catalog.=) tt.customer_id
  FULL JOIN fb ON fb.customer_id OPERATOR(pg_catalog.=) COALESCE(tt.customer_id, tx.customer_id)
  CROSS JOIN cfg c
  LEFT JOIN mdl d ON true
  -- (a function scan here, not a record column of tx: on Citus, a value of
  -- an anonymous record type cannot travel from the workers)
  CROSS JOIN LATERAL @extschema@.layer_product_facts(tx.ts, tx.products) pf
  OFFSET 0
)
SELECT p.customer_id, m.month, m.revenue, m.orders, m.visited, m.sessions, m.session_touchpoints, m.session_minutes,
       m.answers, m.promoters, m.passives, m.detractors, m.lost, m.base_delta, m.cost, m.costed,
       p.products, p.is_cross_channel, p.expected_clv, p.second_product_at, p.first_purchase
FROM pr p
CROSS JOIN cfg c
CROSS JOIN LATERAL @extschema@.layer_profile_months(p.touch_ts, p.purchase_ts, p.amounts, p.costs, p.answer_ts,
                                                    p.answer_channels, p.scores, c.session_gap, c.churned_after,
                                                    c.as_of) m
$$;
COMMENT ON FUNCTION @extschema@.layer_kpi_rows(pg_catalog.text[]) IS
  'internal: layer_month_rows of the given profiles (NULL: every profile) with the facts of each profile that kpi_monthly reads from customer_360, from one grouping of each source by profile (kpi_monthly_live)';

-- Generated forms of the per-profile queries, from their text so that the
-- forms cannot drift apart:
-- * layer_journey_rows_whole lists the profiles from the keys of the CTEs
--   that are computed anyway (each, referenced twice, is computed once),
--   not from a second read of the sources;
-- * layer_<x>_rows_whole (refresh()'s full passes, the live dashboards) read
--   the stitched sources through the _whole views: each source once, one
--   identity lookup per row.
-- For one customer these would read everyone, so customer_360_live and
-- customer_journeys_live keep the written forms, whose filter on one
-- customer reaches the sources' indexes.
-- A full refresh groups the touchpoints by profile once, into
-- layer_touch_stage, and its three passes read them from there (the _staged
-- forms): the per-profile arrays of customer_360 and the journeys are the
-- same text, and the months take their times.
CREATE UNLOGGED TABLE @extschema@.layer_touch_stage (
  customer_id pg_catalog.text NOT NULL,
  ts pg_catalog.timestamptz[],
  tps pg_catalog.text[],
  chs pg_catalog.text[],
  cps pg_catalog.text[]
);
COMMENT ON TABLE @extschema@.layer_touch_stage IS
  'internal: each profile''s touchpoints as parallel arrays (times, touchpoints, channels, campaigns), filled and emptied by one full refresh (doc/layer.md, "Performance")';
COMMENT ON COLUMN @extschema@.layer_touch_stage.customer_id IS 'the profile';
COMMENT ON COLUMN @extschema@.layer_touch_stage.ts IS 'its touchpoints'' times, in any order';
COMMENT ON COLUMN @extschema@.layer_touch_stage.tps IS 'their touchpoints, in the same order';
COMMENT ON COLUMN @extschema@.layer_touch_stage.chs IS 'their channels, in the same order';
COMMENT ON COLUMN @extschema@.layer_touch_stage.cps IS 'their campaigns, in the same order';
REVOKE ALL ON @extschema@.layer_touch_stage FROM PUBLIC;
-- An incremental refresh also stages the changed profiles' purchases and
-- answers (the columns the passes read), so that its three passes read each
-- source once through the stitched views instead of three times (the
-- _staged_ids forms)
CREATE UNLOGGED TABLE @extschema@.layer_purchase_stage (
  customer_id pg_catalog.text,
  ts pg_catalog.timestamptz,
  amount pg_catalog.numeric,
  product pg_catalog.text,
  cost pg_catalog.numeric
);
COMMENT ON TABLE @extschema@.layer_purchase_stage IS
  'internal: the changed profiles'' purchases (cxm.transactions'' columns that the per-profile passes read), filled and emptied by one incremental refresh (doc/layer.md, "Performance")';
COMMENT ON COLUMN @extschema@.layer_purchase_stage.customer_id IS 'the profile';
COMMENT ON COLUMN @extschema@.layer_purchase_stage.ts IS 'when the purchase was made';
COMMENT ON COLUMN @extschema@.layer_purchase_stage.amount IS 'its amount';
COMMENT ON COLUMN @extschema@.layer_purchase_stage.product IS 'its product';
COMMENT ON COLUMN @extschema@.layer_purchase_stage.cost IS 'its cost';
REVOKE ALL ON @extschema@.layer_purchase_stage FROM PUBLIC;
CREATE UNLOGGED TABLE @extschema@.layer_answer_stage (
  customer_id pg_catalog.text,
  ts pg_catalog.timestamptz,
  score pg_catalog.int4,
  channel pg_catalog.text
);
COMMENT ON TABLE @extschema@.layer_answer_stage IS
  'internal: the changed profiles'' survey answers (cxm.feedback''s columns that the per-profile passes read), filled and emptied by one incremental refresh (doc/layer.md, "Performance")';
COMMENT ON COLUMN @extschema@.layer_answer_stage.customer_id IS 'the profile';
COMMENT ON COLUMN @extschema@.layer_answer_stage.ts IS 'when the answer was given';
COMMENT ON COLUMN @extschema@.layer_answer_stage.score IS 'its score';
COMMENT ON COLUMN @extschema@.layer_answer_stage.channel IS 'the channel it came through';
REVOKE ALL ON @extschema@.layer_answer_stage FROM PUBLIC;

DO $$
DECLARE
  -- the touchpoints by profile, as the journeys write them (arrays; the
  -- stage holds the same), customer_360's (the facts of layer_touch_agg,
  -- which the staged forms take from the stage's arrays through
  -- layer_touch_facts), and the months' touchpoint times
  touch CONSTANT pg_catalog.text :=
    E'SELECT t.customer_id, pg_catalog.array_agg(t.ts) AS ts, pg_catalog.array_agg(t.touchpoint) AS tps,\n'
    || E'               pg_catalog.array_agg(t.channel) AS chs, pg_catalog.array_agg(t.campaign) AS cps\n'
    || E'        FROM @extschema@.touchpoints t\n'
    || E'        WHERE ids IS NULL OR t.customer_id = ANY (ids)\n'
    || E'        GROUP BY t.customer_id';
  touch_agg CONSTANT pg_catalog.text :=
    E'  SELECT a.customer_id, (a.f).*\n'
    || E'  FROM (SELECT t.customer_id,\n'
    || E'               @extschema@.layer_touch_agg(t.ts, t.touchpoint, t.channel, t.campaign, c.session_gap) AS f\n'
    || E'        FROM @extschema@.touchpoints t CROSS JOIN cfg c\n'
    || E'        WHERE ids IS NULL OR t.customer_id = ANY (ids)\n'
    || E'        GROUP BY t.customer_id) a\n';
  times CONSTANT pg_catalog.text :=
    E'  SELECT t.customer_id, pg_catalog.array_agg(t.ts) AS ts\n'
    || E'  FROM @extschema@.touchpoints t\n'
    || E'  WHERE ids IS NULL OR t.customer_id = ANY (ids)\n'
    || E'  GROUP BY t.customer_id\n';
  v record;
  f pg_catalog.oid;
  body pg_catalog.text;
  i pg_catalog.int4;
  j pg_catalog.int4;
BEGIN
  FOR v IN SELECT * FROM (VALUES
             ('layer_profile_rows', '_whole', NULL, true, false),
             ('layer_profile_rows', '_staged', NULL, true, true),
             ('layer_profile_rows', '_staged_ids', NULL, false, true),
             ('layer_journey_rows', '_whole', 'tp, px', true, false),
             ('layer_journey_rows', '_staged', 'tp, px', true, true),
             ('layer_journey_rows', '_staged_ids', 'tp, px', false, true),
             ('layer_month_rows', '_whole', NULL, true, false),
             ('layer_month_rows', '_staged', NULL, true, true),
             ('layer_month_rows', '_staged_ids', NULL, false, true),
             ('layer_kpi_rows', '_whole', NULL, true, false))
           x(fn, suffix, keys, whole, staged) LOOP
    f := pg_catalog.format('@extschema@.%I(pg_catalog.text[])', v.fn)::pg_catalog.regprocedure;
    body := (SELECT p.prosrc FROM pg_catalog.pg_proc p WHERE p.oid = f);
    IF v.keys IS NOT NULL THEN
      -- the body of the CTE everyone, up to the first line that closes it
      i := pg_catalog.strpos(body, E'), everyone AS (\n') + pg_catalog.length(E'), everyone AS (\n');
      j := i - 1 + pg_catalog.strpos(pg_catalog.substr(body, i), E'\n)');
      IF i = pg_catalog.length(E'), everyone AS (\n') OR j < i
         OR pg_catalog.strpos(pg_catalog.substr(body, i, j - i), 'ids IS NULL OR') = 0 THEN
        RAISE EXCEPTION '%: the list of profiles is not where it was', v.fn;
      END IF;
      body := pg_catalog.substr(body, 1, i - 1) || '  '
              || (SELECT pg_catalog.string_agg(pg_catalog.format('SELECT %1$I.customer_id FROM %1$I', k), ' UNION '
                                               ORDER BY o)
                  FROM pg_catalog.unnest(pg_catalog.string_to_array(v.keys, ', ')) WITH ORDINALITY u(k, o))
              || pg_catalog.substr(body, j);
    END IF;
    IF v.staged THEN
      IF pg_catalog.strpos(body, touch_agg) > 0 THEN
        body := pg_catalog.replace(body, touch_agg,
                  E'  SELECT a.customer_id, f.*\n  FROM @extschema@.layer_touch_stage a\n  CROSS JOIN cfg c\n'
                  || E'  CROSS JOIN LATERAL @extschema@.layer_touch_facts(a.ts, a.tps, a.chs, a.cps, c.session_gap) f\n');
      ELSIF pg_catalog.strpos(body, '  FROM (' || touch || ') a') > 0 THEN
        body := pg_catalog.replace(body, '  FROM (' || touch || ') a', '  FROM @extschema@.layer_touch_stage a');
      ELSIF pg_catalog.strpos(body, times) > 0 THEN
        body := pg_catalog.replace(body, times, E'  SELECT a.customer_id, a.ts FROM @extschema@.layer_touch_stage a\n');
      END IF;
      IF pg_catalog.strpos(body, '@extschema@.touchpoints ') > 0 THEN
        RAISE EXCEPTION '%: the touchpoints by profile are not where they were', v.fn;
      END IF;
      IF NOT v.whole THEN
        body := pg_catalog.replace(pg_catalog.replace(body,
                  '@extschema@.transactions ', '@extschema@.layer_purchase_stage '),
                  '@extschema@.feedback ', '@extschema@.layer_answer_stage ');
      END IF;
    END IF;
    IF v.whole THEN
      body := pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(body,
                '@extschema@.touchpoints ', '@extschema@.touchpoints_whole '),
                '@extschema@.transactions ', '@extschema@.transactions_whole '),
                '@extschema@.feedback ', '@extschema@.feedback_whole ');
    END IF;
    EXECUTE pg_catalog.format('CREATE FUNCTION @extschema@.%I(%s) RETURNS %s LANGUAGE sql STABLE PARALLEL SAFE AS %L',
                              v.fn || v.suffix, pg_catalog.pg_get_function_arguments(f),
                              pg_catalog.pg_get_function_result(f), body);
  END LOOP;
  -- what fills the stage: the same aggregation, over touchpoints_whole for
  -- every profile, over the stitched view for the given ones
  EXECUTE pg_catalog.format('CREATE FUNCTION @extschema@.layer_touch_stage_rows() RETURNS SETOF @extschema@.layer_touch_stage'
                            ' LANGUAGE sql STABLE PARALLEL SAFE AS %L',
                            pg_catalog.replace(pg_catalog.replace(touch, 'ids IS NULL OR t.customer_id = ANY (ids)', 'true'),
                                               '@extschema@.touchpoints ', '@extschema@.touchpoints_whole '));
  EXECUTE pg_catalog.format('CREATE FUNCTION @extschema@.layer_touch_stage_rows(ids pg_catalog.text[])'
                            ' RETURNS SETOF @extschema@.layer_touch_stage LANGUAGE sql STABLE PARALLEL SAFE AS %L', touch);
END $$;
COMMENT ON FUNCTION @extschema@.layer_profile_rows_whole(pg_catalog.text[]) IS
  'internal: layer_profile_rows for reading every profile (sources through the _whole views); generated from layer_profile_rows';
COMMENT ON FUNCTION @extschema@.layer_journey_rows_whole(pg_catalog.text[]) IS
  'internal: layer_journey_rows for reading every profile (sources through the _whole views); generated from layer_journey_rows';
COMMENT ON FUNCTION @extschema@.layer_month_rows_whole(pg_catalog.text[]) IS
  'internal: layer_month_rows for reading every profile (sources through the _whole views); generated from layer_month_rows';
COMMENT ON FUNCTION @extschema@.layer_kpi_rows_whole(pg_catalog.text[]) IS
  'internal: layer_kpi_rows for reading every profile (sources through the _whole views; kpi_monthly_live); generated from layer_kpi_rows';
COMMENT ON FUNCTION @extschema@.layer_profile_rows_staged(pg_catalog.text[]) IS
  'internal: layer_profile_rows_whole with the touchpoints by profile read from layer_touch_stage (a full refresh); generated from layer_profile_rows';
COMMENT ON FUNCTION @extschema@.layer_journey_rows_staged(pg_catalog.text[]) IS
  'internal: layer_journey_rows_whole with the touchpoints by profile read from layer_touch_stage (a full refresh); generated from layer_journey_rows';
COMMENT ON FUNCTION @extschema@.layer_month_rows_staged(pg_catalog.text[]) IS
  'internal: layer_month_rows_whole with the touchpoint times by profile read from layer_touch_stage (a full refresh); generated from layer_month_rows';
COMMENT ON FUNCTION @extschema@.layer_profile_rows_staged_ids(pg_catalog.text[]) IS
  'internal: layer_profile_rows of the given profiles with their touchpoints read from layer_touch_stage, their purchases from layer_purchase_stage and their answers from layer_answer_stage (an incremental refresh); generated from layer_profile_rows';
COMMENT ON FUNCTION @extschema@.layer_journey_rows_staged_ids(pg_catalog.text[]) IS
  'internal: layer_journey_rows of the given profiles with their touchpoints read from layer_touch_stage, their purchases from layer_purchase_stage and their answers from layer_answer_stage (an incremental refresh); generated from layer_journey_rows';
COMMENT ON FUNCTION @extschema@.layer_month_rows_staged_ids(pg_catalog.text[]) IS
  'internal: layer_month_rows of the given profiles with their touchpoint times read from layer_touch_stage, their purchases from layer_purchase_stage and their answers from layer_answer_stage (an incremental refresh); generated from layer_month_rows';
COMMENT ON FUNCTION @extschema@.layer_touch_stage_rows() IS
  'internal: the rows of layer_touch_stage for every profile, each profile''s touchpoints grouped into arrays (the aggregation the _whole forms run); generated from layer_profile_rows'' text';
COMMENT ON FUNCTION @extschema@.layer_touch_stage_rows(pg_catalog.text[]) IS
  'internal: the rows of layer_touch_stage for the given profiles (the aggregation layer_profile_rows runs); generated from its text';
REVOKE ALL ON FUNCTION @extschema@.layer_touch_stage_rows() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.layer_touch_stage_rows(pg_catalog.text[]) FROM PUBLIC;

-- Welch's two-sample t test from summary statistics (channel_mix_value)
CREATE FUNCTION @extschema@.welch_test(n1 pg_catalog.int8, mean1 pg_catalog.float8, var1 pg_catalog.float8,
  n2 pg_catalog.int8, mean2 pg_catalog.float8, var2 pg_catalog.float8, confidence pg_catalog.float8 DEFAULT 0.95,
  OUT difference pg_catalog.float8, OUT std_error pg_catalog.float8, OUT df pg_catalog.float8,
  OUT t pg_catalog.float8, OUT p_value pg_catalog.float8, OUT ci_low pg_catalog.float8, OUT ci_high pg_catalog.float8)
RETURNS record
AS 'MODULE_PATHNAME', 'welch_test'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.welch_test(pg_catalog.int8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int8,
  pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'Welch''s t test of mean1 - mean2 from each sample''s size, mean and variance (n - 1): difference, standard error, Welch-Satterthwaite df, t, two-sided p-value and interval; all NULL without two values and some spread';

-- value_concentration's and channel_mix_value's walks over one group of
-- their bases, whose rows the aggregates take in any order (layer_rank.c,
-- rank_core.c; doc/layer.md, "Incremental refresh")
CREATE TYPE @extschema@.layer_concentration AS (
  n pg_catalog.int8, total pg_catalog.numeric, ranked pg_catalog.numeric,
  xk pg_catalog.int8, xs pg_catalog.numeric, xv pg_catalog.numeric, tp pg_catalog.numeric[]);
COMMENT ON TYPE @extschema@.layer_concentration IS
  'internal: one measure of value_concentration: buyers, total, the Gini''s rank sum, the group reaching 80 % of the total (buyers above it, their sum, its value) and the sums of the ceil(p n) largest values (p = 1, 5, 10, 20, 50 %) and of the n - floor(d n / 10) largest (d = 1 .. 9)';
CREATE TYPE @extschema@.layer_moments AS (
  n pg_catalog.int8, s pg_catalog.numeric, q pg_catalog.numeric, lo pg_catalog.float8, hi pg_catalog.float8);
COMMENT ON TYPE @extschema@.layer_moments IS
  'internal: one part of channel_mix_value: buyers, exact sum and sum of squares, and the two middle values (float8) of the median';
CREATE TYPE @extschema@.rank_state;
CREATE FUNCTION @extschema@.rank_state_in(pg_catalog.cstring)
RETURNS @extschema@.rank_state
AS 'MODULE_PATHNAME', 'rank_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rank_state_in(pg_catalog.cstring) IS
  'input function of rank_state: \x and hexadecimal bytes, checked completely';
CREATE FUNCTION @extschema@.rank_state_out(@extschema@.rank_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'rank_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rank_state_out(@extschema@.rank_state) IS
  'output function of rank_state: \x and the state''s bytes in hexadecimal';
CREATE FUNCTION @extschema@.rank_state_recv(pg_catalog.internal)
RETURNS @extschema@.rank_state
AS 'MODULE_PATHNAME', 'rank_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rank_state_recv(pg_catalog.internal) IS
  'receive function of rank_state: the state''s bytes, checked completely';
CREATE FUNCTION @extschema@.rank_state_send(@extschema@.rank_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'rank_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rank_state_send(@extschema@.rank_state) IS
  'send function of rank_state: the state''s bytes';
CREATE TYPE @extschema@.rank_state (
  INPUT = @extschema@.rank_state_in,
  OUTPUT = @extschema@.rank_state_out,
  RECEIVE = @extschema@.rank_state_recv,
  SEND = @extschema@.rank_state_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.rank_state IS
  'partial state of layer_concentration_agg and layer_moments_agg: values (exact decimals or numerics), as float8, with counts (versioned bytes; in memory an expanded object)';
CREATE FUNCTION @extschema@.layer_rank_add(@extschema@.rank_state, pg_catalog.numeric, pg_catalog.float8, pg_catalog.int8)
RETURNS @extschema@.rank_state
AS 'MODULE_PATHNAME', 'layer_rank_add'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_rank_add(@extschema@.rank_state, pg_catalog.numeric, pg_catalog.float8, pg_catalog.int8) IS
  'internal: transition of layer_concentration_agg and layer_moments_agg (a value, as float8, and its count)';
CREATE FUNCTION @extschema@.layer_rank_combine(@extschema@.rank_state, @extschema@.rank_state)
RETURNS @extschema@.rank_state
AS 'MODULE_PATHNAME', 'layer_rank_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_rank_combine(@extschema@.rank_state, @extschema@.rank_state) IS
  'internal: combine function of layer_concentration_agg and layer_moments_agg';
CREATE FUNCTION @extschema@.layer_concentration_final(@extschema@.rank_state)
RETURNS @extschema@.layer_concentration
AS 'MODULE_PATHNAME', 'layer_concentration_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_concentration_final(@extschema@.rank_state) IS
  'internal: final function of layer_concentration_agg';
CREATE FUNCTION @extschema@.layer_moments_final(@extschema@.rank_state)
RETURNS @extschema@.layer_moments
AS 'MODULE_PATHNAME', 'layer_moments_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.layer_moments_final(@extschema@.rank_state) IS
  'internal: final function of layer_moments_agg';
CREATE AGGREGATE @extschema@.layer_concentration_agg(pg_catalog.numeric, pg_catalog.float8, pg_catalog.int8) (
  SFUNC = @extschema@.layer_rank_add, STYPE = @extschema@.rank_state, SSPACE = 4096,
  FINALFUNC = @extschema@.layer_concentration_final,
  COMBINEFUNC = @extschema@.layer_rank_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.layer_concentration_agg(pg_catalog.numeric, pg_catalog.float8, pg_catalog.int8) IS
  'internal: value_concentration''s figures from one measure''s base rows (value, value as float8, buyers), in any order';
CREATE AGGREGATE @extschema@.layer_moments_agg(pg_catalog.numeric, pg_catalog.float8, pg_catalog.int8) (
  SFUNC = @extschema@.layer_rank_add, STYPE = @extschema@.rank_state, SSPACE = 4096,
  FINALFUNC = @extschema@.layer_moments_final,
  COMBINEFUNC = @extschema@.layer_rank_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.layer_moments_agg(pg_catalog.numeric, pg_catalog.float8, pg_catalog.int8) IS
  'internal: channel_mix_value''s figures from one part''s base rows (value, value as float8, buyers), in any order';

-- The sample variance from the count, the sum and the sum of squares
-- (numeric, exact), as var_samp(numeric) computes it: NULL below two
-- values, 0 when rounding would make it negative (channel_mix_value)
CREATE FUNCTION @extschema@.layer_var_samp(n pg_catalog.int8, s pg_catalog.numeric, q pg_catalog.numeric)
RETURNS pg_catalog.float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN n > 1 THEN
           (CASE WHEN n * q - s * s <= 0 THEN 0
                 ELSE (n * q - s * s) / (n * (n - 1))::pg_catalog.numeric END)::pg_catalog.float8 END
$$;
COMMENT ON FUNCTION @extschema@.layer_var_samp(pg_catalog.int8, pg_catalog.numeric, pg_catalog.numeric) IS
  'internal: sample variance (n q - s^2) / (n (n - 1)) from the count n, sum s and sum of squares q, as var_samp(numeric) computes it; NULL below two values';

-- Stage 2: the dashboard aggregates, each written once ------------------------------
-- {profile}, {journey} and {month} stand for the per-profile relations.  An
-- aggregate may have an additive base: a query grouped by base_keys (never
-- NULL) whose other columns are a row count n and exact sums (int8,
-- numeric), so that the base of everyone equals the base of the unchanged
-- profiles plus that of the changed ones.  Its body reads {base}; refresh()
-- keeps <name>_base_snapshot by subtracting the changed profiles' old rows
-- and adding their new ones (doc/layer.md, "Incremental refresh").  Sums
-- are never NULL (a mean keeps its sum and the count of its values) and
-- numeric sums have their trailing zeros trimmed, so that a sum kept by
-- adding and subtracting shows as a recomputation does.
CREATE FUNCTION @extschema@.layer_aggregates()
RETURNS TABLE (name pg_catalog.text, body pg_catalog.text, base pg_catalog.text, base_keys pg_catalog.text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $body$
VALUES
('nps_monthly', $q$
WITH cfg AS (
  SELECT s.min_nps_answers AS k FROM @extschema@.settings s WHERE s.id
), ch AS (
  SELECT b.month, b.channel, b.p, b.pa, b.d FROM {base} b
), x AS (
  SELECT y.month, y.channel,
         @extschema@.nps_stats_final(ARRAY[y.p, y.pa, y.d]::pg_catalog.int8[]) AS s, y.p + y.pa + y.d >= c.k AS enough
  FROM (SELECT ch.month, ch.channel, ch.p, ch.pa, ch.d FROM ch
        UNION ALL
        SELECT ch.month, 'all', pg_catalog.sum(ch.p), pg_catalog.sum(ch.pa), pg_catalog.sum(ch.d) FROM ch GROUP BY ch.month) y
  CROSS JOIN cfg c
)
SELECT x.month, x.channel, (x.s).n AS responses, (x.s).promoters, (x.s).passives, (x.s).detractors,
       CASE WHEN x.enough THEN (x.s).nps END AS nps, CASE WHEN x.enough THEN (x.s).std_error END AS std_error,
       CASE WHEN x.enough THEN (x.s).ci_low END AS ci_low, CASE WHEN x.enough THEN (x.s).ci_high END AS ci_high,
       (d.c).diff AS nps_change, (d.c).diff - 1.959963984540054 * (d.c).std_error AS change_ci_low,
       (d.c).diff + 1.959963984540054 * (d.c).std_error AS change_ci_high, (d.c).p_value AS change_p_value
FROM x
LEFT JOIN LATERAL (
  SELECT @extschema@.nps_compare(x.s, v.s) AS c FROM x v
  WHERE x.enough AND v.enough AND v.channel = x.channel AND v.month = (x.month - '1 month'::pg_catalog.interval)::pg_catalog.date
) d ON true
$q$, $q$
-- answers by month and channel: promoters, passives, detractors
SELECT m.month, e.key AS channel, pg_catalog.count(*) AS n, pg_catalog.sum((e.value ->> 0)::pg_catalog.int8) AS p,
       pg_catalog.sum((e.value ->> 1)::pg_catalog.int8) AS pa, pg_catalog.sum((e.value ->> 2)::pg_catalog.int8) AS d
FROM {month} m CROSS JOIN LATERAL pg_catalog.jsonb_each(m.nps_channels) e
WHERE m.nps_channels IS NOT NULL
GROUP BY 1, 2
$q$, 'month, channel'),
('cohort_retention', $q$
WITH act AS (
  SELECT b.cohort, b.month, b.n AS c FROM {base} b
), sizes AS (
  -- every buyer buys in the month of their cohort
  SELECT a.cohort, a.c AS n FROM act a WHERE a.month = a.cohort
)
SELECT s.cohort AS cohort_month,
       ((EXTRACT(year FROM m.month) - EXTRACT(year FROM s.cohort)) * 12
        + EXTRACT(month FROM m.month) - EXTRACT(month FROM s.cohort))::pg_catalog.int4 AS months_since,
       m.month, s.n AS cohort_size, COALESCE(a.c, 0) AS customers,
       COALESCE(a.c, 0)::pg_catalog.float8 / s.n AS retention
FROM sizes s
CROSS JOIN LATERAL (
  SELECT g::pg_catalog.date AS month
  FROM pg_catalog.generate_series(s.cohort::pg_catalog.timestamp,
                                  (SELECT pg_catalog.max(a.month) FROM act a)::pg_catalog.timestamp,
                                  '1 month'::pg_catalog.interval) g
) m
LEFT JOIN act a ON a.cohort = s.cohort AND a.month = m.month
$q$, $q$
-- buyers by cohort (the month of their first purchase) and month with a purchase
-- citus: the cohort by a window over the profile (Citus groups it on the workers, doc/scale-out.md)
SELECT b.cohort, b.month, pg_catalog.count(*) AS n
FROM (SELECT m.month, pg_catalog.min(m.month) OVER (PARTITION BY m.customer_id) AS cohort  -- citus:
      FROM {month} m WHERE m.orders > 0) b  -- citus:
GROUP BY 1, 2
$q$, 'cohort, month'),
('journey_transitions', $q$
SELECT b.step, b.source, b.target, b.n AS customers FROM {base} b
$q$, $q$
-- each step of a collapsed path with the next (or '(end)'): the path zipped
-- with itself shifted by one, in one pass (subscripting a text array at i
-- walks it from the start)
SELECT x.step, x.source, x.target, pg_catalog.count(*) AS n
FROM (
  SELECT u.step::pg_catalog.int4 AS step, u.source, u.target
  FROM (SELECT @extschema@.path_collapse(j.path) AS path FROM {journey} j) p
  CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(p.path), pg_catalog.unnest(p.path[2:] || '{(end)}'::pg_catalog.text[]))
    WITH ORDINALITY u(source, target, step)
  WHERE pg_catalog.cardinality(p.path) > 0
) x
GROUP BY x.step, x.source, x.target
$q$, 'step, source, target'),
('channel_attribution', $q$
WITH j AS MATERIALIZED (
  -- rn: one input order, so the credits do not depend on the plan
  SELECT pg_catalog.row_number() OVER (ORDER BY b.level, b.is_repeat, b.path COLLATE "C", b.converted, b.paid) AS rn,
         b.level, b.is_repeat, b.path, b.n AS journeys, b.conversions::pg_catalog.float8 AS conversions,
         b.revenue::pg_catalog.float8 AS revenue
  FROM {base} b
), g AS (
  SELECT j.level, j.is_repeat, pg_catalog.sum(j.conversions) AS conversions FROM j GROUP BY 1, 2
)
SELECT m.model, c.channel, c.credit AS conversions, c.credit / NULLIF(g.conversions, 0) AS share,
       r.credit AS revenue, g.level, g.is_repeat
FROM g
CROSS JOIN pg_catalog.unnest(ARRAY['first_touch', 'last_touch', 'linear', 'position', 'markov']::pg_catalog.text[]) m(model)
CROSS JOIN LATERAL (
  SELECT @extschema@.attribution(j.path, j.conversions, m.model, j.journeys ORDER BY j.rn) AS ac,
         @extschema@.attribution(j.path, j.revenue, m.model, j.journeys ORDER BY j.rn) AS ar
  FROM j WHERE j.level = g.level AND j.is_repeat = g.is_repeat
) a
CROSS JOIN pg_catalog.unnest(a.ac) c
LEFT JOIN LATERAL pg_catalog.unnest(a.ar) r ON r.channel = c.channel
$q$, $q$
-- every path leading to a purchase (conversions 1, the purchase's amount) or
-- to none (after the last purchase), by channel and by campaign, as distinct
-- paths with their journeys (attribution with counts); a group's journeys
-- all convert or all do not, by count and by revenue.  Revenue is exact
-- (numeric, trailing zeros trimmed, so that sums kept by adding and
-- subtracting show as a recomputation does).
WITH s AS (
  -- (layer_segment_paths: each segment's fields, its paths as text[])
  SELECT x.is_repeat, x.conversions, x.revenue, x.c, x.k
  FROM {journey} j CROSS JOIN LATERAL @extschema@.layer_segment_paths(j.segments) x
)
SELECT l.level, s.is_repeat, l.path, s.conversions > 0 AS converted, s.revenue > 0 AS paid,
       pg_catalog.count(*) AS n, pg_catalog.sum(s.conversions) AS conversions,
       pg_catalog.trim_scale(pg_catalog.sum(s.revenue)) AS revenue
FROM s CROSS JOIN LATERAL (VALUES ('channel', s.c), ('campaign', s.k)) l(level, path)
WHERE pg_catalog.cardinality(l.path) > 0
GROUP BY 1, 2, 3, 4, 5
$q$, 'level, is_repeat, path, converted, paid'),
('funnel_conversion', $q$
WITH cfg AS (
  SELECT s.funnel_steps AS steps FROM @extschema@.settings s
  WHERE s.id AND pg_catalog.cardinality(s.funnel_steps) > 0
), lv AS (
  SELECT b.level, b.n FROM {base} b
)
SELECT u.o::pg_catalog.int4 AS step, u.s AS touchpoint, x.reached AS customers,
       x.reached::pg_catalog.float8 / NULLIF(x.entered, 0) AS conversion,
       x.reached::pg_catalog.float8 / NULLIF(x.before, 0) AS step_conversion
FROM cfg c
CROSS JOIN LATERAL pg_catalog.unnest(c.steps) WITH ORDINALITY u(s, o)
CROSS JOIN LATERAL (
  SELECT COALESCE(pg_catalog.sum(lv.n) FILTER (WHERE lv.level >= u.o), 0)::pg_catalog.int8 AS reached,
         COALESCE(pg_catalog.sum(lv.n) FILTER (WHERE lv.level >= 1), 0)::pg_catalog.int8 AS entered,
         COALESCE(pg_catalog.sum(lv.n) FILTER (WHERE lv.level >= u.o - 1), 0)::pg_catalog.int8 AS before,
         pg_catalog.count(*) AS levels
  FROM lv
) x
WHERE x.levels > 0
$q$, $q$
-- profiles by the last funnel step they reached in order (-1: no funnel)
SELECT COALESCE(j.funnel_level, -1) AS level, pg_catalog.count(*) AS n FROM {journey} j GROUP BY 1
$q$, 'level'),
('rfm_segments', $q$
-- (a mean is its sum over the count of its values, as avg computes it)
SELECT b.segment, b.n AS customers,
       b.n::pg_catalog.float8 / pg_catalog.sum(b.n) OVER () AS share,
       b.revenue, b.revenue / b.n AS avg_revenue, b.orders / b.n AS avg_orders,
       (b.days / NULLIF(b.days_n, 0))::pg_catalog.float8 AS avg_days_since_purchase,
       (b.p_alive / NULLIF(b.p_alive_n, 0))::pg_catalog.float8 AS avg_p_alive,
       CASE WHEN b.clv_n > 0 THEN b.clv::pg_catalog.float8 END AS expected_clv
FROM {base} b
$q$, $q$
SELECT c.rfm_segment AS segment, pg_catalog.count(*) AS n,
       pg_catalog.trim_scale(pg_catalog.sum(c.revenue)) AS revenue, pg_catalog.sum(c.orders) AS orders,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(c.days_since_purchase::pg_catalog.numeric), 0)) AS days,
       pg_catalog.count(c.days_since_purchase) AS days_n,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(c.p_alive::pg_catalog.numeric), 0)) AS p_alive,
       pg_catalog.count(c.p_alive) AS p_alive_n,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(c.expected_clv::pg_catalog.numeric), 0)) AS clv,
       pg_catalog.count(c.expected_clv) AS clv_n
FROM {profile} c
WHERE c.rfm_segment IS NOT NULL
GROUP BY c.rfm_segment
$q$, 'segment'),
('value_concentration', $q$
-- The base holds the buyers by measure (1 revenue, 2 profit, 3
-- expected_clv) and value.  In the order from the top, a group of c equal
-- values has kb buyers above it, whose values sum to sb; the sum of the k
-- largest values (kb < k <= kb + c) is sb + (k - kb) value, the same
-- whichever way ties are ordered.  (The order is by the value as float8
-- first, which sorts faster and agrees with the numeric order.)
WITH g AS (
  -- n, total, the Gini's rank sum sum x (c (n + 1 - kb) - c (c + 1) / 2)
  -- (x at ranks kb + 1 .. kb + c from the top), the group in which the sum
  -- from the top reaches 80 % of the total (xk, xs, xv), and tp: the sums
  -- of the ceil(p n) largest values, p = 1, 5, 10, 20, 50 %, then of the n -
  -- floor(d n / 10) largest, d = 1 .. 9 (the Lorenz deciles)
  SELECT x.mo, (x.r).n, (x.r).total, (x.r).ranked, (x.r).xk, (x.r).xs, (x.r).xv, (x.r).tp
  FROM (SELECT b.mo, @extschema@.layer_concentration_agg(b.value, b.f, b.n) AS r
        FROM {base} b GROUP BY b.mo) x
)
SELECT m.measure, COALESCE(g.n, 0) AS customers, g.total,
       (g.tp[1] / NULLIF(g.total, 0))::pg_catalog.float8 AS top_1_pct,
       (g.tp[2] / NULLIF(g.total, 0))::pg_catalog.float8 AS top_5_pct,
       (g.tp[3] / NULLIF(g.total, 0))::pg_catalog.float8 AS top_10_pct,
       (g.tp[4] / NULLIF(g.total, 0))::pg_catalog.float8 AS top_20_pct,
       (g.tp[5] / NULLIF(g.total, 0))::pg_catalog.float8 AS top_50_pct,
       CASE WHEN g.total > 0 THEN (g.xk + j.j)::pg_catalog.float8 / g.n END AS customers_for_80_pct,
       CASE WHEN g.total > 0 THEN
         ARRAY(SELECT (1 - COALESCE(g.tp[5 + d], 0) / g.total)::pg_catalog.float8
               FROM pg_catalog.generate_series(1, 10) d ORDER BY d) END AS lorenz,
       CASE WHEN g.total > 0 THEN (2 * g.ranked / (g.n * g.total) - (g.n + 1)::pg_catalog.numeric / g.n)::pg_catalog.float8 END AS gini
FROM (VALUES (1, 'revenue'), (2, 'profit'), (3, 'expected_clv')) m(o, measure)
LEFT JOIN g ON g.mo = m.o
LEFT JOIN LATERAL (
  -- j: how many of the reaching group's values it takes, ceil((80 % total -
  -- sb) / value), checked both ways against the quotient's rounding
  SELECT CASE WHEN g.xs + (y.j - 1) * g.xv >= 0.8 * g.total THEN y.j - 1
              WHEN g.xs + y.j * g.xv < 0.8 * g.total THEN y.j + 1 ELSE y.j END AS j
  FROM (SELECT pg_catalog.ceil((0.8 * g.total - g.xs) / g.xv)::pg_catalog.int8 AS j) y
) j ON true
$q$, $q$
-- buyers by measure (1 revenue, 2 profit, 3 expected_clv) and value; the
-- value's scale is a key too, so that equal values written differently
-- (10.5, 10.50) stay apart and every sum shows the scale a sum of the
-- values themselves shows; f, the value as float8, is the first sort key
SELECT x.mo, x.value, COALESCE(pg_catalog.scale(x.value), -1) AS sc, x.value::pg_catalog.float8 AS f,
       pg_catalog.count(*) AS n
FROM {profile} c
CROSS JOIN LATERAL (VALUES (1, c.revenue), (2, c.profit), (3, c.expected_clv::pg_catalog.numeric)) x(mo, value)
WHERE c.orders > 0 AND x.value IS NOT NULL
GROUP BY 1, 2, 3, 4
$q$, 'mo, value, sc, f'),
('channel_mix_value', $q$
-- The base holds the buyers by part = 4 band + 2 measure + side (band 0
-- <90, 1 90-365, 2 365+; measure 0 revenue, 1 expected_clv; side 1 when
-- cross-channel) and value; band 3, 'all', is the three bands together
-- (parts 12 to 15 = 12 + part % 4), so the base holds each buyer once per
-- measure and an incremental refresh adjusts half as many rows
WITH p AS (
  -- per part: buyers, exact sum and sum of squares, and the two middle
  -- values (0-based positions floor((n - 1) / 2) and ceil((n - 1) / 2) in
  -- ascending order of the value as float8, the order percentile_cont uses)
  SELECT COALESCE(x.part, 12 + x.ms) AS part, (x.r).n, (x.r).s, (x.r).q, (x.r).lo, (x.r).hi
  FROM (SELECT b.part, b.part % 4 AS ms, @extschema@.layer_moments_agg(b.value, b.f, b.n) AS r
        FROM {base} b GROUP BY GROUPING SETS ((b.part), (b.part % 4))) x
), s AS (
  -- per band and measure (part / 2), per side
  SELECT p.part / 2 AS bm,
         COALESCE(pg_catalog.sum(p.n) FILTER (WHERE p.part % 2 = 0), 0)::pg_catalog.int8 AS n1,
         COALESCE(pg_catalog.sum(p.n) FILTER (WHERE p.part % 2 = 1), 0)::pg_catalog.int8 AS n2,
         pg_catalog.max(p.s) FILTER (WHERE p.part % 2 = 0) AS s1, pg_catalog.max(p.s) FILTER (WHERE p.part % 2 = 1) AS s2,
         pg_catalog.max(p.q) FILTER (WHERE p.part % 2 = 0) AS q1, pg_catalog.max(p.q) FILTER (WHERE p.part % 2 = 1) AS q2,
         pg_catalog.max(p.lo) FILTER (WHERE p.part % 2 = 0) AS lo1, pg_catalog.max(p.hi) FILTER (WHERE p.part % 2 = 0) AS hi1,
         pg_catalog.max(p.lo) FILTER (WHERE p.part % 2 = 1) AS lo2, pg_catalog.max(p.hi) FILTER (WHERE p.part % 2 = 1) AS hi2
  FROM p
  GROUP BY p.part / 2
), m AS (
  -- mean = sum / n and the sample variance (n sum x^2 - (sum x)^2) / (n (n - 1)),
  -- as avg and var_samp compute them; the median interpolates halfway
  -- between the middle values, as percentile_cont(0.5) does
  SELECT s.bm, s.n1, s.n2,
         (s.s1 / s.n1)::pg_catalog.float8 AS mean1, (s.s2 / s.n2)::pg_catalog.float8 AS mean2,
         @extschema@.layer_var_samp(s.n1, s.s1, s.q1) AS var1, @extschema@.layer_var_samp(s.n2, s.s2, s.q2) AS var2,
         CASE WHEN s.n1 % 2 = 1 THEN s.lo1 ELSE s.lo1 + 0.5 * (s.hi1 - s.lo1) END AS median1,
         CASE WHEN s.n2 % 2 = 1 THEN s.lo2 ELSE s.lo2 + 0.5 * (s.hi2 - s.lo2) END AS median2
  FROM s
)
SELECT ('{<90,90-365,365+,all}'::pg_catalog.text[])[m.bm / 2 + 1] AS tenure_band,
       ('{revenue,expected_clv}'::pg_catalog.text[])[m.bm % 2 + 1] AS measure,
       m.n1 AS single_customers, m.n2 AS cross_customers,
       m.mean1 AS single_mean, m.mean2 AS cross_mean, m.median1 AS single_median, m.median2 AS cross_median,
       w.difference, w.ci_low, w.ci_high, w.p_value
FROM m
LEFT JOIN LATERAL @extschema@.welch_test(m.n2, m.mean2, m.var2, m.n1, m.mean1, m.var1) w ON true
$q$, $q$
-- buyers touched through at least one channel by part (4 band + 2 measure
-- + side; the band from the days between the first purchase and the
-- reference time) and value (with its scale and float8, as in
-- value_concentration's base)
SELECT 4 * (CASE WHEN b.tenure < 90 THEN 0 WHEN b.tenure < 365 THEN 1 ELSE 2 END) + 2 * m.measure
         + CASE WHEN b.cross_channel THEN 1 ELSE 0 END AS part, m.value,
       COALESCE(pg_catalog.scale(m.value), -1) AS sc, m.value::pg_catalog.float8 AS f, pg_catalog.count(*) AS n
FROM (SELECT c.is_cross_channel AS cross_channel, c.revenue, c.expected_clv,
             c.days_since_purchase + EXTRACT(epoch FROM c.last_purchase - c.first_purchase)::pg_catalog.float8 / 86400 AS tenure
      FROM {profile} c WHERE c.orders > 0 AND c.channel_count >= 1 AND c.is_cross_channel IS NOT NULL) b
CROSS JOIN LATERAL (VALUES (0, b.revenue), (1, b.expected_clv::pg_catalog.numeric)) m(measure, value)
WHERE m.value IS NOT NULL
GROUP BY 1, 2, 3, 4
$q$, 'part, value, sc, f'),
('visitor_segments', $q$
SELECT b.is_known, b.entry_channel, b.entry_campaign, b.n AS profiles, b.sessions::pg_catalog.int8 AS sessions,
       b.touchpoints::pg_catalog.float8 / NULLIF(b.sessions, 0) AS pages_per_session,
       (b.minutes / NULLIF(b.sessions, 0))::pg_catalog.float8 AS avg_session_minutes,
       (b.days / NULLIF(b.days_n, 0))::pg_catalog.float8 AS avg_days_since_seen,
       b.bounced::pg_catalog.float8 / NULLIF(b.sessions, 0) AS bounce_rate,
       b.engaged::pg_catalog.float8 / b.n AS engaged_share,
       b.buyers::pg_catalog.float8 / b.n AS customer_share
FROM {base} b
$q$, $q$
SELECT c.is_known, COALESCE(c.entry_channel, '(none)') AS entry_channel,
       COALESCE(c.entry_campaign, '(none)') AS entry_campaign, pg_catalog.count(*) AS n,
       pg_catalog.sum(c.sessions) AS sessions, pg_catalog.sum(c.touchpoints) AS touchpoints,
       pg_catalog.trim_scale(pg_catalog.sum(c.session_minutes)) AS minutes,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(c.days_since_seen::pg_catalog.numeric), 0)) AS days,
       pg_catalog.count(c.days_since_seen) AS days_n,
       pg_catalog.sum(c.bounced_sessions) AS bounced,
       pg_catalog.count(*) FILTER (WHERE c.sessions > c.bounced_sessions) AS engaged,
       pg_catalog.count(*) FILTER (WHERE c.orders > 0) AS buyers
FROM {profile} c
WHERE c.touchpoints > 0
GROUP BY 1, 2, 3
$q$, 'is_known, entry_channel, entry_campaign'),
('kpi_monthly', $q$
WITH b AS MATERIALIZED (
  SELECT x.* FROM {base} x
), run AS (
  SELECT a.*, pg_catalog.sum(a.base_delta) OVER (ORDER BY a.month) - a.base_delta AS base_before,
         pg_catalog.sum(a.base_delta) OVER (ORDER BY a.month) AS base_through,
         pg_catalog.bool_or(a.costed > 0) OVER () AS any_cost,
         pg_catalog.min(a.month) FILTER (WHERE a.buyers > 0) OVER () AS first_buy,
         pg_catalog.min(a.month) FILTER (WHERE a.buyers > 0 OR a.visitors > 0 OR a.answers > 0) OVER () AS first_any
  FROM b a
), obs AS (
  -- what a month can show (doc/layer.md, kpi_monthly): the customer base
  -- needs settings.churned_after of purchase history before the month, and
  -- the lapses of a month are all known once the month is over
  SELECT r.*, r.month >= r.first_buy + c.churned_after AS base_known,
         r.month >= r.first_buy + c.churned_after
           AND r.month + '1 month'::pg_catalog.interval <= @extschema@.layer_as_of() AS churn_known
  FROM run r CROSS JOIN (SELECT s.churned_after FROM @extschema@.settings s WHERE s.id) c
)
SELECT r.month,
       COALESCE(r.revenue, 0) AS revenue, r.orders::pg_catalog.numeric AS orders,
       r.buyers AS active_customers, r.new_customers,
       CASE WHEN r.month > r.first_buy THEN r.repeat_buyers::pg_catalog.float8 / NULLIF(r.buyers, 0) END AS repeat_purchase_rate,
       CASE WHEN r.base_known THEN r.base_through::pg_catalog.int8 END AS customer_base,
       CASE WHEN r.churn_known THEN r.lost::pg_catalog.int8 END AS churned_customers,
       CASE WHEN r.churn_known THEN r.lost::pg_catalog.float8 / NULLIF(r.base_through, 0) END AS churn_rate,
       r.visitors,
       r.converted::pg_catalog.float8 / NULLIF(r.visitors, 0) AS conversion_rate,
       (r.promoters + r.passives + r.detractors)::pg_catalog.int8 AS nps_responses,
       @extschema@.nps_final(ARRAY[r.promoters, r.passives, r.detractors]::pg_catalog.int8[]) AS nps,
       r.sessions::pg_catalog.int8 AS sessions,
       r.session_touchpoints::pg_catalog.float8 / NULLIF(r.sessions, 0) AS touchpoints_per_session,
       (r.session_minutes / NULLIF(r.sessions, 0))::pg_catalog.float8 AS avg_session_minutes,
       CASE WHEN (SELECT pg_catalog.sum(b.product_buyers) FROM b) > 0
            THEN r.cross_sold::pg_catalog.float8 / NULLIF(r.buyers, 0) END AS cross_sell_rate,
       r.cross_channel_buyers::pg_catalog.float8 / NULLIF(r.buyers, 0) AS cross_channel_share,
       (r.clv_cross / NULLIF(r.clv_cross_n, 0))::pg_catalog.float8 AS clv_cross_channel,
       (r.clv_single / NULLIF(r.clv_single_n, 0))::pg_catalog.float8 AS clv_single_channel,
       CASE WHEN r.any_cost AND r.costed = r.orders THEN COALESCE(r.cost, 0) END AS cost,
       CASE WHEN r.any_cost AND r.costed = r.orders THEN COALESCE(r.revenue, 0) - COALESCE(r.cost, 0) END AS profit
FROM obs r
WHERE (r.buyers > 0 OR r.visitors > 0 OR r.answers > 0) AND r.month >= COALESCE(r.first_buy, r.first_any)
$q$, $q$
-- the monthly sums of kpi_monthly
WITH prof AS (  -- citus: not MATERIALIZED (Citus then joins it on the workers, doc/scale-out.md)
  SELECT p.customer_id, p.products, p.is_cross_channel, p.expected_clv, p.second_product_at,
         pg_catalog.date_trunc('month', p.first_purchase)::pg_catalog.date AS first_month
  FROM {profile} p
), pm AS (
  SELECT m.* FROM {month} m
)
SELECT pm.month,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(pm.revenue), 0)) AS revenue, pg_catalog.sum(pm.orders) AS orders,
       pg_catalog.count(*) FILTER (WHERE pm.orders > 0) AS buyers,
       pg_catalog.count(*) FILTER (WHERE pm.orders > 0 AND p.first_month = pm.month) AS new_customers,
       pg_catalog.count(*) FILTER (WHERE pm.orders > 0 AND p.first_month < pm.month) AS repeat_buyers,
       pg_catalog.count(*) FILTER (WHERE pm.orders > 0 AND p.second_product_at < pm.month + '1 month'::pg_catalog.interval) AS cross_sold,
       pg_catalog.count(*) FILTER (WHERE pm.orders > 0 AND p.is_cross_channel) AS cross_channel_buyers,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(p.expected_clv::pg_catalog.numeric)
                                        FILTER (WHERE pm.orders > 0 AND p.is_cross_channel), 0)) AS clv_cross,
       pg_catalog.count(p.expected_clv) FILTER (WHERE pm.orders > 0 AND p.is_cross_channel) AS clv_cross_n,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(p.expected_clv::pg_catalog.numeric)
                                        FILTER (WHERE pm.orders > 0 AND NOT p.is_cross_channel), 0)) AS clv_single,
       pg_catalog.count(p.expected_clv) FILTER (WHERE pm.orders > 0 AND NOT p.is_cross_channel) AS clv_single_n,
       pg_catalog.sum(pm.lost) AS lost, pg_catalog.sum(pm.base_delta) AS base_delta,
       pg_catalog.count(*) FILTER (WHERE pm.visited) AS visitors,
       pg_catalog.count(*) FILTER (WHERE pm.visited AND pm.orders > 0) AS converted,
       pg_catalog.sum(pm.answers) AS answers,
       pg_catalog.sum(pm.promoters) AS promoters, pg_catalog.sum(pm.passives) AS passives,
       pg_catalog.sum(pm.detractors) AS detractors,
       pg_catalog.sum(pm.sessions) AS sessions, pg_catalog.sum(pm.session_touchpoints) AS session_touchpoints,
       pg_catalog.trim_scale(pg_catalog.sum(pm.session_minutes)) AS session_minutes,
       pg_catalog.trim_scale(COALESCE(pg_catalog.sum(pm.cost), 0)) AS cost, pg_catalog.sum(pm.costed) AS costed,
       pg_catalog.count(*) FILTER (WHERE pm.orders > 0 AND p.products > 0) AS product_buyers, pg_catalog.count(*) AS n
FROM pm LEFT JOIN prof p ON p.customer_id = pm.customer_id AND pm.orders > 0
GROUP BY pm.month
$q$, 'month')
$body$;
COMMENT ON FUNCTION @extschema@.layer_aggregates() IS
  'internal: the query of each dashboard aggregate over the placeholders {profile}, {journey} and {month} (the per-profile relations), and for some a base ({base}, grouped by base_keys, never NULL) that refresh() keeps: a count n and exact sums, from which the changed profiles'' old rows are subtracted and their new ones added';

-- layer_fill(query, profile, journey, month): a template over the given
-- per-profile relations
CREATE FUNCTION @extschema@.layer_fill(q pg_catalog.text, profile pg_catalog.text, journey pg_catalog.text,
                                       month pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(q, '{profile}', profile), '{journey}', journey),
                            '{month}', month)
$$;
COMMENT ON FUNCTION @extschema@.layer_fill(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'internal: a dashboard aggregate''s template with {profile}, {journey} and {month} replaced by the given relations';

-- layer_kpi_live_base(base): kpi_monthly's base as kpi_monthly_live reads
-- it, in one pass (doc/layer.md, "Performance").  The written base joins
-- each month row that has orders to its profile's customer_360 row (the CTE
-- prof over {profile}); the rows of layer_kpi_rows_whole carry those facts
-- of their profile, so the join becomes a lateral read of the month row's
-- own columns, under the join's condition.  Generated from the base's text
-- so that the two cannot drift apart: a text that no longer has this shape
-- fails at CREATE EXTENSION.
CREATE FUNCTION @extschema@.layer_kpi_live_base(base pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  head CONSTANT pg_catalog.text := 'WITH prof AS (';
  tail CONSTANT pg_catalog.text := E'\n  FROM {profile} p\n), pm AS (\n';
  pjoin CONSTANT pg_catalog.text := 'FROM pm LEFT JOIN prof p ON p.customer_id = pm.customer_id AND pm.orders > 0';
  i pg_catalog.int4 := pg_catalog.strpos(base, head);
  j pg_catalog.int4 := pg_catalog.strpos(base, tail);
  k pg_catalog.int4;
  cols pg_catalog.text;
  res pg_catalog.text;
BEGIN
  -- the select list of prof: plain expressions of p, nothing else
  k := i - 1 + pg_catalog.strpos(pg_catalog.substr(base, i), E'\n  SELECT ');
  IF i = 0 OR j < i OR k < i OR k > j OR pg_catalog.strpos(base, pjoin) = 0 THEN
    RAISE EXCEPTION 'kpi_monthly''s base is not in the shape layer_kpi_live_base reads' USING ERRCODE = 'XX000';
  END IF;
  cols := pg_catalog.substr(base, k + pg_catalog.length(E'\n  SELECT '), j - k - pg_catalog.length(E'\n  SELECT '));
  IF cols ~* '\m(from|where|join|select)\M' THEN
    RAISE EXCEPTION 'kpi_monthly''s profile facts are not a plain select list' USING ERRCODE = 'XX000';
  END IF;
  res := pg_catalog.substr(base, 1, i - 1) || E'WITH pm AS (\n' || pg_catalog.substr(base, j + pg_catalog.length(tail));
  res := pg_catalog.replace(pg_catalog.replace(res, pjoin,
           'FROM pm LEFT JOIN LATERAL (SELECT ' || pg_catalog.regexp_replace(cols, '\mp\.', 'pm.', 'g')
           || ' WHERE pm.orders > 0) p ON true'),
           '{month}', '@extschema@.layer_kpi_rows_whole(NULL)');
  IF pg_catalog.strpos(res, '{profile}') > 0 OR pg_catalog.strpos(res, '{month}') > 0 THEN
    RAISE EXCEPTION 'kpi_monthly''s base reads its per-profile relations elsewhere too' USING ERRCODE = 'XX000';
  END IF;
  RETURN res;
END $$;
COMMENT ON FUNCTION @extschema@.layer_kpi_live_base(pg_catalog.text) IS
  'internal: kpi_monthly''s base over layer_kpi_rows_whole (one pass: the month rows carry their profile''s facts), generated from the written base';

-- layer_aggregate_sql(name, live): the query of one aggregate over the live
-- per-profile functions, or over the snapshots (its {base} then being the
-- base snapshot that refresh() keeps)
CREATE FUNCTION @extschema@.layer_aggregate_sql(agg pg_catalog.text, live pg_catalog.bool)
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT pg_catalog.replace(@extschema@.layer_fill(a.body, r.p, r.j, r.m), '{base}',
           CASE WHEN a.base IS NULL THEN '{base}'
                WHEN live THEN '(' || @extschema@.layer_fill(CASE WHEN agg = 'kpi_monthly'
                                                                  THEN @extschema@.layer_kpi_live_base(a.base)
                                                                  ELSE a.base END, r.p, r.j, r.m) || ')'
                ELSE pg_catalog.format('@extschema@.%I', agg || '_base_snapshot') END)
  FROM @extschema@.layer_aggregates() a
  CROSS JOIN (SELECT CASE WHEN live THEN '@extschema@.layer_profile_rows_whole(NULL)' ELSE '@extschema@.customer_360_snapshot' END,
                     CASE WHEN live THEN '@extschema@.layer_journey_rows_whole(NULL)' ELSE '@extschema@.customer_journeys_snapshot' END,
                     CASE WHEN live THEN '@extschema@.layer_month_rows_whole(NULL)' ELSE '@extschema@.profile_months_snapshot' END) r(p, j, m)
  WHERE a.name = agg
$$;
COMMENT ON FUNCTION @extschema@.layer_aggregate_sql(pg_catalog.text, pg_catalog.bool) IS
  'internal: the SQL of one dashboard aggregate over the live per-profile functions (live) or the snapshots';

-- layer_base_sql(name, rows): the additive base of an aggregate over the
-- per-profile snapshots (rows NULL), or over the relations rows || 'profile',
-- rows || 'journey' and rows || 'month' (refresh()'s copies of the changed
-- profiles' old and new rows, which it subtracts and adds)
CREATE FUNCTION @extschema@.layer_base_sql(agg pg_catalog.text, rows pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN rows IS NULL
              THEN @extschema@.layer_fill(a.base, '@extschema@.customer_360_snapshot',
                                          '@extschema@.customer_journeys_snapshot', '@extschema@.profile_months_snapshot')
              ELSE @extschema@.layer_fill(a.base, pg_catalog.quote_ident(rows || 'profile'),
                                          pg_catalog.quote_ident(rows || 'journey'), pg_catalog.quote_ident(rows || 'month'))
         END
  FROM @extschema@.layer_aggregates() a
  WHERE a.name = agg AND a.base IS NOT NULL
$$;
COMMENT ON FUNCTION @extschema@.layer_base_sql(pg_catalog.text, pg_catalog.text) IS
  'internal: the SQL of an aggregate''s additive base over the per-profile snapshots (NULL), or over the relations named by the given prefix and profile, journey, month';

-- Snapshot tables: the three per-profile ones, keyed by profile ---------------------

CREATE TABLE @extschema@.customer_360_snapshot AS
SELECT * FROM @extschema@.layer_profile_rows(NULL) WITH NO DATA;
ALTER TABLE @extschema@.customer_360_snapshot ADD PRIMARY KEY (customer_id);
CREATE TABLE @extschema@.customer_journeys_snapshot AS
SELECT * FROM @extschema@.layer_journey_rows(NULL) WITH NO DATA;
ALTER TABLE @extschema@.customer_journeys_snapshot ADD PRIMARY KEY (customer_id);
CREATE TABLE @extschema@.profile_months_snapshot AS
SELECT * FROM @extschema@.layer_month_rows(NULL) WITH NO DATA;
ALTER TABLE @extschema@.profile_months_snapshot ADD PRIMARY KEY (customer_id, month);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.customer_360_snapshot', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.customer_journeys_snapshot', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profile_months_snapshot', '');

-- The public views: created here, repointed by layer_apply_mode() -----------------
-- customer_360 and customer_journeys show the per-profile rows without their
-- internal columns; each aggregate X has X_live (the query over live data) and
-- X_snapshot (a table); X reads one or the other.

CREATE VIEW @extschema@.customer_360_live WITH (security_invoker = true) AS
SELECT customer_id, is_known, anonymous_ids, created_at, first_seen, last_seen, touchpoints, sessions, channels,
       channel_count, is_cross_channel, orders, revenue, avg_order_value, first_purchase, last_purchase,
       days_since_purchase, products, latest_nps, latest_nps_at, nps_category, frequency, recency, t, monetary,
       r_score, f_score, m_score, rfm_segment, one_time_buyer, p_alive, churn_score, expected_purchases,
       expected_clv, lifecycle_stage, cost, profit, expected_profit, entry_channel, entry_campaign,
       bounced_sessions, session_minutes, days_since_seen, churn_model
FROM @extschema@.layer_profile_rows(NULL);
CREATE VIEW @extschema@.customer_journeys_live WITH (security_invoker = true) AS
SELECT customer_id, first_seen, last_seen, touchpoints, sessions, channel_count, path, channel_path, converted, first_purchase
FROM @extschema@.layer_journey_rows(NULL);
CREATE VIEW @extschema@.customer_360 WITH (security_invoker = true) AS
SELECT * FROM @extschema@.customer_360_live;
CREATE VIEW @extschema@.customer_journeys WITH (security_invoker = true) AS
SELECT * FROM @extschema@.customer_journeys_live;

DO $$
DECLARE
  a pg_catalog.text;
BEGIN
  FOR a IN SELECT x.name FROM @extschema@.layer_aggregates() x WHERE x.base IS NOT NULL LOOP
    EXECUTE pg_catalog.format('CREATE TABLE @extschema@.%I AS %s WITH NO DATA', a || '_base_snapshot',
                              @extschema@.layer_base_sql(a, NULL));
    EXECUTE pg_catalog.format('SELECT pg_catalog.pg_extension_config_dump(%L, %L)', '@extschema@.' || a || '_base_snapshot', '');
  END LOOP;
  FOR a IN SELECT x.name FROM @extschema@.layer_aggregates() x LOOP
    EXECUTE pg_catalog.format('CREATE VIEW @extschema@.%I WITH (security_invoker = true) AS %s',
                              a || '_live', @extschema@.layer_aggregate_sql(a, true));
    EXECUTE pg_catalog.format('CREATE TABLE @extschema@.%I AS SELECT * FROM @extschema@.%I WITH NO DATA',
                              a || '_snapshot', a || '_live');
    EXECUTE pg_catalog.format('SELECT pg_catalog.pg_extension_config_dump(%L, %L)', '@extschema@.' || a || '_snapshot', '');
    EXECUTE pg_catalog.format('CREATE VIEW @extschema@.%I WITH (security_invoker = true) AS SELECT * FROM @extschema@.%I',
                              a, a || '_live');
  END LOOP;
END $$;

-- churn_risk: the buyers' rows of customer_360, narrow; its own snapshot
-- (about a fifth of customer_360's bytes) so that reading it in full scans
-- only what it shows.  refresh() fills it from customer_360_snapshot.
CREATE VIEW @extschema@.churn_risk_live WITH (security_invoker = true) AS
SELECT c.customer_id, c.lifecycle_stage, c.orders, c.revenue, c.last_purchase, c.days_since_purchase,
       c.frequency, c.recency, c.t, c.monetary, c.one_time_buyer,
       c.p_alive, c.churn_score, c.expected_purchases, c.expected_clv, c.churn_model
FROM @extschema@.customer_360_live c
WHERE c.orders > 0;
CREATE TABLE @extschema@.churn_risk_snapshot AS SELECT * FROM @extschema@.churn_risk_live WITH NO DATA;
ALTER TABLE @extschema@.churn_risk_snapshot ADD PRIMARY KEY (customer_id);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.churn_risk_snapshot', '');
CREATE VIEW @extschema@.churn_risk WITH (security_invoker = true) AS
SELECT * FROM @extschema@.churn_risk_live;
