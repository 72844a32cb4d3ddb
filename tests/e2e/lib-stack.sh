# shellcheck shell=bash disable=SC2154 # top_srcdir: set by lib.sh
# tests/e2e/lib-stack.sh: the whole FlowForge stack on free loopback ports, for
# end-to-end runs. Source after lib.sh (it sources lib-backend.sh and
# lib-toxiproxy.sh itself).
#
# fr_start_stack starts a real redis-server, the Materialize and ClickHouse
# stand-ins, a real toxiproxy-server whose proxies (redis, materialize,
# clickhouse — the names of toxiproxy/config.json) listen on free ports in front
# of those stores, and the fixture backend connected to the stores *through* the
# proxies, so a toxic on `redis` really slows the fixture's Redis lookups. It
# exports what the plans read: FLOWFORGE_URL and TOXIPROXY_URL. Everything stops
# at exit.

# shellcheck source=lib-backend.sh
. "$top_srcdir/tests/e2e/lib-backend.sh"
# shellcheck source=lib-toxiproxy.sh
. "$top_srcdir/tests/e2e/lib-toxiproxy.sh"

# fr_start_stack [FIXTURE ARGS…]
# shellcheck disable=SC2120 # the fixture arguments are optional
fr_start_stack() {
	fr_start_redis && fr_start_stores || return 1
	FR_PROXY_REDIS=$(fr_free_port)
	FR_PROXY_MATERIALIZE=$(fr_free_port)
	FR_PROXY_CLICKHOUSE=$(fr_free_port)
	fr_toxiproxy_config "$FR_TMP/toxiproxy.json" "$FR_PROXY_REDIS" "$FR_PROXY_MATERIALIZE" "$FR_PROXY_CLICKHOUSE" \
		"$FR_REDIS_PORT" "$FR_MATERIALIZE_PORT" "$FR_CLICKHOUSE_PORT"
	fr_start_toxiproxy -config "$FR_TMP/toxiproxy.json" -proxy-metrics || return 1
	TOXIPROXY_URL=$FR_TOXI_URL
	fr_wait_port 127.0.0.1 "$FR_PROXY_REDIS" && fr_wait_port 127.0.0.1 "$FR_PROXY_MATERIALIZE" &&
		fr_wait_port 127.0.0.1 "$FR_PROXY_CLICKHOUSE" || return 1
	fr_start_fixture --redis "127.0.0.1:$FR_PROXY_REDIS" --materialize "127.0.0.1:$FR_PROXY_MATERIALIZE" \
		--clickhouse "127.0.0.1:$FR_PROXY_CLICKHOUSE" "$@" || return 1
	FLOWFORGE_URL=$FR_FIXTURE_URL
	export TOXIPROXY_URL FLOWFORGE_URL FR_TOXI_PORT FR_PROXY_REDIS FR_PROXY_MATERIALIZE FR_PROXY_CLICKHOUSE
}
