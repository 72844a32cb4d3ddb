# tests/e2e/lib.sh: the shared library of flowrun's end-to-end tests.
#
# Source it first thing in a test (`. "$top_srcdir/tests/e2e/lib.sh"`). It
# makes a temporary directory ($FR_TMP), registers fr_cleanup on EXIT (and on
# INT/TERM), which stops every process started with fr_bg and removes the
# directory. It starts the usual targets on free loopback ports (real
# redis-server, the two flowforge-store stand-ins, flowforge-fixture) and
# prints TAP. Binaries come from $top_builddir; $FLOWRUN is the runner.
# Everything here is general: area-specific helpers belong in their own files.

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
FLOWRUN=${FLOWRUN:-$top_builddir/flowrun}
export top_srcdir top_builddir FLOWRUN

FR_TMP=$(mktemp -d "${TMPDIR:-/tmp}/flowrun-e2e.XXXXXX")
FR_PIDS=()
FR_NAMES=()
FR_CLEANUP_HOOKS=()
FR_TAP_N=0
FR_TAP_FAILED=0

# fr_tmpdir: the test's temporary directory (removed at exit).
fr_tmpdir() {
	echo "$FR_TMP"
}

# fr_on_exit CMD…: run a command during cleanup, before processes are stopped.
fr_on_exit() {
	FR_CLEANUP_HOOKS+=("$*")
}

. "$top_srcdir/scripts/lib-proc.sh" # fr_kill_pid

# fr_cleanup: hooks, then every fr_bg process (newest first), then $FR_TMP.
fr_cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = 0; i < ${#FR_CLEANUP_HOOKS[@]}; i++)); do
		eval "${FR_CLEANUP_HOOKS[i]}" >/dev/null 2>&1
	done
	for ((i = ${#FR_PIDS[@]} - 1; i >= 0; i--)); do
		[ -n "${FR_PIDS[i]}" ] && fr_kill_pid "${FR_PIDS[i]}"
	done
	if [ -n "${FR_KEEP_TMP:-}" ]; then
		echo "# kept $FR_TMP" >&2
	else
		rm -rf "$FR_TMP"
	fi
	exit "$rc"
}
trap fr_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# fr_bg NAME CMD…: start CMD in the background, output appended to
# $FR_TMP/NAME.log; sets FR_LAST_PID. Call it directly, not in $(…), so the
# pid is remembered.
fr_bg() {
	local name=$1
	shift
	"$@" >>"$FR_TMP/$name.log" 2>&1 &
	FR_LAST_PID=$!
	FR_PIDS+=("$FR_LAST_PID")
	FR_NAMES+=("$name")
	echo "$FR_LAST_PID" >"$FR_TMP/$name.pid"
}

# fr_stop NAME: stop the process fr_bg started under NAME (and forget it).
fr_stop() {
	local i
	for ((i = 0; i < ${#FR_NAMES[@]}; i++)); do
		if [ "${FR_NAMES[i]}" = "$1" ] && [ -n "${FR_PIDS[i]}" ]; then
			fr_kill_pid "${FR_PIDS[i]}"
			FR_PIDS[i]=
		fi
	done
}

# fr_log NAME: print the log of a background process (for diagnostics).
fr_log() {
	cat "$FR_TMP/$1.log" 2>/dev/null
}

# fr_free_port: a loopback TCP port nobody listens on (never the same twice
# in one test).
fr_free_port() {
	local port
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		if ! grep -qx "$port" "$FR_TMP/.ports" 2>/dev/null; then
			echo "$port" >>"$FR_TMP/.ports"
			echo "$port"
			return 0
		fi
	done
	return 1
}

# fr_port_open HOST PORT: does something accept connections there?
fr_port_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# fr_wait_port HOST PORT TIMEOUT: wait (seconds, decimals allowed) until the
# port accepts connections; 1 on timeout.
fr_wait_port() {
	local n i
	n=$(awk -v t="$3" 'BEGIN { print int(t * 20) + 1 }')
	for ((i = 0; i < n; i++)); do
		fr_port_open "$1" "$2" && return 0
		sleep 0.05
	done
	return 1
}

# fr_wait_listen PID HOST PORT TIMEOUT: wait until PORT accepts connections
# and PID still runs 30 ms later (if another program took the port meanwhile,
# PID fails to bind and exits); 1 if PID exits, or on timeout.
fr_wait_listen() {
	local n i
	n=$(awk -v t="$4" 'BEGIN { print int(t * 50) + 1 }')
	for ((i = 0; i < n; i++)); do
		kill -0 "$1" 2>/dev/null || return 1
		if fr_port_open "$2" "$3"; then
			sleep 0.03
			kill -0 "$1" 2>/dev/null
			return
		fi
		sleep 0.02
	done
	return 1
}

# fr_start_redis: a real redis-server without persistence on a free port;
# sets FR_REDIS_PORT. Free ports can be taken by another program between
# fr_free_port and the bind, so this (like the other fr_start_*) tries up to
# three ports.
fr_start_redis() {
	local try
	for try in 1 2 3; do
		FR_REDIS_PORT=$(fr_free_port)
		fr_bg redis redis-server --port "$FR_REDIS_PORT" --bind 127.0.0.1 --save "" \
			--appendonly no --daemonize no --dir "$FR_TMP"
		fr_wait_listen "$FR_LAST_PID" 127.0.0.1 "$FR_REDIS_PORT" 10 && { export FR_REDIS_PORT; return 0; }
		fr_kill_pid "$FR_LAST_PID"
	done
	echo "# redis-server did not start:" >&2
	fr_log redis >&2
	return 1
}

# fr_start_store NAME PORT SERVICE-TIME: one flowforge-store stand-in on PORT.
fr_start_store() {
	fr_bg "$1" "$top_builddir/flowforge-store" --listen "127.0.0.1:$2" --name "$1" \
		--service-time "$3" --quiet
	fr_wait_listen "$FR_LAST_PID" 127.0.0.1 "$2" 10 && return 0
	fr_kill_pid "$FR_LAST_PID"
	return 1
}

# fr_start_store_free NAME VAR SERVICE-TIME: a stand-in on a free port, whose
# number goes into the variable VAR (exported).
fr_start_store_free() {
	local try port
	for try in 1 2 3; do
		port=$(fr_free_port)
		if fr_start_store "$1" "$port" "$3"; then
			printf -v "$2" '%s' "$port"
			export "${2?}"
			return 0
		fi
	done
	echo "# flowforge-store $1 did not start:" >&2
	fr_log "$1" >&2
	return 1
}

# fr_start_stores: the Materialize and ClickHouse stand-ins on free ports
# (service times $FR_MATERIALIZE_SERVICE_TIME, default 2ms, and
# $FR_CLICKHOUSE_SERVICE_TIME, default 10ms); sets FR_MATERIALIZE_PORT and
# FR_CLICKHOUSE_PORT.
fr_start_stores() {
	fr_start_store_free materialize FR_MATERIALIZE_PORT "${FR_MATERIALIZE_SERVICE_TIME:-2ms}" &&
		fr_start_store_free clickhouse FR_CLICKHOUSE_PORT "${FR_CLICKHOUSE_SERVICE_TIME:-10ms}"
}

# fr_wait_stores_up: up to 5 s until /healthz of $FR_FIXTURE_URL says "up"
# for every store whose FR_*_PORT is set.
fr_wait_stores_up() {
	local want=() i h w ok
	[ -n "${FR_REDIS_PORT:-}" ] && want+=('"redis":"up"')
	[ -n "${FR_MATERIALIZE_PORT:-}" ] && want+=('"materialize":"up"')
	[ -n "${FR_CLICKHOUSE_PORT:-}" ] && want+=('"clickhouse":"up"')
	for ((i = 0; i < 100; i++)); do
		h=$(curl -fs --max-time 1 "$FR_FIXTURE_URL/healthz")
		ok=1
		for w in "${want[@]}"; do
			[[ $h == *"$w"* ]] || ok=0
		done
		[ $ok = 1 ] && return 0
		sleep 0.05
	done
	return 1
}

# fr_start_fixture [ARGS…]: flowforge-fixture on a free port, pointed at
# $FR_REDIS_PORT, $FR_MATERIALIZE_PORT and $FR_CLICKHOUSE_PORT (closed ports
# if unset; a later --redis etc. in ARGS overrides, e.g. a Toxiproxy
# listener). Sets FR_FIXTURE_PORT, FR_FIXTURE_URL and FR_FIXTURE_PID, waits
# until it listens, then (unless FR_FIXTURE_WAIT_OK=0) up to 5 s until every
# store whose FR_*_PORT is set is up. The fr_bg name is $FR_FIXTURE_NAME
# (default fixture): give a second instance another name, so that each keeps
# its own log.
fr_start_fixture() {
	local name=${FR_FIXTURE_NAME:-fixture} try
	for try in 1 2 3; do
		FR_FIXTURE_PORT=$(fr_free_port)
		FR_FIXTURE_URL=http://127.0.0.1:$FR_FIXTURE_PORT
		export FR_FIXTURE_PORT FR_FIXTURE_URL
		fr_bg "$name" "$top_builddir/flowforge-fixture" --listen "127.0.0.1:$FR_FIXTURE_PORT" \
			--redis "127.0.0.1:${FR_REDIS_PORT:-1}" \
			--materialize "127.0.0.1:${FR_MATERIALIZE_PORT:-1}" \
			--clickhouse "127.0.0.1:${FR_CLICKHOUSE_PORT:-1}" --quiet "$@"
		FR_FIXTURE_PID=$FR_LAST_PID
		if fr_wait_listen "$FR_FIXTURE_PID" 127.0.0.1 "$FR_FIXTURE_PORT" 10; then
			[ "${FR_FIXTURE_WAIT_OK:-1}" = 0 ] || fr_wait_stores_up
			return 0
		fi
		fr_kill_pid "$FR_FIXTURE_PID"
	done
	echo "# flowforge-fixture did not start:" >&2
	fr_log "$name" >&2
	return 1
}

# fr_token [USER] [PASSWORD]: log in to the fixture and print the token.
fr_token() {
	curl -fs --max-time 5 -X POST -H 'Content-Type: application/json' \
		-d "{\"user\":\"${1:-bench}\",\"password\":\"${2:-bench}\"}" \
		"$FR_FIXTURE_URL/api/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# tap_plan N: the TAP plan line.
tap_plan() {
	echo "1..$1"
}

# tap_ok STATUS NAME: "ok" when STATUS is 0 (e.g. `tap_ok $? "name"`).
tap_ok() {
	FR_TAP_N=$((FR_TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $FR_TAP_N - $2"
	else
		echo "not ok $FR_TAP_N - $2"
		FR_TAP_FAILED=$((FR_TAP_FAILED + 1))
	fi
}

# tap_is GOT WANT NAME: exact comparison, with a diff on failure.
tap_is() {
	if [ "$1" = "$2" ]; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed -e '1s/^.*$/# --- want/' -e '2s/^.*$/# +++ got/' -e '3,$s/^/# /'
	fi
}

# tap_like GOT ERE NAME: GOT matches the extended regular expression.
tap_like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		echo "# got: $1"
		echo "# want match: $2"
	fi
}

# tap_skip NAME REASON: a skipped test point.
tap_skip() {
	FR_TAP_N=$((FR_TAP_N + 1))
	echo "ok $FR_TAP_N - $1 # SKIP $2"
}
