-- The aggregates' state types (doc/scale-out.md, "State types").
--
-- A two-stage plan written by hand, as Citus runs one: an aggregate made of
-- the transition and combine functions alone returns the partial state (its
-- text form is what a Citus worker sends); the states of several groups,
-- read back from text, are combined and finalised by a second aggregate.
-- The answer must equal the one-stage aggregate over the same rows, for
-- every state type.  Then damaged text: 22P02 when it is not \x + hex,
-- 22P03 (with the state's own detail) when the bytes are not a valid state.
SET extra_float_digits = 0;
CREATE TABLE st_ev AS
SELECT i, i % 7 AS part, i % 11 AS cust,
       (ARRAY['ad', 'mail', 'web', 'app'])[1 + (i * 7919) % 4] AS tp,
       timestamptz '2026-01-01' + ((i * 104729) % 5000) * interval '1 hour' AS ts,
       ((i * 31) % 200)::numeric / 4 AS amount,
       CASE WHEN i % 5 = 0 THEN NULL ELSE
         (SELECT array_agg((ARRAY['a', 'b', 'c', 'd'])[1 + (i * k * 13) % 4]) FROM generate_series(1, 1 + i % 4) k)
       END AS path,
       ((i * 17) % 3)::float8 AS conv
FROM generate_series(1, 600) i;
CREATE TABLE st_cust AS
SELECT c, (c * 7) % 5 AS frequency, ((c * 7) % 5) * 3.0 + (c % 4) AS recency, 40.0 + c % 9 AS t,
       5.0 + (c * 13) % 20 AS monetary
FROM generate_series(1, 300) c;

-- two_stage(state type, transition function, combine, final, arguments, table)
CREATE FUNCTION pg_temp.two_stage(st text, sfunc text, cfunc text, ffunc text, args text, tab text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
  sig text;
BEGIN
  -- sfunc: a name, or a signature when the name is overloaded
  sig := (SELECT string_agg(format_type(t, NULL), ', ')
          FROM unnest((SELECT proargtypes[1:] FROM pg_proc
                       WHERE oid = CASE WHEN strpos(sfunc, '(') > 0 THEN sfunc::regprocedure
                                        ELSE sfunc::regproc END)) t);
  EXECUTE format('CREATE AGGREGATE pg_temp.partial_agg(%s) (SFUNC = %s, STYPE = %s, COMBINEFUNC = %s)',
                 sig, split_part(sfunc, '(', 1), st, cfunc);
  EXECUTE format('CREATE AGGREGATE pg_temp.combine_agg(%s) (SFUNC = %s, STYPE = %s, FINALFUNC = %s)',
                 st, cfunc, st, ffunc);
  EXECUTE format('SELECT pg_temp.combine_agg(s::%s)::text FROM
                    (SELECT pg_temp.partial_agg(%s)::text AS s FROM %s GROUP BY part) p', st, args, tab)
    INTO r;
  EXECUTE format('DROP AGGREGATE pg_temp.partial_agg(%s)', sig);
  EXECUTE format('DROP AGGREGATE pg_temp.combine_agg(%s)', st);
  RETURN r;
END $$;

SELECT 'journey_path' AS agg,
       pg_temp.two_stage('cxm.path_state', 'cxm.journey_path_accum(cxm.path_state,text,timestamptz)',
                         'cxm.journey_path_combine', 'cxm.journey_path_final',
                         'tp, ts', '(SELECT * FROM st_ev WHERE cust = 3) e')
       = (SELECT cxm.journey_path(tp, ts)::text FROM st_ev WHERE cust = 3) AS same
UNION ALL
SELECT 'journey_path, 5 steps',
       pg_temp.two_stage('cxm.path_state', 'cxm.journey_path_accum_n', 'cxm.journey_path_combine',
                         'cxm.journey_path_final', 'tp, ts, 5', '(SELECT * FROM st_ev WHERE cust = 3) e')
       = (SELECT cxm.journey_path(tp, ts, 5)::text FROM st_ev WHERE cust = 3)
UNION ALL
SELECT 'journey_funnel',
       pg_temp.two_stage('cxm.funnel_state', 'cxm.journey_funnel_accum(cxm.funnel_state,timestamptz,interval,boolean[])',
                         'cxm.journey_funnel_combine', 'cxm.journey_funnel_final',
                         $$ts, '30 days', ARRAY[tp = 'ad', tp = 'web', tp = 'app']$$, '(SELECT * FROM st_ev WHERE cust = 4) e')
       = (SELECT cxm.journey_funnel(ts, '30 days', ARRAY[tp = 'ad', tp = 'web', tp = 'app'])::text
          FROM st_ev WHERE cust = 4)
UNION ALL
SELECT 'rfm',
       pg_temp.two_stage('cxm.rfm_state', 'cxm.rfm_accum', 'cxm.rfm_combine', 'cxm.rfm_final',
                         $$ts, amount, '2026-08-01', '1 week'$$, '(SELECT * FROM st_ev WHERE cust = 5) e')
       = (SELECT cxm.rfm(ts, amount, '2026-08-01', '1 week')::text FROM st_ev WHERE cust = 5)
UNION ALL
SELECT 'attribution',
       pg_temp.two_stage('cxm.attribution_state', 'cxm.attribution_accum', 'cxm.attribution_combine',
                         'cxm.attribution_final', $$path, conv, 'markov'$$, 'st_ev')
       = (SELECT cxm.attribution(path, conv, 'markov')::text FROM st_ev)
UNION ALL
SELECT 'markov_conversion',
       pg_temp.two_stage('cxm.attribution_state', 'cxm.markov_conversion_accum', 'cxm.attribution_combine',
                         'cxm.markov_conversion_final', 'path, conv', 'st_ev')
       = (SELECT cxm.markov_conversion(path, conv)::text FROM st_ev)
UNION ALL
SELECT 'assoc_rules',
       pg_temp.two_stage('cxm.assoc_rules_state', 'cxm.assoc_rules_accum3', 'cxm.assoc_rules_combine',
                         'cxm.assoc_rules_final', 'path, 0.05, 0.2', 'st_ev')
       = (SELECT cxm.assoc_rules(path, 0.05, 0.2)::text FROM st_ev)
UNION ALL
SELECT 'bgnbd_fit',
       pg_temp.two_stage('cxm.fit_state', 'cxm.bgnbd_fit_accum(cxm.fit_state,float8,float8,float8,float8)',
                         'cxm.churn_fit_combine', 'cxm.bgnbd_fit_final',
                         'frequency, recency, t, 0.01', '(SELECT *, c % 3 AS part FROM st_cust) c')
       = (SELECT cxm.bgnbd_fit(frequency, recency, t, 0.01)::text FROM st_cust)
UNION ALL
SELECT 'gammagamma_fit',
       pg_temp.two_stage('cxm.fit_state', 'cxm.gg_fit_accum', 'cxm.churn_fit_combine', 'cxm.gg_fit_final',
                         'frequency, monetary', '(SELECT *, c % 3 AS part FROM st_cust) c')
       = (SELECT cxm.gammagamma_fit(frequency, monetary)::text FROM st_cust)
UNION ALL
SELECT 'layer_concentration_agg',
       pg_temp.two_stage('cxm.rank_state', 'cxm.layer_rank_add', 'cxm.layer_rank_combine', 'cxm.layer_concentration_final',
                         'v, v::float8, 1 + i % 3', '(SELECT *, CASE WHEN i % 50 = 0 THEN amount + 1e-20 ELSE amount END AS v FROM st_ev) e')
       = (SELECT cxm.layer_concentration_agg(v, v::float8, 1 + i % 3)::text
          FROM (SELECT *, CASE WHEN i % 50 = 0 THEN amount + 1e-20 ELSE amount END AS v FROM st_ev) e)
UNION ALL
SELECT 'layer_moments_agg',
       pg_temp.two_stage('cxm.rank_state', 'cxm.layer_rank_add', 'cxm.layer_rank_combine', 'cxm.layer_moments_final',
                         'v, v::float8, 1 + i % 3', '(SELECT *, CASE WHEN i % 50 = 0 THEN amount + 1e-20 ELSE amount END AS v FROM st_ev) e')
       = (SELECT cxm.layer_moments_agg(v, v::float8, 1 + i % 3)::text
          FROM (SELECT *, CASE WHEN i % 50 = 0 THEN amount + 1e-20 ELSE amount END AS v FROM st_ev) e);

-- a partial state's text is \x + its wire bytes: version 1, max_steps 0,
-- 2 steps (ts in microseconds since 2000-01-01, length, bytes)
CREATE AGGREGATE pg_temp.path_partial(text, timestamptz) (
  SFUNC = cxm.journey_path_accum, STYPE = cxm.path_state, COMBINEFUNC = cxm.journey_path_combine);
SELECT pg_temp.path_partial(tp, ts)
FROM (VALUES ('b', timestamptz '2000-01-01 00:00:01+00'), ('a', '2000-01-01+00')) v(tp, ts);
SELECT pg_temp.path_partial(tp, ts)::text::cxm.path_state::text = pg_temp.path_partial(tp, ts)::text AS round_trip
FROM (VALUES ('b', timestamptz '2000-01-01 00:00:01+00'), ('a', '2000-01-01+00')) v(tp, ts);

-- damaged text
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ' (' || d || ')';
END $$;
SELECT t, v, pg_temp.err(format('SELECT %L::cxm.%s', v, t)) AS result
FROM unnest(ARRAY['path_state', 'funnel_state', 'rfm_state', 'fit_state', 'attribution_state', 'assoc_rules_state', 'rank_state']) t,
     unnest(ARRAY['', '01', '\x0', '\xzz', '\x', '\x09']) v
ORDER BY t, v;
-- the state above in time order, plus a byte
SELECT pg_temp.err($$SELECT '\x0100000000000000020000000000000000000000016100000000000f4240000000016200'::cxm.path_state$$);

-- a state can be stored; its binary form (send) is its wire bytes
CREATE TABLE st_saved (s cxm.path_state);
INSERT INTO st_saved SELECT pg_temp.path_partial(tp, ts) FROM st_ev GROUP BY part;
SELECT count(*) AS states,
       count(*) FILTER (WHERE cxm.path_state_send(s) = decode(substr(s::text, 3), 'hex')) AS send_is_the_bytes
FROM st_saved;

-- window use: the state stays an expanded object between rows of a frame
SELECT i, w = (SELECT cxm.journey_path(e2.tp, e2.ts) FROM st_ev e2 WHERE e2.cust = 2 AND e2.i <= w.i) AS same
FROM (SELECT i, cxm.journey_path(tp, ts) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS w
      FROM st_ev WHERE cust = 2) w
WHERE i > 560 ORDER BY i;

DROP TABLE st_ev, st_cust, st_saved;
