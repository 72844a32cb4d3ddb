#!/usr/bin/env bash
# check-format.sh: every C file of flowrun is formatted by .clang-format.
#
#   scripts/check-format.sh [DIR]   check the C files below DIR (default: the source
#                                   tree); exit 0 when all are formatted, 1 with the
#                                   files and the first differing lines otherwise,
#                                   2 when clang-format is not installed.
# `make check-format` runs it on the tree; tests/e2e/style.sh runs it in `make check`.
set -u
dir=${1:-$(cd "$(dirname "$0")/.." && pwd)}
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed" >&2; exit 2; }
cd "$dir" || exit 2
status=0
while IFS= read -r f; do
	if ! out=$(clang-format --style=file --dry-run --Werror "$f" 2>&1); then
		echo "$f: not formatted (clang-format -i $f):"
		printf '%s\n' "$out" | head -6 | sed 's/^/    /'
		status=1
	fi
done < <(find runner fixtures tests bench -name '*.[ch]' -type f 2>/dev/null | sort)
[ $status -eq 0 ] || echo "check-format: run clang-format -i on the files above" >&2
exit $status
