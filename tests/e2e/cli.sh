#!/usr/bin/env bash
# cli.sh: the command line as a user meets it — help, every exit code (0, 1, 2, 3, 4,
# 130 is in chaos.sh), errors that name the unreachable address, and the result files
# (JSON against schema/result.schema.json, JUnit against the JUnit XSD, Markdown).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-toxiproxy.sh
. "$top_srcdir/tests/e2e/lib-toxiproxy.sh"
cd "$top_srcdir" || exit 1
tap_plan 30
T=$(fr_tmpdir)
AJV=$top_srcdir/node_modules/.bin/ajv

tap_is "$("$FLOWRUN" --version)" "flowrun 0.1.0" "--version"
"$FLOWRUN" --help | grep -q '^usage: flowrun \[run\] PLAN'
tap_ok $? "--help prints the usage"
"$FLOWRUN" help check | grep -q '^usage: flowrun check'
tap_ok $? "help COMMAND prints that command's usage"
"$FLOWRUN" --bogus 2>"$T/err"
tap_is "$?:$(head -1 "$T/err")" "2:flowrun: unknown option '--bogus'" "an unknown option: exit 2"
"$FLOWRUN" run 2>/dev/null
tap_is "$?" 2 "run without a plan: exit 2"
"$FLOWRUN" run plans/smoke.yaml --time-scale zero 2>"$T/err"
tap_is "$?:$(cat "$T/err")" "2:flowrun: --time-scale needs a number in (0, 1000], got 'zero'" "a bad --time-scale: exit 2"
"$FLOWRUN" run plans/smoke.yaml --http-engine fast 2>"$T/err"
tap_is "$?:$(cat "$T/err")" "2:flowrun: --http-engine needs auto, curl or lean, got 'fast'" "a bad --http-engine: exit 2"
FLOWRUN_HTTP_ENGINE=slow "$FLOWRUN" run plans/smoke.yaml 2>"$T/err"
tap_is "$?:$(cat "$T/err")" "2:flowrun: FLOWRUN_HTTP_ENGINE needs auto, curl or lean, got 'slow'" "a bad FLOWRUN_HTTP_ENGINE: exit 2"
FLOWFORGE_URL=https://127.0.0.1:1 "$FLOWRUN" run tests/e2e/plans/cli-slos.yaml --http-engine lean 2>"$T/err"
tap_is "$?:$(cat "$T/err")" "2:flowrun: --http-engine lean cannot send queries/redis-lookup: https:// needs libcurl" \
	"--http-engine lean with an https:// target: exit 2 naming the request, before any I/O"
"$FLOWRUN" check plans/ >/dev/null 2>&1
tap_is "$?" 0 "check plans/: every plan valid"
"$FLOWRUN" nothing-here.yaml 2>"$T/err"
tap_is "$?" 2 "a missing plan file: exit 2"
tap_is "$("$FLOWRUN" list plans | jq -r '[.[].name] | join(",")')" "event-rate,smoke,store-failure,widget-count,ws-viewers" "list: the plans of plans/ for a CI matrix"
tap_is "$("$FLOWRUN" list plans | jq -r '.[] | select(.name == "store-failure") | "\(.file) \(.duration_s)"')" "plans/store-failure.yaml 150" "list: file and duration"

# target down at start: exit 3 naming the address
port=$(fr_free_port)
FLOWFORGE_URL=http://127.0.0.1:$port "$FLOWRUN" run tests/e2e/plans/cli-slos.yaml --quiet 2>"$T/err"
rc=$?
tap_is "$rc" 3 "target unreachable at start: exit 3"
grep -q "127.0.0.1:$port" "$T/err"
tap_ok $? "the message names the address: $(head -1 "$T/err")"

fr_start_backend || { echo "Bail out! the fixture did not start"; exit 1; }
export FLOWFORGE_URL=$FR_FIXTURE_URL

"$FLOWRUN" run tests/e2e/plans/cli-slos.yaml --quiet --json "$T/r.json" --junit "$T/r.xml" --markdown "$T/r.md" 2>"$T/err"
tap_is "$?" 1 "an SLO fails: exit 1"
tap_is "$(fr_verdict "$T/r.json" p99-met pass) $(fr_verdict "$T/r.json" p50-strict pass)" "true false" "the JSON holds both verdicts"
if [ -x "$AJV" ]; then
	"$AJV" validate --spec=draft7 --strict=false -s schema/result.schema.json -d "$T/r.json" >"$T/ajv" 2>&1
	tap_ok $? "the JSON result is valid against schema/result.schema.json"
else
	tap_skip_missing "the JSON result is valid against schema/result.schema.json" "ajv-cli not installed (npm ci)"
fi
xmllint --noout --schema tests/data/JUnit.xsd "$T/r.xml" 2>"$T/xmllint"
tap_ok $? "the JUnit XML is valid against the JUnit XSD"
grep -Eq 'message="p50 [0-9.]+(us|ms) &gt;= threshold &lt; 1us"' "$T/r.xml"
tap_ok $? "the JUnit failure message gives measured against threshold"
grep -q 'p50-strict' "$T/r.md"
tap_ok $? "the Markdown summary lists the SLOs"
CLI_P50_LIMIT=3s "$FLOWRUN" run tests/e2e/plans/cli-slos.yaml --quiet
tap_is "$?" 0 "every SLO met: exit 0"
"$FLOWRUN" run tests/e2e/plans/cli-slos.yaml --quiet --json /nonexistent/dir/r.json 2>"$T/err"
tap_is "$?" 4 "results cannot be written: exit 4"
timeout 30 "$FLOWRUN" run tests/e2e/plans/cli-invalid.yaml --threads 1 >"$T/out" 2>&1
tap_is "$?" 3 "the planned rate cannot be delivered: exit 3 (invalid run)"
grep -q "INVALID" "$T/out"
tap_ok $? "the summary says why: $(grep -m1 INVALID "$T/out")"

# metrics port in use: a clear error before load
mport=$(fr_free_port)
python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $mport)); s.listen(); time.sleep(30)" &
holder=$!
fr_on_exit "kill $holder"
fr_wait_port 127.0.0.1 "$mport" 5
"$FLOWRUN" run tests/e2e/plans/cli-slos.yaml --quiet --metrics-listen "127.0.0.1:$mport" 2>"$T/err"
tap_is "$?:$(cat "$T/err")" "4:flowrun: cannot listen on 127.0.0.1:$mport for metrics: Address already in use" "metrics port in use: exit 4 before load"

# Toxiproxy: unreachable, a proxy missing, --create-proxies
tport=$(fr_free_port)
TOXIPROXY_URL=http://127.0.0.1:$tport "$FLOWRUN" run tests/e2e/plans/cli-fault.yaml --quiet 2>"$T/err"
tap_is "$?" 4 "toxiproxy unreachable: exit 4"
grep -q "http://127.0.0.1:$tport" "$T/err"
tap_ok $? "the message names its URL: $(head -1 "$T/err")"
fr_start_toxiproxy
TOXIPROXY_URL=$FR_TOXI_URL "$FLOWRUN" run tests/e2e/plans/cli-fault.yaml --quiet 2>"$T/err"
tap_is "$?:$(grep -c "redis" "$T/err")" "4:1" "a proxy the plan needs is missing: exit 4 naming it ($(head -1 "$T/err"))"
TOXIPROXY_URL=$FR_TOXI_URL "$FLOWRUN" run tests/e2e/plans/cli-fault.yaml --quiet --create-proxies 2>"$T/err"
tap_is "$?" 0 "--create-proxies creates the proxies from the plan's proxies file, and the run goes on"
tap_done
