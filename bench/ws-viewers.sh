#!/bin/bash
# bench/ws-viewers.sh: what the WebSocket viewer driver costs — CPU per delivered
# message, memory per connection, delivery p99 and loss — at 5,000 and 10,000
# viewers receiving 10 events/s for 30 s from flowforge-fixture on loopback.
#
#     bench/ws-viewers.sh [VIEWERS…]        (default: 5000 10000)
#
# Uses $top_builddir/tests/harness/ws-harness (runner/engine/ws_*.c on 2 worker
# threads, the hooks fr_run calls) and $top_builddir/flowforge-fixture: build them
# without --enable-asan for meaningful figures (`make tests/harness/ws-harness
# flowforge-fixture`). Environment: FOR (stage length, default 30s), RATE (default
# 10/s), THREADS (default 2), FIXTURE_ARGS (extra flowforge-fixture flags, e.g.
# "--threads 1"; the fixture's default is one worker thread per CPU). Prints one
# Markdown table row per viewer count. The fixture's fan-out p99 comes from its
# flowforge_ws_fanout_seconds histogram (how long the fixture took to write an
# event to all its viewers): a large delivery p99 with a small fan-out p99 is
# flowrun's. The last column is the 1-minute load average at the end of the run:
# on a shared machine, figures above ~2 are those of an oversubscribed CPU. The
# harness's raw output is kept in $FR_TMP when FR_KEEP_TMP=1.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-backend.sh"

HARNESS=$top_builddir/tests/harness/ws-harness
FOR=${FOR:-30s}
RATE=${RATE:-10/s}
THREADS=${THREADS:-2}
[ $# -gt 0 ] || set -- 5000 10000
[ -x "$HARNESS" ] || { echo "ws-viewers: build $HARNESS first" >&2; exit 2; }

# shellcheck disable=SC2086 # FIXTURE_ARGS: several words on purpose
fr_start_fixture ${FIXTURE_ARGS:-} || exit 1
fr_token >/dev/null || exit 1
curl -fs --max-time 5 -o /dev/null -X POST -H "Authorization: Bearer $(fr_token)" -H 'Content-Type: application/json' \
	-d '{"widgets":1}' "$FR_FIXTURE_URL/api/dashboards" || exit 1

# fanout_buckets: the fixture's fan-out histogram, "le count" per line.
fanout_buckets() {
	curl -s --max-time 5 "$FR_FIXTURE_URL/metrics" |
		sed -n 's/^flowforge_ws_fanout_seconds_bucket{le="\([^"]*\)"} \([0-9]*\)$/\1 \2/p'
}

echo "| viewers | connected | delivered msgs | flowrun CPU µs/msg | flowrun peak RSS/conn | delivery p50 | delivery p99 | lost | fixture CPU s | fixture fan-out p99 | load avg |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for n in "$@"; do
	plan=$FR_TMP/ws-$n.yaml
	cat >"$plan" <<EOF
version: 1
name: ws-bench
target:
  base_url: $FR_FIXTURE_URL
auth:
  request: { method: POST, path: /api/auth/login, json: { user: bench, password: bench } }
  capture: { token: { json: \$.token } }
  headers: { Authorization: "Bearer \${token}" }
scenarios:
  - name: viewers
    model: websocket
    connect: /ws/dashboards/d1
    stages: [{ viewers: $n, for: $FOR }]
    publish: { method: POST, path: /api/dashboards/d1/events, json: { event_id: "\${event_id}" } }
    rate: $RATE
    match: '"event_id"\\s*:\\s*"(?<id>e[0-9]+)"'
    deadline: 5s
EOF
	fx_pid=$(cat "$FR_TMP/fixture.pid")
	fx_before=$(awk '{ print $14 + $15 }' "/proc/$fx_pid/stat")
	fanout_buckets >"$FR_TMP/fanout-before"
	timeout 600 "$HARNESS" "$plan" "$THREADS" >"$FR_TMP/ws-$n.out" 2>"$FR_TMP/ws-$n.err" || {
		echo "ws-viewers: harness failed for $n viewers:" >&2
		cat "$FR_TMP/ws-$n.err" >&2
		exit 1
	}
	fx_after=$(awk '{ print $14 + $15 }' "/proc/$fx_pid/stat")
	fanout_buckets >"$FR_TMP/fanout-after"
	# the smallest bucket bound holding 99 % of this run's fan-outs (one per event and fixture thread)
	fanout=$(paste "$FR_TMP/fanout-before" "$FR_TMP/fanout-after" | awk '
		{ le[NR] = $1; n[NR] = $4 - $2 }
		END { for (i = 1; i <= NR; i++) if (n[i] >= 0.99 * n[NR]) { print (le[i] == "+Inf" ? "> 10 s" : "≤ " le[i] * 1000 " ms"); exit } }')
	load=$(cut -d' ' -f1 /proc/loadavg)
	v() { sed -n "s/^$1=//p" "$FR_TMP/ws-$n.out"; }
	awk -v n="$n" -v conn="$(v stage0_connected)" -v rcv="$(v received)" -v cpu="$(v cpu_us)" \
		-v rss="$(v maxrss_kb)" -v rss0="$(v rss_before_kb)" -v p50="$(v delivery_p50_us)" \
		-v p99="$(v delivery_p99_us)" -v lost="$(v lost)" -v expd="$(v expected)" \
		-v fx="$((fx_after - fx_before))" -v hz="$(getconf CLK_TCK)" -v load="$load" -v fanout="${fanout:-n/a}" 'BEGIN {
		printf "| %d | %d | %d | %.2f | %.2f KiB | %.1f ms | %.1f ms | %d (%.3f %%) | %.1f | %s | %s |\n",
			n, conn, rcv, rcv ? cpu / rcv : 0, (rss - rss0) / n, p50 / 1000, p99 / 1000,
			lost, expd ? 100 * lost / expd : 0, fx / hz, fanout, load
	}'
done
