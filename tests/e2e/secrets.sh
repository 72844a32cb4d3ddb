#!/usr/bin/env bash
# secrets.sh: a plan cannot make flowrun leak what CI keeps secret, or send what it should not.
# A value read with ${env:NAME} appears in no output of check, plan, run or the reports
# (${env:NAME} is shown instead), and a name cannot use ${env:}; credentials leave every
# printed URL; a URL a server sends back is followed only when it is http:// or https://
# (a captured file:///etc/hostname is refused with a clear error); a CR or LF in an
# expanded header value (HTTP and WebSocket) is refused; extends: and proxies: are
# confined to the plan's repository unless --allow-outside, and a file that is not a
# plan is not quoted back. About 15 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
cd "$top_srcdir" || exit 1
T=$(fr_tmpdir)
fr_start_backend || { echo "Bail out! the backend did not start"; exit 1; }
export FLOWFORGE_URL=$FR_FIXTURE_URL
SECRET='Sup3r$ecret/Value-42'
export SECRET

# leaks FILE…: the files that contain the secret (none is the good answer).
leaks() {
	grep -lF -- "$SECRET" "$@" 2>/dev/null | tr '\n' ' '
}

# 1. A secret where a duration belongs: the diagnostic names the reference, not the value.
mkdir -p "$T/p"
cat >"$T/p/bad.yaml" <<'EOP'
version: 1
name: bad
target: { base_url: "http://127.0.0.1:9" }
scenarios:
  - name: q
    model: open
    stages:
      - { rate: 10/s, for: "${env:SECRET}" }
    requests:
      - { name: r, path: / }
slos:
  - { name: p99, request: r, p99: "< ${env:SECRET}" }
EOP
"$FLOWRUN" check "$T/p/bad.yaml" >"$T/check.out" 2>&1
tap_is "$?" 2 "check: a secret where a duration belongs is an invalid plan"
tap_is "$(leaks "$T/check.out")" "" "check: the value appears nowhere in its output"
tap_like "$(cat "$T/check.out")" "bad.yaml:8:[0-9]+: error: invalid duration '\\$\\{env:SECRET\\}'" "check: the diagnostic shows \${env:SECRET}"

# 2. ${env:} in a name is a located error.
sed -e 's/name: r, path/name: "r-${env:SECRET}", path/' -e 's/"${env:SECRET}" }$/1s }/' -e 's/< ${env:SECRET}/< 1s/' \
	-e 's/request: r,/request: "r-${env:SECRET}",/' "$T/p/bad.yaml" >"$T/p/name.yaml"
"$FLOWRUN" check "$T/p/name.yaml" >"$T/name.out" 2>&1
tap_is "$?:$(grep -c 'a name cannot use ${env:…}: names appear in reports, metrics and logs' "$T/name.out")" "2:1" \
	"a request name with \${env:} is a located error"
tap_like "$(head -1 "$T/name.out")" "^$T/p/name.yaml:10:20: error: a name cannot use" "  at the reference"
tap_is "$(leaks "$T/name.out")" "" "  and quotes no value"

# 3. A valid plan with the secret in a header, a path and the description: plan and run
# print it nowhere, nor do the reports.
cat >"$T/p/ok.yaml" <<EOP
version: 1
name: secret-run
description: "the token is \${env:SECRET}"
extends: $top_srcdir/plans/common/flowforge.yaml
target:
  headers: { X-Api-Key: "\${env:SECRET}" }
scenarios:
  - name: q
    model: open
    stages:
      - { rate: 20/s, for: 1s }
    requests:
      - { name: hit, path: "/api/query?store=redis&key=\${env:SECRET}" }
      - { name: miss, path: "/missing/\${env:SECRET}" }
slos:
  - { name: p99, request: hit, p99: "< 3s" }
EOP
"$FLOWRUN" plan "$T/p/ok.yaml" >"$T/plan.out" 2>&1
"$FLOWRUN" plan --json "$T/p/ok.yaml" >"$T/planj.out" 2>&1
"$FLOWRUN" run "$T/p/ok.yaml" --out "$T/out" --html "$T/out/r.html" --metrics-listen 127.0.0.1:0 \
	--metrics-linger 0 >"$T/run.out" 2>&1
rc=$?
tap_is "$rc" 0 "run: the plan runs and passes its SLO"
tap_is "$(leaks "$T/plan.out" "$T/planj.out" "$T/run.out" "$T"/out/*)" "" \
	"plan, plan --json, run and result.json, junit.xml, summary.md, report.html: the value appears nowhere"
tap_like "$(jq -r .plan.description "$T/out/result.json")" '^the token is \$\{env:SECRET\}$' \
	"the JSON result says \${env:SECRET} where the value was"
tap_is "$(jq -r '[.keys[] | select(.parent == null) | .run.requests] | add' "$T/out/result.json")" 20 \
	"and the requests went out with the value (20 answered)"

# On a terminal (script(1) gives it one): the progress line still redraws in place (the filtered
# stderr is still known to be a tty), and the value appears nowhere there either.
if command -v script >/dev/null; then
	script -qec "'$FLOWRUN' run '$T/p/ok.yaml'" /dev/null >"$T/tty.out" 2>&1
	tap_is "$(grep -c $'\033\\[K' "$T/tty.out" | awk '{print ($1 > 0)}'):$(leaks "$T/tty.out")" "1:" \
		"run on a terminal: the progress line redraws in place; the value appears nowhere"
else
	tap_skip "run on a terminal" "script(1) is not installed"
fi

# list: the plans of a directory, by name; nothing of the value.
mkdir -p "$T/l" && cp "$T/p/ok.yaml" "$T/l/"
"$FLOWRUN" list "$T/l" >"$T/list.out" 2>&1
tap_is "$?:$(jq -r '.[0].name' "$T/list.out"):$(leaks "$T/list.out")" "0:secret-run:" "list: the plan is listed, the value appears nowhere"

# The /metrics of a run while it lingers (every series and label), and its live report data.
mport=$(fr_free_port)
uport=$(fr_free_port)
fr_bg linger "$FLOWRUN" run "$T/p/ok.yaml" --quiet --out "$T/out2" --metrics-listen "127.0.0.1:$mport" \
	--metrics-linger 60 --ui "127.0.0.1:$uport"
lpid=$FR_LAST_PID
for _ in $(seq 300); do [ -s "$T/out2/result.json" ] && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$mport/metrics" >"$T/metrics.out"
curl -sf "http://127.0.0.1:$uport/data.json" >"$T/ui.out"
kill -INT "$lpid" 2>/dev/null
tap_is "$(grep -q 'request="hit"' "$T/metrics.out" && echo series):$(grep -c 'the token is' "$T/ui.out"):$(leaks "$T/metrics.out" "$T/ui.out")" \
	"series:1:" "the metrics (scraped while the run lingers) and the live report's data: the value appears nowhere"

# 4. Credentials leave every printed URL.
FLOWFORGE_URL=http://bob:hunter2@127.0.0.1:1 "$FLOWRUN" run tests/e2e/plans/results-teardown.yaml --quiet >/dev/null 2>"$T/u1"
TOXIPROXY_URL=http://bob:hunter2@127.0.0.1:1 "$FLOWRUN" run tests/e2e/plans/cli-fault.yaml --quiet >/dev/null 2>"$T/u2"
"$FLOWRUN" run tests/e2e/plans/results-teardown.yaml --quiet --metrics-listen 127.0.0.1:0 --metrics-linger 0 \
	--pushgateway http://bob:hunter2@127.0.0.1:1 >/dev/null 2>"$T/u3"
PROMETHEUS_URL=http://bob:hunter2@127.0.0.1:1 "$FLOWRUN" run tests/e2e/plans/prom-slos.yaml --quiet >/dev/null 2>"$T/u4"
tap_is "$(grep -l hunter2 "$T"/u[1-4] | wc -l):$(grep -c 'http://\*\*\*@127.0.0.1:1' "$T"/u[1-4] | tr '\n' ' ')" \
	"0:$T/u1:1 $T/u2:1 $T/u3:1 $T/u4:1 " \
	"the target, Toxiproxy, the Pushgateway, Prometheus: user:password@ printed as ***@"
# …and written in the plan itself: a setup request named by its URL, a WebSocket connect URL.
cat >"$T/p/creds.yaml" <<EOP
version: 1
name: creds
target: { base_url: "$FR_FIXTURE_URL" }
setup:
  - { url: "http://bob:hunter2@127.0.0.1:1/x" }
scenarios:
  - { name: s, model: open, stages: [{ rate: 2/s, for: 500ms }], requests: [{ name: r, path: /healthz }] }
EOP
"$FLOWRUN" run "$T/p/creds.yaml" --quiet >/dev/null 2>"$T/u5"
tap_like "$?:$(cat "$T/u5")" '^4:flowrun: setup failed: GET http://\*\*\*@127\.0\.0\.1:1/x: ' \
	"a setup request named by its URL: printed as http://***@…"
cat >"$T/p/ws-creds.yaml" <<EOP
version: 1
name: ws-creds
target: { base_url: "$FR_FIXTURE_URL" }
scenarios:
  - name: viewers
    model: websocket
    connect: "ws://bob:hunter2@127.0.0.1:1/ws"
    stages: [{ viewers: 1, for: 500ms }]
EOP
"$FLOWRUN" run "$T/p/ws-creds.yaml" --quiet >/dev/null 2>"$T/u6"
tap_is "$?:$(cat "$T/u6")" "3:flowrun: target ws://***@127.0.0.1:1/ws is unreachable: Connection refused" \
	"a WebSocket connect URL: printed as ws://***@…"

# 5. Only http:// and https:// are followed; CR or LF in a header value is refused.
sport=$(fr_free_port)
fr_bg hostile python3 -c '
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        body = json.dumps({"next": "file:///etc/hostname", "tok": "t\r\nX-Injected: 1"}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$sport"
fr_wait_port 127.0.0.1 "$sport" 5
# hostile_plan NAME SETUP REQUEST: a plan whose setup captures next and tok from the hostile server.
hostile_plan() {
	cat <<EOP
version: 1
name: $1
target: { base_url: "$FR_FIXTURE_URL" }
setup:
  - { name: ask, url: "http://127.0.0.1:$sport/", capture: { next: { json: \$.next }, tok: { json: \$.tok } } }
$2
scenarios:
  - name: q
    model: open
    stages:
      - { rate: 4/s, for: 500ms }
    requests:
      - $3
slos:
  - { name: errors, error_rate: "< 100%" }
EOP
}
hostile_plan follow "" '{ name: follow, url: "${next}" }' >"$T/p/follow.yaml"
"$FLOWRUN" run "$T/p/follow.yaml" --quiet --json "$T/follow.json" >/dev/null 2>&1
tap_is "$(jq -r '.keys[] | select(.name == "q/follow") | "\(.run.requests) \(.run.errors) \(.run.outcomes.other)"' "$T/follow.json")" \
	"2 2 2" "a captured file:///etc/hostname as a load request: every one an error, none read"
hostile_plan follow-setup '  - { name: follow, url: "${next}" }' '{ name: r, path: / }' >"$T/p/follow-setup.yaml"
"$FLOWRUN" run "$T/p/follow-setup.yaml" --quiet >/dev/null 2>"$T/follow.err"
tap_is "$?:$(cat "$T/follow.err")" "4:flowrun: setup failed: GET follow: refused a file: URL: only http:// and https:// are sent" \
	"as a setup request: the run fails with a clear error"
hostile_plan crlf '  - { name: use, path: /healthz, headers: { X-Tok: "${tok}" } }' '{ name: r, path: / }' >"$T/p/crlf.yaml"
"$FLOWRUN" run "$T/p/crlf.yaml" --quiet >/dev/null 2>"$T/crlf.err"
tap_is "$?:$(cat "$T/crlf.err")" "4:flowrun: setup failed: GET use: refused: header 'X-Tok' has a CR or LF in its value" \
	"a captured value with CR LF in an HTTP header: refused"
hostile_plan crlf-load "" '{ name: use, path: /healthz, headers: { X-Tok: "${tok}" } }' >"$T/p/crlf-load.yaml"
"$FLOWRUN" run "$T/p/crlf-load.yaml" --quiet --json "$T/crlf.json" >/dev/null 2>&1
tap_is "$(jq -r '.keys[] | select(.name == "q/use") | "\(.run.requests) \(.run.errors)"' "$T/crlf.json")" "2 2" \
	"  in a load request: every one refused (an error), on the lean path as on curl's"
cat >"$T/p/ws.yaml" <<EOP
version: 1
name: ws-crlf
extends: $top_srcdir/plans/common/flowforge.yaml
setup:
  - { name: ask, url: "http://127.0.0.1:$sport/", capture: { tok: { json: \$.tok } } }
  - { name: dash, method: POST, path: /api/dashboards, json: { widgets: 1 }, capture: { dashboard: { json: \$.id } } }
scenarios:
  - name: viewers
    model: websocket
    connect: /ws/dashboards/\${dashboard}
    headers: { X-Tok: "\${tok}" }
    stages:
      - { viewers: 2, for: 1s }
    publish: { method: POST, path: "/api/dashboards/\${dashboard}/events", json: { id: "\${event_id}" } }
    rate: 2/s
    match: '"id":"(?<id>[^"]+)"'
EOP
"$FLOWRUN" run "$T/p/ws.yaml" --quiet >/dev/null 2>"$T/ws.err"
tap_is "$?:$(cat "$T/ws.err")" \
	"4:flowrun: scenario viewers: websocket viewers: refused: header 'X-Tok' has a CR or LF in its value" \
	"  and in a WebSocket handshake header: refused, the run says why"

# 6. extends: and proxies: stay in the plan's repository; a file that is not a plan is not quoted.
mkdir -p "$T/repo/plans" && git -C "$T/repo" init -q . 2>/dev/null
printf 'top-secret-line: 1\nanother: %s\n' "$SECRET" >"$T/outside.yaml"
cat >"$T/repo/plans/x.yaml" <<EOP
version: 1
extends: ../../outside.yaml
name: x
target: { base_url: "http://127.0.0.1:9" }
scenarios:
  - { name: s, model: closed, stages: [{ users: 1, for: 1s }], requests: [{ name: r, path: / }] }
EOP
(cd "$T/repo" && "$FLOWRUN" check plans/x.yaml) >"$T/ext.out" 2>&1
tap_is "$?:$(cat "$T/ext.out")" \
	"2:plans/x.yaml:2:10: error: extends '../outside.yaml' is outside the plan's repository ($T/repo, $T/repo/plans); --allow-outside PATH allows it" \
	"extends: a file outside the repository is refused"
(cd "$T/repo" && "$FLOWRUN" check --allow-outside "$T/outside.yaml" plans/x.yaml) >"$T/ext2.out" 2>&1
tap_is "$?:$(cat "$T/ext2.out")" \
	"2:plans/x.yaml:2:10: error: cannot extend '../outside.yaml': not a flowrun plan (none of its keys is a plan key)" \
	"  --allow-outside lets it be read; not a plan, none of it is quoted"
printf 'hunter2: 1\nhunter2: 2\n' >"$T/repo/plans/dup.yaml"
sed -e 's|^extends: .*|extends: dup.yaml|' "$T/repo/plans/x.yaml" >"$T/repo/plans/dup-ext.yaml"
(cd "$T/repo" && "$FLOWRUN" check plans/dup-ext.yaml) >"$T/dup.out" 2>&1
tap_is "$?:$(cat "$T/dup.out")" \
	"2:plans/dup-ext.yaml:2:10: error: cannot extend 'plans/dup.yaml': not a flowrun plan (not YAML with plan keys: line 2, column 1)" \
	"  a file that is not a plan and does not load: where it fails, not its duplicate key"
sed -i -e '/^extends/d' "$T/repo/plans/x.yaml"
printf 'faults:\n  toxiproxy: http://127.0.0.1:1\n  proxies: /etc/passwd\n' >>"$T/repo/plans/x.yaml"
(cd "$T/repo" && "$FLOWRUN" check plans/x.yaml) >"$T/prx.out" 2>&1
tap_like "$(cat "$T/prx.out")" "^plans/x.yaml:8:12: error: proxies file '/etc/passwd' is outside the plan's repository" \
	"proxies: a file outside the repository is refused"
(cd "$T/repo" && "$FLOWRUN" check --allow-outside /etc/passwd plans/x.yaml) >"$T/prx2.out" 2>&1
tap_like "$?:$(cat "$T/prx2.out")" \
	"^2:plans/x.yaml:8:12: error: invalid proxies file '/etc/passwd': '\\[' or '\\{' expected at line 1, column [0-9]+\$" \
	"  read with --allow-outside, /etc/passwd is not quoted in the error (where, not what)"
# Every command that loads a plan confines it, and takes --allow-outside.
mkdir -p "$T/repo/more"
printf 'target: { base_url: "%s" }\n' "$FR_FIXTURE_URL" >"$T/outside-ok.yaml"
cat >"$T/repo/more/y.yaml" <<EOP
version: 1
extends: ../../outside-ok.yaml
name: y
scenarios:
  - { name: s, model: open, stages: [{ rate: 4/s, for: 500ms }], requests: [{ name: r, path: /healthz }] }
EOP
for cmd in check plan list diff run; do
	case $cmd in
	list) args=(more) ;;
	diff) args=(more/y.yaml more/y.yaml) ;;
	run) args=(more/y.yaml --quiet) ;;
	*) args=(more/y.yaml) ;;
	esac
	(cd "$T/repo" && "$FLOWRUN" "$cmd" "${args[@]}") >"$T/c1.out" 2>&1
	r1=$?
	(cd "$T/repo" && "$FLOWRUN" "$cmd" --allow-outside "$T/outside-ok.yaml" "${args[@]}") >"$T/c2.out" 2>&1
	r2=$?
	tap_is "$r1:$(grep -c "more/y.yaml:2:10: error: extends '../outside-ok.yaml' is outside the plan's repository" "$T/c1.out"):$r2" \
		"2:1:0" "$cmd: refused outside the repository (a located error, exit 2); --allow-outside PATH lets it load"
done
tap_done
