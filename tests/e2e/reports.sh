#!/bin/bash
# reports.sh: a real run's reports — terminal summary, JSON, JUnit, Markdown — checked end to end.
#
# Runs a 3-second open-model plan against the fixture backend (real Redis):
# redis lookups that succeed and a request to a path that does not exist (404),
# so the error-rate SLO fails and the latency SLO passes. Checks the summary
# lines and exit code, validates the JSON result against
# schema/result.schema.json and the JUnit XML against tests/data/JUnit.xsd,
# cross-checks the verdict against the per-key summaries and the raw
# histograms, and checks that an unwritable result file is exit 4.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"

fr_start_redis || exit 1
fr_start_fixture || exit 1
T=$(fr_tmpdir)

cat >"$T/reports.yaml" <<EOF
version: 1
name: reports-e2e
target:
  base_url: $FR_FIXTURE_URL
  timeout: 2s
auth:
  request: { method: POST, path: /api/auth/login, json: { user: bench, password: bench } }
  capture: { token: { json: \$.token } }
  headers: { Authorization: "Bearer \${token}" }
scenarios:
  - name: queries
    model: open
    stages:
      - { rate: 20/s, for: 1500ms }
      - { name: busy, rate: 40/s, for: 1500ms }
    requests:
      - { name: redis-lookup, weight: 3, path: "/api/query?store=redis&key=\${rand:1..1000}" }
      - { name: missing, weight: 1, path: /api/does-not-exist }
slos:
  - { name: redis-p99, request: redis-lookup, p99: "< 1s" }
  - { name: errors, error_rate: "< 1%" }
EOF

tap_plan 18

mkdir -p "$T/out"
"$FLOWRUN" run "$T/reports.yaml" --json "$T/out/result.json" --junit "$T/out/junit.xml" \
	--markdown "$T/out/summary.md" >"$T/stdout" 2>"$T/stderr"
rc=$?
tap_is "$rc" 1 "exit code 1: the error-rate SLO failed"
# has_line ERE NAME: the summary on stdout has a whole line matching ERE.
has_line() {
	grep -Eqx -- "$1" "$T/stdout"
	tap_ok $? "$2" "$(cat "$T/stdout")"
}
has_line 'result: FAIL \(1 of 2 SLOs failed\)' "result line"
has_line '  redis-p99 +run +p99 +[0-9.]+(us|ms) +< 1s +PASS' "SLO table: redis-p99 PASS"
has_line '  errors +run +error_rate +[0-9.]+% +< 1% +FAIL' "SLO table: errors FAIL"
has_line '  missing +([0-9]+) +\1 +[0-9.]+/s .* http-4xx \1' \
	"request table: every 'missing' request is an http-4xx error"
has_line '  stage +rate +count +errors +p50 +p95 +p99' "stage table header"
has_line '  busy +40/s +[0-9]+ +[0-9]+ +[0-9.]+(us|ms) +[0-9.]+(us|ms) +[0-9.]+(us|ms)' \
	"stage table: the busy stage at 40/s"

J=$T/out/result.json
if python3 -c 'import jsonschema' 2>/dev/null; then
	python3 -c 'import json,sys,jsonschema; s=json.load(open(sys.argv[1]));
jsonschema.validate(json.load(open(sys.argv[2])), s, cls=jsonschema.Draft7Validator)' \
		"$top_srcdir/schema/result.schema.json" "$J" 2>"$T/schema.err"
	tap_ok $? "JSON result valid against schema/result.schema.json"
elif [ -x "$top_srcdir/node_modules/.bin/ajv" ]; then
	"$top_srcdir/node_modules/.bin/ajv" validate --spec=draft7 --strict=false \
		-s "$top_srcdir/schema/result.schema.json" -d "$J" >"$T/schema.err" 2>&1
	tap_ok $? "JSON result valid against schema/result.schema.json"
else
	tap_skip_missing "JSON result valid against schema/result.schema.json" "no JSON Schema validator (python3-jsonschema or npm ci)"
fi
tap_is "$(jq -r '.result + " " + (.exit_code|tostring)' "$J")" "fail 1" "JSON result and exit code"
# the verdict equals errors / requests of the top-level keys over the run
tap_is "$(jq -r '(([.keys[] | select(.parent == null) | .run.errors] | add) / ([.keys[] | select(.parent == null)
	| .run.requests] | add) - ([.verdicts[] | select(.slo == "errors")][0].measured)) | fabs < 1e-9' "$J")" true \
	"error_rate verdict = errors / requests of the per-key summaries"
# the raw histograms add up to the summary's count, and their top bucket holds the max
tap_is "$(jq -r '.keys[] | select(.name == "queries/redis-lookup") |
	([.segments[].latency.count // 0] | add) == .run.latency.count and
	([.segments[].latency.max // 0] | max) == .run.latency.max' "$J")" true \
	"raw histograms add up to the run summary (count and max)"
tap_is "$(jq -r '[.segments[] | .stages[0]] | join(",")' "$J")" "0,1" "two segments, one per stage"

X=$T/out/junit.xml
xmllint --noout --schema "$top_srcdir/tests/data/JUnit.xsd" "$X" 2>"$T/xsd.err"
tap_ok $? "JUnit XML valid against tests/data/JUnit.xsd"
tap_like "$(cat "$X")" 'tests="2" failures="1" errors="0" skipped="0"' "JUnit counts"
tap_like "$(cat "$X")" 'name="errors \[run\]" time="3\.000">
    <failure type="slo" message="error_rate [0-9.]+% &gt;= threshold &lt; 1%">' "JUnit failure message"

# shellcheck disable=SC2016 # Markdown backquotes
tap_is "$(head -1 "$T/out/summary.md")" '### ❌ flowrun `reports-e2e`: FAIL (1 of 2 SLOs failed)' "Markdown headline"
tap_is "$(find "$T/out" -name '*.tmp*' | wc -l)" 0 "no temporary files left"

"$FLOWRUN" run "$T/reports.yaml" --json "$T/no/such/dir/result.json" >/dev/null 2>"$T/stderr2"
rc=$?
tap_is "$rc $(grep -c "cannot write $T/no/such/dir/result.json: No such file or directory" "$T/stderr2")" "4 1" \
	"unwritable JSON result: exit 4 naming the file and the reason"
tap_done
