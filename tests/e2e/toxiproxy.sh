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
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-toxiproxy.sh
. "$top_srcdir/tests/e2e/lib-toxiproxy.sh"

fr_toxiproxy_bin >/dev/null || tap_skip_all "toxiproxy-server not installed (scripts/install-deps.sh installs it)"
for c in redis-server redis-cli jq; do
	command -v "$c" >/dev/null || tap_skip_all "$c not installed (scripts/install-deps.sh installs it)"
done
for t in test-toxiproxy test-faults; do
	[ -x "$top_builddir/tests/server/$t" ] || { echo "Bail out! tests/server/$t is not built"; exit 1; }
done

fr_start_redis || { echo "Bail out! redis-server did not start"; exit 1; }
dead=$(fr_free_port)
fr_toxiproxy_config "$FR_TMP/config.json" "$(fr_free_port)" "$(fr_free_port)" "$(fr_free_port)" "$FR_REDIS_PORT"
redis_listen=$(jq -r '.[] | select(.name == "redis") | .listen | split(":")[1]' "$FR_TMP/config.json")
api2=$(fr_free_port)
fr_toxiproxy_config "$FR_TMP/config2.json" "$(fr_free_port)" "$(fr_free_port)" "$(fr_free_port)" "$FR_REDIS_PORT"
fr_start_toxiproxy -config "$FR_TMP/config.json" || { echo "Bail out! toxiproxy-server did not start"; exit 1; }

export FR_TOXIPROXY_URL=$FR_TOXI_URL
FR_TOXIPROXY_VERSION=$(curl -fsS -A flowrun-test "$FR_TOXI_URL/version" | jq -r .version)
export FR_TOXIPROXY_VERSION
export FR_TOXIPROXY_DEAD_URL="http://127.0.0.1:$dead"
FR_TOXIPROXY_SERVER=$(fr_toxiproxy_bin)
export FR_TOXIPROXY_SERVER
export FR_TOXIPROXY_CONFIG2="$FR_TMP/config2.json"
export FR_TOXIPROXY_PORT2="$api2"
export FR_REDIS_PROXY_PORT="$redis_listen"

# run_tap NAME: runs tests/server/NAME, numbering its results on after the
# $total before it and dropping its plan; adds its count to $total and fails
# $status when the program fails.
total=0
status=0
run_tap() {
	timeout 90 "$top_builddir/tests/server/$1" | awk -v off="$total" -v countf="$FR_TMP/count" '
		/^1\.\.[0-9]+/ { next }
		/^ok [0-9]+/ { n++; sub(/^ok [0-9]+/, "ok " (n + off)); print; fflush(); next }
		/^not ok [0-9]+/ { n++; sub(/^not ok [0-9]+/, "not ok " (n + off)); print; fflush(); next }
		{ print; fflush() }
		END { print n + 0 > countf }'
	local rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] || { echo "# tests/server/$1 exited with status $rc"; status=1; }
	total=$((total + $(cat "$FR_TMP/count")))
}
run_tap test-toxiproxy
run_tap test-faults
echo "1..$total"
exit "$status"
