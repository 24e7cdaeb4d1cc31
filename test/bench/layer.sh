# CX layer bench: the demo shop (test/demo/05_layer_data.sql) at 100,000
# customers (about 1.4 million web events, 185,000 orders, 50,000 anonymous
# visitors), mapped; SELECT * FROM cxm.customer_360 live and materialised,
# refresh() in both modes, kpi_monthly, and a one-profile lookup through the
# stitched touchpoints view with indexes on the mapped id columns (expression
# indexes ((col::text)) where the id is not text).
N=${LAYER_CUSTOMERS:-100000}
sql "CREATE SCHEMA demo"
psql -X -q -v ON_ERROR_STOP=1 -v layer_customers="$N" -f test/demo/05_layer_data.sql >/dev/null
sql "CREATE INDEX ON demo.clickstream (cookie_id);
     CREATE INDEX ON demo.shop_orders (\"Client No\");
     CREATE INDEX ON demo.email ((recipient::text));
     CREATE INDEX ON demo.login_links ((\"Client No\"::text));
     VACUUM ANALYZE demo.clickstream, demo.shop_orders, demo.email, demo.login_links, demo.crm_clients, demo.nps_survey;
     SELECT cxm.map_customers('demo.crm_clients', 'Client No', 'Signed Up');
     SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel');
     SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
     SELECT cxm.map_identities('demo.login_links', 'Cookie', 'Client No');
     SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Ordered At', 'Total EUR', 'Category');
     SELECT cxm.map_feedback('demo.nps_survey', 'Client No', 'Submitted', 'Q1 Score');
     UPDATE cxm.settings SET as_of = '2026-07-01 00:00+00', funnel_steps = '{home,product,cart,checkout}';" >/dev/null
touchpoints=$(sql "SELECT count(*) FROM cxm.touchpoints")
profiles=$(sql "SELECT count(*) FROM (SELECT DISTINCT customer_id FROM cxm.touchpoints) x")
bench_row layer "data: customers / touchpoints / profiles" "$N / $touchpoints / $profiles"
t_refresh=$(bench_ms "" "SELECT cxm.refresh()" 1)
bench_row layer "refresh(): fit BG/NBD + Gamma-Gamma (ms)" "$t_refresh"
t_live=$(bench_ms "" "SELECT * FROM cxm.customer_360" 2)
bench_row layer "SELECT * FROM customer_360, live (ms)" "$t_live"
t_kpi=$(bench_ms "" "SELECT * FROM cxm.kpi_monthly" 1)
bench_row layer "SELECT * FROM kpi_monthly, live (ms)" "$t_kpi"
t_lookup=$(bench_ms "" "SELECT * FROM cxm.touchpoints WHERE customer_id = 'v-17'" 3)
bench_row layer "one profile's touchpoints, indexed id columns (ms)" "$t_lookup" "$(check_goal "$t_lookup" "<=" 50)"
t_switch=$(bench_ms "" "SELECT cxm.set_materialized(true)" 1)
bench_row layer "set_materialized(true): refresh + snapshots (ms)" "$t_switch"
t_mat=$(bench_ms "" "SELECT * FROM cxm.customer_360" 3)
bench_row layer "SELECT * FROM customer_360, materialised (ms)" "$t_mat"
t_kpi_mat=$(bench_ms "" "SELECT * FROM cxm.kpi_monthly" 3)
bench_row layer "SELECT * FROM kpi_monthly, materialised (ms)" "$t_kpi_mat"
r=$(ratio "$t_live" "$t_mat")
bench_row layer "customer_360 live / materialised" "$r"
same=$(sql "SELECT count(*) = 0 FROM (SELECT customer_id, orders, revenue, lifecycle_stage FROM cxm.customer_360
            EXCEPT SELECT customer_id, orders, revenue, lifecycle_stage FROM cxm.customer_360_live) x")
bench_row layer "materialised rows = live rows" "$same"
sql "SELECT cxm.set_materialized(false)" >/dev/null
