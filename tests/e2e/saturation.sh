#!/bin/bash
# saturation.sh: a worker thread saturated on purpose is detected, its windows' latency
# verdicts are inconclusive and the run exits 3 — unless --allow-saturated — while a
# normal run on the same (possibly loaded) machine is not flagged.
#
# FLOWRUN_TEST_BUSY=0:95 makes worker 0 burn 95 % of every 100 ms on its own event
# loop (engine/health_probe.h): the real heartbeat measures its CPU time and loop lag,
# the report judges the windows, the CLI maps the verdicts to the exit code. On a
# quiet machine the worker shows ~95 % CPU; on a loaded one it gets less CPU but each
# burst of 95 ms of CPU keeps its loop from its heartbeat for at least as long, over
# the lag bound of a p99 < 200ms SLO (max(50ms, 10 % of 200ms)): either way the p99
# verdict is spoiled.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
cd "$top_srcdir" || exit 1

tap_plan 17
FR_FIXTURE_WAIT_OK=0 fr_start_fixture || exit 1
T=$(fr_tmpdir)
AJV=$top_srcdir/node_modules/.bin/ajv

# plan NAME MODEL LEVEL: 3 s of load on /healthz, a loose p99 SLO and an error-rate SLO.
plan() {
	cat <<EOF
version: 1
name: $1
target: { base_url: "$FR_FIXTURE_URL", timeout: 2s }
scenarios:
  - name: s
    model: $2
    think: 20ms
    stages: [{ $3, for: 3s }]
    requests: [{ name: health, path: /healthz }]
slos:
  - { name: p99, p99: "< 200ms" }
  - { name: errors, error_rate: "< 50%" }
EOF
}
plan sat-closed closed "users: 4" >"$T/closed.yaml"
plan sat-open open "rate: 100/s" | sed '/think:/d' >"$T/open.yaml"

# 1. The closed model, worker 0 of 2 burning.
FLOWRUN_TEST_BUSY=0:95 "$FLOWRUN" run "$T/closed.yaml" --threads 2 --json "$T/c.json" --junit "$T/c.xml" \
	>"$T/c.out" 2>&1
tap_is "$?" 3 "closed model, a saturated worker: exit 3"
tap_is "$(jq -r '.result' "$T/c.json")" invalid "the result is invalid"
jq -r '.invalid' "$T/c.json" | grep -Eq '^generator saturated \(p99, run\): thread 0 (CPU [0-9]+ %|loop lag p99 [0-9.]+m?s) \(bound'
tap_ok $? "the reason names the SLO, its window and worker 0: $(jq -r '.invalid' "$T/c.json")"
tap_is "$(fr_verdict "$T/c.json" p99 inconclusive) $(fr_verdict "$T/c.json" p99 pass)" "true false" \
	"the p99 verdict is inconclusive (neither pass nor fail)"
tap_is "$(fr_verdict "$T/c.json" errors inconclusive) $(fr_verdict "$T/c.json" errors saturated)" "false null" \
	"the error-rate verdict is not a latency: it stands"
tap_is "$(jq -r '[.generator.threads[] | .saturated] | map(tostring) | join(" ")' "$T/c.json")" "true false" \
	"per thread over the run: worker 0 saturated, worker 1 not"
grep -q 'INCONCLUSIVE: generator saturated' "$T/c.out"
tap_ok $? "the summary says so: $(grep -m1 INCONCLUSIVE "$T/c.out" | tr -s ' ')"
grep -q '<skipped message="inconclusive: generator saturated: thread 0' "$T/c.xml"
tap_ok $? "JUnit: the p99 test case is skipped as inconclusive"
if [ -x "$AJV" ]; then
	"$AJV" validate --spec=draft7 --strict=false -s schema/result.schema.json -d "$T/c.json" >"$T/ajv" 2>&1
	tap_ok $? "the JSON result is valid against schema/result.schema.json"
else
	tap_skip_missing "the JSON result is valid against schema/result.schema.json" "ajv-cli not installed (npm ci)"
fi

# 2. The open model, the same worker burning, with --allow-saturated.
FLOWRUN_TEST_BUSY=0:95 "$FLOWRUN" run "$T/open.yaml" --threads 2 --allow-saturated --json "$T/o.json" >"$T/o.out" 2>&1
rc=$?
want=1
[ "$(fr_verdict "$T/o.json" p99 pass)" = true ] && want=0
tap_is "$rc" "$want" "--allow-saturated: the run is judged by its verdicts (exit $want), not invalid"
tap_is "$(fr_verdict "$T/o.json" p99 inconclusive) $(fr_verdict "$T/o.json" errors pass)" "false true" \
	"--allow-saturated: the p99 verdict stands (pass $(fr_verdict "$T/o.json" p99 pass)), errors pass"
fr_verdict "$T/o.json" p99 saturated | grep -q '^thread 0 '
tap_ok $? "… and is marked: $(fr_verdict "$T/o.json" p99 saturated)"
tap_is "$(jq -r '.generator.allow_saturated' "$T/o.json")" true "the result records --allow-saturated"

# 3. The same plans without the burn: not flagged, whatever the machine's load.
"$FLOWRUN" run "$T/closed.yaml" --threads 2 --json "$T/n.json" >"$T/n.out" 2>&1
rc=$?
tap_is "$rc:$(jq -r '.generator.saturated | length' "$T/n.json")" "0:0" \
	"a normal run: exit 0, no saturated window (load $(jq -r '.generator.host.load_max' "$T/n.json"))"
cpu=$(jq -r '[.generator.threads[].cpu] | max' "$T/n.json")
awk -v c="$cpu" 'BEGIN { exit !(c < 0.5) }'
tap_ok $? "a normal run's busiest worker is far from the CPU bound (CPU $cpu)"
tap_is "$(jq -r '.generator.threads | length' "$T/n.json")" 2 "one health entry per worker thread"

# 4. Live metrics: each worker's CPU and loop lag, the process's memory, the host's load.
mport=$(fr_free_port)
"$FLOWRUN" run "$T/closed.yaml" --threads 2 --quiet --metrics-listen "127.0.0.1:$mport" --metrics-linger 0 \
	>/dev/null 2>&1 &
run_pid=$!
fr_on_exit "kill $run_pid 2>/dev/null"
sleep 2.5
curl -fs --max-time 5 "http://127.0.0.1:$mport/metrics" >"$T/metrics" 2>/dev/null
wait "$run_pid"
ids='run_id="[^"]+",shard="0"'
grep -Eq "^flowrun_generator_cpu_ratio\\{$ids,thread=\"1\"\\} [0-9.e-]+\$" "$T/metrics" &&
	grep -Eq "^flowrun_generator_loop_lag_seconds\\{$ids,thread=\"0\"\\} [0-9.e-]+\$" "$T/metrics" &&
	grep -Eq "^flowrun_process_resident_bytes\\{$ids\\} [0-9]+\$" "$T/metrics" &&
	grep -Eq "^flowrun_host_load1\\{$ids\\} [0-9.]+\$" "$T/metrics"
tap_ok $? "/metrics during the run: generator CPU and loop lag per thread, resident memory, host load"
tap_done
