#!/bin/bash
# bench/fixture-throughput.sh: how fast is flowforge-fixture? Starts
# redis-server, the two stand-ins and the fixture on free loopback ports (as
# the e2e tests do), then measures with wrk (-t1 -c50 -d5s) GET /healthz and
# GET /api/query?store=redis with a bearer token, and with flowforge-ws-bench
# the WebSocket fan-out (1,000 viewers x 100 events/s = 100,000 messages/s).
# For each run it also prints the fixture's CPU time per second of wall time.
#
#   bench/fixture-throughput.sh [BUILDDIR]      (use an optimised build)
#   WS_VIEWERS=1000 WS_RATE=100 DURATION=5 bench/fixture-throughput.sh
#   FIXTURE_ARGS="--threads 1" bench/fixture-throughput.sh   (default: a thread per CPU)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$here
top_builddir=$(cd "${1:-${top_builddir:-.}}" && pwd)
. "$here/tests/e2e/lib.sh"
. "$here/tests/e2e/lib-backend.sh"
DURATION=${DURATION:-5}
VIEWERS=${WS_VIEWERS:-1000}
RATE=${WS_RATE:-100}

for b in flowforge-fixture flowforge-store flowforge-ws-bench; do
	[ -x "$top_builddir/$b" ] || { echo "missing $top_builddir/$b: build it first (make $b)" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

# shellcheck disable=SC2086 # FIXTURE_ARGS: several words on purpose
fr_start_backend ${FIXTURE_ARGS:-} || exit 1
FX_PID=$(cat "$FR_TMP/fixture.pid")
TOKEN=$(fr_token)

# cpu_ticks: the fixture's user + system CPU, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$FX_PID/stat"
}

# measure NAME CMD…: run CMD, print its figures and the fixture's CPU use
# (share of one core, and microseconds per request or message).
measure() {
	local name=$1 t0 c0 c1 t1 n
	shift
	c0=$(cpu_ticks)
	t0=$(date +%s%N)
	"$@" >"$FR_TMP/$name.out" 2>&1
	c1=$(cpu_ticks)
	t1=$(date +%s%N)
	n=$(sed -n -e 's/^ *\([0-9]*\) requests in.*/\1/p' -e 's/.* messages \([0-9]*\) of .*/\1/p' "$FR_TMP/$name.out")
	awk -v c="$((c1 - c0))" -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v name="$name" -v n="${n:-0}" \
		'BEGIN { printf "%-12s fixture CPU %.0f%% of one core, %.1f us per request/message\n", name,
			100 * c / hz / (t / 1e9), n ? 1e6 * c / hz / n : 0 }'
	grep -E 'Requests/sec|Latency|Non-2xx|Socket errors|viewers' "$FR_TMP/$name.out" | sed 's/^/    /'
}

echo "flowforge-fixture throughput ($(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), $top_builddir)"
measure healthz wrk -t1 -c50 -d"${DURATION}s" "$FR_FIXTURE_URL/healthz"
measure query-redis wrk -t1 -c50 -d"${DURATION}s" -H "Authorization: Bearer $TOKEN" \
	"$FR_FIXTURE_URL/api/query?store=redis&key=key-1"
DASH=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -d '{"widgets":1}' \
	"$FR_FIXTURE_URL/api/dashboards" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
measure ws-fanout "$top_builddir/flowforge-ws-bench" --addr "127.0.0.1:$FR_FIXTURE_PORT" \
	--dashboard "$DASH" --token "$TOKEN" --viewers "$VIEWERS" --rate "$RATE" --duration "$DURATION"
