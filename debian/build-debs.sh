#!/bin/bash
# build-debs.sh - rtpgate's .debs from the working tree, without touching it.
#
#   debian/build-debs.sh [--out DIR] [--version VER] [--hook CMD] [--work DIR]
#
# dpkg-buildpackage builds in the tree it is given and writes the packages
# to that tree's parent; `debian/rules clean` would also run in it. So the
# tree is copied first (the files git tracks or would track: no build
# output, no object files) to WORK/rtpgate/ (default build/deb/src), built
# there with `dpkg-buildpackage -us -uc -b`, and the .debs, .buildinfo and
# .changes are moved to DIR (default build/deb); the copy is then removed. For upgrade tests,
# --version adds a changelog entry VER to the copy and --hook runs the
# shell command CMD in the copy before the build. Prints the .deb paths.
set -eu
cd "$(dirname "$0")/.."

out=build/deb version="" hook="" work=build/deb/src
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--version) version=$2; shift 2 ;;
	--hook) hook=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	*) echo "usage: $0 [--out DIR] [--version VER] [--hook CMD] [--work DIR]" >&2; exit 2 ;;
	esac
done

copy_tree() {
	local dest=$1
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				[ -f "$f" ] && printf '%s\0' "$f"
			done | tar --null -T - -cf - | tar -xf - -C "$dest"
	else
		tar --exclude=./build --exclude=./build-san --exclude=./build-fuzz \
			--exclude='*.o' --exclude='*.ko' -cf - . | tar -xf - -C "$dest"
	fi
}

# A changelog entry on top, in dpkg's format, for VER.
bump_version() {
	local changelog=$1 ver=$2 who
	who=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$changelog" | head -n 1)
	{
		printf 'rtpgate (%s) unstable; urgency=medium\n\n' "$ver"
		printf '  * Test build %s (debian/build-debs.sh --version).\n\n' "$ver"
		printf ' -- %s  %s\n\n' "$who" "$(date -R)"
		cat "$changelog"
	} > "$changelog.new"
	mv "$changelog.new" "$changelog"
}

rm -rf "$work"
mkdir -p "$work/rtpgate" "$out"
copy_tree "$work/rtpgate"
[ -n "$version" ] && bump_version "$work/rtpgate/debian/changelog" "$version"
[ -n "$hook" ] && (cd "$work/rtpgate" && sh -c "$hook")

(cd "$work/rtpgate" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >&2

ver=$(dpkg-parsechangelog -l "$work/rtpgate/debian/changelog" -S Version)
rm -f "$out"/rtpgate*_"$ver"_*.deb
for f in "$work"/*_"$ver"_*.deb "$work"/*_"$ver"_*.buildinfo "$work"/*_"$ver"_*.changes; do
	[ -e "$f" ] && mv -f "$f" "$out/"
done
# the copy is no use once built, and its debian/tmp is full of *.d dirs
rm -rf "$work"
ls "$out"/*_"$ver"_*.deb
