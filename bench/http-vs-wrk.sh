#!/bin/bash
# bench/http-vs-wrk.sh: flowrun's HTTP path against wrk (and locust) on a loopback nginx.
#
# nginx (1 worker, `return 200 "ok"`) on a free loopback port; each round runs,
# alternating, flowrun (closed model, 50 users, no think time, --threads 2) and
# `wrk -t2 -c50`, for DURATION seconds each. Reports medians over ROUNDS of
# requests/s and CPU µs per request (user + system, from getrusage of the
# child), the flowrun/wrk ratio, one locust run (FastHttpUser, headless, 50
# users) and an open-model run at OPEN_RATE/s for OPEN_SECS s (achieved ÷
# planned, scheduler lag p99). Build without --enable-asan/--enable-debug
# for meaningful numbers.
#
#   bench/http-vs-wrk.sh [ROUNDS=3] [DURATION=10]
#   env: ENGINE_RUN (default $top_builddir/tests/harness/engine-run), OPEN_RATE=20000,
#        OPEN_SECS=20, SKIP_LOCUST=1, SKIP_OPEN=1
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(dirname "$here")}
top_builddir=${top_builddir:-$top_srcdir}
ENGINE_RUN=${ENGINE_RUN:-$top_builddir/tests/harness/engine-run}
ROUNDS=${1:-3}
DURATION=${2:-10}
OPEN_RATE=${OPEN_RATE:-20000}
OPEN_SECS=${OPEN_SECS:-20}
PY=/usr/bin/python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/flowrun-bench.XXXXXX")
nginx_pid=
cleanup() {
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$ENGINE_RUN" ] || { echo "bench: $ENGINE_RUN not built (make tests/harness/engine-run)" >&2; exit 1; }
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port

# nginx_conf: one worker, no logs, keep-alive without a request limit.
cat >"$tmp/nginx.conf" <<EOC
worker_processes 1;
daemon off;
master_process off;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $tmp/body;
	proxy_temp_path $tmp/proxy;
	fastcgi_temp_path $tmp/fastcgi;
	uwsgi_temp_path $tmp/uwsgi;
	scgi_temp_path $tmp/scgi;
	keepalive_requests 100000000;
	server {
		listen 127.0.0.1:$port;
		location / { return 200 "ok"; }
	}
}
EOC
nginx -p "$tmp" -c "$tmp/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

cat >"$tmp/closed.yaml" <<EOP
version: 1
name: bench-closed
target: { base_url: "$url" }
scenarios:
  - name: c
    model: closed
    stages: [{ users: 50, for: ${DURATION}s }]
    requests: [{ name: ok, path: / }]
EOP
cat >"$tmp/open.yaml" <<EOP
version: 1
name: bench-open
target: { base_url: "$url" }
scenarios:
  - name: o
    model: open
    stages: [{ rate: ${OPEN_RATE}/s, for: ${OPEN_SECS}s }]
    requests: [{ name: ok, path: / }]
EOP

# cpu_of OUT CMD…: runs CMD with stdout in OUT; prints the child's user+sys CPU seconds.
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

# run_flowrun: requests/s and CPU µs per request of one flowrun round.
run_flowrun() {
	local cpu n el
	cpu=$(cpu_of "$tmp/fr.out" "$ENGINE_RUN" --quiet --threads 2 "$tmp/closed.yaml")
	n=$(awk '$1 == "key" { sub("n=", "", $3); print $3 }' "$tmp/fr.out")
	el=$(sed -n 's/.* elapsed_us=\([0-9]*\).*/\1/p' "$tmp/fr.out")
	awk -v n="$n" -v el="$el" -v c="$cpu" 'BEGIN { printf "%.0f %.1f\n", n / (el / 1e6), c * 1e6 / n }'
}

# run_wrk: requests/s and CPU µs per request of one wrk round.
run_wrk() {
	local cpu n rps
	cpu=$(cpu_of "$tmp/wrk.out" wrk -t2 -c50 -d"${DURATION}s" "$url/")
	n=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
	rps=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.out")
	awk -v n="$n" -v r="$rps" -v c="$cpu" 'BEGIN { printf "%.0f %.1f\n", r, c * 1e6 / n }'
}

: >"$tmp/fr.res"
: >"$tmp/wrk.res"
for r in $(seq "$ROUNDS"); do
	run_flowrun >>"$tmp/fr.res"
	run_wrk >>"$tmp/wrk.res"
	echo "round $r: flowrun $(tail -1 "$tmp/fr.res")  wrk $(tail -1 "$tmp/wrk.res")  (req/s, CPU us/req)"
done
fr_rps=$(cut -d' ' -f1 "$tmp/fr.res" | median)
fr_cpu=$(cut -d' ' -f2 "$tmp/fr.res" | median)
wrk_rps=$(cut -d' ' -f1 "$tmp/wrk.res" | median)
wrk_cpu=$(cut -d' ' -f2 "$tmp/wrk.res" | median)
echo "median flowrun: $fr_rps req/s, $fr_cpu CPU us/req (closed, 50 users, --threads 2)"
echo "median wrk:     $wrk_rps req/s, $wrk_cpu CPU us/req (-t2 -c50)"
awk -v a="$fr_rps" -v b="$wrk_rps" 'BEGIN { printf "flowrun/wrk: %.2f of the request rate\n", a / b }'

if [ "${SKIP_LOCUST:-0}" != 1 ]; then
	cat >"$tmp/locustfile.py" <<'EOL'
from locust import FastHttpUser, task

class Hit(FastHttpUser):
    @task
    def ok(self):
        self.client.get("/")
EOL
	cpu=$(cd "$tmp" && cpu_of "$tmp/locust.out" locust -f "$tmp/locustfile.py" --headless -u 50 -r 50 \
		-t "${DURATION}s" --host "$url" --csv "$tmp/locust" --only-summary --loglevel ERROR)
	read -r lrps lreq < <($PY -c 'import csv, sys
for row in csv.DictReader(open(sys.argv[1])):
    if row["Name"] == "Aggregated":
        print(row["Requests/s"], row["Request Count"])' "$tmp/locust_stats.csv")
	awk -v r="$lrps" -v n="$lreq" -v c="$cpu" -v f="$fr_rps" 'BEGIN {
		printf "locust (FastHttpUser, 50 users, 1 process): %.0f req/s, %.1f CPU us/req; flowrun/locust: %.1fx\n", r, c * 1e6 / n, f / r }'
fi

if [ "${SKIP_OPEN:-0}" != 1 ]; then
	"$ENGINE_RUN" --quiet --threads 2 "$tmp/open.yaml" >"$tmp/open.out" 2>&1
	awk -v rate="$OPEN_RATE" '$1 == "run" {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "open model %d/s for %s s: planned %d, sent %d, achieved/planned %.3f, scheduler lag p99 %d us\n",
			rate, '"$OPEN_SECS"', v["planned"], v["sent"], v["sent"] / v["planned"], v["lag_p99"] }' "$tmp/open.out"
	grep -m1 '^key' "$tmp/open.out" | tr ' ' '\n' | grep -E '^(n|ok|lat_p50|lat_p99|svc_p99|late|missed)=' | tr '\n' ' '
	echo
	sed -n 's/^run .*invalid="\(.*\)"$/invalid: \1/p' "$tmp/open.out" | grep -v '^invalid: $'
fi
