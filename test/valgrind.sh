#!/usr/bin/env bash
# make check-valgrind: the pg_regress suite with the server (postmaster and
# every backend, which are forks of it) running under valgrind memcheck.
# Not part of make test (it takes a long time).
#
# The private installation's postgres binary is replaced by a wrapper that
# execs valgrind on the real binary for the server, and the real binary
# directly for initdb's bootstrap and single-user runs and for version checks.
# Each process writes test/.valgrind/vg.<pid>.log; the run fails when any log
# has an error whose stack passes through cxm.so, or the suite fails.
# Suppressions: test/valgrind.supp (benign reports of the server itself).
# The Debian server is not built with USE_VALGRIND, so reads of freed or
# uninitialised memory *inside* palloc'd blocks are not seen; reads past
# malloc'd blocks, uninitialised values that reach a branch, and bad system
# call arguments are.
#   VALGRIND_TESTS="nps churn"  runs only those tests
set -uo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh
bash test/deps.sh valgrind || exit 1
make -s >/dev/null || exit 1

dir=$(private_dir valgrind)
rm -rf "$dir"
mkdir -p "$dir/logs"
chmod 777 "$dir" "$dir/logs"
cxm_tree "$dir/inst"
real=$PGBIN/postgres.real
mv "$PGBIN/postgres" "$real"
cat >"$PGBIN/postgres" <<WRAP
#!/bin/sh
case " \$* " in
*" --boot "*|*" --single "*|*" -V "*|*" --version "*|*" -C "*|*" --describe-config "*)
	exec "$real" "\$@" ;;
esac
exec valgrind --quiet --tool=memcheck --trace-children=no --track-origins=yes \\
	--read-var-info=no --num-callers=30 --error-limit=no \\
	--suppressions="$REPO/test/valgrind.supp" \\
	--log-file="$dir/logs/vg.%p.log" "$real" "\$@"
WRAP
chmod 755 "$PGBIN/postgres"
# postgres finds share/ and lib/ from its own path: keep the real one in bin/
pgxsdir=$(dirname "$($PG_CONFIG --pgxs)")/..
tests=${VALGRIND_TESTS:-$(make -s print-REGRESS)}
mkdir -p "$dir/run"
chown "$PG_RUN_AS" "$dir/run" 2>/dev/null || true
start=$(date +%s)
# shellcheck disable=SC2086
server_readable_copy "$dir/run/src" sql expected test/data test/demo
PGCTLTIMEOUT=900 AS_PG_CWD=$dir/run/src as_pg env PGCTLTIMEOUT=900 "$pgxsdir/test/regress/pg_regress" --temp-instance="$dir/run/instance" --bindir="$PGBIN" \
	--inputdir="$dir/run/src" --outputdir="$dir/run" --load-extension=cxm --dbname=contrib_regression \
	$tests >"$dir/regress.log" 2>&1
rc=$?
end=$(date +%s)
grep -E '^(test |ok |not ok |     )' "$dir/regress.log"
echo "suite finished in $((end - start)) s (exit $rc)"
nlogs=$(ls "$dir"/logs/vg.*.log 2>/dev/null | wc -l)
errs=$(grep -l -E '^==[0-9]+== (Invalid|Conditional|Use of uninitialised|Syscall param|Source and destination|Mismatched|Argument)' "$dir"/logs/vg.*.log 2>/dev/null)
ours=""
for f in $errs; do
	grep -q 'cxm\.so' "$f" && ours="$ours $f"
done
echo "valgrind: $nlogs process logs, $(echo $errs | wc -w) with reports, $(echo $ours | wc -w) through cxm.so"
for f in $ours; do
	echo "---- $f"
	head -60 "$f"
done
if [ -n "$errs" ] && [ -z "$ours" ]; then
	echo "(reports outside cxm, first one:)"
	head -40 $(echo $errs | cut -d' ' -f1)
fi
[ "$rc" -eq 0 ] && [ -z "$ours" ]
