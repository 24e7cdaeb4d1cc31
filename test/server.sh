# Sourced after test/pgenv.sh by the scripts that need a throwaway server of
# their own (upgrade.sh, dump_restore.sh, sqlsmith.sh, valgrind.sh,
# bench/memory.sh when run alone).
#
#   server_start DIR [postgres -c options...]
#       private installation in DIR/inst (unless PGBIN is already set and
#       SERVER_REUSE_TREE=1), cluster in DIR/data, socket in DIR/sock, log in
#       DIR/server.log; exports PGHOST, PGPORT, PGUSER for psql.
#   server_stop DIR
#   server_crashes DIR   prints the log lines of backends killed by a signal

server_start() {
	local dir=$1 port
	shift
	mkdir -p "$dir"
	chmod 755 "$dir"
	if [ "${SERVER_REUSE_TREE:-0}" != 1 ] || [ -z "${PGBIN:-}" ]; then
		cxm_tree "$dir/inst"
	fi
	mkdir -p "$dir/data" "$dir/sock"
	touch "$dir/server.log"
	chown "$PG_RUN_AS" "$dir/data" "$dir/sock" "$dir/server.log" 2>/dev/null || true
	as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
	port=$(free_port "${SERVER_PORT_BASE:-57432}")
	local opts="-p $port -k $dir/sock -c listen_addresses='' -c jit=off"
	local o
	for o in "$@"; do
		opts="$opts -c $o"
	done
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 300 \
		-o "$opts" start >/dev/null
	export PGHOST=$dir/sock PGPORT=$port PGUSER=postgres
}

server_stop() {
	local dir=$1
	if [ -n "${PGBIN:-}" ] && [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	fi
}

server_crashes() {
	grep -E 'terminated by signal|was terminated by exception|server process .* exited with exit code [^01]' "$1/server.log" || true
}
