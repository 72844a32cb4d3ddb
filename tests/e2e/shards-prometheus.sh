#!/usr/bin/env bash
# shards-prometheus.sh: the live metrics of 3 shards in one real Prometheus give the verdicts of flowrun merge (TAP).
#
# Three shards of tests/e2e/plans/shard-prom.yaml, each serving /metrics on a port
# of its own, are scraped by one Prometheus. Every series carries the shard label;
# `flowrun slo` sums the shards' buckets (sum by (le)) and counters, so its verdict
# for every window must equal the verdict flowrun merge computes from the shards'
# exact histograms, and its exit code too. The dashboard's queries aggregate the
# same way: the run's request rate summed over shards is the merged count.
# About 25 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-prometheus.sh
. "$top_srcdir/tests/e2e/lib-prometheus.sh"
cd "$top_srcdir" || exit 1
command -v prometheus >/dev/null 2>&1 || tap_skip_all "prometheus not installed"
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
tap_plan 6
T=$(fr_tmpdir)
fr_start_backend || { echo "Bail out! the fixture did not start"; exit 1; }
export FLOWFORGE_URL=$FR_FIXTURE_URL
ports=("$(fr_free_port)" "$(fr_free_port)" "$(fr_free_port)")
cat >"$T/prometheus.yml" <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: flowrun
    static_configs: [{ targets: ['127.0.0.1:${ports[0]}', '127.0.0.1:${ports[1]}', '127.0.0.1:${ports[2]}'] }]
YML
fr_start_prometheus "$T/prometheus.yml" || { echo "Bail out! prometheus did not start"; exit 1; }

start=$(python3 -c 'import time; print(f"{time.time() + 8:.3f}")')
pids=()
for k in 0 1 2; do
	JOB_COMPLETION_INDEX=$k "$FLOWRUN" run tests/e2e/plans/shard-prom.yaml --shards 3 --start-at "$start" \
		--run-id e2e-shard-prom --threads 1 --quiet --json "$T/s-$k.json" \
		--metrics-listen "127.0.0.1:${ports[k]}" --metrics-wait 5 --metrics-linger 4 2>"$T/s-$k.err" &
	pids+=($!)
done
fr_wait_all "${pids[@]}"
rcs=$FR_CODES
tap_like "$rcs" '^[13] [13] [13]$' "3 shards with their own /metrics: each exits 1 (one SLO fails on purpose) ($rcs)"
"$FLOWRUN" merge "$T"/s-*.json --quiet --json "$T/m.json"
mrc=$?
tap_is "$mrc" "$(jq .exit_code "$T/m.json")" "flowrun merge: exit $mrc"
sleep 2
"$FLOWRUN" slo --prometheus "$FR_PROM_URL" --run-id e2e-shard-prom tests/e2e/plans/shard-prom.yaml >"$T/slo.out" 2>"$T/slo.err"
src=$?
merged=$(jq -r '.verdicts[] | "\(.slo) \(.label) \(if .no_data then "NO DATA" elif .pass then "PASS" else "FAIL" end)"' "$T/m.json" | sort)
prom=$(awk '/^SLOs$/ {on=1; next} on && NF == 0 {on=0} on && NF >= 6 && $1 != "SLO" {print $1, $2, $NF == "DATA" ? "NO DATA" : $NF}' "$T/slo.out" | sort)
tap_is "$prom" "$merged" "flowrun slo over the 3 shards' series gives flowrun merge's verdict, window by window"
tap_is "$src" "$(jq '[.verdicts[] | select((.pass | not) and (.skipped | not))] | if length > 0 then 1 else 0 end' "$T/m.json")" \
	"and the same SLO result (exit $src)"
# query Q: the value of an instant PromQL query at the end of the run.
query() {
	curl -s --get "$FR_PROM_URL/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // "none"'
}
tap_is "$(query 'count(count by (shard) (last_over_time(flowrun_run_info{run_id="e2e-shard-prom"}[2m])))')" 3 \
	"every series carries the shard label: 3 shards in Prometheus"
total=$(jq '[.keys[] | select(.kind == "request") | .run.requests] | add' "$T/m.json")
tap_is "$(query 'sum(max_over_time(flowrun_requests_total{run_id="e2e-shard-prom"}[2m]))')" "$total" \
	"the requests summed over the shards' series equal the merged count ($total)"
tap_done
