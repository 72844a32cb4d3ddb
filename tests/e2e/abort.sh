#!/usr/bin/env bash
# abort.sh: early abort on decided SLOs against the real stack (TAP).
#
# The fixture answers every query 20 ms after it arrives, so every sample of a
# `< 5ms` SLO is beyond its threshold. For each case the test computes, from
# the compiled timeline (`flowrun plan --json`: the planned requests of the
# stage), the point where the planned remainder can no longer rescue the SLO:
# with P requests planned and quantile q, the window fails once more than
# P − ceil(q·P) samples are beyond the threshold, i.e. when the sample of
# arrival number k = P − ceil(q·P) + 1 answers, at (k−1)/rate + 20 ms. The run
# must stop no earlier than that and within 2 s of it; exit 1; the faults it
# had switched on removed; every report written and marked. Then the closed
# model (think time bounds the remainder), --abort-on-fail, and a run whose
# SLO breaches early and recovers: no abort, exit 0; and an error_rate SLO.
#
# Open-model runs judge themselves invalid (exit 3) when the machine starves
# the scheduler; such a run proves nothing either way and is repeated (at
# most 3 times). Runtime: about 35 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-stack.sh
. "$top_srcdir/tests/e2e/lib-stack.sh"
cd "$top_srcdir" || exit 1
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
fr_toxiproxy_bin >/dev/null || tap_skip_all "toxiproxy-server not found (run scripts/install-deps.sh)"
T=$(fr_tmpdir)
fr_start_stack --service-time 20ms || { echo "Bail out! the stack did not start"; exit 1; }
tap_plan 35

# plan FILE NAME STAGE SLO [FAULTS]: an open-model plan of one 50/s stage
# (STAGE: its length) against the stack, with one SLO line and optional faults.
plan() {
	cat >"$1" <<EOF
version: 1
name: $2
extends: $top_srcdir/plans/common/flowforge.yaml
scenarios:
  - name: queries
    model: open
    stages:
      - { name: only, rate: 50/s, for: $3 }
    requests:
      - { name: lookup, path: "/api/query?store=redis&key=key-\${rand:1..100}" }
${5:-}
slos:
  - $4
  - { name: errors, error_rate: "< 50%" }
EOF
}


# decision_us PLAN SCALE Q RATE: the offset (µs) at which Q of the planned
# requests can no longer stay below the threshold: the answer to arrival
# number k = P − ceil(Q·P) + 1 (P: planned requests of the compiled timeline),
# intended at (k−1)/RATE, 20 ms later.
decision_us() {
	local p
	p=$("$FLOWRUN" plan "$1" --time-scale "$2" --json | jq '.totals.planned_requests')
	awk -v p="$p" -v q="$3" -v r="$4" 'BEGIN {
		c = q * p; rank = (c == int(c)) ? c : int(c) + 1; k = p - rank + 1
		printf "%d\n", (k - 1) / r * 1e6 + 20000 }'
}

# within OUT FROM_US: the run OUT was aborted no earlier than FROM_US and within 2 s of it.
within() {
	local at
	at=$(jq '.aborted_by.at_us // -1' "$T/$1.json")
	[ "$at" -ge "$2" ] && [ "$at" -le $(($2 + 2000000)) ]
	tap_ok $? "$1: aborted at ${at}us, no earlier than the decision point ${2}us and within 2 s of it"
}

# 1. p99 < 5ms over a 60 s stage (time-scaled to 6 s), with a fault switched on
#    at the start: aborted right after the fourth slow answer.
plan "$T/p99.yaml" abort-p99 60s '{ name: p99, p99: "< 5ms", abort: true }' "faults:
  timeline:
    - { name: cut, at: 0s, for: 50s, proxies: [clickhouse], toxic: down }"
fr_run_valid p99 "$T/p99.yaml" --time-scale 0.1 --junit "$T/p99.xml" --markdown "$T/p99.md"
tap_is "$rc" 1 "p99: exit 1"
within p99 "$(decision_us "$T/p99.yaml" 0.1 0.99 50)"
awk -v s="$secs" 'BEGIN { exit !(s < 5.5) }'
tap_ok $? "p99: the run stopped early (${secs}s of a 6 s stage, with start-up)"
tap_is "$(jq -r '[.faults[] | select(.on) | "\(.name) \(.ok)"] | join(", ")' "$T/p99.json")" "cut true" \
	"p99: the fault was on when the run stopped"
tap_is "$(fr_flowrun_toxics)$(fr_disabled_proxies)" "" "p99: and is removed: no flowrun toxic left, every proxy enabled"
tap_is "$(jq -r '"\(.result) \(.exit_code) \(.interrupted) \(.aborted_by.slo) \(.aborted_by.label)"' "$T/p99.json")" \
	"fail 1 false p99 run" "p99: JSON result: fail, exit code 1, not interrupted, aborted_by p99 [run]"
tap_is "$(fr_verdict "$T/p99.json" p99 pass)" false "p99: its verdict fails on the data recorded"
tap_like "$(jq -r .outcome "$T/p99.json")" '^FAIL \(aborted at [0-9.]+s of 6\.0s: p99 \[run\] decided failed; on partial data: 1 of 2 SLOs failed\)$' \
	"p99: the outcome line says when and why"
tap_like "$(cat "$T/p99.out")" '!! ABORTED at [0-9.]+s: SLO p99 \[run\] is decided failed whatever comes next' \
	"p99: the terminal summary's banner"
tap_like "$(cat "$T/p99.xml")" '<property name="aborted_by" value="p99 \[run\]"/>' "p99: JUnit property aborted_by"
tap_like "$(cat "$T/p99.xml")" 'decided failed, the run was aborted</failure>' "p99: JUnit failure message"
tap_like "$(cat "$T/p99.md")" '^\*\*Aborted at [0-9.]+s\*\*: SLO p99 \[run\] is decided failed' "p99: Markdown line"
if python3 -c 'import jsonschema' 2>/dev/null; then
	python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])),
cls=jsonschema.Draft7Validator)' schema/result.schema.json "$T/p99.json"
	tap_ok $? "p99: the JSON result is valid against schema/result.schema.json"
else
	tap_skip_missing "p99: the JSON result is valid against schema/result.schema.json" "python3-jsonschema missing"
fi

# 2. p50 < 5ms: half of the planned requests must be slow first — the decision
#    point is mid-stage, and the run must not stop before it.
plan "$T/p50.yaml" abort-p50 60s '{ name: p50, p50: "< 5ms", abort: true }'
fr_run_valid p50 "$T/p50.yaml" --time-scale 0.1
tap_is "$rc" 1 "p50: exit 1"
within p50 "$(decision_us "$T/p50.yaml" 0.1 0.5 50)"
tap_is "$(jq -r '.aborted_by.slo' "$T/p50.json")" p50 "p50: aborted by p50"

# 3. --abort-on-fail sets abort on every SLO that can be decided early.
plan "$T/all.yaml" abort-all 60s '{ name: p99, p99: "< 5ms" }'
fr_run_valid all "$T/all.yaml" --time-scale 0.1 --abort-on-fail
tap_is "$rc $(jq -r '.aborted_by.slo' "$T/all.json")" "1 p99" "--abort-on-fail: exit 1, aborted by p99"
within all "$(decision_us "$T/all.yaml" 0.1 0.99 50)"
fr_run_valid plain "$T/all.yaml" --time-scale 0.05
tap_is "$rc $(jq -r '.aborted_by' "$T/plain.json")" "1 null" "without abort: the run goes to its end (exit 1, not aborted)"

# 4. Closed model with think time: each user's remaining iterations are
#    bounded, so a per-stage window is decided within its stage.
cat >"$T/closed.yaml" <<EOF
version: 1
name: abort-closed
extends: $top_srcdir/plans/common/flowforge.yaml
scenarios:
  - name: queries
    model: closed
    think: 100ms
    stages:
      - { name: five, users: 5, for: 3s }
      - { name: ten, users: 10, for: 3s }
    requests:
      - { name: lookup, path: "/api/query?store=redis&key=key-\${rand:1..100}" }
slos:
  - { name: p99, p99: "< 5ms", during: each-stage, abort: true }
EOF
fr_run_valid closed "$T/closed.yaml"
tap_is "$rc $(jq -r '"\(.aborted_by.slo) \(.aborted_by.label)"' "$T/closed.json")" "1 p99 stage:five" \
	"closed model: exit 1, aborted by p99 [stage:five]"
tap_ok "$(jq '.aborted_by.at_us < 3000000' "$T/closed.json" | grep -qx true; echo $?)" \
	"closed model: decided within its stage ($(jq .aborted_by.at_us "$T/closed.json")us)"
tap_is "$(jq -r '[.verdicts[] | "\(.label)=\(.measured_text)"] | join(" ")' "$T/closed.json" | sed 's/five=[^ ]*/five=X/')" \
	"stage:five=X stage:ten=not reached" "closed model: the window never reached is skipped, not failed"

# 5. Breach early, recover later: a 300 ms latency toxic on redis for the
#    first second after 1 s makes a tenth of the requests slow, half of those
#    in the first 2 s — a p75 < 100ms SLO breached on the data so far, yet
#    the whole window passes: it must not abort.
curl -fsS -m 5 -X POST "$FLOWFORGE_URL/admin/mode?service_time=0ms" >/dev/null
plan "$T/ok.yaml" abort-recover 10s '{ name: p75, p75: "< 100ms", abort: true }' "faults:
  timeline:
    - { name: slow, at: 1s, for: 1s, proxies: [redis], toxic: latency, latency: 300ms }"
sed -i 's/rate: 50\/s/rate: 100\/s/' "$T/ok.yaml"
fr_run_valid ok "$T/ok.yaml"
tap_is "$rc $(jq -r '.aborted_by' "$T/ok.json")" "0 null" "recovering run: exit 0, not aborted"
tap_is "$(fr_verdict "$T/ok.json" p75 pass)" true "recovering run: p75 passes"
# the breach: more than a quarter of the samples of the first two seconds are >= 100 ms
early=$(jq '[.keys[] | select(.name == "queries/lookup") | .segments[] |
	select(.segment <= 1) | .latency.buckets[]] |
	((map(select(.[0] >= 100000) | .[2]) | add // 0) / (map(.[2]) | add))' "$T/ok.json")
awk -v f="$early" 'BEGIN { exit !(f > 0.25) }'
tap_ok $? "recovering run: the first two seconds alone breach p75 < 100ms (slow share $early)"
slow=$(jq '[.keys[] | select(.name == "queries/lookup") | .segments[] | .latency.buckets[]] |
	((map(select(.[0] >= 100000) | .[2]) | add // 0) / (map(.[2]) | add))' "$T/ok.json")
awk -v f="$slow" 'BEGIN { exit !(f > 0.05 && f < 0.25) }'
tap_ok $? "recovering run: over the whole window the slow share is below a quarter ($slow)"
tap_is "$(fr_flowrun_toxics)" "" "recovering run: no toxic left"

# 6. Poisson arrivals have no exact bound: the window is decided when its pass
#    has drained, and the next pass of the sweep never starts.
curl -fsS -m 5 -X POST "$FLOWFORGE_URL/admin/mode?service_time=20ms" >/dev/null
plan "$T/sweep.yaml" abort-sweep 1s '{ name: p99, p99: "< 5ms", abort: true }'
sed -i -e 's/model: open/model: open\n    arrival: poisson/' -e 's/^scenarios:/sweep: { n: [1, 2] }\nscenarios:/' "$T/sweep.yaml"
fr_run_valid sweep "$T/sweep.yaml"
tap_is "$rc $(jq -r '"\(.aborted_by.label) \(.aborted_by.at_us >= 1000000)"' "$T/sweep.json")" "1 run [n=1] true" \
	"Poisson, sweep: aborted by p99 [run [n=1]] once its pass drained"
tap_is "$(jq -r '[.verdicts[] | select(.slo == "p99") | .measured_text] | .[1]' "$T/sweep.json")" "not reached" \
	"  the second pass never ran"

# 7. --abort-on-fail leaves SLOs that cannot be decided early (a lower bound)
#    alone: the run goes to its end.
plan "$T/lower.yaml" abort-lower 2s '{ name: p99-low, p99: "> 0us" }'
fr_run_valid lower "$T/lower.yaml" --abort-on-fail
tap_is "$rc $(jq -r '.aborted_by' "$T/lower.json")" "0 null" "--abort-on-fail with no decidable SLO: a normal run"
tap_is "$(jq -r '.verdicts | length' "$T/lower.json")" 2 "  with both verdicts"
tap_is "$(grep -c 'ABORTED' "$T/lower.out")" 0 "  and no banner"

# 8. error_rate < 10% where every request fails (a route the fixture does not
#    have: 404): decided once the errors reach a tenth of the planned
#    requests — no earlier than the answer to arrival k = ceil(P / 10), at
#    (k−1)/rate (404s answer at once), and within 2 s of it.
cat >"$T/errs.yaml" <<EOF
version: 1
name: abort-errors
extends: $top_srcdir/plans/common/flowforge.yaml
scenarios:
  - name: queries
    model: open
    stages:
      - { name: only, rate: 50/s, for: 60s }
    requests:
      - { name: missing, path: /api/no-such-route }
slos:
  - { name: errors, error_rate: "< 10%", abort: true }
EOF
fr_run_valid errs "$T/errs.yaml" --time-scale 0.1
tap_is "$rc $(jq -r '"\(.aborted_by.slo) \(.aborted_by.label)"' "$T/errs.json")" "1 errors run" \
	"error_rate: exit 1, aborted by errors [run]"
planned=$("$FLOWRUN" plan "$T/errs.yaml" --time-scale 0.1 --json | jq '.totals.planned_requests')
within errs "$(awk -v p="$planned" 'BEGIN { k = int(p / 10); if (k < p / 10) k++; printf "%d\n", (k - 1) / 50 * 1e6 }')"
tap_is "$(fr_verdict "$T/errs.json" errors pass)" false "error_rate: its verdict fails on the data recorded"
tap_done
