#!/bin/bash
# check-corpus.sh: `flowrun check` against the plan corpus (TAP).
#
# Every tests/corpus/fail/*.yaml must exit 2 with stderr exactly equal to its
# .expected file; every tests/corpus/pass/*.yaml and plans/*.yaml must exit 0
# with nothing on stderr; every tests/corpus/warn/*.yaml must exit 0 with
# stderr exactly equal to its .expected file (warnings only); @TOP@ in a must-fail
# .expected file is the source root's real path. Inputs too big to commit (a 17 MiB file, 100,000
# levels of nesting, a million-item list) and the 10,000-stage plan of
# tests/bench/gen-big-plan.sh are generated into a temporary directory.
# Runs from the source root so that paths in diagnostics are as committed.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
cd "$top_srcdir" || exit 1
tmp=$FR_TMP

# The corpus relies on these being unset (or on their defaults being used).
unset_vars=(-u FR_CORPUS_UNSET_URL -u FR_CORPUS_UNSET_KEY -u FLOWFORGE_URL -u FLOWFORGE_PASSWORD -u TOXIPROXY_URL
	-u FLOWRUN_CORPUS_URL -u FLOWRUN_CORPUS_TEAM -u FLOWRUN_CORPUS_PROM -u FLOWRUN_CORPUS_WORD
	-u FLOWRUN_CORPUS_PASSWORD -u FLOWRUN_CORPUS_TOXIPROXY)
# …and every other FLOWRUN_CORPUS_* / FR_CORPUS_* variable the caller may have set.
while IFS= read -r v; do unset_vars+=(-u "$v"); done < <(compgen -e | grep -E '^(FLOWRUN|FR)_CORPUS_')

# flowrun_check FILE: runs `flowrun check FILE` (bounded), leaving stderr in $tmp/err and the status in $rc.
flowrun_check() {
	env "${unset_vars[@]}" timeout 60 "$FLOWRUN" check "$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect_fail FILE EXPECTED_TEXT NAME: exit 2 and exactly that stderr.
expect_fail() {
	flowrun_check "$1"
	printf '%s' "$2" >"$tmp/want"
	if [ "$rc" = 2 ] && cmp -s "$tmp/want" "$tmp/err"; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3" "  exit status $rc (want 2); stderr diff (want → got):
$(diff "$tmp/want" "$tmp/err" | head -20 | sed 's/^/  /')"
	fi
}

# expect_pass FILE: exit 0 and nothing on stderr.
expect_pass() {
	flowrun_check "$1"
	if [ "$rc" = 0 ] && [ ! -s "$tmp/err" ]; then
		tap_ok 0 "passes: $1"
	else
		tap_ok 1 "passes: $1" "  exit status $rc (want 0); stderr:
$(head -20 "$tmp/err" | sed 's/^/  /')"
	fi
}

# @TOP@ in an .expected file stands for the source root's real path (the plan's repository).
top=$(pwd -P)
nfail=0
for f in tests/corpus/fail/*.yaml; do
	exp=${f%.yaml}.expected
	if [ ! -f "$exp" ]; then
		tap_ok 1 "fails: $f (no $exp)"
		continue
	fi
	expect_fail "$f" "$(sed "s|@TOP@|$top|g" "$exp")
" "fails as expected: $f"
	nfail=$((nfail + 1))
done
[ "$nfail" -ge 45 ]
tap_ok $? "the must-fail corpus has at least 45 plans ($nfail)"

for f in tests/corpus/pass/*.yaml plans/*.yaml; do
	[ -f "$f" ] && expect_pass "$f"
done

# Warnings leave a plan valid: exit 0, and exactly the expected warnings.
for f in tests/corpus/warn/*.yaml; do
	flowrun_check "$f"
	if [ "$rc" = 0 ] && cmp -s "${f%.yaml}.expected" "$tmp/err"; then
		tap_ok 0 "passes with warnings: $f"
	else
		tap_ok 1 "passes with warnings: $f" "  exit status $rc (want 0); stderr diff (want → got):
$(diff "${f%.yaml}.expected" "$tmp/err" | head -20 | sed 's/^/  /')"
	fi
done

# The memory estimate against --max-memory: check and run refuse, located at the largest stage; 'none' lifts it.
lim=tests/corpus/limits/million-users.yaml
want="$lim:14:9: error: a run needs an estimated 16 GiB of memory on 2 worker threads, more than --max-memory 8.0 GiB (\`flowrun plan\` shows the estimate's parts)"
for cmd in check run; do
	env "${unset_vars[@]}" timeout 60 "$FLOWRUN" "$cmd" --threads 2 --max-memory 8GiB "$lim" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = 2 ] && [ "$(cat "$tmp/err")" = "$want" ] && [ ! -s "$tmp/out" ]
	tap_ok $? "$cmd --max-memory 8GiB refuses a plan estimated at 16 GiB (exit $rc)" "$(head -5 "$tmp/err")"
done
env "${unset_vars[@]}" "$FLOWRUN" check --threads 2 --max-memory none "$lim" >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]
tap_ok $? "--max-memory none lifts the limit"
env "${unset_vars[@]}" "$FLOWRUN" check --max-memory 8X "$lim" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] && grep -qx "flowrun: --max-memory needs a size such as 8GiB, 512M or 1000000, or 'none'; got '8X'" "$tmp/err"
tap_ok $? "a bad --max-memory is a usage error (exit $rc)"

# Setting the variables an env-failing plan needs (--set, or the environment) makes it pass.
env "${unset_vars[@]}" "$FLOWRUN" check --set FR_CORPUS_UNSET_URL=http://127.0.0.1:18080 \
	--set FR_CORPUS_UNSET_KEY=k tests/corpus/fail/33-unset-env.yaml >"$tmp/out" 2>"$tmp/err" &&
	[ ! -s "$tmp/err" ]
tap_ok $? "--set supplies the environment variables a plan needs"

# Several plans in one check: every plan's diagnostics, in order, and exit 2.
check_two() {
	env "${unset_vars[@]}" "$FLOWRUN" check tests/corpus/pass/loader-anchors.yaml tests/corpus/fail/09-missing-name.yaml \
		tests/corpus/fail/52-version.yaml >"$tmp/out" 2>"$tmp/err"
}
check_two
rc=$?
cat tests/corpus/fail/09-missing-name.expected tests/corpus/fail/52-version.expected >"$tmp/want"
[ "$rc" = 2 ] && cmp -s "$tmp/want" "$tmp/err"
tap_ok $? "checking several plans reports each failing plan's diagnostics and exits 2"

# A file over the 16 MiB limit is refused before parsing.
big="$tmp/40-very-large.yaml"
awk 'BEGIN { print "version: 1"; for (i = 0; i < 900000; i++) printf "k%07d: some value\n", i }' >"$big"
expect_fail "$big" "$big:1:1: error: file is larger than 16 MiB
" "a file over 16 MiB is one located error"

# 100,000 levels of nesting stop at level 65: the mapping is level 1, so the 64th '[' (column 4 + 63) is refused.
deep="$tmp/41-deep.yaml"
{ printf 'a: '; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; echo; } >"$deep"
expect_fail "$deep" "$deep:1:67: error: document is nested deeper than 64 levels
" "100,000 levels of nesting are one located error"

# A flat list of 1,000,001 items: the mapping, its key and the list are 3 nodes, so item 999,998 (column 5 + 2 × 999,997) is one too many.
wide="$tmp/53-wide.yaml"
{ printf 'a: ['; head -c 1000001 /dev/zero | tr '\0' '1' | sed 's/./1,/g'; echo ']'; } >"$wide"
expect_fail "$wide" "$wide:1:1999999: error: document has more than 1000000 nodes
" "a million-node document is one located error"

# Random binary data never crashes or hangs the loader (exit 2 and one located error).
for seed in 1 2 3; do
	junk="$tmp/junk$seed.yaml"
	awk -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < 4096; i++) printf "%c", int(rand() * 256) }' >"$junk"
	flowrun_check "$junk"
	[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "^$junk:[0-9]*:[0-9]*: error: " "$tmp/err"
	tap_ok $? "random bytes ($seed) give exit 2 and one located error"
done

# The 10,000-stage, 1,000-fault plan is valid and checked quickly even under sanitizers.
bigplan=$(bash tests/bench/gen-big-plan.sh "$tmp/bench")
start=$(date +%s%N)
expect_pass "$bigplan"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 5000 ]
tap_ok $? "the 10,000-stage plan is checked in under 5 s with sanitizers ($ms ms)"

tap_done
