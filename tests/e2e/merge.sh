#!/usr/bin/env bash
# merge.sh: `flowrun merge` gives back exactly what one generator recorded, and refuses what does not belong together (TAP).
#
# One real run of plans/smoke.yaml (open model, WebSocket viewers, a Redis fault;
# time-scaled) is cut into N shard results by tests/e2e/resplit.py — every
# counter and histogram bucket split at random, min, max and sums kept
# consistent — and merged back: for N = 2, 5 and 16 the merged verdicts (every
# window's measured value and pass), every key's summary and the exit code equal
# the single run's. Then the refusals: a missing shard is exit 3 naming it;
# results of different runs, plans, plan digests or shard counts, the same shard
# twice, a plan that compiles to another digest and a file that is not a result
# are exit 2 with a message naming the files; unwritable outputs are exit 4; a
# plan whose proxies file is outside its repository needs --allow-outside.
# About 15 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
cd "$top_srcdir" || exit 1
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
fr_toxiproxy_bin >/dev/null || tap_skip_all "toxiproxy-server not installed (scripts/install-deps.sh)"
tap_plan 24
T=$(fr_tmpdir)
fr_start_stack || { echo "Bail out! the stack did not start"; exit 1; }

"$FLOWRUN" run plans/smoke.yaml --time-scale 0.3 --quiet --json "$T/r.json" 2>"$T/run.err"
rc=$?
# exit 3 only when the loaded machine delayed the generator (the run's own
# validity rule); the merge must then give the same
tap_like "$rc:$(jq -r '.invalid // ""' "$T/r.json")" '^([01]:$|3:(generator saturated|achieved))' \
	"the recorded run: plans/smoke.yaml at time scale 0.3 (exit $rc)"

# verdicts FILE: every window's verdict; summaries FILE: every key's whole-run summary.
verdicts() { jq -c '[.verdicts[] | {slo, window, label, measured, measured_text, pass, no_data, skipped}]' "$1"; }
summaries() { jq -c '[.keys[] | {name, run}]' "$1"; }

for n in 2 5 16; do
	python3 tests/e2e/resplit.py "$T/r.json" "$n" "$T/s$n" "$n"
	"$FLOWRUN" merge "$T/s$n"-*.json --quiet --json "$T/m$n.json"
	mrc=$?
	tap_is "$(verdicts "$T/m$n.json")" "$(verdicts "$T/r.json")" "re-split into $n shards and merged: the same verdicts, window by window"
	tap_is "$(summaries "$T/m$n.json")" "$(summaries "$T/r.json")" "re-split into $n shards and merged: every key's summary the same"
	tap_is "$mrc:$(jq -c '[.result, .exit_code, (.shards | length)]' "$T/m$n.json")" \
		"$rc:$(jq -c --argjson n "$n" '[.result, .exit_code, $n]' "$T/r.json")" "re-split into $n: the same result and exit code"
done

"$FLOWRUN" merge "$T"/s5-[0-3].json >"$T/out" 2>&1
tap_is "$?:$(grep -c 'shard 4 of 5 is missing' "$T/out")" "3:2" "a missing shard: exit 3, named"

# refuse F1 F2 WANT NAME: merging F1 and F2 is exit 2 and says WANT (an ERE).
refuse() {
	"$FLOWRUN" merge "$1" "$2" --quiet 2>"$T/err" >/dev/null
	tap_like "$?:$(cat "$T/err")" "^2:flowrun: $3" "$4"
}
jq '.run_id = "another-run"' "$T/s2-1.json" >"$T/other-run.json"
refuse "$T/s2-0.json" "$T/other-run.json" "$T/other-run.json is a shard of run another-run, $T/s2-0.json of run [^ ]+: results of different runs" \
	"results of different runs: exit 2, naming both files"
jq '.plan.name = "event-rate"' "$T/s2-1.json" >"$T/other-plan.json"
refuse "$T/s2-0.json" "$T/other-plan.json" "$T/other-plan.json is a result of plan 'event-rate', $T/s2-0.json of plan 'smoke': shards of different plans" \
	"results of different plans: exit 2"
jq '.plan.digest = "0123456789abcdef"' "$T/s2-1.json" >"$T/other-digest.json"
refuse "$T/s2-0.json" "$T/other-digest.json" "$T/other-digest.json ran plan 'smoke' with digest 0123456789abcdef, $T/s2-0.json with digest [0-9a-f]{16}: the plan \\(or its time scale or variables\\) differed between shards" \
	"another plan digest (another version of the plan): exit 2"
refuse "$T/s2-0.json" "$T/s5-1.json" "$T/s5-1.json is a shard of 5, $T/s2-0.json of 2: different shard counts" \
	"different shard counts: exit 2"
refuse "$T/s2-0.json" "$T/s2-0.json" "$T/s2-0.json and $T/s2-0.json are both shard 0 of 2" "the same shard twice: exit 2"
refuse "$T/s2-0.json" "$T/r.json" "$T/r.json is the result of an unsharded run: only shards \\(--shard K/N\\) merge" \
	"an unsharded result among shards: exit 2"
echo '{"format": "something-else"}' >"$T/x.json"
refuse "$T/s2-0.json" "$T/x.json" "$T/x.json: not a flowrun result" "a file that is not a result: exit 2"
"$FLOWRUN" merge "$T"/s2-*.json --plan tests/e2e/plans/shard-open.yaml --quiet 2>"$T/err" >/dev/null
tap_like "$?:$(cat "$T/err")" "^2:flowrun: tests/e2e/plans/shard-open.yaml at time scale 0.3 compiles to digest [0-9a-f]{16}, but the shards ran digest" \
	"a plan that is not the one the shards ran: exit 2"
# one shard's worker saturated (its CPU all of its wall time): the windows it
# spoils are inconclusive in the merge, as in one run, naming the worker's lane
jq '.generator.threads[0].segments |= map(.cpu_us = .wall_us)' "$T/s2-1.json" >"$T/busy-1.json"
"$FLOWRUN" merge "$T/s2-0.json" "$T/busy-1.json" --quiet --json "$T/busy.json" 2>/dev/null
tap_like "$?:$(jq -r '.invalid' "$T/busy.json"):$(jq '[.verdicts[] | select(.inconclusive)] | length > 0' "$T/busy.json")" \
	'^3:generator saturated \([^)]*\): thread 1 CPU 100 % \(bound 90 %\):true$' \
	"a shard's saturated worker makes the merged latency verdicts inconclusive (exit 3), naming its lane"
"$FLOWRUN" merge "$T"/s2-*.json --quiet --json /nonexistent/dir/m.json 2>"$T/err" >/dev/null
tap_is "$?" 4 "the merged result cannot be written: exit 4"
"$FLOWRUN" merge "$T"/s2-*.json --quiet --out "$T/out-dir"
tap_is "$?:$(ls "$T/out-dir" | tr '\n' ' ')" "$rc:junit.xml report.html result.json summary.md " \
	"--out DIR writes result.json, junit.xml, summary.md and report.html"
# the plans as an image has them (deploy/kubernetes): no git work tree, the
# proxies file beside the plans' directory, outside it
mkdir -p "$T/opt/plans/common" "$T/opt/toxiproxy"
cp plans/smoke.yaml "$T/opt/plans/" && cp plans/common/*.yaml "$T/opt/plans/common/"
cp toxiproxy/config.json "$T/opt/toxiproxy/"
"$FLOWRUN" merge "$T"/s2-*.json --plan "$T/opt/plans/smoke.yaml" --quiet 2>"$T/err" >/dev/null
tap_like "$?:$(head -1 "$T/err")" "^2:.*proxies file '../../toxiproxy/config.json' is outside the plan's repository" \
	"a plan reading a file outside its repository: exit 2, as for run"
"$FLOWRUN" merge "$T"/s2-*.json --plan "$T/opt/plans/smoke.yaml" --allow-outside "$T/opt/toxiproxy" --quiet \
	--json "$T/opt.json" 2>/dev/null
tap_is "$?:$(verdicts "$T/opt.json")" "$rc:$(verdicts "$T/r.json")" "--allow-outside PATH: merged as from the repository"
tap_done
