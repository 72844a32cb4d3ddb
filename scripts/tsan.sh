#!/usr/bin/env bash
# scripts/tsan.sh: the ThreadSanitizer variant — flowrun built with --enable-tsan in a
# directory of its own, then its C unit tests and a multi-thread run stopped by signals
# (tests/e2e/threads-stop.sh) run under TSan. Any report fails: TSAN_OPTIONS has
# halt_on_error=1, and a report makes the program exit 66.
#
#   scripts/tsan.sh [DIR]   build in DIR (default: build-tsan/ in the source tree)
#
# The source is copied to DIR/src and built there (scripts/lib-variant.sh).
# Suppressions: tests/tsan.supp (see there for the rule). Prints one line per test and
# the result.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
dir=${1:-${FLOWRUN_TSAN_DIR:-$src/build-tsan}}
say() { variant_say tsan "$*"; }
# shellcheck source=lib-variant.sh
. "$src/scripts/lib-variant.sh"
rc=0
variant_build "$dir" tsan --enable-tsan --enable-debug || rc=$?
[ "$rc" = 0 ] || exit "$rc"
unit=$(find tests/unit -name 'test-*.c' | sed 's/\.c$//' | sort | tr '\n' ' ')
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$dir/src/tests/tsan.supp ${TSAN_OPTIONS:-}"
say "make check under TSan: the unit tests and tests/e2e/threads-stop.sh"
status=0
# shellcheck disable=SC2086 # the list of tests is meant to split
make -s -j1 check TESTS="$unit tests/e2e/threads-stop.sh" >/dev/null 2>&1 || status=$?
for trs in $(find tests -name '*.trs' | sort); do
	sed -n 's/^:test-result: \([A-Z]*\).*/\1/p' "$trs" | sort | uniq -c |
		awk -v t="${trs%.trs}" '{ printf "%s %s %d\n", t, $2, $1 }'
done
if [ "$status" = 0 ]; then say "clean"; else say "FAILED (logs: $dir/src/tests/…/*.log)"; fi
exit "$status"
