# cases_kernel_path.sh - calls forwarded by xt_RTPGATE end to end, inside
# the VM: sourced by tests/kernel/netns.sh, whose helpers (check, failed,
# run_py, daemon_stop, $PY, $DAEMON; rgd_wait_log of cases_daemon.sh) and
# topology it uses; netns.sh runs KPATH_CASES with the module loaded,
# before unloading it.
#
# A second rtpgated, with the kernel, runs in netns.sh's relay namespace
# beside the userspace one (its own NG, CLI and port range):
#
#     netns caller             netns relay                       netns callee
#  +----------------+     +----------------------------+     +----------------+
#  | 10.99.1.2      o-----o 10.99.1.1      10.99.2.1   o-----o 10.99.2.2      |
#  |                |     | rtpgated --table=0         |     |                |
#  |                |     |   NG 127.0.0.1:2226        |     |                |
#  |                |     |   CLI 127.0.0.1:9926       |     |                |
#  |                |     |   ports 32000-32999        |     |                |
#  |                |     | nft table inet rtpgate_0:  |     |                |
#  |                |     |   udp dport 32000-32999    |     |                |
#  |                |     |   -> RTPGATE table 0       |     |                |
#  +----------------+     +----------------------------+     +----------------+
#
#  caller --RTP--> 10.99.1.1:P_a  [learning: rtpgated | then: xt_RTPGATE]
#         10.99.2.1:P_b --RTP--> callee, and back the same way
#
# The calls themselves (handoff after the learning window, counters,
# strict source, re-offer, delete, the kernel/userspace ratio) are
# tests/kernel/kpath.py; SDES-SRTP calls through the kernel are
# tests/kernel/ksrtp.py.

KPATH_NG=127.0.0.1:2226
KPATH_CLI=127.0.0.1:9926
KPATH_LOG=/tmp/rtpgated-kpath.log
KPATH_PID=""

# kpath_wait_log TEXT : cases_daemon.sh's rgd_wait_log on this daemon.
kpath_wait_log() {
	RGD_LOG=$KPATH_LOG RGD_PID=$KPATH_PID rgd_wait_log "$1"
}

kpath_has_table() {
	ip netns exec relay nft list ruleset | grep -q "table inet rtpgate_0"
}

kpath_start() {
	ip netns exec relay "$DAEMON" --config-file=none --foreground \
		--log-stderr --log-level=7 --table=0 --no-fallback \
		--listen-ng="$KPATH_NG" --listen-cli="$KPATH_CLI" \
		--interface="internal/$RELAY_INT" --interface="external/$RELAY_EXT" \
		--port-min=32000 --port-max=32999 >"$KPATH_LOG" 2>&1 &
	KPATH_PID=$!
	kpath_wait_log "rtpgated ready" &&
		kpath_wait_log "kernel forwarding: table 0; nftables table inet rtpgate_0 steers UDP ports 32000-32999 to it" ||
		return 1
	kpath_has_table || { echo "nft list ruleset:"; ip netns exec relay nft list ruleset; return 1; }
}

case_kpath_daemon_starts() {
	check "rtpgated --table=0 in the relay namespace logs that it forwards through kernel table 0, and nft shows its table inet rtpgate_0" \
		kpath_start
}

case_kpath_calls() {
	if [ -z "$KPATH_PID" ] || ! kill -0 "$KPATH_PID" 2>/dev/null; then
		failed "kernel path calls: rtpgated --table=0 is not running"
		return
	fi
	run_py "the kernel path cases run to their end" tests/kernel/kpath.py calls \
		--ng "$KPATH_NG" --cli "$KPATH_CLI" --relay-ns relay --table 0 \
		--caller "caller/$CALLER_IP" --callee "callee/$CALLEE_IP" \
		--internal "$RELAY_INT" --external "$RELAY_EXT" --log "$KPATH_LOG" \
		--daemon-pid "$KPATH_PID"
}

# SDES-SRTP calls in the kernel (tests/kernel/ksrtp.py): libsrtp2's
# packets from the caller arrive in clear at the callee and the other way,
# with forged and replayed packets dropped and counted, and a rollover.
case_kpath_srtp() {
	if [ -z "$KPATH_PID" ] || ! kill -0 "$KPATH_PID" 2>/dev/null; then
		failed "kernel SRTP calls: rtpgated --table=0 is not running"
		return
	fi
	run_py "the SRTP kernel path cases run to their end" tests/kernel/ksrtp.py calls \
		--ng "$KPATH_NG" --cli "$KPATH_CLI" --relay-ns relay --table 0 \
		--caller "caller/$CALLER_IP" --callee "callee/$CALLEE_IP" \
		--internal "$RELAY_INT" --external "$RELAY_EXT" --log "$KPATH_LOG" \
		--daemon-pid "$KPATH_PID"
}

# SIGTERM (netns.sh's daemon_stop: exit 0 within 5 s), then neither the
# nftables table nor kernel table 0 is left.
kpath_stop() {
	local pid=$KPATH_PID
	[ -n "$pid" ] || { echo "rtpgated --table=0 was not started"; return 1; }
	KPATH_PID=""
	DAEMON_PID=$pid DAEMON_LOG=$KPATH_LOG daemon_stop || return 1
	grep -q "kernel forwarding: table 0 and its rules removed" "$KPATH_LOG" ||
		{ tail -n 20 "$KPATH_LOG"; return 1; }
	if kpath_has_table; then
		echo "rtpgate_0 still there after SIGTERM:"
		ip netns exec relay nft list ruleset
		return 1
	fi
	"$PY" tests/kernel/kpath.py gone --relay-ns relay --table 0
}

case_kpath_daemon_stops() {
	check "on SIGTERM rtpgated --table=0 removes table inet rtpgate_0 and kernel table 0, and exits 0" \
		kpath_stop
}

KPATH_CASES=(case_kpath_daemon_starts case_kpath_calls case_kpath_srtp
	case_kpath_daemon_stops)
