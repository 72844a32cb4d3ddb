#!/usr/bin/env bash
# signals.sh: every signal that ends a run ends it cleanly, and no wait ignores one.
# SIGHUP and SIGQUIT during faults (SIGINT and SIGTERM: chaos.sh) exit 130 with the
# faults removed and the partial results written; a second signal ends a run whose
# cleanup hangs (Toxiproxy stopped) within 2 s; a signal cuts short a setup request
# that never answers, the --metrics-wait, the wait for Prometheus (the reports are
# written before it) and the --metrics-linger (the run's exit code stands). About 40 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
# shellcheck source=lib-prometheus.sh
. "$top_srcdir/tests/e2e/lib-prometheus.sh"
cd "$top_srcdir" || exit 1
T=$(fr_tmpdir)
fr_start_stack || { echo "Bail out! the stack did not start"; exit 1; }

# now_ms: a clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# interrupt PID: sends SIGINT to PID and waits for it; sets RC to its exit status and
# MS to the milliseconds it took to end.
interrupt() {
	local t0
	t0=$(now_ms)
	kill -INT "$1"
	wait "$1"
	RC=$?
	MS=$(($(now_ms) - t0))
}

# wait_for CMD…: up to 10 s until CMD succeeds.
wait_for() {
	local _
	for _ in $(seq 200); do "$@" && return 0; sleep 0.05; done
	return 1
}

# faults_on: both faults of chaos-long.yaml are in place.
faults_on() {
	[ "$(fr_flowrun_toxics | wc -l)" = 2 ] && [ "$(fr_disabled_proxies)" = clickhouse ]
}

# stop_in_fault SIGNAL: runs chaos-long.yaml, sends SIGNAL while both faults are on.
stop_in_fault() {
	"$FLOWRUN" run tests/e2e/plans/chaos-long.yaml --quiet --json "$T/$1.json" >/dev/null 2>"$T/$1.err" &
	local pid=$!
	wait_for faults_on
	sleep 0.3
	kill "-$1" "$pid"
	wait "$pid"
	local rc=$?
	tap_is "$rc:$(fr_flowrun_toxics)$(fr_disabled_proxies)" "130:" "SIG$1 mid-fault: exit 130, no toxic left, every proxy enabled"
	tap_is "$(jq -r '[.interrupted, .partial, (.keys[0].run.requests > 0)] | join(" ")' "$T/$1.json")" \
		"true false true" "SIG$1: the partial results are written, marked interrupted"
}
stop_in_fault HUP
stop_in_fault QUIT
tap_is "$(find . "$T" -maxdepth 1 -name 'core*' | wc -l)" 0 "SIGQUIT dumps no core"

# A second signal while the fault cleanup hangs (Toxiproxy stopped): out within 2 s.
"$FLOWRUN" run tests/e2e/plans/chaos-long.yaml --quiet --json "$T/force.json" >/dev/null 2>"$T/force.err" &
pid=$!
wait_for faults_on
kill -STOP "$FR_TOXI_PID"
fr_on_exit kill -CONT "$FR_TOXI_PID"
kill -INT "$pid"
sleep 0.5
kill -0 "$pid" 2>/dev/null
tap_ok $? "one SIGINT while Toxiproxy hangs: still cleaning up after 0.5 s"
interrupt "$pid"
kill -CONT "$FR_TOXI_PID"
[ "$RC" = 130 ] && [ "$MS" -le 2000 ]
tap_ok $? "a second SIGINT: exit 130 within 2 s (${MS} ms, exit $RC)"
tap_is "$(tail -1 "$T/force.err")" "flowrun: second signal: exiting now; results are those of the last checkpoint" \
	"it says so"
tap_is "$(jq -r .result "$T/force.json")" partial "and --json holds the last checkpoint"
curl -fsS -m 3 -X POST "$TOXIPROXY_URL/reset" # what the forced exit may have left

# A setup request that never answers (target timeout 60 s): SIGINT ends it at once.
hport=$(fr_free_port)
fr_bg hang python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
held = []
while True:
    held.append(s.accept()[0])
' "$hport"
fr_wait_port 127.0.0.1 "$hport" 5
cat >"$T/hang.yaml" <<EOP
version: 1
name: hang
extends: $top_srcdir/plans/common/flowforge.yaml
target:
  timeout: 60s
setup:
  - { method: GET, url: "http://127.0.0.1:$hport/never" }
scenarios:
  - name: queries
    model: open
    stages:
      - { rate: 20/s, for: 1s }
    requests:
      - { name: redis-lookup, path: "/api/query?store=redis&key=key-1" }
slos:
  - { name: p99, request: redis-lookup, p99: "< 3s" }
EOP
"$FLOWRUN" run "$T/hang.yaml" --quiet --json "$T/hang.json" >/dev/null 2>&1 &
pid=$!
sleep 1.5
interrupt "$pid"
[ "$RC" = 130 ] && [ "$MS" -le 1000 ]
tap_ok $? "SIGINT during a setup request that never answers: exit 130 within 1 s (${MS} ms, exit $RC)"
tap_is "$(jq -r '[.interrupted, .failed] | join(" ")' "$T/hang.json")" "true " "the result says interrupted, not failed"

# --metrics-wait with nobody scraping: SIGINT ends the wait.
"$FLOWRUN" run tests/e2e/plans/cli-slos.yaml --quiet --metrics-listen 127.0.0.1:0 --metrics-wait 60 >/dev/null 2>&1 &
pid=$!
sleep 1
interrupt "$pid"
[ "$RC" = 130 ] && [ "$MS" -le 1000 ]
tap_ok $? "SIGINT during --metrics-wait: exit 130 within 1 s (${MS} ms, exit $RC)"

# --metrics-linger: the reports are written first; SIGINT ends the linger, the exit code stands.
"$FLOWRUN" run tests/e2e/plans/cli-slos.yaml --quiet --metrics-listen 127.0.0.1:0 --metrics-linger 60 \
	--json "$T/linger.json" >/dev/null 2>&1 &
pid=$!
wait_for test "$(jq -r .partial "$T/linger.json" 2>/dev/null)" = false
sleep 0.3
interrupt "$pid"
[ "$RC" = 1 ] && [ "$MS" -le 1000 ]
tap_ok $? "SIGINT during --metrics-linger: out within 1 s with the run's own exit 1 (${MS} ms, exit $RC)"

# The wait for Prometheus to scrape the end: the reports are there before it, SIGINT ends it.
printf 'global:\n  scrape_interval: 1s\nscrape_configs: []\n' >"$T/prometheus.yml"
if fr_start_prometheus "$T/prometheus.yml"; then
	PROMETHEUS_URL=$FR_PROM_URL "$FLOWRUN" run tests/e2e/plans/prom-slos.yaml --time-scale 0.25 \
		--json "$T/prom.json" --junit "$T/prom.xml" >/dev/null 2>"$T/prom.err" &
	pid=$!
	wait_for grep -q "waiting .* for prometheus" "$T/prom.err"
	tap_is "$(jq -r '[.result, .partial] | join(" ")' "$T/prom.json"):$(grep -c 'name="result" value="PARTIAL' "$T/prom.xml")" \
		"partial true:1" "during the Prometheus wait the reports are written, marked partial"
	interrupt "$pid"
	[ "$RC" = 130 ] && [ "$MS" -le 1000 ]
	tap_ok $? "SIGINT during the Prometheus wait: exit 130 within 1 s (${MS} ms, exit $RC)"
	tap_is "$(jq -r '[.interrupted, .partial] | join(" ")' "$T/prom.json")" "true false" "then the final reports say interrupted"
else
	tap_skip_missing "the Prometheus wait" "prometheus did not start"
fi
tap_done
