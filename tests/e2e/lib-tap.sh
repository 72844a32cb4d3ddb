# lib-tap.sh: TAP helpers for the e2e tests that start no services (those use lib.sh).
#
# fr_missing_tool MSG: nothing when MSG is empty; otherwise the whole test is skipped
# ("1..0 # SKIP MSG") — or, with FLOWRUN_REQUIRE_ALL=1 as in CI, fails — and exits.
fr_missing_tool() {
	[ -z "$1" ] && return 0
	if [ "${FLOWRUN_REQUIRE_ALL:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - $1, and FLOWRUN_REQUIRE_ALL=1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

# ok NAME / not_ok NAME [DIAGNOSTIC]: one TAP line; counts in $n and $failed.
n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'
	return 0
}

# check NAME PROBLEM: "ok" when PROBLEM (the problems found) is empty, else
# "not ok" with PROBLEM as a diagnostic.
check() {
	if [ -z "$2" ]; then ok "$1"; else not_ok "$1" "$2"; fi
}
