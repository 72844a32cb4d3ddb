#!/bin/bash
# shellcheck disable=SC2016,SC2012 # backquotes are Markdown; ls lists two known names
# diff.sh: `flowrun diff` on real plan files and on a git revision (TAP).
#
# Two versions of one plan differ in each way a review cares about: one SLO
# loosened, one tightened, one with a new window, one added, one removed. The
# Markdown table and the exit status (1 unless --allow-loosen) are compared
# exactly; then the same with --git against a throw-away repository, where a
# plan that is new since the revision has every SLO "added"; then an unknown
# revision and an invalid plan (exit 2).
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"

if ! [ -x "$FLOWRUN" ] || ! "$FLOWRUN" diff --help >/dev/null 2>&1; then
	tap_skip_all "flowrun diff is not available ($FLOWRUN)"
fi
command -v git >/dev/null 2>&1 || tap_skip_all "git not installed"

d=$FR_TMP
cat >"$d/old.yaml" <<'EOF'
version: 1
name: diff-demo
target: { base_url: "http://127.0.0.1:1" }
scenarios:
  - name: queries
    model: open
    stages: [{ rate: 10/s, for: 10s }]
    requests:
      - { name: redis-lookup, path: /a }
      - { name: analytical, path: /b }
slos:
  - { name: redis-p99,    request: redis-lookup, p99: "< 5ms", during: run }
  - { name: analytic-p99, request: analytical,   p99: "< 2s" }
  - { name: errors,       error_rate: "< 1%" }
  - { name: http-p99,     p99: "< 3s" }
EOF
sed -e 's/p99: "< 5ms", during: run/p99: "< 8ms", during: run/' -e 's/p99: "< 2s" }/p99: "< 1s" }/' \
	-e '/name: http-p99/d' -e 's/error_rate: "< 1%" }/error_rate: "< 1%", during: each-stage }/' \
	"$d/old.yaml" >"$d/new.yaml"
echo '  - { name: live-p95,     request: analytical,   p95: "< 50ms" }' >>"$d/new.yaml"

table='### SLO changes in `diff-demo`

| SLO | change | before | after |
|---|---|---|---|
| `redis-p99` | **loosened** | `p99 < 5ms` on redis-lookup during run | `p99 < 8ms` on redis-lookup during run |
| `analytic-p99` | tightened | `p99 < 2s` on analytical during run | `p99 < 1s` on analytical during run |
| `errors` | window | `error_rate < 1%` during run | `error_rate < 1%` during each-stage |
| `live-p95` | added | | `p95 < 50ms` on analytical during run |
| `http-p99` | **removed** | `p99 < 3s` during run | |
'

tap_plan 10
out=$("$FLOWRUN" diff "$d/old.yaml" "$d/new.yaml" 2>&1)
rc=$?
tap_is "$out" "$table
2 SLOs loosened, changed or removed: this needs --allow-loosen." "diff OLD NEW: the Markdown table"
tap_is "$rc" 1 "diff OLD NEW: exit 1 (loosened and removed)"
out=$("$FLOWRUN" diff --allow-loosen "$d/old.yaml" "$d/new.yaml" 2>&1)
rc=$?
tap_is "$(printf '%s\n' "$out" | tail -1)" "2 SLOs loosened, changed or removed (allowed with --allow-loosen)." \
	"--allow-loosen: says so"
tap_is "$rc" 0 "--allow-loosen: exit 0"
out=$("$FLOWRUN" diff "$d/old.yaml" "$d/old.yaml" 2>&1)
rc=$?
tap_is "$rc: $out" '0: ### SLO changes in `diff-demo`

No SLO changes.' "the same plan: no changes, exit 0"

# --git: the committed version against the working tree.
repo=$d/repo
mkdir -p "$repo/plans"
cp "$d/old.yaml" "$repo/plans/x.yaml"
(cd "$repo" && git init -q && git add . && git -c user.name=t -c user.email=t@t commit -qm one) ||
	{ tap_ok 1 "a git repository"; exit 1; }
cp "$d/new.yaml" "$repo/plans/x.yaml"
cp "$d/old.yaml" "$repo/plans/y.yaml"
out=$(cd "$repo" && "$FLOWRUN" diff --git HEAD plans/x.yaml 2>&1)
rc=$?
tap_is "$out" "### plans/x.yaml

$table
2 SLOs loosened, changed or removed: this needs --allow-loosen." "diff --git HEAD: the table against the committed plan"
tap_is "$rc" 1 "diff --git HEAD: exit 1"
out=$(cd "$repo" && "$FLOWRUN" diff --git HEAD plans/y.yaml 2>&1)
rc=$?
tap_is "$rc:$(printf '%s\n' "$out" | grep -c '| added |')" "0:4" "a plan new since the revision: 4 SLOs added, exit 0"
tap_is "$(ls -A "$repo/plans" | tr '\n' ' ')" "x.yaml y.yaml " "no temporary file is left next to the plan"
out=$(cd "$repo" && "$FLOWRUN" diff --git nope plans/x.yaml 2>&1)
rc=$?
tap_is "$rc: $out" "2: flowrun: git show nope:./x.yaml: fatal: invalid object name 'nope'." "an unknown revision: exit 2 and git's message"
tap_done
