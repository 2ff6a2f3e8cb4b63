#!/bin/bash
# srtp_kernel.sh - SRTP <-> RTP forwarding in the kernel (xt_RTPGATE)
# against userspace (libsrtp2 in rtpgated), in the same VM run.
#
#   tests/bench/srtp_kernel.sh        # about 2 minutes on 2 cores
#
# Boots Debian's kernel under QEMU (TCG, one CPU; tests/kernel/vm.py) and
# runs tests/bench/srtp_kernel_vm.sh there: one SDES call, the caller
# speaking SRTP (AES_CM_128_HMAC_SHA1_80, packets protected beforehand by
# tests/tools/srtp_peer, i.e. libsrtp2), the callee plain. The caller
# sends SRTP flat out for SRTP_BENCH_SECONDS (1.5), then the callee plain
# RTP, first inside the learning window (rtpgated forwards in userspace),
# then once the streams are in the kernel. Sender, receiver and rtpgated
# share the VM's one CPU, so each figure is what that CPU moves end to end.
# Under TCG absolute rates mean little: the ratio is the figure.
#
# A benchmark measures and prints: exit 0 unless it could not run.
set -u
cd "$(dirname "$0")/../.." || exit 1

RTPGATE_KERNEL_TESTS=1 scripts/install-deps.sh >/dev/null || exit 1
make --no-print-directory build/rtpgated build/tests/tools/srtp_peer >/dev/null &&
	make --no-print-directory -C kernel-module >/dev/null || {
	echo "srtp_kernel: build failed"
	exit 1
}
/usr/bin/python3 tests/kernel/vm.py --timeout "${SRTP_BENCH_VM_TIMEOUT:-300}" \
	tests/bench/srtp_kernel_vm.sh >/dev/null
rc=$?
console=build/test-logs/kernel-console.log
if ! grep -q "^ok - SRTP forwarding measured" "$console"; then
	echo "srtp_kernel: no figures (see $console)"
	grep -E "^(FAIL|#)" "$console" | head -n 20
	exit 1
fi
sed -n '/^ok - SRTP forwarding measured/,/packets forwarded a second/p' "$console" |
	sed 's/^ok - //'
exit $rc
