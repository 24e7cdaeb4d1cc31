-- Policy behaviour: 10 arms with fixed conversion rates 2 %..10 % and 15 % (arm v10 best),
-- seeded, 3,000 visitors per policy; each visitor is a new subject, converts with its
-- arm's rate (random() after setseed) and the conversion is reported with bandit_convert.
SET extra_float_digits = 0;

CREATE FUNCTION pg_temp.simulate(policy text, params jsonb, rounds int, OUT regret float8,
                                 OUT late_best_share float8, OUT conversions int)
LANGUAGE plpgsql AS $$
DECLARE
  rates float8[] := ARRAY[0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.15];
  arm text;
  k int;
  late int := 0;
  late_best int := 0;
BEGIN
  PERFORM cxm.bandit_create('sim_' || policy, (SELECT array_agg('v' || i ORDER BY i) FROM generate_series(1, 10) i),
                            policy, params);
  PERFORM cxm.bandit_seed(2026);
  PERFORM setseed(0.26);
  regret := 0;
  conversions := 0;
  FOR t IN 1..rounds LOOP
    arm := cxm.bandit_choose('sim_' || policy, 'visitor-' || t);
    k := substr(arm, 2)::int;
    regret := regret + 0.15 - rates[k];
    IF random() < rates[k] THEN
      PERFORM cxm.bandit_convert('sim_' || policy, 'visitor-' || t);
      conversions := conversions + 1;
    END IF;
    IF t > rounds * 4 / 5 THEN
      late := late + 1;
      late_best := late_best + (k = 10)::int;
    END IF;
  END LOOP;
  late_best_share := late_best::float8 / late;
END $$;

CREATE TEMP TABLE sim AS
SELECT p.policy, s.*
FROM (VALUES ('uniform', '{}'::jsonb), ('thompson', '{}'), ('ucb1', '{}'),
             ('epsilon_greedy', '{"epsilon": 0.1}')) p(policy, params),
     LATERAL pg_temp.simulate(p.policy, p.params, 3000) s;

-- expected regret of uniform: 3000 * (0.15 - mean rate 0.069) = 243
-- (UCB1's bound-driven exploration is slow with rates this small: it beats uniform but
-- still spreads traffic after 3,000 rounds, as its regret bound predicts)
SELECT policy, round(regret) AS regret, round(late_best_share::numeric, 2) AS late_best_share,
       regret < 0.5 * (SELECT regret FROM sim WHERE policy = 'uniform') AS well_below_uniform,
       regret < (SELECT regret FROM sim WHERE policy = 'uniform') AS below_uniform,
       late_best_share > 0.5 AS best_arm_gets_most_late_traffic
FROM sim ORDER BY regret;
SELECT regret BETWEEN 200 AND 290 AS uniform_regret_as_expected,
       late_best_share BETWEEN 0.05 AND 0.15 AS uniform_late_share_about_tenth
FROM sim WHERE policy = 'uniform';

-- totals in the reports equal the calls: 3000 trials, conversions = rewards
SELECT s.policy, sum(r.trials) AS trials, sum(r.reward_sum) = s.conversions AS rewards_match,
       (SELECT count(*) FROM cxm.bandit_assignment a WHERE a.experiment = 'sim_' || s.policy) AS assignments,
       abs(sum(r.p_best) - 1) < 1e-12 AS p_best_sums_to_1
FROM sim s, cxm.bandit_report('sim_' || s.policy) r
GROUP BY s.policy, s.conversions ORDER BY s.policy;

-- Thompson's report: the best arm has the most trials and the highest p_best
SELECT (SELECT arm FROM cxm.bandit_report('sim_thompson') ORDER BY trials DESC LIMIT 1) AS most_trials,
       (SELECT arm FROM cxm.bandit_report('sim_thompson') ORDER BY p_best DESC LIMIT 1) AS highest_p_best;

-- every stored propensity is a probability; Thompson's are P(best) at assignment time
SELECT e.policy, min(a.propensity) > 0 AND max(a.propensity) <= 1 AS in_range
FROM cxm.bandit_assignment a JOIN cxm.bandit_experiment e USING (experiment)
WHERE e.experiment LIKE 'sim\_%' GROUP BY e.policy ORDER BY 1;

SELECT cxm.bandit_drop('sim_' || policy) FROM sim ORDER BY policy;

-- gaussian_thompson on revenue: arm 'high' earns 12 on average, 'low' 10 (sd 5 each);
-- 1,500 seeded visitors, the revenue of each reported with bandit_reward
SELECT cxm.bandit_create('sim_revenue', ARRAY['low', 'high'], 'gaussian_thompson');
SELECT cxm.bandit_seed(99);
SELECT setseed(0.99);
CREATE TEMP TABLE rev_sim (i int, arm text);
DO $$
DECLARE
  v_arm text;
BEGIN
  FOR i IN 1..1500 LOOP
    v_arm := cxm.bandit_choose('sim_revenue', 'r' || i);
    INSERT INTO rev_sim VALUES (i, v_arm);
    PERFORM cxm.bandit_reward('sim_revenue', v_arm,
              CASE v_arm WHEN 'high' THEN 12 ELSE 10 END
              + 5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()));
  END LOOP;
END $$;
SELECT count(*) FILTER (WHERE arm = 'high')::float8 / count(*) > 0.7 AS high_gets_most_late_traffic
FROM rev_sim WHERE i > 1200;
-- the normal intervals cover the true means; p_best favours 'high'
SELECT arm, ci_low < CASE arm WHEN 'high' THEN 12 ELSE 10 END
            AND ci_high > CASE arm WHEN 'high' THEN 12 ELSE 10 END AS covers_true_mean,
       p_best > 0.5 AS likely_best
FROM cxm.bandit_report('sim_revenue') ORDER BY arm;
SELECT cxm.bandit_drop('sim_revenue');
