#!/usr/bin/env bash
# make check-citus: cxm on a Citus cluster (doc/scale-out.md).
#
# Starts a coordinator and two workers on local ports in a throwaway
# directory, creates cxm with one CREATE EXTENSION on the coordinator,
# distributes generated tables by customer and, for every aggregate of the
# extension (listed from pg_aggregate, so a new one cannot be forgotten),
# grouped by the distribution column, by another column and over all rows:
#   - asserts from EXPLAIN (VERBOSE) that the aggregate runs on the workers
#     (the workers' queries call it, fully or as worker_partial_agg, and no
#     worker query returns raw rows to be aggregated on the coordinator);
#   - asserts that the answer equals the same query over a plain copy of the
#     tables on the coordinator (one node), compared as text.
# Prints "ok - ..." / "not ok - ..." and ends with "N passed, N failed".
# Without Citus installed it says how to get it and exits 0 with "skipped".
#
#   CITUS_ONLY=PATTERN checks only the aggregates whose signature matches;
#   CITUS_LAYER=0 skips the CX layer part (test/citus/layer.sh);
#   CITUS_SHOW_PLANS=1 prints every plan; CITUS_KEEP=1 keeps the directory.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/pgenv.sh

pkglib=$($PG_CONFIG --pkglibdir 2>/dev/null)
share=$($PG_CONFIG --sharedir 2>/dev/null)
if [ ! -f "$pkglib/citus.so" ] || [ ! -f "$share/extension/citus.control" ]; then
	echo "Citus is not installed for $($PG_CONFIG --version 2>/dev/null || echo PostgreSQL)."
	echo "Install it (packages or from source: doc/scale-out.md, \"Installing Citus\") and run make check-citus again."
	echo "skipped"
	exit 0
fi

. test/server.sh
bash test/deps.sh || exit 1
make -s >/dev/null || { echo "build failed"; exit 1; }

work=$(mktemp -d /tmp/cxm-citus.XXXXXX)
chmod 755 "$work"
cxm_tree "$work/inst"
export PGUSER=postgres PGHOST=127.0.0.1
ports=()
stop_all() {
	local n
	for n in coord w1 w2; do
		[ -f "$work/$n/data/postmaster.pid" ] &&
			as_pg "$PGBIN/pg_ctl" -D "$work/$n/data" -m immediate stop >/dev/null 2>&1
	done
	[ "${CITUS_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap stop_all EXIT

port=$(free_port "${CITUS_PORT_BASE:-58432}")
for n in coord w1 w2; do
	mkdir -p "$work/$n/data" "$work/$n/sock"
	chown "$PG_RUN_AS" "$work/$n/data" "$work/$n/sock" 2>/dev/null || true
	as_pg "$PGBIN/initdb" -D "$work/$n/data" -A trust -U postgres >/dev/null || exit 1
	port=$(free_port "$port")
	if ! as_pg "$PGBIN/pg_ctl" -D "$work/$n/data" -l "$work/$n/sock/server.log" -w -t 300 \
		-o "-p $port -k $work/$n/sock -c listen_addresses=127.0.0.1 -c jit=off \
			-c shared_preload_libraries=citus -c max_connections=60 \
			-c max_worker_processes=16" start >/dev/null; then
		cat "$work/$n/sock/server.log"
		exit 1
	fi
	ports+=("$port")
	port=$((port + 1))
done
coord=${ports[0]}

passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }
q() {	# q PORT SQL: one query, unaligned, no headers
	psql -X -q -v ON_ERROR_STOP=1 -At -p "$1" -d postgres -c "$2"
}
answer() {	# answer SQL: the rows, or the ERROR line (warnings and the
	# CONTEXT naming the worker are left out: they differ by node)
	local err
	err=$(mktemp)
	q "$coord" "$1" 2>"$err"
	grep -E '^(psql:.*)?ERROR' "$err" | sed -E 's/^psql:[^E]*ERROR/ERROR/'
	rm -f "$err"
}

for p in "${ports[@]}"; do
	q "$p" "CREATE EXTENSION citus" >/dev/null || exit 1
done
q "$coord" "SELECT citus_set_coordinator_host('127.0.0.1', $coord)" >/dev/null || exit 1
q "$coord" "SELECT citus_add_node('127.0.0.1', ${ports[1]}); SELECT citus_add_node('127.0.0.1', ${ports[2]})" >/dev/null || exit 1
if q "$coord" "CREATE EXTENSION cxm" >/dev/null; then
	ok "CREATE EXTENSION cxm on the coordinator"
else
	notok "CREATE EXTENSION cxm on the coordinator"
	exit 1
fi
v1=$(q "${ports[1]}" "SELECT extversion FROM pg_extension WHERE extname = 'cxm'")
v2=$(q "${ports[2]}" "SELECT extversion FROM pg_extension WHERE extname = 'cxm'")
[ "$v1" = "$(q "$coord" "SELECT extversion FROM pg_extension WHERE extname = 'cxm'")" ] && [ "$v1" = "$v2" ] &&
	ok "cxm $v1 is on both workers" || notok "cxm on the workers: '$v1' '$v2'"

# ---- data: generated, deterministic; each table also as a plain local copy
psql -X -q -v ON_ERROR_STOP=1 -p "$coord" -d postgres -f test/citus/data.sql >/dev/null || exit 1

# ---- every aggregate of the extension, with arguments for the check ------
# One line per aggregate signature: "signature|table|arguments".  The table's
# columns: customer_id (distribution column), seg (another column).
cases=test/citus/aggregates.txt
listed=$(grep -v '^#' "$cases" | cut -d'|' -f1 | sort)
catalog=$(q "$coord" "SELECT p.oid::regprocedure FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
	JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
	JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cxm' ORDER BY 1" | sort)
if [ "$listed" = "$catalog" ]; then
	ok "test/citus/aggregates.txt lists every aggregate of cxm ($(echo "$catalog" | wc -l))"
else
	notok "test/citus/aggregates.txt and pg_aggregate differ:"
	diff <(echo "$listed") <(echo "$catalog") | sed 's/^/#   /'
fi

# pushed_down PLAN AGG: every worker query of the plan computes AGG (in full
# or as worker_partial_agg), so no raw rows travel to the coordinator
pushed_down() {
	local plan=$1 agg=$2 queries
	queries=$(echo "$plan" | grep -E '^ *Query: ' | sed -E 's/^ *Query: //')
	[ -n "$queries" ] || return 1
	echo "$queries" | while IFS= read -r l; do
		case "$l" in
		*worker_partial_agg\(*|*"cxm.$agg("*|*" $agg("*) ;;
		*) exit 1 ;;
		esac
	done
}

shown=0
while IFS='|' read -r sig tab args; do
	case "$sig" in '#'* | '') continue ;; esac
	[[ "$sig" == *"${CITUS_ONLY:-}"* ]] || continue
	name=${sig%%(*}
	name=${name#cxm.}
	for g in customer_id seg all; do
		if [ "$g" = all ]; then
			sel="cxm.$name($args)::text"
			grp=""
			ord=""
		else
			sel="$g, cxm.$name($args)::text"
			grp=" GROUP BY $g"
			ord=" ORDER BY 1"
		fi
		dist="SELECT $sel FROM $tab$grp"
		plan=$(q "$coord" "SET citus.explain_all_tasks = on; EXPLAIN (VERBOSE, COSTS OFF) $dist" 2>&1)
		if pushed_down "$plan" "$name"; then
			ok "$sig by $g: pushed down"
		else
			notok "$sig by $g: not pushed down"
			echo "$plan" | sed 's/^/#   /' | head -40
		fi
		if [ "${CITUS_SHOW_PLANS:-0}" = 1 ] || { [ $shown -lt 3 ] && [ "$name" = rfm ]; }; then
			echo "# plan of: $dist"
			echo "$plan" | sed 's/^/#   /'
			shown=$((shown + 1))
		fi
		a=$(answer "$dist$ord")
		b=$(answer "SELECT $sel FROM ${tab}_local$grp$ord")
		if [ "$a" = "$b" ] && [ -n "$a" ]; then
			ok "$sig by $g: same answer as one node"
		else
			notok "$sig by $g: answers differ from one node"
			diff <(echo "$b") <(echo "$a") | head -10 | sed 's/^/#   /'
		fi
	done
done <"$cases"

if [ "${CITUS_LAYER:-1}" = 1 ] && [ -f test/citus/layer.sh ]; then
	. test/citus/layer.sh
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
