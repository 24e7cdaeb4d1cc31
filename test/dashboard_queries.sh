#!/usr/bin/env bash
# The dashboard's queries without a browser (run by make test; the browser
# check is make check-dashboard).  On a throwaway server: the demo shop's
# data, mapped as make demo maps it, the read-only role of dashboard/role.sql,
# then every panel query of dashboard/pages.json runs as that role and must
# return rows, and must be a plain read of its page's view.  The role must not
# read an unmapped table nor write anything.  Needs psql only (no node).
# Prints "ok - ..." / "not ok - ..."; test/run_tests.sh counts them.
set -uo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh
. test/server.sh

dir=${1:-$(mktemp -d /tmp/cxm-dashq.XXXXXX)}
rm -rf "$dir"
cleanup() {
	server_stop "$dir"
	rm -rf "$dir"
}
trap cleanup EXIT
make -s >/dev/null || { echo "not ok - dashboard: build failed"; exit 1; }
server_start "$dir" jit=off || { echo "not ok - dashboard: server did not start"; exit 1; }
export PGTZ=UTC PGDATABASE=dash
# refresh() reports its steps as NOTICEs
export PGOPTIONS="-c client_min_messages=warning"
role=cxm_dashboard
# psql runs as the caller and reads the scripts on its standard input, so that
# the server's user need not read the checkout
run() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

run -d postgres -c "CREATE DATABASE dash" || exit 1
run -c "CREATE EXTENSION cxm" -c "CREATE SCHEMA demo" || exit 1
run -v layer_customers=300 <test/demo/05_layer_data.sql >/dev/null || exit 1
run >/dev/null <<'SQL' || exit 1
SELECT cxm.map_customers('demo.crm_clients', 'Client No', 'Signed Up');
SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel');
SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
SELECT cxm.map_identities('demo.login_links', 'Cookie', 'Client No');
SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Ordered At', 'Total EUR', 'Category');
SELECT cxm.map_feedback('demo.nps_survey', 'Client No', 'Submitted', 'Q1 Score');
UPDATE cxm.settings SET as_of = '2026-07-01 00:00+00', funnel_steps = '{home,product,cart,checkout}';
SELECT cxm.refresh();
CREATE TABLE demo.unmapped_notes (customer_id text, note text);
INSERT INTO demo.unmapped_notes VALUES ('1001', 'private');
SQL
run -v role=$role <dashboard/role.sql >/dev/null || { echo "not ok - dashboard: dashboard/role.sql failed"; exit 1; }

# the panels of pages.json: page, panel number, view, query (\x1f between fields, \x1e after each)
panels=$(run -At -F $'\x1f' -R $'\x1e' -v pages="$(cat dashboard/pages.json)" <<'SQL'
SELECT p.value->>'id', n.i - 1, p.value->>'view', coalesce(n.panel->>'query', p.value->>'query')
FROM json_array_elements((:'pages'::json)->'pages') WITH ORDINALITY p(value, k),
     json_array_elements(p.value->'panels') WITH ORDINALITY n(panel, i)
ORDER BY p.k, n.i;
SQL
) || { echo "not ok - dashboard: dashboard/pages.json does not parse"; exit 1; }

count=0
while IFS=$'\x1f' read -r -d $'\x1e' page no view query; do
	count=$((count + 1))
	what="dashboard: $page/$no reads cxm.$view"
	# a plain read of the page's view: one FROM, naming the view; no WITH, no JOIN
	shopt -s nocasematch
	froms=$(grep -oiE '\bfrom\b' <<<"$query" | wc -l)
	if [[ $query =~ (^|[^a-z_])(with|join)([^a-z_]|$) ]] || [ "$froms" -ne 1 ] ||
		! [[ $query =~ [Ff][Rr][Oo][Mm][[:space:]]+cxm\.${view}([^a-z0-9_,]|$) ]] ||
		[[ $query =~ cxm\.${view}[[:space:]]*, ]]; then
		shopt -u nocasematch
		echo "not ok - $what: the query is not a plain read of the view: $query"
		continue
	fi
	shopt -u nocasematch
	if ! out=$(run -U "$role" -At -c "SELECT count(*) FROM ($query) q" 2>&1); then
		echo "not ok - $what: $out"
	elif [ "$out" -gt 0 ]; then
		echo "ok - $what as $role: $out rows"
	else
		echo "not ok - $what as $role: no rows"
	fi
done < <(printf '%s\x1e' "$panels")
[ "$count" -gt 0 ] || echo "not ok - dashboard: no panel in dashboard/pages.json"

# the pages keep up as data arrives: a new order is in the KPI page's query
# after the next (incremental) refresh, which a schedule runs (doc/layer.md)
latest="SELECT month || ' ' || revenue FROM cxm.kpi_monthly ORDER BY month DESC LIMIT 1"
before=$(run -U "$role" -At -c "$latest")
run -c "INSERT INTO demo.shop_orders SELECT max(\"Order#\") + 1, 1001, '2026-06-30 12:00+00', 123.45, 'shoes', true FROM demo.shop_orders" || exit 1
run -c "SELECT cxm.refresh()" >/dev/null || exit 1
after=$(run -U "$role" -At -c "$latest")
grew=$(run -At -c "SELECT ${after#* } - ${before#* }")
if [ "${before% *}" = 2026-06-01 ] && [ "$grew" = 123.45 ]; then
	echo "ok - dashboard: a new order of 123.45 shows in the latest month's revenue after refresh() ($before -> ${after#* })"
else
	echo "not ok - dashboard: a new order of 123.45 in 2026-06: latest month and revenue before $before, after $after"
fi

# the role reads the views and what they read, nothing else, and writes nothing
denied=0
for sql in "SELECT * FROM demo.unmapped_notes" "UPDATE cxm.settings SET clv_horizon = 1" \
	"DELETE FROM demo.shop_orders" "SELECT cxm.refresh()" "CREATE TABLE cxm.x (a int)" \
	"SELECT cxm.bandit_choose('demo_checkout', 'someone')"; do
	if out=$(run -U "$role" -c "$sql" 2>&1); then
		echo "not ok - dashboard: $role may run: $sql"
	elif grep -qE 'permission denied|read-only transaction' <<<"$out"; then
		denied=$((denied + 1))
	else
		echo "not ok - dashboard: $sql failed otherwise: $out"
	fi
done
[ "$denied" -eq 6 ] && echo "ok - dashboard: $role may not read an unmapped table, write, refresh or assign"
exit 0
