-- The dashboard's read-only role (doc/dashboard.md), run by a superuser with
-- psql -v role=NAME (default cxm_dashboard); run it again after mapping more
-- tables.  The role gets USAGE on schema cxm, SELECT on the cxm views, on the
-- mapped source relations (the views are security_invoker: they read the
-- sources with the caller's privileges), on the experiment tables that
-- cxm.experiment_results reads through bandit_report(), and on the snapshot
-- tables the views read in materialised mode.  Nothing else: no other schema,
-- no write, no function beyond what PUBLIC has.
\if :{?role}
\else
\set role cxm_dashboard
\endif
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'role') AS create_role \gset
\if :create_role
CREATE ROLE :"role" LOGIN;
\endif
COMMENT ON ROLE :"role" IS 'cxm dashboard: reads the cxm views (doc/dashboard.md)';
-- the settings of a BI connection (doc/layer.md, JIT)
ALTER ROLE :"role" SET jit = off;
ALTER ROLE :"role" SET default_transaction_read_only = on;
REVOKE ALL ON ALL TABLES IN SCHEMA cxm FROM :"role";
GRANT USAGE ON SCHEMA cxm TO :"role";
SELECT pg_catalog.format('GRANT SELECT ON %s TO %I', c.oid::regclass, :'role')
FROM pg_catalog.pg_class c
WHERE c.relnamespace = 'cxm'::regnamespace
  AND (c.relkind = 'v'
       OR c.relname IN ('bandit_experiment', 'bandit_arm', 'bandit_assignment', 'bandit_counter',
                        'bandit_metric', 'bandit_metric_value')
       OR c.relname LIKE '%\_snapshot')
ORDER BY c.relname \gexec
SELECT DISTINCT pg_catalog.format('GRANT SELECT ON %s TO %I', s.source, :'role')
FROM cxm.sources s \gexec
