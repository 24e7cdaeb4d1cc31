#!/usr/bin/env bash
# make check-sanitize: the whole make test with sanitizers, in a copy of the
# checkout (the normal build stays as it is).
#
#  - the C unit tests of the core: AddressSanitizer + UndefinedBehaviorSanitizer;
#  - the module loaded by the server: UndefinedBehaviorSanitizer (gcc links
#    libubsan into cxm.so, so the uninstrumented server needs nothing else).
#    Any report aborts the backend, so the regression suite fails.
#
# AddressSanitizer in the server is not used: it needs its runtime preloaded
# into postgres, and on Debian 12 (glibc 2.36) the preloaded runtime deadlocks
# inside bindtextdomain() before main() gets going, with gcc's and clang's
# runtime alike.  Memory errors in the core are caught by the ASan unit tests
# and the fuzz targets instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/deps.sh

work=$(mktemp -d /tmp/cxm-sanitize.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C "$work"
cd "$work"
ubsan='-fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer'
asan='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer'
export MAKEFLAGS="COPT=${ubsan// /\\ } UNIT_SAN=${asan// /\\ }"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
bash test/run_tests.sh
