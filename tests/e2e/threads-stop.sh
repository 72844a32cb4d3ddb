#!/usr/bin/env bash
# threads-stop.sh: a two-thread run with every moving part (open and closed HTTP models,
# WebSocket viewers, a fault, the metrics exporter) stopped by a signal while all of it is
# active (SIGINT, then SIGHUP): exit 130, partial results, the fault removed, and no
# sanitizer report; the run writes checkpoints every 0.5 s meanwhile. In the
# ThreadSanitizer build (scripts/tsan.sh, run by tests/e2e/tsan.sh) this is the data-race
# check of the worker mailbox, the fault thread and the exporter: TSan reports make
# flowrun exit 66 and print "WARNING: ThreadSanitizer".
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
cd "$top_srcdir" || exit 1
T=$(fr_tmpdir)
fr_start_stack || { echo "Bail out! the stack did not start"; exit 1; }

# sanitizer_reports FILE: the first line of every sanitizer report in FILE.
sanitizer_reports() {
	grep -E 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' "$1"
}

# stop_run SIGNAL NAME: a 2-thread run of signals.yaml, stopped with SIGNAL once its
# fault is on and its viewers have received something.
stop_run() {
	"$FLOWRUN" run tests/e2e/plans/signals.yaml --threads 2 --metrics-listen 127.0.0.1:0 --quiet \
		--json "$T/$2.json" --checkpoint 0.5 >"$T/$2.out" 2>"$T/$2.err" &
	local pid=$! _
	for _ in $(seq 200); do [ -n "$(fr_flowrun_toxics)" ] && break; sleep 0.05; done
	sleep 1.2
	kill "-$1" "$pid"
	wait "$pid"
	tap_is "$?" 130 "$1 during a 2-thread run: exit 130"
	tap_is "$(jq -r .interrupted "$T/$2.json" 2>/dev/null)" true "$1: the partial result is written"
	tap_is "$(fr_flowrun_toxics)" "" "$1: the fault is removed"
	tap_is "$(sanitizer_reports "$T/$2.err")" "" "$1: no sanitizer report"
}

stop_run INT int
stop_run HUP hup
tap_done
