# shellcheck shell=bash disable=SC2154 # top_srcdir: set by lib.sh
# tests/e2e/lib-toxiproxy.sh: a real toxiproxy-server on free loopback ports, and
# what flowrun's faults leave in it. Source after lib.sh; what starts here stops
# at exit.

# fr_toxiproxy_bin: the toxiproxy-server binary: $TOXIPROXY_SERVER, then .tools/
# (scripts/install-deps.sh builds it there), then PATH; 1 when there is none.
fr_toxiproxy_bin() {
	local c
	for c in "${TOXIPROXY_SERVER:-}" "$top_srcdir/.tools/toxiproxy-server" \
		"$top_srcdir/.tools/server" "$(command -v toxiproxy-server 2>/dev/null)"; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			echo "$c"
			return 0
		fi
	done
	return 1
}

# fr_toxiproxy_config OUT REDIS MATERIALIZE CLICKHOUSE [REDIS_UP MATERIALIZE_UP CLICKHOUSE_UP]:
# toxiproxy/config.json with the listen port of each proxy replaced, and its
# upstream port too where one is given; names and everything else stay.
fr_toxiproxy_config() {
	jq --arg r "$2" --arg m "$3" --arg c "$4" --arg ru "${5:-}" --arg mu "${6:-}" --arg cu "${7:-}" '
		def addr(p): "127.0.0.1:" + p;
		def proxy(l; u): .listen = addr(l) | if u == "" then . else .upstream = addr(u) end;
		map(if .name == "redis" then proxy($r; $ru)
		    elif .name == "materialize" then proxy($m; $mu)
		    elif .name == "clickhouse" then proxy($c; $cu)
		    else . end)' "$top_srcdir/toxiproxy/config.json" >"$1"
}

# fr_start_toxiproxy [ARGS…]: toxiproxy-server on a free API port, with ARGS
# (e.g. -config FILE -proxy-metrics); waits until its API answers. Sets
# FR_TOXI_PORT, FR_TOXI_URL and FR_TOXI_PID; the fr_bg name is toxiproxy.
# shellcheck disable=SC2120 # the arguments are optional
fr_start_toxiproxy() {
	local bin _
	bin=$(fr_toxiproxy_bin) || { echo "# toxiproxy-server not found (run scripts/install-deps.sh)" >&2; return 1; }
	for _ in 1 2 3; do
		FR_TOXI_PORT=$(fr_free_port)
		FR_TOXI_URL=http://127.0.0.1:$FR_TOXI_PORT
		fr_bg toxiproxy "$bin" -host 127.0.0.1 -port "$FR_TOXI_PORT" "$@"
		FR_TOXI_PID=$FR_LAST_PID
		if fr_wait_listen "$FR_TOXI_PID" 127.0.0.1 "$FR_TOXI_PORT" 10 && fr_wait_http "$FR_TOXI_URL/version"; then
			return 0
		fi
		fr_kill_pid "$FR_TOXI_PID"
	done
	echo "# toxiproxy-server did not start:" >&2
	fr_log toxiproxy >&2
	return 1
}

# fr_flowrun_toxics: the names of flowrun's toxics left in the Toxiproxy at
# $TOXIPROXY_URL, one "proxy/toxic" per line.
fr_flowrun_toxics() {
	curl -fsS -m 3 -A flowrun-test "$TOXIPROXY_URL/proxies" |
		jq -r '.[] | .name as $p | .toxics[] | select(.name | startswith("flowrun-")) | "\($p)/\(.name)"'
}

# fr_disabled_proxies: the names of the proxies at $TOXIPROXY_URL that are
# disabled, one per line.
fr_disabled_proxies() {
	curl -fsS -m 3 -A flowrun-test "$TOXIPROXY_URL/proxies" | jq -r '.[] | select(.enabled == false) | .name'
}
