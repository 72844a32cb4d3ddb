#!/usr/bin/env bash
# chaos.sh: the fault timeline against the real toxiproxy-server, redis-server and the
# fixture — toxics take effect exactly inside their windows, per-window and recovery
# SLOs are judged, and no fault is ever left behind (normal end, SIGINT, SIGTERM, and a
# SIGKILL'd run whose leftovers the next run of its id removes and reports).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
cd "$top_srcdir" || exit 1
tap_plan 22
T=$(fr_tmpdir)
fr_start_stack --store-timeout 500ms || { echo "Bail out! the stack did not start"; exit 1; }

# 1. A 100 ms latency toxic raises redis-lookup p50 by 100 ms ± 10 ms inside its window only.
"$FLOWRUN" run tests/e2e/plans/chaos-latency.yaml --quiet --json "$T/lat.json" 2>"$T/lat.err"
rc=$?
tap_is "$rc" 1 "latency run: exit 1 (the deliberately failing SLOs fail)"
before=$(fr_window_stat "$T/lat.json" queries/redis-lookup p50-before .latency.p50)
during=$(fr_window_stat "$T/lat.json" queries/redis-lookup p50-during .latency.p50)
outside=$(fr_window_stat "$T/lat.json" queries/redis-lookup p50-outside .latency.p50)
echo "# redis-lookup p50: before ${before}us, during ${during}us, outside ${outside}us"
rise=$((during - outside))
[ "$rise" -ge 90000 ] && [ "$rise" -le 110000 ]
tap_ok $? "p50 inside the fault window is 100ms ± 10ms above p50 outside it (rise ${rise}us)"
[ "$outside" -lt 10000 ] && [ "$before" -lt 10000 ]
tap_ok $? "p50 outside the fault window stays below 10ms (before ${before}us, outside ${outside}us)"
tap_is "$(fr_verdict "$T/lat.json" p50-during pass)" false "fault-window SLO p50 < 50ms fails"
tap_is "$(fr_verdict "$T/lat.json" p50-outside pass)" true "no-fault SLO p50 < 50ms passes"
tap_is "$(fr_verdict "$T/lat.json" recovered pass)" true "recovery SLO (after-faults+500ms, p99 < 50ms) passes"
tap_is "$(fr_verdict "$T/lat.json" still-degraded pass)" false "recovery SLO p50 > 50ms fails: latency recovered"
late=$(jq '[.faults[].late_us] | max' "$T/lat.json")
[ "$late" -le 10000 ]
tap_ok $? "fault actions at most 10ms late (worst ${late}us)"
tap_is "$(fr_flowrun_toxics)" "" "no flowrun toxic left after a normal end"

# 2. A timeout toxic produces errors inside its window only.
"$FLOWRUN" run tests/e2e/plans/chaos-timeout.yaml --quiet --json "$T/to.json" 2>"$T/to.err"
tap_is "$(fr_window_stat "$T/to.json" queries/redis-lookup errors-before .errors)" 0 "no errors in the stage before the timeout toxic"
during=$(fr_window_stat "$T/to.json" queries/redis-lookup errors-during .errors)
[ "${during:-0}" -gt 0 ]
tap_ok $? "errors inside the timeout window ($during)"
tap_is "$(fr_window_stat "$T/to.json" queries/redis-lookup errors-after .errors)" 0 "no errors once the store timeout after the window has passed"
tap_is "$(jq -r '.keys[] | select(.name == "queries/redis-lookup") | "\(.run.outcomes["http-5xx"] // 0)/\(.run.errors)"' "$T/to.json")" \
	"$(jq -r '.keys[] | select(.name == "queries/redis-lookup") | "\(.run.errors)/\(.run.errors)"' "$T/to.json")" \
	"every error of the run is the fixture's 504, counted as http-5xx"

# 3. SIGINT during a fault: exit 130, partial results marked interrupted, faults removed.
"$FLOWRUN" run tests/e2e/plans/chaos-long.yaml --quiet --json "$T/int.json" 2>"$T/int.err" &
pid=$!
for _ in $(seq 100); do [ -n "$(fr_flowrun_toxics)" ] && break; sleep 0.05; done
sleep 0.5
tap_is "$(fr_flowrun_toxics | wc -l)" 2 "during the faults: the latency toxic and the down marker are in Toxiproxy"
tap_is "$(fr_disabled_proxies)" clickhouse "during the faults: clickhouse is down"
kill -INT $pid
wait $pid
tap_is "$?" 130 "SIGINT: exit 130"
tap_is "$(fr_flowrun_toxics)$(fr_disabled_proxies)" "" "after SIGINT: no flowrun toxic and every proxy enabled"
tap_is "$(jq -r .interrupted "$T/int.json" 2>/dev/null)" true "after SIGINT: the partial result is written and marked interrupted"

# 4. SIGTERM behaves the same.
"$FLOWRUN" run tests/e2e/plans/chaos-long.yaml --quiet 2>"$T/term.err" >/dev/null &
pid=$!
for _ in $(seq 100); do [ -n "$(fr_disabled_proxies)" ] && break; sleep 0.05; done
kill -TERM $pid
wait $pid
rc=$?
tap_is "$rc:$(fr_flowrun_toxics)$(fr_disabled_proxies)" "130:" "SIGTERM: exit 130, no toxic left, every proxy enabled"

# 5. SIGKILL leaves the faults; the next run removes them and says so.
"$FLOWRUN" run tests/e2e/plans/chaos-long.yaml --quiet --run-id killed 2>"$T/kill.err" >/dev/null &
pid=$!
for _ in $(seq 100); do [ -n "$(fr_disabled_proxies)" ] && break; sleep 0.05; done
sleep 0.3
kill -KILL $pid
wait $pid 2>/dev/null
left=$(fr_flowrun_toxics | sort | tr '\n' ' ')
echo "# left behind by the killed run: $left / disabled: $(fr_disabled_proxies)"
[ -n "$left" ]
tap_ok $? "a SIGKILLed run leaves its toxics behind (nothing can clean up after kill -9)"
# Its toxics have not expired (shared-toxiproxy.sh: another run id leaves them): the
# next run of the same id removes them.
"$FLOWRUN" run tests/e2e/plans/chaos-latency.yaml --quiet --time-scale 0.5 --run-id killed >/dev/null 2>"$T/next.err"
grep -q "leftover" "$T/next.err"
tap_ok $? "the next run of that id reports the leftovers it removed: $(grep leftover "$T/next.err" | head -1)"
tap_is "$(fr_flowrun_toxics)$(fr_disabled_proxies)" "" "after the next run: no flowrun toxic and every proxy enabled"
tap_done
