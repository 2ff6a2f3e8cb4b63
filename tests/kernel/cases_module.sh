# cases_module.sh - xt_RTPGATE's own cases inside the VM: sourced by
# tests/kernel/netns.sh, whose helpers (check, ok, failed, skipped, run_py,
# $PY) it uses; netns.sh runs KMOD_CASES between loading and unloading the
# module.
#
# The forwarding cases have namespaces of their own (rtpgated's caller,
# relay and callee are left alone):
#
#     netns kcaller          netns krelay                         netns kcallee
#  +---------------+     +------------------------------+     +---------------+
#  | k-relay       |veth | k-caller            k-callee |veth | k-relay       |
#  | 10.98.1.2/24  o-----o 10.98.1.1/24    10.98.2.1/24 o-----o 10.98.2.2/24  |
#  | fd98:1::2/64  |     | fd98:1::1/64    fd98:2::1/64 |     | fd98:2::2/64  |
#  +---------------+     | nft table inet kmodtest:     |     +---------------+
#                        |   input: xt target RTPGATE   |
#                        |   --table 5 (nft_compat)     |
#                        +------------------------------+
#
#  kcaller:4000 --UDP--> krelay LOCAL:P --xt_RTPGATE--> krelay SRC:P+2 --> kcallee DST:P+10000
#                              |
#                              +-- handed up (XT_CONTINUE): the socket on LOCAL:P in krelay
#
# tests/kernel/kmod_forward.py sends the datagrams and checks where they
# arrive (and, on kcallee's interface, their checksums and TOS);
# tests/kernel/kmod_control.py drives generic netlink in a namespace kctl.
# Before the module goes, a table with targets is left in the VM's own
# namespace, so that case_module_unloads unloads it with targets present.

KMOD_NS=(kcaller krelay kcallee)

kmod_topology_up() {
	local ns
	for ns in "${KMOD_NS[@]}"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	ip link add k-relay netns kcaller type veth peer name k-caller netns krelay &&
		ip link add k-relay netns kcallee type veth peer name k-callee netns krelay &&
		kmod_addr kcaller k-relay 10.98.1.2 fd98:1::2 &&
		kmod_addr krelay k-caller 10.98.1.1 fd98:1::1 &&
		kmod_addr krelay k-callee 10.98.2.1 fd98:2::1 &&
		kmod_addr kcallee k-relay 10.98.2.2 fd98:2::2
}

# kmod_addr NS IF ADDR4 ADDR6 : addresses (no duplicate address detection:
# usable at once) and the link up.
kmod_addr() {
	ip -n "$1" addr add "$3/24" dev "$2" &&
		ip -n "$1" addr add "$4/64" dev "$2" nodad &&
		ip -n "$1" link set "$2" up
}

kmod_topology_down() {
	local ns
	for ns in "${KMOD_NS[@]}" kctl ktmp; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

case_module_selftests() {
	if ! dmesg | grep -q "rtpgate selftest"; then
		skipped "module_selftests: the module was built without DEBUG=1"
		return
	fi
	check "the module's load-time selftests pass (lib/rtp.c in the kernel, classification, tables, counters)" \
		sh -c 'dmesg | grep -q "rtpgate selftest: [0-9]* passed"'
}

case_module_control() {
	if ! ip netns add kctl; then
		failed "namespace kctl for the control cases"
		return
	fi
	run_py "the control cases run to their end" tests/kernel/kmod_control.py --netns kctl
	run_py "a sender without CAP_NET_ADMIN is refused with EPERM" \
		tests/kernel/kmod_control.py --eperm --netns kctl
	ip netns del kctl
}

case_module_forwarding() {
	local out
	if ! out=$(kmod_topology_up 2>&1); then
		failed "namespaces kcaller, krelay and kcallee for the forwarding cases" "$out"
		kmod_topology_down
		return
	fi
	run_py "the forwarding cases run to their end" tests/kernel/kmod_forward.py
	kmod_topology_down
}

case_module_namespace_exit() {
	ip netns add ktmp || { failed "namespace ktmp"; return; }
	run_py "a namespace's table is filled" tests/kernel/kmod_control.py --fill 7 50 --netns ktmp
	check "a namespace with a table of 50 targets is deleted" ip netns del ktmp
}

case_module_left_targets() {
	run_py "targets are left in the VM's namespace for the unload" \
		tests/kernel/kmod_control.py --fill 9 20
}

KMOD_CASES=(case_module_selftests case_module_control case_module_forwarding
	case_module_namespace_exit case_module_left_targets)
