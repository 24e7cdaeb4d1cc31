-- Fresh by default (doc/layer.md): the views read snapshots that a scheduled
-- refresh() keeps current incrementally.  make demo starts its server with
-- pg_cron when the Debian package is installed.
\pset footer off
SET client_min_messages = warning;
\echo
\echo '== Fresh by default: a new order, a scheduled refresh, the dashboard changes =='
SELECT current_setting('shared_preload_libraries') LIKE '%pg_cron%' AS have_cron \gset
\if :have_cron
CREATE EXTENSION pg_cron;
\echo 'SELECT cxm.schedule_refresh(''1 minute'');   -- pg_cron jobs: incremental refresh every minute, refit daily'
SELECT cxm.schedule_refresh('1 minute');
\echo '-- the dashboard (cxm.kpi_monthly reads its snapshot):'
SELECT to_char(month, 'YYYY-MM') AS month, round(revenue) AS revenue, orders, active_customers
FROM cxm.kpi_monthly ORDER BY month DESC LIMIT 1;
\echo 'INSERT INTO demo.shop_orders VALUES (9000001, 1001, ''2026-06-30 18:00+00'', 500.00, ''shoes'', true);'
INSERT INTO demo.shop_orders VALUES (9000001, 1001, '2026-06-30 18:00+00', 500.00, 'shoes', true);
SELECT clock_timestamp() AS inserted_at \gset
\echo '-- waiting for the scheduled refresh (at most a minute) ...'
SELECT set_config('cxm_demo.inserted_at', :'inserted_at', false) \gset
DO $$
BEGIN
  FOR i IN 1..90 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM cxm.refresh_log WHERE started_at > current_setting('cxm_demo.inserted_at')::timestamptz);
    PERFORM pg_sleep(1);
  END LOOP;
END $$;
SELECT to_char(month, 'YYYY-MM') AS month, round(revenue) AS revenue, orders, active_customers
FROM cxm.kpi_monthly ORDER BY month DESC LIMIT 1;
SELECT to_char(started_at, 'HH24:MI:SS') AS started, round(extract(epoch FROM finished_at - started_at) * 1000) AS ms,
       mode, rows_changed
FROM cxm.refresh_log LIMIT 3;
\else
\echo 'pg_cron is not installed here (Debian: apt-get install postgresql-15-cron); the views are'
\echo 'refreshed by SELECT cxm.refresh(); from any scheduler, or CALL cxm.refresh_job();'
\endif
