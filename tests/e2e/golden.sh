#!/usr/bin/env bash
# golden.sh: every plan in plans/ compiles to exactly its golden timeline text
# (tests/golden/NAME.txt, and NAME.scaled.txt at --time-scale 0.1), and `flowrun plan
# --json` of the smoke plan matches tests/golden/smoke.json; all with --threads 2,
# so that the memory estimate does not depend on the machine. FLOWRUN_REGEN_GOLDEN=1
# rewrites the golden files instead (review the diff before committing).
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
cd "$top_srcdir" || exit 1
golden=tests/golden
cases=()
for p in plans/*.yaml; do
	n=$(basename "$p" .yaml)
	cases+=("$n.txt|plan $p --threads 2" "$n.scaled.txt|plan $p --time-scale 0.1 --threads 2")
done
cases+=("smoke.json|plan plans/smoke.yaml --json --threads 2")
tap_plan ${#cases[@]}
for c in "${cases[@]}"; do
	file=${c%%|*}
	# shellcheck disable=SC2086
	set -- ${c#*|}
	got=$("$FLOWRUN" "$@" 2>&1)
	rc=$?
	if [ "${FLOWRUN_REGEN_GOLDEN:-0}" = 1 ]; then
		printf '%s\n' "$got" > "$golden/$file"
	fi
	if [ $rc -eq 0 ] && [ "$got" = "$(cat "$golden/$file" 2>/dev/null)" ]; then
		tap_ok 0 "flowrun $* matches $golden/$file"
	else
		tap_ok 1 "flowrun $* matches $golden/$file (exit $rc)" \
			"$(diff <(cat "$golden/$file" 2>/dev/null) <(printf '%s\n' "$got") | head -40)"
	fi
done
tap_done
