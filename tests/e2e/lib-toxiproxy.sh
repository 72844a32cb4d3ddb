# lib-toxiproxy.sh: shell helpers for the tests that need a real toxiproxy-server.
#
# Sourced by tests/e2e/*.sh. Finds the server binary, picks free loopback
# ports, writes a config from toxiproxy/config.json with the ports rewritten,
# and starts/waits for servers. Every helper is bounded in time; callers kill
# what they started from their `trap … EXIT`.

# The toxiproxy-server binary: $TOXIPROXY_SERVER, then .tools/, then PATH.
tx_server_bin() {
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

# A loopback TCP port nothing listens on (the kernel's choice), never one
# handed out before in this test when $TX_PORTS names a file to remember them.
tx_free_port() {
	local port i
	for ((i = 0; i < 20; i++)); do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
			return 1
		if [ -z "${TX_PORTS:-}" ] || ! grep -qx "$port" "$TX_PORTS" 2>/dev/null; then
			[ -n "${TX_PORTS:-}" ] && echo "$port" >>"$TX_PORTS"
			echo "$port"
			return 0
		fi
	done
	return 1
}

# tx_config SRC OUT REDIS_LISTEN MAT_LISTEN CH_LISTEN REDIS_UPSTREAM
# Copies SRC (a Toxiproxy config) to OUT with the listen ports and the redis
# upstream port replaced; names and everything else stay.
tx_config() {
	jq --arg r "$3" --arg m "$4" --arg c "$5" --arg ru "$6" '
		map(if .name == "redis" then .listen = "127.0.0.1:" + $r | .upstream = "127.0.0.1:" + $ru
		    elif .name == "materialize" then .listen = "127.0.0.1:" + $m
		    elif .name == "clickhouse" then .listen = "127.0.0.1:" + $c
		    else . end)' "$1" >"$2"
}

# tx_wait_http URL [TRIES]: waits until URL answers (50 ms steps, 5 s default).
tx_wait_http() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		curl -fsS -m 1 -A flowrun-test "$1" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# tx_wait_port PORT: waits until a TCP port on 127.0.0.1 accepts (5 s).
tx_wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
