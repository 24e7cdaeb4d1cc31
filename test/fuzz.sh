#!/usr/bin/env bash
# make fuzz: build every test/fuzz/fuzz_*.c with libFuzzer + ASan + UBSan
# against the pure-C core and run each for FUZZ_SECONDS (default 60) from its
# committed seed corpus test/fuzz/corpus/<target>/.  New inputs go to a
# temporary corpus; a crash leaves its input in test/fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/deps.sh clang
secs=${FUZZ_SECONDS:-60}
out=test/fuzz/bin
mkdir -p "$out" test/fuzz/crashes
status=0
for f in test/fuzz/fuzz_*.c; do
	[ -e "$f" ] || continue
	t=$(basename "$f" .c)
	# FUZZ_TARGETS="fuzz_churn fuzz_nps" runs only those
	if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $t "* ]]; then
		continue
	fi
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-D_GNU_SOURCE -Isrc -o "$out/$t" "$f" src/*_core.c -lm
	corpus=$(mktemp -d)
	mkdir -p "test/fuzz/corpus/$t"
	echo "== $t ($secs s)"
	if ! "$out/$t" -max_total_time="$secs" -artifact_prefix="test/fuzz/crashes/$t-" \
		"$corpus" "test/fuzz/corpus/$t" 2>"$out/$t.log"; then
		tail -40 "$out/$t.log"
		status=1
	else
		grep -E '^(#[0-9]+.*DONE|Done)' "$out/$t.log" | tail -1
	fi
	rm -rf "$corpus"
done
exit $status
