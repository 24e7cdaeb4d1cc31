-- ---------------------------------------------------------------------------
-- Experiments: analysis against a control (doc/experiments.md, "How to read
-- and decide"): the control and the stopping-rule settings, named metrics and
-- guardrails, bandit_report with uplifts, chance to beat, expected losses,
-- sample-ratio check and decision, experiment_timeline.  New in 1.2; also
-- the 1.2 versions of bandit_create, bandit_drop and bandit_report (the
-- upgrade drops their 1.1 versions first: upgrade/1.1--1.2/15-bandit-changes.sql).
-- The storage of src/sql/bandit.sql is extended there as well.
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.bandit_metric (
  experiment       pg_catalog.text NOT NULL,
  metric           pg_catalog.text NOT NULL,
  guardrail        pg_catalog.bool NOT NULL DEFAULT false,
  higher_is_better pg_catalog.bool NOT NULL DEFAULT true,
  PRIMARY KEY (experiment, metric)
);
COMMENT ON TABLE @extschema@.bandit_metric IS
  'named metrics of the experiments besides the policy''s reward (bandit_metric, bandit_record)';
COMMENT ON COLUMN @extschema@.bandit_metric.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.bandit_metric.metric IS 'metric name';
COMMENT ON COLUMN @extschema@.bandit_metric.guardrail IS 'a variant worse than the control on this metric (95 %) is flagged and not shipped';
COMMENT ON COLUMN @extschema@.bandit_metric.higher_is_better IS 'true when a larger value is better';

CREATE TABLE @extschema@.bandit_metric_value (
  experiment pg_catalog.text NOT NULL,
  metric     pg_catalog.text NOT NULL,
  subject    pg_catalog.text NOT NULL,
  value      pg_catalog.float8 NOT NULL,
  PRIMARY KEY (experiment, metric, subject)
);
COMMENT ON TABLE @extschema@.bandit_metric_value IS
  'per-subject totals of the named metrics (bandit_record adds to them)';
COMMENT ON COLUMN @extschema@.bandit_metric_value.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.bandit_metric_value.metric IS 'metric name';
COMMENT ON COLUMN @extschema@.bandit_metric_value.subject IS 'subject (as passed to bandit_choose)';
COMMENT ON COLUMN @extschema@.bandit_metric_value.value IS 'sum of the values recorded for the subject and metric';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.bandit_metric', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bandit_metric_value', '');

-- bandit_create ---------------------------------------------------------------

CREATE FUNCTION @extschema@.bandit_create(experiment pg_catalog.text, arms pg_catalog.text[],
                                          policy pg_catalog.text DEFAULT 'thompson',
                                          params pg_catalog.jsonb DEFAULT '{}',
                                          control pg_catalog.text DEFAULT NULL,
                                          loss_threshold pg_catalog.float8 DEFAULT 0.001,
                                          min_sample pg_catalog.int8 DEFAULT 100)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n pg_catalog.int4;
  k pg_catalog.text;
  eps pg_catalog.float8;
  dup pg_catalog.text;
BEGIN
  PERFORM @extschema@.bandit_lock(experiment);
  IF arms IS NULL OR policy IS NULL OR params IS NULL THEN
    RAISE EXCEPTION 'arms, policy and params must not be NULL' USING ERRCODE = '22004';
  END IF;
  IF EXISTS (SELECT 1 FROM @extschema@.bandit_experiment x WHERE x.experiment = bandit_create.experiment) THEN
    RAISE EXCEPTION 'experiment "%" already exists', experiment USING ERRCODE = '42710';
  END IF;
  IF pg_catalog.array_ndims(arms) > 1 THEN
    RAISE EXCEPTION 'arms must be a one-dimensional array' USING ERRCODE = '22023';
  END IF;
  n := COALESCE(pg_catalog.cardinality(arms), 0);
  IF n < 2 OR n > 1000 THEN
    RAISE EXCEPTION '% arms given; an experiment needs 2 to 1000 arms', n USING ERRCODE = '22023';
  END IF;
  IF pg_catalog.array_position(arms, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'arms[%] is NULL', pg_catalog.array_position(arms, NULL) USING ERRCODE = '22023';
  END IF;
  SELECT a INTO dup FROM pg_catalog.unnest(arms) a GROUP BY a HAVING pg_catalog.count(*) > 1 ORDER BY a LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'duplicate arm name "%"', dup USING ERRCODE = '22023';
  END IF;
  IF policy NOT IN ('thompson', 'gaussian_thompson', 'ucb1', 'epsilon_greedy', 'uniform') THEN
    RAISE EXCEPTION 'unknown bandit policy "%"', policy USING ERRCODE = '22023',
      HINT = 'Policies: thompson, gaussian_thompson, ucb1, epsilon_greedy, uniform.';
  END IF;
  IF pg_catalog.jsonb_typeof(params) <> 'object' THEN
    RAISE EXCEPTION 'params must be a JSON object, not %', params USING ERRCODE = '22023';
  END IF;
  FOR k IN SELECT key FROM pg_catalog.jsonb_each(params) ORDER BY key LOOP
    IF k <> 'epsilon' OR policy <> 'epsilon_greedy' THEN
      RAISE EXCEPTION 'unknown parameter "%" for policy %', k, policy USING ERRCODE = '22023',
        HINT = 'Only epsilon_greedy takes a parameter: {"epsilon": 0.1}.';
    END IF;
  END LOOP;
  IF policy = 'epsilon_greedy' THEN
    eps := 0.1;
    IF params ? 'epsilon' THEN
      IF pg_catalog.jsonb_typeof(params -> 'epsilon') <> 'number'
         OR (params ->> 'epsilon')::pg_catalog.float8 NOT BETWEEN 0 AND 1 THEN
        RAISE EXCEPTION 'epsilon % must be a number from 0 to 1', params -> 'epsilon' USING ERRCODE = '22023';
      END IF;
      eps := (params ->> 'epsilon')::pg_catalog.float8;
    END IF;
  END IF;
  INSERT INTO @extschema@.bandit_experiment (experiment, policy, params, epsilon)
  VALUES (experiment, policy, params, eps);
  INSERT INTO @extschema@.bandit_arm (experiment, arm_no, arm)
  SELECT experiment, o::pg_catalog.int4, a FROM pg_catalog.unnest(arms) WITH ORDINALITY u(a, o);
  INSERT INTO @extschema@.bandit_counter (experiment, arm_no, shard)
  SELECT experiment, o::pg_catalog.int4, 0 FROM pg_catalog.generate_series(1, n) o;
  PERFORM @extschema@.bandit_set(experiment, control, loss_threshold, min_sample);
END $$;
COMMENT ON FUNCTION @extschema@.bandit_create(pg_catalog.text, pg_catalog.text[], pg_catalog.text, pg_catalog.jsonb,
                                              pg_catalog.text, pg_catalog.float8, pg_catalog.int8) IS
  'creates an experiment with 2..1000 arms and a policy (thompson, gaussian_thompson, ucb1, epsilon_greedy with {"epsilon": x}, uniform); control (default the first arm), loss_threshold and min_sample set the comparisons and the stopping rule';

CREATE FUNCTION @extschema@.bandit_set(experiment pg_catalog.text, control pg_catalog.text DEFAULT NULL,
                                       loss_threshold pg_catalog.float8 DEFAULT NULL,
                                       min_sample pg_catalog.int8 DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c pg_catalog.int4;
BEGIN
  PERFORM @extschema@.bandit_lock(experiment);
  PERFORM @extschema@.bandit_get(experiment);
  IF control IS NOT NULL THEN
    SELECT a.arm_no INTO c FROM @extschema@.bandit_arm a
    WHERE a.experiment = bandit_set.experiment AND a.arm = control;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'experiment "%" has no arm "%" to be the control', experiment, control
        USING ERRCODE = '22023';
    END IF;
    UPDATE @extschema@.bandit_experiment x SET control_arm_no = c WHERE x.experiment = bandit_set.experiment;
  END IF;
  IF loss_threshold IS NOT NULL THEN
    IF loss_threshold < 0 OR loss_threshold = 'Infinity' OR loss_threshold = 'NaN' THEN
      RAISE EXCEPTION 'loss_threshold % must be a finite number >= 0', loss_threshold USING ERRCODE = '22023';
    END IF;
    UPDATE @extschema@.bandit_experiment x SET loss_threshold = bandit_set.loss_threshold
    WHERE x.experiment = bandit_set.experiment;
  END IF;
  IF min_sample IS NOT NULL THEN
    IF min_sample < 0 THEN
      RAISE EXCEPTION 'min_sample % must not be negative', min_sample USING ERRCODE = '22023';
    END IF;
    UPDATE @extschema@.bandit_experiment x SET min_sample = bandit_set.min_sample
    WHERE x.experiment = bandit_set.experiment;
  END IF;
END $$;
COMMENT ON FUNCTION @extschema@.bandit_set(pg_catalog.text, pg_catalog.text, pg_catalog.float8, pg_catalog.int8) IS
  'changes the control arm, the loss threshold (fraction of the control''s mean) or the minimum sample per arm of an experiment; NULL keeps a setting';

CREATE FUNCTION @extschema@.bandit_forget_pending(experiment pg_catalog.text)
RETURNS void
AS 'MODULE_PATHNAME', 'bandit_forget_pending'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.bandit_forget_pending(pg_catalog.text) IS
  'internal: forgets the counts of the experiment that this transaction has not written yet (bandit_drop)';

CREATE FUNCTION @extschema@.bandit_drop(experiment pg_catalog.text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM @extschema@.bandit_lock(experiment);
  PERFORM @extschema@.bandit_get(experiment);
  DELETE FROM @extschema@.bandit_metric_value x WHERE x.experiment = bandit_drop.experiment;
  DELETE FROM @extschema@.bandit_metric x WHERE x.experiment = bandit_drop.experiment;
  DELETE FROM @extschema@.bandit_reassignment x WHERE x.experiment = bandit_drop.experiment;
  DELETE FROM @extschema@.bandit_assignment x WHERE x.experiment = bandit_drop.experiment;
  DELETE FROM @extschema@.bandit_counter x WHERE x.experiment = bandit_drop.experiment;
  PERFORM @extschema@.bandit_forget_pending(experiment);
  DELETE FROM @extschema@.bandit_arm x WHERE x.experiment = bandit_drop.experiment;
  DELETE FROM @extschema@.bandit_experiment x WHERE x.experiment = bandit_drop.experiment;
END $$;
COMMENT ON FUNCTION @extschema@.bandit_drop(pg_catalog.text) IS
  'removes an experiment with its arms, counters, assignments, reassignment log and metrics';

-- metrics ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.bandit_metric(experiment pg_catalog.text, metric pg_catalog.text,
                                          guardrail pg_catalog.bool DEFAULT false,
                                          higher_is_better pg_catalog.bool DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM @extschema@.bandit_lock(experiment);
  PERFORM @extschema@.bandit_get(experiment);
  IF metric IS NULL OR guardrail IS NULL OR higher_is_better IS NULL THEN
    RAISE EXCEPTION 'metric, guardrail and higher_is_better must not be NULL' USING ERRCODE = '22004';
  END IF;
  INSERT INTO @extschema@.bandit_metric AS m (experiment, metric, guardrail, higher_is_better)
  VALUES (experiment, metric, guardrail, higher_is_better)
  ON CONFLICT ON CONSTRAINT bandit_metric_pkey
  DO UPDATE SET guardrail = EXCLUDED.guardrail, higher_is_better = EXCLUDED.higher_is_better;
END $$;
COMMENT ON FUNCTION @extschema@.bandit_metric(pg_catalog.text, pg_catalog.text, pg_catalog.bool, pg_catalog.bool) IS
  'declares a metric of an experiment (or changes it): whether it is a guardrail and whether higher values are better';

CREATE FUNCTION @extschema@.bandit_record(experiment pg_catalog.text, subject pg_catalog.text,
                                          metric pg_catalog.text, value pg_catalog.float8)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF experiment IS NULL OR subject IS NULL OR metric IS NULL OR value IS NULL THEN
    RAISE EXCEPTION 'experiment, subject, metric and value must not be NULL' USING ERRCODE = '22004';
  END IF;
  -- the lock bandit_choose and bandit_convert take: no race with bandit_drop
  PERFORM pg_catalog.pg_advisory_xact_lock_shared(1668836706, pg_catalog.hashtext(experiment));
  PERFORM @extschema@.bandit_get(experiment);
  IF value IN ('Infinity', '-Infinity', 'NaN') THEN
    RAISE EXCEPTION 'value % is not a finite number', value USING ERRCODE = '22023';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM @extschema@.bandit_assignment a
                 WHERE a.experiment = bandit_record.experiment AND a.subject = bandit_record.subject) THEN
    RAISE EXCEPTION 'subject "%" was never assigned an arm in experiment "%"', subject, experiment
      USING ERRCODE = '22023', HINT = 'Call bandit_choose with the subject first.';
  END IF;
  INSERT INTO @extschema@.bandit_metric (experiment, metric) VALUES (experiment, metric)
  ON CONFLICT ON CONSTRAINT bandit_metric_pkey DO NOTHING;
  INSERT INTO @extschema@.bandit_metric_value AS v (experiment, metric, subject, value)
  VALUES (experiment, metric, subject, value)
  ON CONFLICT ON CONSTRAINT bandit_metric_value_pkey DO UPDATE SET value = v.value + EXCLUDED.value;
END $$;
COMMENT ON FUNCTION @extschema@.bandit_record(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.float8) IS
  'adds a value of a named metric for an assigned subject (records of a subject add up; subjects without one count 0); an undeclared metric is declared with the defaults';

CREATE FUNCTION @extschema@.bandit_report(experiment pg_catalog.text, metric pg_catalog.text DEFAULT NULL)
RETURNS TABLE (arm pg_catalog.text, trials pg_catalog.float8, reward_sum pg_catalog.float8,
               mean pg_catalog.float8, ci_low pg_catalog.float8, ci_high pg_catalog.float8,
               p_best pg_catalog.float8, active pg_catalog.bool,
               is_control pg_catalog.bool,
               abs_uplift pg_catalog.float8, abs_ci_low pg_catalog.float8, abs_ci_high pg_catalog.float8,
               rel_uplift pg_catalog.float8, rel_ci_low pg_catalog.float8, rel_ci_high pg_catalog.float8,
               p_value pg_catalog.float8, chance_to_beat pg_catalog.float8,
               expected_loss pg_catalog.float8, control_loss pg_catalog.float8, loss_vs_best pg_catalog.float8,
               naive_rel_uplift pg_catalog.float8, srm_p_value pg_catalog.float8, srm_flag pg_catalog.bool,
               guardrail_failed pg_catalog.bool, decision pg_catalog.text)
AS 'MODULE_PATHNAME', 'bandit_report'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bandit_report(pg_catalog.text, pg_catalog.text) IS
  'per-arm results for the policy''s reward (metric NULL) or a named metric: trials, sum, mean with its 95 % interval, P(best); against the control: uplifts with 95 % intervals and p-value (corrected for adaptive allocation), chance to beat, expected losses, naive uplift; sample-ratio check, guardrails and the stopping decision';

-- experiment_timeline -----------------------------------------------------------------

-- a composite row type: the output column "bucket" has the name of the
-- input parameter, which RETURNS TABLE does not allow
CREATE TYPE @extschema@.experiment_timeline_row AS (
  bucket  pg_catalog.timestamptz,
  arm     pg_catalog.text,
  trials  pg_catalog.int8,
  rewards pg_catalog.float8,
  share   pg_catalog.float8
);
COMMENT ON TYPE @extschema@.experiment_timeline_row IS 'a row of experiment_timeline';
COMMENT ON COLUMN @extschema@.experiment_timeline_row.bucket IS 'start of the time bucket';
COMMENT ON COLUMN @extschema@.experiment_timeline_row.arm IS 'arm name';
COMMENT ON COLUMN @extschema@.experiment_timeline_row.trials IS 'subjects assigned to the arm in the bucket';
COMMENT ON COLUMN @extschema@.experiment_timeline_row.rewards IS 'rewards recorded by bandit_convert for those subjects';
COMMENT ON COLUMN @extschema@.experiment_timeline_row.share IS 'the arm''s share of the bucket''s trials';

CREATE FUNCTION @extschema@.experiment_timeline(experiment pg_catalog.text,
                                                bucket pg_catalog.interval DEFAULT '1 day')
RETURNS SETOF @extschema@.experiment_timeline_row
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  width pg_catalog.interval := experiment_timeline.bucket;
BEGIN
  PERFORM @extschema@.bandit_get(experiment);
  IF width IS NULL OR width <= '0'::pg_catalog.interval
     OR pg_catalog.date_part('month', width) <> 0 OR pg_catalog.date_part('year', width) <> 0 THEN
    RAISE EXCEPTION 'bucket % must be a positive interval without months or years', width
      USING ERRCODE = '22023', HINT = 'Use days, hours or minutes, e.g. ''7 days''.';
  END IF;
  RETURN QUERY
  WITH t AS (
    -- every assignment counts a trial at its time: current ones with the
    -- subject's rewards, and the ones a subject left when its arm was paused
    SELECT s.arm_no, s.assigned_at AS at, s.reward
    FROM @extschema@.bandit_assignment s WHERE s.experiment = experiment_timeline.experiment
    UNION ALL
    SELECT r.old_arm_no, r.old_assigned_at, 0
    FROM @extschema@.bandit_reassignment r WHERE r.experiment = experiment_timeline.experiment
  ), b AS (
    SELECT pg_catalog.date_bin(width, t.at, '2000-01-01 00:00:00+00'::pg_catalog.timestamptz) AS bk,
           t.arm_no, pg_catalog.count(*) AS n, pg_catalog.sum(t.reward) AS r
    FROM t GROUP BY 1, 2
  )
  SELECT k.bk, a.arm, COALESCE(b.n, 0)::pg_catalog.int8, COALESCE(b.r, 0)::pg_catalog.float8,
         COALESCE(b.n, 0)::pg_catalog.float8 / pg_catalog.sum(COALESCE(b.n, 0)) OVER (PARTITION BY k.bk)
  FROM (SELECT DISTINCT b.bk FROM b) k
  CROSS JOIN @extschema@.bandit_arm a
  LEFT JOIN b ON b.bk = k.bk AND b.arm_no = a.arm_no
  WHERE a.experiment = experiment_timeline.experiment
  ORDER BY k.bk, a.arm_no;
END $$;
COMMENT ON FUNCTION @extschema@.experiment_timeline(pg_catalog.text, pg_catalog.interval) IS
  'assignments of subjects per time bucket and arm: trials, rewards recorded by bandit_convert, and the arm''s share of the bucket''s trials (how the traffic moved)';

