# journey_path bench at two sizes (JOURNEY_SIZES, default 5 M events over
# 100,000 customers and 300,000 events over 20,000 customers; or one size,
# JOURNEY_EVENTS events of JOURNEY_CUSTOMERS customers), eight touchpoint
# names, timestamps spread over a year.  JOURNEY_ORDER=random (default)
# stores the rows in an order unrelated to time; JOURNEY_ORDER=time stores
# them as an event log is written, in time order.  Serial plans, jit off,
# default planner settings; JOURNEY_RUNS rounds (default 3; five times as
# many below a million events, whose queries take a tenth of a second and
# whose medians of 3 moved by a quarter between runs), medians.
#
# journey_path(touchpoint, ts) per customer against the plain-SQL path,
# array_agg(touchpoint ORDER BY ts, touchpoint), which each planner picks
# its own plan for (hash aggregation for journey_path; a sort for the
# ordered array_agg, which cannot be hashed), and against its floor: the
# same GROUP BY with two trivial aggregates (count(touchpoint), max(ts)),
# plus printing the paths.  Goals (doc/journeys.md): >= 2x array_agg ORDER
# BY, <= 1.3x the floor, the planner's choice of hash or sorted grouping the
# faster one, the same paths.  The ratios come from queries timed in turns.
ORDER=${JOURNEY_ORDER:-random}
RUNS=${JOURNEY_RUNS:-3}
if [ -n "${JOURNEY_EVENTS:-}${JOURNEY_CUSTOMERS:-}" ]; then
	SIZES="${JOURNEY_EVENTS:-5000000}:${JOURNEY_CUSTOMERS:-100000}"
else
	SIZES=${JOURNEY_SIZES:-"5000000:100000 300000:20000"}
fi

journey_size() {
	local N=$1 C=$2 ts_expr serial warm q_ours q_plain q_last q_floor q_floor2 q_unord
	local other t_ours t_plain t_floor2 t_sorted t_last t_floor t_unord t_par t_out diff plan r t_bound
	local runs=$RUNS
	[ "$N" -lt 1000000 ] && runs=$((RUNS * 5))
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
	warm="$serial SELECT count(*) FROM journey_bench;"
	q_ours="SELECT customer_id, cxm.journey_path(touchpoint, ts) FROM journey_bench GROUP BY customer_id"
	q_plain="SELECT customer_id, array_agg(touchpoint ORDER BY ts, touchpoint) FROM journey_bench GROUP BY customer_id"
	q_last="SELECT customer_id, cxm.journey_path(touchpoint, ts, 10) FROM journey_bench GROUP BY customer_id"
	q_floor="SELECT customer_id, count(*) FROM journey_bench GROUP BY customer_id"
	# what any per-customer aggregate over the two columns costs at least: the
	# scan, the hash grouping and two trivial transitions, no state to keep
	q_floor2="SELECT customer_id, count(touchpoint), max(ts) FROM journey_bench GROUP BY customer_id"
	q_unord="SELECT customer_id, array_agg(touchpoint) FROM journey_bench GROUP BY customer_id"
	IFS="|" read -r plan other <<<"$(bench_grouping "$q_ours")"
	# the goal's ratios: ours (the planner's plan and the other one), the
	# plain SQL and the floor taking turns
	read -r t_ours t_plain t_floor2 t_sorted <<<"$(bench_interleaved "$warm" "$runs" \
		"RESET enable_hashagg; RESET enable_sort;||$q_ours" "$q_plain" "$q_floor2" "$other||$q_ours")"
	read -r t_last t_floor t_unord <<<"$(bench_interleaved "$warm" "$runs" "$q_last" "$q_floor" "$q_unord")"
	read -r t_par <<<"$(bench_interleaved "SELECT count(*) FROM journey_bench;" "$runs" "$q_ours")"
	# printing the paths alone (read back from a table of the results)
	sql "CREATE TABLE journey_out AS $q_ours; VACUUM ANALYZE journey_out;"
	prewarm journey_out
	read -r t_out <<<"$(bench_interleaved "$serial SELECT count(*) FROM journey_out;" "$runs" "SELECT * FROM journey_out")"
	# the same paths (byte order for ties, as journey_path orders them)
	diff=$(sql "SELECT count(*) FROM ($q_ours) o
	            JOIN (SELECT customer_id, array_agg(touchpoint ORDER BY ts, touchpoint COLLATE \"C\") AS p
	                  FROM journey_bench GROUP BY customer_id) r USING (customer_id)
	            WHERE o.journey_path IS DISTINCT FROM r.p")
	bench_row journey "events, customers, row order" "$N $C $ORDER"
	bench_row journey "journey_path per customer (ms, median)" "$t_ours"
	bench_row journey "array_agg(touchpoint ORDER BY ts, touchpoint) (ms)" "$t_plain"
	bench_row journey "count(touchpoint), max(ts) per customer: floor (ms)" "$t_floor2"
	bench_row journey "printing the paths alone, from a table of them (ms)" "$t_out"
	bench_row journey "journey_path(.., 10) last 10 steps (ms)" "$t_last"
	bench_row journey "count(*) per customer, scan+group floor (ms)" "$t_floor"
	bench_row journey "array_agg(touchpoint), unordered, PostgreSQL's own (ms)" "$t_unord"
	bench_row journey "journey_path, parallel plan allowed (ms)" "$t_par"
	r=$(ratio "$t_plain" "$t_ours")
	bench_row journey "speed-up over array_agg ORDER BY (serial)" "$r" "$(check_goal "$r" ">=" 2)"
	# no aggregate can beat the floor plus printing its result
	t_bound=$(awk -v a="$t_floor2" -v b="$t_out" 'BEGIN { printf "%.1f", a + b }')
	r=$(ratio "$t_ours" "$t_bound")
	bench_row journey "journey_path / (floor + printing)" "$r" "$(check_goal "$r" "<=" 1.3)"
	bench_row journey "bound: array_agg ORDER BY / (floor + printing)" "$(ratio "$t_plain" "$t_bound")"
	bench_row journey "planner's plan; the other grouping: $other (ms)" "$plan; $t_sorted"
	r=$(ratio "$t_ours" "$t_sorted")
	bench_row journey "planner's plan / the other grouping" "$r" "$(check_goal "$r" "<=" 1.1)"
	bench_row journey "unordered array_agg / journey_path" "$(ratio "$t_unord" "$t_ours")"
	bench_row journey "customers whose path differs" "$diff" "$(check_goal "$diff" "<=" 0)"
	sql "DROP TABLE journey_bench, journey_out"
}

for size in $SIZES; do
	journey_size "${size%%:*}" "${size##*:}"
done
