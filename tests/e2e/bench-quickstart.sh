#!/bin/bash
# bench-quickstart.sh: the README's benchmark quick start, typed as written (TAP):
#
#   make bench-up        # Toxiproxy, Prometheus, Grafana (or why not)
#   make backend         # "in another terminal": here in the background
#   make bench-run       # the four scenario plans, TIME_SCALE=0.05
#   make bench-slo       # their SLOs again, from Prometheus
#   make bench-down
#
# in the build tree ($top_builddir: a VPATH build, or the source tree of
# `./quickstart test`). Every port is a free one, given by the environment variables
# the scripts read, and the run and results directories are this test's, so it
# collides with no other test and no developer's stack. It checks what a user is
# promised: bench-up exits 0 and its services answer on the URLs it prints;
# bench-run before the backend fails fast naming `make backend`; the backend reaches
# its stores through the Toxiproxy proxies; bench-run leaves one results directory and
# run id per scenario plan and a combined summary naming all four, whose exit is the
# worst plan's; bench-slo prints a verdict for every SLO window of the four plans and
# exits with the worst plan's code (flowrun slo run here on each recorded run id is
# the oracle); bench-down stops the foreground backend too and leaves no process and
# no port open. About 90 s on an idle machine (the four plans take about 50 s of load
# at time scale 0.05); every step is bounded by `timeout`.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-toxiproxy.sh
. "$top_srcdir/tests/e2e/lib-toxiproxy.sh"

fr_toxiproxy_bin >/dev/null || tap_skip_all "toxiproxy-server not installed (scripts/install-deps.sh)"
for tool in prometheus redis-server make jq curl; do
	command -v "$tool" >/dev/null || tap_skip_all "$tool not installed (scripts/install-deps.sh)"
done

T=$(fr_tmpdir)
SCENARIOS="event-rate widget-count ws-viewers store-failure"
cd "$top_builddir" || exit 1
# The commands as a user types them: no make flags from the `make check` around us.
unset MAKEFLAGS MFLAGS MAKELEVEL PLAN PLANS RUN_ID FLOWFORGE_URL
export BENCH_RUN_DIR=$T/run BENCH_RESULTS_DIR=$T/results TIME_SCALE=0.05
for v in TOXIPROXY_PORT PROMETHEUS_PORT GRAFANA_PORT METRICS_PORT BACKEND_PORT REDIS_PORT MATERIALIZE_PORT \
	CLICKHOUSE_PORT REDIS_PROXY_PORT MATERIALIZE_PROXY_PORT CLICKHOUSE_PROXY_PORT; do
	printf -v "$v" '%s' "$(fr_free_port)"
	export "${v?}"
done
fr_on_exit "timeout 60 make bench-down"

# worst CODE…: the worse exit code by flowrun's precedence (runner/cli/exit.h), the oracle.
worst() {
	local w=0 c
	for c in "$@"; do
		if [ "$c" = 130 ] || [ "$w" = 130 ]; then w=130; elif [ "$c" -gt "$w" ]; then w=$c; fi
	done
	echo "$w"
}

# rows FILE: the rows of the combined summary in FILE ("plan exit verdict met reports").
rows() {
	awk '/^  plan +exit +verdict/ { on = 1; next } on && /^  / { print $1, $2, $3, $4, $5 } /^exit / { on = 0 }' "$1"
}

# make_status FILE RC: the exit code of the command make ran ("Error N"), 0 when make succeeded.
make_status() {
	if [ "$2" = 0 ]; then echo 0; else sed -n 's/^make: \*\*\* \[.*\] Error \([0-9]*\)$/\1/p' "$1" | tail -1; fi
}

# --- make bench-up ---------------------------------------------------------------
timeout 120 make bench-up >"$T/up.out" 2>&1
tap_is "$?" 0 "make bench-up exits 0" || sed 's/^/# /' "$T/up.out"
tap_check "bench-up prints the Toxiproxy API, Prometheus and Grafana (or why not)" "$(
	grep -q "^  Toxiproxy API  http://127.0.0.1:$TOXIPROXY_PORT " "$T/up.out" || echo "no Toxiproxy URL"
	grep -q "^  Prometheus     http://127.0.0.1:$PROMETHEUS_PORT$" "$T/up.out" || echo "no Prometheus URL"
	grep -Eq "^  Grafana        (http://127.0.0.1:$GRAFANA_PORT|not running: .+)$" "$T/up.out" || echo "no Grafana line"
)"
tap_check "the services answer on those ports" "$(
	fr_wait_http "http://127.0.0.1:$TOXIPROXY_PORT/version" 5 || echo "Toxiproxy does not answer"
	fr_wait_http "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" 5 || echo "Prometheus does not answer"
	for p in "$REDIS_PROXY_PORT" "$MATERIALIZE_PROXY_PORT" "$CLICKHOUSE_PROXY_PORT"; do
		fr_port_open 127.0.0.1 "$p" || echo "no Toxiproxy proxy listens on $p"
	done
	if grep -q "^  Grafana        http" "$T/up.out"; then
		fr_wait_http "http://127.0.0.1:$GRAFANA_PORT/api/health" 5 || echo "Grafana does not answer"
	fi
)"

# --- make bench-run before make backend: fast, and says what to run ----------------
start=$(date +%s%N)
timeout 30 make bench-run >"$T/early.out" 2>&1
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" != 0 ] && [ "$ms" -lt 5000 ] && grep -q "Run 'make backend' in another terminal first" "$T/early.out"
tap_ok $? "make bench-run before make backend fails (exit $rc) in under 5 s (${ms}ms) and says to run make backend" \
	"$(cat "$T/early.out")"

# --- make backend, "in another terminal" --------------------------------------------
fr_bg backend make backend
backend_make=$FR_LAST_PID
for ((i = 0; i < 300; i++)); do
	grep -q "FlowForge backend up" "$T/backend.log" 2>/dev/null && break
	kill -0 "$backend_make" 2>/dev/null || break
	sleep 0.1
done
fr_wait_http "http://127.0.0.1:$BACKEND_PORT/healthz" 5
tap_ok $? "make backend runs in the foreground and its backend answers" "$(fr_log backend)" ||
	{ echo "Bail out! no backend"; exit 1; }
tap_check "its stores are reached through the proxies bench-up started" "$(
	grep -q "(redis 127.0.0.1:$REDIS_PROXY_PORT, materialize 127.0.0.1:$MATERIALIZE_PROXY_PORT, clickhouse 127.0.0.1:$CLICKHOUSE_PROXY_PORT)" \
		"$T/backend.log" || fr_log backend
	curl -fsS -m 2 "http://127.0.0.1:$BACKEND_PORT/healthz" | grep -q '"redis":"up","materialize":"up","clickhouse":"up"' ||
		echo "a store is not up: $(curl -sS -m 2 "http://127.0.0.1:$BACKEND_PORT/healthz")"
)"

# --- make bench-run: the four scenarios ----------------------------------------------
timeout 600 make bench-run >"$T/run.out" 2>&1
rc=$?
got=$(rows "$T/run.out")
tap_is "$(awk '{ print $1 }' <<<"$got" | paste -sd' ')" "$SCENARIOS" \
	"bench-run ends with one combined summary naming the four scenario plans" || tail -40 "$T/run.out" | sed 's/^/# /'
printf '# %s\n' "${got//$'\n'/$'\n'# }"
problems=
ids=
codes=()
for plan in $SCENARIOS; do
	read -r _ code _ _ where <<<"$(grep "^$plan " <<<"$got")"
	id=$(sed -n 's/^run_id=//p' "$BENCH_RUN_DIR/last-run/$plan" 2>/dev/null)
	dir=$BENCH_RESULTS_DIR/$plan/$id
	ids+="$id "
	codes+=("${code:-?}")
	if [ -z "$id" ] || [ ! -f "$dir/result.json" ]; then
		problems+="$plan: no results directory $dir with result.json"$'\n'
		continue
	fi
	[ "$where" = "$dir/" ] || problems+="$plan: the summary points at '$where', not $dir/"$'\n'
	[ "$(jq -r .run_id "$dir/result.json")" = "$id" ] || problems+="$plan: result.json is of run $(jq -r .run_id "$dir/result.json"), not $id"$'\n'
	[ "$(find "$BENCH_RESULTS_DIR/$plan" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 1 ] ||
		problems+="$plan: not exactly one results directory"$'\n'
	case $code in 0 | 1 | 3) [ "$(jq .exit_code "$dir/result.json")" = "$code" ] ||
		problems+="$plan: summary exit $code, result.json exit_code $(jq .exit_code "$dir/result.json")"$'\n' ;;
	esac
done
tap_check "one results directory and run id per plan, as the summary says" "$problems"
tap_is "$(tr ' ' '\n' <<<"$ids" | sed '/^$/d' | sort -u | wc -l)" 4 "four distinct run ids"
want=$(worst "${codes[@]}")
tap_is "$(sed -n 's/^exit \([0-9]*\): the worst of the 4 plans.*/\1/p' "$T/run.out"):$(make_status "$T/run.out" $rc)" \
	"$want:$want" "bench-run exits with the worst plan's code ($want)"

# --- make bench-slo --------------------------------------------------------------------
timeout 300 make bench-slo >"$T/slo.out" 2>&1
rc=$?
got=$(rows "$T/slo.out")
tap_is "$(awk '{ print $1 }' <<<"$got" | paste -sd' ')" "$SCENARIOS" "bench-slo ends with the combined summary of the four plans" ||
	tail -40 "$T/slo.out" | sed 's/^/# /'
printf '# %s\n' "${got//$'\n'/$'\n'# }"
problems=
codes=()
for plan in $SCENARIOS; do
	id=$(sed -n 's/^run_id=//p' "$BENCH_RUN_DIR/last-run/$plan" 2>/dev/null)
	dir=$BENCH_RESULTS_DIR/$plan/$id
	# The oracle: flowrun slo itself on the recorded run.
	(cd "$top_srcdir" && "$FLOWRUN" slo --prometheus "http://127.0.0.1:$PROMETHEUS_PORT" --run-id "$id" \
		--time-scale "$TIME_SCALE" "plans/$plan.yaml" >"$T/$plan.slo" 2>&1)
	codes+=("$?")
	[ "$(grep "^$plan " <<<"$got" | awk '{ print $2 }')" = "${codes[-1]}" ] ||
		problems+="$plan: the summary's exit is not flowrun slo's (${codes[-1]})"$'\n'
	# Every SLO window of the run has its verdict in what bench-slo printed for the plan.
	n=$(jq '.verdicts | length' "$dir/result.json")
	v=$(awk '/^SLOs$/ { on = 1; next } /^result: / { on = 0 } on' "$dir/slo-prometheus.txt" |
		grep -Ec ' (PASS|FAIL|NO DATA|SKIPPED)$')
	[ "$n" -gt 0 ] && [ "$v" = "$n" ] || problems+="$plan: $v verdicts printed for $n SLO windows"$'\n'
	for slo in $(jq -r '[.verdicts[].slo] | unique | .[]' "$dir/result.json"); do
		grep -Eq "^  $slo .* (PASS|FAIL|NO DATA|SKIPPED)$" "$dir/slo-prometheus.txt" || problems+="$plan: no verdict for $slo"$'\n'
	done
	grep -q "SLOs of run $id from prometheus" "$T/slo.out" || problems+="$plan: bench-slo did not print its SLO table"$'\n'
done
tap_check "bench-slo prints a verdict for every SLO of the four plans, exits as flowrun slo" "$problems"
want=$(worst "${codes[@]}")
tap_is "$(sed -n 's/^exit \([0-9]*\): the worst of the 4 plans.*/\1/p' "$T/slo.out"):$(make_status "$T/slo.out" $rc)" \
	"$want:$want" "bench-slo exits with the worst plan's code ($want)"

# --- make bench-down -------------------------------------------------------------------
pids=$(cat "$BENCH_RUN_DIR"/*.pid 2>/dev/null | paste -sd' ')
timeout 120 make bench-down >"$T/down.out" 2>&1
tap_is "$?" 0 "make bench-down exits 0" || sed 's/^/# /' "$T/down.out"
for ((i = 0; i < 150; i++)); do
	kill -0 "$backend_make" 2>/dev/null || break
	sleep 0.1
done
tap_check "no process left: the stack, the stores, the fixture and the foreground make backend" "$(
	for p in $pids $backend_make; do
		kill -0 "$p" 2>/dev/null && echo "pid $p still runs: $(ps -o args= -p "$p")"
	done
	[ -n "$pids" ] || echo "no pid files were found before bench-down"
)"
tap_check "no port left open" "$(
	for v in TOXIPROXY_PORT PROMETHEUS_PORT GRAFANA_PORT METRICS_PORT BACKEND_PORT REDIS_PORT MATERIALIZE_PORT \
		CLICKHOUSE_PORT REDIS_PROXY_PORT MATERIALIZE_PROXY_PORT CLICKHOUSE_PROXY_PORT; do
		fr_port_open 127.0.0.1 "${!v}" && echo "$v ${!v} is open"
	done
)"
tap_done
