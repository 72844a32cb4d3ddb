#!/usr/bin/env bash
# style.sh: the layer rule and the code format hold on the tree, and both checks
# fail when they should — an upward include, an include cycle, a header implemented
# elsewhere and a misformatted line are planted in scratch copies of runner/.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/e2e/lib-tap.sh"

command -v python3 >/dev/null || fr_missing_tool "python3 not installed"
command -v clang-format >/dev/null || fr_missing_tool "clang-format not installed (scripts/install-deps.sh installs it)"
echo "1..8"
layers=$top_srcdir/scripts/check-layers.py
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

out=$(python3 "$layers" "$top_srcdir/runner" 2>&1)
check "runner/ follows the layer rule" "$out"

scratch() { rm -rf "$T/runner" && cp -r "$top_srcdir/runner" "$T/runner"; }

scratch
sed -i '0,/#include "util\/xmalloc.h"/s//#include "util\/xmalloc.h"\n#include "engine\/run.h"/' "$T/runner/plan/diag.c"
out=$(python3 "$layers" "$T/runner" 2>&1)
rc=$?
case "$rc:$out" in
1:*'runner/plan/diag.c:'*'#include "engine/run.h": layer plan may not include engine'*) ok "an upward include (plan → engine) fails, naming file, line and layers" ;;
*) not_ok "an upward include (plan → engine) fails, naming file, line and layers" "exit $rc: $out" ;;
esac

scratch
printf '#include "util/fmt.h"\n' >> "$T/runner/util/buf.h"
printf '#include "util/buf.h"\n' >> "$T/runner/util/fmt.c"
out=$(python3 "$layers" "$T/runner" 2>&1)
rc=$?
case "$rc:$out" in
1:*'include cycle between modules: util/buf ↔ util/fmt'*) ok "a cycle inside one layer (util/buf ↔ util/fmt) fails" ;;
*) not_ok "a cycle inside one layer (util/buf ↔ util/fmt) fails" "exit $rc: $out" ;;
esac

scratch
printf '#include "buf.h"\n' >> "$T/runner/util/fmt.c"
out=$(python3 "$layers" "$T/runner" 2>&1)
rc=$?
case "$rc:$out" in
1:*'runner/util/fmt.c:'*'#include "buf.h" does not name its layer'*) ok "an include without its layer fails" ;;
*) not_ok "an include without its layer fails" "exit $rc: $out" ;;
esac

scratch
printf '/* planted */\nint fr_buf_planted(void);\n' >> "$T/runner/util/fmt.h"
out=$(python3 "$layers" "$T/runner" 2>&1)
rc=$?
case "$rc:$out" in
1:*'runner/util/fmt.h: declares fr_buf_planted, not defined in runner/util/fmt.c'*) ok "a header declaring a function its namesake .c lacks fails" ;;
*) not_ok "a header declaring a function its namesake .c lacks fails" "exit $rc: $out" ;;
esac

out=$("$top_srcdir/scripts/check-format.sh" "$top_srcdir" 2>&1)
check "every C file is formatted by .clang-format" "$out"

mkdir -p "$T/fmt/runner/util"
cp "$top_srcdir/.clang-format" "$T/fmt/"
cp "$top_srcdir/runner/util/buf.c" "$T/fmt/runner/util/"
out=$("$top_srcdir/scripts/check-format.sh" "$T/fmt" 2>&1)
check "a formatted copy passes check-format" "$out"
sed -i 's/^\treturn rc;$/    return   rc ;/' "$T/fmt/runner/util/buf.c"
out=$("$top_srcdir/scripts/check-format.sh" "$T/fmt" 2>&1)
rc=$?
case "$rc:$out" in
1:*'runner/util/buf.c: not formatted'*) ok "a misformatted line fails check-format, naming the file" ;;
*) not_ok "a misformatted line fails check-format, naming the file" "exit $rc: $out" ;;
esac
exit 0
