#!/usr/bin/env bash
# The advisory-lock keys are defined once, in src/cxm_locks.h (run by make
# test): every pg_advisory*lock*(N, ...) in the SQL sources uses a key defined
# there, in decimal, and every key defined there is used by the C glue or the
# SQL sources.  The frozen scripts of released versions are not checked.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
declare -A keys
while read -r name hex; do
	keys[$((hex))]=$name
done < <(sed -nE 's/^#define[[:space:]]+(CXM_LOCK_[A-Z_]+)[[:space:]]+(0x[0-9a-fA-F]+).*/\1 \2/p' src/cxm_locks.h)
if [ ${#keys[@]} -eq 0 ]; then
	echo "not ok - lock keys: no CXM_LOCK_* in src/cxm_locks.h"
	exit 1
fi
used=" "
while IFS=: read -r file line key; do
	if [ -z "${keys[$key]:-}" ]; then
		echo "not ok - lock keys: $file:$line uses advisory-lock key $key, not defined in src/cxm_locks.h"
		status=1
	else
		used+="${keys[$key]} "
	fi
done < <(grep -rnoE 'pg_advisory[a-z_]*lock[a-z_]*\([[:space:]]*[0-9]+' src/sql --include='*.sql' --exclude-dir=released |
	sed -E 's/^([^:]+):([0-9]+):.*\([[:space:]]*([0-9]+)$/\1:\2:\3/')
for key in "${!keys[@]}"; do
	name=${keys[$key]}
	if [[ "$used" != *" $name "* ]] && ! grep -q "\b$name\b" src/*.c; then
		echo "not ok - lock keys: $name ($key) is defined in src/cxm_locks.h but never used"
		status=1
	fi
done
[ $status -eq 0 ] && echo "ok - lock keys: every advisory lock in src/sql uses a key of src/cxm_locks.h (${#keys[@]} keys)"
exit $status
