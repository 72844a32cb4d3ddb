#!/bin/bash
# grafana-data.sh: every dashboard query returns data after a real smoke run (TAP).
#
# Starts the whole stack on free loopback ports (lib-stack.sh: redis-server,
# the store stand-ins, toxiproxy-server with -proxy-metrics, the fixture
# backend), a real Prometheus scraping flowrun, the backend and Toxiproxy every
# second (the jobs of prometheus/prometheus.yml, with this test's ports), runs
# `flowrun run plans/smoke.yaml` with --metrics-listen, and then evaluates
# every query of grafana/provisioning/dashboards/flowrun.json — $run_id
# replaced by the run's id, $__rate_interval by 4s, $__range by the run's
# length — over the run with /api/v1/query_range. Each panel passes when each
# of its queries has at least one series with a value that is not NaN, and one
# of its queries has a non-zero value (series exist at zero from the start, so
# "not NaN" alone would pass for an engine that records nothing); an error-rate
# panel may stay at zero in a clean run, and "Plan SLOs met" when an SLO failed. The fault annotation must fire during
# the run's fault. smoke.yaml loads no dashboard widgets, so the test reads a
# few itself during the run, for the cache row.
#
# Until `flowrun run` works end to end the test skips (with the exit status
# and the last line flowrun printed), unless FLOWRUN_REQUIRE_ALL=1 or CI is set.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
# shellcheck source=lib-prometheus.sh
. "$top_srcdir/tests/e2e/lib-prometheus.sh"

dash=$top_srcdir/grafana/provisioning/dashboards/flowrun.json
scale=0.5 # smoke.yaml: 20 s of load, a fault at 8 s for 4 s → 10 s, 4 s + 2 s

for c in prometheus jq curl python3 redis-server; do
	command -v "$c" >/dev/null 2>&1 || tap_skip_all "$c not installed"
done
[ -x "$FLOWRUN" ] || tap_skip_all "$FLOWRUN not built"
fr_toxiproxy_bin >/dev/null || tap_skip_all "toxiproxy-server not installed (run scripts/install-deps.sh)"
"$FLOWRUN" run --help >/dev/null 2>&1 || tap_skip_all "flowrun run is not available yet ('flowrun run --help' fails)"

fr_start_stack || tap_skip_all "the FlowForge stack did not start (see the logs above)"

mport=$(fr_free_port)
run_id=grafana-data-$$
cat >"$FR_TMP/prometheus.yml" <<EOF
global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: flowrun
    static_configs: [{ targets: ['127.0.0.1:$mport'] }]
  - job_name: flowforge
    static_configs: [{ targets: ['127.0.0.1:$FR_FIXTURE_PORT'] }]
  - job_name: toxiproxy
    static_configs: [{ targets: ['127.0.0.1:$FR_TOXI_PORT'] }]
EOF
fr_start_prometheus "$FR_TMP/prometheus.yml" || tap_skip_all "prometheus did not start"
prom=$FR_PROM_URL

# smoke.yaml loads no widgets, so the backend's widget cache would stay idle:
# read one dashboard's widgets during the run (1 s cache TTL: hits and misses).
token=$(fr_token) || tap_skip_all "cannot log in to the fixture backend"
wids=$(curl -fs -m 5 -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"widgets":2}' "$FR_FIXTURE_URL/api/dashboards" | jq -r '.widgets[]')
# shellcheck disable=SC2317 # run by fr_bg
widget_load() {
	local i w
	for ((i = 0; i < 30; i++)); do
		for w in $wids; do
			curl -fs -m 2 -o /dev/null -H "Authorization: Bearer $token" "$FR_FIXTURE_URL/api/widgets/$w/data"
		done
		sleep 0.4
	done
}
fr_bg widgets widget_load

# The run. Exit 0 or 1 (SLOs met or not) or 3 (a run flowrun judges invalid,
# e.g. for scheduler lag on a loaded machine) all produce metrics; anything
# else means the engine cannot run the smoke plan yet.
start=$(date +%s)
timeout 120 "$FLOWRUN" run "$top_srcdir/plans/smoke.yaml" --time-scale "$scale" --run-id "$run_id" \
	--metrics-listen "127.0.0.1:$mport" --metrics-linger 3 --out "$FR_TMP/out" \
	>"$FR_TMP/run.out" 2>"$FR_TMP/run.err"
rc=$?
end=$(date +%s)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; then
	last=$(tail -1 "$FR_TMP/run.err")
	tap_skip_all "flowrun run plans/smoke.yaml does not work end to end yet (exit $rc: ${last:-no message})"
fi

# evaluate EXPR: the query over the run; prints "SERIES NON-NAN-SAMPLES NON-ZERO-SAMPLES"
# per series, or "error: …".
evaluate() {
	local q=$1
	q=${q//\$run_id/$run_id}
	q=${q//\$shard/.*}
	q=${q//\$__rate_interval/4s}
	q=${q//\$__range/$((end - start + 5))s}
	curl -s --get "$prom/api/v1/query_range" --data-urlencode "query=$q" \
		--data-urlencode "start=$start" --data-urlencode "end=$end" --data-urlencode "step=1" |
		jq -r 'if .status != "success" then "error: \(.error)"
		       else .data.result[] | "\(.metric | tojson) \([.values[] | select(.[1] != "NaN")] | length) \([.values[] | select(.[1] != "NaN" and (.[1] | tonumber) != 0)] | length)" end'
}

# The engine must feed /metrics, not only serve it.
sent=$(curl -s --get "$prom/api/v1/query" --data-urlencode "time=$end" --data-urlencode \
	"query=sum(max_over_time(flowrun_requests_total{run_id=\"$run_id\"}[2m]))" |
	jq -r '.data.result[0].value[1] // "none"')
if [ "$sent" = 0 ] || [ "$sent" = none ]; then
	tap_skip_all "flowrun run works but records no request into /metrics yet (flowrun_requests_total = $sent; the engine must call fr_metrics_record_request)"
fi

npanels=$(jq '[.panels[] | select(.type != "row")] | length' "$dash")
tap_plan $((npanels + 3))
nslos=$(grep -c '^  - { name: .*, .*: "[<>]' "$top_srcdir/plans/smoke.yaml")
final=$(curl -s --get "$prom/api/v1/query" --data-urlencode "time=$end" --data-urlencode \
	"query=count(last_over_time(flowrun_slo_value{run_id=\"$run_id\"}[1m]) == last_over_time(flowrun_slo_value{run_id=\"$run_id\"}[1m]))" |
	jq -r '.data.result[0].value[1] // "none"')
tap_is "$final" "$nslos" "Prometheus scraped the final value of all $nslos SLOs (the exporter lingers)"
up=$(curl -s --get "$prom/api/v1/query" --data-urlencode "query=max_over_time(up{job=\"flowrun\"}[2m])" |
	jq -r '.data.result[0].value[1] // "none"')
tap_is "$up" 1 "Prometheus scraped flowrun's /metrics during the run"

while IFS=$'\t' read -r id title; do
	problems=
	nonzero=0
	while IFS= read -r expr; do
		out=$(evaluate "$expr")
		if printf '%s\n' "$out" | grep -q '^error: '; then
			problems+="$expr → $out"$'\n'
		elif ! printf '%s\n' "$out" | awk 'NF >= 3 && $(NF - 1) > 0 { found = 1 } END { exit !found }'; then
			problems+="$expr → no data"$'\n'
		fi
		printf '%s\n' "$out" | awk 'NF >= 3 && $NF > 0 { found = 1 } END { exit !found }' && nonzero=1
	done < <(jq -r --argjson id "$id" '.panels[] | select(.id == $id) | .targets[].expr' "$dash")
	case $title in
	"Error rate"* | "Plan SLOs met") ;; # 0 is a real answer: no errors, an SLO failed
	*) [ "$nonzero" = 1 ] || problems+="every query of the panel stays at 0 during the run"$'\n' ;;
	esac
	if [ -z "$problems" ]; then
		tap_ok 0 "panel $id \"$title\" has data"
	else
		tap_ok 1 "panel $id \"$title\" has data"
		printf '%s' "$problems" | sed 's/^/# /'
	fi
done < <(jq -r '.panels[] | select(.type != "row") | "\(.id)\t\(.title)"' "$dash")

ann=$(jq -r '.annotations.list[] | select(.name == "Faults") | .expr' "$dash")
out=$(evaluate "$ann")
tap_like "$out" '"fault":"redis-slow".* [1-9][0-9]*$' "the Faults annotation fires during the redis-slow fault"

tap_done
