#!/bin/bash
# tests/e2e/fixture-limits.sh: flowforge-fixture and flowforge-store against
# unlucky and hostile clients (issue 10, item 6): a header sent one byte at a
# time is cut off by --header-timeout (408) while others are served; an idle
# keep-alive connection is closed after --idle-timeout, but not a request the
# fixture itself holds (a stall); beyond --max-connections a client gets 503
# and the count is exact; with the descriptor limit reached, accepting backs
# off instead of spinning and resumes once descriptors are free; a client
# that pipelines without reading is pushed back instead of growing the
# fixture's memory, gets every answer once it reads, and is cut off by
# --idle-timeout if it never does. The same for
# flowforge-store (--line-timeout, --max-connections, descriptor limit, a
# pipelining non-reader). About 40 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"

CLI=(python3 "$top_srcdir/tests/e2e/fixture-clients.py")
REQ='GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
tap_plan 27

# cpu_pct PID SECONDS: the share of one core PID used over the next SECONDS.
cpu_pct() {
	local c0 c1
	c0=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
	sleep "$2"
	c1=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
	awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v s="$2" 'BEGIN { printf "%.0f", 100 * c / hz / s }'
}

# rss_kb PID: resident memory in KiB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# wait_file FILE: up to 15 s until FILE exists and is not empty.
wait_file() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# in_range VALUE LOW HIGH: whether LOW <= VALUE <= HIGH (decimals allowed).
in_range() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

# held_cpu NAME PORT PID N: open N connections to PORT that send nothing
# (fr_bg NAME: call held_cpu directly, not in $(…)), then set CPU to PID's
# CPU use over 2 s (percent of one core).
held_cpu() {
	fr_bg "$1" "${CLI[@]}" hold "$2" "$4" - "$FR_TMP/$1.ready"
	wait_file "$FR_TMP/$1.ready"
	sleep 0.3
	CPU=$(cpu_pct "$3" 2)
}

# metric URL LINE-PREFIX: the value of the first sample starting so.
metric() {
	curl -s --max-time 5 "$1/metrics" | awk -v p="$2" 'index($0, p) == 1 { print $NF; exit }'
}

# --- header and idle timeouts ---------------------------------------------
FR_FIXTURE_NAME=fx-timeouts fr_start_fixture --header-timeout 1s --idle-timeout 2s || exit 1
fr_bg slow "${CLI[@]}" slow "$FR_FIXTURE_PORT" "$REQ" --every 0.3 --give-up 8
SLOW_PID=$FR_LAST_PID
sleep 0.3
tap_like "$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{time_total}' "$FR_FIXTURE_URL/healthz")" '^200 0\.[0-4]' \
	"another client is served while a header arrives one byte at a time"
while kill -0 "$SLOW_PID" 2>/dev/null; do sleep 0.05; done
SLOW=$(fr_log slow)
tap_like "$SLOW" '^closed after [0-9.]+ s: HTTP/1.1 408 Request Timeout$' \
	"a header still incomplete after --header-timeout 1s: 408, then closed ($SLOW)"
T=$(echo "$SLOW" | awk '{ print $3 }')
tap_ok "$(in_range "${T:-99}" 0.9 4; echo $?)" "... within [0.9 s, 4 s] of its first byte ($T s)"
IDLE=$("${CLI[@]}" idle "$FR_FIXTURE_PORT" "$REQ" --give-up 8)
T=$(echo "$IDLE" | awk '{ print $3 }')
tap_like "$IDLE" '^closed after' "an idle keep-alive connection is closed by --idle-timeout 2s ($IDLE)"
tap_ok "$(in_range "${T:-99}" 1.9 4.5; echo $?)" "... after [1.9 s, 4.5 s] of silence ($T s)"
curl -s --max-time 5 -o /dev/null -X POST "$FR_FIXTURE_URL/admin/stall?for=2500ms"
HELD=$(curl -s --max-time 8 -o /dev/null -w '%{http_code} %{time_total}' "$FR_FIXTURE_URL/healthz")
tap_ok "$(in_range "${HELD#* }" 2.3 4 && [ "${HELD% *}" = 200 ]; echo $?)" \
	"a request the fixture holds longer than --idle-timeout (a stall) is answered, not cut ($HELD)"
tap_is "$(metric "$FR_FIXTURE_URL" 'flowforge_connections_closed_total{reason="header_timeout"}') $(metric "$FR_FIXTURE_URL" 'flowforge_connections_closed_total{reason="idle_timeout"}')" \
	"1 1" "metrics: one connection closed by each timeout"
fr_bg cutoff "${CLI[@]}" flood "$FR_FIXTURE_PORT" "$REQ" "$FR_TMP/cutoff.ready" --seconds 1 --max-mb 64
wait_file "$FR_TMP/cutoff.ready"
for ((i = 0; i < 160; i++)); do
	[ "$(metric "$FR_FIXTURE_URL" 'flowforge_connections_closed_total{reason="idle_timeout"}')" = 2 ] && break
	sleep 0.05
done
tap_is "$(metric "$FR_FIXTURE_URL" 'flowforge_connections_closed_total{reason="idle_timeout"}') $(metric "$FR_FIXTURE_URL" 'flowforge_connections_open')" \
	"2 1" "a client that pipelines and never reads is cut off by --idle-timeout once nothing moves ($(cat "$FR_TMP/cutoff.ready"))"
fr_stop cutoff

# --- connection cap ----------------------------------------------------------
FR_FIXTURE_NAME=fx-cap fr_start_fixture --max-connections 4 --threads 2 || exit 1
fr_bg hold4 "${CLI[@]}" hold "$FR_FIXTURE_PORT" 4 "$REQ" "$FR_TMP/hold4.ready"
wait_file "$FR_TMP/hold4.ready"
tap_is "$(cat "$FR_TMP/hold4.ready")" 4 "four keep-alive connections are served (--max-connections 4)"
tap_is "$("${CLI[@]}" first "$FR_FIXTURE_PORT")" "HTTP/1.1 503 Service Unavailable (closed)" \
	"a fifth gets 503 and is closed"
fr_stop hold4
for ((i = 0; i < 100; i++)); do
	[ "$(metric "$FR_FIXTURE_URL" 'flowforge_connections_open')" = 1 ] && break
	sleep 0.05
done
tap_is "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$FR_FIXTURE_URL/healthz")" 200 \
	"once they close, new clients are served again"
tap_is "$(metric "$FR_FIXTURE_URL" 'flowforge_connections_open') $(metric "$FR_FIXTURE_URL" 'flowforge_connections_closed_total{reason="max_connections"}')" \
	"1 1" "metrics: exactly one connection open (this scrape), one refused"

# --- out of file descriptors ------------------------------------------------
PORT=$(fr_free_port)
fr_bg fx-emfile bash -c 'ulimit -n 64 && exec "$@"' _ "$top_builddir/flowforge-fixture" --listen "127.0.0.1:$PORT" \
	--redis 127.0.0.1:1 --materialize 127.0.0.1:1 --clickhouse 127.0.0.1:1 --threads 1 --max-connections 1000 --quiet
EMFILE_PID=$FR_LAST_PID
fr_wait_listen "$EMFILE_PID" 127.0.0.1 "$PORT" 10 || { fr_log fx-emfile >&2; exit 1; }
held_cpu hold80 "$PORT" "$EMFILE_PID" 80
tap_ok "$([ "$CPU" -lt 25 ]; echo $?)" "ulimit -n 64 and 80 clients: the accept loop backs off (fixture CPU $CPU % < 25 %)"
fr_stop hold80
tap_ok "$(fr_wait_http "http://127.0.0.1:$PORT/healthz" 5; echo $?)" "descriptors free again: new clients are served"
tap_like "$(metric "http://127.0.0.1:$PORT" 'flowforge_accept_pauses_total')" '^[1-9][0-9]*$' \
	"metrics: accepting paused and resumed"

# --- a client that pipelines and never reads --------------------------------
FR_FIXTURE_NAME=fx-flood fr_start_fixture --threads 1 || exit 1
curl -s --max-time 5 -o /dev/null "$FR_FIXTURE_URL/healthz"
RSS0=$(rss_kb "$FR_FIXTURE_PID")
fr_bg flood "${CLI[@]}" flood "$FR_FIXTURE_PORT" "$REQ" "$FR_TMP/flood.ready" --seconds 3 --max-mb 64
wait_file "$FR_TMP/flood.ready"
tap_is "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$FR_FIXTURE_URL/healthz")" 200 \
	"another client is served while one pipelines without reading"
GROWTH=$((($(rss_kb "$FR_FIXTURE_PID") - RSS0) / 1024))
tap_ok "$([ "$GROWTH" -lt 16 ]; echo $?)" \
	"a pipelining non-reader ($(cat "$FR_TMP/flood.ready")) grows the fixture's RSS by $GROWTH MiB < 16 MiB"
fr_stop flood
tap_is "$("${CLI[@]}" pipeline "$FR_FIXTURE_PORT" "$REQ" 'HTTP/1.1 200' --mb 4 --read-after 1)" "answered 123361 of 123361" \
	"4 MiB of pipelined requests read 1 s late: every one answered, in the end"

# --- flowforge-store ----------------------------------------------------------
PORT=$(fr_free_port)
fr_bg store-limits "$top_builddir/flowforge-store" --listen "127.0.0.1:$PORT" --name st --service-time 0ms \
	--line-timeout 1s --max-connections 3 --quiet
STORE_PID=$FR_LAST_PID
fr_wait_listen "$STORE_PID" 127.0.0.1 "$PORT" 10 || exit 1
fr_bg sslow "${CLI[@]}" slow "$PORT" 'GET key-with-no-end' --every 0.3 --give-up 8
SSLOW_PID=$FR_LAST_PID
sleep 0.3
tap_is "$("${CLI[@]}" line "$PORT" 'GET k1\n')" "VALUE k1 st:k1" "store: another client is served during a slow line"
while kill -0 "$SSLOW_PID" 2>/dev/null; do sleep 0.05; done
T=$(fr_log sslow | awk '{ print $3 }')
tap_like "$(fr_log sslow)" '^closed after' "store: a line unfinished after --line-timeout 1s is closed ($(fr_log sslow))"
tap_ok "$(in_range "${T:-99}" 0.9 4; echo $?)" "... within [0.9 s, 4 s] ($T s)"
fr_bg shold "${CLI[@]}" hold "$PORT" 3 'PING\n' "$FR_TMP/shold.ready"
wait_file "$FR_TMP/shold.ready"
tap_is "$("${CLI[@]}" first "$PORT")" "ERR too many connections (closed)" "store: beyond --max-connections 3: refused"
fr_stop shold
RSS0=$(rss_kb "$STORE_PID")
fr_bg sflood "${CLI[@]}" flood "$PORT" 'GET k\n' "$FR_TMP/sflood.ready" --seconds 3 --max-mb 64 --mb-per-s 4
wait_file "$FR_TMP/sflood.ready"
GROWTH=$((($(rss_kb "$STORE_PID") - RSS0) / 1024))
tap_ok "$([ "$GROWTH" -lt 16 ]; echo $?)" \
	"store: a pipelining non-reader ($(cat "$FR_TMP/sflood.ready")) grows its RSS by $GROWTH MiB < 16 MiB"
fr_stop sflood
tap_is "$("${CLI[@]}" pipeline "$PORT" 'GET k\n' '\n' --mb 8 --read-after 1)" "answered 1398101 of 1398101" \
	"store: 8 MiB of pipelined GETs read 1 s late: every one answered, not dropped"
PORT=$(fr_free_port)
fr_bg store-emfile bash -c 'ulimit -n 24 && exec "$@"' _ "$top_builddir/flowforge-store" --listen "127.0.0.1:$PORT" \
	--name st --max-connections 1000 --quiet
SE_PID=$FR_LAST_PID
fr_wait_listen "$SE_PID" 127.0.0.1 "$PORT" 10 || exit 1
held_cpu shold40 "$PORT" "$SE_PID" 40
tap_ok "$([ "$CPU" -lt 25 ]; echo $?)" "store: ulimit -n 24 and 40 clients: no spinning (CPU $CPU % < 25 %)"
fr_stop shold40
sleep 0.3
tap_is "$("${CLI[@]}" line "$PORT" 'PING\n')" PONG "store: descriptors free again: served"

# --- clean exit -------------------------------------------------------------
for n in fx-timeouts fx-cap fx-emfile fx-flood store-limits store-emfile; do
	fr_stop "$n"
done
tap_is "$(cat "$FR_TMP"/fx-*.log "$FR_TMP"/store-*.log | grep -c -E 'Sanitizer|runtime error')" 0 \
	"every fixture and store exits cleanly, no sanitizer report"
tap_done
