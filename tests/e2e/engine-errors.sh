#!/bin/bash
# engine-errors.sh: failures are counted by class and never stop or hang a run —
# a target that dies mid-run, a slow target (timeouts), HTTP 4xx/5xx, resets —
# and SIGINT stops the load at once with the results measured so far.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-engine.sh
. "$top_srcdir/tests/e2e/lib-engine.sh"

tap_plan 22
fr_start_redis || exit 1
fr_start_fixture || exit 1
T=$FR_TMP

# open_plan NAME RATE FOR PATH [TIMEOUT] [AUTH=1]: an open-model plan.
open_plan() {
	if [ "${6:-1}" = 1 ]; then
		eng_plan_head "$1" "${5:-2s}"
	else
		# shellcheck disable=SC2016 # ${env:…} is for flowrun
		printf 'version: 1\nname: %s\ntarget:\n  base_url: ${env:FR_FIXTURE_URL}\n  timeout: %s\n' "$1" "${5:-2s}"
	fi
	cat <<EOP
scenarios:
  - name: s
    model: open
    stages:
      - { rate: $2, for: $3 }
    requests:
      - { name: r, path: "$4" }
EOP
}

# 1. The target dies after ~1 s of a 3 s run at 100/s.
open_plan dies 100/s 3s "/api/query?store=redis&key=key-1" >"$T/dies.yaml"
(sleep 1; fr_stop fixture) &
kpid=$!
eng_run dies "$T/dies.yaml" --threads 2
st=$?
wait "$kpid"
tap_is "$st" 0 "a target dying mid-run: the run completes"
tap_is "$(eng_get dies key s/r n)" 300 "all 300 planned requests are accounted for"
ok=$(eng_get dies key s/r ok)
eng_between "$ok" 70 130
tap_ok $? "about 1 s of answers before it died (got $ok ok)"
ref=$(eng_get dies key s/r connect-refused)
eng_between "$ref" 150 230
tap_ok $? "the rest are connect-refused errors (got $ref)"
el=$(eng_get dies run elapsed_us)
eng_between "$el" 3000000 3500000
tap_ok $? "the run lasted its planned 3 s (got $el us)"

# 2. A slow target: 2 s service time, 200 ms timeout.
fr_start_fixture --service-time 2s || exit 1
open_plan slow 20/s 2s "/api/query?store=redis&key=key-1" 200ms >"$T/slow.yaml"
eng_run slow "$T/slow.yaml" --threads 2
tap_is "$?" 0 "a slow target: the run completes"
tap_is "$(eng_get slow key s/r n) $(eng_get slow key s/r timeout)" "40 40" "every request timed out (40 of 40)"
lat=$(eng_get slow key s/r lat_p50)
eng_between "$lat" 195000 260000
tap_ok $? "a timed-out request's latency is its timeout (p50 $lat us)"
el=$(eng_get slow run elapsed_us)
eng_between "$el" 2000000 2600000
tap_ok $? "no hang: done within the run plus one timeout (got $el us)"

# 3. HTTP errors: no token → 401; no stores behind the fixture → 5xx.
curl -s -o /dev/null -X POST "$FR_FIXTURE_URL/admin/mode?service_time=0ms"
open_plan noauth 50/s 1s "/api/query?store=redis&key=key-1" 2s 0 >"$T/noauth.yaml"
eng_run noauth "$T/noauth.yaml"
tap_is "$(eng_get noauth key s/r n) $(eng_get noauth key s/r http-4xx)" "50 50" "401 answers are counted as http-4xx"
open_plan nostore 50/s 1s "/api/query?store=clickhouse&key=1" >"$T/nostore.yaml"
eng_run nostore "$T/nostore.yaml"
tap_is "$(eng_get nostore key s/r n) $(eng_get nostore key s/r http-5xx)" "50 50" "a missing store (503) is counted as http-5xx"

# Auth that fails: no load, a distinct status and the reason.
open_plan badauth 50/s 1s "/api/query?store=redis&key=key-1" | sed 's/password: bench/password: wrong/' >"$T/badauth.yaml"
eng_run badauth "$T/badauth.yaml"
tap_is "$?" 3 "failed auth: status FR_RUN_FAILED"
tap_is "$(grep '^error' "$T/badauth.out")" "error auth failed: POST /api/auth/login: HTTP 401" "failed auth: the message names the request and the status"
tap_is "$(eng_get badauth run failed_phase) $(eng_get badauth key s/r n)" "auth 0" "failed auth: results come back, failed in auth, with nothing sent"

# 4. Resets: a server that answers every request with a TCP RST.
rport=$(fr_free_port)
fr_bg rst python3 -c '
import socket, struct, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(128)
while True:
    c, _ = s.accept()
    try:
        c.settimeout(2); c.recv(4096)
    except OSError:
        pass
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
' "$rport"
fr_wait_port 127.0.0.1 "$rport" 5
open_plan reset 20/s 1s "/x" 2s 0 >"$T/reset.yaml"
FR_FIXTURE_URL=http://127.0.0.1:$rport eng_run reset "$T/reset.yaml" --threads 1
tap_is "$?" 0 "a resetting target: the run completes"
tap_is "$(eng_get reset key s/r n) $(eng_get reset key s/r reset)" "20 20" "connection resets are counted as reset"
eng_path_check reset

# 5. SIGINT after ~1.5 s of a 20 s run: stop at once, keep what was measured.
open_plan sigint 50/s 20s "/api/query?store=redis&key=key-1" >"$T/sigint.yaml"
"$ENGINE_RUN" --quiet "$T/sigint.yaml" >"$T/sigint.out" 2>"$T/sigint.err" &
epid=$!
sleep 1.5
kill -INT "$epid"
wait "$epid"
tap_is "$?" 2 "SIGINT: status FR_RUN_INTERRUPTED"
tap_is "$(eng_get sigint run interrupted)" 1 "SIGINT: results say interrupted"
el=$(eng_get sigint run elapsed_us)
eng_between "$el" 1000000 2500000
tap_ok $? "SIGINT: the load stopped at once (elapsed $el us)"
n=$(eng_get sigint key s/r n)
eng_between "$n" 40 120
tap_ok $? "SIGINT: the requests measured so far are kept (got $n)"
sent=$(eng_get sigint run sent)
planned=$(eng_get sigint run planned)
missed=$(eng_get sigint key s/r missed)
tap_is "$planned" "$((sent + missed))" "SIGINT: planned = sent + missed up to the stop ($planned = $sent + $missed)"
tap_done
