#!/usr/bin/env bash
# make dashboard / make dashboard-stop / make check-dashboard (doc/dashboard.md).
#   start: on top of a running demo (make demo): installs node and npm if they
#          are missing, the npm packages of package-lock.json, creates the
#          read-only role, builds the pages and serves them on a local port.
#   stop:  stops the server that start began.
#   check: the same against the demo database (starting the demo when none is
#          running, and stopping it again), then every page in headless
#          Chromium (check/check.js); screenshots in test/out/dashboard/.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh
dash=$REPO/dashboard
# how to reach the demo: the environment file test/demo.sh writes
demo_env=${CXM_DEMO_ENV:-$REPO/test/.demo/env}
role=${DASHBOARD_ROLE:-cxm_dashboard}

# the server's state: pid, port and log; the check runs a server of its own
run_dir=$dash/.run
[ "${1:-}" = check ] && run_dir=$dash/.run-check

stop_server() {
	if [ -f "$run_dir/pid" ]; then
		kill "$(cat "$run_dir/pid")" 2>/dev/null || true
	fi
	rm -rf "$run_dir"
}

need_node() {
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "the dashboard needs node (18 or later) and npm: apt-get install nodejs npm" >&2
			exit 1
		fi
		echo "installing nodejs and npm (apt)"
		apt-get install -y -qq nodejs npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
	fi
	if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
		echo "the dashboard needs node 18 or later, this is $(node --version)" >&2
		exit 1
	fi
	# the packages of the lockfile, installed again only when it changed
	if ! cmp -s "$dash/package-lock.json" "$dash/node_modules/.cxm-lock" 2>/dev/null; then
		echo "installing the npm packages of dashboard/package-lock.json"
		(cd "$dash" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		cp "$dash/package-lock.json" "$dash/node_modules/.cxm-lock"
	fi
}

demo_up() {
	[ -f "$demo_env" ] && (. "$demo_env" && psql -X -q -c 'SELECT 1' >/dev/null 2>&1)
}

start_server() {
	need_node
	if ! demo_up; then
		echo "no demo database: run make demo first" >&2
		exit 1
	fi
	# the read-only role, as the demo's superuser; then the server connects as it
	(. "$demo_env" && psql -X -q -v ON_ERROR_STOP=1 -v role="$role" -f "$dash/role.sql" >/dev/null)
	(cd "$dash" && node build.js >/dev/null)
	stop_server
	mkdir -p "$run_dir"
	local port
	port=$(free_port "${DASHBOARD_PORT:-8018}")
	(
		. "$demo_env"
		export PGUSER=$role DASHBOARD_PORT=$port
		cd "$dash" && exec setsid node server.js >"$run_dir/server.log" 2>&1 </dev/null
	) &
	echo $! >"$run_dir/pid"
	echo "$port" >"$run_dir/port"
	local i
	for i in $(seq 1 100); do
		if node -e "fetch('http://127.0.0.1:$port/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" 2>/dev/null; then
			return 0
		fi
		kill -0 "$(cat "$run_dir/pid")" 2>/dev/null || break
		sleep 0.2
	done
	echo "the dashboard server did not start:" >&2
	cat "$run_dir/server.log" >&2
	stop_server
	exit 1
}

case "${1:-start}" in
start)
	start_server
	echo "cxm dashboard: http://localhost:$(cat "$run_dir/port")/   (reads the demo database as role $role; make dashboard-stop ends it)"
	;;
stop)
	stop_server
	echo "cxm dashboard stopped"
	;;
check)
	if ! command -v chromium >/dev/null; then
		[ "$(id -u)" -eq 0 ] || { echo "make check-dashboard needs chromium: apt-get install chromium" >&2; exit 1; }
		echo "installing chromium (apt)"
		apt-get install -y -qq chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	fi
	started_demo=0
	if ! demo_up; then
		echo "starting the demo (make demo)"
		mkdir -p "$REPO/test/out"
		bash test/demo.sh start >"$REPO/test/out/demo.log" 2>&1 || { cat "$REPO/test/out/demo.log"; exit 1; }
		started_demo=1
	fi
	cleanup() {
		stop_server
		[ "$started_demo" -eq 0 ] || bash test/demo.sh stop >/dev/null
	}
	trap cleanup EXIT
	start_server
	out=$REPO/test/out/dashboard
	rm -rf "$out"
	set +e
	(. "$demo_env" && export PGUSER=$role && cd "$dash" &&
		node check/check.js "http://127.0.0.1:$(cat "$run_dir/port")/" "$out")
	rc=$?
	set -e
	if [ "$rc" -ne 0 ] && [ -f "$run_dir/server.log" ]; then
		echo "server log:" && sed 's/^/    /' "$run_dir/server.log"
	fi
	exit $rc
	;;
*)
	echo "usage: $0 start|stop|check" >&2
	exit 2
	;;
esac
