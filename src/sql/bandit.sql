
-- ---------------------------------------------------------------------------
-- Experiments: A/B/N tests and bandits (doc/experiments.md)
-- ---------------------------------------------------------------------------
-- Storage: plain tables in the extension's schema, registered with
-- pg_extension_config_dump so pg_dump keeps their rows.  No foreign keys:
-- a key-share lock on the experiment row from every assignment would make
-- that row the bottleneck; bandit_drop deletes everything explicitly.

CREATE TABLE @extschema@.bandit_experiment (
  experiment pg_catalog.text PRIMARY KEY,
  policy     pg_catalog.text NOT NULL
             CHECK (policy IN ('thompson', 'gaussian_thompson', 'ucb1', 'epsilon_greedy', 'uniform')),
  params     pg_catalog.jsonb NOT NULL DEFAULT '{}',
  epsilon    pg_catalog.float8,
  created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  control_arm_no pg_catalog.int4 NOT NULL DEFAULT 1,
  loss_threshold pg_catalog.float8 NOT NULL DEFAULT 0.001,
  min_sample     pg_catalog.int8 NOT NULL DEFAULT 100
);
COMMENT ON TABLE @extschema@.bandit_experiment IS
  'bandit experiments (one row per bandit_create); managed by the bandit_* functions';
COMMENT ON COLUMN @extschema@.bandit_experiment.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.bandit_experiment.policy IS
  'thompson, gaussian_thompson, ucb1, epsilon_greedy or uniform';
COMMENT ON COLUMN @extschema@.bandit_experiment.params IS 'policy parameters as given to bandit_create';
COMMENT ON COLUMN @extschema@.bandit_experiment.epsilon IS 'exploration share of epsilon_greedy (NULL for other policies)';
COMMENT ON COLUMN @extschema@.bandit_experiment.created_at IS 'creation time';
COMMENT ON COLUMN @extschema@.bandit_experiment.control_arm_no IS 'the control arm every other arm is compared with (bandit_arm.arm_no)';
COMMENT ON COLUMN @extschema@.bandit_experiment.loss_threshold IS
  'stopping rule: an expected loss below this fraction of the control''s mean counts as negligible';
COMMENT ON COLUMN @extschema@.bandit_experiment.min_sample IS 'stopping rule: trials every active arm needs before a decision';

CREATE TABLE @extschema@.bandit_arm (
  experiment pg_catalog.text NOT NULL,
  arm_no     pg_catalog.int4 NOT NULL,
  arm        pg_catalog.text NOT NULL,
  active     pg_catalog.bool NOT NULL DEFAULT true,
  added_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (experiment, arm_no),
  UNIQUE (experiment, arm)
);
COMMENT ON TABLE @extschema@.bandit_arm IS 'arms of the bandit experiments, numbered in creation order';
COMMENT ON COLUMN @extschema@.bandit_arm.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.bandit_arm.arm_no IS 'arm number within the experiment (1, 2, ... in creation order)';
COMMENT ON COLUMN @extschema@.bandit_arm.arm IS 'arm name';
COMMENT ON COLUMN @extschema@.bandit_arm.active IS 'false while paused: never chosen';
COMMENT ON COLUMN @extschema@.bandit_arm.added_at IS 'when the arm was created or added';

CREATE TABLE @extschema@.bandit_counter (
  experiment pg_catalog.text NOT NULL,
  arm_no     pg_catalog.int4 NOT NULL,
  shard      pg_catalog.int4 NOT NULL,
  trials     pg_catalog.int8 NOT NULL DEFAULT 0,
  reward_sum pg_catalog.float8 NOT NULL DEFAULT 0,
  reward_sq  pg_catalog.float8 NOT NULL DEFAULT 0,
  PRIMARY KEY (experiment, arm_no, shard)
);
COMMENT ON TABLE @extschema@.bandit_counter IS
  'sharded per-arm counters: each session adds to its own shard row; an arm''s totals are the sums over its shards';
COMMENT ON COLUMN @extschema@.bandit_counter.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.bandit_counter.arm_no IS 'arm number (bandit_arm.arm_no)';
COMMENT ON COLUMN @extschema@.bandit_counter.shard IS 'shard number claimed by the writing session';
COMMENT ON COLUMN @extschema@.bandit_counter.trials IS 'assignments counted in this shard';
COMMENT ON COLUMN @extschema@.bandit_counter.reward_sum IS 'sum of rewards in this shard';
COMMENT ON COLUMN @extschema@.bandit_counter.reward_sq IS 'sum of squared rewards in this shard';

CREATE TABLE @extschema@.bandit_assignment (
  experiment  pg_catalog.text NOT NULL,
  subject     pg_catalog.text NOT NULL,
  arm_no      pg_catalog.int4 NOT NULL,
  propensity  pg_catalog.float8 NOT NULL,
  assigned_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  reward      pg_catalog.float8 NOT NULL DEFAULT 0,
  PRIMARY KEY (experiment, subject)
);
COMMENT ON TABLE @extschema@.bandit_assignment IS
  'sticky assignments: the arm each subject was given, with the probability of that choice (for off-policy evaluation)';
COMMENT ON COLUMN @extschema@.bandit_assignment.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.bandit_assignment.subject IS 'subject (visitor, customer, session) as passed to bandit_choose';
COMMENT ON COLUMN @extschema@.bandit_assignment.arm_no IS 'assigned arm (bandit_arm.arm_no)';
COMMENT ON COLUMN @extschema@.bandit_assignment.propensity IS 'probability with which the policy chose this arm at assignment time';
COMMENT ON COLUMN @extschema@.bandit_assignment.assigned_at IS 'time of the (latest) assignment';
COMMENT ON COLUMN @extschema@.bandit_assignment.reward IS 'sum of the rewards recorded for the subject by bandit_convert';

CREATE TABLE @extschema@.bandit_reassignment (
  experiment      pg_catalog.text NOT NULL,
  subject         pg_catalog.text NOT NULL,
  old_arm_no      pg_catalog.int4 NOT NULL,
  old_propensity  pg_catalog.float8 NOT NULL,
  old_assigned_at pg_catalog.timestamptz NOT NULL,
  new_arm_no      pg_catalog.int4 NOT NULL,
  new_propensity  pg_catalog.float8 NOT NULL,
  reassigned_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX ON @extschema@.bandit_reassignment (experiment, subject);
COMMENT ON TABLE @extschema@.bandit_reassignment IS
  'log of sticky subjects moved to a new arm because their arm was paused';
COMMENT ON COLUMN @extschema@.bandit_reassignment.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.bandit_reassignment.subject IS 'the subject that moved';
COMMENT ON COLUMN @extschema@.bandit_reassignment.old_arm_no IS 'the paused arm it had';
COMMENT ON COLUMN @extschema@.bandit_reassignment.old_propensity IS 'propensity of the old assignment';
COMMENT ON COLUMN @extschema@.bandit_reassignment.old_assigned_at IS 'time of the old assignment';
COMMENT ON COLUMN @extschema@.bandit_reassignment.new_arm_no IS 'the arm it got instead';
COMMENT ON COLUMN @extschema@.bandit_reassignment.new_propensity IS 'propensity of the new assignment';
COMMENT ON COLUMN @extschema@.bandit_reassignment.reassigned_at IS 'time of the move';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.bandit_experiment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bandit_arm', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bandit_counter', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bandit_assignment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bandit_reassignment', '');

-- Shared checks of the PL/pgSQL management functions --------------------------

-- exclusive lock of one experiment name (choose/reward/convert take it shared
-- from C with the same keys: 1668836706 = CXM_LOCK_BANDIT of src/cxm_locks.h,
-- hashtext(name); test/check_lock_keys.sh checks the number)
CREATE FUNCTION @extschema@.bandit_lock(experiment pg_catalog.text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF experiment IS NULL THEN
    RAISE EXCEPTION 'experiment must not be NULL' USING ERRCODE = '22004';
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(1668836706, pg_catalog.hashtext(experiment));
END $$;
COMMENT ON FUNCTION @extschema@.bandit_lock(pg_catalog.text) IS
  'internal: takes the transaction-level lock that serializes changes of one experiment';

-- the experiment's row, 42704 when missing
CREATE FUNCTION @extschema@.bandit_get(experiment pg_catalog.text)
RETURNS @extschema@.bandit_experiment
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  e @extschema@.bandit_experiment;
BEGIN
  SELECT * INTO e FROM @extschema@.bandit_experiment x WHERE x.experiment = bandit_get.experiment;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'experiment "%" does not exist', experiment USING ERRCODE = '42704';
  END IF;
  RETURN e;
END $$;
COMMENT ON FUNCTION @extschema@.bandit_get(pg_catalog.text) IS
  'internal: the experiment''s row; ERROR 42704 when it does not exist';

-- arm changes -------------------------------------------------------------------

CREATE FUNCTION @extschema@.bandit_arm_add(experiment pg_catalog.text, arm pg_catalog.text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n pg_catalog.int4;
BEGIN
  PERFORM @extschema@.bandit_lock(experiment);
  PERFORM @extschema@.bandit_get(experiment);
  IF arm IS NULL THEN
    RAISE EXCEPTION 'arm must not be NULL' USING ERRCODE = '22004';
  END IF;
  IF EXISTS (SELECT 1 FROM @extschema@.bandit_arm a
             WHERE a.experiment = bandit_arm_add.experiment AND a.arm = bandit_arm_add.arm) THEN
    RAISE EXCEPTION 'experiment "%" already has an arm "%"', experiment, arm USING ERRCODE = '22023';
  END IF;
  SELECT pg_catalog.max(a.arm_no) INTO n
  FROM @extschema@.bandit_arm a WHERE a.experiment = bandit_arm_add.experiment;
  IF (SELECT pg_catalog.count(*) FROM @extschema@.bandit_arm a WHERE a.experiment = bandit_arm_add.experiment) >= 1000 THEN
    RAISE EXCEPTION 'experiment "%" already has 1000 arms', experiment USING ERRCODE = '22023';
  END IF;
  INSERT INTO @extschema@.bandit_arm (experiment, arm_no, arm) VALUES (experiment, n + 1, arm);
  INSERT INTO @extschema@.bandit_counter (experiment, arm_no, shard) VALUES (experiment, n + 1, 0);
END $$;
COMMENT ON FUNCTION @extschema@.bandit_arm_add(pg_catalog.text, pg_catalog.text) IS
  'adds an active arm (no trials yet) to a running experiment';

CREATE FUNCTION @extschema@.bandit_arm_set(experiment pg_catalog.text, arm pg_catalog.text, make_active pg_catalog.bool)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  was pg_catalog.bool;
BEGIN
  PERFORM @extschema@.bandit_lock(experiment);
  PERFORM @extschema@.bandit_get(experiment);
  IF arm IS NULL THEN
    RAISE EXCEPTION 'arm must not be NULL' USING ERRCODE = '22004';
  END IF;
  SELECT a.active INTO was FROM @extschema@.bandit_arm a
  WHERE a.experiment = bandit_arm_set.experiment AND a.arm = bandit_arm_set.arm;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'experiment "%" has no arm "%"', experiment, arm USING ERRCODE = '22023';
  END IF;
  IF was = make_active THEN
    RETURN;
  END IF;
  IF NOT make_active AND (SELECT pg_catalog.count(*) FROM @extschema@.bandit_arm a
                          WHERE a.experiment = bandit_arm_set.experiment AND a.active) <= 1 THEN
    RAISE EXCEPTION 'cannot pause arm "%": it is the last active arm of experiment "%"', arm, experiment
      USING ERRCODE = '22023';
  END IF;
  UPDATE @extschema@.bandit_arm a SET active = make_active
  WHERE a.experiment = bandit_arm_set.experiment AND a.arm = bandit_arm_set.arm;
END $$;
COMMENT ON FUNCTION @extschema@.bandit_arm_set(pg_catalog.text, pg_catalog.text, pg_catalog.bool) IS
  'internal: pauses or resumes an arm (use bandit_arm_pause / bandit_arm_resume)';

CREATE FUNCTION @extschema@.bandit_arm_pause(experiment pg_catalog.text, arm pg_catalog.text)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT @extschema@.bandit_arm_set($1, $2, false) $$;
COMMENT ON FUNCTION @extschema@.bandit_arm_pause(pg_catalog.text, pg_catalog.text) IS
  'pauses an arm: it is never chosen, keeps its counts, and its sticky subjects get a new arm on their next bandit_choose';

CREATE FUNCTION @extschema@.bandit_arm_resume(experiment pg_catalog.text, arm pg_catalog.text)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT @extschema@.bandit_arm_set($1, $2, true) $$;
COMMENT ON FUNCTION @extschema@.bandit_arm_resume(pg_catalog.text, pg_catalog.text) IS
  'resumes a paused arm with the counts it had';

-- C functions ---------------------------------------------------------------------

CREATE FUNCTION @extschema@.bandit_choose(experiment pg_catalog.text, subject pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'bandit_choose'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.bandit_choose(pg_catalog.text, pg_catalog.text) IS
  'picks an active arm by the experiment''s policy and counts one trial; a subject keeps its arm (sticky, no new trial) and the choice is stored with its probability';

CREATE FUNCTION @extschema@.bandit_reward(experiment pg_catalog.text, arm pg_catalog.text,
                                          reward pg_catalog.float8 DEFAULT 1)
RETURNS void
AS 'MODULE_PATHNAME', 'bandit_reward'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.bandit_reward(pg_catalog.text, pg_catalog.text, pg_catalog.float8) IS
  'records an outcome for an arm (0..1 under the Bernoulli policies, any real number under gaussian_thompson)';

CREATE FUNCTION @extschema@.bandit_convert(experiment pg_catalog.text, subject pg_catalog.text,
                                           reward pg_catalog.float8 DEFAULT 1)
RETURNS void
AS 'MODULE_PATHNAME', 'bandit_convert'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.bandit_convert(pg_catalog.text, pg_catalog.text, pg_catalog.float8) IS
  'records an outcome for the arm the subject was given by bandit_choose';

CREATE FUNCTION @extschema@.bandit_choose(arms pg_catalog.text[], successes pg_catalog.float8[],
                                          trials pg_catalog.float8[], policy pg_catalog.text DEFAULT 'thompson')
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'bandit_choose_stateless'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.bandit_choose(pg_catalog.text[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.text) IS
  'stateless form: picks one of the arms from counts kept by the caller (successes = reward sums); nothing is stored';

CREATE FUNCTION @extschema@.bandit_seed(seed pg_catalog.int8)
RETURNS void
AS 'MODULE_PATHNAME', 'bandit_seed'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.bandit_seed(pg_catalog.int8) IS
  'seeds this session''s bandit generator: the same calls after the same seed give the same choices';
