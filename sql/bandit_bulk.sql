-- Experiments: many counted calls in one statement or transaction.  The
-- counts of a transaction stay in backend memory until commit
-- (doc/experiments.md, "Concurrency design"): the policy still sees every
-- earlier trial and reward, a rollback (of the transaction, a savepoint or
-- an exception block) leaves no counts, and the counter table is written once
-- per arm at commit.
SET extra_float_digits = 0;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the stored counters of an experiment against a recount of its stored
-- assignments and subject rewards: one row per arm, true when they agree
CREATE FUNCTION pg_temp.recount(e text)
RETURNS TABLE (arm_no int, trials bigint, rewards float8, agrees bool) LANGUAGE sql AS $$
  SELECT m.arm_no, c.t, c.r, c.t = count(s.subject) AND c.r = coalesce(sum(s.reward), 0)
  FROM cxm.bandit_arm m
  JOIN (SELECT arm_no, sum(trials)::bigint AS t, sum(reward_sum) AS r FROM cxm.bandit_counter
        WHERE experiment = e GROUP BY arm_no) c USING (arm_no)
  LEFT JOIN cxm.bandit_assignment s ON s.experiment = e AND s.arm_no = m.arm_no
  WHERE m.experiment = e
  GROUP BY m.arm_no, c.t, c.r ORDER BY m.arm_no
$$;

-- ------------------------------------------------ same seed, same choices
-- One step: choose an arm for subject g, then convert when g mod 10 is below
-- the arm's letter position (a: 1 in 10 ... d: 4 in 10), so that Thompson
-- sampling's choices depend on the counts it sees.
CREATE FUNCTION pg_temp.step(e text, g int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  arm text := cxm.bandit_choose(e, 's' || g);
BEGIN
  IF g % 10 < ascii(arm) - 96 THEN
    PERFORM cxm.bandit_convert(e, 's' || g, 1);
  END IF;
  RETURN arm;
END $$;
SELECT cxm.bandit_create('bulk_' || v, ARRAY['a', 'b', 'c', 'd'], 'thompson')
FROM unnest(ARRAY['stmt', 'tx', 'each']) v;

-- 400 steps in one statement (one transaction) ...
SELECT cxm.bandit_seed(2027);
SELECT count(pg_temp.step('bulk_stmt', g)) FROM generate_series(1, 400) g;
-- ... each step its own transaction ...
SELECT cxm.bandit_seed(2027);
DO $$
BEGIN
  FOR g IN 1..400 LOOP
    PERFORM pg_temp.step('bulk_tx', g);
    COMMIT;
  END LOOP;
END $$;
-- ... and each step its own statement within one transaction
SELECT cxm.bandit_seed(2027);
BEGIN;
\o /dev/null
\set ECHO none
SELECT format('SELECT pg_temp.step(%L, %s)', 'bulk_each', g) FROM generate_series(1, 400) g \gexec
\set ECHO all
\o
COMMIT;

-- every subject got the same arm in the three runs
SELECT count(*) AS subjects,
       count(*) FILTER (WHERE s.arm_no = t.arm_no AND s.arm_no = e.arm_no) AS same_arm,
       count(DISTINCT s.arm_no) AS arms_used
FROM cxm.bandit_assignment s
JOIN cxm.bandit_assignment t ON t.experiment = 'bulk_tx' AND t.subject = s.subject
JOIN cxm.bandit_assignment e ON e.experiment = 'bulk_each' AND e.subject = s.subject
WHERE s.experiment = 'bulk_stmt';
-- the same counts, and each run's counters agree with its assignments
SELECT v, r.arm_no, r.trials, r.rewards, r.agrees
FROM unnest(ARRAY['stmt', 'tx', 'each']) v, pg_temp.recount('bulk_' || v) r
ORDER BY r.arm_no, v;
SELECT count(DISTINCT (r.trials, r.rewards)) = 4 AS same_counts
FROM unnest(ARRAY['stmt', 'tx', 'each']) v, pg_temp.recount('bulk_' || v) r;

-- --------------------------------------- savepoints inside a bulk assignment
SELECT cxm.bandit_create('bulk_sp', ARRAY['a', 'b', 'c'], 'uniform');
BEGIN;
SELECT n_tup_upd + n_tup_ins AS writes_before FROM pg_stat_xact_user_tables
WHERE relid = 'cxm.bandit_counter'::regclass \gset
SELECT count(cxm.bandit_choose('bulk_sp', 'k' || g)) FROM generate_series(1, 1000) g;
-- the counter table is not written before commit (no row versions pile up)
SELECT n_tup_upd + n_tup_ins - :writes_before AS counter_writes FROM pg_stat_xact_user_tables
WHERE relid = 'cxm.bandit_counter'::regclass;
SAVEPOINT s1;
SELECT count(cxm.bandit_choose('bulk_sp', 'r' || g)) FROM generate_series(1, 500) g;
SELECT count(cxm.bandit_reward('bulk_sp', 'a', 1)) FROM generate_series(1, 50);
-- the transaction's own counts are seen by the report (and by the policy)
SELECT sum(trials) AS trials, sum(reward_sum) AS rewards FROM cxm.bandit_report('bulk_sp');
ROLLBACK TO s1;
SELECT sum(trials) AS trials, sum(reward_sum) AS rewards FROM cxm.bandit_report('bulk_sp');
-- nested: a released savepoint keeps its counts, a rolled back one drops them
SAVEPOINT s2;
SELECT count(cxm.bandit_choose('bulk_sp', 'm' || g)) FROM generate_series(1, 200) g;
SAVEPOINT s3;
SELECT count(cxm.bandit_convert('bulk_sp', 'm' || g, 0.5)) FROM generate_series(1, 20) g;
RELEASE s3;
SAVEPOINT s4;
SELECT count(cxm.bandit_choose('bulk_sp', 'n' || g)) FROM generate_series(1, 300) g;
SELECT count(cxm.bandit_convert('bulk_sp', 'k' || g, 1)) FROM generate_series(1, 30) g;
ROLLBACK TO s4;
RELEASE s2;
-- an exception block per call: every fourth one fails and takes its trial along
DO $$
BEGIN
  FOR i IN 1..100 LOOP
    BEGIN
      PERFORM cxm.bandit_choose('bulk_sp', 'x' || i);
      IF i % 4 = 0 THEN
        RAISE EXCEPTION 'undo';
      END IF;
    EXCEPTION WHEN raise_exception THEN
      NULL;
    END;
  END LOOP;
END $$;
SELECT sum(trials) AS trials, sum(reward_sum) AS rewards FROM cxm.bandit_report('bulk_sp');
COMMIT;
-- exactly the committed calls: 1000 + 200 + 75 trials, 20 rewards of 0.5
SELECT sum(trials) AS trials, sum(rewards) AS rewards, bool_and(agrees) AS agrees
FROM pg_temp.recount('bulk_sp');
SELECT count(*) AS assignments FROM cxm.bandit_assignment WHERE experiment = 'bulk_sp';

-- a rolled back transaction leaves no counts
BEGIN;
SELECT count(cxm.bandit_choose('bulk_sp')) FROM generate_series(1, 300);
SELECT count(cxm.bandit_reward('bulk_sp', 'c', 1)) FROM generate_series(1, 30);
ROLLBACK;
SELECT sum(trials) AS trials, sum(reward_sum) AS rewards FROM cxm.bandit_report('bulk_sp');

-- a procedure's COMMIT writes the counts so far, its ROLLBACK drops the rest
CREATE PROCEDURE pg_temp.commit_some() LANGUAGE plpgsql AS $$
BEGIN
  PERFORM cxm.bandit_choose('bulk_sp') FROM generate_series(1, 40);
  COMMIT;
  PERFORM cxm.bandit_choose('bulk_sp') FROM generate_series(1, 60);
  ROLLBACK;
  PERFORM cxm.bandit_reward('bulk_sp', 'b', 1);
END $$;
CALL pg_temp.commit_some();
SELECT sum(trials) AS trials, sum(reward_sum) AS rewards FROM cxm.bandit_report('bulk_sp');

-- ---------------------------------------------------- drop in the transaction
-- counted, dropped and created again: the new experiment starts from zero
BEGIN;
SELECT count(cxm.bandit_choose('bulk_sp')) FROM generate_series(1, 30);
SELECT cxm.bandit_drop('bulk_sp');
SELECT cxm.bandit_create('bulk_sp', ARRAY['a', 'b'], 'uniform');
SELECT count(cxm.bandit_choose('bulk_sp')) FROM generate_series(1, 3);
COMMIT;
SELECT sum(trials) AS trials FROM cxm.bandit_report('bulk_sp');
-- a drop rolled back to a savepoint keeps the counts made before it
BEGIN;
SELECT count(cxm.bandit_choose('bulk_sp')) FROM generate_series(1, 30);
SAVEPOINT d;
SELECT cxm.bandit_drop('bulk_sp');
ROLLBACK TO d;
SELECT count(cxm.bandit_choose('bulk_sp')) FROM generate_series(1, 7);
COMMIT;
SELECT sum(trials) AS trials FROM cxm.bandit_report('bulk_sp');
BEGIN;
SELECT cxm.bandit_create('gone', ARRAY['a', 'b'], 'uniform');
SELECT count(cxm.bandit_choose('gone')) FROM generate_series(1, 5);
SELECT cxm.bandit_drop('gone');
COMMIT;
SELECT count(*) AS counter_rows_left FROM cxm.bandit_counter WHERE experiment = 'gone';

-- a read-only transaction refuses to count, as the UPDATE would
BEGIN READ ONLY;
SELECT pg_temp.err($$SELECT cxm.bandit_choose('bulk_sp')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_reward('bulk_sp', 'a', 1)$$);
ROLLBACK;

SELECT cxm.bandit_drop(e) FROM unnest(ARRAY['bulk_stmt', 'bulk_tx', 'bulk_each', 'bulk_sp']) e;
