#!/bin/bash
# bench/http-vs-wrk.sh: flowrun's two HTTP paths, through `flowrun run`, against wrk and Locust.
#
# nginx (1 worker, a 20-byte JSON answer) on a free loopback port. Each round
# runs, one after the other and in this order, `wrk -tN -c50` and `flowrun run`
# of a closed plan with 50 users on --threads N with --http-engine lean and curl,
# for N = 1 and 2, DURATION seconds each. The plan keeps what real plans use on:
# a group of two steps, a JSON capture on every answer (the second step's URL
# uses the first's capture), two stages (so per-segment histograms), latency
# from the intended send time. Reported: medians over ROUNDS of requests/s and
# CPU µs per request (user + system of the child, from getrusage), the
# flowrun/wrk ratios of both in the same rounds, the host's load average around
# the rounds; then one Locust run (FastHttpUser, 50 users, one process) and an
# open-model run at OPEN_RATE/s for OPEN_SECS s on 2 threads (achieved ÷
# planned, send lag p99, generator health). Build without --enable-asan and
# --enable-debug for meaningful numbers; take them when `uptime` shows a low
# load (the script prints it).
#
#   bench/http-vs-wrk.sh [ROUNDS=3] [DURATION=10]
#   env: FLOWRUN (default $top_builddir/flowrun), OPEN_RATE=50000, OPEN_SECS=20,
#        SKIP_LOCUST=1, SKIP_OPEN=1, THREADS="1 2", ENGINES="lean curl"
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(dirname "$here")}
top_builddir=${top_builddir:-$top_srcdir}
FLOWRUN=${FLOWRUN:-$top_builddir/flowrun}
ROUNDS=${1:-3}
DURATION=${2:-10}
OPEN_RATE=${OPEN_RATE:-50000}
OPEN_SECS=${OPEN_SECS:-20}
THREADS=${THREADS:-1 2}
ENGINES=${ENGINES:-lean curl}
PY=/usr/bin/python3

[ -x "$FLOWRUN" ] || { echo "bench: $FLOWRUN not built" >&2; exit 1; }
# shellcheck source=lib-nginx.sh disable=SC2154 # tmp and url come from bench_start
. "$here/lib-nginx.sh"
bench_start bench

half=$((DURATION / 2))
bench_closed_plan "$url" "$half" $((DURATION - half)) >"$tmp/closed.yaml"
cat >"$tmp/open.yaml" <<EOP
version: 1
name: bench-open
target: { base_url: "$url" }
scenarios:
  - name: o
    model: open
    stages: [{ rate: ${OPEN_RATE}/s, for: ${OPEN_SECS}s }]
    requests: [{ name: ok, path: /items, capture: { id: { json: \$.id } } }]
EOP

# cpu_of OUT CMD…: runs CMD with stdout and stderr in OUT; prints the child's user+sys CPU seconds.
cpu_of() {
	local out=$1
	shift
	$PY -c 'import resource, subprocess, sys
with open(sys.argv[1], "w") as f:
    subprocess.run(sys.argv[2:], stdout=f, stderr=subprocess.STDOUT)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % (r.ru_utime + r.ru_stime))' "$out" "$@"
}

# median: the median of the numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# requests_of JSON: requests of every plain request key (group steps, not the groups) and the elapsed µs.
requests_of() {
	$PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
n = sum(k["run"]["requests"] for k in r["keys"] if k["kind"] != "group")
print(n, r["elapsed_us"])' "$1"
}

# run_flowrun ENGINE THREADS: requests/s and CPU µs per request of one flowrun round.
run_flowrun() {
	local cpu n el
	cpu=$(cpu_of "$tmp/fr.out" "$FLOWRUN" run "$tmp/closed.yaml" --quiet --threads "$2" --http-engine "$1" \
		--json "$tmp/fr.json")
	read -r n el < <(requests_of "$tmp/fr.json")
	awk -v n="$n" -v el="$el" -v c="$cpu" 'BEGIN { printf "%.0f %.2f\n", n / (el / 1e6), c * 1e6 / n }'
}

# run_wrk THREADS: requests/s and CPU µs per request of one wrk round.
run_wrk() {
	local cpu n rps
	cpu=$(cpu_of "$tmp/wrk.out" wrk -t"$1" -c50 -d"${DURATION}s" "$url/items")
	n=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
	rps=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.out")
	awk -v n="$n" -v r="$rps" -v c="$cpu" 'BEGIN { printf "%.0f %.2f\n", r, c * 1e6 / n }'
}

load() { cut -d' ' -f1 /proc/loadavg; }

echo "bench: nginx on $url; $ROUNDS rounds of ${DURATION}s; load average now $(load)"
for r in $(seq "$ROUNDS"); do
	for t in $THREADS; do
		l0=$(load)
		run_wrk "$t" >>"$tmp/wrk-t$t.res"
		line="round $r, $t thread(s): wrk $(tail -1 "$tmp/wrk-t$t.res")"
		for e in $ENGINES; do
			run_flowrun "$e" "$t" >>"$tmp/$e-t$t.res"
			line="$line  $e $(tail -1 "$tmp/$e-t$t.res")"
		done
		echo "$line  (req/s, CPU us/req; load $l0 -> $(load))"
	done
done

# round_ratios A B COL: the ratio A/B of column COL, round by round (adjacent runs share the load).
round_ratios() {
	paste -d' ' "$1" "$2" | awk -v c="$3" '{ print $c / $(c + 2) }'
}

echo
echo "medians of the rounds; the ratios are the medians of each round's own ratio (its runs are adjacent)"
printf '%-26s %12s %14s %14s %16s\n' "client" "req/s" "CPU us/req" "req/s vs wrk" "CPU/req vs wrk"
for t in $THREADS; do
	wr=$(cut -d' ' -f1 "$tmp/wrk-t$t.res" | median)
	wc=$(cut -d' ' -f2 "$tmp/wrk-t$t.res" | median)
	printf '%-26s %12.0f %14.2f %14s %16s\n' "wrk -t$t -c50" "$wr" "$wc" "1" "1"
	for e in $ENGINES; do
		fr=$(cut -d' ' -f1 "$tmp/$e-t$t.res" | median)
		fc=$(cut -d' ' -f2 "$tmp/$e-t$t.res" | median)
		printf '%-26s %12.0f %14.2f %14.2f %16.2f\n' "flowrun $e --threads $t" "$fr" "$fc" \
			"$(round_ratios "$tmp/$e-t$t.res" "$tmp/wrk-t$t.res" 1 | median)" \
			"$(round_ratios "$tmp/$e-t$t.res" "$tmp/wrk-t$t.res" 2 | median)"
	done
done

if [ "${SKIP_LOCUST:-0}" != 1 ]; then
	cat >"$tmp/locustfile.py" <<'EOL'
from locust import FastHttpUser, task

class Hit(FastHttpUser):
    @task
    def ok(self):
        self.client.get("/items")
EOL
	cpu=$(cd "$tmp" && cpu_of "$tmp/locust.out" locust -f "$tmp/locustfile.py" --headless -u 50 -r 50 \
		-t "${DURATION}s" --host "$url" --csv "$tmp/locust" --only-summary --loglevel ERROR)
	read -r lrps lreq < <($PY -c 'import csv, sys
for row in csv.DictReader(open(sys.argv[1])):
    if row["Name"] == "Aggregated":
        print(row["Requests/s"], row["Request Count"])' "$tmp/locust_stats.csv")
	e1=$(echo "$ENGINES" | cut -d' ' -f1)
	t1=$(echo "$THREADS" | cut -d' ' -f1)
	read -r fr _ < <(run_flowrun "$e1" "$t1") # right after locust: the same load on the machine
	awk -v r="$lrps" -v n="$lreq" -v c="$cpu" -v f="$fr" -v e="$e1" -v t="$t1" 'BEGIN {
		printf "locust FastHttpUser, 50 users, 1 process: %.0f req/s, %.1f CPU us/req; flowrun %s --threads %s right after: %.0f req/s, %.1fx locust\n", r, c * 1e6 / n, e, t, f, f / r }'
fi

if [ "${SKIP_OPEN:-0}" != 1 ]; then
	for e in $ENGINES; do
		"$FLOWRUN" run "$tmp/open.yaml" --quiet --threads 2 --http-engine "$e" \
			--json "$tmp/open.json" >"$tmp/open.out" 2>&1
		$PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
s = r["scheduler"]
k = r["keys"][0]["run"]
g = r.get("generator") or {}
lag = (s.get("lag") or {}).get("p99")
th = ", ".join("thread %d CPU %.0f%% loop lag p99 %s us" % (w["thread"], 100 * w["cpu"], (w.get("loop_lag_us") or {}).get("p99")) for w in g.get("threads", []))
print("open model %s/s for %s s, --threads 2, %s: planned %d, sent %d, achieved/planned %.4f, send lag p99 %s us, late %d, latency p50 %s p99 %s us; %s; %s" % (
    sys.argv[2], sys.argv[3], sys.argv[4], s["planned"], s["sent"], s["sent"] / max(s["planned"], 1), lag, k["late"],
    k["latency"]["p50"], k["latency"]["p99"], th, r.get("invalid") or "valid"))' "$tmp/open.json" "$OPEN_RATE" "$OPEN_SECS" "$e"
	done
fi
echo "load average at the end: $(load)"
