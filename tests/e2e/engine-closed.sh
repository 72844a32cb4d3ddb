#!/bin/bash
# engine-closed.sh: the closed model and request groups against the fixture —
# user counts that follow the stages (on one and two threads), think time,
# and a sweep whose setup seeds dashboards that a group loads widget by widget.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-engine.sh
. "$top_srcdir/tests/e2e/lib-engine.sh"

tap_plan 17
fr_start_backend --service-time 50ms || exit 1
T=$FR_TMP

{ eng_plan_head engine-closed; cat <<'EOP'; } >"$T/closed.yaml"
scenarios:
  - name: c
    model: closed
    stages:
      - { users: 2, for: 1s }
      - { users: 6, for: 1s }
      - { users: 1, for: 1s }
    requests:
      - { name: redis, path: "/api/query?store=redis&key=key-${user}" }
EOP

# Each user answers every ~50 ms: ~40, ~120 and ~20 requests in the stages.
for threads in 1 2; do
	eng_run "closed$threads" "$T/closed.yaml" --threads "$threads"
	tap_is "$?" 0 "closed run on $threads thread(s) completes"
	s0=$(eng_seg "closed$threads" c/redis 0)
	s1=$(eng_seg "closed$threads" c/redis 1)
	s2=$(eng_seg "closed$threads" c/redis 2)
	eng_between "$s0" 34 46 && eng_between "$s1" 102 138 && eng_between "$s2" 17 23
	tap_ok $? "$threads thread(s): requests per stage follow 2, 6, 1 users x 1 s / 50 ms (got $s0 $s1 $s2)"
	tap_is "$(eng_get "closed$threads" key c/redis ok)" "$((s0 + s1 + s2))" "$threads thread(s): every request ok"
	eng_path_check "closed$threads"
done

# Think time: 2 users, 50 ms answer + 200 ms think = 4 iterations/s each, 2 s.
{ eng_plan_head engine-think; cat <<'EOP'; } >"$T/think.yaml"
scenarios:
  - name: t
    model: closed
    think: 200ms
    stages:
      - { users: 2, for: 2s }
    requests:
      - { name: redis, path: "/api/query?store=redis&key=key-1" }
EOP
eng_run think "$T/think.yaml" --threads 2
n=$(eng_get think key t/redis n)
eng_between "$n" 14 17
tap_ok $? "think time: 2 users x 2 s / 250 ms = 16 iterations (got $n)"

# A group over a sweep: setup creates a dashboard of ${widgets} widgets, the
# group gets it and then every widget's data in parallel.
{ eng_plan_head engine-group 5s; cat <<'EOP'; } >"$T/group.yaml"
sweep: { widgets: [2, 5] }
setup:
  - { method: POST, path: /api/dashboards, json: { widgets: "${widgets}" }, capture: { dash: { json: $.id } } }
scenarios:
  - name: d
    model: closed
    stages:
      - { users: 2, for: 1s }
    requests:
      - name: load
        steps:
          - { name: dashboard, path: "/api/dashboards/${dash}", capture: { widget: { json: "$.widgets[*]" } } }
          - { name: widget, each: widget, path: "/api/widgets/${widget}/data" }
EOP
eng_run group "$T/group.yaml" --threads 2
tap_is "$?" 0 "group run over a sweep of 2 passes completes"
g0=$(eng_seg group d/load 0)
g1=$(eng_seg group d/load 1)
w0=$(eng_seg group d/load/widget 0)
w1=$(eng_seg group d/load/widget 1)
d0=$(eng_seg group d/load/dashboard 0)
eng_between "$g0" 30 42 && eng_between "$g1" 30 42
tap_ok $? "the group ran ~2 users x 1 s / 52 ms times in both passes (got $g0 and $g1)"
tap_is "$d0" "$g0" "pass 1: one dashboard request per group iteration"
tap_is "$w0" "$((2 * g0))" "pass 1 (2 widgets): two widget requests per iteration"
tap_is "$w1" "$((5 * g1))" "pass 2 (5 widgets): five widget requests per iteration"
tap_is "$(eng_get group key d/load ok)" "$((g0 + g1))" "every group iteration ok"
glat=$(eng_get group key d/load lat_p50)
wlat=$(eng_get group key d/load/widget lat_p50)
dlat=$(eng_get group key d/load/dashboard lat_p50)
awk -v g="$glat" -v w="$wlat" -v d="$dlat" 'BEGIN { exit !(w >= 50000 && g >= w && g >= d && g <= w + d + 10000) }'
tap_ok $? "group latency p50 covers its slowest step, not much more (group $glat, dashboard $dlat, widget $wlat us)"
tap_is "$(grep -c '^key d/' "$T/group.out")" 3 "keys: the group and each of its steps"
tap_done
