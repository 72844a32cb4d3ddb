#!/bin/bash
# bench/http-instructions.sh: instructions per request of wrk and of flowrun's two HTTP paths, under callgrind.
#
# The wall-clock benchmark (bench/http-vs-wrk.sh) needs a quiet machine;
# instruction counts do not: callgrind counts what the code executes, whatever
# else the machine does. nginx (1 worker, a 20-byte JSON answer) on a free
# loopback port; `wrk -t1 -c50` and `flowrun run` of the same plan as
# http-vs-wrk.sh (closed model, 50 users, a group of two steps with a JSON
# capture each, two stages) on --threads 1, with --http-engine lean and curl,
# each for SECONDS under `valgrind --tool=callgrind`. Only user-space
# instructions of the load thread are counted (wrk's whole process; flowrun's
# worker thread, --toggle-collect=thread_main): system calls and the kernel's
# TCP work are not (perf: about 8 µs of kernel time per request on loopback,
# the same for all three, which make one send and one receive per request).
#
#   bench/http-instructions.sh [SECONDS=4]
#   env: FLOWRUN (default $top_builddir/flowrun, a build without --enable-asan)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(dirname "$here")}
top_builddir=${top_builddir:-$top_srcdir}
FLOWRUN=${FLOWRUN:-$top_builddir/flowrun}
SECONDS_=${1:-4}
PY=/usr/bin/python3

command -v valgrind >/dev/null || { echo "bench: valgrind is not installed" >&2; exit 1; }
[ -x "$FLOWRUN" ] || { echo "bench: $FLOWRUN not built" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flowrun-instr.XXXXXX")
nginx_pid=
cleanup() {
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
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
		default_type application/json;
		location / { return 200 '{"id":42,"name":"x"}'; }
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
    stages: [{ users: 50, for: 2s }, { users: 50, for: $((SECONDS_ - 2))s }]
    requests:
      - name: page
        steps:
          - { name: list, path: /items, capture: { id: { json: \$.id } } }
          - { name: item, path: "/items/\${id}", capture: { name: { json: \$.name } } }
EOP

# collected OUT: the instructions callgrind counted.
collected() {
	sed -n 's/^==[0-9]*== Collected : \([0-9]*\)/\1/p' "$1"
}

valgrind --tool=callgrind --callgrind-out-file="$tmp/wrk.cg" wrk -t1 -c50 -d"${SECONDS_}s" "$url/items" \
	>"$tmp/wrk.out" 2>&1
n=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
awk -v i="$(collected "$tmp/wrk.out")" -v n="$n" 'BEGIN { printf "wrk -t1 -c50:                %8.0f instructions per request (%d requests)\n", i / n, n }'
for e in lean curl; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$e.cg" --toggle-collect=thread_main "$FLOWRUN" run \
		"$tmp/closed.yaml" --threads 1 --http-engine "$e" --quiet --json "$tmp/$e.json" >"$tmp/$e.out" 2>&1
	n=$($PY -c 'import json, sys
print(sum(k["run"]["requests"] for k in json.load(open(sys.argv[1]))["keys"] if k["kind"] != "group"))' "$tmp/$e.json")
	awk -v i="$(collected "$tmp/$e.out")" -v n="$n" -v e="$e" 'BEGIN {
		printf "flowrun --http-engine %-5s %8.0f instructions per request (%d requests)\n", e ":", i / n, n }'
done
