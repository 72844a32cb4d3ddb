#!/bin/bash
# bench/demo-loop.sh: the quick start's demo (scripts/demo.sh: plans/smoke.yaml against
# the bundled stack) N times in a row, and what each run's slowest Redis lookups were.
#
#     bench/demo-loop.sh [N]          (default 20)
#
# Uses $top_builddir/flowrun (the in-tree build of ./quickstart by default). For each
# run it prints one Markdown row: flowrun's exit code, redis-p99 [no-fault] against its
# 5 ms threshold, the scheduler's send lag (p99 and max: how late flowrun itself sent,
# which counts in the latency), the 1-minute load average before the run, and the
# three slowest Redis lookups of the no-fault window as latency/service@offset —
# a latency much above its service time was lost before the request left flowrun
# (a late wake-up of the worker), a service time that is high too was spent in the
# fixture, Toxiproxy or Redis. Ends with the pass count. Results of run I are kept
# in $FR_TMP/run-I/ when FR_KEEP_TMP=1.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/e2e/lib.sh"
n=${1:-20}
command -v jq >/dev/null 2>&1 || { echo "demo-loop: needs jq" >&2; exit 2; }

# slow RESULT: the 3 slowest no-fault redis-lookup latencies as "lat/svc@at" (ms, ms, s).
slow() {
	jq -r '(.windows | map(.slo) | index("redis-p99")) as $w | .windows[$w].segments as $segs |
		[.keys[] | select(.name == "queries/redis-lookup") | .segments[] | select(.segment as $s | $segs | index($s)) |
		 (.slowest.service // []) as $svc | (.slowest.latency // [])[] |
		 . as $l | {lat: $l[0], at: $l[1], svc: ([$svc[] | select(.[1] == $l[1]) | .[0]] | first)}] |
		sort_by(-.lat) | .[0:3] |
		map("\(.lat / 1000 * 100 | round / 100)/\(if .svc then (.svc / 1000 * 100 | round / 100 | tostring) else "?" end)@\(.at / 1e6)s") |
		join(" ")' "$1"
}

echo "| run | exit | redis-p99 | lag p99 | lag max | load | slowest no-fault lookups (latency/service ms @ offset) |"
echo "|---|---|---|---|---|---|---|"
pass=0
for ((i = 1; i <= n; i++)); do
	load=$(cut -d' ' -f1 /proc/loadavg)
	out=$FR_TMP/run-$i
	mkdir -p "$out"
	FLOWRUN=$top_builddir/flowrun bash "$top_srcdir/scripts/demo.sh" --out "$out" -q >"$out/demo.log" 2>&1
	rc=$?
	[ "$rc" = 0 ] && pass=$((pass + 1))
	r=$out/result.json
	if [ -f "$r" ]; then
		p99=$(jq -r '.verdicts[] | select(.slo == "redis-p99") | .measured_text' "$r")
		lag=$(jq -r '.scheduler.lag | "\(.p99 / 1000)ms | \(.max / 1000)ms"' "$r")
		echo "| $i | $rc | $p99 | $lag | $load | $(slow "$r") |"
	else
		echo "| $i | $rc | - | - | - | $load | (no result: $(tail -1 "$out/demo.log")) |"
	fi
done
echo
echo "passed $pass of $n; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
