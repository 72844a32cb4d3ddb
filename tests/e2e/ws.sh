#!/bin/bash
# tests/e2e/ws.sh: the WebSocket viewer driver (runner/engine/ws_*.c) against flowforge-fixture.
#
# Most cases write a plan with one websocket scenario, run it through
# tests/harness/ws-harness (the driver with the hooks fr_run calls, on 2 worker
# threads) and check what the harness prints: delivery latency against a
# fixed broadcast delay, exact viewer counts through a ramp (also from the
# fixture's gauge and flowrun's own metrics), handshake rejections with their
# status, fragmented and oversized messages, duplicates, lost events against
# a fixture that drops every 10th, server closes and reconnects. A few run
# through `flowrun run` itself, including plans/ws-viewers.yaml. Everything
# is built with the sanitizers of the build; every run must exit cleanly with
# no sanitizer report.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"

HARNESS=$top_builddir/tests/harness/ws-harness
TMP=$(fr_tmpdir)
tap_plan 53

# ws_plan FILE DASH STAGES DEADLINE [AUTH] [EXTRA] [PAD]: a plan with one websocket
# scenario; PAD adds a string of that many bytes to every event.
ws_plan() {
	local auth="" pad=""
	[ -n "${7:-}" ] && pad=", pad: \"$(head -c "$7" /dev/zero | tr '\0' x)\""
	if [ "${5:-1}" = 1 ]; then
		# shellcheck disable=SC2016 # $.token and ${token} are for flowrun
		auth='auth:
  request: { method: POST, path: /api/auth/login, json: { user: bench, password: bench } }
  capture: { token: { json: $.token } }
  headers: { Authorization: "Bearer ${token}" }'
	fi
	local id=${WS_EVENT_ID:-\${event_id\}}
	cat >"$1" <<EOF
version: 1
name: ws-e2e
target:
  base_url: $FR_FIXTURE_URL
$auth
scenarios:
  - name: viewers
    model: websocket
    connect: /ws/dashboards/$2
    stages: $3
    publish: { method: POST, path: /api/dashboards/d1/events, json: { event_id: "$id"$pad } }
    rate: 25/s
    match: '"event_id"\\s*:\\s*"(?<id>e[0-9]+)"'
    deadline: $4
${6:-}
EOF
}

# run_plan NAME PLAN: runs the harness; output in $TMP/NAME.out, stderr in .err.
run_plan() {
	timeout 60 "$HARNESS" "$2" 2 >"$TMP/$1.out" 2>"$TMP/$1.err"
	local rc=$?
	if [ $rc -ne 0 ] || grep -q 'Sanitizer' "$TMP/$1.err"; then
		sed 's/^/# /' "$TMP/$1.err" | head -40
		return 1
	fi
	return 0
}

# flowrun_plan NAME PLAN [OPTION…]: runs `flowrun run PLAN` (exit status in $TMP/NAME.rc).
flowrun_plan() {
	local name=$1
	shift
	timeout 90 "$FLOWRUN" run "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	echo $? >"$TMP/$name.rc"
	! grep -q Sanitizer "$TMP/$name.err"
}

# with_slos FILE SLO…: appends an slos list to a plan.
with_slos() {
	local f=$1
	shift
	echo "slos:" >>"$f"
	for slo in "$@"; do
		echo "  - $slo" >>"$f"
	done
}

# val NAME KEY: a value the harness printed.
val() {
	sed -n "s/^$2=//p" "$TMP/$1.out"
}

# dashboard: creates a dashboard on the current fixture (d1 on a fresh one).
dashboard() {
	curl -fs --max-time 5 -X POST -H "Authorization: Bearer $(fr_token)" -H 'Content-Type: application/json' \
		-d '{"widgets":1}' "$FR_FIXTURE_URL/api/dashboards" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

# --- a fixed 20 ms broadcast delay ---------------------------------------
fr_start_fixture --broadcast-delay 20ms || exit 1
tap_is "$(dashboard)" d1 "fixture gives dashboard d1"

ws_plan "$TMP/delay.yaml" d1 '[{ viewers: 20, for: 4s }]' 1s 1 "    subscribe: '{\"type\":\"subscribe\"}'"
run_plan delay "$TMP/delay.yaml"
tap_ok $? "delay: harness exits 0, sanitizers clean"
p50=$(val delay delivery_p50_us)
tap_ok "$([ -n "$p50" ] && [ "$p50" -ge 20000 ] && [ "$p50" -le 22000 ]; echo $?)" "delay: delivery p50 $p50 us within [20 ms, 22 ms]"
tap_is "$(val delay lost)" 0 "delay: nothing lost"
tap_is "$(val delay received)" "$(val delay expected)" "delay: received = expected"
tap_ok "$([ "$(val delay received)" -ge $((20 * 90)) ]; echo $?)" "delay: at least 90 events × 20 viewers received ($(val delay received))"
tap_is "$(val delay duplicate)/$(val delay unmatched)/$(val delay publish-failed)" 0/0/0 "delay: no duplicate, unmatched or failed publish"
tap_is "$(val delay connects)" 20 "delay: 20 connects"

# Through flowrun itself (the wiring of run.c and cli_run.c): SLOs that a
# working driver meets by far pass, one it cannot meet fails.
ws_plan "$TMP/delay-run.yaml" d1 '[{ viewers: 20, for: 2s }]' 5s
with_slos "$TMP/delay-run.yaml" '{ name: p50, scenario: viewers, series: delivery, p50: "< 100ms" }' \
	'{ name: lost, scenario: viewers, lost: "< 5%" }'
flowrun_plan delay-run "$TMP/delay-run.yaml"
tap_ok $? "flowrun run, delay: sanitizers clean"
tap_is "$(cat "$TMP/delay-run.rc")" 0 "flowrun run, delay: delivery p50 < 100ms and lost < 5% pass (exit 0)"
ws_plan "$TMP/delay-fail.yaml" d1 '[{ viewers: 5, for: 1s }]' 5s
with_slos "$TMP/delay-fail.yaml" '{ name: p50, scenario: viewers, series: delivery, p50: "< 20ms" }'
flowrun_plan delay-fail "$TMP/delay-fail.yaml"
tap_is "$(cat "$TMP/delay-fail.rc")" 1 "flowrun run, delay: delivery p50 < 20ms fails behind a 20 ms broadcast delay (exit 1)"

# plans/ws-viewers.yaml itself (10 → 500 viewers, at a tenth of its length):
# the dashboard id comes from its setup, so the connect URL is expanded per pass.
FLOWFORGE_URL=$FR_FIXTURE_URL flowrun_plan plan-ws "$top_srcdir/plans/ws-viewers.yaml" --time-scale 0.1
tap_ok $? "flowrun run plans/ws-viewers.yaml: sanitizers clean"
# (its p95 < 200ms SLOs hold on an idle machine; on a loaded one they may not,
# so the test asserts a valid run — exit 0 or 1 — and what does not depend on load)
tap_like "$(cat "$TMP/plan-ws.rc")" '^[01]$' "flowrun run plans/ws-viewers.yaml --time-scale 0.1: a valid run (exit 0 or 1)"
tap_like "$(grep -A1 -E '^ +connects' "$TMP/plan-ws.out" | tail -1)" '^ +500 +0 ' "plans/ws-viewers.yaml: 500 connects, none failed"
tap_like "$(grep -E '^ +lost +run' "$TMP/plan-ws.out")" 'lost +0\.00% ' "plans/ws-viewers.yaml: nothing lost"

# --- a ramp up and down ----------------------------------------------------
ws_plan "$TMP/ramp.yaml" d1 '[{ viewers: 10, for: 2s }, { viewers: 41, for: 2s }, { viewers: 25, for: 2s }, { viewers: 5, for: 2s }]' 500ms
FR_WS_METRICS_PORT_FILE=$TMP/ramp.port timeout 60 "$HARNESS" "$TMP/ramp.yaml" 2 >"$TMP/ramp.out" 2>"$TMP/ramp.err" &
hpid=$!
sleep 3.3 # the middle of the 41-viewer stage (starts 0.3 s + login after launch)
gauge=$(curl -fs --max-time 5 "$FR_FIXTURE_URL/metrics" | sed -n 's/^flowforge_ws_connections \([0-9]*\).*/\1/p')
own=$(curl -fs --max-time 5 "http://127.0.0.1:$(cat "$TMP/ramp.port")/metrics" |
	sed -n 's/^flowrun_ws_connections{.*scenario="viewers".*} \([0-9]*\)$/\1/p')
wait $hpid
rc=$?
tap_ok "$([ $rc -eq 0 ] && ! grep -q Sanitizer "$TMP/ramp.err"; echo $?)" "ramp: harness exits 0, sanitizers clean"
tap_is "$(val ramp stage0_connected) $(val ramp stage1_connected) $(val ramp stage2_connected) $(val ramp stage3_connected)" \
	"10 41 25 5" "ramp: viewers connected at the end of each stage"
tap_is "$gauge" 41 "ramp: the fixture counts 41 connections in the 41-viewer stage"
tap_is "$own" 41 "ramp: flowrun's own flowrun_ws_connections gauge says 41 too"
tap_is "$(val ramp connects)" 41 "ramp: 41 connects (ramping down closes, never reconnects)"
tap_is "$(val ramp lost)" 0 "ramp: closing viewers on purpose loses nothing"
tap_is "$(val ramp received)" "$(val ramp expected)" "ramp: received = expected"
tap_is "$(val ramp disconnect-server)/$(val ramp disconnect-error)" 0/0 "ramp: no unplanned disconnects"
gauge_end=$(curl -fs --max-time 5 "$FR_FIXTURE_URL/metrics" | sed -n 's/^flowforge_ws_connections \([0-9]*\).*/\1/p')
tap_is "$gauge_end" 0 "ramp: every viewer closed at the end (fixture gauge 0)"

# --- handshakes rejected ---------------------------------------------------
ws_plan "$TMP/noauth.yaml" d1 '[{ viewers: 12, for: 1s }]' 1s 0
run_plan noauth "$TMP/noauth.yaml"
tap_ok $? "no token: harness exits 0, sanitizers clean"
tap_is "$(val noauth handshake-rejected)/$(val noauth connects)" 12/0 "no token: 12 handshakes rejected, none connected"
tap_is "$(grep 'handshake rejected' "$TMP/noauth.out")" "viewers: handshake rejected: HTTP 401 (12 times)" "no token: rejection summary with the status"
tap_is "$(val noauth publish-failed)" "$(val noauth published)" "no token: every publish fails (401)"
flowrun_plan noauth-run "$TMP/noauth.yaml"
tap_is "$(grep 'handshake rejected' "$TMP/noauth-run.out")" "viewers: handshake rejected: HTTP 401 (12 times)" \
	"flowrun run, no token: the summary names the status"

ws_plan "$TMP/nodash.yaml" nope '[{ viewers: 3, for: 1s }]' 1s
run_plan nodash "$TMP/nodash.yaml"
tap_is "$(grep 'handshake rejected' "$TMP/nodash.out")" "viewers: handshake rejected: HTTP 404 (3 times)" "unknown dashboard: rejected with 404"

ws_plan "$TMP/big.yaml" d1 '[{ viewers: 3, for: 1s }]' 1s 1 "" 3000
run_plan big "$TMP/big.yaml"
tap_ok $? "3 KB events: harness exits 0, sanitizers clean"
tap_is "$(val big received)/$(val big lost)/$(val big oversized)/$(val big unmatched)" "$(val big expected)/0/0/0" \
	"3 KB events (fragments of the 512-byte rx buffer) are reassembled and all received"
ws_plan "$TMP/huge.yaml" d1 '[{ viewers: 3, for: 1s }]' 1s 1 "" 70000
run_plan huge "$TMP/huge.yaml"
tap_ok $? "70 KB events: harness exits 0, sanitizers clean"
tap_is "$(val huge received)/$(val huge lost)" "0/$(val huge expected)" \
	"70 KB events are over the 64 KiB cap: none received, all lost"
ov=$(val huge oversized)
tap_ok "$([ "$ov" -ge "$(val huge expected)" ] && [ "$ov" -le $(($(val huge published) * 3)) ]; echo $?)" \
	"70 KB events: every frame counted oversized ($ov, expected $(val huge expected), published $(val huge published) to 3 viewers)"

# Every event claims to be e3: each viewer receives e3 once, then duplicates
# of it until its deadline (1 s = 25 events) has passed, then late copies.
WS_EVENT_ID=e3 ws_plan "$TMP/dup.yaml" d1 '[{ viewers: 3, for: 2s }]' 1s
run_plan dup "$TMP/dup.yaml"
tap_ok $? "duplicates: harness exits 0, sanitizers clean"
tap_is "$(val dup received)" 3 "duplicates: e3 received once per viewer"
dup=$(val dup duplicate)
tap_ok "$([ "$dup" -ge $((3 * 15)) ] && [ "$dup" -le $((3 * 26)) ]; echo $?)" \
	"duplicates: the copies of e3 within its deadline are counted per viewer ($dup, want 45..78)"
tap_is "$(val dup lost)" "$(($(val dup expected) - 3))" "duplicates: every other event is lost"
fr_stop fixture

# --- every 10th event dropped ---------------------------------------------
fr_start_fixture --drop-every 10 || exit 1
tap_is "$(dashboard)" d1 "drop fixture gives dashboard d1"
ws_plan "$TMP/drop.yaml" d1 '[{ viewers: 20, for: 6s }]' 500ms
run_plan drop "$TMP/drop.yaml"
tap_ok $? "drop: harness exits 0, sanitizers clean"
lost=$(val drop lost)
expected=$(val drop expected)
pct=$(awk -v l="$lost" -v e="$expected" 'BEGIN { if (e > 0) printf "%.2f", 100 * l / e; else print "none" }')
tap_ok "$(awk -v p="$pct" 'BEGIN { exit !(p != "none" && p >= 9 && p <= 11) }'; echo $?)" "drop: lost $lost of $expected = $pct % (10 % ± 1 %)"
tap_is "$((lost % 20))" 0 "drop: every viewer loses the same events (lost is a multiple of 20)"
tap_is "$(val drop duplicate)/$(val drop unmatched)" 0/0 "drop: no duplicate or unmatched frame"
ws_plan "$TMP/drop-run.yaml" d1 '[{ viewers: 10, for: 2s }]' 500ms
with_slos "$TMP/drop-run.yaml" '{ name: lost, scenario: viewers, lost: "< 5%" }'
flowrun_plan drop-run "$TMP/drop-run.yaml"
tap_is "$(cat "$TMP/drop-run.rc")" 1 "flowrun run, drop: the lost < 5% SLO fails (exit 1)"
tap_like "$(grep -E '^ +lost +run' "$TMP/drop-run.out")" 'lost +(9\.|10\.|11\.00)[0-9]*%' "flowrun run, drop: about 10 % lost reported"
fr_stop fixture

# --- the server closes connections ----------------------------------------
fr_start_fixture --ws-close-after 5 || exit 1
dashboard >/dev/null
ws_plan "$TMP/close0.yaml" d1 '[{ viewers: 10, for: 2s }]' 1s
run_plan close0 "$TMP/close0.yaml"
tap_ok $? "close, no reconnect: harness exits 0, sanitizers clean"
tap_is "$(val close0 disconnect-server)/$(val close0 reconnects)/$(val close0 connects)" 10/0/10 \
	"close, no reconnect: 10 server disconnects, no reconnect"
tap_is "$(val close0 stage0_connected)" 0 "close, no reconnect: no viewer left at the end of the stage"

ws_plan "$TMP/close3.yaml" d1 '[{ viewers: 10, for: 3s }]' 1s 1 '    reconnect: { attempts: 3, delay: 100ms }'
run_plan close3 "$TMP/close3.yaml"
tap_ok $? "close, reconnect: harness exits 0, sanitizers clean"
ds=$(val close3 disconnect-server)
rc3=$(val close3 reconnects)
tap_ok "$([ "$ds" -ge 30 ] && [ "$rc3" -le "$ds" ] && [ "$rc3" -ge $((ds - 10)) ]; echo $?)" \
	"close, reconnect: every server close is followed by a reconnect ($ds closes, $rc3 reconnects)"
tap_is "$(val close3 connects)" $((10 + rc3)) "close, reconnect: connects = viewers + reconnects"
tap_is "$(val close3 disconnect-error)" 0 "close, reconnect: no error disconnect"
tap_done
