# lib.sh - helpers of tests/deb/run.sh (sourced): reporting, the Debian
# root (made, cached, mounted, entered), and the host-mode bookkeeping.
# Uses run.sh's globals: ROOT, CACHE, LOGS, SUITE, HOST_MODE, MOUNTS.

# --- reporting ------------------------------------------------------------------

ok() { pass=$((pass + 1)); echo "ok - $1"; }
skipped() { skip=$((skip + 1)); echo "skip - $1"; }
failed() {
	fail=$((fail + 1))
	echo "FAIL - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 25 | sed 's/^/    /'
	return 0
}

# check SENTENCE COMMAND... : ok when COMMAND succeeds, else FAIL with the
# end of its output. The whole output goes to $LOGS/NN.log. COMMAND runs in
# this shell, so what it sets stays set.
CHECK_N=0
check() {
	local sentence=$1 log
	shift
	CHECK_N=$((CHECK_N + 1))
	log=$(printf '%s/%02d.log' "$LOGS" "$CHECK_N")
	echo "# $sentence" >"$log"
	if "$@" >>"$log" 2>&1; then
		ok "$sentence"
	else
		failed "$sentence" "$(tail -n 25 "$log")"$'\n'"(whole output: $log)"
		return 1
	fi
}

# relay COMMAND... : a helper that prints its own "ok - " / "FAIL - " /
# "skip - " lines; they are passed on and counted, its summary line is not.
# A helper that fails without a FAIL line counts as one failure.
relay() {
	local line rc=missing f0=$fail
	while IFS= read -r line; do
		case $line in
		"ok - "*) pass=$((pass + 1)) ;;
		"FAIL - "*) fail=$((fail + 1)) ;;
		"skip - "*) skip=$((skip + 1)) ;;
		"relay rc="*) rc=${line#relay rc=}; continue ;;
		[0-9]*" passed, "*) continue ;;
		esac
		echo "$line"
	done < <("$@" 2>&1; echo "relay rc=$?")
	if [ "$rc" != 0 ] && [ "$fail" = "$f0" ]; then
		failed "$1 exited $rc without reporting a failure"
	fi
}

summary() {
	if [ "$skip" -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	[ "$fail" = 0 ]
}

# --- the host's Debian ---------------------------------------------------------

# The host's Debian mirror for SUITE (deb822 .sources or one-line .list).
host_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$SUITE" '
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
			/^$/ { if (hit && uri) { print uri; exit } hit = 0; uri = "" }
			END { if (hit && uri) print uri }' "$f"
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2 }'
}

# The newest kernel with both /boot/vmlinuz-VER and /lib/modules/VER/build
# on the host: the one tests/kernel/vm.py boots.
host_kernel() {
	local img ver
	for img in /boot/vmlinuz-*; do
		ver=${img#/boot/vmlinuz-}
		[ -d "/lib/modules/$ver/build" ] && echo "$ver"
	done | sort -V | tail -n 1
}

# --- the root ---------------------------------------------------------------------

root_tarball() { echo "$CACHE/root-$SUITE-minbase.tar"; }

# debootstrap into a scratch directory, apt pointed at the host's sources,
# then the whole tree as a tarball (unpacking it takes seconds).
make_root_tarball() {
	local mirror=$1 scratch=$CACHE/debootstrap
	remove_tree "$scratch"
	if ! timeout 900 debootstrap --variant=minbase "$SUITE" "$scratch" "$mirror"; then
		remove_tree "$scratch"
		return 1
	fi
	rm -f "$scratch/etc/apt/sources.list"
	cp /etc/apt/sources.list "$scratch/etc/apt/" 2>/dev/null
	cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
		"$scratch/etc/apt/sources.list.d/" 2>/dev/null
	[ -s "$scratch/etc/apt/sources.list" ] || [ -n "$(ls "$scratch/etc/apt/sources.list.d")" ] ||
		echo "deb $mirror $SUITE main" >"$scratch/etc/apt/sources.list"
	tar -C "$scratch" --numeric-owner -cf "$(root_tarball).new" . || return 1
	mv "$(root_tarball).new" "$(root_tarball)"
	remove_tree "$scratch"
}

# A fresh root in ROOT, from the cached tarball (made when missing, remade
# when older than a week if the mirror answers).
make_root() {
	local mirror=$1 tarball
	tarball=$(root_tarball)
	mkdir -p "$CACHE/apt-archives" "$CACHE/apt-lists"
	if [ -z "$(find "$tarball" -mtime -7 2>/dev/null)" ]; then
		echo "debootstrap --variant=minbase $SUITE from $mirror"
		make_root_tarball "$mirror" || [ -e "$tarball" ] || return 1
	fi
	umount_root
	remove_tree "$ROOT"
	mkdir -p "$ROOT"
	tar -C "$ROOT" --numeric-owner -xpf "$tarball" || return 1
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
}

# proc, sys and /dev for apt, dkms and the daemon; apt's downloads and lists
# from the cache, so reruns fetch only what changed.
mount_root() {
	[ "$HOST_MODE" = 1 ] && return 0
	local spec
	for spec in "proc:proc:-t proc" "sys:sysfs:-t sysfs" "dev:/dev:--bind" \
		"var/cache/apt/archives:$REPO/$CACHE/apt-archives:--bind" \
		"var/lib/apt/lists:$REPO/$CACHE/apt-lists:--bind"; do
		local dir=${spec%%:*} rest=${spec#*:}
		local what=${rest%%:*} how=${rest#*:}
		mkdir -p "$ROOT/$dir"
		# shellcheck disable=SC2086
		mount $how "$what" "$ROOT/$dir" || return 1
		MOUNTS+=("$ROOT/$dir")
	done
}

umount_root() {
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}"
	done
	MOUNTS=()
}

# remove_tree DIR: first whatever is still mounted below DIR (a run that was
# killed leaves /dev bound in its root), then DIR on its own file system
# only, so a mount missed here is never emptied.
remove_tree() {
	local dir
	dir=$(realpath -m "$1")
	awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$dir"
}

# in_root COMMAND... : COMMAND in the root with a clean environment.
in_root() {
	local env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		LANG=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive)
	if [ "$HOST_MODE" = 1 ]; then
		"${env[@]}" "$@"
	else
		chroot "$ROOT" "${env[@]}" "$@"
	fi
}

apt_root() {
	in_root timeout 600 apt-get -y -q --no-install-recommends "$@"
}

# The root's file list, without what changes by itself (caches, logs, apt
# and dpkg state, virtual and scratch file systems).
snapshot() {
	local base=${ROOT%/}
	(cd "$base/" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev \
		-o -path ./run -o -path ./tmp -o -path ./var/tmp -o -path ./var/cache \
		-o -path ./var/log -o -path ./var/lib/apt -o -path ./var/lib/dpkg \
		-o -path ./root -o -path ./home -o -path ./work -o -path ./srv \) -prune \
		-o -print | sed 's|^\.||' | sort)
}

# --- host mode ------------------------------------------------------------------------

# Host mode undoes what it did (once phase_install has begun, HOST_UNDO=1):
# purges the test's packages and the dependencies apt installed for them,
# and the user if the test made it.
host_undo() {
	[ "$HOST_MODE" = 1 ] && [ "${HOST_UNDO:-0}" = 1 ] || return 0
	echo "# host mode: purging what the test installed: ${PKGS[*]} ${HOST_NEW_PKGS:-}"
	in_root apt-get -y -q purge "${PKGS[@]}" ${HOST_NEW_PKGS:-} >>"$LOGS/host-undo.log" 2>&1
	if [ "${HOST_HAD_USER:-1}" = 0 ] && getent passwd rtpgate >/dev/null; then
		deluser --system rtpgate >>"$LOGS/host-undo.log" 2>&1
	fi
	rm -rf "$DEBS_IN_ROOT" /tmp/rtpgate-checks
}
