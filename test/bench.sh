#!/usr/bin/env bash
# make bench: start a throwaway server on a private installation, run every
# test/bench/*.sh against it and print one table of measurements and ratios.
# Not part of make test: timings are only compared within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh
bash test/deps.sh
# the funnel bench compares with ClickHouse's windowFunnel (Debian's package)
if [ "${FUNNEL_CLICKHOUSE:-1}" != 0 ] && [[ -z ${BENCH:-} || funnel == *"${BENCH}"* ]]; then
	bash test/deps.sh clickhouse-server clickhouse-client ||
		echo "cxm: no ClickHouse; the funnel bench says so in its rows" >&2
fi
make -s >/dev/null

dir=$(private_dir bench)
as_pg_stop() { [ -f "$dir/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; }
if [ -d "$dir" ]; then
	PGBIN=$(ls -d "$dir"/inst/usr/lib/postgresql/*/bin 2>/dev/null | head -1)
	[ -n "$PGBIN" ] && as_pg_stop
	rm -rf "$dir"
fi
mkdir -p "$dir"
chmod 755 "$dir"
cxm_tree "$dir/inst"
mkdir -p "$dir/data" "$dir/sock"
chown "$PG_RUN_AS" "$dir/data" "$dir/sock" 2>/dev/null || true
as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
port=$(free_port 56432)
settings="-c jit=off -c shared_buffers=1GB -c work_mem=256MB -c max_wal_size=4GB -c synchronous_commit=off -c max_connections=50"
# Huge pages, as PostgreSQL's documentation advises for a large
# shared_buffers (doc/layer.md, "Performance"): without them every new
# backend faults in each 4 kB page of shared memory it touches, which costs a
# refresh run by pg_cron or a new session a third of its time.  As root, the
# bench reserves the pages the server needs (and gives them back at the end);
# BENCH_HUGE_PAGES=0, or a machine that refuses, runs without them.  The
# "server" row says which.
hugepages_before=
huge=off
if [ "${BENCH_HUGE_PAGES:-1}" = 1 ] && [ "$(id -u)" -eq 0 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
	need=$(as_pg "$PGBIN/postgres" -D "$dir/data" $settings -C shared_memory_size_in_huge_pages 2>/dev/null || true)
	if [[ $need =~ ^[0-9]+$ ]] && [ "$need" -gt 0 ]; then
		hugepages_before=$(cat /proc/sys/vm/nr_hugepages)
		echo $((hugepages_before + need)) > /proc/sys/vm/nr_hugepages 2>/dev/null || true
		huge=try
	fi
fi
give_back_huge_pages() { [ -n "$hugepages_before" ] && echo "$hugepages_before" > /proc/sys/vm/nr_hugepages 2>/dev/null || true; }
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w \
	-o "-p $port -k $dir/sock -c listen_addresses='' $settings -c huge_pages=$huge" start >/dev/null
trap 'as_pg_stop; give_back_huge_pages; rm -rf "$dir"' EXIT

export PGHOST=$dir/sock PGPORT=$port PGUSER=postgres PGDATABASE=cxm_bench
psql -X -q -d postgres -c "CREATE DATABASE cxm_bench"
psql -X -q -c "CREATE EXTENSION cxm"
psql -X -q -c "CREATE EXTENSION pg_prewarm" 2>/dev/null || true

printf '%-12s | %-58s | %14s | %s\n' feature measure value goal
printf '%s\n' "-------------+------------------------------------------------------------+----------------+---------------------"
# whether the server got its huge pages (huge_pages=try falls back quietly;
# PostgreSQL 15 does not report it): the reserved pages it holds
huge_used=off
if [ "$huge" = try ]; then
	held=$(awk '/^HugePages_Total/ {t = $2} /^HugePages_Free/ {f = $2} /^HugePages_Rsvd/ {r = $2} END {print t - f + r}' /proc/meminfo)
	[ "$held" -ge "$need" ] && huge_used="on ($need pages of 2 MB)"
fi
printf '%-12s | %-58s | %14s | %s\n' server "shared memory (1 GB) in huge pages" "$huge_used" ""
if [ -n "${BENCH_CMD:-}" ]; then	# run one command against the bench server instead
	eval "$BENCH_CMD"
	exit
fi
only=${BENCH:-}
for b in test/bench/*.sh; do
	[ "$(basename "$b")" = lib.sh ] && continue
	if [ -n "$only" ] && [[ "$(basename "$b" .sh)" != *"$only"* ]]; then
		continue
	fi
	( . test/bench/lib.sh; . "$b" )
done
