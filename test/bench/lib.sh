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

# ratio A B: A / B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# bench_row FEATURE MEASURE VALUE [GOAL]: one line of the results table
bench_row() {
	printf '%-12s | %-58s | %14s | %s\n' "$1" "$2" "$3" "${4:-}"
}

# check_goal VALUE OP LIMIT: "PASS" or "MISS" with the goal (OP is <= or >=)
check_goal() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = (op == "<=") ? (v <= l) : (v >= l);
		print (ok ? "PASS" : "MISS") " (goal " op " " l ")" }'
}

# prewarm TABLE: load the table into shared buffers (pg_prewarm, when the
# contrib module is there), so that no timed query pays for reading it
prewarm() {
	sql "SELECT pg_prewarm('$1')" >/dev/null 2>&1 || true
}
