-- Run against the original and the restored database; outputs must match.
SET extra_float_digits = 3;
SELECT extversion FROM pg_extension WHERE extname = 'cxm';
SELECT * FROM app.nps_by_channel ORDER BY channel;
SELECT * FROM app.nps_daily ORDER BY day;
SELECT * FROM app.nps_snapshot ORDER BY channel;
SELECT * FROM app.answer_cat ORDER BY score;
SELECT * FROM app.nps90 ORDER BY channel;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT customer FROM app.journeys WHERE cxm.path_match(path, 'email .* search');
SELECT customer FROM app.journeys WHERE cxm.path_match(path, 'email .* search') ORDER BY customer;
RESET enable_seqscan;
SELECT * FROM app.journey_flags ORDER BY customer;
SELECT * FROM app.attribution_runs ORDER BY model;
SELECT * FROM app.rfm ORDER BY customer;
SELECT * FROM app.models;
SELECT * FROM app.scores ORDER BY id;
SELECT * FROM cxm.bandit_report('banner');
SELECT * FROM cxm.bandit_report('price');
SELECT experiment, policy, params, epsilon FROM cxm.bandit_experiment ORDER BY 1;
SELECT experiment, arm_no, arm, active FROM cxm.bandit_arm ORDER BY 1, 2;
SELECT experiment, arm_no, sum(trials), sum(reward_sum), sum(reward_sq) FROM cxm.bandit_counter GROUP BY 1, 2 ORDER BY 1, 2;
SELECT experiment, subject, arm_no, propensity, assigned_at FROM cxm.bandit_assignment ORDER BY 1, 2;
SELECT * FROM cxm.bandit_reassignment ORDER BY 1, 2;
-- sticky subjects keep their arm after the restore
SELECT cxm.bandit_seed(1);
SELECT cxm.bandit_choose('banner', 'v' || i) FROM generate_series(1, 20) i;
-- journeys (setup_25_journey.sql)
SELECT * FROM app.paths ORDER BY customer;
SELECT * FROM app.sessions ORDER BY customer, ts, touchpoint;
SELECT * FROM app.stored_paths ORDER BY customer;
-- the CX layer (setup_60_layer.sql): every view and table of schema cxm, as a
-- row count and an md5 of its rows in a fixed order, and the mappings
SELECT kind, source::text, source_name, customer_id, anonymous_id, touchpoint, ts, channel, amount, product, score, created_at
FROM cxm.sources ORDER BY 1, 2;
SELECT pg_catalog.format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(x::text, ''|'' ORDER BY x::text)), ''-'') FROM cxm.%I x',
                         c.relname, c.relname)
FROM pg_class c
WHERE c.relnamespace = 'cxm'::regnamespace AND c.relkind IN ('v', 'r', 'm')
  AND c.relname NOT IN ('sources') AND c.relname NOT LIKE 'bandit%'
ORDER BY c.relname \gexec
