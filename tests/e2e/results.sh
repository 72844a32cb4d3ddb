#!/usr/bin/env bash
# results.sh: a run's results are never lost — a run that fails after its first request
# (teardown, setup, auth) still writes every report with "result": "failed", the reason and
# what ran; an unwritable output path fails with exit 4 before any request; a run killed
# with kill -9 leaves a checkpoint of its JSON result at most --checkpoint seconds old
# (10 s by default), valid against the schema and marked partial; without --json/--out
# the checkpoint goes to $XDG_STATE_HOME/flowrun/checkpoints/RUN-ID.json and is removed
# once the run has reported; `flowrun report` reads checkpoints and failed results. About 40 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
cd "$top_srcdir" || exit 1
T=$(fr_tmpdir)
fr_start_backend || { echo "Bail out! the backend did not start"; exit 1; }
export FLOWFORGE_URL=$FR_FIXTURE_URL

# valid JSON: the result file is valid against schema/result.schema.json (prints why not).
valid() {
	python3 -c 'import json,sys,jsonschema; s=json.load(open(sys.argv[1]));
jsonschema.validate(json.load(open(sys.argv[2])), s, cls=jsonschema.Draft7Validator)' \
		"$top_srcdir/schema/result.schema.json" "$1" 2>&1 | tail -3
}
python3 -c 'import jsonschema' 2>/dev/null || tap_skip_all "python3-jsonschema is not installed"

# requests_seen: how many requests the fixture has answered so far (its /metrics aside).
requests_seen() {
	curl -fsS -m 3 "$FR_FIXTURE_URL/metrics" |
		awk '/^flowforge_http_requests_total/ && !/route="metrics"/ { n += $2 } END { print n + 0 }'
}

# 1. Teardown GET /missing after a whole load: every report is written, saying why.
"$FLOWRUN" run tests/e2e/plans/results-teardown.yaml --quiet --out "$T/out" 2>"$T/td.err"
tap_is "$?" 4 "teardown GET /missing: exit 4"
tap_is "$(cat "$T/td.err")" "flowrun: teardown failed: GET /missing: HTTP 404" "the reason on stderr"
tap_is "$(jq -r '[.result, .outcome, .failed.phase, .failed.message, .exit_code, .partial] | join(" | ")' "$T/out/result.json")" \
	"failed | FAILED (teardown failed: GET /missing: HTTP 404) | teardown | teardown failed: GET /missing: HTTP 404 | 4 | false" \
	"--out result.json: result failed, the message, the phase, exit code 4"
tap_is "$(jq -r '.keys[] | select(.name == "queries/redis-lookup") | .run.requests' "$T/out/result.json")" 20 \
	"what ran before is in it: the 20 requests of the load"
tap_is "$(valid "$T/out/result.json")" "" "the failed result is valid against the schema"
tap_like "$(cat "$T/out/junit.xml")" '<testcase classname="results-teardown" name="run" time="0">
    <error type="failed-run" message="teardown failed: GET /missing: HTTP 404">' "junit.xml: an error testcase with the reason"
# shellcheck disable=SC2016 # Markdown backquotes
tap_is "$(head -1 "$T/out/summary.md")" '### ❌ flowrun `results-teardown`: FAILED (teardown failed: GET /missing: HTTP 404)' \
	"summary.md: the headline says FAILED and why"
"$FLOWRUN" run tests/e2e/plans/results-teardown.yaml >"$T/td.out" 2>/dev/null
tap_is "$(grep -E '^(!! FAILED|result:)' "$T/td.out")" "!! FAILED: teardown failed: GET /missing: HTTP 404; the figures below are what ran before
result: FAILED (teardown failed: GET /missing: HTTP 404)" "the terminal summary too"

# 2. A failing setup request and a failing login: reports written, nothing loaded.
sed -e 's|^teardown:|setup:|' tests/e2e/plans/results-teardown.yaml >tests/e2e/plans/.results-setup.yaml
fr_on_exit rm -f "$top_srcdir/tests/e2e/plans/.results-setup.yaml"
"$FLOWRUN" run tests/e2e/plans/.results-setup.yaml --quiet --json "$T/setup.json" 2>/dev/null
tap_is "$?:$(jq -r '[.result, .failed.phase, .failed.message, (.keys[0].run.requests | tostring)] | join(" | ")' "$T/setup.json")" \
	"4:failed | setup | setup failed: GET /missing: HTTP 404 | 0" "setup GET /missing: exit 4, the JSON says failed in setup, nothing loaded"
FLOWFORGE_PASSWORD=wrong "$FLOWRUN" run tests/e2e/plans/results-teardown.yaml --quiet --json "$T/auth.json" 2>/dev/null
tap_is "$?:$(jq -r '[.result, .failed.phase, .failed.message] | join(" | ")' "$T/auth.json")" \
	"4:failed | auth | auth failed: POST /api/auth/login: HTTP 401" "a refused login: exit 4, the JSON says failed in auth"

# 3. Unwritable output paths fail before any request, with exit 4 and the reason.
before=$(requests_seen)
start=$(date +%s%N)
"$FLOWRUN" run tests/e2e/plans/results-long.yaml --quiet --json /nonexistent/dir/r.json 2>"$T/unw.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
tap_is "$rc:$(cat "$T/unw.err")" "4:flowrun: cannot write /nonexistent/dir/r.json: No such file or directory" \
	"--json /nonexistent/dir/r.json: exit 4 naming the file and the reason"
[ "$ms" -lt 2000 ] && [ "$(requests_seen)" = "$before" ]
tap_ok $? "before any request: ${ms} ms, the target saw nothing (a 30 s plan)"
"$FLOWRUN" run tests/e2e/plans/results-long.yaml --quiet --junit "$T" 2>"$T/unw.err"
tap_is "$?:$(cat "$T/unw.err")" "4:flowrun: cannot write $T: Is a directory" "--junit naming a directory: exit 4"
: >"$T/afile"
"$FLOWRUN" run tests/e2e/plans/results-long.yaml --quiet --out "$T/afile/sub" 2>"$T/unw.err"
tap_is "$?:$(cat "$T/unw.err")" "4:flowrun: cannot create $T/afile/sub: Not a directory" "--out under a file: exit 4"
"$FLOWRUN" run tests/e2e/plans/results-teardown.yaml --quiet --out "$T/new/deeper/out" 2>/dev/null
tap_ok "$([ -f "$T/new/deeper/out/result.json" ]; echo $?)" "--out creates its missing parents"
tap_is "$(requests_seen)" "$((before + 22))" "of these runs, only the last reached the target (login, 20 requests, teardown)"

# kill9 RESULT SECONDS ARGS…: runs the 30 s plan with ARGS, kills it with SIGKILL after
# SECONDS; sets AGE_MS to how old the figures in the JSON file RESULT were at the kill.
kill9() {
	local result=$1 after=$2 pid killed_us
	shift 2
	"$FLOWRUN" run tests/e2e/plans/results-long.yaml --quiet "$@" 2>/dev/null &
	pid=$!
	sleep "$after"
	killed_us=$(($(date +%s%N) / 1000))
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	AGE_MS=$(jq -r --argjson k "$killed_us" '(($k - .started_unix_us - .elapsed_us) / 1000 | floor)' "$result" 2>/dev/null)
}

# 4. kill -9 with the default checkpoint (10 s), 11.5 s into the run: the JSON is the
# checkpoint at 10 s, valid and marked partial.
kill9 "$T/k10.json" 11.5 --json "$T/k10.json"
tap_is "$(jq -r '[.result, .partial, .interrupted] | join(" ")' "$T/k10.json")" "partial true false" \
	"kill -9 after 11.5 s: --json holds a checkpoint marked partial"
tap_is "$(valid "$T/k10.json")" "" "the checkpoint is valid against the schema"
[ -n "$AGE_MS" ] && [ "$AGE_MS" -le 10000 ] && [ "$(jq '.elapsed_us >= 9500000' "$T/k10.json")" = true ]
tap_ok $? "its figures are at most 10 s old at the kill (${AGE_MS} ms; elapsed $(jq .elapsed_us "$T/k10.json") us)"
tap_like "$(jq -r .outcome "$T/k10.json")" '^PARTIAL after 10\.[0-9]s of 30\.0s \(on partial data: ' "the outcome says how far it got"
"$FLOWRUN" report "$T/k10.json" --html "$T/k10.html" 2>"$T/report.err"
tap_is "$?:$(grep -c 'PARTIAL after 10' "$T/k10.html")" "0:1" "flowrun report draws the checkpoint (the page says PARTIAL)"
"$FLOWRUN" report "$T/out/result.json" --html "$T/failed.html" 2>"$T/report.err"
tap_is "$?:$(grep -c 'teardown failed: GET /missing: HTTP 404' "$T/failed.html")" "0:1" "and a failed run's result (with its reason)"
n=$(jq '.keys[] | select(.name == "queries/redis-lookup") | .run.requests' "$T/k10.json")
[ "${n:-0}" -ge 190 ] && [ "$n" -le 210 ]
tap_ok $? "and what was measured by then: $n requests at 20/s"

# 5. --checkpoint 1: killed 3.5 s in, the figures are at most ~1 s old.
kill9 "$T/k1/result.json" 3.5 --out "$T/k1" --checkpoint 1
[ -n "$AGE_MS" ] && [ "$AGE_MS" -le 1500 ]
tap_ok $? "--checkpoint 1 --out DIR: DIR/result.json at most 1 s old at the kill ($AGE_MS ms)"
tap_is "$(jq -r .result "$T/k1/result.json")" partial "and marked partial"

# 6. Killed before the first period: the checkpoint written before the first request.
kill9 "$T/k0.json" 1 --json "$T/k0.json"
tap_is "$(jq -r '[.result, .elapsed_us, (.started_unix_us > 0)] | join(" ")' "$T/k0.json")" "partial 0 true" \
	"killed after 1 s: the checkpoint made before the first request says when it started"

# 7. Without --json/--out: $XDG_STATE_HOME/flowrun/checkpoints/RUN-ID.json, removed at the end.
export XDG_STATE_HOME=$T/state
kill9 /dev/null 1.5 --run-id killed-run --checkpoint 1
tap_is "$(jq -r '[.run_id, .result] | join(" ")' "$T/state/flowrun/checkpoints/killed-run.json")" "killed-run partial" \
	"no --json: a killed run leaves \$XDG_STATE_HOME/flowrun/checkpoints/RUN-ID.json"
"$FLOWRUN" run tests/e2e/plans/results-teardown.yaml --quiet --run-id finished-run >/dev/null 2>&1
tap_is "$(ls "$T/state/flowrun/checkpoints")" "killed-run.json" "a run that reports removes its own"
"$FLOWRUN" run tests/e2e/plans/results-teardown.yaml --quiet --checkpoint 0 --json "$T/c0.json" >/dev/null 2>&1 &
pid=$!
tap_is "$(sleep 0.4; jq -r .result "$T/c0.json" 2>/dev/null)" "" "--checkpoint 0: nothing before the end"
wait "$pid"
tap_done
