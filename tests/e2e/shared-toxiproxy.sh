#!/usr/bin/env bash
# shared-toxiproxy.sh: two runs share one Toxiproxy. Toxics are named
# flowrun-<expiry>-<run-id>-<fault>, and a run's start-up cleanup removes only the
# expired ones, its own run id's, those of --clean-leftovers=RUN, or with
# --clean-leftovers every one, loudly — so a second run never removes the active
# faults of the first, and still cleans up after a crashed one. About 25 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
cd "$top_srcdir" || exit 1
T=$(fr_tmpdir)
fr_start_stack || { echo "Bail out! the stack did not start"; exit 1; }

# wait_faults RUN: up to 10 s until run RUN's latency toxic and down marker are in place.
wait_faults() {
	local _
	for _ in $(seq 200); do
		[ "$(fr_flowrun_toxics | grep -c -- "-$1-")" = 2 ] && [ "$(fr_disabled_proxies)" = clickhouse ] && return 0
		sleep 0.05
	done
	return 1
}

# toxics_of RUN: run RUN's toxics, sorted, on one line.
toxics_of() {
	fr_flowrun_toxics | grep -- "-$1-" | sort | tr '\n' ' '
}

# 1. Run A holds two faults for 24 s; run B, with a fault of its own, starts and ends meanwhile.
"$FLOWRUN" run tests/e2e/plans/chaos-long.yaml --quiet --run-id run-a --json "$T/a.json" >/dev/null 2>"$T/a.err" &
apid=$!
wait_faults run-a
a_toxics=$(toxics_of run-a)
tap_like "$a_toxics" '^redis/flowrun-[0-9]{10}-run-a-slow clickhouse/flowrun-[0-9]{10}-run-a-down-cut $|^clickhouse/flowrun-[0-9]{10}-run-a-down-cut redis/flowrun-[0-9]{10}-run-a-slow $' \
	"run A's toxics are named with their expiry and the run id"
expiry=$(fr_flowrun_toxics | sed -n 's|^redis/flowrun-\([0-9]*\)-run-a-slow$|\1|p')
want=$(($(date +%s) + 24 + 30))
[ -n "$expiry" ] && [ "$expiry" -ge $((want - 3)) ] && [ "$expiry" -le $((want + 1)) ]
tap_ok $? "the expiry is the fault's end plus 30 s (in $((expiry - $(date +%s))) s)"
"$FLOWRUN" run tests/e2e/plans/cli-fault.yaml --quiet --run-id run-b >/dev/null 2>"$T/b.err"
tap_is "$(toxics_of run-a)$(fr_disabled_proxies)" "${a_toxics}clickhouse" \
	"run B started and ended: run A's faults are all still in place"
tap_like "$(cat "$T/b.err")" "left 2 toxics of another run in place \(they expire within [0-9]+s; --clean-leftovers removes them now\): " \
	"run B says it left them"
tap_is "$(toxics_of run-b)" "" "run B removed its own"
kill -INT "$apid"
wait "$apid"
tap_is "$?:$(fr_flowrun_toxics)$(fr_disabled_proxies)" "130:" "run A, stopped, removes its faults"

# 2. A crashed run (kill -9) leaves active-looking faults: another run id leaves them,
# --clean-leftovers removes them, loudly.
"$FLOWRUN" run tests/e2e/plans/chaos-long.yaml --quiet --run-id crashed >/dev/null 2>&1 &
pid=$!
wait_faults crashed
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$FLOWRUN" run tests/e2e/plans/cli-fault.yaml --quiet --run-id run-c >/dev/null 2>"$T/c.err"
tap_is "$(fr_flowrun_toxics | grep -c -- -crashed-)$(fr_disabled_proxies)" "2clickhouse" \
	"after a kill -9, a run of another id leaves the faults that have not expired"
"$FLOWRUN" run tests/e2e/plans/cli-fault.yaml --quiet --run-id run-d --clean-leftovers >/dev/null 2>"$T/d.err"
tap_like "$(head -1 "$T/d.err")" "^flowrun: --clean-leftovers: removing every flowrun toxic in $TOXIPROXY_URL, also those of runs still going$" \
	"--clean-leftovers says what it is about to do"
tap_like "$(sed -n 2p "$T/d.err")" "^flowrun: removed 2 leftover toxics from an earlier run: .*-crashed-.*; re-enabled proxy it had left disabled: clickhouse$" \
	"and names what it removed"
tap_is "$(fr_flowrun_toxics)$(fr_disabled_proxies)" "" "nothing left"

# 3. An expired toxic goes at the next start; --clean-leftovers=RUN removes one run's.
# plant PROXY NAME: adds a 1 ms latency toxic NAME on PROXY, as a crashed run would leave it.
plant() {
	curl -fsS -m 3 -A flowrun-test -X POST -H 'Content-Type: application/json' "$TOXIPROXY_URL/proxies/$1/toxics" \
		-d "{\"name\":\"$2\",\"type\":\"latency\",\"attributes\":{\"latency\":1}}" >/dev/null
}
now=$(date +%s)
plant redis "flowrun-$((now - 5))-ghost-slow"
plant materialize "flowrun-$((now + 300))-alive-slow"
plant materialize "flowrun-$((now + 300))-named-slow"
"$FLOWRUN" run tests/e2e/plans/cli-fault.yaml --quiet --run-id run-e --clean-leftovers=named >/dev/null 2>"$T/e.err"
tap_is "$(fr_flowrun_toxics | sort | tr '\n' ' ')" "materialize/flowrun-$((now + 300))-alive-slow " \
	"an expired toxic and --clean-leftovers=named's go; another run's active one stays"
tap_like "$(cat "$T/e.err")" "removed 2 leftover toxics from an earlier run: materialize/flowrun-$((now + 300))-named-slow, redis/flowrun-$((now - 5))-ghost-slow" \
	"the message names both"
"$FLOWRUN" run tests/e2e/plans/cli-fault.yaml --quiet --run-id alive >/dev/null 2>"$T/f.err"
tap_is "$(fr_flowrun_toxics)" "" "a run of the same id removes its own leftovers"
tap_done
