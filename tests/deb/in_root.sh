#!/bin/bash
# in_root.sh - rtpgated run the way rtpgate-daemon.service runs it, inside
# the Debian root the packages are installed in. tests/deb/run.sh copies it
# there with lib.sh beside it and runs it with chroot, in a network
# namespace of its own with only lo up:
#
#   in_root.sh daemon NG_PORT
#
# There is no systemd in the root: setpriv does what the unit's User=,
# Group=, AmbientCapabilities= and NoNewPrivileges= say, then runs its
# ExecStart=. The checks: rtpgated answers NG ping on 127.0.0.1:NG_PORT,
# runs as the unit's user with CAP_NET_ADMIN only, rtpgate-ctl reads its
# totals, and it exits 0 on SIGTERM. The daemon is always stopped by its
# PID. tests/deb/guest.sh sources this file for unit_command, wait_pong and
# stop_daemon (with UNIT and NG_CLIENT pointing into the root).
set -u

UNIT=${UNIT:-/lib/systemd/system/rtpgate-daemon.service}
NG_CLIENT=(${NG_CLIENT[@]+"${NG_CLIENT[@]}"})
[ "${#NG_CLIENT[@]}" -gt 0 ] || NG_CLIENT=(rtpgate-ng)
DAEMON_LOG=/tmp/rtpgated.stderr
PID=""
# stop_pid: beside this file in the Debian root (run.sh copies it there),
# in tests/lib in the repository
if [ -f "$(dirname "${BASH_SOURCE[0]}")/stop_pid.sh" ]; then
	. "$(dirname "${BASH_SOURCE[0]}")/stop_pid.sh"
else
	. "$(dirname "${BASH_SOURCE[0]}")/../lib/stop_pid.sh"
fi

unit_value() {
	sed -n "s/^$1=//p" "$UNIT" | tail -n 1
}

# "CAP_NET_ADMIN CAP_X" -> "+net_admin,+x", setpriv's spelling
setpriv_caps() {
	local c out=""
	for c in $1; do
		c=$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')
		out="$out${out:+,}+$c"
	done
	echo "$out"
}

# The unit's service as one command: setpriv doing what User=, Group=,
# AmbientCapabilities= and NoNewPrivileges= say, then ExecStart=. Sets CMD.
unit_command() {
	local user group caps exec_start
	user=$(unit_value User) group=$(unit_value Group)
	caps=$(setpriv_caps "$(unit_value AmbientCapabilities)")
	read -r -a exec_start <<<"$(unit_value ExecStart)"
	CMD=(setpriv --reuid="$user" --regid="${group:-$user}" --init-groups)
	if [ -n "$caps" ]; then
		CMD+=(--inh-caps="$caps" --ambient-caps="$caps" --bounding-set="-all,$caps")
	fi
	[ "$(unit_value NoNewPrivileges)" = yes ] && CMD+=(--no-new-privs)
	CMD+=(-- "${exec_start[@]}")
}

# wait_pong PORT: until rtpgated (PID) answers NG ping, at most 30 s.
wait_pong() {
	for _ in $(seq 100); do
		kill -0 "$PID" 2>/dev/null || { echo "rtpgated exited"; return 1; }
		"${NG_CLIENT[@]}" --ng "127.0.0.1:$1" --timeout 300 --retries 0 ping \
			2>/dev/null | grep -q '"pong"' && return 0
		sleep 0.2
	done
	echo "no pong within 30 s"
	return 1
}

# Stops rtpgated (PID): SIGTERM, SIGKILL after 10 s. Fails unless it exited
# 0 on SIGTERM. Only the shell that started it can wait for it: never call
# this in $(...).
stop_daemon() {
	local pid=$PID
	[ -n "$pid" ] || return 1
	PID=""
	stop_pid "$pid" 10 rtpgated || { cat "$DAEMON_LOG"; return 1; }
}

start_as_unit() {
	unit_command
	echo "# ${CMD[*]}"
	"${CMD[@]}" >"$DAEMON_LOG" 2>&1 &
	PID=$!
	wait_pong "$1" || { cat "$DAEMON_LOG"; return 1; }
}

# The daemon runs as the unit's user, with the unit's capability only.
identity() {
	local uid want caps
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$PID/status")
	want=$(id -u "$(unit_value User)")
	caps=$(awk '/^CapEff:/ { print $2 }' "/proc/$PID/status")
	echo "uid $uid (want $want), CapEff $caps"
	# CAP_NET_ADMIN is bit 12
	[ "$uid" = "$want" ] && [ "$caps" = 0000000000001000 ]
}

ctl_totals() {
	rtpgate-ctl list totals | tee /dev/stderr | grep -q '^Uptime of rtpgate'
}

daemon_checks() {
	local port=$1
	trap '[ -n "$PID" ] && stop_daemon >/dev/null 2>&1' EXIT
	trap 'exit 143' TERM INT
	check "rtpgated started as the unit starts it answers NG ping on 127.0.0.1:$port" \
		start_as_unit "$port" || return
	check "it runs as user $(unit_value User) with CAP_NET_ADMIN as its only capability" identity
	check "rtpgate-ctl list totals reads its totals over the CLI port" ctl_totals
	check "it exits 0 on SIGTERM" stop_daemon
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	LOGS=/tmp/rtpgate-checks
	mkdir -p "$LOGS"
	. "$(dirname "$0")/lib.sh"
	pass=0 fail=0 skip=0
	case ${1:-} in
	daemon) daemon_checks "${2:-2223}" ;;
	*) echo "usage: $0 daemon NG_PORT" >&2; exit 2 ;;
	esac
	summary
fi
