-- Experiments demo: a hero-banner test with four variants, run once as a classic
-- A/B/N split (uniform) and once with Thompson sampling, on simulated visitors
-- (seeded, so the output is the same every time).
-- True conversion rates: control 3 %, bold 4 %, video 5.5 %, minimal 3.5 %.
CREATE TABLE demo.banner_rates (arm text PRIMARY KEY, rate float8);
INSERT INTO demo.banner_rates VALUES ('control', 0.03), ('bold', 0.04), ('video', 0.055), ('minimal', 0.035);

\o /dev/null
SELECT cxm.bandit_create('demo_banner_ab', ARRAY['control', 'bold', 'video', 'minimal'], 'uniform');
SELECT cxm.bandit_create('demo_banner', ARRAY['control', 'bold', 'video', 'minimal']);
\o

-- 4,000 visitors per experiment: the application asks for a variant, and reports a purchase
DO $$
DECLARE
  v_exp text;
  v_arm text;
  v_rate float8;
BEGIN
  FOREACH v_exp IN ARRAY ARRAY['demo_banner_ab', 'demo_banner'] LOOP
    PERFORM cxm.bandit_seed(40);
    PERFORM setseed(0.4);
    FOR i IN 1..4000 LOOP
      v_arm := cxm.bandit_choose(v_exp, 'visitor-' || i);
      SELECT r.rate INTO v_rate FROM demo.banner_rates r WHERE r.arm = v_arm;
      IF random() < v_rate THEN
        PERFORM cxm.bandit_convert(v_exp, 'visitor-' || i);
      END IF;
    END LOOP;
  END LOOP;
END
$$;

\echo
\echo '== A/B/N split (policy uniform): 4,000 visitors, cxm.bandit_report =='
SELECT arm, trials, reward_sum AS purchases, round(mean::numeric, 4) AS rate,
       round(ci_low::numeric, 4) AS ci_low, round(ci_high::numeric, 4) AS ci_high,
       round(p_best::numeric, 3) AS p_best
FROM cxm.bandit_report('demo_banner_ab');

\echo '== The same test with Thompson sampling: traffic moves to the winner =='
SELECT arm, trials, reward_sum AS purchases, round(mean::numeric, 4) AS rate,
       round(ci_low::numeric, 4) AS ci_low, round(ci_high::numeric, 4) AS ci_high,
       round(p_best::numeric, 3) AS p_best
FROM cxm.bandit_report('demo_banner');

\echo '== Share of traffic per variant, by 1,000-visitor phase (Thompson) =='
SELECT 'visitors ' || (p * 1000 + 1) || '-' || (p + 1) * 1000 AS phase,
       round(100.0 * count(*) FILTER (WHERE a.arm = 'control') / count(*), 1) AS control_pct,
       round(100.0 * count(*) FILTER (WHERE a.arm = 'bold') / count(*), 1) AS bold_pct,
       round(100.0 * count(*) FILTER (WHERE a.arm = 'video') / count(*), 1) AS video_pct,
       round(100.0 * count(*) FILTER (WHERE a.arm = 'minimal') / count(*), 1) AS minimal_pct
FROM cxm.bandit_assignment s
JOIN cxm.bandit_arm a USING (experiment, arm_no)
CROSS JOIN LATERAL (SELECT (substr(s.subject, 9)::int - 1) / 1000 AS p) ph
WHERE s.experiment = 'demo_banner'
GROUP BY p ORDER BY p;

\echo '== Purchases and expected regret (purchases lost against always showing video) =='
SELECT e.policy, sum(r.reward_sum) AS purchases,
       round(sum(r.trials * (0.055 - br.rate))::numeric, 1) AS expected_regret
FROM cxm.bandit_experiment e
CROSS JOIN LATERAL cxm.bandit_report(e.experiment) r
JOIN demo.banner_rates br ON br.arm = r.arm
WHERE e.experiment IN ('demo_banner_ab', 'demo_banner')
GROUP BY e.policy ORDER BY e.policy;

\echo '== Off-policy data: each assignment keeps the probability of its choice =='
SELECT s.subject, a.arm, round(s.propensity::numeric, 4) AS propensity
FROM cxm.bandit_assignment s JOIN cxm.bandit_arm a USING (experiment, arm_no)
WHERE s.experiment = 'demo_banner' AND s.subject IN ('visitor-1', 'visitor-2', 'visitor-500', 'visitor-3999', 'visitor-4000')
ORDER BY substr(s.subject, 9)::int;

\echo '== Pausing the control variant: its visitors move, and the move is logged =='
\o /dev/null
SELECT cxm.bandit_arm_pause('demo_banner', 'control');
\o
SELECT s.subject AS first_control_visitor
FROM cxm.bandit_assignment s JOIN cxm.bandit_arm a USING (experiment, arm_no)
WHERE s.experiment = 'demo_banner' AND a.arm = 'control'
ORDER BY substr(s.subject, 9)::int LIMIT 1 \gset
SELECT :'first_control_visitor' AS subject, cxm.bandit_choose('demo_banner', :'first_control_visitor') AS new_arm;
SELECT l.subject, o.arm AS old_arm, n.arm AS new_arm, round(l.new_propensity::numeric, 4) AS new_propensity
FROM cxm.bandit_reassignment l
JOIN cxm.bandit_arm o ON o.experiment = l.experiment AND o.arm_no = l.old_arm_no
JOIN cxm.bandit_arm n ON n.experiment = l.experiment AND n.arm_no = l.new_arm_no
WHERE l.experiment = 'demo_banner';
SELECT arm, trials, round(p_best::numeric, 3) AS p_best, active FROM cxm.bandit_report('demo_banner');

\echo '== Stateless form: the application keeps the counts itself =='
\o /dev/null
SELECT cxm.bandit_seed(1);
\o
SELECT cxm.bandit_choose(ARRAY['control', 'bold', 'video'], ARRAY[30, 41, 56]::float8[],
                         ARRAY[1000, 1000, 1000]::float8[]) AS next_variant;
