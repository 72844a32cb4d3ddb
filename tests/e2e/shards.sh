#!/usr/bin/env bash
# shards.sh: one plan as N local shards with a common start, merged into one result (TAP).
#
# Each shard is a separate flowrun process that takes its number from
# JOB_COMPLETION_INDEX, as a pod of a Kubernetes Indexed Job does; all of them
# run against the one fixture (behind a real Toxiproxy) from a common
# --start-at a few seconds ahead, and `flowrun merge` adds their results up.
# - closed model, plans/event-rate.yaml time-scaled, 4 shards: the merged peak
#   users and every stage's users equal the plan's, the fixture's own request
#   counter equals the merged count, the merged SLO table has every window with
#   data, every shard started within 50 ms of the start and measured its clock
#   offset against the fixture's (the true offset, on one host, is 0);
# - open model with a fault (tests/e2e/plans/shard-open.yaml), 4 shards: the
#   uniform scenario's merged sends are the plan's within 1 %, the Poisson
#   scenario's within 5 standard deviations, the fixture agrees with the merged
#   count, shard 0 alone applied the fault (the other shards are given a dead
#   Toxiproxy address and never notice), and every shard's samples during the
#   fault landed in the fault's segment (their p50 there is the fault's 20 ms);
# - failures: a shard stopped by SIGTERM mid-run writes its partial result, which
#   the merge uses and flags (exit 3, or the covered share with --allow-missing);
#   a missing shard is exit 3 naming it; a shard ready after start + grace sends
#   nothing and is marked late; --shards without an index and a shard without
#   --start-at are usage errors;
# - setup and teardown once (tests/e2e/plans/shard-setup.yaml): flowrun setup
#   creates one dashboard per sweep pass, three shards load them with
#   --vars-from without running setup, flowrun teardown runs once per pass.
# About 60 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
cd "$top_srcdir" || exit 1
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
fr_toxiproxy_bin >/dev/null || tap_skip_all "toxiproxy-server not installed (scripts/install-deps.sh)"
tap_plan 42
T=$(fr_tmpdir)
fr_start_stack || { echo "Bail out! the stack did not start"; exit 1; }
AJV=$top_srcdir/node_modules/.bin/ajv

# counter ROUTE: the fixture's own count of answered requests of ROUTE.
counter() {
	curl -fs -m 3 "$FR_FIXTURE_URL/metrics" |
		awk -v r="route=\"$1\"" 'index($0, "flowforge_http_requests_total{" r) == 1 {s += $2} END {print s + 0}'
}

# start_in S: a start time S seconds from now, as unix seconds.
start_in() {
	python3 -c "import time; print(f'{time.time() + $1:.3f}')"
}

# run_shards PREFIX N START PLAN ARGS…: N shards as separate processes, each told
# its number by JOB_COMPLETION_INDEX; results in PREFIX-K.json, stderr in
# PREFIX-K.err; prints their exit codes.
run_shards() {
	local prefix=$1 n=$2 start=$3 plan=$4 k pids=()
	shift 4
	for ((k = 0; k < n; k++)); do
		JOB_COMPLETION_INDEX=$k "$FLOWRUN" run "$plan" --shards "$n" --start-at "$start" --threads 1 --quiet \
			--json "$prefix-$k.json" "$@" 2>"$prefix-$k.err" &
		pids+=($!)
	done
	fr_wait_all "${pids[@]}"
	echo "$FR_CODES"
}

# rcs_ok PREFIX RCS…: the shards' exit codes are 0 or 1 — or 3 when the run was
# invalid only because the loaded machine delayed the generator (its send lag or
# achieved rate, the run's own validity rule, which this test does not judge):
# prints what is wrong, nothing when all is well.
rcs_ok() {
	local prefix=$1 k=0 rc why
	shift
	for rc in "$@"; do
		why=$(jq -r '.invalid // ""' "$prefix-$k.json" 2>/dev/null)
		case $rc in
		0 | 1) ;;
		3) [[ $why == "generator saturated "* || $why == "achieved "* ]] || echo "shard $k: exit 3: $why" ;;
		*) echo "shard $k: exit $rc: $(head -3 "$prefix-$k.err")" ;;
		esac
		k=$((k + 1))
	done
}

# requests RESULT [SCENARIO]: requests of the top-level keys (of SCENARIO) over the run.
requests() {
	jq --arg s "${2:-}" '[.keys[] | select(.kind != "step" and .kind != "websocket")
		| select($s == "" or .scenario == $s) | .run.requests] | add // 0' "$1"
}

# schema_ok FILE…: every file valid against schema/result.schema.json (0), else 1.
schema_ok() {
	local f args=()
	for f in "$@"; do args+=(-d "$f"); done
	"$AJV" validate --spec=draft7 --strict=false -s schema/result.schema.json "${args[@]}" >"$T/ajv" 2>&1
}

# --- the closed model: plans/event-rate.yaml, 4 shards -------------------------------
q0=$(counter query)
start=$(start_in 4)
rcs=$(run_shards "$T/a" 4 "$start" plans/event-rate.yaml --time-scale 0.02)
# shellcheck disable=SC2086 # the exit codes are words
tap_check "event-rate as 4 shards (JOB_COMPLETION_INDEX, --shards 4): each ran ($rcs)" "$(rcs_ok "$T/a" $rcs)"
"$FLOWRUN" merge "$T"/a-*.json --quiet --json "$T/a.json" --markdown "$T/a.md"
rc=$?
tap_is "$rc" "$(jq .exit_code "$T/a.json")" "flowrun merge exits as the merged result says ($rc)"
tap_is "$(jq -c '.load[0] | [.planned_peak, .active_peak, [.segments[][1]]]' "$T/a.json")" \
	"[100,100,[5,10,25,50,75,100]]" "merged peak users = the plan's 100, and every stage's users add up"
q1=$(counter query)
tap_is "$((q1 - q0))" "$(requests "$T/a.json")" "the fixture's own request counter equals the merged count"
tap_is "$(jq '[(.verdicts | length), (.windows | length), ([.verdicts[] | select(.no_data)] | length)] | @text' "$T/a.json")" \
	'"[49,49,0]"' "the merged SLO table has every window (49), each with data"
tap_check "every shard started within 50 ms of --start-at" \
	"$(jq -r '.shards[] | select(.start_skew_us > 50000 or .start_skew_us < 0) | "shard \(.index): \(.start_skew_us)us"' "$T/a.json")"
tap_check "every shard measured its clock offset against the fixture's Date (true offset 0 inside the bound + 2 ms)" \
	"$(jq -r '.shards[] | select(.clock_offset_us == null or ((.clock_offset_us | fabs) > .clock_error_us + 2000))
		| "shard \(.index): \(.clock_offset_us) ± \(.clock_error_us)us"' "$T/a.json")"
echo "# clock offsets: $(jq -c '[.shards[] | [.clock_offset_us, .clock_error_us]]' "$T/a.json"), skews: $(jq -c '[.shards[].start_skew_us]' "$T/a.json")"
tap_is "$(jq -r '.run_id' "$T/a.json")" "$(jq -r '.run_id' "$T/a-0.json")" "the shards share a run id (plan and start: $(jq -r .run_id "$T/a.json"))"
grep -q "| 3 | " "$T/a.md"
tap_ok $? "the Markdown summary has the shard table"
if [ -x "$AJV" ]; then
	schema_ok "$T/a.json" "$T/a-0.json"
	tap_ok $? "the merged and the shard results are valid against schema/result.schema.json" "$(cat "$T/ajv")"
else
	tap_skip_missing "the merged and the shard results are valid against the schema" "ajv-cli not installed (npm ci)"
fi

# --- the open model and a fault: 4 shards, only shard 0 reaches Toxiproxy ------------
q0=$(counter query)
dead=http://127.0.0.1:$(fr_free_port)
start=$(start_in 4)
pids=()
for k in 0 1 2 3; do
	url=$TOXIPROXY_URL
	[ $k = 0 ] || url=$dead
	TOXIPROXY_URL=$url JOB_COMPLETION_INDEX=$k "$FLOWRUN" run tests/e2e/plans/shard-open.yaml --shards 4 \
		--start-at "$start" --threads 1 --quiet --json "$T/b-$k.json" 2>"$T/b-$k.err" &
	pids+=($!)
done
fr_wait_all "${pids[@]}"
rcs=$FR_CODES
# shellcheck disable=SC2086 # the exit codes are words
tap_check "shard-open as 4 shards, shards 1-3 with a dead Toxiproxy address: each ran ($rcs)" "$(rcs_ok "$T/b" $rcs)"
"$FLOWRUN" merge "$T"/b-*.json --quiet --json "$T/b.json"
tap_is "$?" "$(jq .exit_code "$T/b.json")" "merged"
steady=$(requests "$T/b.json" steady)
tap_ok "$(((steady >= 891 && steady <= 909) ? 0 : 1))" "uniform arrivals: merged sends $steady = planned 900 ± 1 %"
bursty=$(requests "$T/b.json" bursty)
tap_ok "$(python3 -c "import sys; sys.exit(0 if abs($bursty - 300) <= 5 * 300 ** 0.5 else 1)"; echo $?)" \
	"Poisson arrivals: merged sends $bursty = 300 within 5 standard deviations"
q1=$(counter query)
tap_is "$((q1 - q0))" "$(requests "$T/b.json")" "the fixture's own request counter equals the merged count"
tap_is "$(jq -c '[.faults[] | [.name, .on, .ok]]' "$T/b-0.json"):$(cat "$T"/b-[123].json | jq -s -c '[.[].faults[]]')" \
	'[["latency-redis@2s",true,true],["latency-redis@2s",false,true]]:[]' \
	"shard 0 alone switched the fault, once on and once off"
tap_is "$(jq -c '[.faults[] | .on]' "$T/b.json"):$(fr_flowrun_toxics)" "[true,false]:" \
	"the merged result has the fault once, and no toxic is left"
tap_check "every shard's samples during the fault are in the fault's segment (p50 >= 15 ms there)" \
	"$(for k in 0 1 2 3; do jq -r --arg k $k '.verdicts[] | select(.slo == "slow-redis" and (.pass | not)) | "shard \($k): \(.measured_text)"' "$T/b-$k.json"; done)"
tap_is "$(jq '[(.verdicts | length), ([.verdicts[] | select(.no_data)] | length)] | @text' "$T/b.json")" '"[6,0]"' \
	"the merged SLO table has every window (6), each with data"
tap_is "$(jq -r '[.shards[] | .planned] | @text' "$T/b.json")" "$(cat "$T"/b-[0-3].json | jq -s -r '[.[].scheduler.planned] | @text')" \
	"the shard table carries each shard's planned sends"

# --- WebSocket viewers: shard 0 publishes, shard 1's shadow table times its deliveries --
"$FLOWRUN" setup plans/smoke.yaml --time-scale 0.3 --vars-out "$T/smoke-vars.json"
start=$(start_in 4)
rcs=$(run_shards "$T/e" 2 "$start" plans/smoke.yaml --time-scale 0.3 --vars-from "$T/smoke-vars.json")
# shellcheck disable=SC2086 # the exit codes are words
tap_check "plans/smoke.yaml (viewers, one dashboard made once by flowrun setup) as 2 shards ($rcs)" "$(rcs_ok "$T/e" $rcs)"
"$FLOWRUN" merge "$T"/e-*.json --quiet --json "$T/e.json"
ws='[.keys[] | select(.kind == "websocket") | .run.ws][0]'
tap_is "$(jq -c "$ws | [.published // 0, .\"publish-failed\" // 0]" "$T/e-0.json"):$(jq -c "$ws | .published // 0" "$T/e-1.json")" \
	"[30,0]:0" "shard 0 alone published the plan's 30 events"
tap_is "$(jq -c "$ws | [.expected == .received, .lost // 0, .expected]" "$T/e.json")" \
	"[true,0,$((2 * $(jq "$ws | .received" "$T/e-0.json")))]" "merged: the viewers of both shards received every event, none lost"
tap_check "shard 1 timed its viewers' deliveries from the shadow table (no unmatched frame, as many as shard 0's, p99 < 1 s)" \
	"$(jq -r --argjson r0 "$(jq "$ws | .received" "$T/e-0.json")" '[.keys[] | select(.kind == "websocket") | .run][0]
		| select(.ws.unmatched or .ws.received != $r0 or .delivery.p99 > 1000000) | "ws \(.ws), delivery \(.delivery)"' "$T/e-1.json")"

# --- a shard that fails mid-run, a missing shard, a late shard ----------------------
start=$(start_in 3)
# the same instant as unix seconds for shard 0 and in RFC 3339 at UTC+2 for shard 1
rfc=$(python3 -c "import datetime as d; print(d.datetime.fromtimestamp($start, d.timezone(d.timedelta(hours=2))).isoformat())")
JOB_COMPLETION_INDEX=0 "$FLOWRUN" run tests/e2e/plans/shard-open.yaml --shards 2 --start-at "$start" --threads 1 \
	--quiet --json "$T/c-0.json" 2>"$T/c-0.err" &
p0=$!
JOB_COMPLETION_INDEX=1 "$FLOWRUN" run tests/e2e/plans/shard-open.yaml --shards 2 --start-at "$rfc" --threads 1 \
	--quiet --json "$T/c-1.json" 2>"$T/c-1.err" &
p1=$!
sleep "$(python3 -c "import time; print(max(0.1, $start + 2.5 - time.time()))")"
kill -TERM "$p1"
wait "$p1"
rc1=$?
wait "$p0"
tap_is "$rc1:$(jq .interrupted "$T/c-1.json")" "130:true" "a shard stopped by SIGTERM mid-run: exit 130, its partial result written"
tap_is "$(jq .shard.start_at_unix_us "$T/c-1.json")" "$(jq .shard.start_at_unix_us "$T/c-0.json")" \
	"--start-at as unix seconds and as RFC 3339 at UTC+2 ($rfc): the same start"
"$FLOWRUN" merge "$T/c-0.json" "$T/c-1.json" --json "$T/c.json" >"$T/c.out" 2>&1
tap_is "$?" 3 "merging it: exit 3 (invalid)"
grep -q "shard 1 of 2 stopped after" "$T/c.out"
tap_ok $? "the result names the shard that stopped: $(grep -o 'shard 1 of 2 stopped after[^;]*' "$T/c.out" | head -1)"
part=$(requests "$T/c-1.json")
tap_is "$(requests "$T/c.json")" "$(($(requests "$T/c-0.json") + part))" "its partial result ($part requests) is included"
"$FLOWRUN" merge "$T/c-0.json" "$T/c-1.json" --allow-missing --json "$T/c2.json" >/dev/null 2>&1
rc=$?
tap_like "$rc:$(jq -r '[.invalid // "", .coverage] | join("|")' "$T/c2.json")" \
	'^([01]:|3:(generator saturated|achieved)[^|]*)\|covers [5-9][0-9]\.[0-9] % of the planned load: (.*; )?shard 1 of 2 stopped after' \
	"--allow-missing: judged on what was sent, and the result says what share of the load it covers"
"$FLOWRUN" merge "$T/c-0.json" >"$T/m.out" 2>&1
tap_is "$?:$(grep -c 'shard 1 of 2 is missing' "$T/m.out")" "3:2" "a missing shard: exit 3, named (banner and result line)"
late=$(start_in -5)
JOB_COMPLETION_INDEX=1 "$FLOWRUN" run tests/e2e/plans/shard-open.yaml --shards 2 --start-at "$late" --quiet \
	--json "$T/late.json" 2>/dev/null
tap_is "$?:$(jq -c '[.shard.late, .scheduler.sent, (.invalid | test("^late: ready [0-9.]+s after --start-at \\(grace 1s\\)"))]' "$T/late.json")" \
	"3:[true,0,true]" "a shard ready after start + grace: exit 3, marked late, no load sent"
"$FLOWRUN" run tests/e2e/plans/shard-open.yaml --shards 2 2>"$T/err"
tap_is "$?:$(cat "$T/err")" \
	"2:flowrun: --shards 2 needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID set to this shard's number (or give --shard K/N)" \
	"--shards without an index: exit 2"
"$FLOWRUN" run tests/e2e/plans/shard-open.yaml --shard 1/2 2>"$T/err"
tap_is "$?:$(cat "$T/err")" "2:flowrun: shard 1/2 needs --start-at TIME, the common start of every shard" \
	"a shard without --start-at: exit 2"
"$FLOWRUN" run tests/e2e/plans/shard-open.yaml --shard 0/2 --start-at "$rfc" --start-grace x 2>"$T/err"
tap_is "$?:$(cat "$T/err")" "2:flowrun: --start-grace needs seconds from 0 to 3600, got 'x'" "--start-grace checked"

# --- setup and teardown once for all shards ------------------------------------------
c0=$(counter dashboard_create)
h0=$(counter healthz)
"$FLOWRUN" setup tests/e2e/plans/shard-setup.yaml --vars-out "$T/vars.json"
tap_is "$?:$(jq -c '[.format, (.passes | length), ([.passes[].dashboard | test("^[0-9a-z-]+$")] | all)]' "$T/vars.json")" \
	'0:["flowrun-vars",2,true]' "flowrun setup: one dashboard per sweep pass, its id in the vars file"
tap_is "$(($(counter dashboard_create) - c0))" 2 "setup ran once per pass (2 dashboards created)"
start=$(start_in 3)
rcs=$(run_shards "$T/d" 3 "$start" tests/e2e/plans/shard-setup.yaml --vars-from "$T/vars.json")
tap_is "$rcs" "0 0 0" "3 shards with --vars-from: exit 0"
tap_is "$(($(counter dashboard_create) - c0))" 2 "the shards did not run setup"
"$FLOWRUN" merge "$T"/d-*.json --quiet --json "$T/d.json"
tap_is "$?:$(jq '[.keys[] | select(.name == "viewers/dashboard") | .run.errors] | add' "$T/d.json")" "0:0" \
	"the shards loaded the dashboards setup made (no errors), merged: exit 0"
"$FLOWRUN" teardown tests/e2e/plans/shard-setup.yaml --vars-from "$T/vars.json"
tap_is "$?:$(($(counter healthz) - h0))" "0:2" "flowrun teardown: once per pass"
jq '.digest = "0000000000000000"' "$T/vars.json" >"$T/bad-vars.json"
"$FLOWRUN" run tests/e2e/plans/shard-setup.yaml --vars-from "$T/bad-vars.json" 2>"$T/err"
tap_like "$?:$(cat "$T/err")" "^2:flowrun: $T/bad-vars.json was made for plan 'shard-setup' with digest 0000000000000000" \
	"a vars file of another plan version: exit 2"
tap_done
