#!/bin/bash
# bench/http-instructions.sh: instructions per request of wrk and of flowrun's two HTTP paths, under callgrind.
#
# The wall-clock benchmark (bench/http-vs-wrk.sh) needs a quiet machine;
# instruction counts do not: callgrind counts what the code executes, whatever
# else the machine does. nginx (1 worker, a 20-byte JSON answer) on a free
# loopback port; `wrk -t1 -c50` and `flowrun run` of the same plan as
# http-vs-wrk.sh (closed model, 50 users, a group of two steps with a JSON
# capture each, two stages) on --threads 1, with --http-engine lean and curl,
# each for SECONDS under `valgrind --tool=callgrind`. Only user-space
# instructions of the load thread are counted (wrk's whole process; flowrun's
# worker thread, --toggle-collect=thread_main): system calls and the kernel's
# TCP work are not (perf: about 8 µs of kernel time per request on loopback,
# the same for all three, which make one send and one receive per request).
#
#   bench/http-instructions.sh [SECONDS=4]
#   env: FLOWRUN (default $top_builddir/flowrun, a build without --enable-asan)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(dirname "$here")}
top_builddir=${top_builddir:-$top_srcdir}
FLOWRUN=${FLOWRUN:-$top_builddir/flowrun}
SECONDS_=${1:-4}
PY=/usr/bin/python3

command -v valgrind >/dev/null || { echo "bench: valgrind is not installed" >&2; exit 1; }
[ -x "$FLOWRUN" ] || { echo "bench: $FLOWRUN not built" >&2; exit 1; }
# shellcheck source=lib-nginx.sh disable=SC2154 # tmp and url come from bench_start
. "$here/lib-nginx.sh"
bench_start instr
bench_closed_plan "$url" 2 $((SECONDS_ - 2)) >"$tmp/closed.yaml"

# collected OUT: the instructions callgrind counted.
collected() {
	sed -n 's/^==[0-9]*== Collected : \([0-9]*\)/\1/p' "$1"
}

valgrind --tool=callgrind --callgrind-out-file="$tmp/wrk.cg" wrk -t1 -c50 -d"${SECONDS_}s" "$url/items" \
	>"$tmp/wrk.out" 2>&1
n=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
awk -v i="$(collected "$tmp/wrk.out")" -v n="$n" 'BEGIN { printf "wrk -t1 -c50:                %8.0f instructions per request (%d requests)\n", i / n, n }'
for e in lean curl; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$e.cg" --toggle-collect=thread_main "$FLOWRUN" run \
		"$tmp/closed.yaml" --threads 1 --http-engine "$e" --quiet --json "$tmp/$e.json" >"$tmp/$e.out" 2>&1
	n=$($PY -c 'import json, sys
print(sum(k["run"]["requests"] for k in json.load(open(sys.argv[1]))["keys"] if k["kind"] != "group"))' "$tmp/$e.json")
	awk -v i="$(collected "$tmp/$e.out")" -v n="$n" -v e="$e" 'BEGIN {
		printf "flowrun --http-engine %-5s %8.0f instructions per request (%d requests)\n", e ":", i / n, n }'
done
