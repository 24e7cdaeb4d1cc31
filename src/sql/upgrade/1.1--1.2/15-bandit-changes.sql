-- issue 15, before 15-bandit_analysis.sql: the 1.1 objects that change.
-- New columns of the bandit storage (src/sql/bandit.sql), and the 1.1
-- versions of bandit_create, bandit_drop and bandit_report dropped with the
-- view that uses bandit_report (15-experiment-results.sql recreates it).

ALTER TABLE @extschema@.bandit_experiment
  ADD COLUMN control_arm_no pg_catalog.int4 NOT NULL DEFAULT 1,
  ADD COLUMN loss_threshold pg_catalog.float8 NOT NULL DEFAULT 0.001,
  ADD COLUMN min_sample     pg_catalog.int8 NOT NULL DEFAULT 100;
COMMENT ON COLUMN @extschema@.bandit_experiment.control_arm_no IS 'the control arm every other arm is compared with (bandit_arm.arm_no)';
COMMENT ON COLUMN @extschema@.bandit_experiment.loss_threshold IS
  'stopping rule: an expected loss below this fraction of the control''s mean counts as negligible';
COMMENT ON COLUMN @extschema@.bandit_experiment.min_sample IS 'stopping rule: trials every active arm needs before a decision';

ALTER TABLE @extschema@.bandit_assignment
  ADD COLUMN reward pg_catalog.float8 NOT NULL DEFAULT 0;
COMMENT ON COLUMN @extschema@.bandit_assignment.reward IS 'sum of the rewards recorded for the subject by bandit_convert';

DROP VIEW @extschema@.experiment_results;
DROP FUNCTION @extschema@.bandit_report(pg_catalog.text);
DROP FUNCTION @extschema@.bandit_create(pg_catalog.text, pg_catalog.text[], pg_catalog.text, pg_catalog.jsonb);
DROP FUNCTION @extschema@.bandit_drop(pg_catalog.text);
