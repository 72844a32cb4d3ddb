#!/usr/bin/env bash
# baseline.sh: `flowrun compare` and `flowrun run --baseline` against the fixture (TAP).
#
# One open-model plan (50 requests/s for 4 s in two stages, 500 ms
# intervals): /api/query, which the fixture's service time (20 ms) slows, and
# /healthz, which it does not. Six runs of it unchanged: the first against
# the second (two runs of the same plan and fixture: no regression), and
# every ordered pair of the six (30 comparisons of run-to-run noise alone:
# never a regression). Then the fixture's service time raised by 50 %
# (30 ms): a regression on q/lookup, none on q/health, exit 1; `--tolerance
# 100%` forgives it; `flowrun run --baseline` prints the same table and adds
# it to the Markdown summary. Files that are not results are exit 2.
#
# Open-model runs judge themselves invalid (exit 3) when the machine starves
# the scheduler; such a run proves nothing either way and is repeated (at
# most 3 times). Runtime: about 45 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-engine.sh
. "$top_srcdir/tests/e2e/lib-engine.sh"
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
fr_start_redis || exit 1
fr_start_fixture --service-time 20ms || exit 1
T=$(fr_tmpdir)
tap_plan 14

eng_compare_plan baseline-e2e 50/s 2s >"$T/plan.yaml"

for i in 1 2 3 4 5 6; do
	fr_run_valid "base$i" "$T/plan.yaml" --interval 500ms --quiet
done
"$FLOWRUN" compare "$T/base1.json" "$T/base2.json" >"$T/same.out"
tap_is "$? $(tail -1 "$T/same.out" | cut -d, -f1)" "0 regressions: 0" "two runs of the same plan and fixture: no regression, exit 0"

# Run-to-run noise: every ordered pair of the six unchanged runs.
noisy=""
for a in 1 2 3 4 5 6; do
	for b in 1 2 3 4 5 6; do
		[ "$a" = "$b" ] && continue
		if ! "$FLOWRUN" compare "$T/base$a.json" "$T/base$b.json" >"$T/noise.out"; then
			noisy+="base$a → base$b: $(grep -E 'WORSE' "$T/noise.out" | head -3)"$'\n'
		fi
	done
done
tap_check "run-to-run noise alone (6 runs, 30 ordered pairs): never a regression" "$noisy"

curl -fsS -m 5 -X POST "$FR_FIXTURE_URL/admin/mode?service_time=30ms" >/dev/null
fr_run_valid slow "$T/plan.yaml" --interval 500ms --quiet
"$FLOWRUN" compare "$T/base1.json" "$T/slow.json" >"$T/slow.out"
tap_is "$?" 1 "service time +50 %: exit 1"
tap_like "$(cat "$T/slow.out")" '  q/lookup +run +p50 +[0-9.]+ms +[0-9.]+ms +\+[0-9.]+% +\[\+[0-9.]+%, \+[0-9.]+%\] +WORSE' \
	"  a regression of q/lookup's p50 over the run, with its interval"
tap_is "$(grep -c 'q/health .*WORSE' "$T/slow.out")" 0 "  and none on q/health, which the service time does not slow"
tap_like "$(grep -E '^  q/lookup +run +p50' "$T/slow.out" | awk '{print $6}')" '^\+(4[0-9]|5[0-9]|6[0-9])\.[0-9]%$' \
	"  q/lookup's p50 rose by about 50 %"
tap_like "$(tail -1 "$T/slow.out")" '^regressions: [1-9][0-9]*, improvements: 0, unchanged: [0-9]+' "  the closing line counts them"
"$FLOWRUN" compare "$T/base1.json" "$T/slow.json" --tolerance 100% >/dev/null
tap_is "$?" 0 "--tolerance 100%: +50 % is within it, exit 0"
"$FLOWRUN" compare "$T/base1.json" "$T/slow.json" --markdown >"$T/slow.md"
tap_like "$(head -1 "$T/slow.md")" '^### ❌ flowrun compare `baseline-e2e`: [1-9][0-9]* regressions?$' "--markdown: a headline for the job summary"
tap_like "$(cat "$T/slow.md")" '\| `q/lookup` \| run \| p50 \| [0-9.]+ms \| [0-9.]+ms \| \+[0-9.]+% \| \[\+[0-9.]+%, \+[0-9.]+%\] \| ❌ \*\*worse\*\* \|' \
	"--markdown: a table row with the evidence"

# flowrun run --baseline: the same comparison at the end of a run.
fr_run_valid withbase "$T/plan.yaml" --interval 500ms --baseline "$T/base1.json" --markdown "$T/summary.md"
tap_is "$rc" 1 "run --baseline: exit 1 on a regression"
tap_like "$(cat "$T/withbase.out")" 'flowrun compare: .*base1\.json \(baseline\) → this run, plan baseline-e2e' \
	"run --baseline: the table after the summary"
tap_like "$(cat "$T/summary.md")" '### ❌ flowrun compare `baseline-e2e`' "run --baseline: the comparison is added to the Markdown summary"

echo '{"format": "something-else"}' >"$T/other.json"
"$FLOWRUN" compare "$T/other.json" "$T/slow.json" >"$T/bad.out" 2>&1
tap_is "$? $(cat "$T/bad.out")" "2 flowrun: $T/other.json is not a flowrun result (format flowrun-result, version 1)" \
	"a file that is not a result: exit 2, named"
tap_done
