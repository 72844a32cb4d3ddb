#!/usr/bin/env bash
# tsan.sh: the ThreadSanitizer variant of flowrun (scripts/tsan.sh), as one test of
# the suite: its unit tests and a two-thread run stopped by signals, with zero TSan
# reports. It builds a second copy of flowrun (two to three minutes on two cores), so
# it runs only when FLOWRUN_TSAN=1 (set by .ci/run); otherwise it is skipped.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
if [ "${FLOWRUN_TSAN:-0}" != 1 ]; then
	echo "1..0 # SKIP the ThreadSanitizer build runs with FLOWRUN_TSAN=1 (.ci/run) or scripts/tsan.sh"
	exit 0
fi
dir=${FLOWRUN_TSAN_DIR:-$top_builddir/build-tsan}
start=$(date +%s)
"$top_srcdir/scripts/tsan.sh" "$dir" >"$FR_TMP/tsan.out" 2>"$FR_TMP/tsan.err"
rc=$?
while read -r test result count; do
	case $result in
	PASS | SKIP) tap_ok 0 "under TSan: $test ($count $result)" ;;
	*) tap_ok 1 "under TSan: $test ($count $result)" "$(grep -v '^ok' "$dir/src/$test.log" 2>/dev/null | head -60)" ;;
	esac
done <"$FR_TMP/tsan.out"
tap_is "$rc" 0 "scripts/tsan.sh succeeds ($(($(date +%s) - start)) s)" || sed 's/^/# /' "$FR_TMP/tsan.err"
tap_done
