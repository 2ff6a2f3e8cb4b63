#!/bin/sh
# install-deps.sh - install the Debian 12 packages that building and testing
# rtpgate need, when they are missing. Runs as root (apt-get); does nothing
# when everything is there already. Used by `make run`, `make test`,
# `make fuzz` and `make bench`.
set -eu

# Build: compiler, pkg-config, the libraries the code links against.
BUILD_PKGS="build-essential pkg-config clang libclang-rt-14-dev libglib2.0-dev libmicrohttpd-dev libssl-dev libmnl-dev libnftnl-dev libsrtp2-dev libxtables-dev liburing-dev"
# Tests: Python 3 for the NG and end-to-end runners, real SIP peers, the
# openssl tool as an independent DTLS peer (tests/daemon/test_dtls_interop.c),
# strace to count or refuse the daemon's system calls (tests/media/).
TEST_PKGS="python3 kamailio sip-tester baresip-core netcat-openbsd procps iproute2 nftables openssl strace"
# Kernel tests (tests/kernel/): big, so only with RTPGATE_KERNEL_TESTS=1.
KERNEL_PKGS="qemu-system-x86 busybox-static linux-image-amd64 linux-headers-amd64 kmod"
# Debian packaging (debian/, tests/deb/): only with RTPGATE_DEB_TESTS=1.
DEB_PKGS="debhelper dh-dkms lintian debootstrap fakeroot"
# Browser test (tests/browser/): Debian's Chromium, headless; big, so only
# with RTPGATE_BROWSER_TESTS=1 (tests/run.sh sets it for that suite).
# run_sip.py also needs Kamailio's websocket module, and npm for the
# SIP.js package pinned in tests/browser/package-lock.json (Debian's npm,
# unless an npm is there already: a Node.js from elsewhere brings its own).
BROWSER_PKGS="chromium kamailio-websocket-modules"
command -v npm >/dev/null 2>&1 || BROWSER_PKGS="$BROWSER_PKGS npm"

# The browser test's npm packages, exactly as locked, once per lock file.
browser_npm() {
	[ "${RTPGATE_BROWSER_TESTS:-0}" = 1 ] || return 0
	dir=$(dirname "$0")/../tests/browser
	cmp -s "$dir/package-lock.json" "$dir/node_modules/.rtpgate-lock" && return 0
	(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) &&
		cp "$dir/package-lock.json" "$dir/node_modules/.rtpgate-lock"
}

missing=""
[ "${RTPGATE_KERNEL_TESTS:-0}" = 1 ] || KERNEL_PKGS=""
[ "${RTPGATE_DEB_TESTS:-0}" = 1 ] || DEB_PKGS=""
[ "${RTPGATE_BROWSER_TESTS:-0}" = 1 ] || BROWSER_PKGS=""
for p in $BUILD_PKGS $TEST_PKGS $KERNEL_PKGS $DEB_PKGS $BROWSER_PKGS ${RTPGATE_EXTRA_PKGS:-}; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	browser_npm
	exit 0
fi

echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: not root; install these packages first:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Packages such as kamailio try to start their service on install; this
# machine may have no init system, and rtpgate's tests start their own.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	made_policy=1
fi
apt-get install -y -qq --no-install-recommends $missing
[ "$made_policy" = 1 ] && rm -f "$policy"
browser_npm
exit 0
