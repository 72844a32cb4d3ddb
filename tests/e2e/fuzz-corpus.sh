#!/bin/bash
# fuzz-corpus.sh: every committed fuzz corpus replayed (TAP).
#
# Each target of tests/fuzz runs once on every file of tests/fuzz/corpus/<target>/
# (inputs that once crashed it, and seeds), with the sanitizers of this build:
# what a fuzzer found stays fixed in every build, with or without clang. The
# plan target also replays the plan corpus (tests/corpus, plans/). Runtime: a
# few seconds.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
set -u
for t in fuzz-plan fuzz-units fuzz-capture fuzz-exporter fuzz-fixture-http fuzz-fixture-ws; do
	bin=$top_builddir/tests/fuzz/$t
	if [ ! -x "$bin" ]; then
		tap_ok 1 "$t is built (make check builds it)"
		continue
	fi
	inputs=("$top_srcdir/tests/fuzz/corpus/$t")
	[ "$t" = fuzz-plan ] && inputs+=("$top_srcdir"/tests/corpus/*/ "$top_srcdir/plans")
	# -runs=0: libFuzzer (a --enable-fuzzing build) runs the corpus once; standalone.c ignores it
	"$bin" -runs=0 "${inputs[@]}" >"$FR_TMP/$t.out" 2>&1
	rc=$?
	n=$(grep -c '^ran ' "$FR_TMP/$t.out")
	grep -q 'INITED' "$FR_TMP/$t.out" && n="libFuzzer: $(sed -n 's/.*INITED.*corp: \([0-9]*\).*/\1/p' "$FR_TMP/$t.out" | head -1)"
	[ "$rc" = 0 ] && [ "$n" != 0 ]
	tap_ok $? "$t replays its corpus cleanly ($n inputs)" "$(grep -v '^ran ' "$FR_TMP/$t.out" | head -30)"
done
tap_done
