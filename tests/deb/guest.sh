#!/bin/bash
# guest.sh - the packages in Debian's own kernel. Runs INSIDE the QEMU VM
# that tests/kernel/vm.py boots (the host's / read-only over 9p), from
# tests/deb/run.sh:
#
#   vm.py --kernel KVER tests/deb/guest.sh ROOT
#
#   VM (Debian kernel KVER)
#   ---------------------------------------------------------------------
#   modprobe x_tables, nf_tables, nft_compat   (host's /lib/modules/KVER)
#   insmod ROOT/lib/modules/KVER/updates/dkms/xt_RTPGATE.ko  (DKMS built it)
#   chroot ROOT:  iptables -j RTPGATE --table-id 7   (packaged libxt_RTPGATE.so)
#                 rtpgated as its unit runs it (user rtpgate, CAP_NET_ADMIN)
#   nft list table inet rtpgate_0   <- the daemon's rules: it uses the kernel
#
# ROOT is the Debian root the packages are installed in. It is read-only
# here: tmpfs goes on its /tmp and /run, proc, sysfs and /dev inside.
# Ends with "N passed, M failed[, K skipped]".
set -u

ROOT=${1:?usage: guest.sh ROOT}
NG_PORT=2223
LOGS=/tmp/deb-guest	# the repository is read-only here
UNIT=$ROOT/lib/systemd/system/rtpgate-daemon.service
NG_CLIENT=(chroot "$ROOT" rtpgate-ng)
MOUNTS=() MODULE_LOADED=0
pass=0 fail=0 skip=0
. tests/deb/lib.sh
. tests/deb/in_root.sh

in_root() { chroot "$ROOT" "$@"; }

mount_root() {
	local what
	ip link set lo up || return 1
	# run.sh's host mode: the VM's own root has all this already
	[ "$ROOT" = / ] && return 0
	for what in "proc proc /proc" "sysfs sysfs /sys" "tmpfs tmpfs /tmp" "tmpfs tmpfs /run"; do
		set -- $what
		mount -t "$1" "$2" "$ROOT$3" || return 1
		MOUNTS+=("$ROOT$3")
	done
	mount --bind /dev "$ROOT/dev" || return 1
	MOUNTS+=("$ROOT/dev")
}

module_path() {
	ls "$ROOT/lib/modules/$(uname -r)"/updates/dkms/xt_RTPGATE.ko* 2>/dev/null | head -n 1
}

module_load() {
	local ko dep
	ko=$(module_path)
	[ -n "$ko" ] || { echo "no xt_RTPGATE.ko for $(uname -r) in $ROOT"; return 1; }
	echo "module: $ko ($(modinfo -F vermagic "$ko"))"
	modprobe -a nf_tables nft_compat || return 1
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		modprobe "$dep" || return 1
	done
	insmod "$ko" && MODULE_LOADED=1
}

iptables_rule() {
	in_root iptables -t mangle -A PREROUTING -p udp --dport 30000:39999 \
		-j RTPGATE --table-id 7 || return 1
	in_root iptables -t mangle -S PREROUTING | tee /dev/stderr |
		grep -q -- '-j RTPGATE --table-id 7' || return 1
	in_root iptables -t mangle -D PREROUTING -p udp --dport 30000:39999 \
		-j RTPGATE --table-id 7
}

# rtpgated started as its unit starts it: with the module there, its
# nftables table shows it took the kernel path with no privilege but
# CAP_NET_ADMIN.
daemon_uses_kernel() {
	unit_command
	echo "# ${CMD[*]}"
	# chroot itself in the background (not a function, which would be a
	# subshell): it execs setpriv, which execs rtpgated, all one PID
	chroot "$ROOT" "${CMD[@]}" >"$DAEMON_LOG" 2>&1 &
	PID=$!
	wait_pong "$NG_PORT" || { cat "$DAEMON_LOG"; return 1; }
	nft list table inet rtpgate_0
}

daemon_stops() {
	stop_daemon || return 1
	if nft list table inet rtpgate_0 >/dev/null 2>&1; then
		echo "table inet rtpgate_0 is still there"
		return 1
	fi
}

cleanup() {
	local i
	[ -n "$PID" ] && stop_daemon >/dev/null 2>&1
	[ "$MODULE_LOADED" = 1 ] && rmmod xt_RTPGATE 2>/dev/null
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[$i]}" 2>/dev/null
	done
}

main() {
	[ "${RTPGATE_IN_VM:-0}" = 1 ] || { echo "guest.sh runs inside tests/kernel/vm.py only" >&2; exit 2; }
	mkdir -p "$LOGS"
	check "the Debian root is usable in the VM (proc, sys, /dev, tmpfs /tmp and /run)" mount_root || return
	if ! check "the DKMS-built xt_RTPGATE.ko loads into Debian's kernel $(uname -r)" module_load; then
		skipped "iptables and daemon cases: the module did not load"
		return
	fi
	check "iptables in the root adds, lists and deletes '-j RTPGATE --table-id 7' (packaged libxt_RTPGATE.so)" \
		iptables_rule
	if check "rtpgated, as its unit runs it (user rtpgate, CAP_NET_ADMIN only), takes the kernel path: its nftables table inet rtpgate_0 is there" \
		daemon_uses_kernel; then
		check "rtpgated exits 0 on SIGTERM and removes its nftables table" daemon_stops
	else
		stop_daemon >/dev/null 2>&1
	fi
	check "xt_RTPGATE unloads cleanly" rmmod xt_RTPGATE && MODULE_LOADED=0
}

trap cleanup EXIT
main
cleanup
trap - EXIT
summary
