# shellcheck shell=bash
# lib-bench.sh: the settings of the local benchmark stack, shared by scripts/bench.sh
# and scripts/backend.sh — every port it uses and the run directory.
#
# Each port has a fixed default (the one users expect, and the one
# toxiproxy/config.json, prometheus/prometheus.yml, docker-compose.bench.yml and the
# README say) and an environment variable that overrides it. `make bench-up` records
# the ports it used in RUNDIR/ports.env, so that `make backend`, `make bench-run` and
# the rest, typed later in another terminal without those variables, find the same
# services. Precedence: the environment, then RUNDIR/ports.env, then the default.

# NAME=DEFAULT, one per port; `scripts/bench.sh ports` prints them.
FR_BENCH_PORTS="TOXIPROXY_PORT=8474 PROMETHEUS_PORT=9090 GRAFANA_PORT=3001 METRICS_PORT=9464
BACKEND_PORT=8080 REDIS_PORT=6379 MATERIALIZE_PORT=6875 CLICKHOUSE_PORT=9000
REDIS_PROXY_PORT=26379 MATERIALIZE_PROXY_PORT=26875 CLICKHOUSE_PROXY_PORT=29000"

# fr_bench_run_dir BUILD: the run directory (pid files, logs, ports.env, rendered
# configuration, the last run of each plan): $BENCH_RUN_DIR, else BUILD/run.
fr_bench_run_dir() {
	echo "${BENCH_RUN_DIR:-$1/run}"
}

# fr_bench_ports RUNDIR: sets every port variable by the precedence above; prints
# why and returns 2 when one is not a port number (e.g. REDIS_PORT=tcp://… left by
# a Docker link).
fr_bench_ports() {
	local kv name saved
	for kv in $FR_BENCH_PORTS; do
		name=${kv%%=*}
		if [ -z "${!name:-}" ]; then
			saved=$(sed -n "s/^$name=//p" "$1/ports.env" 2>/dev/null)
			printf -v "$name" '%s' "${saved:-${kv#*=}}"
		fi
		if ! [[ ${!name} =~ ^[0-9]{1,5}$ ]] || [ "${!name}" -lt 1 ] || [ "${!name}" -gt 65535 ]; then
			echo "$name=${!name} is not a port number (1-65535)" >&2
			return 2
		fi
	done
}

# fr_bench_save_ports RUNDIR: records the ports in use for the commands that follow.
fr_bench_save_ports() {
	local kv name
	for kv in $FR_BENCH_PORTS; do
		name=${kv%%=*}
		echo "$name=${!name}"
	done >"$1/ports.env"
}
