#!/bin/bash
# bench/shards.sh: what sharding buys on this machine, and what merging costs.
#
# 1. An open-model plan against nginx (1 worker, a 20-byte answer, loopback) at a
#    rate one flowrun process cannot hold on one core: first as one process with
#    --threads 1 pinned to core 0 (taskset), then as 2 shards of one thread each
#    pinned to cores 0 and 1 with a common --start-at, merged. For both: achieved
#    ÷ planned (sends that went out ÷ sends planned) and the scheduler's send lag
#    p99, from the (merged) result. ROUNDS rounds, alternating, medians printed.
# 2. The merge of 16 shard results of a 1-hour run: a 1-hour plan (three keys,
#    six stages, open and closed models) is run at --time-scale 0.01 with a 10 ms
#    series interval, so its result has an hour's 3,600 intervals; it is cut into
#    16 shard results (tests/e2e/resplit.py) and `flowrun merge` is timed on them
#    (goal: under 1 s).
#
#   bench/shards.sh [BUILDDIR]          (an optimised build: configure CFLAGS=-O2)
#   RATE=60000 SECS=10 ROUNDS=3 bench/shards.sh /tmp/build-opt
# Not part of make check: it needs quiet cores. Quote medians taken when
# `uptime` shows a low load.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${1:-.}" && pwd)
FLOWRUN=$builddir/flowrun
RATE=${RATE:-60000}
SECS=${SECS:-10}
ROUNDS=${ROUNDS:-3}
PY=/usr/bin/python3

[ -x "$FLOWRUN" ] || { echo "bench: $FLOWRUN not built" >&2; exit 2; }
for t in nginx taskset jq; do
	command -v "$t" >/dev/null || { echo "bench: $t is not installed" >&2; exit 2; }
done
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 cores" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flowrun-shards.XXXXXX")
nginx_pid=
cleanup() {
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=lib-nginx.sh disable=SC2153 # NGINX_PID and NGINX_URL come from there
. "$here/bench/lib-nginx.sh"
bench_nginx "$tmp" || { echo "bench: nginx did not start" >&2; exit 2; }
nginx_pid=$NGINX_PID
url=$NGINX_URL

cat >"$tmp/open.yaml" <<EOP
version: 1
name: bench-shards
target: { base_url: "$url" }
scenarios:
  - name: o
    model: open
    stages: [{ rate: ${RATE}/s, for: ${SECS}s }]
    requests: [{ name: ok, path: /items }]
slos:
  - { name: errors, error_rate: "< 1%" }
EOP

# figures RESULT: "achieved lag_p99_us" of a (merged) result.
figures() {
	jq -r '"\(.scheduler.sent / .scheduler.planned) \(.scheduler.lag.p99 // 0)"' "$1"
}

# one_process N: the plan in one process, one thread, on core 0.
one_process() {
	taskset -c 0 "$FLOWRUN" run "$tmp/open.yaml" --threads 1 --quiet --json "$tmp/one-$1.json" 2>/dev/null
	figures "$tmp/one-$1.json"
}

# two_shards N: the plan as 2 shards of one thread each, on cores 0 and 1.
two_shards() {
	local start k pids=()
	start=$($PY -c 'import time; print(f"{time.time() + 3:.3f}")')
	for k in 0 1; do
		taskset -c "$k" "$FLOWRUN" run "$tmp/open.yaml" --shard "$k/2" --start-at "$start" --threads 1 --quiet \
			--json "$tmp/two-$1-$k.json" 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	"$FLOWRUN" merge "$tmp/two-$1-0.json" "$tmp/two-$1-1.json" --quiet --json "$tmp/two-$1.json" >/dev/null 2>&1
	figures "$tmp/two-$1.json"
}

# median: the median of the numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "bench/shards.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $FLOWRUN"
echo "open model ${RATE}/s for ${SECS}s against nginx (1 worker), $ROUNDS rounds alternating"
: >"$tmp/one.txt"
: >"$tmp/two.txt"
for ((r = 1; r <= ROUNDS; r++)); do
	one=$(one_process "$r")
	two=$(two_shards "$r")
	echo "  round $r: 1 process (achieved, lag p99 us) $one | 2 shards $two"
	echo "$one" >>"$tmp/one.txt"
	echo "$two" >>"$tmp/two.txt"
done
for v in one two; do
	a=$(cut -d' ' -f1 "$tmp/$v.txt" | median)
	l=$(cut -d' ' -f2 "$tmp/$v.txt" | median)
	printf '  median %-4s achieved / planned %.4f, send lag p99 %.2f ms\n' "$v" "$a" "$(echo "$l / 1000" | bc -l)"
done

# --- the merge of 16 shard results of a 1-hour run ---------------------------------
cat >"$tmp/hour.yaml" <<EOP
version: 1
name: bench-hour
target: { base_url: "$url" }
scenarios:
  - name: open
    model: open
    stages:
      - { rate: 300/s, for: 20m }
      - { rate: 600/s, for: 20m }
      - { rate: 300/s, for: 20m }
    requests:
      - { name: a, weight: 3, path: /a }
      - { name: b, weight: 1, path: /b }
  - name: closed
    model: closed
    stages:
      - { users: 5, for: 20m }
      - { users: 10, for: 20m }
      - { users: 5, for: 20m }
    requests:
      - { name: c, path: /c }
slos:
  - { name: p99, p99: "< 50ms", during: each-stage }
  - { name: errors, error_rate: "< 1%" }
EOP
"$FLOWRUN" run "$tmp/hour.yaml" --time-scale 0.01 --interval 10ms --threads 2 --quiet --json "$tmp/hour.json" \
	2>/dev/null
intervals=$(jq '.series.intervals // 0' "$tmp/hour.json")
$PY "$here/tests/e2e/resplit.py" "$tmp/hour.json" 16 "$tmp/hour-shard" 7
size=$(du -cb "$tmp"/hour-shard-*.json | tail -1 | cut -f1)
echo "merge of 16 shard results of a 1-hour run ($intervals series intervals, $((size / 16 / 1024)) KiB each):"
for ((r = 1; r <= ROUNDS; r++)); do
	t0=$(date +%s%N)
	"$FLOWRUN" merge "$tmp"/hour-shard-*.json --quiet --json "$tmp/hour-merged.json" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000000))" >>"$tmp/merge.txt"
	echo "  round $r: $(((t1 - t0) / 1000000)) ms"
done
echo "  median $(median <"$tmp/merge.txt") ms (goal: under 1000 ms)"
