#!/usr/bin/env bash
# fuzz.sh: the libFuzzer targets (scripts/fuzz.sh), as one test of the suite: flowrun
# built with CC=clang --enable-fuzzing in a directory of its own (two to three minutes
# on two cores), then every target of tests/fuzz run for FUZZ_SECONDS (60 in .ci/run:
# six minutes for six targets) with no crash, hang or leak. It runs only when
# FLOWRUN_FUZZ=1 (set by .ci/run); otherwise it is skipped (the committed corpora are
# replayed by tests/e2e/fuzz-corpus.sh in every build).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
if [ "${FLOWRUN_FUZZ:-0}" != 1 ]; then
	echo "1..0 # SKIP the fuzzing build runs with FLOWRUN_FUZZ=1 (.ci/run) or scripts/fuzz.sh"
	exit 0
fi
command -v clang >/dev/null 2>&1 || tap_skip_all "clang not installed (scripts/install-deps.sh)"
dir=${FLOWRUN_FUZZ_DIR:-$top_builddir/build-fuzz}
start=$(date +%s)
FUZZ_SECONDS=${FUZZ_SECONDS:-60} "$top_srcdir/scripts/fuzz.sh" "$dir" >"$FR_TMP/fuzz.out" 2>"$FR_TMP/fuzz.err"
rc=$?
while read -r _ target rest; do
	case $rest in
	*", ok") tap_ok 0 "fuzzed ${target%:}: $rest" ;;
	*) tap_ok 1 "fuzzed ${target%:}: $rest" "$(sed -n "/^fuzz: $target/,/^fuzz: /p" "$FR_TMP/fuzz.err" | head -20)" ;;
	esac
done < <(grep '^fuzz: fuzz-[a-z-]*: ' "$FR_TMP/fuzz.err")
tap_is "$rc" 0 "scripts/fuzz.sh succeeds ($(($(date +%s) - start)) s)" || sed 's/^/# /' "$FR_TMP/fuzz.err" | tail -30
tap_done
