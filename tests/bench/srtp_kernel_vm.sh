#!/bin/bash
# srtp_kernel_vm.sh - runs INSIDE the VM that tests/bench/srtp_kernel.sh
# boots (tests/kernel/vm.py): the topology of tests/kernel/netns.sh, the
# module, rtpgated with kernel table 0 in the relay namespace, and
# tests/kernel/ksrtp.py bench (SRTP <-> RTP flat out, userspace then
# kernel). Prints "ok - ..." with the figures, or "FAIL - ...", and a
# summary line for vm.py.
#
#     netns caller            netns relay                     netns callee
#   10.99.1.2 (SRTP) o--veth--o 10.99.1.1  rtpgated  10.99.2.1 o--veth--o 10.99.2.2 (plain)
set -u
cd "$(dirname "$0")/../.." || exit 1

MODULE=build/kernel-module/xt_RTPGATE.ko
DAEMON=build/rtpgated
NG=127.0.0.1:2226
CLI=127.0.0.1:9926
LOG=/tmp/rtpgated-bench.log
SECONDS_EACH=${SRTP_BENCH_SECONDS:-1.5}
PID=""
pass=0 fail=0

veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
		ip -n "$1" addr add "$3/24" dev "$2" &&
		ip -n "$4" addr add "$6/24" dev "$5" &&
		ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}

setup() {
	local ns
	modprobe -a nf_tables nft_compat x_tables veth ctr || { echo "# modprobe"; return 1; }
	insmod "$MODULE" || { echo "# insmod $MODULE"; return 1; }
	for ns in caller relay callee; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || { echo "# netns"; return 1; }
	done
	veth_pair caller to-relay 10.99.1.2 relay to-caller 10.99.1.1 &&
		veth_pair relay to-callee 10.99.2.1 callee to-relay 10.99.2.2 ||
		{ echo "# veth"; return 1; }
	ip netns exec relay "$DAEMON" --config-file=none --foreground \
		--log-stderr --log-level=6 --table=0 --no-fallback \
		--listen-ng="$NG" --listen-cli="$CLI" \
		--interface="internal/10.99.1.1" --interface="external/10.99.2.1" \
		--port-min=32000 --port-max=32999 >"$LOG" 2>&1 &
	PID=$!
	for _ in $(seq 100); do
		grep -q "rtpgated ready" "$LOG" && return 0
		sleep 0.1
	done
	echo "# rtpgated did not get ready:"
	sed 's/^/# /' "$LOG"
	return 1
}

teardown() {
	local ns
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID"
	fi
	for ns in caller relay callee; do
		ip netns del "$ns" 2>/dev/null
	done
	rmmod xt_RTPGATE 2>/dev/null
}

if setup; then
	out=$(/usr/bin/python3 tests/kernel/ksrtp.py bench --ng "$NG" --cli "$CLI" \
		--relay-ns relay --table 0 --caller caller/10.99.1.2 \
		--callee callee/10.99.2.2 --internal 10.99.1.1 --external 10.99.2.1 \
		--daemon-pid "$PID" --seconds "$SECONDS_EACH" 2>&1)
	echo "$out"
	case $out in
	*"ok - "*) pass=1 ;;
	*) fail=1; echo "FAIL - the SRTP benchmark ran"; tail -n 5 "$LOG" ;;
	esac
else
	fail=1
	echo "FAIL - the benchmark's topology, module and rtpgated came up"
fi
teardown
echo "$pass passed, $fail failed"
