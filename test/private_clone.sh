#!/usr/bin/env bash
# make test and make demo from clones the server user cannot enter (run by
# make test).  Root's home (/root) and any mktemp -d directory are mode 700;
# the server runs as another user, so nothing it reads or executes may live
# in the clone (doc/development.md, "Where the test servers keep their files").
#
# Two copies of this clone are made in two mode-700 directories.  In both at
# once: a narrowed make test (the churn regression test, which reads data
# files of the clone, and the layer dump test, which loads demo SQL) and
# make demo (the second demo must take another port); then make demo-stop.
# Prints "ok - ..." / "not ok - ..." lines.
#   test/private_clone.sh [DIR]   DIR: unused (the copies go to mktemp -d)
set -uo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - private clone: skipped (only root runs the server as another user)"
	exit 0
fi

top=$(mktemp -d /tmp/cxm-private.XXXXXX)
chmod 700 "$top"
copies=("$top/a/cxm" "$top/b/cxm")
cleanup() {
	local c
	for c in "${copies[@]}"; do
		[ -f "$c/test/demo.sh" ] && bash "$c/test/demo.sh" stop >/dev/null 2>&1
	done
	rm -rf "$top"
}
trap cleanup EXIT

status=0
for c in "${copies[@]}"; do
	mkdir -p "$c"
	chmod 700 "$(dirname "$c")" "$c"
	# the working tree as it is, with its build (make finds nothing to do)
	tar -C "$REPO" --exclude=./.git --exclude=./results --exclude=./test/.demo \
		--exclude='./*.diffs' -cf - . | tar -C "$c" -xf -
done

# narrowed make test in both copies at once
for c in "${copies[@]}"; do
	(cd "$c" && UNIT_TESTS=none REGRESS_TESTS=churn ISOLATION_TESTS=none SCRIPT_TESTS=layer_dump \
		bash test/run_tests.sh >"$c.test.log" 2>&1) &
done
wait
for c in "${copies[@]}"; do
	if tail -1 "$c.test.log" | grep -Eq '^[1-9][0-9]* passed, 0 failed$'; then
		echo "ok - private clone: make test (narrowed) passes in a mode-700 directory ($(tail -1 "$c.test.log"))"
	else
		tail -30 "$c.test.log"
		echo "not ok - private clone: make test (narrowed) in a mode-700 directory"
		status=1
	fi
done

# make demo in both copies at once: two servers, two ports
for c in "${copies[@]}"; do
	# (CXM_DEMO_CRON=0: no scheduled refresh to wait for; that is not what is tested here)
	(cd "$c" && CXM_DEMO_CRON=0 bash test/demo.sh start >"$c.demo.log" 2>&1) &
done
wait
ports=()
for c in "${copies[@]}"; do
	env=$c/test/.demo/env
	if [ -f "$env" ] && n=$(. "$env" && psql -X -At -c "SELECT count(*) FROM cxm.funnel_conversion" 2>&1) &&
		[ "$n" -gt 0 ]; then
		ports+=("$(. "$env" && echo "$PGPORT")")
	else
		tail -20 "$c.demo.log"
		echo "not ok - private clone: make demo in a mode-700 directory (${n:-no env file})"
		status=1
	fi
done
if [ ${#ports[@]} -eq 2 ]; then
	if [ "${ports[0]}" != "${ports[1]}" ]; then
		echo "ok - private clone: two make demo at once from mode-700 directories (ports ${ports[0]} and ${ports[1]})"
	else
		echo "not ok - private clone: both demos report port ${ports[0]}"
		status=1
	fi
fi
for c in "${copies[@]}"; do
	d=$(readlink "$c/test/.demo" || true)
	(cd "$c" && bash test/demo.sh stop >/dev/null 2>&1)
	if [ -n "$d" ] && [ -e "$d" ]; then
		echo "not ok - private clone: make demo-stop left $d behind"
		status=1
	fi
done
[ "$status" -ne 0 ] || echo "ok - private clone: make demo-stop removes both demos"
exit $status
