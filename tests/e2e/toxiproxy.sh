#!/bin/bash
# toxiproxy.sh: runs tests/server/test-toxiproxy (the client) and then
# tests/server/test-faults (the fault executor) against a real toxiproxy-server.
#
# Starts a redis-server and toxiproxy-server (config: toxiproxy/config.json
# with free ports, redis's upstream pointed at that redis) on loopback, hands
# their addresses to the test programs in FR_* variables and passes their TAP
# output through as one stream (numbered on, one plan at the end). A second
# config is prepared for the executor test's own second server (which it
# kills and restarts). Everything stops on exit.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/e2e/lib-toxiproxy.sh"

# Missing tools skip the test on a developer's machine; with
# FLOWRUN_REQUIRE_ALL=1 (CI, ./quickstart test) they are a failure.
missing() {
	if [ "${FLOWRUN_REQUIRE_ALL:-0}" = 1 ] || [ -n "${CI:-}" ]; then
		echo "1..1"
		echo "not ok 1 - $1 not installed (scripts/install-deps.sh installs it), and FLOWRUN_REQUIRE_ALL=1 or CI is set"
		exit 1
	fi
	echo "1..0 # SKIP $1 not found"
	exit 0
}
server=$(tx_server_bin) || missing toxiproxy-server
command -v redis-server >/dev/null || missing redis-server
command -v redis-cli >/dev/null || missing redis-cli
command -v jq >/dev/null || missing jq
for t in test-toxiproxy test-faults; do
	[ -x "$top_builddir/tests/server/$t" ] || { echo "Bail out! tests/server/$t is not built"; exit 1; }
done

tmp=$(mktemp -d)
TX_PORTS="$tmp/.ports"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

redis_port=$(tx_free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
	--daemonize no >"$tmp/redis.log" 2>&1 &
pids+=($!)

api=$(tx_free_port)
dead=$(tx_free_port)
tx_config "$top_srcdir/toxiproxy/config.json" "$tmp/config.json" \
	"$(tx_free_port)" "$(tx_free_port)" "$(tx_free_port)" "$redis_port"
redis_listen=$(jq -r '.[] | select(.name == "redis") | .listen | split(":")[1]' "$tmp/config.json")
api2=$(tx_free_port)
tx_config "$top_srcdir/toxiproxy/config.json" "$tmp/config2.json" \
	"$(tx_free_port)" "$(tx_free_port)" "$(tx_free_port)" "$redis_port"

"$server" -host 127.0.0.1 -port "$api" -config "$tmp/config.json" >"$tmp/toxiproxy.log" 2>&1 &
pids+=($!)
tx_wait_port "$redis_port" || { echo "Bail out! redis-server did not start"; exit 1; }
tx_wait_http "http://127.0.0.1:$api/version" ||
	{ echo "Bail out! toxiproxy-server did not start"; cat "$tmp/toxiproxy.log" >&2; exit 1; }

export FR_TOXIPROXY_URL="http://127.0.0.1:$api"
FR_TOXIPROXY_VERSION=$(curl -fsS -A flowrun-test "http://127.0.0.1:$api/version" | jq -r .version)
export FR_TOXIPROXY_VERSION
export FR_TOXIPROXY_DEAD_URL="http://127.0.0.1:$dead"
export FR_TOXIPROXY_SERVER="$server"
export FR_TOXIPROXY_CONFIG2="$tmp/config2.json"
export FR_TOXIPROXY_PORT2="$api2"
export FR_REDIS_PROXY_PORT="$redis_listen"

# run_tap NAME: runs tests/server/NAME, numbering its results on after the
# $total before it and dropping its plan; adds its count to $total and fails
# $status when the program fails.
total=0
status=0
run_tap() {
	timeout 90 "$top_builddir/tests/server/$1" | awk -v off="$total" -v countf="$tmp/count" '
		/^1\.\.[0-9]+/ { next }
		/^ok [0-9]+/ { n++; sub(/^ok [0-9]+/, "ok " (n + off)); print; fflush(); next }
		/^not ok [0-9]+/ { n++; sub(/^not ok [0-9]+/, "not ok " (n + off)); print; fflush(); next }
		{ print; fflush() }
		END { print n + 0 > countf }'
	local rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] || { echo "# tests/server/$1 exited with status $rc"; status=1; }
	total=$((total + $(cat "$tmp/count")))
}
run_tap test-toxiproxy
run_tap test-faults
echo "1..$total"
exit "$status"
