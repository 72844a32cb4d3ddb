#!/bin/bash
# gen-big-plan.sh: writes a large valid plan (default 10,000 stages and 1,000
# faults) and its proxies file into DIR, to measure `flowrun check` speed.
#
#   tests/bench/gen-big-plan.sh DIR [STAGES] [FAULTS]
#
# The stages are split over four open scenarios of 2,500 stages of 1 s each,
# so a pass lasts 2,500 s; the faults rotate over 10 proxies, 2 s long and 24 s
# apart on each proxy, so none overlap and all end inside the pass. Every stage
# and fault is named and one SLO names each of the last ones, so the name
# tables are exercised at full size. Prints the plan's path.
set -eu
dir=${1:?usage: gen-big-plan.sh DIR [STAGES] [FAULTS]}
stages=${2:-10000}
faults=${3:-1000}
mkdir -p "$dir"
awk -v stages="$stages" -v faults="$faults" -v dir="$dir" '
BEGIN {
	nscen = 4; per = int((stages + nscen - 1) / nscen); nprox = 10
	proxies = dir "/big-proxies.json"
	printf "[" > proxies
	for (p = 0; p < nprox; p++)
		printf "%s{\"name\": \"p%d\", \"listen\": \"127.0.0.1:%d\", \"upstream\": \"127.0.0.1:%d\"}", (p ? ", " : ""), p, 30000 + p, 40000 + p > proxies
	print "]" > proxies
	plan = dir "/big-plan.yaml"
	print "version: 1" > plan
	print "name: big-plan" > plan
	print "target: { base_url: http://127.0.0.1:8080 }" > plan
	print "scenarios:" > plan
	n = 0
	for (s = 0; s < nscen && n < stages; s++) {
		printf "  - name: scen%d\n    model: open\n    requests: [{ name: req%d, path: \"/q?k=${rand:1..100}\" }]\n    stages:\n", s, s > plan
		for (k = 0; k < per && n < stages; k++) {
			printf "      - { name: st%d, rate: %d/s, for: 1s }\n", n, 1 + n % 50 > plan
			n++
		}
	}
	print "faults:" > plan
	print "  toxiproxy: http://127.0.0.1:8474" > plan
	print "  proxies: big-proxies.json" > plan
	print "  timeline:" > plan
	for (f = 0; f < faults; f++)
		printf "    - { name: f%d, at: %ds, for: 2s, proxies: [p%d], toxic: latency, latency: %dms }\n", f, 2 * int(f / nprox) * 12 + (f % nprox) * 2, f % nprox, 10 + f % 90 > plan
	print "slos:" > plan
	printf "  - { name: last-stage, request: req0, p99: \"< 50ms\", during: \"stage:st%d\" }\n", stages - 1 > plan
	printf "  - { name: last-fault, p99: \"< 1s\", during: \"fault:f%d\" }\n", faults - 1 > plan
	print "  - { name: calm, error_rate: \"< 1%\", during: no-fault }" > plan
	print plan
}'
