#!/bin/bash
# run.sh - rtpgate's Debian packages: built from this tree, installed in a
# fresh Debian 12 root, run the way systemd would run them, loaded into
# Debian's kernel, purged, and upgraded with an edited conffile.
#
#   host                                   build/deb/root (debootstrap
#   ----                                   --variant=minbase bookworm, cached)
#   debian/build-debs.sh                   ---------------------------------
#     0.1.0 and 0.1.0+up1 ---- .debs ----> apt-get install (dependencies
#   lintian                                from the mirror), linux-headers
#                                          unshare -n + chroot: rtpgated as
#                                          its unit runs it, NG ping on lo,
#                                          rtpgate-ctl; DKMS builds the module
#   tests/kernel/vm.py (QEMU, Debian's
#   kernel) runs tests/deb/guest.sh -----> insmod the DKMS-built module,
#                                          iptables -j RTPGATE, the daemon's
#                                          kernel path
#                                          purge: nothing left but the user;
#                                          0.1.0 -> edit conffile -> 0.1.0+up1
#
# The root comes from a tarball cached in build/deb/cache/ (made by
# debootstrap from the host's Debian mirror the first time, a few minutes;
# remade after a week), and apt's downloads are cached there too. Without
# the mirror and without a cached root, the packages are installed on this
# machine instead and everything the test installed is purged afterwards
# (RTPGATE_DEB_HOST=1 forces that; RTPGATE_DEB_MIRROR=URL names another
# mirror for debootstrap). Installs its tools with
# `RTPGATE_DEB_TESTS=1 scripts/install-deps.sh`. One run at a time (a lock
# in build/deb/). Ends with "N passed, M failed[, K skipped]".
set -u
cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD

SUITE=bookworm
V1=0.1.0
V2=0.1.0+up1
PKGS=(rtpgate-daemon rtpgate-kernel-dkms rtpgate-iptables rtpgate-utils)
DEB_DIR=build/deb/test
CACHE=build/deb/cache
ROOT=$REPO/build/deb/root
LOGS=build/test-logs/deb
DEBS_IN_ROOT=/tmp/rtpgate-debs
HOST_MODE=${RTPGATE_DEB_HOST:-0}
MOUNTS=()
KVER=""
pass=0 fail=0 skip=0

. tests/deb/lib.sh

# --- build -----------------------------------------------------------------------

have_debs() {
	local dir=$1 ver=$2 p
	for p in "${PKGS[@]}"; do
		ls "$dir/${p}_${ver}_"*.deb >/dev/null || return 1
	done
}

build_v1() {
	debian/build-debs.sh --out "$DEB_DIR/v1" --work build/deb/src-test &&
		have_debs "$DEB_DIR/v1" "$V1"
}

# The next version's conffile differs, so the upgrade meets dpkg's conffile
# question (modified here, changed in the package) and must not ask it.
build_v2() {
	debian/build-debs.sh --out "$DEB_DIR/v2" --work build/deb/src-test \
		--version "$V2" --hook "echo '# (test build $V2)' >>debian/rtpgate.conf" &&
		have_debs "$DEB_DIR/v2" "$V2"
}

lint() {
	lintian --fail-on error,warning "$DEB_DIR/v1/rtpgate_${V1}_"*.changes
}

phase_build() {
	rm -rf "$DEB_DIR"
	check "the tree builds ${PKGS[*]} $V1 with dpkg-buildpackage -us -uc -b" build_v1 || return
	check "lintian finds no error or warning in them (debian/*.lintian-overrides say why for the rest)" lint
	check "a copy of the tree with a changelog entry builds $V2, its conffile changed" build_v2
}

# --- install -------------------------------------------------------------------------

fresh_root() {
	local mirror
	mirror=${RTPGATE_DEB_MIRROR:-$(host_mirror | head -n 1)}
	[ -n "$mirror" ] || { echo "no $SUITE mirror in /etc/apt/sources.list(.d)"; return 1; }
	echo "mirror: $mirror"
	make_root "$mirror" && mount_root
}

phase_root() {
	KVER=$(host_kernel)
	local sentence="a fresh Debian 12 root is made (debootstrap --variant=minbase $SUITE, cached in $CACHE)"
	if [ "$HOST_MODE" != 1 ]; then
		fresh_root >"$LOGS/root.log" 2>&1 && { ok "$sentence"; return 0; }
		umount_root
		if [ -e "$(root_tarball)" ]; then
			failed "$sentence" "$(tail -n 20 "$LOGS/root.log")"
			return 1
		fi
		skipped "fresh root: debootstrap cannot reach the mirror ($LOGS/root.log); testing on this machine instead, undone afterwards"
		HOST_MODE=1
	fi
	ROOT=/
	getent passwd rtpgate >/dev/null && HOST_HAD_USER=1 || HOST_HAD_USER=0
	local p
	for p in "${PKGS[@]}"; do
		case $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) in
		"" | not-installed) ;;
		*) failed "host mode: $p is on this machine already; not touching it"; return 1 ;;
		esac
	done
}

# Sets HEADERS, what the module is built against: the headers of the
# kernel vm.py boots (KVER) when the mirror has them, else Debian's current
# ones (KVER is then found after the install).
pick_headers() {
	if [ -n "$KVER" ] && in_root apt-cache show "linux-headers-$KVER" >/dev/null 2>&1; then
		HEADERS=linux-headers-$KVER
	else
		KVER=""
		HEADERS=linux-headers-amd64
	fi
}

debs() { ls "$(in_root_path "$DEBS_IN_ROOT/$1")"/*.deb | sed "s|^${ROOT%/}||"; }
in_root_path() { echo "${ROOT%/}$1"; }

# Everything the packages need from the mirror, installed before them, so
# that the snapshot taken next shows only what the packages themselves add.
# In host mode, those not installed before (a line "Inst NAME [OLD] ..." is
# an upgrade, which stays) are purged again at the end.
install_deps() {
	local extra=(systemd) plan all
	[ "$HOST_MODE" = 1 ] && extra=()
	apt_root update || return 1
	pick_headers
	echo "headers: $HEADERS"
	plan=$(in_root apt-get -s -q --no-install-recommends install \
		$(debs v1) "$HEADERS" "${extra[@]}" | grep '^Inst ' | grep -v '^Inst rtpgate-')
	all=$(awk '{ print $2 }' <<<"$plan")
	echo "from the mirror:" $all
	[ "$HOST_MODE" = 1 ] && HOST_NEW_PKGS=$(awk '$3 !~ /^\[/ { print $2 }' <<<"$plan")
	[ -z "$all" ] || apt_root install $all
}

install_v1() {
	apt_root install $(debs v1) || return 1
	[ -n "$KVER" ] || KVER=$(ls "$(in_root_path /lib/modules)" | sort -V | tail -n 1)
}

installed_files() {
	local f missing=0
	for f in /usr/sbin/rtpgated /usr/bin/rtpgate-ctl /usr/bin/rtpgate-ng \
		/usr/lib/x86_64-linux-gnu/xtables/libxt_RTPGATE.so \
		/lib/systemd/system/rtpgate-daemon.service /etc/rtpgate/rtpgate.conf \
		/etc/modules-load.d/rtpgate.conf "/usr/src/rtpgate-$V1/dkms.conf" \
		"/usr/src/rtpgate-$V1/kernel-module/Kbuild" "/usr/src/rtpgate-$V1/lib/rtp.c" \
		/usr/share/man/man8/rtpgated.8.gz /usr/share/man/man1/rtpgate-ctl.1.gz \
		/usr/share/man/man1/rtpgate-ng.1.gz; do
		[ -e "$(in_root_path "$f")" ] || { echo "missing: $f"; missing=1; }
	done
	[ "$missing" = 0 ]
}

conffiles() {
	local out
	out=$(in_root dpkg-query -W -f='${Conffiles}\n' rtpgate-daemon rtpgate-kernel-dkms)
	echo "$out"
	grep -q '^ /etc/rtpgate/rtpgate.conf ' <<<"$out" &&
		grep -q '^ /etc/modules-load.d/rtpgate.conf ' <<<"$out"
}

system_user() {
	local entry
	entry=$(in_root getent passwd rtpgate) || { echo "no user rtpgate"; return 1; }
	echo "$entry"
	IFS=: read -r _ _ uid _ _ home shell <<<"$entry"
	[ "$uid" -lt 1000 ] && [ "$home" = /nonexistent ] && [ "$shell" = /usr/sbin/nologin ] &&
		[ ! -e "$(in_root_path /nonexistent)" ]
}

unit_enabled() {
	local link=/etc/systemd/system/multi-user.target.wants/rtpgate-daemon.service
	ls -l "$(in_root_path "$link")" && [ -L "$(in_root_path "$link")" ]
}

unit_verifies() {
	in_root systemd-analyze verify --man=no /lib/systemd/system/rtpgate-daemon.service
}

daemon_in_root() {
	local port=$1 script=$DEBS_IN_ROOT/in_root.sh
	cp tests/deb/in_root.sh tests/deb/lib.sh tests/lib/stop_pid.sh \
		"$(in_root_path "$DEBS_IN_ROOT")/"
	if [ "$HOST_MODE" = 1 ]; then
		unshare -n -- bash -c 'ip link set lo up && exec bash "$0" daemon "$1"' "$script" "$port"
	else
		unshare -n -- bash -c 'ip link set lo up && exec chroot "$0" /bin/bash "$1" daemon "$2"' \
			"$ROOT" "$script" "$port"
	fi
}

dkms_built() {
	local ver=$1 status ko
	status=$(in_root dkms status -m rtpgate) || return 1
	echo "$status"
	grep -q "^rtpgate/$ver, $KVER, x86_64: installed" <<<"$status" || return 1
	[ "$(grep -c . <<<"$status")" = 1 ] || { echo "other versions are there too"; return 1; }
	ko=$(ls "$(in_root_path "/lib/modules/$KVER/updates/dkms")"/xt_RTPGATE.ko*) || return 1
	in_root modinfo -F vermagic "${ko#${ROOT%/}}" | tee /dev/stderr | grep -q "^$KVER "
}

iptables_knows_target() {
	in_root iptables -j RTPGATE -h | grep -- '--table-id N'
}

phase_install() {
	[ "$HOST_MODE" = 1 ] && HOST_UNDO=1
	mkdir -p "$(in_root_path "$DEBS_IN_ROOT")"/v1 "$(in_root_path "$DEBS_IN_ROOT")"/v2
	cp "$DEB_DIR"/v1/*.deb "$(in_root_path "$DEBS_IN_ROOT")"/v1/
	cp "$DEB_DIR"/v2/*.deb "$(in_root_path "$DEBS_IN_ROOT")"/v2/ 2>/dev/null
	rm -f "$(in_root_path "$DEBS_IN_ROOT")"/v*/*-dbgsym_*.deb
	chmod -R a+rX "$(in_root_path "$DEBS_IN_ROOT")"
	check "apt installs what the packages depend on from the mirror, with kernel headers" install_deps || return
	snapshot >"$LOGS/snapshot-before"
	check "apt installs ${PKGS[*]} $V1" install_v1 || return
	check "their files are where Debian keeps them (binaries, unit, conffiles, DKMS tree, man pages)" installed_files
	check "/etc/rtpgate/rtpgate.conf and /etc/modules-load.d/rtpgate.conf are conffiles" conffiles
	check "postinst made the system user rtpgate: no login shell, home /nonexistent not created" system_user
	check "rtpgate-daemon.service is enabled for multi-user.target" unit_enabled
	check "systemd-analyze verify accepts the installed unit" unit_verifies
	relay daemon_in_root 2223
	check "the package's postinst had DKMS build and install xt_RTPGATE $V1 for $KVER" dkms_built "$V1"
	check "iptables in the root knows '-j RTPGATE --table-id N' from libxt_RTPGATE.so" iptables_knows_target
	return 0
}

# --- the kernel -------------------------------------------------------------------------

phase_kernel() {
	local why=""
	[ -n "$KVER" ] && [ "$KVER" = "$(host_kernel)" ] ||
		why="no Debian kernel with headers on this machine to boot (RTPGATE_KERNEL_TESTS=1 scripts/install-deps.sh)"
	command -v qemu-system-x86_64 >/dev/null || why="QEMU is not installed (RTPGATE_KERNEL_TESTS=1 scripts/install-deps.sh)"
	if [ -n "$why" ]; then
		skipped "the DKMS-built module in Debian's kernel: $why"
		return
	fi
	umount_root
	relay /usr/bin/python3 tests/kernel/vm.py --kernel "$KVER" --timeout 180 \
		--console deb-console.log tests/deb/guest.sh "$ROOT"
	mount_root
}

# --- purge ----------------------------------------------------------------------------------

purge() { apt_root purge "${PKGS[@]}"; }

no_dpkg_trace() {
	local p st bad=0
	for p in "${PKGS[@]}"; do
		st=$(in_root dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
		echo "$p: ${st:-unknown}"
		case $st in "" | "un "*) ;; *) bad=1 ;; esac
	done
	[ "$bad" = 0 ]
}

# What the purge may leave: the kernel's module index (modules.dep, ...),
# which depmod wrote when DKMS installed and again when it removed the
# module. The root has the kernel's headers but not its image, so there was
# no index before; on a machine running that kernel it exists already, and
# the kernel package removes it with the kernel. Anything else the packages
# added must be gone.
allowed_leftover() {
	grep -v -E '^(/usr)?/lib/modules/[^/]+/modules\.[a-z.]+$'
}

nothing_left() {
	local diff
	snapshot >"$LOGS/snapshot-after"
	diff=$(comm -13 "$LOGS/snapshot-before" "$LOGS/snapshot-after")
	[ "$HOST_MODE" = 1 ] && diff=$(grep -i rtpgate <<<"$diff")
	echo "added since before the install:"
	echo "${diff:-(nothing)}"
	[ -z "$(allowed_leftover <<<"$diff")" ]
}

user_kept() {
	in_root getent passwd rtpgate
}

phase_purge() {
	check "apt purges the four packages" purge || return
	check "dpkg keeps no trace of them, not even config-files" no_dpkg_trace
	check "the purge leaves no file behind (but the module index depmod rebuilt)" nothing_left
	check "the rtpgate user stays, as Debian keeps system users (README.Debian: deluser --system)" user_kept
}

# --- upgrade ----------------------------------------------------------------------------------

edit_conffile() {
	local conf
	conf=$(in_root_path /etc/rtpgate/rtpgate.conf)
	apt_root install $(debs v1) || return 1
	sed -i 's/^#listen-ng = 127.0.0.1:2223$/listen-ng = 127.0.0.1:2224/' "$conf"
	grep -n '^listen-ng = 127.0.0.1:2224$' "$conf"
}

upgrade() {
	apt_root -o Dpkg::Options::=--force-confold install $(debs v2) || return 1
	in_root dpkg-query -W "${PKGS[@]}" | tee /dev/stderr | awk -v v="$V2" '$2 != v { bad = 1 } END { exit bad }'
}

edit_kept() {
	local conf
	conf=$(in_root_path /etc/rtpgate/rtpgate.conf)
	grep -q '^listen-ng = 127.0.0.1:2224$' "$conf" || { echo "the edit is gone"; return 1; }
	grep -n "test build $V2" "$conf.dpkg-dist" || { echo "no rtpgate.conf.dpkg-dist with $V2's file"; return 1; }
}

phase_upgrade() {
	if [ ! -e "$DEB_DIR/v2/rtpgate-daemon_${V2}_amd64.deb" ]; then
		skipped "upgrade: $V2 was not built"
		return
	fi
	check "$V1 installs again and its conffile is edited (listen-ng on port 2224)" edit_conffile || return
	check "apt upgrades all four to $V2 without a question (--force-confold)" upgrade || return
	check "the edited rtpgate.conf survives the upgrade; $V2's is left as rtpgate.conf.dpkg-dist" edit_kept
	relay daemon_in_root 2224
	check "DKMS has xt_RTPGATE $V2 installed for $KVER, and $V1 no more" dkms_built "$V2"
}

cleanup() {
	umount_root
	host_undo
	if [ "$HOST_MODE" != 1 ] && [ "$fail" = 0 ]; then
		remove_tree "$ROOT"
	elif [ "$HOST_MODE" != 1 ] && [ -d "$ROOT" ]; then
		echo "# the root is kept for a look: $ROOT (logs: $LOGS)"
	fi
}

# --- main -----------------------------------------------------------------------------------

main() {
	mkdir -p build/deb "$LOGS"
	exec 9>build/deb/.lock
	flock -w 900 9 || { failed "another tests/deb/run.sh holds build/deb/.lock"; return; }
	rm -f "$LOGS"/*.log "$LOGS"/snapshot-*
	if ! RTPGATE_DEB_TESTS=1 scripts/install-deps.sh >"$LOGS/install-deps.log" 2>&1; then
		skipped "packages: the packaging tools cannot be installed ($(tail -n 1 "$LOGS/install-deps.log"))"
		return
	fi
	phase_build || return
	phase_root || return
	phase_install || return
	phase_kernel
	phase_purge
	phase_upgrade
}

trap cleanup EXIT
trap 'exit 143' TERM INT
main
cleanup
trap - EXIT
summary
