#!/bin/bash
# live-ui.sh: the live page of `flowrun run --ui`, watched in headless Chromium during a real run.
#
# A 10-second open-model plan at 200/s against the fixture backend (real Redis),
# twice: once with a browser on the live page (tests/browser/check-live.js) and
# once with no page at all. The page's numbers change at least 4 times and it
# ends showing the finished run; no console error; no request leaves its origin;
# the server is read only (POST is 405); and the run delivers the same rate with
# and without the browser (sends ≥ 99 % of plan both times, within 1 % of each
# other). A bad --ui address is exit 2 and a port in use exit 4, both before any
# load. The screenshot goes to $top_builddir/artifacts/. Skips without chromium or
# playwright-core. About 40 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
cd "$top_srcdir" || exit 1

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || tap_skip_all "no $CHROMIUM (apt-get install chromium)"
[ -d node_modules/playwright-core ] || tap_skip_all "no playwright-core (npm ci)"
tap_plan 10
T=$(fr_tmpdir)
ART=$top_builddir/artifacts
mkdir -p "$ART"
fr_start_redis || exit 1
fr_start_fixture || exit 1

cat >"$T/live.yaml" <<EOF
version: 1
name: live-ui
$(fr_fixture_target)
scenarios:
  - name: queries
    model: open
    stages:
      - { name: warm, rate: 200/s, for: 5s }
      - { name: steady, rate: 200/s, for: 5s }
    requests:
      - { name: lookup, path: "/api/query?store=redis&key=\${rand:1..1000}" }
slos:
  - { name: p99, p99: "< 1s", during: each-stage }
EOF

# With a browser on the page.
"$FLOWRUN" run "$T/live.yaml" --ui 0 --quiet --json "$T/with.json" 2>"$T/with.err" &
run=$!
url=
for _ in $(seq 1 100); do
	url=$(grep -o 'http://[^ ]*/' "$T/with.err" 2>/dev/null | head -1)
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ]
tap_ok $? "the run names its live page ($url)" "$(cat "$T/with.err")"
tap_is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")" 405 "the live page is read only: POST is 405"
timeout 60 node tests/browser/check-live.js "$url" "$ART/live-ui.png" 30 >"$T/live.json" 2>"$T/live.berr"
wait $run
rc=$?
[ -s "$T/live.json" ] || echo "# $(cat "$T/live.berr")"
[ "$rc" = 0 ] || [ "$rc" = 1 ] || [ "$rc" = 3 ]
tap_ok $? "the run with a browser attached completes (exit $rc)"
changes=$(jq '.changes' "$T/live.json")
[ "${changes:-0}" -ge 4 ]
tap_ok $? "the page's numbers changed $changes times during the 10 s run: $(jq -c '.values' "$T/live.json")"
tap_is "$(jq '.done' "$T/live.json")" true "the page ends showing the finished run"
tap_is "$(jq '.errors | length' "$T/live.json")" 0 "no console or page error" "$(jq -c '.errors' "$T/live.json")"
tap_is "$(jq '.foreign | length' "$T/live.json")" 0 "no request leaves the page's origin"

# Without any page: the same rate.
"$FLOWRUN" run "$T/live.yaml" --quiet --json "$T/without.json" 2>"$T/without.err"
with=$(jq '.scheduler.sent / .scheduler.planned' "$T/with.json")
without=$(jq '.scheduler.sent / .scheduler.planned' "$T/without.json")
echo "# achieved/planned: $with with the browser, $without without; lag p99 $(jq .scheduler.lag.p99 "$T/with.json") us vs $(jq .scheduler.lag.p99 "$T/without.json") us"
awk -v a="$with" -v b="$without" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a >= 0.99 && b >= 0.99 && d <= 0.01) }'
tap_ok $? "the achieved rate is the same with and without a browser attached ($with, $without of plan)"

"$FLOWRUN" run "$T/live.yaml" --ui 'no:port:x' --quiet 2>"$T/bad.err"
tap_is "$?:$(cat "$T/bad.err")" "2:flowrun: bad --ui address 'no:port:x': expected PORT or HOST:PORT, e.g. 8089 or 127.0.0.1:8089" \
	"a bad --ui address: exit 2 before any load"
port=$(fr_free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(20)' "$port" &
holder=$!
fr_wait_port 127.0.0.1 "$port"
"$FLOWRUN" run "$T/live.yaml" --ui "$port" --quiet 2>"$T/busy.err"
rc=$?
kill "$holder" 2>/dev/null
tap_is "$rc:$(cat "$T/busy.err")" "4:flowrun: cannot listen on 127.0.0.1:$port for the live page: Address already in use" \
	"--ui on a port in use: exit 4 before any load"
tap_done
