#!/usr/bin/env bash
# scripts/tsan.sh: the ThreadSanitizer variant — flowrun built with --enable-tsan in a
# directory of its own, then its C unit tests and a multi-thread run stopped by signals
# (tests/e2e/threads-stop.sh) run under TSan. Any report fails: TSAN_OPTIONS has
# halt_on_error=1, and a report makes the program exit 66.
#
#   scripts/tsan.sh [DIR]   build in DIR (default: build-tsan/ in the source tree)
#
# An in-tree build (./quickstart) makes a second, out-of-tree configure of the same
# source impossible, so the source (the files git tracks, plus new ones it does not
# ignore) is copied to DIR/src with its modification times, and built there: a second
# run rebuilds only what changed. .tools/ is linked, not copied. Suppressions:
# tests/tsan.supp (see there for the rule). Prints one line per test and the result.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
unset MAKEFLAGS MFLAGS MAKELEVEL # when run from a make check: the nested make is a make of its own
dir=${1:-${FLOWRUN_TSAN_DIR:-$src/build-tsan}}
say() { printf 'tsan: %s\n' "$*" >&2; }

if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	say "needs a git checkout (the copy is made of the files git knows)"
	exit 77
fi
mkdir -p "$dir/src"
say "copying the source to $dir/src"
git -C "$src" ls-files -z --cached --others --exclude-standard |
	tar -C "$src" --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$dir/src" -xpf -
[ -e "$src/.tools" ] && ln -sfn "$(readlink -f "$src/.tools")" "$dir/src/.tools"
cd "$dir/src"
if ! [ -x configure ] || [ configure.ac -nt configure ]; then
	say "autoreconf"
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
if ! [ -f Makefile ] || [ configure -nt Makefile ]; then
	say "configure --enable-tsan --enable-debug"
	./configure -q --enable-tsan --enable-debug >/dev/null
fi
say "make"
make -s -j"$(nproc)" >/dev/null 2>&1 || make -s -j1
make -s -j"$(nproc)" check TESTS= >/dev/null 2>&1 || make -s -j1 check TESTS=
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
