#!/usr/bin/env bash
# bench.sh: the local benchmark stack as native processes, and the scenario runs
# against it — the commands behind the quick start of the README:
#
#   make bench-up     scripts/bench.sh up       Toxiproxy (API :8474, its proxies redis
#                                               :26379, materialize :26875, clickhouse
#                                               :29000), Prometheus (:9090) and Grafana
#                                               (:3001) when installed; prints their URLs
#   make backend      scripts/backend.sh run    (another terminal) the stores and the
#                                               fixture backend (:8080), in the foreground
#   make bench-run    scripts/bench.sh run      the four scenario plans one after another
#   make bench-slo    scripts/bench.sh slo      their SLOs again, from Prometheus
#   make bench-down   scripts/bench.sh down     stop all of it, the backend included
#
#   scripts/bench.sh run|slo [PLAN…]  PLAN: a file or a name under plans/; default
#                       $PLANS, else $PLAN, else event-rate widget-count ws-viewers
#                       store-failure. Each run gets its own run id (<plan>-<UTC time>)
#                       and results directory (results/<plan>/<run id>/); both commands
#                       end with one combined summary, and exit with the worst exit code
#                       of the plans (exit_worst).
#   scripts/bench.sh status            what runs, where
#   scripts/bench.sh ports             every port and where it comes from
#
# All on 127.0.0.1. Every port can be changed by an environment variable
# (scripts/lib-bench.sh: GRAFANA_PORT=3002 make bench-up); `up` records them in
# RUNDIR/ports.env and renders toxiproxy/config.json, prometheus/prometheus.yml and
# grafana/provisioning/ into RUNDIR with them. A port in use is reported, not worked
# around. Pid files, logs and that state live in RUNDIR ($BENCH_RUN_DIR, default run/ in
# the build directory); results in $BENCH_RESULTS_DIR (default results/ there).
# docker-compose.bench.yml starts the same services from the same files.
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib-proc.sh
. "$src/scripts/lib-proc.sh" # fr_kill_pid, fr_port_open
# shellcheck source=lib-bench.sh
. "$src/scripts/lib-bench.sh" # fr_bench_run_dir, fr_bench_ports, fr_bench_save_ports
build=$(cd "${top_builddir:-$src}" && pwd)
run=$(fr_bench_run_dir "$build")
results=${BENCH_RESULTS_DIR:-$build/results}
FLOWRUN=${FLOWRUN:-$build/flowrun}
SCENARIOS="event-rate widget-count ws-viewers store-failure"

say() { printf 'bench: %s\n' "$*" >&2; }

fr_bench_ports "$run" || exit 2
TOXIPROXY_URL=http://127.0.0.1:$TOXIPROXY_PORT
PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT
GRAFANA_URL=http://127.0.0.1:$GRAFANA_PORT

# exit_worst A B: the worse of two exit codes, by flowrun's precedence
# (runner/cli/exit.h): 130 (interrupted) over all, then the higher code:
# 4 infrastructure > 3 invalid run > 2 plan or usage > 1 an SLO failed > 0 met.
exit_worst() {
	if [ "$1" = 130 ] || [ "$2" = 130 ]; then
		echo 130
	elif [ "$1" -gt "$2" ]; then
		echo "$1"
	else
		echo "$2"
	fi
}

# pid_of NAME: the recorded pid of NAME when that process still runs.
pid_of() {
	local pid
	pid=$(cat "$run/$1.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# http_ok URL: the URL answers 2xx within a second.
http_ok() {
	curl -fsS -m 1 -o /dev/null -A flowrun-bench "$1" 2>/dev/null
}

# wait_ready NAME CHECK…: up to 20 s for CHECK to succeed while NAME runs.
wait_ready() {
	local name=$1 i
	shift
	for ((i = 0; i < 200; i++)); do
		"$@" && return 0
		pid_of "$name" >/dev/null || break
		sleep 0.1
	done
	say "$name did not become ready; its log ($run/$name.log) ends with:"
	tail -5 "$run/$name.log" >&2
	return 1
}

# start NAME PORT… -- CMD…: starts CMD in the background unless NAME already
# runs; refuses when another process holds one of the PORTs.
start() {
	local name=$1 pid
	shift
	if pid=$(pid_of "$name"); then
		say "$name already running (pid $pid)"
		return 0
	fi
	while [ "$1" != -- ]; do
		if fr_port_open 127.0.0.1 "$1"; then
			say "$name: 127.0.0.1:$1 is already in use by another process; not starting it (stop that process, or choose other ports: scripts/bench.sh ports)"
			return 1
		fi
		shift
	done
	shift
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

# render_configs: toxiproxy/config.json and prometheus/prometheus.yml with this
# stack's ports, into RUNDIR (the same files when every port is the default).
render_configs() {
	local want
	jq --argjson p "{\"redis\": [$REDIS_PROXY_PORT, $REDIS_PORT],
		\"materialize\": [$MATERIALIZE_PROXY_PORT, $MATERIALIZE_PORT],
		\"clickhouse\": [$CLICKHOUSE_PROXY_PORT, $CLICKHOUSE_PORT]}" '
		map(if $p[.name] then .listen = "127.0.0.1:\($p[.name][0])" | .upstream = "127.0.0.1:\($p[.name][1])"
		    else . end)' "$src/toxiproxy/config.json" >"$run/toxiproxy.json" || return 1
	sed -e "s/'127\.0\.0\.1:9464'/'127.0.0.1:$METRICS_PORT'/" -e "s/'127\.0\.0\.1:8080'/'127.0.0.1:$BACKEND_PORT'/" \
		-e "s/'127\.0\.0\.1:8474'/'127.0.0.1:$TOXIPROXY_PORT'/" "$src/prometheus/prometheus.yml" >"$run/prometheus.yml"
	for want in "$METRICS_PORT" "$BACKEND_PORT" "$TOXIPROXY_PORT"; do
		grep -q "targets: \['127.0.0.1:$want'\]" "$run/prometheus.yml" && continue
		say "prometheus/prometheus.yml: no target found to point at port $want (its targets are no longer 127.0.0.1:9464, :8080 and :8474?)"
		return 1
	done
}

up_toxiproxy() {
	local bin p
	if ! bin=$(find_bin toxiproxy-server "$src/.tools/toxiproxy-server" "$src/.tools/server"); then
		say "MISSING toxiproxy-server: run scripts/install-deps.sh (builds it into .tools/)"
		return 1
	fi
	start toxiproxy "$TOXIPROXY_PORT" "$REDIS_PROXY_PORT" "$MATERIALIZE_PROXY_PORT" "$CLICKHOUSE_PROXY_PORT" -- \
		"$bin" -host 127.0.0.1 -port "$TOXIPROXY_PORT" -config "$run/toxiproxy.json" -proxy-metrics &&
		wait_ready toxiproxy http_ok "$TOXIPROXY_URL/version" || return 1
	for p in "$REDIS_PROXY_PORT" "$MATERIALIZE_PROXY_PORT" "$CLICKHOUSE_PROXY_PORT"; do
		wait_ready toxiproxy fr_port_open 127.0.0.1 "$p" || return 1
	done
}

up_prometheus() {
	local bin
	if ! bin=$(find_bin prometheus); then
		say "MISSING prometheus: apt-get install prometheus"
		return 1
	fi
	mkdir -p "$run/prometheus"
	if [ -z "$(pid_of prometheus)" ] && fr_port_open 127.0.0.1 "$PROMETHEUS_PORT"; then
		say "127.0.0.1:$PROMETHEUS_PORT is in use, not by bench.sh (the Debian prometheus service? sudo systemctl stop prometheus, or PROMETHEUS_PORT=9091 make bench-up): it would not scrape flowrun"
		return 1
	fi
	start prometheus "$PROMETHEUS_PORT" -- "$bin" --config.file="$run/prometheus.yml" \
		--storage.tsdb.path="$run/prometheus" --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" &&
		wait_ready prometheus http_ok "$PROMETHEUS_URL/-/ready"
}

# up_grafana: Grafana when grafana-server is installed; sets GRAFANA_STATE to
# its URL or to why it does not run. Grafana is optional: never fails `up`.
up_grafana() {
	local bin home
	if ! bin=$(find_bin grafana-server /usr/sbin/grafana-server); then
		GRAFANA_STATE="not running: grafana-server is not installed (the dashboards are in grafana/provisioning/; with Docker: docker compose -f docker-compose.bench.yml up -d grafana)"
		return 0
	fi
	home=${GRAFANA_HOME:-/usr/share/grafana}
	mkdir -p "$run/grafana"
	rm -rf "$run/grafana/provisioning"
	cp -R "$src/grafana/provisioning" "$run/grafana/provisioning"
	sed -i "s|http://127.0.0.1:9090|$PROMETHEUS_URL|" "$run/grafana/provisioning/datasources/"*.yaml
	if GF_PATHS_PROVISIONING=$run/grafana/provisioning GF_PATHS_DATA=$run/grafana \
		GF_PATHS_LOGS=$run/grafana GF_SERVER_HTTP_ADDR=127.0.0.1 GF_SERVER_HTTP_PORT=$GRAFANA_PORT \
		GF_AUTH_ANONYMOUS_ENABLED=true GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer \
		FLOWRUN_GRAFANA_DASHBOARDS=$src/grafana/provisioning/dashboards \
		start grafana "$GRAFANA_PORT" -- "$bin" --homepath "$home" &&
		wait_ready grafana http_ok "$GRAFANA_URL/api/health"; then
		GRAFANA_STATE=$GRAFANA_URL
	else
		GRAFANA_STATE="not running: it did not start (see above and $run/grafana.log)"
	fi
}

cmd_up() {
	local failed=()
	mkdir -p "$run"
	fr_bench_save_ports "$run"
	render_configs || return 1
	up_toxiproxy || failed+=(toxiproxy-server)
	up_prometheus || failed+=(prometheus)
	up_grafana
	if [ ${#failed[@]} -gt 0 ]; then
		say "not running: ${failed[*]} (see above); 'make bench-down' stops the rest"
		return 1
	fi
	cat <<EOF
The benchmark stack is up:
  Toxiproxy API  $TOXIPROXY_URL  (proxies redis :$REDIS_PROXY_PORT, materialize :$MATERIALIZE_PROXY_PORT, clickhouse :$CLICKHOUSE_PROXY_PORT)
  Prometheus     $PROMETHEUS_URL
  Grafana        $GRAFANA_STATE
Next: make backend (in another terminal; it stays in the foreground), then make bench-run.
EOF
}

# our_ports: every port of the stack and the backend, with its owner.
our_ports() {
	echo "toxiproxy:$TOXIPROXY_PORT prometheus:$PROMETHEUS_PORT grafana:$GRAFANA_PORT" \
		"redis-proxy:$REDIS_PROXY_PORT materialize-proxy:$MATERIALIZE_PROXY_PORT clickhouse-proxy:$CLICKHOUSE_PROXY_PORT" \
		"backend:$BACKEND_PORT redis:$REDIS_PORT materialize:$MATERIALIZE_PORT clickhouse:$CLICKHOUSE_PORT flowrun-metrics:$METRICS_PORT"
}

cmd_down() {
	local f name pid p i open=()
	top_builddir=$build BENCH_RUN_DIR=$run bash "$src/scripts/backend.sh" stop
	for name in grafana prometheus toxiproxy; do
		f=$run/$name.pid
		[ -e "$f" ] || continue
		if pid=$(pid_of "$name"); then
			fr_kill_pid "$pid"
			say "$name stopped (pid $pid)"
		fi
		rm -f "$f"
	done
	for p in $(our_ports); do
		for ((i = 0; i < 50; i++)); do
			fr_port_open 127.0.0.1 "${p#*:}" || continue 2
			sleep 0.1
		done
		open+=("$p")
	done
	rm -f "$run/ports.env"
	if [ ${#open[@]} -gt 0 ]; then
		say "still open, held by processes bench.sh did not start: ${open[*]} (name:port)"
	else
		say "down: no process of the stack left, none of its ports open"
	fi
	return 0
}

cmd_status() {
	local name pid url
	for name in toxiproxy prometheus grafana; do
		case $name in
		toxiproxy) url=$TOXIPROXY_URL ;;
		prometheus) url=$PROMETHEUS_URL ;;
		grafana) url=$GRAFANA_URL ;;
		esac
		if pid=$(pid_of "$name"); then
			printf '%-11s running  pid %-7s %s\n' "$name" "$pid" "$url"
		else
			printf '%-11s stopped\n' "$name"
		fi
	done
	top_builddir=$build BENCH_RUN_DIR=$run bash "$src/scripts/backend.sh" status
	return 0
}

# cmd_ports: every port, its value and where that comes from.
cmd_ports() {
	local kv name from
	for kv in $FR_BENCH_PORTS; do
		name=${kv%%=*}
		from=default
		[ "${!name}" != "${kv#*=}" ] && from="set (default ${kv#*=})"
		printf '%-24s %-6s %s\n' "$name" "${!name}" "$from"
	done
}

# plan_file PLAN: the plan's path, as given (from the build directory) or under
# the source tree, or plans/PLAN.yaml.
plan_file() {
	local c
	for c in "$1" "$src/$1" "$src/plans/$1.yaml"; do
		if [ -f "$c" ]; then
			(cd "$(dirname "$c")" && echo "$PWD/$(basename "$c")")
			return 0
		fi
	done
	say "no plan $1 (neither a file nor plans/$1.yaml)"
	return 1
}

# select_plans ARG…: fills PLAN_FILES from the arguments, $PLANS, $PLAN or the
# four scenarios.
select_plans() {
	local p f want=("$@")
	PLAN_FILES=()
	# shellcheck disable=SC2206 # a list of names, split on purpose
	[ ${#want[@]} -gt 0 ] || want=(${PLANS:-${PLAN:-$SCENARIOS}})
	for p in "${want[@]}"; do
		f=$(plan_file "$p") || return 2
		PLAN_FILES+=("$f")
	done
}

# need_stack: Toxiproxy and Prometheus of `make bench-up` answer, else says
# to run it first (exit 4: infrastructure).
need_stack() {
	local missing=()
	http_ok "$TOXIPROXY_URL/version" || missing+=("Toxiproxy ($TOXIPROXY_URL)")
	http_ok "$PROMETHEUS_URL/-/ready" || missing+=("Prometheus ($PROMETHEUS_URL)")
	[ ${#missing[@]} -eq 0 ] && return 0
	say "the benchmark stack is not up: no ${missing[*]}. Run 'make bench-up' first, then 'make backend' in another terminal."
	return 4
}

# need_backend: the target answers, else says to start it (exit 3: the target is
# unreachable). Warns when the backend reaches its stores around Toxiproxy.
need_backend() {
	if ! http_ok "$FLOWFORGE_URL/healthz"; then
		say "no backend answers at $FLOWFORGE_URL. Run 'make backend' in another terminal first (after 'make bench-up'), and wait for 'FlowForge backend up'."
		return 3
	fi
	if [ "$(cat "$run/flowforge-stores.via" 2>/dev/null)" = direct ]; then
		say "warning: the backend reaches its stores directly, not through Toxiproxy (it started before make bench-up): faults will not reach it; restart make backend"
	fi
	return 0
}

# Rows of the combined summary, one per plan.
ROW_PLAN=() ROW_RC=() ROW_VERDICT=() ROW_MET=() ROW_WHERE=()

# add_row NAME RC OUTCOME WHERE [VERDICT]: a summary row; OUTCOME is flowrun's result
# line ("PASS (9/9 SLOs met)", "FAIL (2 of 9 SLOs failed)", "INVALID (…)") or empty;
# the verdict follows from RC unless given.
add_row() {
	local verdict=${5:-} met=-
	[ -n "$verdict" ] || case $2 in
	0) verdict=PASS ;; 1) verdict=FAIL ;; 2) verdict=PLAN-ERROR ;; 3) verdict=INVALID ;;
	4) verdict=INFRA-ERROR ;; 130) verdict=INTERRUPTED ;; -) verdict=NOT-RUN ;; *) verdict="CRASHED($2)" ;;
	esac
	if [[ $3 =~ ([0-9]+)/([0-9]+)\ SLOs?\ met ]]; then
		met=${BASH_REMATCH[1]}/${BASH_REMATCH[2]}
	elif [[ $3 =~ ([0-9]+)\ of\ ([0-9]+)\ SLOs?\ failed ]]; then
		met=$((BASH_REMATCH[2] - BASH_REMATCH[1]))/${BASH_REMATCH[2]}
	fi
	ROW_PLAN+=("$1") ROW_RC+=("$2") ROW_VERDICT+=("$verdict") ROW_MET+=("$met") ROW_WHERE+=("${4#"$build"/}")
}

# summary TITLE: prints the rows; returns the worst exit code.
summary() {
	local i worst=0
	printf '\n%s\n' "$1"
	printf '  %-16s %-5s %-12s %-9s %s\n' plan exit verdict "SLOs met" reports
	for ((i = 0; i < ${#ROW_PLAN[@]}; i++)); do
		printf '  %-16s %-5s %-12s %-9s %s\n' "${ROW_PLAN[i]}" "${ROW_RC[i]}" "${ROW_VERDICT[i]}" \
			"${ROW_MET[i]}" "${ROW_WHERE[i]}"
		[ "${ROW_RC[i]}" = - ] || worst=$(exit_worst "$worst" "${ROW_RC[i]}")
	done
	if [ ${#ROW_PLAN[@]} = 1 ]; then
		printf 'exit %s: the plan'"'"'s exit code\n' "$worst"
	else
		printf 'exit %s: the worst of the %d plans (4 infrastructure > 3 invalid run > 1 SLO failed > 0 met; 130 interrupted)\n' \
			"$worst" "${#ROW_PLAN[@]}"
	fi
	return "$worst"
}

# record NAME KEY=VALUE…: the last run of plan NAME, for `slo`.
record() {
	local name=$1
	shift
	mkdir -p "$run/last-run"
	printf '%s\n' "$@" >"$run/last-run/$name"
}

# recorded NAME KEY: a value of the last run of plan NAME.
recorded() {
	sed -n "s/^$2=//p" "$run/last-run/$1" 2>/dev/null
}

cmd_run() {
	local f name id dir rc i interrupted=0 scale=${TIME_SCALE:-1}
	select_plans "$@" || return 2
	need_stack || return
	FLOWFORGE_URL=${FLOWFORGE_URL:-http://127.0.0.1:$BACKEND_PORT}
	need_backend || return
	export FLOWFORGE_URL TOXIPROXY_URL PROMETHEUS_URL
	trap 'interrupted=1' INT TERM
	cd "$src" || return 4
	for ((i = 0; i < ${#PLAN_FILES[@]}; i++)); do
		f=${PLAN_FILES[i]}
		name=$(basename "$f" .yaml)
		if [ $interrupted = 1 ]; then
			add_row "$name" - "" "not run (interrupted)"
			continue
		fi
		id=$name-$(date -u +%Y%m%dT%H%M%SZ)
		while [ -e "$results/$name/$id" ]; do id=$id-$i; done
		dir=$results/$name/$id
		mkdir -p "$dir"
		record "$name" "run_id=$id" "time_scale=$scale" "plan=$f" "results=$dir"
		say "plan $((i + 1))/${#PLAN_FILES[@]}: flowrun run ${f#"$src"/} --run-id $id --time-scale $scale (metrics on 127.0.0.1:$METRICS_PORT, results in $dir)"
		# shellcheck disable=SC2086 # BENCH_ARGS: options, split on purpose
		"$FLOWRUN" run "${f#"$src"/}" --run-id "$id" --time-scale "$scale" --out "$dir" \
			--metrics-listen "127.0.0.1:$METRICS_PORT" --metrics-wait 10 ${BENCH_ARGS:-}
		rc=$?
		[ $rc = 130 ] && interrupted=1
		add_row "$name" "$(if [ $interrupted = 1 ]; then echo 130; else echo $rc; fi)" \
			"$(jq -r '.outcome // empty' "$dir/result.json" 2>/dev/null)" "$dir/"
	done
	summary "bench-run: ${#PLAN_FILES[@]} plan(s), time scale $scale"
}

cmd_slo() {
	local f name id dir out rc i scale
	select_plans "$@" || return 2
	if [ -n "${RUN_ID:-}" ] && [ ${#PLAN_FILES[@]} != 1 ]; then
		say "RUN_ID names the run of one plan: choose it with PLAN="
		return 2
	fi
	if ! http_ok "$PROMETHEUS_URL/-/ready"; then
		say "no Prometheus at $PROMETHEUS_URL: run 'make bench-up' first (then 'make backend' in another terminal and 'make bench-run')"
		return 4
	fi
	cd "$src" || return 4
	for ((i = 0; i < ${#PLAN_FILES[@]}; i++)); do
		f=${PLAN_FILES[i]}
		name=$(basename "$f" .yaml)
		id=${RUN_ID:-$(recorded "$name" run_id)}
		if [ -z "$id" ]; then
			say "$name: no run recorded in $run: make bench-run PLAN=${f#"$src"/} first (or set RUN_ID)"
			add_row "$name" 4 "" "make bench-run PLAN=${f#"$src"/}" NO-RUN
			continue
		fi
		scale=$(recorded "$name" time_scale)
		[ "$(recorded "$name" run_id)" = "$id" ] || scale=${TIME_SCALE:-1}
		dir=$(recorded "$name" results)
		[ -n "$dir" ] && [ "$(recorded "$name" run_id)" = "$id" ] || dir=$results/$name/$id
		mkdir -p "$dir"
		out=$dir/slo-prometheus.txt
		say "plan $((i + 1))/${#PLAN_FILES[@]}: flowrun slo --prometheus $PROMETHEUS_URL --run-id $id --time-scale ${scale:-1} ${f#"$src"/}"
		"$FLOWRUN" slo --prometheus "$PROMETHEUS_URL" --run-id "$id" --time-scale "${scale:-1}" "${f#"$src"/}" 2>&1 |
			tee "$out"
		rc=${PIPESTATUS[0]}
		add_row "$name" "$rc" "$(sed -n 's/^result: //p' "$out")" "$out"
	done
	summary "bench-slo: ${#PLAN_FILES[@]} plan(s), SLOs judged from Prometheus ($PROMETHEUS_URL)"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
ports) cmd_ports ;;
run) shift; cmd_run "$@" ;;
slo) shift; cmd_slo "$@" ;;
*)
	echo "usage: scripts/bench.sh up|down|status|ports|run [PLAN…]|slo [PLAN…]" >&2
	exit 2
	;;
esac
