#!/usr/bin/env bash
# scripts/fuzz.sh: the libFuzzer targets of tests/fuzz, run for a bounded time.
#
#   scripts/fuzz.sh [DIR]             build flowrun with CC=clang --enable-fuzzing in DIR
#                                     (default build-fuzz/ in the source tree, a copy of
#                                     the source: scripts/lib-variant.sh), then make fuzz
#   scripts/fuzz.sh run TARGET...     run each built target (what make fuzz calls)
#
# Each target runs FUZZ_SECONDS (default 60) with -timeout=10 (a hang is a crash)
# and -rss_limit_mb=2048; its seeds are tests/fuzz/corpus/<target>/ (read only)
# and, for fuzz-plan, the plan corpus (tests/corpus/*/, plans/, plans/common/).
# New inputs go to fuzz-work/<target>/ in the build directory; a crash is saved
# as fuzz-work/<target>-crash-<sha1> and ends the run with a failure: copy it
# into tests/fuzz/corpus/<target>/ with the fix. Prints one line per target:
# "fuzz: <target>: <runs> runs in <s> s, cov <n>, ok|CRASH <file>".
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
say() { printf 'fuzz: %s\n' "$*" >&2; }

# run_one TARGET: fuzzes one built target; 0 when it found nothing.
run_one() {
	local t=$1 name seeds work log rc runs cov crash
	name=$(basename "$t")
	work=${top_builddir:-.}/fuzz-work
	mkdir -p "$work/$name"
	seeds=("$src/tests/fuzz/corpus/$name")
	if [ "$name" = fuzz-plan ]; then
		seeds+=("$src"/tests/corpus/*/ "$src/plans" "$src/plans/common")
	fi
	log=$work/$name.log
	"$t" -max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$name-" "$work/$name" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	if [ "$rc" = 0 ] && [ -z "$crash" ]; then
		say "$name: ${runs:-?} runs in ${FUZZ_SECONDS:-60} s, cov ${cov:-?}, ok"
		return 0
	fi
	say "$name: ${runs:-?} runs, cov ${cov:-?}, CRASH ${crash:-(exit $rc)}; log: $log"
	grep -m1 -A12 'ERROR\|==ERROR' "$log" | sed 's/^/  /' >&2
	return 1
}

if [ "${1:-}" = run ]; then
	shift
	status=0
	for t in "$@"; do
		run_one "$t" || status=1
	done
	exit "$status"
fi

# shellcheck source=lib-variant.sh
. "$src/scripts/lib-variant.sh"
dir=${1:-${FLOWRUN_FUZZ_DIR:-$src/build-fuzz}}
rc=0
CC=clang variant_build "$dir" fuzz CC=clang --enable-fuzzing || rc=$?
[ "$rc" = 0 ] || exit "$rc"
say "make fuzz (FUZZ_SECONDS=${FUZZ_SECONDS:-60} per target)"
make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
