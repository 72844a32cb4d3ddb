# shellcheck shell=bash
# tests/e2e/lib-engine.sh: running the engine harness in the engine's end-to-end tests
# (source after lib.sh).
#
# ENGINE_RUN is the fr_run driver (tests/harness/engine-run.c); eng_run runs it
# with a plan and keeps its output, eng_get pulls one `name=value` word out of
# a `key …` or `run …` line of that output.

ENGINE_RUN=${ENGINE_RUN:-$top_builddir/tests/harness/engine-run}

# eng_run OUT PLAN [ARGS…]: run PLAN, output in $FR_TMP/OUT.out; returns fr_run's status.
eng_run() {
	local out=$1
	shift
	timeout 60 "$ENGINE_RUN" --quiet "$@" >"$FR_TMP/$out.out" 2>"$FR_TMP/$out.err"
}

# eng_get OUT WORD… NAME: the value of NAME on the first line starting with
# the WORDs ("run", or "key scenario/request").
eng_get() {
	local out=$1 name=${*: -1} prefix
	prefix=$(printf '%s ' "${@:2:$#-2}")
	awk -v p="$prefix" -v n="$name" 'index($0, p) == 1 {
		for (i = 1; i <= NF; i++) if (index($i, n "=") == 1) { print substr($i, length(n) + 2); exit } }' \
		"$FR_TMP/$out.out"
}

# eng_path_check OUT: one TAP check that the HTTP path FLOWRUN_HTTP_ENGINE asks for
# (curl, or lean and the default auto: the lean path) carried every load request of OUT.
eng_path_check() {
	local lean curl
	lean=$(eng_get "$1" run http_lean)
	curl=$(eng_get "$1" run http_curl)
	if [ "${FLOWRUN_HTTP_ENGINE:-auto}" = curl ]; then
		[ "$lean" = 0 ] && [ "${curl:-0}" -gt 0 ]
		tap_ok $? "libcurl carried every request ($curl; lean path $lean)"
	else
		[ "$curl" = 0 ] && [ "${lean:-0}" -gt 0 ]
		tap_ok $? "the lean path carried every request ($lean; libcurl $curl)"
	fi
}

# eng_invalid OUT: the run's invalid reason ("" when valid).
eng_invalid() {
	sed -n 's/^run .* invalid="\(.*\)"$/\1/p' "$FR_TMP/$1.out"
}

# eng_seg OUT KEY SEG: requests of KEY in segment SEG.
eng_seg() {
	awk -v k="$2" -v s="$3" '$1 == "seg" && $2 == k && $3 == s { sub("n=", "", $6); print $6 }' "$FR_TMP/$1.out"
}

# eng_between VALUE LOW HIGH: LOW <= VALUE <= HIGH (numbers, decimals allowed).
eng_between() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v + 0 >= lo + 0 && v + 0 <= hi + 0) }'
}

# eng_show OUT: the output as TAP comments (for a failed check).
eng_show() {
	sed 's/^/# /' "$FR_TMP/$1.out" "$FR_TMP/$1.err" | grep -v '^# seg' | head -20
}

# eng_plan_head NAME [TIMEOUT]: the head of a plan against $FR_FIXTURE_URL that logs
# in (target timeout TIMEOUT, default 2s); the scenarios follow.
eng_plan_head() {
	cat <<EOP
version: 1
name: $1
target:
  base_url: \${env:FR_FIXTURE_URL}
  timeout: ${2:-2s}
auth:
  request: { method: POST, path: /api/auth/login, json: { user: bench, password: bench } }
  capture: { token: { json: \$.token } }
  headers: { Authorization: "Bearer \${token}" }
EOP
}

# eng_compare_plan NAME RATE SECS: the plan `flowrun compare` is measured and
# tested with (bench/compare-noise.sh, tests/e2e/baseline.sh): an open model at
# RATE for two stages of SECS each, /api/query (which the fixture's service
# time slows) three times as often as /healthz (which it does not).
eng_compare_plan() {
	eng_plan_head "$1"
	cat <<EOP
scenarios:
  - name: q
    model: open
    stages:
      - { name: first, rate: $2, for: $3 }
      - { name: second, rate: $2, for: $3 }
    requests:
      - { name: lookup, weight: 3, path: "/api/query?store=redis&key=\${rand:1..1000}" }
      - { name: health, weight: 1, path: /healthz }
slos:
  - { name: p99, p99: "< 1s", during: each-stage }
EOP
}
