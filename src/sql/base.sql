-- cxm install script, built by the Makefile from src/sql/*.sql
-- (one file per feature, joined in dependency order).
\echo Use "CREATE EXTENSION cxm" to load this file. \quit

COMMENT ON SCHEMA @extschema@ IS
  'cxm: customer-experience analytics (NPS, journeys, churn and CLV, experiments, CX views)';
