#!/bin/bash
# bench-order.sh: the benchmark commands typed in the wrong order fail fast and say
# what to run first, and the stack's default ports are the ones the README, the docs
# and the configuration files promise (TAP).
#
# `make bench-run` and `make bench-slo` before `make bench-up` must exit non-zero in
# under 5 s naming `make bench-up` (here nothing listens on the free ports the test
# gives them). A port variable that is not a number (REDIS_PORT=tcp://… as Docker
# links set it) is refused by name. `scripts/bench.sh ports`, with no port variable
# set, must list the defaults of docs/bench.md's table, the README's quick start
# (Toxiproxy 8474, Prometheus 9090, Grafana 3001), toxiproxy/config.json,
# prometheus/prometheus.yml and docker-compose.bench.yml. About 2 s; needs only make.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
command -v make >/dev/null || tap_skip_all "make not installed"
command -v jq >/dev/null || tap_skip_all "jq not installed"

T=$(fr_tmpdir)
PORT_VARS="TOXIPROXY_PORT PROMETHEUS_PORT GRAFANA_PORT METRICS_PORT BACKEND_PORT REDIS_PORT MATERIALIZE_PORT
CLICKHOUSE_PORT REDIS_PROXY_PORT MATERIALIZE_PROXY_PORT CLICKHOUSE_PROXY_PORT"
cd "$top_builddir" || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL PLAN PLANS RUN_ID FLOWFORGE_URL
export BENCH_RUN_DIR=$T/run BENCH_RESULTS_DIR=$T/results
for v in $PORT_VARS; do
	printf -v "$v" '%s' "$(fr_free_port)"
	export "${v?}"
done

# fast NAME CMD…: CMD fails within 5 s; its output in $T/NAME.out, the time in MS.
fast() {
	local name=$1 start rc
	shift
	start=$(date +%s%N)
	timeout 30 "$@" >"$T/$name.out" 2>&1
	rc=$?
	MS=$((($(date +%s%N) - start) / 1000000))
	[ "$rc" != 0 ] && [ "$MS" -lt 5000 ]
}

fast run make bench-run && grep -q "the benchmark stack is not up: .*Run 'make bench-up' first, then 'make backend' in another terminal." "$T/run.out"
tap_ok $? "make bench-run before make bench-up fails in under 5 s (${MS}ms), saying to run make bench-up first" "$(cat "$T/run.out")"
fast slo make bench-slo && grep -q "run 'make bench-up' first" "$T/slo.out"
tap_ok $? "make bench-slo before make bench-up fails in under 5 s (${MS}ms), saying to run make bench-up first" "$(cat "$T/slo.out")"
fast docker env REDIS_PORT=tcp://172.17.0.2:6379 make bench-run && grep -q "REDIS_PORT=tcp://172.17.0.2:6379 is not a port number" "$T/docker.out"
tap_ok $? "a port variable that is not a port number is refused by name" "$(cat "$T/docker.out")"
[ ! -e "$BENCH_RUN_DIR/ports.env" ] && [ ! -e "$BENCH_RESULTS_DIR" ]
tap_ok $? "they start nothing and write nothing"

# The defaults, with no port variable set and nothing recorded.
for v in $PORT_VARS; do unset "$v"; done
defaults=$(bash "$top_srcdir/scripts/bench.sh" ports | awk '{ print $1 "=" $2 }' | paste -sd' ')
tap_is "$defaults" "TOXIPROXY_PORT=8474 PROMETHEUS_PORT=9090 GRAFANA_PORT=3001 METRICS_PORT=9464 BACKEND_PORT=8080 REDIS_PORT=6379 MATERIALIZE_PORT=6875 CLICKHOUSE_PORT=9000 REDIS_PROXY_PORT=26379 MATERIALIZE_PROXY_PORT=26875 CLICKHOUSE_PROXY_PORT=29000" \
	"the default ports"
# shellcheck disable=SC2016 # backquotes of Markdown, literally
doc=$(sed -n 's/^| `\([A-Z_]*_PORT\)` | \([0-9]*\) |.*/\1=\2/p' "$top_srcdir/docs/bench.md" | paste -sd' ')
tap_is "$doc" "$defaults" "docs/bench.md lists every port variable with its default"
tap_like "$(grep -F 'make bench-up ' "$top_srcdir/README.md")" \
	'make bench-up +# Toxiproxy \(API 8474\), Prometheus \(9090\), Grafana \(3001\)$' \
	"the README's quick start says Toxiproxy 8474, Prometheus 9090, Grafana 3001"
tap_is "$(jq -r 'map("\(.name) \(.listen) \(.upstream)") | .[]' "$top_srcdir/toxiproxy/config.json" | paste -sd' ')" \
	"redis 127.0.0.1:26379 127.0.0.1:6379 materialize 127.0.0.1:26875 127.0.0.1:6875 clickhouse 127.0.0.1:29000 127.0.0.1:9000" \
	"toxiproxy/config.json: the proxies on the default proxy ports, in front of the default store ports"
tap_is "$(grep -o "targets: \['[^']*'\]" "$top_srcdir/prometheus/prometheus.yml" | paste -sd' ')" \
	"targets: ['127.0.0.1:9464'] targets: ['127.0.0.1:8080'] targets: ['127.0.0.1:8474']" \
	"prometheus/prometheus.yml scrapes flowrun, the backend and Toxiproxy on their default ports"
tap_is "$(grep -E 'GF_SERVER_HTTP_PORT|web.listen-address|"-port", "8474"' "$top_srcdir/docker-compose.bench.yml" |
	grep -oE '3001|9090|8474' | paste -sd' ')" "8474 9090 3001" \
	"docker-compose.bench.yml: Toxiproxy 8474, Prometheus 9090, Grafana 3001"
tap_done
