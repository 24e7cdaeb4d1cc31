#!/usr/bin/env bash
# pg_dump / restore test (run by make test).  A database that uses every
# feature is built from test/dump/setup_*.sql (in name order, in schema app),
# dumped with pg_dump in the custom format and restored with pg_restore into
# a fresh database; then test/dump/queries.sql runs in both and the outputs
# must be identical.  A plain-SQL dump restored with psql is checked the same
# way.  Adding a feature to the test is adding a setup file and queries.
# Prints "ok - ..." / "not ok - ..." lines.
#   test/dump_restore.sh [DIR]   DIR: where to put the throwaway server
set -uo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh
. test/server.sh

dir=${1:-$(mktemp -d /tmp/cxm-dump.XXXXXX)}
trap 'server_stop "$dir"; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
server_start "$dir" >/dev/null || { echo "not ok - dump: server did not start"; exit 1; }
export PGTZ=UTC
# refresh() reports its steps as NOTICEs
export PGOPTIONS="-c client_min_messages=warning"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

status=0
psql_q -d postgres -c "CREATE DATABASE cxm_orig"
psql_q -d cxm_orig -c "CREATE EXTENSION cxm" -c "CREATE SCHEMA app"
for f in test/dump/setup_*.sql; do
	if ! psql_q -d cxm_orig -o /dev/null -f "$f" >"$dir/setup.log" 2>&1; then
		cat "$dir/setup.log"
		echo "not ok - dump: setup $(basename "$f") failed"
		exit 1
	fi
done
run_queries() {	# run_queries DB OUT
	psql -X -a -v ON_ERROR_STOP=1 -P pager=off -d "$1" -f test/dump/queries.sql >"$2" 2>&1
}

# custom format, pg_restore into a new database
as_pg mkdir -p "$dir/dump" 2>/dev/null || mkdir -p "$dir/dump"
chmod 777 "$dir/dump"
"$PGBIN/pg_dump" -Fc -d cxm_orig -f "$dir/dump/orig.dump" || status=1
"$PGBIN/pg_dump" -Fp -d cxm_orig -f "$dir/dump/orig.sql" || status=1
psql_q -d postgres -c "CREATE DATABASE cxm_restored" -c "CREATE DATABASE cxm_restored_sql"
"$PGBIN/pg_restore" --exit-on-error -d cxm_restored "$dir/dump/orig.dump" >"$dir/restore.log" 2>&1 || {
	cat "$dir/restore.log"
	echo "not ok - dump: pg_restore failed"
	status=1
}
psql_q -d cxm_restored_sql -f "$dir/dump/orig.sql" >"$dir/restore_sql.log" 2>&1 || {
	tail -20 "$dir/restore_sql.log"
	echo "not ok - dump: psql restore of the plain dump failed"
	status=1
}

# the queries change state at the end (sticky choices): run the original last
run_queries cxm_restored "$dir/restored.out"
run_queries cxm_restored_sql "$dir/restored_sql.out"
run_queries cxm_orig "$dir/orig.out"
if grep -q 'ERROR:' "$dir/orig.out"; then
	grep -B3 'ERROR:' "$dir/orig.out" | head -20
	echo "not ok - dump: queries fail on the original database"
	status=1
fi
nq=$(grep -c '^SELECT\|^EXPLAIN' test/dump/queries.sql)
nrows=$(grep -cE '^\([0-9]+ rows?\)' "$dir/orig.out")
for r in restored restored_sql; do
	if diff -u "$dir/orig.out" "$dir/$r.out" >"$dir/$r.diff"; then
		echo "ok - dump: $nq queries give identical output after pg_dump and $([ $r = restored ] && echo pg_restore -Fc || echo psql -f plain.sql) ($nrows result sets, $(wc -l <"$dir/orig.out") lines)"
	else
		head -60 "$dir/$r.diff"
		cp "$dir/$r.diff" "$REPO/dump_restore.diffs" 2>/dev/null || true
		echo "not ok - dump: query output differs after restore ($r; dump_restore.diffs)"
		status=1
	fi
done
exit $status
