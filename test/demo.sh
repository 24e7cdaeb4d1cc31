#!/usr/bin/env bash
# make demo / make demo-stop.
#   start: private installation with cxm, a throwaway server that stays up,
#          database cxm_demo with the extension, then every test/demo/*.sql in
#          name order (each loads its deterministic demo data into schema demo
#          and prints a showcase).  Ends with how to connect.
#   stop:  stops the server and removes its files.
#
# The server's files (private installation, data, socket, log) live in a
# directory of their own under /tmp, named after the clone's path, because the
# server user may not enter the clone (a clone in /root or in a mode-700
# directory); test/.demo is a symbolic link to it, and test/.demo/env says how
# to connect.  Each clone has its own directory and its own port, so demos of
# several clones run side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh
dir=$(private_dir demo)
link=$REPO/test/.demo

stop() {
	local bin
	bin=$(ls -d "$dir"/inst/usr/lib/postgresql/*/bin 2>/dev/null | head -1 || true)
	if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir" "$link"
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
# pg_cron schedules the demo's refresh (test/demo/60_fresh.sql); the demo runs without it
# (CXM_DEMO_CRON=0 starts the server without it)
bash test/deps.sh postgresql-15-cron >/dev/null 2>&1 || echo "cxm demo: postgresql-15-cron could not be installed; no scheduled refresh" >&2
make -s >/dev/null
stop
mkdir -p "$dir"
chmod 755 "$dir"
cxm_tree "$dir/inst"
mkdir -p "$dir/data" "$dir/sock" "$dir/log"
chown "$PG_RUN_AS" "$dir/data" "$dir/sock" "$dir/log" 2>/dev/null || true
as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
ln -sfn "$dir" "$link"
cron_opts=
if [ "${CXM_DEMO_CRON:-1}" = 1 ] && [ -f "$($PG_CONFIG --pkglibdir)/pg_cron.so" ]; then
	cron_opts="-c shared_preload_libraries=pg_cron -c cron.database_name=cxm_demo -c cron.use_background_workers=on -c max_worker_processes=16"
fi
# another demo (another clone) may take the free port first: try the next one
port=55431
for attempt in 1 2 3 4 5 6 7 8 9 10; do
	port=$(free_port $((port + 1)))
	if as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log/server.log" -w \
		-o "-p $port -k $dir/sock -c listen_addresses=localhost $cron_opts" start >/dev/null; then
		break
	fi
	if [ "$attempt" = 10 ]; then
		echo "cxm demo: the server did not start; see $dir/log/server.log" >&2
		exit 1
	fi
done
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
