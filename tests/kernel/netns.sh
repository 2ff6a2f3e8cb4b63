#!/bin/bash
# netns.sh - rtpgate's tests inside Debian's kernel: real packets between
# network namespaces, through rtpgated (and, once built, xt_RTPGATE).
#
# Runs INSIDE the QEMU VM that tests/kernel/vm.py boots (it refuses to run
# anywhere else: it creates namespaces and loads modules). The topology:
#
#     netns caller             netns relay                       netns callee
#  +----------------+     +----------------------------+     +----------------+
#  | to-relay       |veth | to-caller        to-callee |veth | to-relay       |
#  | 10.99.1.2/24   o-----o 10.99.1.1/24  10.99.2.1/24 o-----o 10.99.2.2/24   |
#  |                |     | "internal"      "external" |     |                |
#  | RTP/RTCP socks |     | rtpgated                   |     | RTP/RTCP socks |
#  |                |     | NG on lo 127.0.0.1:2223    |     |                |
#  +----------------+     +----------------------------+     +----------------+
#
#  caller --RTP--> 10.99.1.1:P_a  rtpgated  10.99.2.1:P_b --RTP--> callee
#  caller <--RTP-- 10.99.1.1:P_a  rtpgated  10.99.2.1:P_b <--RTP-- callee
#
# The caller offers (direction [internal, external]), the callee answers,
# and RTP/RTCP go caller -> relay:internal port -> (relay's external address)
# -> callee, and back (tests/kernel/nscall.py does the NG and the sockets).
#
#   netns.sh [--module PATH]
#
# --module: the xt_RTPGATE.ko to load for the module cases (default:
# build/kernel-module/xt_RTPGATE.ko, else kernel-module/xt_RTPGATE.ko). When
# there is none, each module case prints "skip - ...: module not built" and
# counts as skipped.
#
# A case is a function case_* that prints "ok - <sentence>" or
# "FAIL - <sentence>" through check/run_py; CASES (each needs the one
# before: the first failure stops them), MODULE_CASES (skipped without a
# module: the module's own cases, cases_module.sh, rtpgated's start-up
# and shutdown with it, cases_daemon.sh (whose cases without the module
# join CASES), then calls forwarded by it, cases_kernel_path.sh) and
# END_CASES list them in order. Ends with "N passed, M failed[, K skipped]".
set -u

RELAY_INT=10.99.1.1 CALLER_IP=10.99.1.2
RELAY_EXT=10.99.2.1 CALLEE_IP=10.99.2.2
NG=127.0.0.1:2223
PY=/usr/bin/python3
DAEMON=build/rtpgated
DAEMON_LOG=/tmp/rtpgated.log
MODULE=""
DAEMON_PID=""
MODULE_LOADED=0
pass=0 fail=0 skip=0

# --- reporting -------------------------------------------------------------

ok() { pass=$((pass + 1)); echo "ok - $1"; }
skipped() { skip=$((skip + 1)); echo "skip - $1"; }
failed() {
	fail=$((fail + 1))
	echo "FAIL - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /' | tail -n 30
	return 0
}

# check SENTENCE COMMAND... : ok when COMMAND succeeds, else FAIL with its
# output and return 1. COMMAND runs in this shell (not in $(...)), so what
# it sets stays set and the children it starts stay its children.
check() {
	local sentence=$1 out=/tmp/netns-check.out
	shift
	if "$@" >"$out" 2>&1; then
		ok "$sentence"
	else
		failed "$sentence" "$(cat "$out")"
		return 1
	fi
}

# run_py SENTENCE SCRIPT ARGS... : a helper that prints its own result lines;
# they are counted here. A helper that fails without a FAIL line is one.
run_py() {
	local sentence=$1 line f0=$fail rc=missing
	shift
	while IFS= read -r line; do
		case $line in
		"ok - "*) pass=$((pass + 1)) ;;
		"FAIL - "*) fail=$((fail + 1)) ;;
		"skip - "*) skip=$((skip + 1)) ;;
		"run_py rc="*) rc=${line#run_py rc=}; continue ;;
		esac
		echo "$line"
	done < <("$PY" "$@" 2>&1; echo "run_py rc=$?")
	if [ "$rc" != 0 ] && [ "$fail" = "$f0" ]; then
		failed "$sentence (helper exited $rc)"
	fi
}

daemon_tail() {
	echo "rtpgated log ($DAEMON_LOG):"
	tail -n 20 "$DAEMON_LOG" 2>/dev/null
}

# --- topology ----------------------------------------------------------------

# veth_pair NS_A IF_A ADDR_A NS_B IF_B ADDR_B : a veth pair between two
# namespaces, both ends up with a /24 address.
veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
		ip -n "$1" addr add "$3/24" dev "$2" &&
		ip -n "$4" addr add "$6/24" dev "$5" &&
		ip -n "$1" link set "$2" up &&
		ip -n "$4" link set "$5" up
}

topology_up() {
	local ns
	for ns in caller relay callee; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	veth_pair caller to-relay "$CALLER_IP" relay to-caller "$RELAY_INT" &&
		veth_pair relay to-callee "$RELAY_EXT" callee to-relay "$CALLEE_IP"
}

topology_down() {
	local ns
	for ns in caller relay callee; do
		ip netns del "$ns" 2>/dev/null
	done
}

daemon_start() {
	ip netns exec relay "$DAEMON" --config-file=none --foreground \
		--log-stderr --log-level=7 --table=-1 --listen-ng="$NG" \
		--interface="internal/$RELAY_INT" --interface="external/$RELAY_EXT" \
		--port-min=30000 --port-max=30999 >"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
}

# Stops rtpgated by its PID: SIGTERM, SIGKILL after 5 s. Fails unless it
# exited 0 on SIGTERM.
daemon_stop() {
	local pid=$DAEMON_PID
	[ -n "$pid" ] || return 1
	DAEMON_PID=""
	stop_pid "$pid" 5 rtpgated || { daemon_tail; return 1; }
}

cleanup() {
	[ -n "$DAEMON_PID" ] && daemon_stop >/dev/null
	[ "$MODULE_LOADED" = 1 ] && rmmod xt_RTPGATE 2>/dev/null
	topology_down
}

# --- cases -------------------------------------------------------------------

case_debian_kernel() {
	check "the VM runs Debian's kernel $(uname -r), with its modules in /lib/modules" \
		test -f "/lib/modules/$(uname -r)/modules.dep"
}

case_modprobe() {
	check "modprobe loads nf_tables, nft_compat, x_tables and veth from the host's /lib/modules over 9p" \
		modprobe -a nf_tables nft_compat x_tables veth
}

case_topology() {
	check "namespaces caller, relay and callee are joined by veth pairs on 10.99.1.0/24 and 10.99.2.0/24" \
		topology_up
}

daemon_ready() {
	[ -x "$DAEMON" ] || { echo "$DAEMON is not built (make $DAEMON)"; return 1; }
	daemon_start
	"$PY" tests/kernel/nscall.py ping --ng "$NG" --relay-ns relay --wait 15 ||
		{ daemon_tail; return 1; }
}

case_daemon_starts() {
	check "rtpgated starts in the relay namespace (userspace, --table=-1) and answers ping over NG" \
		daemon_ready
}

case_userspace_call() {
	run_py "a call through the relay in userspace runs to its end" \
		tests/kernel/nscall.py call --ng "$NG" --relay-ns relay \
		--caller "caller/$CALLER_IP" --callee "callee/$CALLEE_IP" \
		--internal "$RELAY_INT" --external "$RELAY_EXT" --packets 20
}

# The media suite's pause case under this kernel's io_uring (Linux 6.1
# completes receives that the host's kernel would have left in the socket).
case_pause_under_traffic() {
	ip link set lo up
	RTPGATE_TEST_LOGS=/tmp/media-logs run_py \
		"no packet is lost while a call is paused under traffic" \
		tests/media/run_media.py --daemon "$DAEMON" --only "pause under"
}

case_daemon_stops() {
	check "rtpgated exits 0 on SIGTERM" daemon_stop
}

module_load() {
	local dep vermagic
	vermagic=$(modinfo -F vermagic "$MODULE" | cut -d' ' -f1)
	if [ "$vermagic" != "$(uname -r)" ]; then
		echo "$MODULE is built for '$vermagic', this kernel is $(uname -r)"
		return 1
	fi
	# hard dependencies, then the soft ones modprobe would load first
	# (the crypto templates SRTP asks for: insmod loads neither, and the
	# kernel's own request_module cannot reach the host's modprobe here)
	for dep in $(modinfo -F depends "$MODULE" | tr ',' ' ') \
		   $(modinfo -F softdep "$MODULE" | sed 's/^pre://; s/post:.*//'); do
		modprobe "$dep" || return 1
	done
	insmod "$MODULE" && MODULE_LOADED=1
}

case_module_loads() {
	check "xt_RTPGATE.ko loads into Debian's kernel $(uname -r)" module_load
}

case_module_unloads() {
	if [ "$MODULE_LOADED" != 1 ]; then
		skipped "module_unloads: the module did not load"
		return
	fi
	check "xt_RTPGATE unloads cleanly" rmmod xt_RTPGATE &&
		MODULE_LOADED=0
}

# Cases that need nothing but the VM, then the ones that need the module
# (skipped without it), then the end of the daemon.
. "$(dirname "$0")/../lib/stop_pid.sh"
. "$(dirname "$0")/cases_daemon.sh"
. "$(dirname "$0")/cases_module.sh"
. "$(dirname "$0")/cases_kernel_path.sh"
CASES=(case_debian_kernel case_modprobe case_topology case_daemon_starts
	case_userspace_call case_pause_under_traffic "${DAEMON_CASES[@]}")
MODULE_CASES=(case_module_loads "${KMOD_CASES[@]}" "${DAEMON_MODULE_CASES[@]}"
	"${KPATH_CASES[@]}" case_module_unloads)
END_CASES=(case_daemon_stops)

main() {
	local c
	for c in "${CASES[@]}"; do
		"$c" || { echo "# ${c#case_} failed: the cases after it cannot run"; return; }
	done
	for c in "${MODULE_CASES[@]}"; do
		if [ -z "$MODULE" ]; then
			skipped "${c#case_}: module not built (no build/kernel-module/xt_RTPGATE.ko or kernel-module/xt_RTPGATE.ko)"
		else
			"$c"
		fi
	done
	for c in "${END_CASES[@]}"; do
		"$c"
	done
}

while [ $# -gt 0 ]; do
	case $1 in
	--module) MODULE=$2; shift 2 ;;
	--module=*) MODULE=${1#--module=}; shift ;;
	*) echo "netns.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ "${RTPGATE_IN_VM:-}" != 1 ]; then
	echo "netns.sh runs inside the VM: use tests/kernel/run.sh" >&2
	exit 2
fi
cd "$(dirname "$0")/../.." || exit 2
if [ -z "$MODULE" ]; then
	for m in build/kernel-module/xt_RTPGATE.ko kernel-module/xt_RTPGATE.ko; do
		[ -f "$m" ] && { MODULE=$m; break; }
	done
fi
trap cleanup EXIT
trap 'exit 130' INT TERM
main
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
