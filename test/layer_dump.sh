#!/usr/bin/env bash
# pg_dump / restore round trip of the CX layer (meant to be run by make test).
# On a throwaway server: load the demo data, map it, switch on materialised mode,
# refresh; dump with pg_dump -Fc; restore into a new database with pg_restore;
# then every view of the layer, cxm.sources, cxm.settings and cxm.models must
# read the same in both databases, and mapping must keep working afterwards.
# Prints "ok - ..." (exit 0), or the differences and "not ok - ..." (exit 1);
# test/run_tests.sh counts it.
set -uo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh

work=$(mktemp -d /tmp/cxm-dump.XXXXXX)
chmod 755 "$work"
cleanup() {
	[ -f "$work/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
make -s >/dev/null || { echo "layer_dump: build failed"; exit 1; }
cxm_tree "$work/inst"
mkdir -p "$work/data" "$work/sock" "$work/out"
chown "$PG_RUN_AS" "$work/data" "$work/sock" "$work/out" 2>/dev/null || true
as_pg "$PGBIN/initdb" -D "$work/data" -A trust -U postgres >/dev/null || { echo "layer_dump: initdb failed"; exit 1; }
port=$(free_port 58432)
as_pg "$PGBIN/pg_ctl" -D "$work/data" -l "$work/data/server.log" -w \
	-o "-p $port -k $work/sock -c listen_addresses=''" start >/dev/null || { echo "layer_dump: server did not start"; exit 1; }
export PGHOST=$work/sock PGPORT=$port PGUSER=postgres PGTZ=UTC
# refresh() reports its steps as NOTICEs
export PGOPTIONS="-c client_min_messages=warning"
# psql runs as the invoking user (it reads files of the clone); the server trusts local connections
run() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

run -d postgres -c "CREATE DATABASE layer_src" || exit 1
run -d layer_src -c "CREATE EXTENSION cxm" -c "CREATE SCHEMA demo" || exit 1
run -d layer_src -v layer_customers=150 -f test/demo/05_layer_data.sql >/dev/null || exit 1
run -d layer_src >/dev/null <<'SQL' || exit 1
SELECT cxm.map_customers('demo.crm_clients', 'Client No', 'Signed Up');
SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Ordered At', 'Total EUR', 'Category');
SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel');
SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
SELECT cxm.map_identities('demo.login_links', 'Cookie', 'Client No');
SELECT cxm.map_feedback('demo.nps_survey', 'Client No', 'Submitted', 'Q1 Score');
UPDATE cxm.settings SET as_of = '2026-07-01 00:00+00', funnel_steps = '{home,product,cart,checkout}';
SELECT cxm.set_materialized(true);
SQL

# one line per object: its name and an md5 of all its rows in a fixed order
fingerprint() {
	run -d "$1" -At <<'SQL'
SELECT c.relname || ' ' || c.relkind::text
FROM pg_class c WHERE c.relnamespace = 'cxm'::regnamespace AND c.relkind IN ('v', 'r') ORDER BY 1;
SELECT pg_catalog.format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(x::text, ''|'' ORDER BY x::text)), ''-'') FROM cxm.%I x',
                         c.relname, c.relname)
FROM pg_class c
WHERE c.relnamespace = 'cxm'::regnamespace AND c.relkind IN ('v', 'r')
  AND c.relname NOT IN ('sources')   -- compared below without mapped_at
ORDER BY c.relname \gexec
SELECT kind, source::text, source_name, customer_id, anonymous_id, touchpoint, ts, channel, amount, product, score, created_at
FROM cxm.sources ORDER BY 1, 2;
SELECT c.relname || ': ' || md5(pg_get_viewdef(c.oid)) FROM pg_class c
WHERE c.relnamespace = 'cxm'::regnamespace AND c.relkind = 'v' ORDER BY 1;
SQL
}
fingerprint layer_src >"$work/out/before" || { echo "layer_dump: reading the source database failed"; exit 1; }

as_pg "$PGBIN/pg_dump" -Fc -d layer_src -f "$work/out/layer.dump" || { echo "layer_dump: pg_dump failed"; exit 1; }
run -d postgres -c "CREATE DATABASE layer_restored" || exit 1
if ! as_pg "$PGBIN/pg_restore" --exit-on-error -d layer_restored "$work/out/layer.dump" 2>"$work/out/restore.err"; then
	echo "layer_dump: pg_restore failed"
	cat "$work/out/restore.err"
	exit 1
fi
fingerprint layer_restored >"$work/out/after" || { echo "layer_dump: reading the restored database failed"; exit 1; }

status=0
if ! diff "$work/out/before" "$work/out/after" >"$work/out/diff"; then
	echo "layer_dump: the restored database reads differently:"
	cat "$work/out/diff"
	status=1
fi
rows=$(grep -E '^touchpoints [0-9]+ ' "$work/out/after" | cut -d' ' -f2)
if [ -z "$rows" ] || [ "$rows" -eq 0 ]; then
	echo "layer_dump: cxm.touchpoints is empty after the restore"
	status=1
fi
# the restored database keeps working: live mode, refresh, unmap and map again
if ! run -d layer_restored >/dev/null 2>"$work/out/after.err" <<'SQL'; then
SELECT cxm.set_materialized(false);
SELECT cxm.refresh();
SELECT cxm.unmap('demo.email');
SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
DO $$ BEGIN
  IF (SELECT count(*) FROM cxm.touchpoints WHERE channel = 'email') = 0 THEN
    RAISE EXCEPTION 'no e-mail touchpoints after mapping again';
  END IF;
END $$;
SQL
	echo "layer_dump: the restored database does not work:"
	cat "$work/out/after.err"
	status=1
fi
if [ $status -eq 0 ]; then
	echo "ok - layer: pg_dump -Fc and pg_restore keep every view, mapping and model ($(wc -l <"$work/out/after") objects and rows compared)"
else
	echo "not ok - layer: pg_dump/pg_restore round trip"
fi
exit $status
