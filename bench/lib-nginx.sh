# shellcheck shell=bash
# bench/lib-nginx.sh: the benchmarks' target — nginx with one worker answering a
# 20-byte JSON body on a free loopback port, no logs, keep-alive without a
# request limit. Source it, then `bench_nginx DIR`: config and temp files go in
# DIR; sets NGINX_PID and NGINX_URL and waits until it accepts (up to 5 s).
# The caller stops it (kill "$NGINX_PID").

# bench_nginx DIR
# shellcheck disable=SC2034 # NGINX_PID and NGINX_URL are for the caller
bench_nginx() {
	local dir=$1 port
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$dir/nginx.conf" <<EOC
worker_processes 1;
daemon off;
master_process off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	keepalive_requests 100000000;
	server {
		listen 127.0.0.1:$port;
		default_type application/json;
		location / { return 200 '{"id":42,"name":"x"}'; }
	}
}
EOC
	nginx -p "$dir" -c "$dir/nginx.conf" &
	NGINX_PID=$!
	NGINX_URL=http://127.0.0.1:$port
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# bench_start NAME: a temporary directory in $tmp (removed on exit), nginx
# started in it (stopped on exit), its URL in $url; exits 2 when nginx does not
# start.
# shellcheck disable=SC2034 # tmp and url are for the caller
bench_start() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/flowrun-$1.XXXXXX")
	NGINX_PID=
	trap '[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null; rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
	bench_nginx "$tmp" || { echo "bench: nginx did not start" >&2; exit 2; }
	url=$NGINX_URL
}

# bench_closed_plan URL FIRST SECOND: the HTTP benchmarks' plan on stdout —
# closed model, 50 users, two stages of FIRST and SECOND seconds (so
# per-segment histograms), a group of two steps with a JSON capture on every
# answer, the second step's URL using the first's capture.
bench_closed_plan() {
	cat <<EOP
version: 1
name: bench-closed
target: { base_url: "$1" }
scenarios:
  - name: c
    model: closed
    stages:
      - { users: 50, for: ${2}s }
      - { users: 50, for: ${3}s }
    requests:
      - name: page
        steps:
          - { name: list, path: /items, capture: { id: { json: \$.id } } }
          - { name: item, path: "/items/\${id}", capture: { name: { json: \$.name } } }
EOP
}
