-- Experiments: bandit_create/choose/reward/convert/arm_*/report/seed/drop
SET extra_float_digits = 0;

-- run a statement, return its SQLSTATE and message (or 'ok')
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- storage is registered for pg_dump
SELECT c.relname
FROM pg_extension x, unnest(x.extconfig) r(oid) JOIN pg_class c ON c.oid = r.oid
WHERE x.extname = 'cxm' AND c.relname LIKE 'bandit%' ORDER BY 1;

-- ---------------------------------------------------------------- create
SELECT cxm.bandit_create('hp', ARRAY['red', 'green', 'blue']);
SELECT experiment, policy, params, epsilon FROM cxm.bandit_experiment WHERE experiment = 'hp';
SELECT arm_no, arm, active FROM cxm.bandit_arm WHERE experiment = 'hp' ORDER BY arm_no;
SELECT * FROM cxm.bandit_report('hp');

-- errors of bandit_create
SELECT pg_temp.err($$SELECT cxm.bandit_create('hp', ARRAY['a', 'b'])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a'])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY[]::text[])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', (SELECT array_agg(i::text) FROM generate_series(1, 1001) i))$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a', 'b', 'a'])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a', NULL])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY[['a', 'b'], ['c', 'd']])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a', 'b'], 'softmax')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a', 'b'], 'Thompson')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a', 'b'], 'epsilon_greedy', '[0.1]')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a', 'b'], 'epsilon_greedy', '{"epsilon": 1.5}')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a', 'b'], 'epsilon_greedy', '{"epsilon": "0.1"}')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a', 'b'], 'epsilon_greedy', '{"epsilon": 0.1, "decay": 1}')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', ARRAY['a', 'b'], 'thompson', '{"epsilon": 0.1}')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create(NULL, ARRAY['a', 'b'])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_create('x', NULL)$$);
-- nothing was left behind by the failed calls
SELECT count(*) FROM cxm.bandit_experiment WHERE experiment = 'x';

-- a missing experiment: 42704 from every function
SELECT pg_temp.err($$SELECT cxm.bandit_choose('nope')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose('nope', 'subject-1')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_reward('nope', 'red')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_convert('nope', 'subject-1')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_arm_add('nope', 'red')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_arm_pause('nope', 'red')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_arm_resume('nope', 'red')$$);
SELECT pg_temp.err($$SELECT * FROM cxm.bandit_report('nope')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_drop('nope')$$);

-- other errors on an existing experiment
SELECT pg_temp.err($$SELECT cxm.bandit_reward('hp', 'purple')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_reward('hp', 'red', 1.5)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_reward('hp', 'red', -0.1)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_reward('hp', 'red', 'NaN')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_reward('hp', 'red', NULL)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_reward('hp', NULL)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_convert('hp', 'never-seen')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_convert('hp', NULL)$$);
SELECT pg_temp.err($$SELECT cxm.bandit_arm_add('hp', 'red')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_arm_pause('hp', 'purple')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_arm_resume('hp', 'purple')$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose(NULL)$$);
-- none of them counted anything
SELECT sum(trials) AS trials, sum(reward_sum) AS rewards FROM cxm.bandit_report('hp');

-- ---------------------------------------------------------------- counting
SELECT cxm.bandit_seed(42);
-- without a subject: every call is a trial
SELECT count(*) FROM (SELECT cxm.bandit_choose('hp') FROM generate_series(1, 30)) s;
SELECT sum(trials) AS trials FROM cxm.bandit_report('hp');
-- with a subject: sticky, one trial per subject
SELECT count(DISTINCT a) AS arms_seen, count(*) AS calls
FROM (SELECT cxm.bandit_choose('hp', 'alice') a FROM generate_series(1, 5)) s;
SELECT count(DISTINCT cxm.bandit_choose('hp', 'sub-' || (i % 10))) > 0 AS ok
FROM generate_series(1, 40) i;
SELECT sum(trials) AS trials FROM cxm.bandit_report('hp');
SELECT count(*) AS assignments, min(propensity) > 0 AND max(propensity) <= 1 AS propensity_ok
FROM cxm.bandit_assignment WHERE experiment = 'hp';
-- the assignment table agrees with what bandit_choose returns
SELECT bool_and(cxm.bandit_choose('hp', s.subject) = a.arm) AS sticky
FROM cxm.bandit_assignment s JOIN cxm.bandit_arm a USING (experiment, arm_no)
WHERE s.experiment = 'hp';

-- rewards: by arm and by subject
SELECT cxm.bandit_reward('hp', 'red');
SELECT cxm.bandit_reward('hp', 'red', 0.5);
SELECT cxm.bandit_reward('hp', 'blue', 0);
SELECT cxm.bandit_convert('hp', 'alice');
SELECT cxm.bandit_convert('hp', 'sub-3', 0.25);
-- expected reward sums per arm, from the assignment table
WITH subj AS (
  SELECT a.arm, CASE s.subject WHEN 'alice' THEN 1 WHEN 'sub-3' THEN 0.25 ELSE 0 END AS r
  FROM cxm.bandit_assignment s JOIN cxm.bandit_arm a USING (experiment, arm_no)
  WHERE s.experiment = 'hp'
), want AS (
  SELECT arm, sum(r) + CASE arm WHEN 'red' THEN 1.5 ELSE 0 END AS reward_sum
  FROM (SELECT arm, r FROM subj UNION ALL SELECT arm, 0 FROM cxm.bandit_arm WHERE experiment = 'hp') x
  GROUP BY arm
)
SELECT r.arm, r.reward_sum = w.reward_sum AS sums_match, r.mean = r.reward_sum / r.trials AS mean_ok
FROM cxm.bandit_report('hp') r JOIN want w USING (arm) ORDER BY r.arm;

-- Wilson 95 % interval against the formula
SELECT bool_and(abs(ci_low - ((p + z*z/(2*n)) - z * sqrt(p*(1-p)/n + z*z/(4*n*n))) / (1 + z*z/n)) < 1e-12
            AND abs(ci_high - ((p + z*z/(2*n)) + z * sqrt(p*(1-p)/n + z*z/(4*n*n))) / (1 + z*z/n)) < 1e-12)
       AS wilson_ok,
       abs(sum(p_best) - 1) < 1e-12 AS p_best_sums_to_1
FROM (SELECT *, reward_sum / trials AS p, trials AS n, 1.959964 AS z FROM cxm.bandit_report('hp')) r;

-- ---------------------------------------------------------------- pause / resume
SELECT a.arm AS alice_arm FROM cxm.bandit_assignment s JOIN cxm.bandit_arm a USING (experiment, arm_no)
WHERE s.experiment = 'hp' AND s.subject = 'alice' \gset
CREATE TEMP TABLE before AS SELECT * FROM cxm.bandit_report('hp');
SELECT cxm.bandit_arm_pause('hp', :'alice_arm');
SELECT cxm.bandit_arm_pause('hp', :'alice_arm');	-- pausing twice is harmless
SELECT arm = :'alice_arm' AS is_alice_arm, active, p_best IS NULL AS p_best_null
FROM cxm.bandit_report('hp') WHERE NOT active;
SELECT abs(sum(p_best) - 1) < 1e-12 AS active_p_best_sums_to_1 FROM cxm.bandit_report('hp');
-- alice gets a new arm, counted as a new trial, and the move is logged
SELECT cxm.bandit_choose('hp', 'alice') <> :'alice_arm' AS moved;
SELECT cxm.bandit_choose('hp', 'alice') = cxm.bandit_choose('hp', 'alice') AS sticky_again;
SELECT subject, o.arm = :'alice_arm' AS old_is_paused, n.arm <> :'alice_arm' AS new_differs,
       l.new_propensity > 0 AS has_propensity
FROM cxm.bandit_reassignment l
JOIN cxm.bandit_arm o ON o.experiment = l.experiment AND o.arm_no = l.old_arm_no
JOIN cxm.bandit_arm n ON n.experiment = l.experiment AND n.arm_no = l.new_arm_no
WHERE l.experiment = 'hp';
SELECT (SELECT sum(trials) FROM cxm.bandit_report('hp')) - (SELECT sum(trials) FROM before) AS new_trials;
-- a paused arm is never chosen
SELECT count(*) FILTER (WHERE a = :'alice_arm') AS paused_chosen, count(*) AS calls
FROM (SELECT cxm.bandit_choose('hp') a FROM generate_series(1, 200)) s;
-- the last active arm cannot be paused
SELECT cxm.bandit_arm_pause('hp', arm) FROM cxm.bandit_report('hp') WHERE active ORDER BY arm LIMIT 1;
SELECT pg_temp.err(format('SELECT cxm.bandit_arm_pause(%L, %L)', 'hp', arm))
FROM cxm.bandit_report('hp') WHERE active;
-- resume: the counts are kept
SELECT cxm.bandit_arm_resume('hp', arm) FROM cxm.bandit_report('hp') WHERE NOT active;
SELECT r.arm, r.active, r.trials >= b.trials AS kept, r.reward_sum = b.reward_sum AS rewards_kept,
       CASE WHEN r.arm = :'alice_arm' THEN r.trials = b.trials END AS paused_arm_unchanged
FROM cxm.bandit_report('hp') r JOIN before b USING (arm) ORDER BY r.arm;
-- a new arm joins with no trials and is chosen
SELECT cxm.bandit_arm_add('hp', 'yellow');
SELECT arm, trials, reward_sum, mean, ci_low, active FROM cxm.bandit_report('hp') WHERE arm = 'yellow';
SELECT count(*) > 0 AS yellow_chosen
FROM (SELECT cxm.bandit_choose('hp') a FROM generate_series(1, 100)) s WHERE a = 'yellow';

-- ---------------------------------------------------------------- p_best: two arms against the closed form
-- A: 3 of 10, B: 7 of 12; P(pB > pA) = sum_{i=0}^{aB-1} B(aA+i, bA+bB) / ((bB+i) B(1+i, bB) B(aA, bA))
-- with aA = 4, bA = 8, aB = 8, bB = 6 (uniform prior); ln Gamma(n) = sum ln k, k < n
SELECT cxm.bandit_create('two', ARRAY['A', 'B']);
SELECT cxm.bandit_arm_pause('two', 'B');
SELECT count(cxm.bandit_choose('two')) FROM generate_series(1, 10);
SELECT cxm.bandit_arm_resume('two', 'B');
SELECT cxm.bandit_arm_pause('two', 'A');
SELECT count(cxm.bandit_choose('two')) FROM generate_series(1, 12);
SELECT cxm.bandit_arm_resume('two', 'A');
SELECT cxm.bandit_reward('two', 'A') FROM generate_series(1, 3);
SELECT cxm.bandit_reward('two', 'B') FROM generate_series(1, 7);
CREATE FUNCTION pg_temp.lng(n int) RETURNS float8 LANGUAGE sql AS
  $$ SELECT coalesce(sum(ln(k::float8)), 0) FROM generate_series(1, n - 1) k $$;
CREATE FUNCTION pg_temp.lnb(a int, b int) RETURNS float8 LANGUAGE sql AS
  $$ SELECT pg_temp.lng(a) + pg_temp.lng(b) - pg_temp.lng(a + b) $$;
SELECT round(sum(exp(pg_temp.lnb(4 + i, 8 + 6) - ln(6 + i) - pg_temp.lnb(1 + i, 6) - pg_temp.lnb(4, 8)))::numeric, 6)
       AS closed_form_b
FROM generate_series(0, 7) i;
SELECT arm, trials, reward_sum, round(p_best::numeric, 6) AS p_best,
       round(ci_low::numeric, 4) AS ci_low, round(ci_high::numeric, 4) AS ci_high
FROM cxm.bandit_report('two');
-- a fresh 2-arm Thompson choice has propensity 1/2
SELECT cxm.bandit_create('fresh', ARRAY['A', 'B']);
SELECT cxm.bandit_choose('fresh', 'f1') IS NOT NULL AS chosen;
SELECT round(propensity::numeric, 6) FROM cxm.bandit_assignment WHERE experiment = 'fresh';

-- ---------------------------------------------------------------- propensities of the exact policies
SELECT cxm.bandit_create('uni', ARRAY['a', 'b', 'c'], 'uniform');
SELECT count(cxm.bandit_choose('uni', 'u' || i)) FROM generate_series(1, 30) i;
SELECT DISTINCT round(propensity::numeric, 12) FROM cxm.bandit_assignment WHERE experiment = 'uni';
-- ucb1 tries each untried arm first (propensities 1/3, 1/2, 1); with no rewards the
-- three indexes then tie: 1/3, then 1/2 (ties are broken at random)
SELECT cxm.bandit_create('ucb', ARRAY['a', 'b', 'c'], 'ucb1');
SELECT count(cxm.bandit_choose('ucb', 'u' || i)) FROM generate_series(1, 5) i;
SELECT subject, round(propensity::numeric, 6) FROM cxm.bandit_assignment WHERE experiment = 'ucb' ORDER BY subject;
-- epsilon_greedy 0.3 with 3 arms: greedy arm 0.3/3 + 0.7, others 0.1 (untried arms count as best)
SELECT cxm.bandit_create('eps', ARRAY['a', 'b', 'c'], 'epsilon_greedy', '{"epsilon": 0.3}');
SELECT epsilon FROM cxm.bandit_experiment WHERE experiment = 'eps';
SELECT count(cxm.bandit_choose('eps')) FROM generate_series(1, 3) i;
SELECT count(cxm.bandit_choose('eps')) FROM generate_series(1, 20) i;
SELECT cxm.bandit_reward('eps', 'b');
SELECT count(cxm.bandit_choose('eps', 'e' || i)) FROM generate_series(1, 40) i;
SELECT round(s.propensity::numeric, 6) AS propensity, bool_and(a.arm = 'b') AS greedy_arm_is_b
FROM cxm.bandit_assignment s JOIN cxm.bandit_arm a USING (experiment, arm_no)
WHERE s.experiment = 'eps' AND s.propensity > 0.5 GROUP BY 1
UNION ALL
SELECT DISTINCT round(propensity::numeric, 6), NULL::bool FROM cxm.bandit_assignment
WHERE experiment = 'eps' AND propensity < 0.5 ORDER BY 1;

-- ---------------------------------------------------------------- gaussian_thompson: any real reward, normal interval
SELECT cxm.bandit_create('rev', ARRAY['cheap', 'premium'], 'gaussian_thompson');
SELECT cxm.bandit_arm_pause('rev', 'premium');
SELECT count(cxm.bandit_choose('rev')) FROM generate_series(1, 4);
SELECT cxm.bandit_arm_resume('rev', 'premium');
SELECT cxm.bandit_reward('rev', 'cheap', r) FROM unnest(ARRAY[10, 20, 30, 60]::float8[]) r;
SELECT cxm.bandit_reward('rev', 'premium', -5);
-- cheap: mean 30, squared deviations 400 + 100 + 0 + 900, sample variance 1400/3,
-- interval 30 -+ 1.959964 sqrt(1400/3/4); premium: a reward without a trial, no mean.
-- p_best: pooled prior m0 = 30, v0 = (5000 - 120^2/4)/3 = 466.67; cheap ~ N(150/5, (1400 + v0)/5/5),
-- premium ~ N((-5 + 30)/1, v0/1): P(cheap best) = Phi(5 / sqrt(74.67 + 466.67)) = Phi(0.2149) = 0.5851
SELECT round((30 - 1.959964 * sqrt(1400.0 / 3 / 4))::numeric, 6) AS lo_formula,
       round((30 + 1.959964 * sqrt(1400.0 / 3 / 4))::numeric, 6) AS hi_formula;
SELECT arm, trials, reward_sum, mean, round(ci_low::numeric, 6) AS ci_low,
       round(ci_high::numeric, 6) AS ci_high, round(p_best::numeric, 4) AS p_best
FROM cxm.bandit_report('rev');

-- ---------------------------------------------------------------- bandit_seed: reproducible choices
SELECT cxm.bandit_create('s1', ARRAY['a', 'b', 'c', 'd']);
SELECT cxm.bandit_create('s2', ARRAY['a', 'b', 'c', 'd']);
SELECT cxm.bandit_seed(7);
CREATE TEMP TABLE run1 AS SELECT i, cxm.bandit_choose('s1', 'x' || i) AS arm FROM generate_series(1, 40) i;
SELECT cxm.bandit_seed(7);
CREATE TEMP TABLE run2 AS SELECT i, cxm.bandit_choose('s2', 'x' || i) AS arm FROM generate_series(1, 40) i;
SELECT count(*) AS same, count(DISTINCT r1.arm) > 1 AS varied
FROM run1 r1 JOIN run2 r2 USING (i) WHERE r1.arm = r2.arm;
SELECT cxm.bandit_seed(8);
SELECT count(*) < 40 AS other_seed_differs
FROM (SELECT i, cxm.bandit_choose('s1', 'y' || i) a FROM generate_series(1, 40) i) s JOIN run1 USING (i)
WHERE s.a = run1.arm;
-- reading a report does not change later choices
SELECT cxm.bandit_seed(11);
CREATE TEMP TABLE run3 AS SELECT i, cxm.bandit_choose(ARRAY['a', 'b', 'c'], ARRAY[1, 2, 3]::float8[], ARRAY[10, 10, 10]::float8[]) AS arm
FROM generate_series(1, 30) i;
SELECT cxm.bandit_seed(11);
SELECT count(*) FROM cxm.bandit_report('s1');
SELECT count(*) AS same
FROM (SELECT i, cxm.bandit_choose(ARRAY['a', 'b', 'c'], ARRAY[1, 2, 3]::float8[], ARRAY[10, 10, 10]::float8[]) AS arm
      FROM generate_series(1, 30) i) s JOIN run3 USING (i) WHERE s.arm = run3.arm;

-- ---------------------------------------------------------------- stateless form
SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[0, 50]::float8[], ARRAY[50, 50]::float8[]) AS clear_winner;
SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[0, 50]::float8[], ARRAY[50, 50]::float8[], 'ucb1') AS ucb1;
SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[0, 50]::float8[], ARRAY[50, 50]::float8[], 'epsilon_greedy') IS NOT NULL AS eps;
SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[-500, 900]::float8[], ARRAY[10, 10]::float8[], 'gaussian_thompson') AS gauss;
SELECT count(*) FILTER (WHERE a = 'b') BETWEEN 400 AND 600 AS uniform_split
FROM (SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[0, 50]::float8[], ARRAY[50, 50]::float8[], 'uniform') a
      FROM generate_series(1, 1000)) s;
SELECT cxm.bandit_choose(NULL::text[], ARRAY[1.0], ARRAY[2.0]) IS NULL AS strict_null;
SELECT pg_temp.err($$SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[1, 2]::float8[], ARRAY[5]::float8[])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose(ARRAY['a'], ARRAY[1]::float8[], ARRAY[5]::float8[])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose(ARRAY['a', 'a'], ARRAY[1, 2]::float8[], ARRAY[5, 5]::float8[])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose(ARRAY['a', NULL], ARRAY[1, 2]::float8[], ARRAY[5, 5]::float8[])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[1, NULL]::float8[], ARRAY[5, 5]::float8[])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[6, 2]::float8[], ARRAY[5, 5]::float8[])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[1, 2]::float8[], ARRAY[-5, 5]::float8[])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[1, 2]::float8[], ARRAY['Infinity', 5]::float8[])$$);
SELECT pg_temp.err($$SELECT cxm.bandit_choose(ARRAY['a', 'b'], ARRAY[1, 2]::float8[], ARRAY[5, 5]::float8[], 'greedy')$$);

-- ---------------------------------------------------------------- 11 and 1000 arms
SELECT cxm.bandit_create('eleven', (SELECT array_agg('v' || i) FROM generate_series(1, 11) i));
SELECT count(DISTINCT cxm.bandit_choose('eleven', 'p' || i)) AS arms_used FROM generate_series(1, 500) i;
SELECT count(*) AS arms, sum(trials) AS trials, round(sum(p_best)::numeric, 12) AS p_best_sum
FROM cxm.bandit_report('eleven');
SELECT cxm.bandit_create('thousand', (SELECT array_agg('v' || i) FROM generate_series(1, 1000) i));
SELECT count(DISTINCT cxm.bandit_choose('thousand')) > 150 AS many_arms_used FROM generate_series(1, 300) i;
SELECT count(*) AS arms, sum(trials) AS trials, round(sum(p_best)::numeric, 12) AS p_best_sum,
       min(p_best) > 0 AS all_positive
FROM cxm.bandit_report('thousand');
SELECT pg_temp.err($$SELECT cxm.bandit_arm_add('thousand', 'one-too-many')$$);

-- ---------------------------------------------------------------- drop
SELECT cxm.bandit_drop(experiment) FROM cxm.bandit_experiment ORDER BY experiment;
SELECT (SELECT count(*) FROM cxm.bandit_experiment) + (SELECT count(*) FROM cxm.bandit_arm)
     + (SELECT count(*) FROM cxm.bandit_counter) + (SELECT count(*) FROM cxm.bandit_assignment)
     + (SELECT count(*) FROM cxm.bandit_reassignment) AS rows_left;
SELECT pg_temp.err($$SELECT cxm.bandit_choose('hp')$$);
-- the name can be used again
SELECT cxm.bandit_create('hp', ARRAY['a', 'b']);
SELECT arm, trials FROM cxm.bandit_report('hp');
SELECT cxm.bandit_drop('hp');
