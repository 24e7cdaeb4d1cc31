-- issue 15, after 15-bandit_analysis.sql: experiment_results on the 1.2
-- bandit_report (the same block as in src/sql/layer.sql).

CREATE VIEW @extschema@.experiment_results WITH (security_invoker = true) AS
SELECT e.experiment, e.policy, a.arm_no, r.arm, r.trials, r.reward_sum, r.mean, r.ci_low, r.ci_high,
       r.p_best, r.active,
       r.mean / NULLIF(pg_catalog.first_value(r.mean) OVER (PARTITION BY e.experiment ORDER BY r.is_control DESC, a.arm_no), 0) - 1
         AS lift,
       r.is_control, r.abs_uplift, r.abs_ci_low, r.abs_ci_high, r.rel_uplift, r.rel_ci_low, r.rel_ci_high,
       r.p_value, r.chance_to_beat, r.expected_loss, r.control_loss, r.loss_vs_best, r.naive_rel_uplift,
       r.srm_p_value, r.srm_flag, r.guardrail_failed, r.decision
FROM @extschema@.bandit_experiment e
CROSS JOIN LATERAL @extschema@.bandit_report(e.experiment) r
JOIN @extschema@.bandit_arm a ON a.experiment = e.experiment AND a.arm = r.arm;
COMMENT ON VIEW @extschema@.experiment_results IS
  'every experiment and bandit (bandit_report per arm): the policy''s reward per arm and its comparison with the control arm, with the stopping decision';
COMMENT ON COLUMN @extschema@.experiment_results.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.experiment_results.policy IS 'assignment policy (uniform = classic A/B/N split)';
COMMENT ON COLUMN @extschema@.experiment_results.arm_no IS 'arm number in creation order';
COMMENT ON COLUMN @extschema@.experiment_results.arm IS 'arm (variant) name';
COMMENT ON COLUMN @extschema@.experiment_results.trials IS 'subjects assigned (trials)';
COMMENT ON COLUMN @extschema@.experiment_results.reward_sum IS 'conversions (sum of rewards)';
COMMENT ON COLUMN @extschema@.experiment_results.mean IS 'conversion rate or mean reward: reward_sum / trials';
COMMENT ON COLUMN @extschema@.experiment_results.ci_low IS 'lower end of the 95 % interval of mean (Wilson; normal for gaussian_thompson)';
COMMENT ON COLUMN @extschema@.experiment_results.ci_high IS 'upper end of the 95 % interval of mean';
COMMENT ON COLUMN @extschema@.experiment_results.p_best IS 'posterior probability that the arm is the best (NULL while paused)';
COMMENT ON COLUMN @extschema@.experiment_results.active IS 'false while the arm is paused';
COMMENT ON COLUMN @extschema@.experiment_results.lift IS
  'mean / mean of the control - 1, from the totals (0 for the control; NULL when its mean is 0); the same as naive_rel_uplift: read rel_uplift and its interval';
COMMENT ON COLUMN @extschema@.experiment_results.is_control IS 'true for the control arm';
COMMENT ON COLUMN @extschema@.experiment_results.abs_uplift IS 'mean minus the control''s mean (corrected for adaptive allocation)';
COMMENT ON COLUMN @extschema@.experiment_results.abs_ci_low IS 'lower end of the 95 % interval of abs_uplift';
COMMENT ON COLUMN @extschema@.experiment_results.abs_ci_high IS 'upper end of the 95 % interval of abs_uplift';
COMMENT ON COLUMN @extschema@.experiment_results.rel_uplift IS 'relative uplift over the control, a fraction (corrected for adaptive allocation)';
COMMENT ON COLUMN @extschema@.experiment_results.rel_ci_low IS 'lower end of the 95 % interval of rel_uplift (delta method)';
COMMENT ON COLUMN @extschema@.experiment_results.rel_ci_high IS 'upper end of the 95 % interval of rel_uplift';
COMMENT ON COLUMN @extschema@.experiment_results.p_value IS 'two-sided p-value of abs_uplift = 0';
COMMENT ON COLUMN @extschema@.experiment_results.chance_to_beat IS 'posterior probability that the arm beats the control';
COMMENT ON COLUMN @extschema@.experiment_results.expected_loss IS 'posterior expected loss (absolute) of choosing the arm instead of the control';
COMMENT ON COLUMN @extschema@.experiment_results.control_loss IS 'posterior expected loss (absolute) of keeping the control instead of the arm';
COMMENT ON COLUMN @extschema@.experiment_results.loss_vs_best IS 'posterior expected loss of choosing the arm instead of the best active arm (the stopping rule''s figure)';
COMMENT ON COLUMN @extschema@.experiment_results.naive_rel_uplift IS 'relative uplift from the totals, without the correction';
COMMENT ON COLUMN @extschema@.experiment_results.srm_p_value IS 'sample-ratio-mismatch chi-square p-value (uniform policy; NULL otherwise)';
COMMENT ON COLUMN @extschema@.experiment_results.srm_flag IS 'srm_p_value < 0.001: the split is not what was intended';
COMMENT ON COLUMN @extschema@.experiment_results.guardrail_failed IS 'a guardrail metric is worse than the control''s with 95 % confidence';
COMMENT ON COLUMN @extschema@.experiment_results.decision IS '''ship <arm>'', ''keep running'' or ''no difference'' (same on every row of the experiment)';
