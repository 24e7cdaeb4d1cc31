-- Experiment analysis: control, uplifts with intervals, chance to beat, expected
-- losses, metrics and guardrails, SRM, timeline, stopping rule (doc/experiments.md)
SET extra_float_digits = 0;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- set an arm's counts: choose it n times (the others paused), then s rewards of 1
CREATE FUNCTION pg_temp.counts(e text, a text, n int, s int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  o text;
BEGIN
  FOR o IN SELECT arm FROM cxm.bandit_arm WHERE experiment = e AND arm <> a LOOP
    PERFORM cxm.bandit_arm_pause(e, o);
  END LOOP;
  PERFORM count(cxm.bandit_choose(e)) FROM generate_series(1, n);
  PERFORM count(cxm.bandit_reward(e, a)) FROM generate_series(1, s);
  FOR o IN SELECT arm FROM cxm.bandit_arm WHERE experiment = e AND arm <> a LOOP
    PERFORM cxm.bandit_arm_resume(e, o);
  END LOOP;
END $$;

-- ---------------------------------------------------------------- a fixed A/B/C split
-- A (control) 50/1000, B 75/1000, C 40/800
SELECT cxm.bandit_create('abc', ARRAY['A', 'B', 'C'], 'uniform');
SELECT pg_temp.counts('abc', 'A', 1000, 50), pg_temp.counts('abc', 'B', 1000, 75),
       pg_temp.counts('abc', 'C', 800, 40);
SELECT arm, trials, reward_sum, is_control, abs_uplift IS NULL AS no_uplift, chance_to_beat IS NULL AS no_chance,
       srm_p_value IS NOT NULL AS srm_known, decision
FROM cxm.bandit_report('abc');

-- frequentist figures against the textbook formulas (z = 1.959964):
-- Wald interval of pt - pc, pooled z-test, delta-method interval of pt / pc - 1
WITH r AS (SELECT * FROM cxm.bandit_report('abc')),
c AS (SELECT reward_sum / trials AS pc, trials AS nc, reward_sum AS sc FROM r WHERE is_control),
f AS (
  SELECT r.*, r.reward_sum / r.trials AS pt, r.trials AS nt, c.*,
         (r.reward_sum + c.sc) / (r.trials + c.nc) AS pool
  FROM r, c WHERE NOT r.is_control)
SELECT arm,
       abs(abs_uplift - (pt - pc)) < 1e-15 AS abs_ok,
       abs(abs_ci_low - (pt - pc - 1.959964 * sqrt(pt*(1-pt)/nt + pc*(1-pc)/nc))) < 1e-8 AS lo_ok,
       abs(abs_ci_high - (pt - pc + 1.959964 * sqrt(pt*(1-pt)/nt + pc*(1-pc)/nc))) < 1e-8 AS hi_ok,
       abs(rel_uplift - (pt / pc - 1)) < 1e-14 AS rel_ok,
       abs(rel_ci_low - (pt/pc - 1 - 1.959964 * sqrt(pt*(1-pt)/nt/pc^2 + pt^2*pc*(1-pc)/nc/pc^4))) < 1e-7 AS rel_lo_ok,
       abs(rel_ci_high - (pt/pc - 1 + 1.959964 * sqrt(pt*(1-pt)/nt/pc^2 + pt^2*pc*(1-pc)/nc/pc^4))) < 1e-7 AS rel_hi_ok,
       abs(p_value - erfc_p) < 1e-9 AS p_ok,
       abs(naive_rel_uplift - rel_uplift) < 1e-15 AS uniform_naive_is_corrected
FROM f, LATERAL (
  -- two-sided normal tail by numerical integration of the density (Simpson, 20000 steps to 12)
  SELECT 2 * (SELECT sum(CASE WHEN k IN (0, 20000) THEN 1 WHEN k % 2 = 1 THEN 4 ELSE 2 END
                         * exp(-0.5 * (z0 + k * h)^2)) * h / 3 / sqrt(2 * pi())
              FROM generate_series(0, 20000) k) AS erfc_p
  FROM (SELECT abs(pt - pc) / sqrt(pool * (1 - pool) * (1/nt + 1/nc)) AS z0) z,
       LATERAL (SELECT (12 - z.z0) / 20000 AS h) hh
) t
ORDER BY arm;

-- Bayesian figures against scipy 1.10 (computed offline: quad of f_t(y) F_c(y), and of
-- f_t(y) E[(theta_c - y)+] with E[(X - y)+] = mu (1 - I_y(a+1, b)) - y (1 - I_y(a, b));
-- loss_vs_best = quad(1 - prod F_j) over [0, 0.3] minus the posterior mean)
SELECT arm,
       abs(chance_to_beat - CASE arm WHEN 'B' THEN 0.9894604774 ELSE 0.5057533617 END) < 1e-4 AS chance_ok,
       abs(expected_loss - CASE arm WHEN 'B' THEN 0.0000392043 ELSE 0.0040360929 END) < 1e-6 AS loss_ok,
       abs(control_loss - CASE arm WHEN 'B' THEN 0.0249893041 ELSE 0.0042600838 END) < 1e-6 AS control_loss_ok
FROM cxm.bandit_report('abc') WHERE NOT is_control ORDER BY arm;
SELECT arm, abs(loss_vs_best - CASE arm WHEN 'A' THEN 0.0250513506 WHEN 'B' THEN 0.0001012508
                                        ELSE 0.0248273597 END) < 1e-6 AS loss_vs_best_ok
FROM cxm.bandit_report('abc') ORDER BY arm;
-- SRM: scipy.stats.chisquare([1000, 1000, 800]) p = 6.248750e-07 -> flagged
SELECT DISTINCT abs(srm_p_value / 6.248750e-07 - 1) < 1e-5 AS srm_ok, srm_flag FROM cxm.bandit_report('abc');

-- the stopping rule: B has the smallest loss_vs_best, 0.000101, above the threshold
-- 0.1 % of the control's mean = 0.00005: keep running; with 20 % (0.01) B is shipped; with min_sample 1001 nothing is decided
SELECT DISTINCT decision FROM cxm.bandit_report('abc');
SELECT cxm.bandit_set('abc', loss_threshold => 0.2);
SELECT DISTINCT decision FROM cxm.bandit_report('abc');
SELECT cxm.bandit_set('abc', min_sample => 1001);
SELECT DISTINCT decision FROM cxm.bandit_report('abc');
SELECT cxm.bandit_set('abc', min_sample => 100);
-- B as the control: the others are compared with B; keeping B costs little
SELECT cxm.bandit_set('abc', control => 'B');
SELECT arm, is_control, round(rel_uplift::numeric, 4) AS rel_uplift, round(chance_to_beat::numeric, 4) AS chance
FROM cxm.bandit_report('abc') ORDER BY arm;
SELECT DISTINCT decision FROM cxm.bandit_report('abc');
SELECT control_arm_no, loss_threshold, min_sample FROM cxm.bandit_experiment WHERE experiment = 'abc';

-- ---------------------------------------------------------------- extreme counts
-- the control converted nobody: no relative uplift; all conversions / one trial: no intervals
SELECT cxm.bandit_create('ext', ARRAY['zero', 'all', 'one', 'none'], 'uniform', control => 'zero');
SELECT pg_temp.counts('ext', 'zero', 200, 0), pg_temp.counts('ext', 'all', 30, 30), pg_temp.counts('ext', 'one', 1, 1);
SELECT arm, trials, mean, is_control, abs_uplift, abs_ci_low IS NULL AS no_abs_ci, rel_uplift,
       p_value IS NULL AS no_p, round(chance_to_beat::numeric, 4) AS chance, expected_loss >= 0 AS loss_ok,
       naive_rel_uplift
FROM cxm.bandit_report('ext') ORDER BY arm;
SELECT DISTINCT decision FROM cxm.bandit_report('ext');

-- old calls keep working: four positional arguments, the first eight report columns
SELECT cxm.bandit_create('old', ARRAY['x', 'y'], 'thompson', '{}');
SELECT arm, trials, reward_sum, mean, ci_low, ci_high, p_best, active FROM cxm.bandit_report('old');
SELECT a.arm FROM cxm.bandit_experiment e JOIN cxm.bandit_arm a ON a.experiment = e.experiment
  AND a.arm_no = e.control_arm_no WHERE e.experiment = 'old';

-- ---------------------------------------------------------------- metrics and guardrails
-- a uniform test with fixed assignments: A gets m1..m6, B gets m7..m13
SELECT cxm.bandit_create('m', ARRAY['A', 'B'], 'uniform');
SELECT cxm.bandit_arm_pause('m', 'B');
SELECT count(cxm.bandit_choose('m', 'm' || i)) FROM generate_series(1, 6) i;
SELECT cxm.bandit_arm_resume('m', 'B');
SELECT cxm.bandit_arm_pause('m', 'A');
SELECT count(cxm.bandit_choose('m', 'm' || i)) FROM generate_series(7, 13) i;
SELECT cxm.bandit_arm_resume('m', 'A');
-- revenue: A 10, 9.5, 13, 8, 11.5 and m6 without a record (counts 0);
-- B 12, 15.5, 9, 20 (recorded as 12.5 + 7.5), 14.25, 11, 18
SELECT count(cxm.bandit_record('m', s, 'revenue', v))
FROM (VALUES ('m1', 10), ('m2', 9.5), ('m3', 13), ('m4', 8), ('m5', 11.5),
             ('m7', 12), ('m8', 15.5), ('m9', 9), ('m10', 12.5), ('m10', 7.5), ('m11', 14.25),
             ('m12', 11), ('m13', 18)) x(s, v);
SELECT subject, value FROM cxm.bandit_metric_value WHERE experiment = 'm' AND subject IN ('m10', 'm1') ORDER BY 1;
SELECT metric, guardrail, higher_is_better FROM cxm.bandit_metric WHERE experiment = 'm';
-- Welch: scipy.stats.ttest_ind(equal_var=False) and t.ppf(0.975, df = 9.965105) on these values:
-- abs 5.5833333333 [0.2696346690, 10.8970319976], rel 0.6442307692 [-0.2331218255, 1.5215833640], p 0.0412606568
SELECT arm, trials, reward_sum, round(mean::numeric, 6) AS mean,
       abs(abs_uplift - 5.5833333333) < 1e-9 AS abs_ok,
       abs(abs_ci_low - 0.2696346690) < 1e-8 AND abs(abs_ci_high - 10.8970319976) < 1e-8 AS abs_ci_ok,
       abs(rel_uplift - 0.6442307692) < 1e-9 AS rel_ok,
       abs(rel_ci_low + 0.2331218255) < 1e-8 AND abs(rel_ci_high - 1.5215833640) < 1e-8 AS rel_ci_ok,
       abs(p_value - 0.0412606568) < 1e-9 AS p_ok,
       chance_to_beat > 0.9 AS likely_better, guardrail_failed
FROM cxm.bandit_report('m', 'revenue') ORDER BY arm;
-- a guardrail where lower is better: B's latency is worse
SELECT cxm.bandit_metric('m', 'latency_ms', guardrail => true, higher_is_better => false);
SELECT count(cxm.bandit_record('m', 'm' || i, 'latency_ms', CASE WHEN i <= 6 THEN 200 + i ELSE 300 + i END))
FROM generate_series(1, 13) i;
SELECT arm, round(mean::numeric, 2) AS mean, abs_uplift > 0 AS higher, round(chance_to_beat::numeric, 4) AS chance_better,
       guardrail_failed
FROM cxm.bandit_report('m', 'latency_ms') ORDER BY arm;
SELECT arm, guardrail_failed FROM cxm.bandit_report('m') ORDER BY arm;
-- a guardrail that is not worse does not flag
SELECT cxm.bandit_metric('m', 'latency_ms', guardrail => true, higher_is_better => true);
SELECT arm, guardrail_failed FROM cxm.bandit_report('m') ORDER BY arm;
-- no variance, or one subject per arm: NULL intervals and p-values, no error
SELECT count(cxm.bandit_record('m', 'm' || i, 'flat', 5)) FROM generate_series(1, 13) i;
SELECT arm, mean, abs_uplift, abs_ci_low, abs_ci_high, rel_uplift, rel_ci_low, p_value
FROM cxm.bandit_report('m', 'flat') ORDER BY arm;
SELECT cxm.bandit_create('tiny', ARRAY['A', 'B'], 'uniform');
SELECT cxm.bandit_arm_pause('tiny', 'B'), cxm.bandit_choose('tiny', 't1');
SELECT cxm.bandit_arm_resume('tiny', 'B'), cxm.bandit_arm_pause('tiny', 'A'), cxm.bandit_choose('tiny', 't2');
SELECT cxm.bandit_record('tiny', 't1', 'revenue', 3), cxm.bandit_record('tiny', 't2', 'revenue', 4);
SELECT arm, mean, ci_low, abs_uplift, abs_ci_low, rel_uplift, rel_ci_low, p_value,
       round(chance_to_beat::numeric, 4) AS chance
FROM cxm.bandit_report('tiny', 'revenue') ORDER BY arm;
SELECT arm, trials, abs_uplift, abs_ci_low, p_value FROM cxm.bandit_report('tiny') ORDER BY arm;

-- errors
SELECT pg_temp.err($$SELECT * FROM cxm.bandit_report('m', 'nope')$$);
SELECT pg_temp.err($$SELECT * FROM cxm.bandit_report('nope', 'revenue')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_record('m', 'stranger', 'revenue', 1)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_record('m', 'm1', 'revenue', 'Infinity')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_record('m', 'm1', NULL, 1)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_record('nope', 'm1', 'revenue', 1)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_metric('m', NULL)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_metric('nope', 'revenue')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_set('m', control => 'Z')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_set('m', loss_threshold => -1)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_set('m', loss_threshold => 'NaN')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_set('m', min_sample => -5)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_set('nope', min_sample => 5)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('bad', ARRAY['a', 'b'], control => 'c')$$);
SELECT count(*) AS nothing_left FROM cxm.bandit_experiment WHERE experiment = 'bad';
SELECT pg_temp.err($$SELECT * FROM cxm.experiment_timeline('m', '0 days')$$);
SELECT pg_temp.err($$SELECT * FROM cxm.experiment_timeline('m', '1 month')$$);
SELECT pg_temp.err($$SELECT * FROM cxm.experiment_timeline('nope')$$);

-- ---------------------------------------------------------------- Thompson starves the control
-- 2,000 seeded visitors over ten days; the base rate goes from 2 % to 8 % after day five;
-- true uplifts: b +20 %, c +60 % (rates base * (1 + lift)).
SELECT cxm.bandit_create('adapt', ARRAY['ctl', 'b', 'c']);
SELECT cxm.bandit_seed(515);
SELECT setseed(0.515);
DO $$
DECLARE
  a text;
BEGIN
  FOR i IN 1..2000 LOOP
    a := cxm.bandit_choose('adapt', 'v' || i);
    IF random() < (CASE WHEN i <= 1000 THEN 0.02 ELSE 0.08 END
                   * CASE a WHEN 'b' THEN 1.2 WHEN 'c' THEN 1.6 ELSE 1 END) THEN
      PERFORM cxm.bandit_convert('adapt', 'v' || i);
    END IF;
  END LOOP;
END $$;
-- the visits happened over ten days, one every 7.2 minutes
UPDATE cxm.bandit_assignment SET assigned_at = '2026-03-01 00:00+00'::timestamptz
                                               + substr(subject, 2)::int * interval '432 seconds'
WHERE experiment = 'adapt';
SELECT arm, trials, reward_sum, round(naive_rel_uplift::numeric, 3) AS naive_rel,
       round(rel_uplift::numeric, 3) AS corrected_rel,
       round(rel_ci_low::numeric, 3) AS lo, round(rel_ci_high::numeric, 3) AS hi,
       rel_ci_low <= CASE arm WHEN 'b' THEN 0.2 ELSE 0.6 END
         AND CASE arm WHEN 'b' THEN 0.2 ELSE 0.6 END <= rel_ci_high AS covers_truth,
       srm_p_value IS NULL AS no_srm_for_adaptive
FROM cxm.bandit_report('adapt') ORDER BY arm;
-- the corrected figures recomputed in SQL: subjects in order of assignment cut into
-- least(50, greatest(1, n / 100)) equal periods; periods where the arm or the control
-- has fewer than 2 subjects are left out; means weighted by the period's subjects
WITH s AS (
  SELECT a.arm, s.reward AS y,
         (row_number() OVER (ORDER BY s.assigned_at, s.subject) - 1)
           * least(50, greatest(1, count(*) OVER () / 100)) / count(*) OVER () AS period
  FROM cxm.bandit_assignment s JOIN cxm.bandit_arm a USING (experiment, arm_no)
  WHERE s.experiment = 'adapt'
), p AS (
  SELECT period, arm, count(*) AS n, avg(y) AS m, var_samp(y) / count(*) AS v,
         sum(count(*)) OVER (PARTITION BY period) AS total
  FROM s GROUP BY period, arm
), k AS (
  SELECT t.arm, t.period, t.total, t.m AS mt, t.v AS vt, c.m AS mc, c.v AS vc
  FROM p t JOIN p c ON c.period = t.period AND c.arm = 'ctl'
  WHERE t.arm <> 'ctl' AND t.n >= 2 AND c.n >= 2
), e AS (
  SELECT arm, sum(total * mt) / sum(total) AS mt, sum(total * mc) / sum(total) AS mc,
         sum(total^2 * vt) / sum(total)^2 AS vt, sum(total^2 * vc) / sum(total)^2 AS vc
  FROM k GROUP BY arm
)
SELECT e.arm, abs(r.rel_uplift - (e.mt / e.mc - 1)) < 1e-12 AS rel_ok,
       abs(r.abs_uplift - (e.mt - e.mc)) < 1e-12 AS abs_ok,
       abs(r.abs_ci_high - (e.mt - e.mc + 1.959963984540054 * sqrt(e.vt + e.vc))) < 1e-12 AS abs_ci_ok,
       abs(r.rel_ci_low - (e.mt / e.mc - 1 - 1.959963984540054
                           * sqrt(e.vt / e.mc^2 + e.mt^2 * e.vc / e.mc^4))) < 1e-12 AS rel_ci_ok
FROM e JOIN cxm.bandit_report('adapt') r USING (arm) ORDER BY arm;

-- the timeline: trials per day, shares summing to 1, totals = assignments
SELECT bucket::date AS day, arm, trials, rewards, round(share::numeric, 3) AS share
FROM cxm.experiment_timeline('adapt') WHERE arm = 'ctl' ORDER BY bucket;
SELECT count(DISTINCT bucket) AS days, sum(trials) AS trials,
       bool_and(abs(s - 1) < 1e-12) AS shares_sum_to_1
FROM (SELECT bucket, sum(trials) OVER (PARTITION BY bucket) AS t, trials,
             sum(share) OVER (PARTITION BY bucket) AS s
      FROM cxm.experiment_timeline('adapt', '1 day')) x;
SELECT count(*) AS rows, sum(trials) AS trials FROM cxm.experiment_timeline('adapt', '12 hours');
SELECT sum(rewards) = (SELECT sum(reward_sum) FROM cxm.bandit_report('adapt')) AS rewards_match
FROM cxm.experiment_timeline('adapt');
-- a subject moved off a paused arm counts on both arms, at both times
SELECT cxm.bandit_create('moved', ARRAY['p', 'q'], 'uniform');
SELECT cxm.bandit_arm_pause('moved', 'q');
SELECT cxm.bandit_choose('moved', 'w1');
SELECT cxm.bandit_arm_resume('moved', 'q');
SELECT cxm.bandit_arm_pause('moved', 'p');
SELECT cxm.bandit_choose('moved', 'w1');
SELECT arm, trials, share FROM cxm.experiment_timeline('moved') ORDER BY arm;

-- experiment_results shows the comparison per experiment and arm
SELECT experiment, arm, is_control, round(lift::numeric, 4) AS lift,
       round(naive_rel_uplift::numeric, 4) AS naive, round(rel_uplift::numeric, 4) AS rel_uplift,
       srm_flag, guardrail_failed, decision
FROM cxm.experiment_results WHERE experiment IN ('abc', 'adapt') ORDER BY experiment, arm_no;

-- bandit_drop removes metrics too
SELECT cxm.bandit_drop(experiment) FROM cxm.bandit_experiment ORDER BY experiment;
SELECT (SELECT count(*) FROM cxm.bandit_metric) + (SELECT count(*) FROM cxm.bandit_metric_value) AS rows_left;
