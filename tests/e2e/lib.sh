# shellcheck shell=bash
# tests/e2e/lib.sh: the one library of flowrun's end-to-end tests — paths, a
# temporary directory, background processes, free ports, TAP output and the rule
# for a missing tool.
#
# Every test sources it first:
#   . "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# make check sets $top_srcdir and $top_builddir (different directories in a VPATH
# build); a test run by hand from the source tree finds both there. Sourcing makes
# $FR_TMP and registers fr_cleanup on EXIT (and INT/TERM): it stops every process
# started with fr_bg and removes the directory. Services are started by the files
# beside this one: lib-backend.sh (redis-server, the store stand-ins,
# flowforge-fixture), lib-toxiproxy.sh, lib-prometheus.sh, and lib-stack.sh (all of
# them wired together); lib-engine.sh drives the engine harness.

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
FLOWRUN=${FLOWRUN:-$top_builddir/flowrun}
export top_srcdir top_builddir FLOWRUN

FR_TMP=$(mktemp -d "${TMPDIR:-/tmp}/flowrun-e2e.XXXXXX")
FR_PIDS=()
FR_NAMES=()
FR_CLEANUP_HOOKS=()
FR_TAP_N=0
FR_TAP_FAILED=0
FR_TAP_PLANNED=0

# shellcheck source=../../scripts/lib-proc.sh
. "$top_srcdir/scripts/lib-proc.sh" # fr_kill_pid, fr_port_open

# --- the test's temporary directory and processes ------------------------

# fr_tmpdir: the test's temporary directory (removed at exit).
fr_tmpdir() {
	echo "$FR_TMP"
}

# fr_on_exit CMD…: run a command during cleanup, before processes are stopped.
fr_on_exit() {
	FR_CLEANUP_HOOKS+=("$*")
}

# fr_cleanup: hooks, then every fr_bg process (newest first), then $FR_TMP
# (kept, and named on stderr, with FR_KEEP_TMP=1).
fr_cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = 0; i < ${#FR_CLEANUP_HOOKS[@]}; i++)); do
		eval "${FR_CLEANUP_HOOKS[i]}" >/dev/null 2>&1
	done
	for ((i = ${#FR_PIDS[@]} - 1; i >= 0; i--)); do
		[ -n "${FR_PIDS[i]}" ] && fr_kill_pid "${FR_PIDS[i]}"
	done
	if [ -n "${FR_KEEP_TMP:-}" ]; then
		echo "# kept $FR_TMP" >&2
	else
		rm -rf "$FR_TMP"
	fi
	exit "$rc"
}
trap fr_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# fr_bg NAME CMD…: start CMD in the background, stdout and stderr appended to
# $FR_TMP/NAME.log, its pid in $FR_TMP/NAME.pid; sets FR_LAST_PID. Call it
# directly, not in $(…), so that the pid is remembered.
fr_bg() {
	local name=$1
	shift
	"$@" >>"$FR_TMP/$name.log" 2>&1 &
	FR_LAST_PID=$!
	FR_PIDS+=("$FR_LAST_PID")
	FR_NAMES+=("$name")
	echo "$FR_LAST_PID" >"$FR_TMP/$name.pid"
}

# fr_stop NAME: stop the process fr_bg started under NAME (and forget it).
fr_stop() {
	local i
	for ((i = 0; i < ${#FR_NAMES[@]}; i++)); do
		if [ "${FR_NAMES[i]}" = "$1" ] && [ -n "${FR_PIDS[i]}" ]; then
			fr_kill_pid "${FR_PIDS[i]}"
			FR_PIDS[i]=
		fi
	done
}

# fr_log NAME: print the log of a background process (for diagnostics).
fr_log() {
	cat "$FR_TMP/$1.log" 2>/dev/null
}

# --- ports ------------------------------------------------------------------

# fr_free_port: a loopback TCP port nothing listens on (the kernel's choice),
# never the same twice in one test. Another program can still take it before
# the test binds it, so the fr_start_* functions try up to three ports.
fr_free_port() {
	local port i
	for ((i = 0; i < 20; i++)); do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
			return 1
		if ! grep -qx "$port" "$FR_TMP/.ports" 2>/dev/null; then
			echo "$port" >>"$FR_TMP/.ports"
			echo "$port"
			return 0
		fi
	done
	return 1
}

# fr_wait_port HOST PORT [TIMEOUT]: wait (seconds, decimals allowed, default 5)
# until the port accepts connections; 1 on timeout.
fr_wait_port() {
	local n i
	n=$(awk -v t="${3:-5}" 'BEGIN { print int(t * 20) + 1 }')
	for ((i = 0; i < n; i++)); do
		fr_port_open "$1" "$2" && return 0
		sleep 0.05
	done
	return 1
}

# fr_wait_listen PID HOST PORT TIMEOUT: wait until PORT accepts connections
# and PID still runs 30 ms later (if another program took the port meanwhile,
# PID fails to bind and exits); 1 if PID exits, or on timeout.
fr_wait_listen() {
	local n i
	n=$(awk -v t="$4" 'BEGIN { print int(t * 50) + 1 }')
	for ((i = 0; i < n; i++)); do
		kill -0 "$1" 2>/dev/null || return 1
		if fr_port_open "$2" "$3"; then
			sleep 0.03
			kill -0 "$1" 2>/dev/null
			return
		fi
		sleep 0.02
	done
	return 1
}

# fr_wait_http URL [TIMEOUT]: wait (seconds, default 5) until URL answers with
# a success status; 1 on timeout.
fr_wait_http() {
	local n i
	n=$(awk -v t="${2:-5}" 'BEGIN { print int(t * 20) }')
	for ((i = 0; i < n; i++)); do
		curl -fsS -m 1 -A flowrun-test "$1" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# fr_wait_all PID…: waits for each background process in turn; their exit
# codes, in the same order and separated by spaces, go into FR_CODES. (Call
# it directly, not in $(…): a subshell cannot wait for its parent's children.)
fr_wait_all() {
	local p codes=()
	for p in "$@"; do
		wait "$p"
		codes+=($?)
	done
	FR_CODES="${codes[*]}"
}

# --- flowrun's result files -------------------------------------------------

# fr_run_valid OUT ARGS…: `flowrun run ARGS --json $FR_TMP/OUT.json` (stdout and
# stderr in $FR_TMP/OUT.out and .err), repeated — at most 3 times — while the run
# judges itself invalid for scheduler lag or a saturated generator: on a starved
# machine such a run proves nothing either way. Sets $rc and $secs (the last
# attempt's wall time).
fr_run_valid() {
	local out=$1 _ t0
	shift
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		timeout 120 "$FLOWRUN" run "$@" --json "$FR_TMP/$out.json" >"$FR_TMP/$out.out" 2>"$FR_TMP/$out.err"
		rc=$?
		secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
		[ "$rc" = 3 ] && jq -e '.invalid | test("scheduler lag|generator saturated")' "$FR_TMP/$out.json" >/dev/null 2>&1 || return 0
		echo "# $out: invalid ($(jq -r .invalid "$FR_TMP/$out.json")), again"
	done
}

# fr_verdict RESULT.json SLO FIELD: a field of the first verdict of SLO in a result
# file (measured, pass, no_data, measured_text); e.g. `fr_verdict r.json p99 measured`.
fr_verdict() {
	jq -r --arg s "$2" --arg f "$3" '[.verdicts[] | select(.slo == $s)][0][$f]' "$1"
}

# fr_window_stat RESULT.json KEY SLO FIELD: a field of the summary of metric key KEY
# ("scenario/request") over the (first) window of SLO; FIELD is a jq path such as
# .requests, .errors or .latency.p50 (µs).
fr_window_stat() {
	jq -r --arg k "$2" --arg s "$3" "
		([.windows | to_entries[] | select(.value.slo == \$s) | .key][0]) as \$w |
		[.keys[] | select(.name == \$k) | .windows[] | select(.window == \$w)][0]$4" "$1"
}

# --- TAP ----------------------------------------------------------------------

# tap_plan N: the plan line, before the first test point.
tap_plan() {
	FR_TAP_PLANNED=1
	echo "1..$1"
}

# tap_ok STATUS NAME [DIAGNOSTIC]: "ok" when STATUS is 0 (e.g. `tap_ok $? "name"`),
# else "not ok" followed by DIAGNOSTIC as comment lines. Returns STATUS.
tap_ok() {
	FR_TAP_N=$((FR_TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $FR_TAP_N - $2"
		return 0
	fi
	echo "not ok $FR_TAP_N - $2"
	FR_TAP_FAILED=$((FR_TAP_FAILED + 1))
	[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	return 1
}

# tap_check NAME PROBLEMS: "ok" when PROBLEMS (whatever a check found wrong) is
# empty, else "not ok" with PROBLEMS as the diagnostic.
tap_check() {
	if [ -z "$2" ]; then tap_ok 0 "$1"; else tap_ok 1 "$1" "$2"; fi
}

# tap_is GOT WANT NAME: exact comparison, with a diff on failure.
tap_is() {
	if [ "$1" = "$2" ]; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed -e '1s/^.*$/# --- want/' -e '2s/^.*$/# +++ got/' -e '3,$s/^/# /'
		return 1
	fi
}

# tap_like GOT ERE NAME: GOT matches the extended regular expression.
tap_like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3" "got: $1
want match: $2"
	fi
}

# tap_skip NAME REASON: a skipped test point (for what is optional everywhere).
tap_skip() {
	FR_TAP_N=$((FR_TAP_N + 1))
	echo "ok $FR_TAP_N - $1 # SKIP $2"
}

# fr_require_all: are missing tools failures here? Yes under FLOWRUN_REQUIRE_ALL=1
# (./quickstart test, .ci/run) and when CI is set; a developer's machine skips.
fr_require_all() {
	[ "${FLOWRUN_REQUIRE_ALL:-0}" = 1 ] && return 0
	case ${CI:-} in '' | 0 | false) return 1 ;; esac
	return 0
}

# tap_skip_all REASON: the test cannot run here (a tool is missing): the whole test
# is skipped ("1..0 # SKIP REASON"), or fails under fr_require_all; then exits.
tap_skip_all() {
	if fr_require_all; then
		echo "1..1"
		echo "not ok 1 - $1, and FLOWRUN_REQUIRE_ALL=1 or CI is set"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

# tap_skip_missing NAME REASON: one test point that needs a missing tool: skipped,
# or "not ok" under fr_require_all.
tap_skip_missing() {
	if fr_require_all; then
		tap_ok 1 "$1 ($2, and FLOWRUN_REQUIRE_ALL=1 or CI is set)"
	else
		tap_skip "$1" "$2"
	fi
}

# tap_done: the end of a test. Prints the plan now when tap_plan was not called
# (a plan at the end, for a count known only afterwards), then exits 1 when a
# test point failed, else 0.
tap_done() {
	[ "$FR_TAP_PLANNED" = 1 ] || echo "1..$FR_TAP_N"
	exit $((FR_TAP_FAILED > 0))
}
