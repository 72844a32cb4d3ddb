# shellcheck shell=bash
# lib-proc.sh: stopping a process politely and probing a port, shared by scripts/backend.sh,
# scripts/bench.sh and the end-to-end test library (tests/e2e/lib.sh).

# fr_kill_pid PID: TERM, wait up to 5 s, then KILL; returns once it is gone.
fr_kill_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# fr_port_open HOST PORT: does something accept TCP connections there?
fr_port_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}
