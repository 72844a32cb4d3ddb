# shellcheck shell=bash
# tests/e2e/lib-prometheus.sh: a real Prometheus on a free loopback port. Source
# after lib.sh; what starts here stops at exit.

# fr_start_prometheus CONFIG: prometheus scraping what CONFIG says, its data in
# $FR_TMP/tsdb; waits up to 20 s until it is ready. Sets FR_PROM_PORT and
# FR_PROM_URL; the fr_bg name is prometheus.
fr_start_prometheus() {
	local _
	for _ in 1 2 3; do
		FR_PROM_PORT=$(fr_free_port)
		FR_PROM_URL=http://127.0.0.1:$FR_PROM_PORT
		fr_bg prometheus prometheus --config.file="$1" --storage.tsdb.path="$FR_TMP/tsdb" \
			--web.listen-address="127.0.0.1:$FR_PROM_PORT"
		if fr_wait_listen "$FR_LAST_PID" 127.0.0.1 "$FR_PROM_PORT" 20 && fr_wait_http "$FR_PROM_URL/-/ready" 20; then
			return 0
		fi
		fr_kill_pid "$FR_LAST_PID"
	done
	echo "# prometheus did not start:" >&2
	fr_log prometheus | tail -5 >&2
	return 1
}
