#!/bin/bash
# prometheus-config.sh: prometheus/prometheus.yml is valid and scrapes what the bench needs (TAP).
#
# promtool checks the syntax; the rest checks the contract with the other
# files: every job at 1 s (the exporter's linger assumes it), flowrun on the
# default --metrics-listen address, the backend on the plans' default target,
# Toxiproxy on its API port (where -proxy-metrics serves /metrics). A broken
# copy must fail promtool, so the check can fail.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
set -u

cfg=$top_srcdir/prometheus/prometheus.yml
command -v promtool >/dev/null 2>&1 || tap_skip_all "promtool not installed (apt-get install prometheus)"
tmp=$FR_TMP

tap_plan 4
out=$(promtool check config "$cfg" 2>&1) || true
tap_check "promtool check config" "$(printf '%s\n' "$out" | grep -q 'SUCCESS' || echo "$out")"
# "job=target" pairs, in file order.
jobs=$(grep -E "job_name:|targets:" "$cfg" | sed -E "s/.*job_name: *//; s/.*targets: *\['([^']*)'\].*/=\1/" | paste -sd' ' | sed 's/ =/=/g')
tap_check "scrapes flowrun, the backend and Toxiproxy on their default addresses" \
	"$([ "$jobs" = "flowrun=127.0.0.1:9464 flowforge=127.0.0.1:8080 toxiproxy=127.0.0.1:8474" ] || echo "got: $jobs")"
interval=$(grep -E '^\s+scrape_interval:' "$cfg" | awk '{ print $2 }' | paste -sd' ')
tap_check "scrape interval is 1s (the exporter lingers 2 intervals + 1 s)" \
	"$([ "$interval" = 1s ] || echo "got: $interval")"
sed 's/scrape_interval: 1s/scrape_interval: 1 second/' "$cfg" >"$tmp/bad.yml"
tap_check "a broken copy fails promtool" "$(promtool check config "$tmp/bad.yml" >/dev/null 2>&1 && echo "promtool accepted it")"
tap_done
