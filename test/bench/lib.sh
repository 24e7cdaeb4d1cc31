# Helpers for test/bench/*.sh (sourced by test/bench.sh before each script).
# The environment already points psql at the bench server (PGHOST, PGPORT,
# PGDATABASE, PGUSER): plain `psql -X` connects.

# sql SCRIPT: run quietly (statement by statement), print unaligned tuples only
sql() {
	printf '%s\n' "$1" | psql -X -q -At -v ON_ERROR_STOP=1
}

# bench_ms SETUP QUERY [RUNS]: best wall time in milliseconds of QUERY over RUNS
# (default 3) runs in one session, after SETUP (SET commands; may be empty).
# jit is off; the rows go to /dev/null (wrapping the query in count(*) would
# let the planner drop unreferenced aggregates).
bench_ms() {
	local setup=$1 query=$2 runs=${3:-3} i script
	script="SET jit = off; $setup
\\timing on"
	for ((i = 0; i < runs; i++)); do
		script="$script
$query;"
	done
	printf '%s\n' "$script" | psql -X -q -v ON_ERROR_STOP=1 -o /dev/null 2>&1 |
		sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p' | sort -g | head -1
}

# bench_interleaved SETUP RUNS QUERY...: the median time in ms of each
# query over RUNS rounds in one session, the queries taking turns in every
# round so that a change of load on the shared machine hits them alike;
# prints the medians separated by spaces.  The time is the backend's CPU
# time (/proc/PID/schedstat, nanoseconds), which the other jobs on a shared
# machine do not inflate the way they inflate wall time; it is only right
# for serial plans (BENCH_CLOCK=wall measures wall time instead).  SETUP may
# also hold a warm-up query (e.g. count(*) of the table: a new backend's
# first touch of shared buffers costs page faults that should not land on
# the first query timed).  A query may be given as "SETTINGS||QUERY": the
# settings (e.g. SET enable_hashagg = off;) run untimed before it, each time.
bench_interleaved() {
	local setup=$1 runs=$2 i q script clock=${BENCH_CLOCK:-cpu} mark
	shift 2
	mark="\\! echo CPU \$(cut -d' ' -f1 /proc/\$BPID/schedstat)"
	script="SET jit = off; $setup
SELECT pg_backend_pid() AS bench_pid \\gset
\\setenv BPID :bench_pid"
	[ "$clock" = wall ] && script="$script
\\timing on"
	for ((i = 0; i < runs; i++)); do
		for q in "$@"; do
			if [[ $q == *"||"* ]]; then
				[ "$clock" = wall ] && script="$script
\\timing off"
				script="$script
${q%%||*}"
				[ "$clock" = wall ] && script="$script
\\timing on"
				q=${q#*||}
			fi
			if [ "$clock" = wall ]; then
				script="$script
$q;"
			else
				script="$script
$mark
$q;
$mark"
			fi
		done
	done
	printf '%s\n' "$script" | psql -X -q -v ON_ERROR_STOP=1 -o /dev/null 2>&1 |
		awk -v clock="$clock" -v k=$# '
			clock == "wall" && /^Time: / { v[m++] = $2 }
			clock != "wall" && /^CPU / { if (open) { v[m++] = ($2 - start) / 1e6; open = 0 } else { start = $2; open = 1 } }
			END {
				n = int(m / k)
				for (j = 0; j < k; j++) {
					for (i = 0; i < n; i++) w[i] = v[i * k + j] + 0
					for (i = 1; i < n; i++) {
						x = w[i]
						for (l = i; l > 0 && w[l - 1] > x; l--) w[l] = w[l - 1]
						w[l] = x
					}
					printf "%s%.1f", (j ? " " : ""), (n % 2 ? w[int(n / 2)] : (w[n / 2 - 1] + w[n / 2]) / 2)
				}
				print ""
			}'
}

# bench_grouping QUERY: "PLAN|SETTING": the grouping node the planner picks
# for QUERY (serial) and the setting that makes it use the other strategy
bench_grouping() {
	local plan
	plan=$(sql "SET max_parallel_workers_per_gather = 0; EXPLAIN (COSTS OFF) $1" |
		grep -m1 -oE 'HashAggregate|GroupAggregate|MixedAggregate')
	if [ "$plan" = HashAggregate ]; then
		echo "$plan|SET enable_hashagg = off;"
	else
		echo "$plan|SET enable_sort = off;"
	fi
}

# ratio A B: A / B with two decimals
ratio() {	# ratio A B [DIGITS]: A / B with DIGITS decimals (2); a goal near 0 wants more
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else print "n/a" }'
}

# bench_row FEATURE MEASURE VALUE [GOAL]: one line of the results table
bench_row() {
	printf '%-12s | %-58s | %14s | %s\n' "$1" "$2" "$3" "${4:-}"
}

# check_goal VALUE OP LIMIT: "PASS" or "MISS" (OP is <= or >=)
check_goal() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = (v != "" && v != "n/a") && ((op == "<=") ? (v + 0 <= l) : (v + 0 >= l));
		print (ok ? "PASS" : "MISS") " (goal " op " " l ")" }'
}

# prewarm TABLE: load the table into shared buffers (pg_prewarm, when the
# contrib module is there), so that no timed query pays for reading it
prewarm() {
	sql "SELECT pg_prewarm('$1')" >/dev/null 2>&1 || true
}
