#!/bin/bash
# workflows.sh: the GitHub Actions workflows pass actionlint (TAP).
#
# actionlint (pinned v1.7.7, built into .tools/ by scripts/install-deps.sh)
# checks workflow syntax, expressions, the matrix built from `flowrun list`,
# and — when shellcheck is installed — every run: script. Also checks the
# things a linter cannot know: the nightly schedule and the commands the
# workflows are supposed to run. Missing actionlint: skipped unless
# FLOWRUN_REQUIRE_ALL=1.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
set -u

cd "$top_srcdir" || exit 1
actionlint=
for c in "${ACTIONLINT:-}" "$top_srcdir/.tools/actionlint" "$(command -v actionlint 2>/dev/null)"; do
	if [ -n "$c" ] && [ -x "$c" ]; then
		actionlint=$c
		break
	fi
done
[ -n "$actionlint" ] || tap_skip_all "actionlint not installed (scripts/install-deps.sh builds it into .tools/)"

# has FILE TEXT: empty when FILE contains TEXT, else a message.
has() { grep -qF -- "$2" "$1" || echo "$1 does not contain: $2"; }

tap_plan 9
ci=.github/workflows/ci.yml
bench=.github/workflows/bench.yml
for f in "$ci" "$bench"; do
	tap_check "actionlint $f" "$("$actionlint" -no-color "$f" 2>&1)"
done
tap_check "ci runs the README's test command" "$(has "$ci" './quickstart test')"
tap_check "ci checks every plan" "$(has "$ci" './flowrun check plans/')"
# shellcheck disable=SC2016 # the workflow's shell text, literally
tap_check "ci puts the SLO diff of changed plans in the job summary" \
	"$(has "$ci" './flowrun diff "${allow[@]}" --git "origin/$BASE_REF" "$plan" >>"$GITHUB_STEP_SUMMARY"')"
tap_check "bench runs nightly at 03:00 UTC and on demand" \
	"$(has "$bench" '- cron: "0 3 * * *"'; has "$bench" 'workflow_dispatch:')"
# shellcheck disable=SC2016 # the workflow's shell text, literally
tap_check "bench shards one plan over a matrix from one --start-at and merges the shards into the summary" \
	"$(has "$bench" 'shard: ${{ fromJSON(needs.shard-plan.outputs.shards) }}'; has "$bench" '--shard "$SHARD/$SHARDS" --start-at "$START_AT"'
	has "$bench" './flowrun merge shards/shard-*.json --out merged'; has "$bench" 'cat merged/summary.md >>"$GITHUB_STEP_SUMMARY"')"
tap_check "bench builds its matrix from flowrun list and checks SLOs from Prometheus" \
	"$(has "$bench" './flowrun list plans/'; has "$bench" 'fromJSON(needs.plans.outputs.matrix)'; has "$bench" './flowrun slo --prometheus')"

# A broken workflow must fail the lint (the check above can fail).
tmp=$FR_TMP/workflow.yml
sed 's/fromJSON(needs.plans.outputs.matrix)/fromJSON(needs.nope.outputs.matrix)/' "$bench" >"$tmp"
out=$("$actionlint" -no-color "$tmp" 2>&1)
tap_check "actionlint rejects a matrix from a job that does not exist" \
	"$(printf '%s\n' "$out" | grep -q 'property "nope" is not defined' || echo "actionlint said: ${out:-nothing}")"

tap_done
