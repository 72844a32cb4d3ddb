#!/usr/bin/env bash
# sustained.sh: sustained-breach objectives against the fixture (TAP).
#
# Queries run at 20/s for 16 s; at 5 s a second scenario asks the fixture to
# stall every response for 5 s (POST /admin/stall?for=5000ms), so the queries
# intended from 5 s to 10 s answer late, all at once. With p90 < 200ms judged
# over every 1 s window (`over: 1s`), the breach lasts the stall: 5 s, at
# 5 s. `sustained: 10s` tolerates it and passes, `sustained: 3s` fails, both
# report the breach at the stall's offset ± 1 interval, and the whole-run p90
# fails (it cannot tell a stall from a slow run). Then the same `sustained:
# 3s` with `abort: true` stops the run once the stall's answers arrive (at
# 10 s, not 16 s): its positions are decided breached as soon as three samples
# each (of 22 planned) are beyond the threshold, and five of them outlast 3 s.
#
# Open-model runs judge themselves invalid (exit 3) when the machine starves
# the scheduler; such a run proves nothing either way and is repeated (at
# most 3 times). Runtime: about 30 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-engine.sh
. "$top_srcdir/tests/e2e/lib-engine.sh"
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
fr_start_redis || exit 1
fr_start_fixture || exit 1
T=$(fr_tmpdir)
tap_plan 13

# plan FILE SLO…: the queries, the staller, and the SLO lines.
plan() {
	local f=$1
	shift
	{
		eng_plan_head sustained-e2e 10s
		cat <<EOF
scenarios:
  - name: queries
    model: open
    stages:
      - { rate: 20/s, for: 16s }
    requests:
      - { name: lookup, path: "/api/query?store=redis&key=\${rand:1..1000}" }
  - name: staller
    model: closed
    think: 30s
    stages:
      - { users: 0, for: 5s }
      - { users: 1, for: 1s }
    requests:
      - { name: stall, method: POST, path: "/admin/stall?for=5000ms" }
slos:
EOF
		printf '  - %s\n' "$@"
	} >"$f"
}

# breach OUT SLO: "longest start end" of SLO's breach, in µs.
breach() {
	jq -r --arg s "$2" '.verdicts[] | select(.slo == $s) | .breach | "\(.longest_us) \(.start_us) \(.end_us)"' "$T/$1.json"
}

# near OUT SLO: the breach starts at 5 s and ends at 10 s, ± 1 interval each.
near() {
	local longest start end
	read -r longest start end <<<"$(breach "$1" "$2")"
	[ "$start" -ge 4000000 ] && [ "$start" -le 6000000 ] && [ "$end" -ge 9000000 ] && [ "$end" -le 11000000 ] &&
		[ "$longest" -ge 4000000 ] && [ "$longest" -le 6000000 ]
	tap_ok $? "$2: the breach (${longest}us from ${start}us to ${end}us) is the stall's, 5 s at 5 s, ± 1 interval"
}

plan "$T/s.yaml" '{ name: tolerant, scenario: queries, p90: "< 200ms", over: 1s, sustained: 10s }' \
	'{ name: strict, scenario: queries, p90: "< 200ms", over: 1s, sustained: 3s }' \
	'{ name: whole, scenario: queries, p90: "< 200ms" }'
fr_run_valid s "$T/s.yaml"
tap_is "$rc" 1 "exit 1: an SLO failed"
tap_is "$(jq -r '[.verdicts[] | "\(.slo)=\(.pass)"] | join(" ")' "$T/s.json")" "tolerant=true strict=false whole=false" \
	"sustained 10s passes, sustained 3s fails, the whole-run p90 fails"
near s tolerant
near s strict
tap_like "$(jq -r '.verdicts[] | select(.slo == "strict") | .measured_text' "$T/s.json")" \
	'^breach [0-9.]+s at [0-9.]+s-[0-9.]+s \(worst [0-9.]+s\)$' "the verdict says the breach and its span"
tap_like "$(grep -E '^  strict ' "$T/s.out")" 'breach [0-9.]+s at .* FAIL$' "the summary's SLO table shows the breach"
tap_is "$(jq -r '.verdicts[] | select(.slo == "tolerant") | .breach | "\(.over_us) \(.sustained_us) \(.positions >= 15) \(.breached >= 4)"' "$T/s.json")" \
	"1000000 10000000 true true" "the JSON verdict carries over, sustained and the positions judged"
if python3 -c 'import jsonschema' 2>/dev/null; then
	python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])),
cls=jsonschema.Draft7Validator)' "$top_srcdir/schema/result.schema.json" "$T/s.json"
	tap_ok $? "the JSON result is valid against schema/result.schema.json"
else
	tap_skip_missing "the JSON result is valid against schema/result.schema.json" "python3-jsonschema missing"
fi

# The same strict objective with abort: stopped when the stall's answers are in.
plan "$T/a.yaml" '{ name: strict, scenario: queries, p90: "< 200ms", over: 1s, sustained: 3s, abort: true }'
fr_run_valid a "$T/a.yaml"
tap_is "$rc $(jq -r '.aborted_by.slo' "$T/a.json")" "1 strict" "abort: exit 1, aborted by the sustained SLO"
at=$(jq '.aborted_by.at_us' "$T/a.json")
[ "$at" -ge 9000000 ] && [ "$at" -le 12000000 ]
tap_ok $? "abort: decided once the stall's answers arrived (${at}us; the stall ends at 10 s)"
awk -v s="$secs" 'BEGIN { exit !(s < 15.5) }'
tap_ok $? "abort: the run stopped before its 16 s (${secs}s with start-up)"
near a strict

# An over that is not whole intervals after --time-scale is refused before any load.
"$FLOWRUN" run "$T/s.yaml" --time-scale 0.25 >"$T/scaled.out" 2>&1
tap_is "$? $(head -1 "$T/scaled.out" | sed 's/^[^ ]* //')" \
	"2 error: SLO 'tolerant': over 250ms and sustained 2.500s (after --time-scale 0.25) must be whole intervals of the time series (1s; see --interval)" \
	"over not a whole number of intervals after --time-scale: exit 2, located"
tap_done
