#!/usr/bin/env bash
# backend.sh: the FlowForge-like backend as native processes on its default
# ports: redis-server (6379), the Materialize and ClickHouse stand-ins
# (flowforge-store, 6875 and 9000) and flowforge-fixture (8080).
#
#   scripts/backend.sh start [RUNDIR]   start them in the background
#   scripts/backend.sh run [RUNDIR]     the same, with the fixture in the
#                                       foreground (stops all on SIGTERM/^C);
#                                       also what a bare `backend.sh` does
#   scripts/backend.sh stop [RUNDIR]    stop what start/run started
#   scripts/backend.sh status [RUNDIR]  what runs, where
#
# Pid files and logs are RUNDIR/flowforge-*.{pid,log} (RUNDIR: ./run). A port
# already in use is refused with a clear message, except 6379 when a Redis
# answers there (scripts/bench.sh starts one): that Redis is used. When the
# Toxiproxy listeners of toxiproxy/config.json accept connections, the fixture
# reaches its stores through them (STORES_VIA=toxiproxy|direct|auto, default
# auto), so that faults injected there reach the fixture. Binaries come from
# $top_builddir (default: the current directory), else from PATH. Extra
# fixture flags: FIXTURE_ARGS="--service-time 1ms".
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib-proc.sh" # fr_kill_pid, fr_port_open
build=${top_builddir:-$PWD}
cmd=${1:-run}
run=${2:-./run}
REDIS_PORT=6379
MATERIALIZE_PORT=6875
CLICKHOUSE_PORT=9000
FIXTURE_PORT=8080
NAMES="fixture clickhouse materialize redis"

say() { printf 'backend: %s\n' "$*" >&2; }


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

# launch NAME PORT CMD…: start CMD in the background unless NAME runs
# already; refuse when another process holds PORT; wait until PORT accepts.
launch() {
	local name=$1 port=$2 pid i
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
	for ((i = 0; i < 100; i++)); do
		fr_port_open 127.0.0.1 "$port" && { say "$name started on 127.0.0.1:$port (pid $!)"; return 0; }
		kill -0 $! 2>/dev/null || break
		sleep 0.1
	done
	say "$name did not start; its log $run/flowforge-$name.log ends with:"
	tail -5 "$run/flowforge-$name.log" >&2
	return 1
}

# start_redis: a Redis on 6379 without persistence, or the one already there.
start_redis() {
	if [ -z "$(pid_of redis)" ] && fr_port_open 127.0.0.1 $REDIS_PORT; then
		if is_redis $REDIS_PORT; then
			say "a Redis already answers on 127.0.0.1:$REDIS_PORT: using it"
			return 0
		fi
		say "cannot start redis: 127.0.0.1:$REDIS_PORT is in use by something that is not Redis"
		return 1
	fi
	command -v redis-server >/dev/null || { say "redis-server is not installed (apt-get install redis-server)"; return 1; }
	launch redis $REDIS_PORT redis-server --port $REDIS_PORT --bind 127.0.0.1 --save "" \
		--appendonly no --daemonize no --dir "$run"
}

# proxy_listen NAME: the listen address of a Toxiproxy proxy in config.json.
proxy_listen() {
	python3 -c 'import json,sys
for p in json.load(open(sys.argv[1])):
    if p["name"] == sys.argv[2]: print(p["listen"])' "$src/toxiproxy/config.json" "$1" 2>/dev/null
}

# store_args: the fixture's --redis/--materialize/--clickhouse flags.
store_args() {
	local via=${STORES_VIA:-auto} s addr ok=1
	local -A direct=([redis]=$REDIS_PORT [materialize]=$MATERIALIZE_PORT [clickhouse]=$CLICKHOUSE_PORT)
	if [ "$via" = auto ]; then
		for s in redis materialize clickhouse; do
			addr=$(proxy_listen $s)
			[ -n "$addr" ] && fr_port_open 127.0.0.1 "${addr##*:}" || ok=0
		done
		[ $ok = 1 ] && via=toxiproxy || via=direct
	fi
	for s in redis materialize clickhouse; do
		addr=127.0.0.1:${direct[$s]}
		[ "$via" = toxiproxy ] && addr=$(proxy_listen $s)
		printf -- '--%s %s ' "$s" "$addr"
	done
	say "stores reached $([ "$via" = toxiproxy ] && echo "through the Toxiproxy listeners" || echo directly)"
}

# start_all: every process but the fixture, then the fixture's command line
# into FIXTURE_CMD.
start_all() {
	local store fixture
	mkdir -p "$run"
	store=$(find_bin flowforge-store) && fixture=$(find_bin flowforge-fixture) || return 1
	start_redis || return 1
	launch materialize $MATERIALIZE_PORT "$store" --listen 127.0.0.1:$MATERIALIZE_PORT \
		--name materialize --service-time "${MATERIALIZE_SERVICE_TIME:-2ms}" || return 1
	launch clickhouse $CLICKHOUSE_PORT "$store" --listen 127.0.0.1:$CLICKHOUSE_PORT \
		--name clickhouse --service-time "${CLICKHOUSE_SERVICE_TIME:-20ms}" || return 1
	# shellcheck disable=SC2206,SC2207 # flags split on purpose
	FIXTURE_CMD=("$fixture" --listen 127.0.0.1:$FIXTURE_PORT $(store_args) ${FIXTURE_ARGS:-})
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
	launch fixture $FIXTURE_PORT "${FIXTURE_CMD[@]}" || { cmd_stop; return 1; }
	say "FlowForge backend up: http://127.0.0.1:$FIXTURE_PORT (logs in $run)"
}

cmd_run() {
	start_all || { cmd_stop; return 1; }
	if fr_port_open 127.0.0.1 $FIXTURE_PORT; then
		say "cannot start fixture: 127.0.0.1:$FIXTURE_PORT is already in use by another process"
		cmd_stop
		return 1
	fi
	trap 'kill -TERM $fx 2>/dev/null' TERM INT
	"${FIXTURE_CMD[@]}" &
	fx=$!
	echo $fx >"$run/flowforge-fixture.pid"
	wait $fx
	wait $fx 2>/dev/null
	cmd_stop
}

cmd_stop() {
	local n
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
		clickhouse) port=$CLICKHOUSE_PORT ;; fixture) port=$FIXTURE_PORT ;;
		esac
		if pid=$(pid_of "$n"); then
			printf '%-12s running  pid %-7s 127.0.0.1:%s\n' "$n" "$pid" "$port"
		elif fr_port_open 127.0.0.1 "$port"; then
			printf '%-12s not ours 127.0.0.1:%s is in use by another process\n' "$n" "$port"
		else
			printf '%-12s stopped\n' "$n"
		fi
	done
	if fr_port_open 127.0.0.1 $FIXTURE_PORT; then
		printf 'healthz      %s\n' "$(curl -s -m 2 http://127.0.0.1:$FIXTURE_PORT/healthz)"
	fi
}

case $cmd in
start) cmd_start ;;
run) cmd_run ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
	echo "usage: scripts/backend.sh start|run|stop|status [RUNDIR]" >&2
	exit 2
	;;
esac
