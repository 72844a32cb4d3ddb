#!/bin/bash
# allocs.sh: the lean HTTP path allocates nothing per request in a steady run
# (decision 0016) — request bytes, transfers, connections, read buffers,
# captures and the variables of groups and open-model arrivals are all reused.
#
# engine-run-allocs is the engine harness linked with its allocation functions
# wrapped (tests/harness/engine-run.c): it counts every malloc, calloc,
# realloc, strdup, strndup and vasprintf of flowrun's code. The same plan —
# logged in (a per-request Authorization header), a closed-model group of two
# steps with a JSON capture each (the second step's query uses the first's
# capture) and an open-model request with a capture — runs for 1 s and for 3 s;
# the extra allocations divided by the extra requests must stay far below one.
# What does grow with time (a time-series point per second, a heartbeat
# sample: about 110 a second here) is per second, not per request: the bound
# is 300 a second plus 0.02 a request, so a slow, loaded machine (fewer
# requests in the same seconds) cannot fail the test, while one allocation
# per request is far over it at the 5,000 extra requests the test demands
# (5,000 against 700; the ASan build makes 20,000–45,000 a second here). About 8 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-engine.sh
. "$top_srcdir/tests/e2e/lib-engine.sh"

tap_plan 5
FR_FIXTURE_WAIT_OK=0 fr_start_fixture || exit 1
T=$FR_TMP
# shellcheck disable=SC2034 # eng_run (lib-engine.sh) runs it
ENGINE_RUN=$top_builddir/tests/harness/engine-run-allocs

# plan SECONDS: the plan, its stages SECONDS long.
plan() {
	eng_plan_head "allocs-$1"
	cat <<EOP
scenarios:
  - name: c
    model: closed
    stages: [{ users: 20, for: ${1}s }]
    requests:
      - name: page
        steps:
          - { name: health, path: /healthz, capture: { status: { json: \$.status } } }
          - { name: again, path: "/healthz?was=\${status}", capture: { redis: { json: \$.stores.redis } } }
  - name: o
    model: open
    stages: [{ rate: 200/s, for: ${1}s }]
    requests: [{ name: tick, path: "/healthz?i=\${i}", capture: { status: { json: \$.status } } }]
EOP
}
plan 1 >"$T/short.yaml"
plan 3 >"$T/long.yaml"

eng_run short "$T/short.yaml" --threads 2 --allow-saturated --http-engine lean
s1=$?
eng_run long "$T/long.yaml" --threads 2 --allow-saturated --http-engine lean
tap_is "$s1 $?" "0 0" "both runs complete"
n1=$(eng_get short run http_lean)
n2=$(eng_get long run http_lean)
a1=$(eng_get short allocs n)
a2=$(eng_get long allocs n)
[ -n "$a1" ] && [ -n "$a2" ]
tap_ok $? "the harness counts allocations ($a1 and $a2)"
tap_is "$(eng_get short run http_curl) $(eng_get long run http_curl)" "0 0" "the lean path carried every load request"
[ "${n2:-0}" -ge $((${n1:-0} + 5000)) ]
tap_ok $? "the longer run made at least 5,000 more requests ($n1, then $n2)"
per=$(awk -v a1="$a1" -v a2="$a2" -v n1="$n1" -v n2="$n2" 'BEGIN { printf "%.4f", (a2 - a1) / (n2 - n1) }')
[ "${n2:-0}" -gt "${n1:-0}" ] && [ -n "$a1" ] && [ -n "$a2" ] &&
	awk -v a1="$a1" -v a2="$a2" -v n1="$n1" -v n2="$n2" 'BEGIN { exit !(a2 - a1 < 2 * 300 + 0.02 * (n2 - n1)) }'
tap_ok $? "$((a2 - a1)) more allocations for $((n2 - n1)) more requests ($per each): under 300 a second + 0.02 a request"
tap_done
