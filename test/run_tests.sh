#!/usr/bin/env bash
# make test: unit tests of the C core, then the pg_regress suite (and the
# isolation specs, if any) on a throwaway server.  Ends with one line
# "N passed, N failed" that counts every unit and regression test.
set -uo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh

passed=0
failed=0
fail_note() { echo "FAILED: $*"; failed=$((failed + 1)); }

bash test/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

if ! make -s >/tmp/cxm-build.$$ 2>&1; then
	cat /tmp/cxm-build.$$
	rm -f /tmp/cxm-build.$$
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f /tmp/cxm-build.$$

# --- static checks ----------------------------------------------------------
for f in src/*_core.c src/*_core.h src/cxm_core.h; do
	[ -e "$f" ] || continue
	if grep -Eq '#include[[:space:]]*[<"](postgres|fmgr|utils/|catalog/|access/)' "$f"; then
		fail_note "$f includes server headers; core files must stay pure C"
	fi
done
bash test/check_scripts.sh && passed=$((passed + 1)) || fail_note "install script lint"
bash test/check_lock_keys.sh && passed=$((passed + 1)) || fail_note "advisory-lock keys (src/cxm_locks.h)"

# --- unit tests of the core -------------------------------------------------
# UNIT_TESTS=none skips them (test/private_clone.sh)
if [ "${UNIT_TESTS:-all}" != none ]; then
	if ! make -s unit >/dev/null; then
		fail_note "unit tests do not build"
		make unit
	fi
	for t in test/unit/bin/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		echo "$out" | grep -E '^(not ok|  )' | sed "s|^|$(basename "$t"): |"
		summary=$(echo "$out" | grep -E '^unit: [0-9]+ passed, [0-9]+ failed' | tail -1)
		if [ -z "$summary" ]; then
			fail_note "$(basename "$t") crashed or printed no summary (exit $rc)"
			continue
		fi
		p=$(echo "$summary" | sed -E 's/unit: ([0-9]+) passed.*/\1/')
		f=$(echo "$summary" | sed -E 's/.* ([0-9]+) failed/\1/')
		passed=$((passed + p))
		failed=$((failed + f))
		echo "$(basename "$t"): $p passed, $f failed"
		[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || fail_note "$(basename "$t") exited $rc"
	done
fi

# --- pg_regress on a private installation -----------------------------------
work=$(mktemp -d /tmp/cxm-test.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
cxm_tree "$work/inst"
mkdir -p "$work/run"
chown "$PG_RUN_AS" "$work/run" 2>/dev/null || true
pgxsdir=$(dirname "$($PG_CONFIG --pgxs)")/..

# The drivers run as the server user, which may not be allowed into the clone
# (issue: a clone under /root): they read a copy of their inputs, from there.
server_readable_copy "$work/run/src" sql expected test/data test/demo test/isolation

run_suite() {	# run_suite NAME DRIVER INPUTDIR TESTS...
	local name=$1 driver=$2 inputdir=$3 out log
	shift 3
	out=$work/run/$name
	log=$work/run/$name.log
	AS_PG_CWD=$work/run/src as_pg "$driver" --temp-instance="$out/instance" --bindir="$PGBIN" \
		--inputdir="$inputdir" --outputdir="$out" --load-extension=cxm \
		--dbname=contrib_regression "$@" >"$log" 2>&1
	local rc=$?
	grep -E '^(test |     |ok |not ok |parallel group)' "$log"
	local ok bad
	ok=$(grep -Ec '\.\.\. ok|^ok ' "$log")
	bad=$(grep -Ec '\.\.\. FAILED|\.\.\. failed|^not ok ' "$log")
	passed=$((passed + ok))
	failed=$((failed + bad))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		fail_note "$name: driver exited $rc"
		cat "$log"
		[ -f "$out/log/postmaster.log" ] && tail -50 "$out/log/postmaster.log"
	fi
	# keep what the server printed, for review (results/ and output_iso/ are ignored by git)
	if [ -d "$out/results" ]; then
		mkdir -p "$REPO/results/$name"
		cp "$out"/results/*.out "$REPO/results/$name/" 2>/dev/null
	fi
	if [ -s "$out/regression.diffs" ]; then
		cp "$out/regression.diffs" "$name.diffs"
		echo "---- $name.diffs ----"
		cat "$out/regression.diffs"
	fi
}

# REGRESS_TESTS / ISOLATION_TESTS (space-separated names, "none" for none)
# narrow the run; test/private_clone.sh uses them.
regress_tests=${REGRESS_TESTS:-$(make -s -f Makefile print-REGRESS 2>/dev/null)}
[ -n "$regress_tests" ] || regress_tests=$(ls sql/*.sql | sed 's|sql/||; s|\.sql$||')
rm -f regression.diffs isolation.diffs
if [ "$regress_tests" != none ]; then
	# shellcheck disable=SC2086
	run_suite regression "$pgxsdir/test/regress/pg_regress" "$work/run/src" $regress_tests
fi

iso_tests=${ISOLATION_TESTS:-$(ls test/isolation/specs/*.spec 2>/dev/null | sed 's|.*/||; s|\.spec$||')}
if [ -n "$iso_tests" ] && [ "$iso_tests" != none ]; then
	# shellcheck disable=SC2086
	run_suite isolation "$pgxsdir/test/isolation/pg_isolation_regress" "$work/run/src/test/isolation" $iso_tests
fi

# --- script tests: test/upgrade.sh, test/dump_restore.sh, test/layer_dump.sh,
# test/dashboard_queries.sh
# Each starts its own throwaway server from the private installation and
# prints "ok - ..." / "not ok - ..." lines, counted here.
for t in ${SCRIPT_TESTS:-upgrade dump_restore layer_dump private_clone dashboard_queries}; do
	[ -f "test/$t.sh" ] || continue
	out=$(SERVER_REUSE_TREE=1 PGBIN=$PGBIN bash "test/$t.sh" "$work/run/$t" 2>&1)
	rc=$?
	echo "$out" | grep -vE '^ok - '
	echo "$out" | grep -E '^ok - ' | sed "s|^|$t: |"
	ok=$(echo "$out" | grep -Ec '^ok - ')
	bad=$(echo "$out" | grep -Ec '^not ok - ')
	passed=$((passed + ok))
	failed=$((failed + bad))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		fail_note "test/$t.sh exited $rc"
	elif [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then
		fail_note "test/$t.sh reported nothing"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
