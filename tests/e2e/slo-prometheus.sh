#!/usr/bin/env bash
# slo-prometheus.sh: the SLO gate from a real Prometheus — `flowrun slo` agrees with
# flowrun's own verdicts on the same run, server-side SLOs (the fixture's store
# histogram) are judged at the end of a run, a series without data fails as "no data",
# and an unreachable Prometheus or an unknown run is exit 4 naming the URL.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-prometheus.sh
. "$top_srcdir/tests/e2e/lib-prometheus.sh"
cd "$top_srcdir" || exit 1
tap_plan 12
T=$(fr_tmpdir)
fr_start_backend || { echo "Bail out! the fixture did not start"; exit 1; }
export FLOWFORGE_URL=$FR_FIXTURE_URL
MPORT=$(fr_free_port)
cat >"$T/prometheus.yml" <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: flowrun
    static_configs: [{ targets: ['127.0.0.1:$MPORT'] }]
  - job_name: fixture
    static_configs: [{ targets: ['127.0.0.1:$FR_FIXTURE_PORT'] }]
YML
fr_start_prometheus "$T/prometheus.yml" || { echo "Bail out! prometheus did not start"; exit 1; }
export PROMETHEUS_URL=$FR_PROM_URL
# let Prometheus scrape the fixture at least once before the run
sleep 2

"$FLOWRUN" run tests/e2e/plans/prom-slos.yaml --quiet --run-id e2e-prom --metrics-listen "127.0.0.1:$MPORT" \
	--metrics-wait 10 --metrics-linger 3 --json "$T/r.json" 2>"$T/run.err"
tap_is "$?" 1 "the run: exit 1 (one SLO fails on purpose, one has no data)"
tap_is "$(fr_verdict "$T/r.json" redis-server skipped):$(fr_verdict "$T/r.json" redis-server pass)" "false:true" \
	"server-side SLO on the fixture's redis histogram judged at the end of the run: PASS"
tap_is "$(fr_verdict "$T/r.json" missing no_data):$(fr_verdict "$T/r.json" missing pass)" "true:false" \
	"server-side SLO whose series does not exist: no data, which fails"
sleep 2
"$FLOWRUN" slo --prometheus "$PROMETHEUS_URL" --run-id e2e-prom tests/e2e/plans/prom-slos.yaml >"$T/slo.out" 2>"$T/slo.err"
tap_is "$?" 1 "flowrun slo: exit 1, as the run"
# every SLO window's PASS/FAIL from Prometheus equals flowrun's own verdict
own=$(jq -r '.verdicts[] | "\(.slo) \(.label) \(if .no_data then "NO DATA" elif .pass then "PASS" else "FAIL" end)"' "$T/r.json" | sort)
prom=$(awk '/^SLOs$/ {on=1; next} on && NF == 0 {on=0} on && NF >= 6 && $1 != "SLO" {print $1, $2, $NF == "DATA" ? "NO DATA" : $NF}' "$T/slo.out" | sort)
tap_is "$prom" "$own" "flowrun slo agrees with flowrun's own verdicts, window by window"
grep -q "^result: FAIL" "$T/slo.out"
tap_ok $? "flowrun slo prints the SLO table and the result line"
p99_own=$(fr_verdict "$T/r.json" p99-met measured)
p99_prom=$(awk '$1 == "p99-met" {print $4}' "$T/slo.out")
echo "# p99-met: flowrun ${p99_own}us, prometheus (interpolated from buckets) $p99_prom"
[ -n "$p99_prom" ] && [ "$p99_prom" != "no" ]
tap_ok $? "the measured value from Prometheus is shown ($p99_prom)"
"$FLOWRUN" slo --prometheus "$PROMETHEUS_URL" --run-id no-such-run tests/e2e/plans/prom-slos.yaml 2>"$T/err" >/dev/null
tap_is "$?:$(cat "$T/err")" "4:flowrun: no run 'no-such-run' in prometheus at $PROMETHEUS_URL (no flowrun_pass_start_seconds in the last 86400s)" "an unknown run id: exit 4"
dead=$(fr_free_port)
"$FLOWRUN" slo --prometheus "http://127.0.0.1:$dead" --run-id e2e-prom tests/e2e/plans/prom-slos.yaml 2>"$T/err" >/dev/null
tap_is "$?" 4 "prometheus unreachable: exit 4"
grep -q "prometheus at http://127.0.0.1:$dead is unreachable" "$T/err"
tap_ok $? "the message names the URL: $(cat "$T/err")"
PROMETHEUS_URL=http://127.0.0.1:$dead "$FLOWRUN" run tests/e2e/plans/prom-slos.yaml --quiet 2>"$T/err" >/dev/null
tap_is "$?" 4 "a run with server-side SLOs and Prometheus unreachable: exit 4 before any load"
grep -q "prometheus at http://127.0.0.1:$dead is unreachable" "$T/err"
tap_ok $? "the message names the URL"
tap_done
