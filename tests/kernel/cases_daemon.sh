# cases_daemon.sh - rtpgated's start-up and shutdown of kernel forwarding,
# inside the VM: sourced by tests/kernel/netns.sh, whose helpers (check,
# ok, failed, skipped, $DAEMON, $MODULE_LOADED) it uses.
#
# Each case runs rtpgated in a namespace of its own, so that its nftables
# state is its own and its NG port meets no other daemon:
#
#   netns rgd:  lo 127.0.0.1, rtpgated --table=0, NG 127.0.0.1:2224,
#               relay ports 31000-31099
#
# DAEMON_CASES need the module absent (run them before it is loaded):
# the daemon falls back to userspace with a log line, or exits 1 with
# --no-fallback. DAEMON_MODULE_CASES need xt_RTPGATE loaded: the daemon
# makes kernel table 0 and the nftables table inet rtpgate_0 steering its
# port range, removes both on SIGTERM, and after a SIGKILL the next daemon
# finds the rules gone (the table is owned by the dead daemon's socket)
# and replaces the kernel table it left; a second daemon given the same
# table is refused; without CAP_NET_ADMIN the daemon says so and falls
# back.
#
# netns.sh runs DAEMON_CASES with its CASES and DAEMON_MODULE_CASES
# between loading and unloading the module.

RGD_NS=rgd
RGD_LOG=/tmp/rtpgated-kernel.log
RGD_PID=""

rgd_ns_up() {
	ip netns del "$RGD_NS" 2>/dev/null
	ip netns add "$RGD_NS" && ip -n "$RGD_NS" link set lo up
}

# What every daemon here is started with; later options win.
RGD_ARGS=(--config-file=none --foreground --log-stderr --log-level=7
	--listen-ng=127.0.0.1:2224 --listen-cli=127.0.0.1:9924
	--interface=127.0.0.1 --port-min=31000 --port-max=31099)

# rgd_start ARGS... : the daemon under test in the background, its PID in
# RGD_PID, its log in RGD_LOG.
rgd_start() {
	ip netns exec "$RGD_NS" "$DAEMON" "${RGD_ARGS[@]}" "$@" >"$RGD_LOG" 2>&1 &
	RGD_PID=$!
}

# rgd_refused LOG ARGS... : a daemon that must exit 1 within 10 s.
rgd_refused() {
	local log=$1 rc
	shift
	ip netns exec "$RGD_NS" timeout 10 "$DAEMON" "${RGD_ARGS[@]}" "$@" >"$log" 2>&1
	rc=$?
	[ "$rc" = 1 ] || { echo "exit $rc, not 1:"; cat "$log"; return 1; }
}

# rgd_wait_log TEXT : waits up to 10 s for TEXT in the daemon's log; gives
# up early when the daemon has exited. (Counting seconds, not rounds: under
# TCG every grep is slow.)
rgd_wait_log() {
	local end=$((SECONDS + 10))
	while ! grep -qF -- "$1" "$RGD_LOG"; do
		if [ "$SECONDS" -ge "$end" ] || ! kill -0 "$RGD_PID" 2>/dev/null; then
			echo "no '$1' in the log (daemon gone or 10 s passed):"
			tail -n 20 "$RGD_LOG"
			return 1
		fi
		sleep 0.1
	done
}

# SIGTERM, with netns.sh's daemon_stop: it must exit 0 within 5 s.
rgd_stop() {
	local pid=$RGD_PID
	RGD_PID=""
	DAEMON_PID=$pid DAEMON_LOG=$RGD_LOG daemon_stop
}

rgd_kill() {
	[ -n "$RGD_PID" ] || return 1
	kill -KILL "$RGD_PID" 2>/dev/null
	wait "$RGD_PID"
	RGD_PID=""
}

rgd_cleanup() {
	[ -n "$RGD_PID" ] && rgd_kill
	ip netns del "$RGD_NS" 2>/dev/null
}

rgd_ruleset() {
	ip netns exec "$RGD_NS" nft list ruleset
}

# --- without the module --------------------------------------------------------

rgd_falls_back() {
	rgd_ns_up && rgd_start --table=0 &&
		rgd_wait_log "rtpgated ready" &&
		rgd_wait_log "kernel module not loaded: forwarding in userspace" || return 1
	if rgd_ruleset | grep -q rtpgate_; then
		echo "nftables rules made without the module:"
		rgd_ruleset
		return 1
	fi
	rgd_stop
}

case_daemon_falls_back() {
	check "without xt_RTPGATE, rtpgated --table=0 logs 'kernel module not loaded: forwarding in userspace', makes no rules, and runs" \
		rgd_falls_back
	rgd_cleanup
}

rgd_refuses() {
	rgd_ns_up && rgd_refused "$RGD_LOG" --table=0 --no-fallback || return 1
	grep -q "kernel module not loaded" "$RGD_LOG" || { cat "$RGD_LOG"; return 1; }
}

case_daemon_no_fallback() {
	check "without xt_RTPGATE, rtpgated --no-fallback exits 1 saying the kernel module is not loaded" \
		rgd_refuses
	rgd_cleanup
}

# --- with the module -------------------------------------------------------------

rgd_uses_kernel() {
	rgd_ns_up && rgd_start --table=0 --no-fallback &&
		rgd_wait_log "rtpgated ready" &&
		rgd_wait_log "kernel forwarding: table 0" || return 1
	# nft names the xt target only with libxt_RTPGATE.so; its netlink
	# debug output shows the expression itself
	ip netns exec "$RGD_NS" nft --debug=netlink list ruleset >/tmp/rgd-ruleset.txt 2>&1
	grep -q "table inet rtpgate_0" /tmp/rgd-ruleset.txt &&
		grep -q "udp dport 31000-31099 counter" /tmp/rgd-ruleset.txt &&
		grep -q "target name RTPGATE rev 0" /tmp/rgd-ruleset.txt ||
		{ echo "ruleset:"; cat /tmp/rgd-ruleset.txt; return 1; }
	rgd_stop || return 1
	grep -q "table 0 and its rules removed" "$RGD_LOG" || { cat "$RGD_LOG"; return 1; }
	if rgd_ruleset | grep -q rtpgate_0; then
		echo "rtpgate_0 still there after SIGTERM:"
		rgd_ruleset
		return 1
	fi
}

case_daemon_kernel_table() {
	check "with xt_RTPGATE, rtpgated --table=0 makes nftables table inet rtpgate_0 steering its ports to RTPGATE, and removes it on SIGTERM" \
		rgd_uses_kernel
	rgd_cleanup
}

rgd_recovers() {
	rgd_ns_up && rgd_start --table=0 && rgd_wait_log "kernel forwarding: table 0" &&
		rgd_kill || return 1
	if rgd_ruleset | grep -q rtpgate_0; then
		echo "rtpgate_0 outlived its daemon's SIGKILL"
		return 1
	fi
	rgd_start --table=0 &&
		rgd_wait_log "left by an earlier rtpgated: replacing it" &&
		rgd_wait_log "kernel forwarding: table 0" && rgd_stop
}

case_daemon_after_a_crash() {
	check "after rtpgated is killed its rules are gone, and the next one replaces the kernel table it left" \
		rgd_recovers
	rgd_cleanup
}

rgd_second_refused() {
	rgd_ns_up && rgd_start --table=0 && rgd_wait_log "kernel forwarding: table 0" &&
		rgd_refused "$RGD_LOG.2" --listen-ng=127.0.0.1:2225 \
			--listen-cli=127.0.0.1:9925 --port-min=31100 --port-max=31199 \
			--table=0 --no-fallback || return 1
	grep -q "another running process" "$RGD_LOG.2" || { cat "$RGD_LOG.2"; return 1; }
	rgd_ruleset | grep -q "udp dport 31000-31099" ||
		{ echo "the first daemon's rules are gone"; return 1; }
	rgd_stop
}

case_daemon_table_taken() {
	check "a second rtpgated given the same --table is refused and leaves the first one's rules alone" \
		rgd_second_refused
	rgd_cleanup
}

rgd_unprivileged() {
	rgd_ns_up || return 1
	ip netns exec "$RGD_NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$DAEMON" "${RGD_ARGS[@]}" --table=0 >"$RGD_LOG" 2>&1 &
	RGD_PID=$!
	rgd_wait_log "rtpgated ready" &&
		rgd_wait_log "needs CAP_NET_ADMIN (permission denied): forwarding in userspace" &&
		rgd_stop
}

case_daemon_without_cap_net_admin() {
	check "rtpgated without CAP_NET_ADMIN says so and forwards in userspace" \
		rgd_unprivileged
	rgd_cleanup
}

DAEMON_CASES=(case_daemon_falls_back case_daemon_no_fallback)
DAEMON_MODULE_CASES=(case_daemon_kernel_table case_daemon_after_a_crash
	case_daemon_table_taken case_daemon_without_cap_net_admin)
