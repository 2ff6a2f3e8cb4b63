#!/bin/sh
# run.sh - rtpgate's kernel suite: boots Debian's kernel under QEMU (TCG)
# and runs tests/kernel/netns.sh inside it (see tests/kernel/vm.py).
#
#   tests/kernel/run.sh [--module PATH]
#
# Needs the packages that `RTPGATE_KERNEL_TESTS=1 scripts/install-deps.sh`
# installs and a built build/rtpgated; `make test-kernel` does both. Ends
# with "N passed, M failed[, K skipped]"; when QEMU or the Debian kernel is
# missing, or QEMU cannot boot here, it says why and counts as skipped.
cd "$(dirname "$0")/../.." || exit 1
exec /usr/bin/python3 tests/kernel/vm.py --timeout "${RTPGATE_VM_TIMEOUT:-300}" \
	tests/kernel/netns.sh "$@"
