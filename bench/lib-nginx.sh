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
