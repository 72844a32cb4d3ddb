#!/usr/bin/env bash
# test-summary.sh: the closing line of a test run, from automake's .trs files:
# every failed test by name, then "flowrun tests: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 1
pass=0 fail=0 skip=0
while IFS= read -r trs; do
	while IFS= read -r line; do
		case "$line" in
		":test-result: PASS"* | ":test-result: XFAIL"*) pass=$((pass + 1)) ;;
		":test-result: FAIL"* | ":test-result: XPASS"* | ":test-result: ERROR"*)
			fail=$((fail + 1)); echo "FAILED in ${trs%.trs}: ${line#:test-result: }" ;;
		":test-result: SKIP"*) skip=$((skip + 1)) ;;
		esac
	done < "$trs"
done < <(find tests -name '*.trs' | sort)
echo "flowrun tests: $pass passed, $fail failed, $skip skipped"
echo "$pass passed, $fail failed"
