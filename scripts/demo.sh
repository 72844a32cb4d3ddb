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

echo "demo: starting redis-server, toxiproxy-server, the store stand-ins and flowforge-fixture on loopback" >&2
fr_start_stack || { echo "demo: the services did not start" >&2; exit 4; }
echo "demo: flowrun plans/smoke.yaml (target $FLOWFORGE_URL, toxiproxy $TOXIPROXY_URL)" >&2
mkdir -p results/smoke
"$FLOWRUN" run plans/smoke.yaml --out results/smoke "$@"
rc=$?
echo "demo: flowrun exited $rc; results in results/smoke/; stopping the services" >&2
[ -f results/smoke/report.html ] && echo "demo: the HTML report (charts, one file, works offline): $PWD/results/smoke/report.html" >&2
exit $rc
