#!/bin/bash
# metrics.sh: the /metrics exporter as Prometheus sees it (TAP).
#
# tests/harness/metrics-demo serves the exporter of a hand-built plan exactly as
# `flowrun run --metrics-listen` does. This test scrapes it over HTTP, lints
# the scrape with `promtool check metrics`, has a real Prometheus scrape it
# and query a threshold bucket, checks the error and exit status when the
# port is already in use, and (when prometheus-pushgateway is installed) the
# optional final push. promtool/prometheus missing: skipped unless
# FLOWRUN_REQUIRE_ALL=1.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib-tap.sh"
set -u

src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$src}
demo=$build/tests/harness/metrics-demo

missing=
for c in promtool prometheus curl jq python3; do
	command -v "$c" >/dev/null 2>&1 || missing="$c not installed"
done
[ -x "$demo" ] || missing="$demo not built (make check builds it)"
fr_missing_tool "$missing"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/metrics-e2e.XXXXXX") || exit 1
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for FILE PATTERN: up to 10 s for PATTERN to appear in FILE.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

echo "1..10"

"$demo" 127.0.0.1:0 30 >"$tmp/demo.out" 2>"$tmp/demo.err" &
pids+=($!)
if ! wait_for "$tmp/demo.out" '^listening on '; then
	not_ok "metrics-demo starts" "$(cat "$tmp/demo.err")"
	exit 1
fi
port=$(sed -n 's/^listening on //p' "$tmp/demo.out")
ok "metrics-demo serves on 127.0.0.1:$port"

ctype=$(curl -s -o "$tmp/scrape.txt" -w '%{content_type}' "http://127.0.0.1:$port/metrics")
if [ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ]; then ok "Content-Type is text format 0.0.4"
else not_ok "Content-Type is text format 0.0.4" "got: $ctype"; fi

out=$(promtool check metrics <"$tmp/scrape.txt" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then ok "promtool check metrics finds nothing to lint"
else not_ok "promtool check metrics finds nothing to lint" "$out"; fi

want='flowrun_request_duration_seconds_bucket{run_id="demo-1",scenario="queries",request="redis-lookup",outcome="ok",le="0.005"} 1'
if grep -qxF "$want" "$tmp/scrape.txt"; then ok "the 5 ms SLO threshold is a bucket bound"
else not_ok "the 5 ms SLO threshold is a bucket bound" "$(grep -F 'redis-lookup",outcome="ok",le=' "$tmp/scrape.txt" | head -5)"; fi

# A real Prometheus scrapes the exporter; the threshold query needs no interpolation.
pport=$(free_port)
cat >"$tmp/prometheus.yml" <<EOF
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: flowrun
    static_configs: [{ targets: ['127.0.0.1:$port'] }]
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$tmp/prom.log" 2>&1 &
pids+=($!)
q='sum(flowrun_request_duration_seconds_bucket{run_id="demo-1",le="0.007"}) / sum(flowrun_request_duration_seconds_count{run_id="demo-1"})'
val=
for ((i = 0; i < 150; i++)); do
	val=$(curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$q" 2>/dev/null |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null)
	[ -n "$val" ] && break
	sleep 0.1
done
if [ "$val" = 0.5 ]; then ok "Prometheus scrapes it: share of requests <= 7 ms is exactly 0.5"
else not_ok "Prometheus scrapes it: share of requests <= 7 ms is exactly 0.5" "got: '$val'; $(tail -3 "$tmp/prom.log")"; fi
up=$(curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=up{job="flowrun"}' |
	jq -r '.data.result[0].value[1] // empty')
if [ "$up" = 1 ]; then ok "the scrape target is up"; else not_ok "the scrape target is up" "up=$up"; fi

# The port is taken: a clear message and exit status 4 (infrastructure).
"$demo" "127.0.0.1:$port" 1 >/dev/null 2>"$tmp/busy.err"
rc=$?
want="flowrun: cannot listen on 127.0.0.1:$port for metrics: Address already in use"
if [ "$rc" = 4 ]; then ok "port in use: exit status 4"; else not_ok "port in use: exit status 4" "got $rc"; fi
if [ "$(cat "$tmp/busy.err")" = "$want" ]; then ok "port in use: the message"
else not_ok "port in use: the message" "got: $(cat "$tmp/busy.err")"; fi

# The same through the real command line, before any load or fault starts.
flowrun=${FLOWRUN:-$build/flowrun}
if [ -x "$flowrun" ] && "$flowrun" run --help >/dev/null 2>&1; then
	"$flowrun" run "$src/plans/smoke.yaml" --metrics-listen "127.0.0.1:$port" >/dev/null 2>"$tmp/run.err"
	rc=$?
	if [ "$rc:$(cat "$tmp/run.err")" = "4:$want" ]; then ok "flowrun run --metrics-listen on a busy port: exit 4 and the message"
	else not_ok "flowrun run --metrics-listen on a busy port: exit 4 and the message" "got $rc: $(cat "$tmp/run.err")"; fi
else
	n=$((n + 1))
	echo "ok $n - flowrun run --metrics-listen on a busy port # SKIP flowrun run not available"
fi

# Optional final push to a Pushgateway (prometheus-pushgateway, when installed).
if command -v prometheus-pushgateway >/dev/null 2>&1; then
	gport=$(free_port)
	prometheus-pushgateway --web.listen-address="127.0.0.1:$gport" --persistence.file="$tmp/pushgateway.data" >"$tmp/pushgateway.log" 2>&1 &
	pids+=($!)
	for ((i = 0; i < 100; i++)); do
		curl -fs -o /dev/null "http://127.0.0.1:$gport/-/ready" && break
		sleep 0.1
	done
	"$demo" 127.0.0.1:0 0 "http://127.0.0.1:$gport" >/dev/null 2>"$tmp/push.err"
	got=$(curl -s "http://127.0.0.1:$gport/metrics" | grep -F 'flowrun_requests_total{' | grep -F 'outcome="ok",request="redis-lookup"')
	want='flowrun_requests_total{instance="",job="flowrun",outcome="ok",request="redis-lookup",run_id="demo-1",scenario="queries"} 1'
	if [ "$got" = "$want" ]; then ok "pushed to a Pushgateway under job/flowrun/run_id/demo-1"
	else not_ok "pushed to a Pushgateway under job/flowrun/run_id/demo-1" "got: $got; $(cat "$tmp/push.err")"; fi
else
	n=$((n + 1))
	echo "ok $n - push to a Pushgateway # SKIP prometheus-pushgateway not installed (optional)"
fi

[ "$failed" -eq 0 ]
