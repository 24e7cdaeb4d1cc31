# journey_path bench: JOURNEY_EVENTS events (default 5 million) of
# JOURNEY_CUSTOMERS customers (default 100 000), eight touchpoint names,
# timestamps spread over a year.  JOURNEY_ORDER=random (default) stores the
# rows in an order unrelated to time; JOURNEY_ORDER=time stores them as an
# event log is written, in time order.  Serial plans, jit off.
#
# journey_path(touchpoint, ts) per customer against the plain-SQL path,
# array_agg(touchpoint ORDER BY ts, touchpoint), which each planner picks
# its own plan for (hash aggregation for journey_path; a sort for the
# ordered array_agg, which cannot be hashed).
N=${JOURNEY_EVENTS:-5000000}
C=${JOURNEY_CUSTOMERS:-100000}
ORDER=${JOURNEY_ORDER:-random}
case $ORDER in
random) ts_expr="(abs(hashint8(-i)::int8) % 31536000)" ;;
time) ts_expr="(i * 31536000 / $N)" ;;
*) echo "JOURNEY_ORDER must be random or time" >&2; return 1 ;;
esac
sql "CREATE TABLE journey_bench AS
     SELECT (1 + abs(hashint8(i)::int8) % $C)::int AS customer_id,
            (ARRAY['ad_click', 'email_open', 'web_visit', 'app_open', 'cart',
                   'checkout', 'search', 'support_call'])[1 + abs(hashint8(i + $N)::int8) % 8] AS touchpoint,
            timestamptz '2026-01-01' + $ts_expr * interval '1 second' AS ts
     FROM generate_series(1, $N::int8) i;
     VACUUM ANALYZE journey_bench;"
prewarm journey_bench
serial="SET max_parallel_workers_per_gather = 0;"
q_ours="SELECT customer_id, cxm.journey_path(touchpoint, ts) FROM journey_bench GROUP BY customer_id"
q_plain="SELECT customer_id, array_agg(touchpoint ORDER BY ts, touchpoint) FROM journey_bench GROUP BY customer_id"
q_last="SELECT customer_id, cxm.journey_path(touchpoint, ts, 10) FROM journey_bench GROUP BY customer_id"
q_floor="SELECT customer_id, count(*) FROM journey_bench GROUP BY customer_id"
# what any per-customer aggregate over the two columns costs at least: the
# scan, the hash grouping and two trivial transitions, no state to keep
q_floor2="SELECT customer_id, count(touchpoint), max(ts) FROM journey_bench GROUP BY customer_id"
q_unord="SELECT customer_id, array_agg(touchpoint) FROM journey_bench GROUP BY customer_id"
t_ours=$(bench_ms "$serial" "$q_ours")
t_plain=$(bench_ms "$serial" "$q_plain")
t_last=$(bench_ms "$serial" "$q_last")
t_floor=$(bench_ms "$serial" "$q_floor")
t_floor2=$(bench_ms "$serial" "$q_floor2")
t_unord=$(bench_ms "$serial" "$q_unord")
t_par=$(bench_ms "" "$q_ours")
# printing the 100,000 paths alone (read back from a table of the results)
sql "CREATE TABLE journey_out AS $q_ours; VACUUM ANALYZE journey_out;"
prewarm journey_out
t_out=$(bench_ms "$serial" "SELECT * FROM journey_out")
# the same paths (byte order for ties, as journey_path orders them)
diff=$(sql "SELECT count(*) FROM ($q_ours) o
            JOIN (SELECT customer_id, array_agg(touchpoint ORDER BY ts, touchpoint COLLATE \"C\") AS p
                  FROM journey_bench GROUP BY customer_id) r USING (customer_id)
            WHERE o.journey_path IS DISTINCT FROM r.p")
bench_row journey "events, customers, row order" "$N $C $ORDER"
bench_row journey "journey_path per customer (ms)" "$t_ours"
bench_row journey "array_agg(touchpoint ORDER BY ts, touchpoint) (ms)" "$t_plain"
bench_row journey "journey_path(.., 10) last 10 steps (ms)" "$t_last"
bench_row journey "count(*) per customer, scan+group floor (ms)" "$t_floor"
bench_row journey "count(touchpoint), max(ts) per customer: floor (ms)" "$t_floor2"
bench_row journey "array_agg(touchpoint), unordered, PostgreSQL's own (ms)" "$t_unord"
bench_row journey "printing the paths alone, from a table of them (ms)" "$t_out"
bench_row journey "journey_path, parallel plan allowed (ms)" "$t_par"
r=$(ratio "$t_plain" "$t_ours")
bench_row journey "speed-up over array_agg ORDER BY (serial)" "$r" "$(check_goal "$r" ">=" 2)"
bench_row journey "customers whose path differs" "$diff"
# no aggregate can beat the floor plus printing its result: array_agg ORDER
# BY / (floor + printing) bounds the speed-up any implementation can reach
t_bound=$(awk -v a="$t_floor2" -v b="$t_out" 'BEGIN { printf "%.3f", a + b }')
bench_row journey "bound: array_agg ORDER BY / (floor + printing)" "$(ratio "$t_plain" "$t_bound")"
bench_row journey "unordered array_agg / journey_path" "$(ratio "$t_unord" "$t_ours")"
sql "DROP TABLE journey_bench, journey_out"
