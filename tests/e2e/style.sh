#!/usr/bin/env bash
# style.sh: the layer rule and the code format hold on the tree, and both checks
# fail when they should — an upward include, an include cycle, a header implemented
# elsewhere and a misformatted line are planted in scratch copies of runner/.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"

command -v python3 >/dev/null || tap_skip_all "python3 not installed"
command -v clang-format >/dev/null || tap_skip_all "clang-format not installed (scripts/install-deps.sh installs it)"
tap_plan 8
layers=$top_srcdir/scripts/check-layers.py
T=$FR_TMP

out=$(python3 "$layers" "$top_srcdir/runner" 2>&1)
tap_check "runner/ follows the layer rule" "$out"

scratch() { rm -rf "$T/runner" && cp -r "$top_srcdir/runner" "$T/runner"; }

scratch
sed -i '0,/#include "util\/xmalloc.h"/s//#include "util\/xmalloc.h"\n#include "engine\/run.h"/' "$T/runner/plan/diag.c"
out=$(python3 "$layers" "$T/runner" 2>&1)
rc=$?
case "$rc:$out" in
1:*'runner/plan/diag.c:'*'#include "engine/run.h": layer plan may not include engine'*) tap_ok 0 "an upward include (plan → engine) fails, naming file, line and layers" ;;
*) tap_ok 1 "an upward include (plan → engine) fails, naming file, line and layers" "exit $rc: $out" ;;
esac

scratch
printf '#include "util/fmt.h"\n' >> "$T/runner/util/buf.h"
printf '#include "util/buf.h"\n' >> "$T/runner/util/fmt.c"
out=$(python3 "$layers" "$T/runner" 2>&1)
rc=$?
case "$rc:$out" in
1:*'include cycle between modules: util/buf ↔ util/fmt'*) tap_ok 0 "a cycle inside one layer (util/buf ↔ util/fmt) fails" ;;
*) tap_ok 1 "a cycle inside one layer (util/buf ↔ util/fmt) fails" "exit $rc: $out" ;;
esac

scratch
printf '#include "buf.h"\n' >> "$T/runner/util/fmt.c"
out=$(python3 "$layers" "$T/runner" 2>&1)
rc=$?
case "$rc:$out" in
1:*'runner/util/fmt.c:'*'#include "buf.h" does not name its layer'*) tap_ok 0 "an include without its layer fails" ;;
*) tap_ok 1 "an include without its layer fails" "exit $rc: $out" ;;
esac

scratch
printf '/* planted */\nint fr_buf_planted(void);\n' >> "$T/runner/util/fmt.h"
out=$(python3 "$layers" "$T/runner" 2>&1)
rc=$?
case "$rc:$out" in
1:*'runner/util/fmt.h: declares fr_buf_planted, not defined in runner/util/fmt.c'*) tap_ok 0 "a header declaring a function its namesake .c lacks fails" ;;
*) tap_ok 1 "a header declaring a function its namesake .c lacks fails" "exit $rc: $out" ;;
esac

out=$("$top_srcdir/scripts/check-format.sh" "$top_srcdir" 2>&1)
tap_check "every C file is formatted by .clang-format" "$out"

mkdir -p "$T/fmt/runner/util"
cp "$top_srcdir/.clang-format" "$T/fmt/"
cp "$top_srcdir/runner/util/buf.c" "$T/fmt/runner/util/"
out=$("$top_srcdir/scripts/check-format.sh" "$T/fmt" 2>&1)
tap_check "a formatted copy passes check-format" "$out"
sed -i 's/^\treturn rc;$/    return   rc ;/' "$T/fmt/runner/util/buf.c"
out=$("$top_srcdir/scripts/check-format.sh" "$T/fmt" 2>&1)
rc=$?
case "$rc:$out" in
1:*'runner/util/buf.c: not formatted'*) tap_ok 0 "a misformatted line fails check-format, naming the file" ;;
*) tap_ok 1 "a misformatted line fails check-format, naming the file" "exit $rc: $out" ;;
esac
tap_done
