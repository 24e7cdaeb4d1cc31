#!/usr/bin/env bash
# make sqlsmith: random SQL from sqlsmith (Debian package) against a throwaway
# server with the extension and the demo data (test/demo/*.sql), then a check
# of the server log: any backend "terminated by signal" fails the run.
# Not part of make test.
#   SMITH_QUERIES   queries to generate (default 20000)
#   SMITH_SEED      RNG seed (default 1)
#   SMITH_FOCUS=1   revoke EXECUTE on most of pg_catalog's functions from the smith user (by default it can call everything):
#                   queries calling only cxm functions and operators run, the
#                   others fail early with a permission error (the
#                   generator still sees every function, queries calling the
#                   others just fail quickly with a permission error)
set -uo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh
. test/server.sh
bash test/deps.sh sqlsmith || exit 1
make -s >/dev/null || exit 1

queries=${SMITH_QUERIES:-20000}
seed=${SMITH_SEED:-1}
dir=$(private_dir sqlsmith)
[ -d "$dir" ] && { PGBIN=$(ls -d "$dir"/inst/usr/lib/postgresql/*/bin 2>/dev/null | head -1); server_stop "$dir"; rm -rf "$dir"; }
trap 'server_stop "$dir"' EXIT
server_start "$dir" log_min_messages=warning log_min_error_statement=panic \
	max_parallel_workers_per_gather=2 parallel_setup_cost=10 min_parallel_table_scan_size=0 >/dev/null || exit 1
export PGDATABASE=cxm_smith
psql -X -q -d postgres -c "CREATE DATABASE cxm_smith"
psql -X -q -c "CREATE EXTENSION cxm" -c "CREATE SCHEMA demo"
for f in test/demo/[0-9]*.sql; do
	[ -e "$f" ] || continue
	psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f "$f" >/dev/null || echo "warning: $f failed" >&2
done
# a bandit experiment and a table of journeys for the generator to find
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || exit 1
SELECT cxm.bandit_create('smith', ARRAY['a', 'b', 'c']);
CREATE TABLE demo.smith_paths AS
  SELECT i AS id, (SELECT array_agg((ARRAY['email','search','ad','direct'])[1 + (i * 7 + k * 3) % 4]) FROM generate_series(1, 1 + i % 8) k) AS path,
         (i % 3)::float8 AS conversions, (ARRAY['a .* b', '^email', 'search{2,}', '(ad|direct)+$', 'x?'])[1 + i % 5] AS pattern
  FROM generate_series(1, 200) i;
CREATE TABLE demo.smith_models AS
  SELECT cxm.bgnbd_fit(f, r, t) AS bg
  FROM (VALUES (0::float8, 0::float8, 10::float8), (2, 5, 10), (1, 3, 10), (4, 9, 10), (0, 0, 5)) v(f, r, t);
CREATE ROLE smith LOGIN;
ALTER ROLE smith SET statement_timeout = '2s';
GRANT USAGE ON SCHEMA demo, cxm TO smith;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO smith;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA cxm TO smith;
SQL
if [ "${SMITH_FOCUS:-0}" = 1 ]; then
	# keep the functions the generator needs to build queries at all
	# (comparison operators, casts), revoke the rest of pg_catalog's
	psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
           WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
             AND NOT EXISTS (SELECT 1 FROM pg_operator o WHERE o.oprcode = p.oid)
             AND NOT EXISTS (SELECT 1 FROM pg_cast c WHERE c.castfunc = p.oid)
             AND p.prorettype NOT IN ('internal'::regtype, 'trigger'::regtype, 'event_trigger'::regtype,
                                      'language_handler'::regtype, 'fdw_handler'::regtype,
                                      'index_am_handler'::regtype, 'table_am_handler'::regtype,
                                      'tsm_handler'::regtype, 'cstring'::regtype)
             AND p.proname NOT LIKE '%in' AND p.proname NOT LIKE '%out'
             AND p.proname NOT LIKE '%recv' AND p.proname NOT LIKE '%send'
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END $$;
SQL
fi
echo "sqlsmith: $queries queries, seed $seed, server log $dir/server.log"
start=$(date +%s)
timeout "${SMITH_TIMEOUT:-900}" sqlsmith --target="host=$PGHOST port=$PGPORT dbname=cxm_smith user=smith" \
	--seed="$seed" --max-queries="$queries" --verbose --dump-all-queries >"$dir/sqlsmith.out" 2>"$dir/sqlsmith.err"
rc=$?
end=$(date +%s)
tail -c 2000 "$dir/sqlsmith.err" | tr '\r' '\n' | grep -E 'queries|error|Generating|crash' | tail -15
crashes=$(server_crashes "$dir")
alive=$(psql -X -At -c "SELECT 1" 2>/dev/null)
echo "sqlsmith exit status $rc after $((end - start)) s"
# queries are separated by ";" lines; count those that call a cxm function
cxm_calls=$(awk 'BEGIN { RS = ";\n" } /cxm\.[a-z_0-9]+\(/ { n++ } END { print n + 0 }' "$dir/sqlsmith.out")
generated=$(grep -o 'queries: [0-9]*' "$dir/sqlsmith.err" | tail -1 | grep -o '[0-9]*')
echo "queries generated: ${generated:-0}, of which call a cxm function: $cxm_calls"
grep -o 'cxm\.[a-z_0-9]*(' "$dir/sqlsmith.out" | sort | uniq -c | sort -rn | awk '{ printf "%s%s %s", (NR > 1 ? ", " : "cxm calls: "), $2, $1 } END { print "" }'
if [ "${generated:-0}" -eq 0 ]; then
	head -20 "$dir/sqlsmith.err"
	echo "FAIL: sqlsmith generated no query"
	exit 1
fi
if [ -n "$crashes" ] || [ "$alive" != 1 ]; then
	echo "$crashes"
	grep -B2 -A8 'terminated by signal' "$dir/server.log" | head -60
	echo "FAIL: backend crash (server log kept in $dir/server.log)"
	exit 1
fi
echo "PASS: no backend crashed"
