#!/bin/bash
# metrics.sh: the /metrics exporter as Prometheus sees it (TAP).
#
# tests/harness/metrics-demo serves the exporter of a hand-built plan exactly as
# `flowrun run --metrics-listen` does. This test scrapes it over HTTP, lints
# the scrape with `promtool check metrics`, has a real Prometheus scrape it
# and query a threshold bucket, checks the error and exit status when the
# port is already in use, and (when prometheus-pushgateway is installed) the
# optional final push. promtool/prometheus missing: skipped unless
# FLOWRUN_REQUIRE_ALL=1 or CI is set.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-prometheus.sh
. "$top_srcdir/tests/e2e/lib-prometheus.sh"
set -u

demo=$top_builddir/tests/harness/metrics-demo
for c in promtool prometheus curl jq python3; do
	command -v "$c" >/dev/null 2>&1 || tap_skip_all "$c not installed"
done
[ -x "$demo" ] || tap_skip_all "$demo not built (make check builds it)"
tmp=$FR_TMP

# wait_for FILE PATTERN: up to 10 s for PATTERN to appear in FILE.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

tap_plan 10

fr_bg demo "$demo" 127.0.0.1:0 30
if ! wait_for "$tmp/demo.log" '^listening on '; then
	tap_ok 1 "metrics-demo starts" "$(fr_log demo)"
	exit 1
fi
port=$(sed -n 's/^listening on //p' "$tmp/demo.log")
tap_ok 0 "metrics-demo serves on 127.0.0.1:$port"

ctype=$(curl -s -o "$tmp/scrape.txt" -w '%{content_type}' "http://127.0.0.1:$port/metrics")
[ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ]
tap_ok $? "Content-Type is text format 0.0.4" "got: $ctype"

out=$(promtool check metrics <"$tmp/scrape.txt" 2>&1)
rc=$?
[ "$rc" -eq 0 ] && [ -z "$out" ]
tap_ok $? "promtool check metrics finds nothing to lint" "$out"

want='flowrun_request_duration_seconds_bucket{run_id="demo-1",shard="0",scenario="queries",request="redis-lookup",outcome="ok",le="0.005"} 1'
grep -qxF "$want" "$tmp/scrape.txt"
tap_ok $? "the 5 ms SLO threshold is a bucket bound" "$(grep -F 'redis-lookup",outcome="ok",le=' "$tmp/scrape.txt" | head -5)"

# A real Prometheus scrapes the exporter; the threshold query needs no interpolation.
cat >"$tmp/prometheus.yml" <<EOF
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: flowrun
    static_configs: [{ targets: ['127.0.0.1:$port'] }]
EOF
fr_start_prometheus "$tmp/prometheus.yml"
q='sum(flowrun_request_duration_seconds_bucket{run_id="demo-1",le="0.007"}) / sum(flowrun_request_duration_seconds_count{run_id="demo-1"})'
val=
for ((i = 0; i < 150; i++)); do
	val=$(curl -s --get "$FR_PROM_URL/api/v1/query" --data-urlencode "query=$q" 2>/dev/null |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null)
	[ -n "$val" ] && break
	sleep 0.1
done
[ "$val" = 0.5 ]
tap_ok $? "Prometheus scrapes it: share of requests <= 7 ms is exactly 0.5" "got: '$val'; $(fr_log prometheus | tail -3)"
up=$(curl -s --get "$FR_PROM_URL/api/v1/query" --data-urlencode 'query=up{job="flowrun"}' |
	jq -r '.data.result[0].value[1] // empty')
[ "$up" = 1 ]
tap_ok $? "the scrape target is up" "up=$up"

# The port is taken: a clear message and exit status 4 (infrastructure).
"$demo" "127.0.0.1:$port" 1 >/dev/null 2>"$tmp/busy.err"
rc=$?
want="flowrun: cannot listen on 127.0.0.1:$port for metrics: Address already in use"
tap_is "$rc" 4 "port in use: exit status 4"
tap_is "$(cat "$tmp/busy.err")" "$want" "port in use: the message"

# The same through the real command line, before any load or fault starts.
if [ -x "$FLOWRUN" ] && "$FLOWRUN" run --help >/dev/null 2>&1; then
	"$FLOWRUN" run "$top_srcdir/plans/smoke.yaml" --metrics-listen "127.0.0.1:$port" >/dev/null 2>"$tmp/run.err"
	tap_is "$?:$(cat "$tmp/run.err")" "4:$want" "flowrun run --metrics-listen on a busy port: exit 4 and the message"
else
	tap_skip "flowrun run --metrics-listen on a busy port" "flowrun run not available"
fi

# Optional final push to a Pushgateway (prometheus-pushgateway, when installed).
if command -v prometheus-pushgateway >/dev/null 2>&1; then
	gport=$(fr_free_port)
	fr_bg pushgateway prometheus-pushgateway --web.listen-address="127.0.0.1:$gport" --persistence.file="$tmp/pushgateway.data"
	fr_wait_http "http://127.0.0.1:$gport/-/ready" 10
	"$demo" 127.0.0.1:0 0 "http://127.0.0.1:$gport" >/dev/null 2>"$tmp/push.err"
	got=$(curl -s "http://127.0.0.1:$gport/metrics" | grep -F 'flowrun_requests_total{' | grep -F 'outcome="ok",request="redis-lookup"')
	want='flowrun_requests_total{instance="",job="flowrun",outcome="ok",request="redis-lookup",run_id="demo-1",scenario="queries",shard="0"} 1'
	[ "$got" = "$want" ]
	tap_ok $? "pushed to a Pushgateway under job/flowrun/run_id/demo-1/shard/0" "got: $got; $(cat "$tmp/push.err")"
else
	tap_skip "push to a Pushgateway" "prometheus-pushgateway not installed (optional)"
fi

tap_done
