#!/bin/bash
# engine-open.sh: the open model against the fixture — latency from the intended
# send time, no coordinated omission, planned vs sent, Poisson arrivals, and an
# unreachable target.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-engine.sh
. "$top_srcdir/tests/e2e/lib-engine.sh"

tap_plan 20
fr_start_redis || exit 1
fr_start_fixture --service-time 10ms || exit 1
T=$FR_TMP

{ eng_plan_head engine-open; cat <<'EOP'; } >"$T/open.yaml"
scenarios:
  - name: q
    model: open
    stages:
      - { rate: 100/s, for: 3s }
    requests:
      - { name: redis, path: "/api/query?store=redis&key=key-${rand:1..1000}" }
EOP

# 1. 100/s for 3 s against a 10 ms service time.
eng_run open "$T/open.yaml" --threads 2
tap_is "$?" 0 "open run completes (status 0)"
tap_is "$(eng_get open key q/redis n)/$(eng_get open key q/redis ok)" "300/300" "300 requests planned at 100/s for 3 s, all ok"
p50=$(eng_get open key q/redis lat_p50)
eng_between "$p50" 10000 11000
tap_ok $? "latency p50 within [10 ms, 11 ms] (got ${p50} us)"
tap_is "$(eng_get open run planned) $(eng_get open run sent)" "300 300" "planned and sent are both 300"
tap_is "$(eng_get open key q/redis missed)" 0 "nothing missed"
tap_is "$(eng_invalid open)" "" "the run is valid (rate achieved, scheduler lag small)"
eng_path_check open

# 2. Coordinated omission: a 1 s stall at about 2 s of a 5 s run at 100/s, two
#    requests in flight at most (the rest wait in flowrun, timed from their
#    intended send time).
sed -e 's/for: 3s/for: 5s/' -e 's/engine-open/engine-co/' "$T/open.yaml" >"$T/co.yaml"
stall() { sleep 2; curl -s -o /dev/null -X POST "$FR_FIXTURE_URL/admin/stall?for=1000ms"; }
stall &
spid=$!
eng_run co "$T/co.yaml" --threads 1 --max-inflight 2
tap_is "$?" 0 "stalled run completes"
wait "$spid"
lat99=$(eng_get co key q/redis lat_p99)
svc99=$(eng_get co key q/redis svc_p99)
eng_between "$lat99" 900000 2000000
tap_ok $? "latency p99 from the intended send time shows the stall: >= 900 ms (got $lat99 us)"
eng_between "$svc99" 0 99999
tap_ok $? "service-time p99 stays small: < 100 ms (got $svc99 us)"
late=$(eng_get co key q/redis late)
eng_between "$late" 50 500
tap_ok $? "arrivals held behind the stall are counted late (got $late)"

# 3. With the default in-flight limit (1024) every request goes out on time,
#    so the requests sent during the stall see it in their service time too.
stall &
spid=$!
eng_run co2 "$T/co.yaml" --threads 2
wait "$spid"
svc99=$(eng_get co2 key q/redis svc_p99)
eng_between "$svc99" 800000 2000000
tap_ok $? "with the default limit the stall reaches the service time: p99 >= 800 ms (got $svc99 us)"
lat99=$(eng_get co2 key q/redis lat_p99)
awk -v a="$lat99" -v b="$svc99" 'BEGIN { exit !(a > 0 && b > 0 && (a - b) / a < 0.05) }'
tap_ok $? "with the default limit latency and service p99 agree within 5 % ($lat99 us, $svc99 us)"

# 4. Poisson arrivals at 200/s for 2 s: 400 expected, 3 standard deviations = 60.
sed -e 's/rate: 100\/s, for: 3s/rate: 200\/s, for: 2s/' -e 's/model: open/model: open\n    arrival: poisson/' \
	-e 's/engine-open/engine-poisson/' "$T/open.yaml" >"$T/poisson.yaml"
eng_run poisson "$T/poisson.yaml" --threads 2
n=$(eng_get poisson run sent)
eng_between "$n" 340 460
tap_ok $? "Poisson arrivals: 400 +- 60 sent at 200/s for 2 s (got $n)"
tap_is "$(eng_get poisson run planned)" "$n" "Poisson: everything planned was sent"

# 5. A load the run cannot deliver: one request in flight at most, 20 ms each,
#    so about 50 of the planned 100 sends per second go out; the rest are
#    missed and the run is invalid.
curl -s -o /dev/null -X POST "$FR_FIXTURE_URL/admin/mode?service_time=20ms"
sed -e 's/for: 3s/for: 2s/' "$T/open.yaml" >"$T/short.yaml"
eng_run short "$T/short.yaml" --threads 1 --max-inflight 1
sent=$(eng_get short run sent)
eng_between "$sent" 80 110
tap_ok $? "one in flight at 20 ms: about 100 of 200 sent (got $sent)"
tap_like "$(eng_invalid short)" '^achieved [0-9]+/s of 100/s planned \([0-9]+\.[0-9] %\)$' \
	"the run is invalid: achieved rate below 99 % of the plan"

# 6. An unreachable target: distinct status and the reason.
port=$(fr_free_port)
FR_FIXTURE_URL=http://127.0.0.1:$port eng_run down "$T/open.yaml"
tap_is "$?" 1 "unreachable target: status FR_RUN_UNREACHABLE"
tap_is "$(cat "$T/down.out")" "error target http://127.0.0.1:$port is unreachable: Connection refused" \
	"unreachable target: the message names the URL and the reason"
tap_is "$(grep -c '^key' "$T/down.out")" 0 "unreachable target: no results"
tap_done
