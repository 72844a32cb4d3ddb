#!/bin/bash
# tests/e2e/fixture.sh: end-to-end test of flowforge-fixture and
# flowforge-store against a real redis-server: login and bearer tokens, every
# store, dashboards and the widget cache, the service time, /admin/stall,
# WebSocket handshake, broadcast, drop-every, broadcast delay, close-after,
# a store that is down or too slow, /metrics through promtool, and a clean
# exit without leaks. The fixture runs 4 worker threads, whatever the number
# of CPUs, so every case crosses threads; a section checks what the threads
# share (exact counters, tokens, stall, mode, fan-out).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-toxiproxy.sh
. "$top_srcdir/tests/e2e/lib-toxiproxy.sh"

WSC=(python3 "$top_srcdir/fixtures/ws-client.py")
CLI=(python3 "$top_srcdir/tests/e2e/fixture-clients.py")
tap_plan 61

fr_start_backend --threads 4 || exit 1
U=$FR_FIXTURE_URL
WSU=ws://127.0.0.1:$FR_FIXTURE_PORT

# get URL [curl args…]: the body, then " CODE" (one line).
get() {
	local url=$1
	shift
	curl -s --max-time 5 -w ' %{http_code}' "$@" "$U$url"
}

# --- health and auth -------------------------------------------------------
tap_is "$(get /healthz)" '{"status":"ok","stores":{"redis":"up","materialize":"up","clickhouse":"up"}} 200' \
	"healthz: all stores up"
TOKEN=$(fr_token)
tap_like "$TOKEN" '^[0-9a-f]{32}$' "login returns a random hex token"
AUTH=(-H "Authorization: Bearer $TOKEN")
tap_is "$(get /api/auth/login -X POST -d '{"user":"bench","password":"nope"}')" \
	'{"error":"invalid credentials"} 401' "login with a wrong password: 401"
tap_is "$(get '/api/query?store=redis&key=key-1')" \
	'{"error":"missing or invalid bearer token"} 401' "query without a token: 401"
tap_is "$(get '/api/query?store=redis&key=key-1' -H 'Authorization: Bearer 0123')" \
	'{"error":"missing or invalid bearer token"} 401' "query with an unknown token: 401"
tap_is "$(get /api/nowhere "${AUTH[@]}")" '{"error":"no such route"} 404' "unknown /api path with a token: 404"

# --- stores ----------------------------------------------------------------
tap_is "$(get '/api/query?store=redis&key=key-7' "${AUTH[@]}")" \
	'{"store":"redis","key":"key-7","value":"value-7"} 200' "redis: a seeded key"
tap_is "$(get '/api/query?store=redis&key=absent' "${AUTH[@]}")" \
	'{"store":"redis","key":"absent","value":null} 200' "redis: an absent key is null"
tap_is "$(get '/api/query?store=materialize&key=k1' "${AUTH[@]}")" \
	'{"store":"materialize","key":"k1","value":"materialize:k1"} 200' "materialize stand-in"
tap_is "$(get '/api/query?store=clickhouse&key=k2' "${AUTH[@]}")" \
	'{"store":"clickhouse","key":"k2","value":"clickhouse:k2"} 200' "clickhouse stand-in"
tap_is "$(get '/api/query?store=postgres&key=k' "${AUTH[@]}")" \
	'{"error":"unknown store '\''postgres'\'' (want redis, materialize or clickhouse)"} 400' "unknown store: 400"

# --- dashboards and widgets ------------------------------------------------
tap_is "$(get /api/dashboards -X POST -d '{"widgets":"3"}' "${AUTH[@]}")" \
	'{"id":"d1","widgets":["d1-w1","d1-w2","d1-w3"]} 201' "create a dashboard (widgets as a string)"
tap_is "$(get /api/dashboards -X POST -d '{"widgets":2}' "${AUTH[@]}")" \
	'{"id":"d2","widgets":["d2-w1","d2-w2"]} 201' "create a dashboard (widgets as a number)"
tap_is "$(get /api/dashboards -X POST -d '{"widgets":1001}' "${AUTH[@]}")" \
	'{"error":"widgets must be an integer from 1 to 1000"} 400' "1001 widgets: 400"
tap_is "$(get /api/dashboards/d1 "${AUTH[@]}")" \
	'{"id":"d1","widgets":["d1-w1","d1-w2","d1-w3"]} 200' "get a dashboard"
tap_is "$(get /api/dashboards/d99 "${AUTH[@]}")" '{"error":"unknown dashboard '\''d99'\''"} 404' "unknown dashboard: 404"
tap_is "$(get /api/widgets/d1-w2/data "${AUTH[@]}")" \
	'{"widget":"d1-w2","value":"materialize:d1-w2","cached":false} 200' "widget data: a miss loads from materialize"
tap_is "$(get /api/widgets/d1-w2/data "${AUTH[@]}")" \
	'{"widget":"d1-w2","value":"materialize:d1-w2","cached":true} 200' "widget data: then a hit"
tap_is "$(curl -s --max-time 5 "$U/metrics" | grep -E '^flowforge_cache_(hits|misses)_total ')" \
	"$(printf 'flowforge_cache_hits_total 1\nflowforge_cache_misses_total 1')" "cache hit and miss counters"

# --- HTTP behaviour --------------------------------------------------------
tap_like "$(curl -s --max-time 5 -D - -o /dev/null -H 'Connection: close' "$U/healthz" | tr -d '\r')" \
	$'Connection: close' "Connection: close is honoured"
tap_is "$(python3 - "$FR_FIXTURE_PORT" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
socks = set()
for _ in range(3):
    c.request("GET", "/healthz"); r = c.getresponse(); r.read(); socks.add(id(c.sock))
print(len(socks), r.status, r.getheader("Content-Length") is not None)
PY
)" "1 200 True" "keep-alive: three requests on one connection"

PAD=$(printf 'a%.0s' $(seq 1 3000))
tap_like "$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{time_total}' -H 'Expect: 100-continue' \
	-d "{\"user\":\"bench\",\"password\":\"bench\",\"pad\":\"$PAD\"}" "$U/api/auth/login")" '^200 0\.[0-4]' \
	"Expect: 100-continue is answered at once (no 1 s client wait)"

# --- service time and stall ------------------------------------------------
get '/admin/mode?service_time=10ms' -X POST >/dev/null
tap_is "$(python3 - "$FR_FIXTURE_PORT" "$TOKEN" <<'PY'
import http.client, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
lat = []
for i in range(100):
    t = time.perf_counter()
    c.request("GET", "/api/query?store=redis&key=key-%d" % (i + 1),
              headers={"Authorization": "Bearer " + sys.argv[2]})
    c.getresponse().read()
    lat.append((time.perf_counter() - t) * 1e3)
lat.sort()
p50 = lat[49]
print("p50 in [10ms, 11ms]" if 10 <= p50 <= 11 else "p50 %.3f ms" % p50)
PY
)" "p50 in [10ms, 11ms]" "--service-time 10ms is precise"
get '/admin/mode?service_time=0ms' -X POST >/dev/null
STALL=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{time_total}' -X POST "$U/admin/stall?for=600ms")
HELD=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{time_total}' "$U/healthz")
tap_like "$STALL" '^200 0\.0' "/admin/stall answers at once"
tap_ok "$(awk -v t="${HELD#* }" 'BEGIN { exit !(t >= 0.5 && t < 0.8) }'; echo $?)" \
	"a request during the stall is answered when it ends ($HELD)"

# --- WebSocket -------------------------------------------------------------
tap_is "$("${WSC[@]}" handshake "$WSU/ws/dashboards/d1")" 401 "ws without a token: 401"
tap_is "$("${WSC[@]}" handshake "$WSU/ws/dashboards/d42?token=$TOKEN")" 404 "ws to an unknown dashboard: 404"
tap_is "$("${WSC[@]}" handshake "$WSU/ws/dashboards/d1" --header "Authorization: Bearer $TOKEN")" 101 \
	"ws with a bearer header: 101"
tap_is "$("${WSC[@]}" listen "$WSU/ws/dashboards/d1?token=$TOKEN" --ping --timeout 0.5 | tr '\n' ' ')" \
	"connected pong hello timeout " "ws ping is answered with pong"

# listeners DASH N COUNT TIMEOUT [ARGS…]: start N viewers in the background and
# wait until all are connected; their output is in $FR_TMP/viewer-DASH-I.log.
listeners() {
	local dash=$1 n=$2 count=$3 timeout=$4 i
	shift 4
	for ((i = 1; i <= n; i++)); do
		rm -f "$FR_TMP/ready-$dash-$i"
		fr_bg "viewer-$dash-$i" "${WSC[@]}" listen "$WSU/ws/dashboards/$dash?token=$TOKEN" \
			--count "$count" --timeout "$timeout" --ready "$FR_TMP/ready-$dash-$i" "$@"
	done
	for ((i = 0; i < 100; i++)); do
		[ "$(find "$FR_TMP" -maxdepth 1 -name "ready-$dash-*" | wc -l)" -ge "$n" ] && return 0
		sleep 0.05
	done
}

# seqs DASH I: the event sequence numbers viewer I received, space separated.
seqs() {
	sed -n 's/^msg [^ ]* //p' "$FR_TMP/viewer-$1-$2.log" | python3 -c \
		'import json,sys; print(" ".join(str(json.loads(l)["seq"]) for l in sys.stdin))'
}

# publish DASH COUNT INTERVAL: publish events; prints how many were accepted.
publish() {
	"${WSC[@]}" publish "$U" "$1" "$TOKEN" --count "$2" --interval "$3"
}

# wait_viewers DASH N: wait until the viewers' processes have ended.
wait_viewers() {
	local i
	for ((i = 1; i <= $2; i++)); do
		while kill -0 "$(cat "$FR_TMP/viewer-$1-$i.pid")" 2>/dev/null; do sleep 0.05; done
	done
}

listeners d1 3 5 10
tap_is "$(get /api/dashboards/d1/events -X POST -d '{"seq":1,"t":0}' "${AUTH[@]}")" '{"viewers":3} 202' \
	"publish answers 202 with the viewer count"
publish d1 4 0.01 >/dev/null
wait_viewers d1 3
tap_is "$(seqs d1 1)|$(seqs d1 2)|$(seqs d1 3)" "1 1 2 3 4|1 1 2 3 4|1 1 2 3 4" \
	"broadcast reaches all three viewers, in order"

get '/admin/mode?drop_every=10' -X POST >/dev/null
listeners d2 2 27 10
publish d2 30 0.005 >/dev/null
wait_viewers d2 2
WANT=$(seq 1 30 | grep -v '0$' | tr '\n' ' ')
tap_is "$(seqs d2 1) |$(seqs d2 2) " "$WANT|$WANT" "--drop-every 10: every 10th event is lost for every viewer"
get '/admin/mode?drop_every=0&broadcast_delay=20ms' -X POST >/dev/null

tap_is "$(get /api/dashboards -X POST -d '{"widgets":1}' "${AUTH[@]}")" '{"id":"d3","widgets":["d3-w1"]} 201' \
	"dashboard for the delay test"
listeners d3 1 40 10
publish d3 40 0.01 >/dev/null
wait_viewers d3 1
P50=$(awk '/^msg/ { print $2 }' "$FR_TMP/viewer-d3-1.log" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
tap_ok "$(awk -v p="$P50" 'BEGIN { exit !(p >= 20 && p <= 22) }'; echo $?)" \
	"--broadcast-delay 20ms: delivery p50 $P50 ms in [20, 22]"
get '/admin/mode?broadcast_delay=0ms&ws_close_after=2' -X POST >/dev/null

get /api/dashboards -X POST -d '{"widgets":1}' "${AUTH[@]}" >/dev/null # d4
listeners d4 1 10 5
publish d4 3 0.01 >/dev/null
wait_viewers d4 1
tap_is "$(awk '{ print $1 }' "$FR_TMP/viewer-d4-1.log" | tr '\n' ' ')" "connected msg msg close " \
	"--ws-close-after 2: two messages, then close"
tap_is "$(grep '^close' "$FR_TMP/viewer-d4-1.log")" "close 1001" "the close code is 1001"
get '/admin/mode?ws_close_after=0' -X POST >/dev/null

# --- a store goes down -----------------------------------------------------
fr_stop materialize
for ((i = 0; i < 100; i++)); do
	get /healthz | grep -q '"materialize":"down"' && break
	sleep 0.05
done
tap_is "$(get /healthz)" '{"status":"degraded","stores":{"redis":"up","materialize":"down","clickhouse":"up"}} 200' \
	"healthz: a stopped stand-in is down"
tap_is "$(get '/api/query?store=materialize&key=k1' "${AUTH[@]}")" \
	'{"error":"materialize unavailable: connection refused"} 503' "query to a down store: 503 naming it"
tap_is "$(get /api/widgets/d2-w1/data "${AUTH[@]}")" \
	'{"error":"materialize unavailable: connection refused"} 503' "widget miss with the store down: 503"

# --- metrics ---------------------------------------------------------------
curl -s --max-time 5 -D "$FR_TMP/metrics.head" -o "$FR_TMP/metrics.txt" "$U/metrics"
promtool check metrics <"$FR_TMP/metrics.txt" >"$FR_TMP/promtool.out" 2>&1
tap_ok $? "metrics pass promtool check metrics"
sed 's/^/# /' "$FR_TMP/promtool.out"
tap_like "$(tr -d '\r' <"$FR_TMP/metrics.head")" 'Content-Type: text/plain; version=0.0.4' "metrics content type"
tap_is "$(grep -E '^flowforge_store_(up|errors_total)\{store="materialize"' "$FR_TMP/metrics.txt" | grep -E 'unavailable|up\{')" \
	"$(printf 'flowforge_store_errors_total{store="materialize",kind="unavailable"} 2\nflowforge_store_up{store="materialize"} 0')" \
	"metrics: materialize errors and down"
tap_like "$(grep -c 'flowforge_store_query_duration_seconds_bucket{store="redis",le="\(0.001\|0.0025\|0.005\|0.01\|0.025\|0.05\|0.1\|0.25\|0.5\|1\|2\|3\|5\)"}' "$FR_TMP/metrics.txt")" \
	'^13$' "the histogram has every SLO boundary as a bucket"
# 5 + 30 + 40 + 3 events; 3x5 + 2x27 + 40 + 2 messages
tap_is "$(grep -E '^flowforge_(ws_messages_sent|ws_events_published)_total ' "$FR_TMP/metrics.txt" | tr '\n' ' ')" \
	'flowforge_ws_messages_sent_total 111 flowforge_ws_events_published_total 78 ' "ws message and event counters"
# 78 events, 3 of them dropped: each of the 4 threads delivered the other 75
tap_is "$(grep '^flowforge_ws_fanout_seconds_count ' "$FR_TMP/metrics.txt")" 'flowforge_ws_fanout_seconds_count 300' \
	"every thread fanned out every event (75 x 4)"

# --- four worker threads share one fixture ----------------------------------
# healthz_count: flowforge_http_requests_total of GET /healthz answered 200.
healthz_count() {
	curl -s --max-time 5 "$U/metrics" | awk '$1 == "flowforge_http_requests_total{route=\"healthz\",code=\"200\"}" { print $2 }'
}
C0=$(healthz_count)
tap_is "$("${CLI[@]}" parallel "$FR_FIXTURE_PORT" /healthz --connections 16 --requests 25 | grep -v min_ms)" "200 400" \
	"16 keep-alive clients at once: 400 answers"
tap_is "$(($(healthz_count) - C0))" 400 "the request counter is exact across threads (+400)"
tap_is "$(curl -s --max-time 5 "$U/metrics" | grep -c '^flowforge_connections_accepted_total{thread="[0-3]"} [1-9]')" 4 \
	"SO_REUSEPORT spreads the connections over all 4 threads"
tap_is "$("${CLI[@]}" parallel "$FR_FIXTURE_PORT" /api/dashboards/d1 --connections 16 --requests 1 \
	--header "Authorization: Bearer $TOKEN" | grep -v min_ms)" "200 16" "a token issued on one thread is valid on every thread"
MIN=$("${CLI[@]}" parallel "$FR_FIXTURE_PORT" /healthz --connections 12 --requests 1 --post-first '/admin/stall?for=1000ms' |
	sed -n 's/^min_ms //p')
tap_ok "$(awk -v m="$MIN" 'BEGIN { exit !(m >= 500) }'; echo $?)" \
	"/admin/stall for 1 s holds the answers of every thread (fastest of 12: $MIN ms >= 500)"
get '/admin/mode?service_time=30ms' -X POST >/dev/null
MIN=$("${CLI[@]}" parallel "$FR_FIXTURE_PORT" '/api/query?store=redis&key=key-2' --connections 12 --requests 2 \
	--header "Authorization: Bearer $TOKEN" | sed -n 's/^min_ms //p')
tap_ok "$(awk -v m="$MIN" 'BEGIN { exit !(m >= 30) }'; echo $?)" "/admin/mode applies to every thread (fastest of 24: $MIN ms >= 30)"
get '/admin/mode?service_time=0ms' -X POST >/dev/null
get /api/dashboards -X POST -d '{"widgets":1}' "${AUTH[@]}" >/dev/null # d5
listeners d5 8 3 10
publish d5 3 0.01 >/dev/null
wait_viewers d5 8
ALL=""
for i in 1 2 3 4 5 6 7 8; do ALL="$ALL$(seqs d5 "$i")|"; done
tap_is "$ALL" "1 2 3|1 2 3|1 2 3|1 2 3|1 2 3|1 2 3|1 2 3|1 2 3|" "8 viewers spread over the threads get every event, in order"

# --- a store that is too slow ----------------------------------------------
fr_start_store_free slowclickhouse SLOW 500ms
MAIN_URL=$U
FR_CLICKHOUSE_PORT=$SLOW FR_FIXTURE_WAIT_OK=0 FR_FIXTURE_NAME=fixture2 fr_start_fixture --store-timeout 200ms
U=$FR_FIXTURE_URL
TOKEN2=$(fr_token)
T0=$(date +%s%N)
tap_is "$(get '/api/query?store=clickhouse&key=k' -H "Authorization: Bearer $TOKEN2")" \
	'{"error":"clickhouse timeout after 200 ms"} 504' "a store slower than --store-timeout: 504 naming it"
ELAPSED=$((($(date +%s%N) - T0) / 1000000))
tap_ok "$([ "$ELAPSED" -ge 200 ] && [ "$ELAPSED" -lt 450 ]; echo $?)" "the 504 comes after the timeout (${ELAPSED} ms)"
tap_like "$(curl -s --max-time 5 "$U/metrics" | grep 'store="clickhouse",kind="timeout"')" ' [1-9][0-9]*$' "timeouts are counted"
tap_is "$(get /healthz)" '{"status":"degraded","stores":{"redis":"up","materialize":"down","clickhouse":"down"}} 200' \
	"healthz: the slow store is down"

# --- through Toxiproxy: a toxic on the proxy reaches the fixture -----------
if fr_toxiproxy_bin >/dev/null; then
	RP=$(fr_free_port)
	fr_start_toxiproxy
	TPU=$FR_TOXI_URL
	curl -s --max-time 5 -X POST "$TPU/proxies" -d "{\"name\":\"redis\",\"listen\":\"127.0.0.1:$RP\",\"upstream\":\"127.0.0.1:$FR_REDIS_PORT\",\"enabled\":true}" >/dev/null
	FR_MATERIALIZE_PORT='' FR_FIXTURE_NAME=fixture3 fr_start_fixture --redis "127.0.0.1:$RP" --store-timeout 300ms
	U=$FR_FIXTURE_URL
	TOKEN3=$(fr_token)
	q() { curl -s --max-time 5 -w ' %{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN3" "$U/api/query?store=redis&key=key-3"; }
	curl -s --max-time 5 -X POST "$TPU/proxies/redis/toxics" -d '{"name":"flowrun-lat","type":"latency","stream":"downstream","toxicity":1.0,"attributes":{"latency":200,"jitter":0}}' >/dev/null
	tap_like "$(q)" '^\{"store":"redis","key":"key-3","value":"value-3"\} 200 0\.2[0-9]' "toxiproxy latency 200ms slows redis lookups (answer in [200, 300) ms)"
	curl -s --max-time 5 -X DELETE "$TPU/proxies/redis/toxics/flowrun-lat"
	curl -s --max-time 5 -X POST "$TPU/proxies/redis/toxics" -d '{"name":"flowrun-to","type":"timeout","stream":"upstream","toxicity":1.0,"attributes":{"timeout":0}}' >/dev/null
	tap_like "$(q)" '^\{"error":"redis timeout after 300 ms"\} 504 0\.3' "toxiproxy timeout toxic: 504 after --store-timeout"
	curl -s --max-time 5 -X DELETE "$TPU/proxies/redis/toxics/flowrun-to"
	tap_like "$(q)" '^\{"store":"redis","key":"key-3","value":"value-3"\} 200 ' "toxic removed: lookups recover at once"
	curl -s --max-time 5 -X PATCH "$TPU/proxies/redis" -d '{"enabled":false}' >/dev/null
	sleep 0.2
	tap_like "$(q)" '^\{"error":"redis unavailable: connection refused"\} 503 ' "proxy disabled: 503 naming redis and the cause"
	fr_stop fixture3
else
	for n in "latency toxic" "timeout toxic" "recovery" "disabled proxy"; do
		tap_skip_missing "toxiproxy $n" "toxiproxy-server not installed"
	done
fi

# --- clean exit ------------------------------------------------------------
U=$MAIN_URL
fr_stop fixture
fr_stop fixture2
tap_is "$(cat "$FR_TMP/fixture.log" "$FR_TMP/fixture2.log" "$FR_TMP/materialize.log" | grep -c -E 'Sanitizer|runtime error')" 0 \
	"SIGTERM: fixtures and store exit cleanly, no sanitizer report"
tap_done
