#!/bin/bash
# bench/memory.sh: what a run's memory grows with — the figures behind the
# estimate of `flowrun plan` and `--max-memory` (runner/plan/estimate.h).
#
#     bench/memory.sh
#
# Runs $top_builddir/flowrun (build it without --enable-asan: the sanitizers
# double the memory) on 2 worker threads against flowforge-fixture on
# loopback, once at a small and once at a large count of each thing, and
# prints the peak RSS (GNU time's %M) of each run and the bytes per unit of
# the difference:
#   - closed users (think 1s, GET /healthz, 8 s);
#   - websocket viewers (10 events/s, 8 s);
#   - open-model requests in flight (the fixture holds every answer for 30 s
#     with POST /admin/stall, so arrivals pile up to rate × elapsed);
#   - (key, segment) cells: 10 requests × 30 or 300 stages of 100 ms, 4 users.
# One Markdown table row per measure; the last column is the load average.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-backend.sh"

FLOWRUN=$top_builddir/flowrun
[ -x "$FLOWRUN" ] || { echo "memory: build $FLOWRUN first" >&2; exit 2; }
FR_FIXTURE_WAIT_OK=0 fr_start_fixture || exit 1
curl -fs --max-time 5 -o /dev/null -X POST -H "Authorization: Bearer $(fr_token)" -H 'Content-Type: application/json' \
	-d '{"widgets":1}' "$FR_FIXTURE_URL/api/dashboards" || exit 1

# peak_kb PLAN [STALL]: the peak RSS in KiB of one run of PLAN (STALL: hold the fixture's answers from 1 s on).
peak_kb() {
	local stall_pid=
	if [ -n "${2:-}" ]; then
		(sleep 1 && curl -fs -o /dev/null -X POST "$FR_FIXTURE_URL/admin/stall?for=30s") &
		stall_pid=$!
	fi
	/usr/bin/time -f %M -o "$FR_TMP/time" "$FLOWRUN" run "$1" --threads 2 --connections 100000 -q \
		>/dev/null 2>"$FR_TMP/run.err"
	[ -n "$stall_pid" ] && wait "$stall_pid"
	[ -n "${2:-}" ] && curl -fs -o /dev/null -X POST "$FR_FIXTURE_URL/admin/stall?for=0s"
	tail -1 "$FR_TMP/time"
}

# head_of NAME: the first lines of a plan against the fixture.
head_of() {
	printf 'version: 1\nname: %s\ntarget: { base_url: "%s", timeout: 60s }\n' "$1" "$FR_FIXTURE_URL"
	printf 'auth:\n  request: { method: POST, path: /api/auth/login, json: { user: bench, password: bench } }\n'
	# shellcheck disable=SC2016 # plan syntax, not shell
	printf '  capture: { token: { json: $.token } }\n  headers: { Authorization: "Bearer ${token}" }\n'
}

users_plan() {
	head_of users
	printf 'scenarios:\n  - { name: s, model: closed, think: 1s, stages: [{ users: %d, for: 8s }],\n' "$1"
	printf '      requests: [{ name: r, path: /healthz }] }\n'
}

viewers_plan() {
	head_of viewers
	printf 'scenarios:\n  - name: v\n    model: websocket\n    connect: /ws/dashboards/d1\n'
	printf '    stages: [{ viewers: %d, for: 8s }]\n    rate: 10/s\n' "$1"
	# shellcheck disable=SC2016 # plan syntax, not shell
	printf '    publish: { method: POST, path: /api/dashboards/d1/events, json: { id: "${event_id}" } }\n'
	printf "    match: '\"id\":\"(?<id>e[0-9]+)\"'\n"
}

open_plan() {
	head_of open
	printf 'scenarios:\n  - { name: o, model: open, stages: [{ rate: %d/s, for: 6s }], requests: [{ name: r, path: /healthz }] }\n' "$1"
}

cells_plan() {
	head_of cells
	printf 'scenarios:\n  - name: s\n    model: closed\n    stages:\n'
	for ((i = 0; i < $1; i++)); do printf '      - { users: 4, for: 100ms }\n'; done
	printf '    requests:\n'
	for ((i = 0; i < 10; i++)); do printf '      - { name: r%d, path: /healthz }\n' "$i"; done
}

# row WHAT UNIT SMALL LARGE UNITS_SMALL UNITS_LARGE KIND [STALL]
row() {
	local a b
	"${7}_plan" "$3" >"$FR_TMP/small.yaml"
	"${7}_plan" "$4" >"$FR_TMP/large.yaml"
	a=$(peak_kb "$FR_TMP/small.yaml" "${8:-}")
	b=$(peak_kb "$FR_TMP/large.yaml" "${8:-}")
	printf '| %s | %s | %s KiB | %s KiB | %d bytes | %s |\n' "$1" "$5 → $6 $2" "$a" "$b" \
		$(((b - a) * 1024 / ($6 - $5))) "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "| measure | counts | peak RSS small | peak RSS large | bytes per unit | load avg |"
echo "|---|---|---|---|---|---|"
row "closed users" users 200 2000 200 2000 users
row "websocket viewers" viewers 200 2000 200 2000 viewers
row "open requests in flight" "in flight" 40 400 200 2000 open stall
row "(key, segment) cells" cells 30 300 300 3000 cells
