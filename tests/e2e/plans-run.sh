#!/usr/bin/env bash
# plans-run.sh: the shipped plans run end to end, time-scaled, against the fixture stack
# (real redis-server and toxiproxy-server): event-rate walks its six user stages,
# widget-count sweeps its five widget counts with the dashboard group timed as one,
# store-failure applies and removes its four faults on time, and smoke touches HTTP,
# WebSocket and a fault. Each run must be a complete, valid run (exit 0 or 1: the SLOs
# of the real plans are judged, not assumed) that leaves no fault behind.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
cd "$top_srcdir" || exit 1
tap_plan 16
T=$(fr_tmpdir)
fr_start_stack || { echo "Bail out! the stack did not start"; exit 1; }

valid() { [ "$1" = 0 ] || [ "$1" = 1 ]; }

timeout 120 "$FLOWRUN" run plans/event-rate.yaml --time-scale 0.02 --quiet --json "$T/er.json" 2>"$T/er.err"
rc=$?
valid $rc
tap_ok $? "event-rate: a complete run (exit $rc)"
tap_is "$(jq '[.windows[] | select(.slo == "redis-p99")] | length' "$T/er.json")" 6 "event-rate: the each-stage SLO is judged for each of the 6 user stages"
tap_is "$(jq '[.keys[] | .run.errors] | add' "$T/er.json")" 0 "event-rate: no request failed"
n=$(jq '[.keys[] | .run.requests] | add' "$T/er.json")
[ "$n" -gt 100 ]
tap_ok $? "event-rate: the closed model sent requests ($n)"

timeout 120 "$FLOWRUN" run plans/widget-count.yaml --time-scale 0.03 --json "$T/wc.json" >"$T/wc.out" 2>"$T/wc.err"
rc=$?
valid $rc
tap_ok $? "widget-count: a complete run (exit $rc)"
tap_is "$(jq -r '.plan.sweep_values | join(",")' "$T/wc.json")" "1,5,10,25,50" "widget-count: one pass per widget count"
tap_is "$(awk '/by widgets:/ {on=1; next} on && $2 == "dashboard-load" {print $1}' "$T/wc.out" | tr '\n' ' ')" "1 5 10 25 50 " "widget-count: the summary shows the dashboard load time against the widget count"
groups=$(jq '.keys[] | select(.name == "dashboards/dashboard-load") | .run.requests' "$T/wc.json")
widgets=$(jq '.keys[] | select(.name == "dashboards/dashboard-load/widget-data") | .run.requests' "$T/wc.json")
echo "# $groups dashboard loads, $widgets widget requests"
[ "$groups" -gt 0 ] && [ "$widgets" -gt "$groups" ]
tap_ok $? "widget-count: each dashboard load fans out to its widgets"
tap_is "$(jq '[.keys[] | .run.errors] | add' "$T/wc.json")" 0 "widget-count: no request failed"

timeout 120 "$FLOWRUN" run plans/store-failure.yaml --time-scale 0.1 --quiet --json "$T/sf.json" 2>"$T/sf.err"
rc=$?
valid $rc || [ $rc = 3 ]
tap_ok $? "store-failure: a complete run (exit $rc$( [ $rc = 3 ] && echo ", invalid: $(jq -r .invalid "$T/sf.json")"))"
tap_is "$(jq '[.faults[] | select(.ok)] | length' "$T/sf.json")" 8 "store-failure: all four faults applied and removed"
late=$(jq '[.faults[].late_us] | max' "$T/sf.json")
[ "$late" -le 10000 ]
tap_ok $? "store-failure: every fault action at most 10ms late (worst ${late}us)"
tap_is "$(fr_flowrun_toxics)$(fr_disabled_proxies)" "" "store-failure: no flowrun toxic left, every proxy enabled"
during=$(jq -r '[.keys[] | select(.name == "queries/analytical") | .run.outcomes["http-5xx"] // 0] | add' "$T/sf.json")
[ "${during:-0}" -gt 0 ]
tap_ok $? "store-failure: the clickhouse faults show as 5xx errors of the analytical query ($during)"

timeout 120 "$FLOWRUN" run plans/smoke.yaml --time-scale 0.5 --quiet --json "$T/sm.json" 2>"$T/sm.err"
rc=$?
valid $rc || [ $rc = 3 ]
tap_ok $? "smoke: a complete run (exit $rc)"
tap_is "$(jq '[.keys[] | .run.ws.received // 0] | add > 0' "$T/sm.json")" true "smoke: WebSocket viewers received events"
tap_done
