#!/bin/bash
# report-browser.sh: the HTML reports of real runs, opened in headless Chromium.
#
# Runs plans/smoke.yaml, store-failure, widget-count and event-rate (time-scaled)
# against the fixture stack (real redis-server and toxiproxy-server) with --out DIR,
# redraws each saved result with `flowrun report`, and opens each report.html in
# Debian's Chromium through playwright-core (tests/browser/check-report.js): no
# console error, no request but the file itself, every chart drawn with one point
# per interval (± 1), store-failure's four fault bands at the planned offsets,
# widget-count's curve with one point per widget count and event-rate's with one
# per stage, the SLO table equal to the JSON verdicts in words, a phone's width
# without sideways scrolling, a dark scheme when the browser asks. Screenshots go
# to $top_builddir/artifacts/ (CI uploads them). Skips without chromium or
# playwright-core. About 90 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
cd "$top_srcdir" || exit 1
# shellcheck disable=SC2016 # $r and $iv are jq variables

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || tap_skip_all "no $CHROMIUM (apt-get install chromium)"
[ -d node_modules/playwright-core ] || tap_skip_all "no playwright-core (npm ci)"
tap_plan 35
T=$(fr_tmpdir)
ART=$top_builddir/artifacts
mkdir -p "$ART"
fr_start_stack || { echo "Bail out! the stack did not start"; exit 1; }

# run NAME PLAN SCALE: runs PLAN into $T/NAME, redraws its result, checks both pages in the browser.
run() {
	local name=$1 plan=$2 scale=$3 rc
	timeout 180 "$FLOWRUN" run "$plan" --time-scale "$scale" --quiet --out "$T/$name" 2>"$T/$name.err"
	rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 1 ] || [ "$rc" = 3 ]
	tap_ok $? "$name: a complete run with report.html in --out (exit $rc)" "$(cat "$T/$name.err")"
	"$FLOWRUN" report "$T/$name/result.json" --html "$T/$name/redrawn.html" 2>"$T/$name.rerr"
	tap_ok $? "$name: flowrun report draws the saved result" "$(cat "$T/$name.rerr")"
	timeout 120 node tests/browser/check-report.js "$T/$name/redrawn.html" "$ART/report-$name.png" \
		>"$T/$name.facts" 2>"$T/$name.berr"
	[ -s "$T/$name.facts" ] || echo "# $(cat "$T/$name.berr")"
}

# facts NAME JQ: a jq expression over the page's facts, with $r the JSON result.
facts() {
	jq -r --slurpfile r "$T/$1/result.json" "$2" "$T/$1.facts" 2>&1
}

# common NAME: what every page must show.
common() {
	local n=$1
	tap_is "$(facts "$n" '.wide.errors + .phone.errors + .dark.errors | length')" 0 \
		"$n: no console or page error" "$(facts "$n" '.wide.errors')"
	tap_is "$(facts "$n" '[.wide.requests[] | select(startswith("file://") | not)] | length')" 0 \
		"$n: no request but the file itself" "$(facts "$n" '.wide.requests')"
	# time charts: one point per interval; the spectrum and the curve have their own
	tap_is "$(facts "$n" '($r[0].series.intervals) as $iv | [.wide.charts[] |
		select(.kind != "spectrum" and .kind != "curve") | select((.points - $iv) | fabs > 1)] | length')" 0 \
		"$n: every time chart has one point per interval ($(facts "$n" '$r[0].series.intervals'))"
	tap_is "$(facts "$n" '[.wide.charts[] | select(.drawn < 1)] | length')" 0 \
		"$n: every chart has drawn series ($(facts "$n" '.wide.charts | length') charts)"
	tap_is "$(facts "$n" '[.wide.slos[] | [.slo, .window, .verdict]] == [$r[0].verdicts[] |
		[.slo, .window, (if .skipped then "skipped" elif .no_data then "no-data" elif .pass then "pass" else "fail" end)]]')" \
		true "$n: the SLO table matches the JSON verdicts"
	tap_is "$(facts "$n" '[.wide.slos[] | select(.text | test("PASS|FAIL|NO DATA|SKIPPED") | not)] | length')" 0 \
		"$n: every verdict is written in words, not only in colour"
	tap_is "$(facts "$n" '.phone.overflow <= 1 and .dark.background != .wide.background')" true \
		"$n: fits a phone's width; dark when the browser asks"
}

run smoke plans/smoke.yaml 0.5
common smoke
tap_is "$(facts smoke '[.wide.charts[] | .kind] | unique | join(",")')" \
	"active,latency,spectrum,throughput,ws" "smoke: latency, throughput, active viewers, WebSocket and spectrum charts"

run store-failure plans/store-failure.yaml 0.1
common store-failure
# the plan's faults at 30, 60, 90 and 120 s for 15, 15, 15 and 10 s, scaled by 0.1
tap_is "$(facts store-failure '[.wide.charts[] | select(.kind == "latency" and .key == "queries/redis-lookup") |
	.bands[] | [.start_us, .end_us]] | tostring')" \
	"[[3000000,4500000],[6000000,7500000],[9000000,10500000],[12000000,13000000]]" \
	"store-failure: four shaded fault bands at the planned offsets"
tap_is "$(facts store-failure '[.wide.bandItems[] | .text] | unique | length')" 4 \
	"store-failure: the bands are named in the page, readable without the chart"

run widget-count plans/widget-count.yaml 0.03
common widget-count
tap_is "$(facts widget-count '[.wide.charts[] | select(.kind == "curve" and .key == "dashboards/dashboard-load") | .points] | tostring')" \
	"[5]" "widget-count: the curve has five points, one per widget count"

run event-rate plans/event-rate.yaml 0.02
tap_is "$(facts event-rate '[.wide.charts[] | select(.kind == "curve") | .points] | unique | tostring')" \
	"[6]" "event-rate: the curve has one point per stage (six)"
tap_is "$(facts event-rate '[.wide.charts[] | select(.kind == "latency" and .key == "queries/redis-lookup") | .stages | length] | tostring')" \
	"[5]" "event-rate: five stage boundaries on the latency chart"

find "$ART" -name 'report-*.png' | sort | sed 's/^/# screenshot: /'
tap_done
