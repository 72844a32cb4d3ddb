# lib-stack.sh: the whole FlowForge stack on free loopback ports, for end-to-end runs.
#
# Source after lib.sh and lib-toxiproxy.sh. fr_start_stack starts a real
# redis-server, the Materialize and ClickHouse stand-ins, a real
# toxiproxy-server whose proxies (redis, materialize, clickhouse — the names of
# toxiproxy/config.json) listen on free ports in front of those stores, and the
# fixture backend connected to the stores *through* the proxies, so a toxic on
# `redis` really slows the fixture's Redis lookups. It exports what the plans
# read: FLOWFORGE_URL and TOXIPROXY_URL. Everything stops at exit (lib.sh).

# fr_start_stack [FIXTURE ARGS…]
fr_start_stack() {
	fr_start_redis && fr_start_stores || return 1
	local bin
	bin=$(tx_server_bin) || { echo "# toxiproxy-server not found (run ./quickstart)" >&2; return 1; }
	FR_TOXI_PORT=$(fr_free_port)
	FR_PROXY_REDIS=$(fr_free_port)
	FR_PROXY_MATERIALIZE=$(fr_free_port)
	FR_PROXY_CLICKHOUSE=$(fr_free_port)
	jq --arg r "$FR_PROXY_REDIS" --arg m "$FR_PROXY_MATERIALIZE" --arg c "$FR_PROXY_CLICKHOUSE" \
		--arg ru "$FR_REDIS_PORT" --arg mu "$FR_MATERIALIZE_PORT" --arg cu "$FR_CLICKHOUSE_PORT" '
		map(if .name == "redis" then .listen = "127.0.0.1:" + $r | .upstream = "127.0.0.1:" + $ru
		    elif .name == "materialize" then .listen = "127.0.0.1:" + $m | .upstream = "127.0.0.1:" + $mu
		    elif .name == "clickhouse" then .listen = "127.0.0.1:" + $c | .upstream = "127.0.0.1:" + $cu
		    else . end)' "$top_srcdir/toxiproxy/config.json" >"$FR_TMP/toxiproxy.json"
	fr_bg toxiproxy "$bin" -host 127.0.0.1 -port "$FR_TOXI_PORT" -config "$FR_TMP/toxiproxy.json" -proxy-metrics
	TOXIPROXY_URL=http://127.0.0.1:$FR_TOXI_PORT
	tx_wait_http "$TOXIPROXY_URL/version" 200 || { echo "# toxiproxy-server did not start:" >&2; fr_log toxiproxy >&2; return 1; }
	tx_wait_port "$FR_PROXY_REDIS" && tx_wait_port "$FR_PROXY_MATERIALIZE" && tx_wait_port "$FR_PROXY_CLICKHOUSE" || return 1
	fr_start_fixture --redis "127.0.0.1:$FR_PROXY_REDIS" --materialize "127.0.0.1:$FR_PROXY_MATERIALIZE" \
		--clickhouse "127.0.0.1:$FR_PROXY_CLICKHOUSE" "$@" || return 1
	FLOWFORGE_URL=$FR_FIXTURE_URL
	export TOXIPROXY_URL FLOWFORGE_URL FR_TOXI_PORT FR_PROXY_REDIS FR_PROXY_MATERIALIZE FR_PROXY_CLICKHOUSE
}

# fr_flowrun_toxics: the names of flowrun's toxics left in Toxiproxy, one per line.
fr_flowrun_toxics() {
	curl -fsS -m 3 -A flowrun-test "$TOXIPROXY_URL/proxies" |
		jq -r '.[] | .name as $p | .toxics[] | select(.name | startswith("flowrun-")) | "\($p)/\(.name)"'
}

# fr_disabled_proxies: the names of proxies that are disabled, one per line.
fr_disabled_proxies() {
	curl -fsS -m 3 -A flowrun-test "$TOXIPROXY_URL/proxies" | jq -r '.[] | select(.enabled == false) | .name'
}

# fr_verdict RESULT.json SLO FIELD: a field of the first verdict of SLO in a result
# file (measured, pass, no_data, measured_text); e.g. `fr_verdict r.json p99 measured`.
fr_verdict() {
	jq -r --arg s "$2" --arg f "$3" '[.verdicts[] | select(.slo == $s)][0][$f]' "$1"
}

# fr_window_stat RESULT.json KEY SLO FIELD: a field of the summary of metric key KEY
# ("scenario/request") over the (first) window of SLO; FIELD is a jq path such as
# .requests, .errors or .latency.p50 (µs).
fr_window_stat() {
	jq -r --arg k "$2" --arg s "$3" "
		([.windows | to_entries[] | select(.value.slo == \$s) | .key][0]) as \$w |
		[.keys[] | select(.name == \$k) | .windows[] | select(.window == \$w)][0]$4" "$1"
}
