# shellcheck shell=bash disable=SC2154 # top_builddir: set by lib.sh
# tests/e2e/lib-backend.sh: the FlowForge backend on free loopback ports — a real
# redis-server, the Materialize and ClickHouse stand-ins (flowforge-store) and
# flowforge-fixture, all from $top_builddir. Source after lib.sh; what starts here
# stops at exit. (scripts/backend.sh starts the same on their fixed ports.)

# fr_start_redis: a real redis-server without persistence on a free port;
# sets FR_REDIS_PORT. Like every fr_start_*, it tries up to three free ports, in
# case another program takes one between fr_free_port and the bind.
fr_start_redis() {
	local _
	for _ in 1 2 3; do
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
	local _ port
	for _ in 1 2 3; do
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
# shellcheck disable=SC2120 # the arguments are optional
fr_start_fixture() {
	local name=${FR_FIXTURE_NAME:-fixture} _
	for _ in 1 2 3; do
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

# fr_start_backend [FIXTURE ARGS…]: redis-server, both stand-ins and the fixture
# connected to them.
# shellcheck disable=SC2120 # the fixture arguments are optional
fr_start_backend() {
	fr_start_redis && fr_start_stores && fr_start_fixture "$@"
}

# fr_token [USER] [PASSWORD]: log in to the fixture and print the token.
# shellcheck disable=SC2120 # the default test user
fr_token() {
	curl -fs --max-time 5 -X POST -H 'Content-Type: application/json' \
		-d "{\"user\":\"${1:-bench}\",\"password\":\"${2:-bench}\"}" \
		"$FR_FIXTURE_URL/api/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# fr_fixture_target: the target and auth sections of a plan against the fixture
# started by fr_start_fixture (base URL, 2 s timeout, the bench user's bearer token).
fr_fixture_target() {
	cat <<EOF2
target:
  base_url: $FR_FIXTURE_URL
  timeout: 2s
auth:
  request: { method: POST, path: /api/auth/login, json: { user: bench, password: bench } }
  capture: { token: { json: \$.token } }
  headers: { Authorization: "Bearer \${token}" }
EOF2
}
