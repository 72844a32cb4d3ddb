#!/usr/bin/env bash
# demo.sh: the main job of ./quickstart — plans/smoke.yaml against the bundled FlowForge
# fixture, with a real redis-server and a real toxiproxy-server, all on free loopback
# ports; prints flowrun's report and stops everything it started. Exits with flowrun's
# exit code. Results are also written to results/smoke/ (JSON, JUnit, Markdown, and the
# HTML report with the run's charts, whose path it prints last).
set -u
cd "$(dirname "$0")/.." || exit 1
top_srcdir=$PWD
top_builddir=${top_builddir:-$PWD}
export top_srcdir top_builddir
# shellcheck source=../tests/e2e/lib.sh
. tests/e2e/lib.sh
# shellcheck source=../tests/e2e/lib-stack.sh
. tests/e2e/lib-stack.sh

# busy_note: a line when this machine is busy enough to spoil a 5 ms objective by itself —
# a load average above the CPU count, or over 2 % of its CPU time taken by the hypervisor
# (steal, over one second): every process of the demo stops for milliseconds then, and the
# report's slowest samples show latencies far above their service time (docs/decisions/0025).
busy_note() {
	local cpus load s0 t0 s1 t1 steal
	cpus=$(nproc)
	load=$(cut -d' ' -f1 /proc/loadavg)
	read -r s0 t0 < <(awk '/^cpu /{ print $9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
	sleep 1
	read -r s1 t1 < <(awk '/^cpu /{ print $9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
	steal=$(((s1 - s0) * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1)))
	if awk -v l="$load" -v c="$cpus" 'BEGIN { exit !(l > c) }' || [ "$steal" -gt 20 ]; then
		echo "demo: note: this machine is busy (load average $load on $cpus CPUs, $((steal / 10)).$((steal % 10)) % of CPU time stolen by the hypervisor): a millisecond objective may fail for that reason alone" >&2
	fi
}

busy_note
echo "demo: starting redis-server, toxiproxy-server, the store stand-ins and flowforge-fixture on loopback" >&2
fr_start_stack || { echo "demo: the services did not start" >&2; exit 4; }
echo "demo: flowrun plans/smoke.yaml (target $FLOWFORGE_URL, toxiproxy $TOXIPROXY_URL)" >&2
mkdir -p results/smoke
"$FLOWRUN" run plans/smoke.yaml --out results/smoke "$@"
rc=$?
echo "demo: flowrun exited $rc; results in results/smoke/; stopping the services" >&2
[ -f results/smoke/report.html ] && echo "demo: the HTML report (charts, one file, works offline): $PWD/results/smoke/report.html" >&2
exit $rc
