# stop_pid.sh - sourced by the shell suites that start rtpgated
# (tests/kernel/netns.sh, tests/deb/in_root.sh).

# stop_pid PID SECONDS NAME : SIGTERM to PID, SIGKILL after SECONDS. 0 only
# when it exited 0 on SIGTERM; otherwise prints what happened. Only the
# shell that started PID can wait for it: never call this in $(...).
stop_pid() {
	local pid=$1 secs=$2 name=$3 rc
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq $((secs * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid"
		echo "$name did not exit within $secs s of SIGTERM; killed"
		return 1
	fi
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || { echo "$name exited $rc"; return 1; }
}
