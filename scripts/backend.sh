#!/usr/bin/env bash
# backend.sh: the FlowForge-like backend as native processes: redis-server
# ($REDIS_PORT, 6379), the Materialize and ClickHouse stand-ins (flowforge-store,
# $MATERIALIZE_PORT 6875 and $CLICKHOUSE_PORT 9000) and flowforge-fixture
# ($BACKEND_PORT, 8080); every port as in scripts/lib-bench.sh.
#
#   scripts/backend.sh run [RUNDIR]     the stores in the background and the fixture
#                                       in the foreground until ^C, SIGTERM or
#                                       `backend.sh stop` (then all of them stop);
#                                       `make backend`, and what a bare `backend.sh` does
#   scripts/backend.sh start [RUNDIR]   all of them in the background (`make backend-start`)
#   scripts/backend.sh stop [RUNDIR]    stop what start/run started, a foreground
#                                       `run` included (`make bench-down` calls it)
#   scripts/backend.sh status [RUNDIR]  what runs, where
#
# Pid files and logs are RUNDIR/flowforge-*.{pid,log} (RUNDIR: $BENCH_RUN_DIR, else
# run/ in $top_builddir, default the current directory). A port already in use is
# refused with a clear message, except the Redis port when a Redis answers there:
# that Redis is used. When the Toxiproxy of `make bench-up` answers on
# $TOXIPROXY_PORT with its proxies redis, materialize and clickhouse listening, the
# fixture reaches its stores through them (STORES_VIA=toxiproxy|direct|auto, default
# auto), so that faults injected there reach the fixture; RUNDIR/flowforge-stores.via
# says which. Binaries come from $top_builddir, else from PATH. Extra fixture flags:
# FIXTURE_ARGS="--service-time 1ms".
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib-proc.sh
. "$src/scripts/lib-proc.sh"  # fr_kill_pid, fr_port_open
# shellcheck source=lib-bench.sh
. "$src/scripts/lib-bench.sh" # fr_bench_run_dir, fr_bench_ports
build=${top_builddir:-$PWD}
cmd=${1:-run}
run=${2:-$(fr_bench_run_dir "$build")}
NAMES="fixture clickhouse materialize redis"

say() { printf 'backend: %s\n' "$*" >&2; }

fr_bench_ports "$run" || exit 2

# is_redis PORT: does a Redis answer PING there?
is_redis() {
	{ exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
	printf 'PING\r\n' >&3
	local line
	read -r -t 2 line <&3
	exec 3<&-
	[ "${line%$'\r'}" = "+PONG" ]
}

# pid_of NAME: the recorded pid of flowforge-NAME while it still runs.
pid_of() {
	local pid
	pid=$(cat "$run/flowforge-$1.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# find_bin NAME: NAME in the build directory, else on PATH.
find_bin() {
	if [ -x "$build/$1" ]; then
		echo "$build/$1"
	elif command -v "$1" >/dev/null; then
		command -v "$1"
	else
		say "cannot find $1 in $build or on PATH: build it first (make $1)"
		return 1
	fi
}

# wait_port PID PORT: up to 10 s until PORT accepts while PID runs.
wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		fr_port_open 127.0.0.1 "$2" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# launch NAME PORT CMD…: start CMD in the background unless NAME runs
# already; refuse when another process holds PORT; wait until PORT accepts.
launch() {
	local name=$1 port=$2 pid
	shift 2
	if pid=$(pid_of "$name"); then
		say "$name already running (pid $pid)"
		return 0
	fi
	if fr_port_open 127.0.0.1 "$port"; then
		say "cannot start $name: 127.0.0.1:$port is already in use by another process (stop it, or 'scripts/backend.sh stop')"
		return 1
	fi
	nohup "$@" >"$run/flowforge-$name.log" 2>&1 </dev/null &
	echo $! >"$run/flowforge-$name.pid"
	if wait_port $! "$port"; then
		say "$name started on 127.0.0.1:$port (pid $!)"
		return 0
	fi
	say "$name did not start; its log $run/flowforge-$name.log ends with:"
	tail -5 "$run/flowforge-$name.log" >&2
	return 1
}

# start_redis: a Redis without persistence, or the one already there.
start_redis() {
	if [ -z "$(pid_of redis)" ] && fr_port_open 127.0.0.1 "$REDIS_PORT"; then
		if is_redis "$REDIS_PORT"; then
			say "a Redis already answers on 127.0.0.1:$REDIS_PORT: using it"
			return 0
		fi
		say "cannot start redis: 127.0.0.1:$REDIS_PORT is in use by something that is not Redis"
		return 1
	fi
	command -v redis-server >/dev/null || { say "redis-server is not installed (apt-get install redis-server)"; return 1; }
	launch redis "$REDIS_PORT" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" \
		--appendonly no --daemonize no --dir "$run"
}

# store_args: the fixture's --redis/--materialize/--clickhouse flags, through the
# Toxiproxy proxies (their listen addresses asked from its API) or directly.
store_args() {
	local via=${STORES_VIA:-auto} s addr proxies ok=0 try
	local -A direct=([redis]=$REDIS_PORT [materialize]=$MATERIALIZE_PORT [clickhouse]=$CLICKHOUSE_PORT)
	local -A listen=()
	# STORES_VIA=toxiproxy waits up to 15 s for them (docker compose starts all at once).
	for ((try = 0; try < 30; try++)); do
		[ "$via" = direct ] && break
		ok=1
		proxies=$(curl -fsS -m 2 -A flowrun-backend "http://127.0.0.1:$TOXIPROXY_PORT/proxies" 2>/dev/null)
		for s in redis materialize clickhouse; do
			addr=$(jq -r --arg n "$s" --arg up "127.0.0.1:${direct[$s]}" \
				'.[$n] | select(. != null and .enabled and .upstream == $up) | .listen' <<<"$proxies" 2>/dev/null)
			if [ -n "$addr" ] && fr_port_open "${addr%:*}" "${addr##*:}"; then
				listen[$s]=$addr
			else
				ok=0
			fi
		done
		[ $ok = 1 ] || [ "$via" = auto ] && break
		sleep 0.5
	done
	if [ "$via" != direct ]; then
		if [ $ok = 1 ]; then
			via=toxiproxy
		elif [ "$via" = toxiproxy ]; then
			say "STORES_VIA=toxiproxy, but the Toxiproxy on 127.0.0.1:$TOXIPROXY_PORT has no enabled proxies redis, materialize and clickhouse in front of the ports $REDIS_PORT, $MATERIALIZE_PORT and $CLICKHOUSE_PORT (make bench-up starts them)"
			return 1
		else
			via=direct
		fi
	fi
	for s in redis materialize clickhouse; do
		addr=127.0.0.1:${direct[$s]}
		[ "$via" = toxiproxy ] && addr=${listen[$s]}
		printf -- '--%s %s ' "$s" "$addr"
	done
	echo "$via" >"$run/flowforge-stores.via"
	if [ "$via" = toxiproxy ]; then
		say "stores reached through the Toxiproxy proxies of 127.0.0.1:$TOXIPROXY_PORT (redis ${listen[redis]}, materialize ${listen[materialize]}, clickhouse ${listen[clickhouse]})"
	else
		say "stores reached directly: no Toxiproxy proxies on 127.0.0.1:$TOXIPROXY_PORT, so injected faults will not reach them (run make bench-up first, then restart the backend)"
	fi
}

# start_all: every process but the fixture, then the fixture's command line
# into FIXTURE_CMD.
start_all() {
	local store fixture args
	mkdir -p "$run"
	store=$(find_bin flowforge-store) && fixture=$(find_bin flowforge-fixture) || return 1
	start_redis || return 1
	launch materialize "$MATERIALIZE_PORT" "$store" --listen "127.0.0.1:$MATERIALIZE_PORT" \
		--name materialize --service-time "${MATERIALIZE_SERVICE_TIME:-2ms}" || return 1
	launch clickhouse "$CLICKHOUSE_PORT" "$store" --listen "127.0.0.1:$CLICKHOUSE_PORT" \
		--name clickhouse --service-time "${CLICKHOUSE_SERVICE_TIME:-20ms}" || return 1
	args=$(store_args) || return 1
	# shellcheck disable=SC2206 # flags split on purpose
	FIXTURE_CMD=("$fixture" --listen "127.0.0.1:$BACKEND_PORT" $args ${FIXTURE_ARGS:-})
}

# stop_one NAME: TERM (then KILL after 5 s) the recorded process.
stop_one() {
	local pid
	if pid=$(pid_of "$1"); then
		fr_kill_pid "$pid"
		say "$1 stopped (pid $pid)"
	fi
	rm -f "$run/flowforge-$1.pid"
}

cmd_start() {
	start_all || { cmd_stop; return 1; }
	launch fixture "$BACKEND_PORT" "${FIXTURE_CMD[@]}" || { cmd_stop; return 1; }
	say "FlowForge backend up: http://127.0.0.1:$BACKEND_PORT (logs in $run)"
}

# cmd_run: the fixture in the foreground; this shell's pid is recorded as
# flowforge-backend so that `stop` (make bench-down) can end it from elsewhere.
cmd_run() {
	local fx='' rc stopping=0 pid
	if pid=$(pid_of backend); then
		say "a backend already runs in the foreground (pid $pid): stop it with ^C there, or make bench-down"
		return 1
	fi
	trap 'stopping=1; [ -n "$fx" ] && kill -TERM $fx 2>/dev/null' TERM INT HUP
	mkdir -p "$run" && echo $$ >"$run/flowforge-backend.pid"
	start_all || { cmd_stop; return 1; }
	if fr_port_open 127.0.0.1 "$BACKEND_PORT"; then
		say "cannot start fixture: 127.0.0.1:$BACKEND_PORT is already in use by another process"
		cmd_stop
		return 1
	fi
	[ $stopping = 1 ] && { cmd_stop; return 0; }
	"${FIXTURE_CMD[@]}" &
	fx=$!
	echo $fx >"$run/flowforge-fixture.pid"
	if wait_port $fx "$BACKEND_PORT"; then
		say "FlowForge backend up: http://127.0.0.1:$BACKEND_PORT, in the foreground: ^C (or make bench-down) stops it and its stores"
	fi
	wait $fx
	rc=$?
	wait $fx 2>/dev/null
	cmd_stop
	if [ $stopping = 0 ] && [ $rc != 0 ]; then
		say "the fixture exited with status $rc (its output is above)"
		return $rc
	fi
	return 0
}

cmd_stop() {
	local n pid
	# A foreground `run` elsewhere: TERM makes it stop its fixture and stores itself.
	if pid=$(pid_of backend) && [ "$pid" != $$ ]; then
		fr_kill_pid "$pid"
		say "foreground backend stopped (pid $pid)"
	fi
	rm -f "$run/flowforge-backend.pid" "$run/flowforge-stores.via"
	for n in $NAMES; do
		stop_one "$n"
	done
	return 0
}

cmd_status() {
	local n pid port
	for n in redis materialize clickhouse fixture; do
		case $n in
		redis) port=$REDIS_PORT ;; materialize) port=$MATERIALIZE_PORT ;;
		clickhouse) port=$CLICKHOUSE_PORT ;; fixture) port=$BACKEND_PORT ;;
		esac
		if pid=$(pid_of "$n"); then
			printf '%-12s running  pid %-7s 127.0.0.1:%s\n' "$n" "$pid" "$port"
		elif fr_port_open 127.0.0.1 "$port"; then
			printf '%-12s not ours 127.0.0.1:%s is in use by another process\n' "$n" "$port"
		else
			printf '%-12s stopped\n' "$n"
		fi
	done
	if [ -f "$run/flowforge-stores.via" ]; then
		printf 'stores via   %s\n' "$(cat "$run/flowforge-stores.via")"
	fi
	if fr_port_open 127.0.0.1 "$BACKEND_PORT"; then
		printf 'healthz      %s\n' "$(curl -s -m 2 "http://127.0.0.1:$BACKEND_PORT/healthz")"
	fi
}

case $cmd in
start) cmd_start ;;
run) cmd_run ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
	echo "usage: scripts/backend.sh run|start|stop|status [RUNDIR]" >&2
	exit 2
	;;
esac
