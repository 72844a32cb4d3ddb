#!/bin/bash
# series.sh: the time series of a real run (the "series" object of the JSON result).
#
# A 3-second plan against the fixture backend (real Redis) on two worker threads:
# an open-model scenario (redis lookups and a path that answers 404) and a
# closed-model one whose users go from 2 to 4 half-way. Checks that the series
# has one value per interval (1 s, and 500 ms with --interval), that its
# per-interval counts add up to the per-key run totals (requests, errors by
# class, planned sends, latency samples), that the users gauge follows the
# stages, and that --interval rejects what it cannot use; and that an hour of the
# event-rate plan's series stays within 50 MB (tests/harness/series-mem: the
# bytes allocated, and without ASan the resident memory). About 25 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"

fr_start_redis || exit 1
fr_start_fixture || exit 1
T=$(fr_tmpdir)

cat >"$T/series.yaml" <<EOF
version: 1
name: series-e2e
$(fr_fixture_target)
scenarios:
  - name: queries
    model: open
    stages:
      - { rate: 30/s, for: 1500ms }
      - { rate: 60/s, for: 1500ms }
    requests:
      - { name: redis-lookup, weight: 3, path: "/api/query?store=redis&key=\${rand:1..1000}" }
      - { name: missing, weight: 1, path: /api/does-not-exist }
  - name: browse
    model: closed
    think: 100ms
    stages:
      - { users: 2, for: 1500ms }
      - { users: 4, for: 1500ms }
    requests:
      - { name: lookup, path: "/api/query?store=redis&key=\${rand:1..1000}" }
EOF

tap_plan 18

"$FLOWRUN" run "$T/series.yaml" --threads 2 --quiet --json "$T/r.json" --html "$T/run.html" 2>"$T/err"
rc=$?
J=$T/r.json
# exit 3 (invalid) is a loaded machine's scheduler lag: the series is what is checked here
[ "$rc" = 0 ] || [ "$rc" = 1 ] || [ "$rc" = 3 ]
tap_ok $? "a complete run (exit $rc$([ "$rc" = 3 ] && jq -r '", " + .invalid' "$J"))" "$(cat "$T/err")"
tap_is "$(jq -c '.series | [.version, .interval_us, .intervals, .sub_buckets]' "$J")" "[1,1000000,3,32]" \
	"series version 1: three intervals of 1 s, 32 sub-buckets"
tap_is "$(jq '[.series.keys[] | .requests, .max_us, .buckets | length] | unique' "$J")" "[
  3
]" "every per-interval array has one value per interval"
tap_is "$(jq -r '[.keys as $k | .series.keys | to_entries[] | (.value.requests | add) == $k[.key].run.requests]
	| all' "$J")" true "per key, the intervals' requests add up to the run's"
tap_is "$(jq -r '[.keys as $k | .series.keys | to_entries[] | ([.value.errors[] | add] | add // 0) == $k[.key].run.errors]
	| all' "$J")" true "per key, the intervals' errors add up to the run's"
tap_is "$(jq -r '(.series.keys[] | select(.name == "queries/missing") | .errors["http-4xx"] | add) ==
	(.keys[] | select(.name == "queries/missing") | .run.outcomes["http-4xx"])' "$J")" true \
	"errors are kept by class (http-4xx of the missing path)"
tap_is "$(jq -r '([.series.keys[].counters.planned // [] | add] | add) == .scheduler.planned' "$J")" true \
	"the planned sends of the intervals add up to the scheduler's"
tap_is "$(jq -r '[.keys as $k | .series.keys | to_entries[] |
	([.value.buckets[] | [range(1; length; 2) as $i | .[$i]] | add // 0] | add) == ($k[.key].run.latency.count // 0)]
	| all' "$J")" true "per key, the interval histograms hold every latency sample"
tap_is "$(jq -c '.series.scenarios[] | select(.name == "browse") | [.gauge, .active]' "$J")" '["users",[2,4,4]]' \
	"the users gauge: 2, then 4 from the stage change at 1.5 s"
tap_is "$(jq -c '.series.scenarios[] | select(.name == "queries") | .gauge' "$J")" null "no gauge for the open model"

"$FLOWRUN" run "$T/series.yaml" --interval 500ms --quiet --json "$T/r2.json" 2>"$T/err2"
tap_is "$(jq -c '.series | [.interval_us, .intervals]' "$T/r2.json")" "[500000,6]" "--interval 500ms: six intervals"
"$FLOWRUN" run "$T/series.yaml" --interval 1ms --quiet 2>"$T/err3"
rc=$?
tap_is "$rc $(cat "$T/err3")" "2 flowrun: --interval needs a duration from 10ms to 1h, got '1ms'" \
	"--interval 1ms: exit 2 with the reason"

# flowrun report: a saved result drawn as the HTML report; what is not a result, or not writable
"$FLOWRUN" report "$J" --html "$T/r.html" 2>"$T/rep.err"
tap_is "$?:$(grep -c '<script id="flowrun-data" type="application/json">' "$T/r.html")" "0:1" \
	"flowrun report writes the HTML report with its data embedded" "$(cat "$T/rep.err")"
tap_is "$(grep -Eoc '(src|href)="(https?:)?//' "$T/r.html")" 0 "the page loads nothing from elsewhere"
view() { sed -n 's|^<script id="flowrun-data" type="application/json">\(.*\)</script>$|\1|p' "$1"; }
[ -n "$(view "$T/run.html")" ] && [ "$(view "$T/run.html")" = "$(view "$T/r.html")" ]
tap_ok $? "flowrun report draws exactly the view the run's --html embedded"
echo '{"format":"other"}' >"$T/other.json"
"$FLOWRUN" report "$T/other.json" --html "$T/o.html" 2>"$T/rep2.err"
tap_is "$?:$(cat "$T/rep2.err")" "2:flowrun: $T/other.json is not a flowrun result (format flowrun-result, version 1)" \
	"flowrun report of a file that is not a result: exit 2 saying so"
"$FLOWRUN" report "$J" --html "$T/no/such/dir/r.html" 2>"$T/rep3.err"
tap_is "$?:$(cat "$T/rep3.err")" "4:flowrun: cannot write $T/no/such/dir/r.html: No such file or directory" \
	"flowrun report to an unwritable file: exit 4 naming it"

"$top_builddir/tests/harness/series-mem" 20000 2 3600 >"$T/mem" 2>&1
tap_ok $? "an hour of event-rate's series at 20,000 req/s on 2 threads: within 50 MB" "$(cat "$T/mem")"
sed 's/^/# /' "$T/mem"
tap_done
