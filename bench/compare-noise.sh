#!/bin/bash
# bench/compare-noise.sh: how often `flowrun compare` sees a regression in run-to-run noise, and whether it sees a real one.
#
# Starts redis-server and flowforge-fixture (service time 20 ms) on free
# loopback ports and runs one open-model plan RUNS times (100 requests/s for
# SECS seconds in two stages: /api/query, which the service time slows, and
# /healthz, which it does not). Then it runs the plan RUNS/2 times with the
# service time raised by 50 % (30 ms) and RUNS/2 times by 10 % (22 ms), and
# compares: every ordered pair of the unchanged runs (noise: any regression
# is a false alarm), and every slower run against every unchanged one
# (detection: a regression is expected on the query key, never on /healthz).
# Runs that judge themselves invalid (scheduler lag) are run again.
# Prints one line per set, and each false alarm of the noise set as a
# comment. Take figures when `uptime` is low; it prints it.
#
#   bench/compare-noise.sh [RUNS=6] [SECS=20]
#   env: FLOWRUN (default $top_builddir/flowrun), TOLERANCE=10%
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=../tests/e2e/lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=../tests/e2e/lib-engine.sh
. "$top_srcdir/tests/e2e/lib-engine.sh"
RUNS=${1:-6}
SECS=${2:-20}
TOLERANCE=${TOLERANCE:-10%}
half=$((SECS / 2))
fr_start_redis >/dev/null && fr_start_fixture --service-time 20ms >/dev/null || exit 1
eng_compare_plan compare-noise 100/s "${half}s" >"$FR_TMP/plan.yaml"
echo "# $(uptime)"
# runs SET N SERVICE_TIME: N valid runs named SET-1 … SET-N.
runs() {
	curl -fsS -m 5 -X POST "$FR_FIXTURE_URL/admin/mode?service_time=$3" >/dev/null
	for i in $(seq "$2"); do
		fr_run_valid "$1-$i" "$FR_TMP/plan.yaml" --quiet >/dev/null
	done
}
runs base "$RUNS" 20ms
runs slow50 $((RUNS / 2)) 30ms
runs slow10 $((RUNS / 2)) 22ms
# pairs LABEL BASE_SET NEW_SET: compares every pair, counts what is flagged.
pairs() {
	local pairs=0 flagged=0 figs=0 lookup=0 health=0 b n out
	for b in "$FR_TMP/$2"-*.json; do
		for n in "$FR_TMP/$3"-*.json; do
			[ "$b" = "$n" ] && continue
			out=$("$FLOWRUN" compare "$b" "$n" --tolerance "$TOLERANCE")
			pairs=$((pairs + 1))
			grep -q WORSE <<<"$out" && flagged=$((flagged + 1))
			figs=$((figs + $(grep -c WORSE <<<"$out")))
			grep -q 'q/lookup .*WORSE' <<<"$out" && lookup=$((lookup + 1))
			[ "$2" = "$3" ] && grep WORSE <<<"$out" | sed "s|^|#   $(basename "$b") → $(basename "$n"):|"
			grep -q 'q/health .*WORSE' <<<"$out" && health=$((health + 1))
		done
	done
	echo "$1: $pairs pairs, $flagged with a regression ($figs figures; on q/lookup in $lookup, on q/health in $health)"
}
pairs "noise (unchanged vs unchanged)" base base
pairs "service time +50 %" base slow50
pairs "service time +10 %" base slow10
echo "# $(uptime)"
