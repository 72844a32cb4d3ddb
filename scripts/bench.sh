#!/usr/bin/env bash
# bench.sh: the local benchmark stack as native processes — up, down, status, run, slo.
#
#   scripts/bench.sh up        start toxiproxy-server (toxiproxy/config.json, -proxy-metrics,
#                              :8474), redis-server (:6379), prometheus
#                              (prometheus/prometheus.yml, :9090) and grafana-server (:3000)
#                              when installed, and the FlowForge backend (scripts/backend.sh
#                              start: the store stand-ins and the fixture on :8080, its
#                              stores reached through the Toxiproxy listeners); all on
#                              127.0.0.1
#   scripts/bench.sh down      stop what `up` started (by the pids it recorded)
#   scripts/bench.sh status    what runs, where
#   scripts/bench.sh run PLAN  flowrun run PLAN with --metrics-listen 127.0.0.1:9464
#   scripts/bench.sh slo PLAN  flowrun slo for the last run, from the local Prometheus
#
# Every process keeps its pid file and log in one run directory ($BENCH_RUN_DIR,
# default run/ in the build directory); results go to results/<plan>/. These are
# the fixed ports of prometheus/prometheus.yml, toxiproxy/config.json and the
# plans' defaults, so a port already in use is reported, not worked around.
# docker-compose.bench.yml starts the same services from the same files.
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib-proc.sh" # fr_kill_pid, fr_port_open
build=${top_builddir:-$src}
run=${BENCH_RUN_DIR:-$build/run}
FLOWRUN=${FLOWRUN:-$build/flowrun}
PROM_URL=http://127.0.0.1:9090
METRICS_LISTEN=${METRICS_LISTEN:-127.0.0.1:9464}

say() { printf 'bench: %s\n' "$*" >&2; }

# pid_of NAME: the recorded pid of NAME when that process still runs.
pid_of() {
	local pid
	pid=$(cat "$run/$1.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null && echo "$pid"
}


# wait_ready NAME CHECK…: up to 15 s for CHECK to succeed while NAME runs.
wait_ready() {
	local name=$1 i
	shift
	for ((i = 0; i < 150; i++)); do
		"$@" && return 0
		pid_of "$name" >/dev/null || break
		sleep 0.1
	done
	say "$name did not become ready; its log ($run/$name.log) ends with:"
	tail -5 "$run/$name.log" >&2
	return 1
}

# start NAME PORT CMD…: starts CMD in the background unless NAME already runs;
# refuses when something else holds PORT.
start() {
	local name=$1 port=$2 pid
	shift 2
	if pid=$(pid_of "$name"); then
		say "$name already running (pid $pid)"
		return 0
	fi
	if fr_port_open 127.0.0.1 "$port"; then
		say "$name: 127.0.0.1:$port is already in use by another process; not starting it"
		return 1
	fi
	nohup "$@" >"$run/$name.log" 2>&1 </dev/null &
	echo $! >"$run/$name.pid"
	say "$name started (pid $!, log $run/$name.log)"
}

# find_bin NAME CANDIDATE…: the first executable candidate or NAME on PATH.
find_bin() {
	local name=$1 c
	shift
	for c in "$@" "$(command -v "$name" 2>/dev/null)"; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			echo "$c"
			return 0
		fi
	done
	return 1
}

# http_ok URL: the URL answers 2xx.
http_ok() {
	curl -fsS -m 1 -o /dev/null -A flowrun-bench "$1" 2>/dev/null
}

up_toxiproxy() {
	local bin
	if ! bin=$(find_bin toxiproxy-server "$src/.tools/toxiproxy-server" "$src/.tools/server"); then
		say "MISSING toxiproxy-server: run scripts/install-deps.sh (builds it into .tools/)"
		return 1
	fi
	start toxiproxy 8474 "$bin" -host 127.0.0.1 -port 8474 -config "$src/toxiproxy/config.json" \
		-proxy-metrics && wait_ready toxiproxy http_ok http://127.0.0.1:8474/version
}

# is_redis PORT: does a Redis answer PING on 127.0.0.1:PORT?
is_redis() {
	local line
	exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || return 1
	printf 'PING\r\n' >&3
	read -r -t 2 line <&3
	exec 3<&-
	[ "${line%$'\r'}" = "+PONG" ]
}

up_redis() {
	local bin
	if [ -z "$(pid_of redis)" ] && is_redis 6379; then
		say "a Redis already answers on 127.0.0.1:6379 (the redis-server service?): using it"
		return 0
	fi
	if ! bin=$(find_bin redis-server); then
		say "MISSING redis-server: apt-get install redis-server"
		return 1
	fi
	start redis 6379 "$bin" --port 6379 --bind 127.0.0.1 --save "" --appendonly no \
		--daemonize no --dir "$run" && wait_ready redis fr_port_open 127.0.0.1 6379
}

up_prometheus() {
	local bin
	if ! bin=$(find_bin prometheus); then
		say "MISSING prometheus: apt-get install prometheus"
		return 1
	fi
	mkdir -p "$run/prometheus"
	if [ -z "$(pid_of prometheus)" ] && fr_port_open 127.0.0.1 9090; then
		say "127.0.0.1:9090 is in use, not by bench.sh (the Debian prometheus service? sudo systemctl stop prometheus): it would not scrape flowrun"
		return 1
	fi
	start prometheus 9090 "$bin" --config.file="$src/prometheus/prometheus.yml" \
		--storage.tsdb.path="$run/prometheus" --web.listen-address=127.0.0.1:9090 &&
		wait_ready prometheus http_ok "$PROM_URL/-/ready"
}

up_grafana() {
	local bin home
	if ! bin=$(find_bin grafana-server /usr/sbin/grafana-server); then
		say "optional grafana-server not installed: dashboards are in grafana/provisioning/ (or use docker-compose.bench.yml)"
		return 0
	fi
	home=${GRAFANA_HOME:-/usr/share/grafana}
	mkdir -p "$run/grafana"
	GF_PATHS_PROVISIONING=$src/grafana/provisioning GF_PATHS_DATA=$run/grafana \
		GF_PATHS_LOGS=$run/grafana GF_SERVER_HTTP_ADDR=127.0.0.1 GF_SERVER_HTTP_PORT=3000 \
		GF_AUTH_ANONYMOUS_ENABLED=true GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer \
		FLOWRUN_GRAFANA_DASHBOARDS=$src/grafana/provisioning/dashboards \
		start grafana 3000 "$bin" --homepath "$home" &&
		wait_ready grafana http_ok http://127.0.0.1:3000/api/health
}

up_backend() {
	if ! [ -x "$src/scripts/backend.sh" ]; then
		say "MISSING scripts/backend.sh: start the FlowForge backend yourself on 127.0.0.1:8080"
		return 1
	fi
	# After Redis and Toxiproxy: backend.sh uses this Redis and, when the
	# Toxiproxy listeners answer, reaches its stores through them.
	top_builddir=$build "$src/scripts/backend.sh" start "$run" &&
		wait_ready_url backend http://127.0.0.1:8080/metrics
}

# wait_ready_url NAME URL: up to 15 s for URL to answer (a process of backend.sh).
wait_ready_url() {
	local i
	for ((i = 0; i < 150; i++)); do
		http_ok "$2" && return 0
		sleep 0.1
	done
	say "$1 does not answer $2"
	return 1
}

cmd_up() {
	local failed=()
	mkdir -p "$run"
	up_redis || failed+=(redis-server)
	up_toxiproxy || failed+=(toxiproxy-server)
	up_prometheus || failed+=(prometheus)
	up_backend || failed+=(backend)
	up_grafana || failed+=(grafana-server)
	if [ ${#failed[@]} -gt 0 ]; then
		say "not running: ${failed[*]} (see above); 'scripts/bench.sh down' stops the rest"
		return 1
	fi
	say "up: Prometheus $PROM_URL, Toxiproxy http://127.0.0.1:8474, backend http://127.0.0.1:8080"
}

cmd_down() {
	local f name pid
	[ -x "$src/scripts/backend.sh" ] && top_builddir=$build "$src/scripts/backend.sh" stop "$run"
	for f in "$run"/*.pid; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		if pid=$(pid_of "$name"); then
			fr_kill_pid "$pid"
			say "$name stopped (pid $pid)"
		fi
		rm -f "$f"
	done
	return 0
}

cmd_status() {
	local name pid url
	for name in redis toxiproxy prometheus grafana; do
		case $name in
		redis) url=127.0.0.1:6379 ;;
		toxiproxy) url=http://127.0.0.1:8474 ;;
		prometheus) url=$PROM_URL ;;
		grafana) url=http://127.0.0.1:3000 ;;
		esac
		if pid=$(pid_of "$name"); then
			printf '%-11s running  pid %-7s %s\n' "$name" "$pid" "$url"
		else
			printf '%-11s stopped\n' "$name"
		fi
	done
	[ -x "$src/scripts/backend.sh" ] && top_builddir=$build "$src/scripts/backend.sh" status "$run"
	return 0
}

cmd_run() {
	local plan=${1:?usage: scripts/bench.sh run PLAN} name id
	shift
	name=$(basename "$plan" .yaml)
	id=$name-$(date -u +%Y%m%dT%H%M%SZ)
	mkdir -p "$run" "$build/results/$name"
	echo "$id" >"$run/last-run-id"
	say "flowrun run $plan (run id $id, metrics on $METRICS_LISTEN, results in results/$name/)"
	"$FLOWRUN" run "$plan" --run-id "$id" --metrics-listen "$METRICS_LISTEN" \
		--time-scale "${TIME_SCALE:-1}" --out "$build/results/$name" "$@"
}

cmd_slo() {
	local plan=${1:?usage: scripts/bench.sh slo PLAN} id
	shift
	id=${RUN_ID:-$(cat "$run/last-run-id" 2>/dev/null)}
	if [ -z "$id" ]; then
		say "no run yet: make bench-run PLAN=$plan first (or set RUN_ID)"
		return 2
	fi
	"$FLOWRUN" slo --prometheus "$PROM_URL" --run-id "$id" "$plan" "$@"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
run) shift; cmd_run "$@" ;;
slo) shift; cmd_slo "$@" ;;
*)
	echo "usage: scripts/bench.sh up|down|status|run PLAN|slo PLAN" >&2
	exit 2
	;;
esac
