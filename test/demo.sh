#!/usr/bin/env bash
# make demo / make demo-stop.
#   start: private installation with cxm, a throwaway server that stays up,
#          database cxm_demo with the extension, then every test/demo/*.sql in
#          name order (each loads its deterministic demo data into schema demo
#          and prints a showcase).  Ends with how to connect.
#   stop:  stops the server and removes test/.demo.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh
dir=$REPO/test/.demo

stop() {
	local bin
	bin=$(ls -d "$dir"/inst/usr/lib/postgresql/*/bin 2>/dev/null | head -1 || true)
	if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

case "${1:-start}" in
stop)
	stop
	echo "cxm demo stopped"
	exit 0
	;;
start) ;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac

bash test/deps.sh
make -s >/dev/null
stop
mkdir -p "$dir"
chmod 755 "$dir"
cxm_tree "$dir/inst"
mkdir -p "$dir/data" "$dir/sock" "$dir/log"
chown "$PG_RUN_AS" "$dir/data" "$dir/sock" "$dir/log" 2>/dev/null || true
as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
port=$(free_port 55432)
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log/server.log" -w \
	-o "-p $port -k $dir/sock -c listen_addresses=localhost" start >/dev/null
cat >"$dir/env" <<ENV
export PGHOST=$dir/sock PGPORT=$port PGUSER=postgres PGDATABASE=cxm_demo
ENV
. "$dir/env"
psql -X -q -d postgres -c "CREATE DATABASE cxm_demo"
psql -X -q -c "CREATE EXTENSION cxm" -c "CREATE SCHEMA demo"

for f in test/demo/[0-9]*.sql; do
	[ -e "$f" ] || continue
	psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f "$f"
done

cat <<MSG

The demo server keeps running. Explore it with:
    psql -h $dir/sock -p $port -U postgres cxm_demo
A BI tool (Metabase, Superset, Grafana) connects with: host localhost, port $port,
database cxm_demo, user postgres, no password (trust, local only).
Stop it with: make demo-stop
MSG
