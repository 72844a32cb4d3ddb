#!/bin/bash
# tests/e2e/tls.sh: https:// and wss:// end to end, verification on (TAP).
#
# A test CA and two server certificates are made here with the openssl CLI:
# one for 127.0.0.1, one for wrong.example, both signed by the CA. nginx
# terminates TLS with each (two ports) in front of flowforge-fixture, WebSocket
# upgrades included. `flowrun run` then:
#   - runs HTTP requests over https and WebSocket viewers over wss with the CA
#     from target.ca_file, and again from --cacert: every request and delivery
#     succeeds;
#   - without the CA (the system's CAs do not know it) stops before any load,
#     exit 3, saying the certificate does not verify;
#   - against the certificate for wrong.example stops before any load, exit 3,
#     with curl's message naming the host it expected;
#   - with wss viewers against the wrong certificate (the HTTP target right)
#     stops before any load, exit 3, naming the wss URL and the host.
# `flowrun check` names a ca_file that is not there. Runtime: about 20 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
set -u

for c in openssl nginx jq; do
	command -v "$c" >/dev/null 2>&1 || tap_skip_all "$c not installed"
done
tmp=$FR_TMP
tap_plan 14

# cert NAME SAN: a key and a certificate for SAN, signed by the test CA.
cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/$1.key" \
		-out "$tmp/$1.csr" -subj "/CN=$1" 2>/dev/null &&
		printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" >"$tmp/$1.ext" &&
		openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
			-out "$tmp/$1.pem" -days 2 -extfile "$tmp/$1.ext" 2>/dev/null
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/ca.key" \
	-out "$tmp/ca.pem" -days 2 -subj "/CN=flowrun test CA" 2>/dev/null &&
	cert good 'IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost' && cert wrong 'DNS:wrong.example'
tap_ok $? "a test CA and two server certificates made with openssl" || exit 1

FR_FIXTURE_WAIT_OK=0 fr_start_fixture || exit 1
good=$(fr_free_port)
wrong=$(fr_free_port)
mkdir -p "$tmp/nginx"
# One server block per certificate, both proxying HTTP and WebSocket upgrades to the fixture.
server() {
	cat <<EOF
	server {
		listen 127.0.0.1:$1 ssl;
		ssl_certificate $tmp/$2.pem;
		ssl_certificate_key $tmp/$2.key;
		location / {
			proxy_pass $FR_FIXTURE_URL;
			proxy_http_version 1.1;
			proxy_set_header Upgrade \$http_upgrade;
			proxy_set_header Connection \$connection_upgrade;
			proxy_set_header Host \$host;
			proxy_buffering off;
			proxy_read_timeout 60s;
		}
	}
EOF
}
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
$(server "$good" good)
$(server "$wrong" wrong)
}
EOF
fr_bg nginx nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf"
fr_wait_port 127.0.0.1 "$good" 10 && fr_wait_port 127.0.0.1 "$wrong" 10
tap_ok $? "nginx terminates TLS on ports $good and $wrong" "$(cat "$tmp/nginx/error.log" 2>/dev/null)" || exit 1

# tls_plan FILE PORT CA_LINE [CONNECT]: HTTP requests and WebSocket viewers through nginx on PORT.
tls_plan() {
	# shellcheck disable=SC2016 # ${…} and $.token are for flowrun
	local auth='auth:
  request: { method: POST, path: /api/auth/login, json: { user: bench, password: bench } }
  capture: { token: { json: $.token } }
  headers: { Authorization: "Bearer ${token}" }
setup:
  - { method: POST, path: /api/dashboards, json: { widgets: 1 }, capture: { dashboard: { json: $.id } } }'
	cat >"$1" <<EOF
version: 1
name: tls
target:
  base_url: https://127.0.0.1:$2
  timeout: 5s
$3
$auth
scenarios:
  - name: api
    model: closed
    think: 50ms
    stages: [{ users: 2, for: 3s }]
    requests: [{ name: health, path: /healthz }]
  - name: viewers
    model: websocket
    connect: ${4:-/ws/dashboards/\${dashboard\}}
    stages: [{ viewers: 3, for: 3s }]
    publish: { method: POST, path: "/api/dashboards/\${dashboard}/events", json: { id: "\${event_id}" } }
    rate: 10/s
    deadline: 2s
    match: '"id":"(?<id>e[0-9]+)"'
slos:
  - { name: errors, error_rate: "< 1%" }
  - { name: lost, lost: "< 5%" }
EOF
}

# run_plan NAME PLAN [ARGS…]: flowrun run with a JSON result; status in $rc, stderr in $tmp/NAME.err.
run_plan() {
	local name=$1 plan=$2
	shift 2
	timeout 60 "$FLOWRUN" run "$plan" --threads 2 -q --json "$tmp/$name.json" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
}

# served NAME: "requests errors received connect_failed" of a run's result.
served() {
	jq -r '[(.keys[] | select(.name == "api/health") | .run.requests, .run.errors),
		(.keys[] | select(.name == "viewers") | .run.ws.received, .run.ws["connect-failed"])] |
		map(. // 0) | join(" ")' "$tmp/$1.json" 2>/dev/null
}

tls_plan "$tmp/ca-file.yaml" "$good" "  ca_file: $tmp/ca.pem"
run_plan ca-file "$tmp/ca-file.yaml"
read -r n errs recv cfail <<<"$(served ca-file)"
[ "$rc" = 0 ] && [ "${n:-0}" -gt 0 ] && [ "$errs" = 0 ] && [ "${recv:-0}" -gt 0 ] && [ "$cfail" = 0 ]
tap_ok $? "https and wss with target.ca_file: exit 0, $n requests, $errs errors, $recv deliveries, $cfail failed connects" \
	"exit $rc; $(head -5 "$tmp/ca-file.err")"

tls_plan "$tmp/no-ca.yaml" "$good" ""
run_plan cacert "$tmp/no-ca.yaml" --cacert "$tmp/ca.pem"
read -r n errs recv cfail <<<"$(served cacert)"
[ "$rc" = 0 ] && [ "${n:-0}" -gt 0 ] && [ "$errs" = 0 ] && [ "${recv:-0}" -gt 0 ] && [ "$cfail" = 0 ]
tap_ok $? "the same with --cacert: exit 0, $n requests, $errs errors, $recv deliveries" \
	"exit $rc; $(head -5 "$tmp/cacert.err")"

run_plan no-ca "$tmp/no-ca.yaml"
tap_is "$rc" 3 "without the CA the run stops before any load: exit 3"
tap_is "$(cat "$tmp/no-ca.err")" \
	"flowrun: target https://127.0.0.1:$good is unreachable: TLS: SSL certificate problem: unable to get local issuer certificate" \
	"  and says the certificate does not verify"

tls_plan "$tmp/wrong.yaml" "$wrong" "  ca_file: $tmp/ca.pem"
run_plan wrong "$tmp/wrong.yaml"
tap_is "$rc" 3 "a certificate for another host stops the run before any load: exit 3"
tap_is "$(cat "$tmp/wrong.err")" \
	"flowrun: target https://127.0.0.1:$wrong is unreachable: TLS: SSL: no alternative certificate subject name matches target host name '127.0.0.1'" \
	"  and names the host the certificate does not match"
[ ! -e "$tmp/wrong.json" ]
tap_ok $? "  and nothing was run (no result)"

# shellcheck disable=SC2016 # ${dashboard} is for flowrun
tls_plan "$tmp/wss-wrong.yaml" "$good" "  ca_file: $tmp/ca.pem" "wss://127.0.0.1:$wrong/ws/dashboards/\${dashboard}"
run_plan wss-wrong "$tmp/wss-wrong.yaml"
tap_is "$rc" 3 "wss against a certificate for another host stops the run before any load: exit 3"
tap_is "$(cat "$tmp/wss-wrong.err")" \
	"flowrun: target wss://127.0.0.1:$wrong/ws/dashboards/\${dashboard} is unreachable: TLS: SSL: no alternative certificate subject name matches target host name '127.0.0.1'" \
	"  and names the URL and the host the certificate does not match"

# check names a CA file that is not there, at its position.
tls_plan "$tmp/missing.yaml" "$good" "  ca_file: missing-ca.pem"
"$FLOWRUN" check "$tmp/missing.yaml" >"$tmp/check.out" 2>"$tmp/check.err"
rc=$?
tap_is "$rc" 2 "check: a ca_file that is not there is an invalid plan"
tap_is "$(cat "$tmp/check.err")" "$tmp/missing.yaml:6:12: error: ca_file 'missing-ca.pem' cannot be read: No such file or directory" \
	"  with a located error"
"$FLOWRUN" run "$tmp/no-ca.yaml" --cacert "$tmp/nope.pem" >/dev/null 2>"$tmp/cacert-missing.err"
rc=$?
[ "$rc" = 2 ] && [ "$(cat "$tmp/cacert-missing.err")" = "flowrun: --cacert $tmp/nope.pem: No such file or directory" ]
tap_ok $? "run: a --cacert file that is not there is a usage error (exit $rc)" "$(cat "$tmp/cacert-missing.err")"
tap_done
