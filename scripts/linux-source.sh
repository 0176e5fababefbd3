#!/bin/bash
# The Linux source a test kernel is built from: the tarball of Debian's
# linux-source-X.Y package.  One this machine has installed (make deps
# installs linux-source-6.12) is taken from /usr/src; any other comes from
# Debian unstable, downloaded in the sid chroot of scripts/readers.sh and
# cached outside the checkout by the version the archive has.
#
# usage: scripts/linux-source.sh PACKAGE
#   prints "TARBALL VERSION": the tarball's path and the package's version
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
pkg=${1:?usage: linux-source.sh linux-source-X.Y}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kjump/kernel/source

die() { echo "linux-source: $*" >&2; exit 1; }

case "$pkg" in
linux-source-[0-9]*.[0-9]*) ;;
*) die "$pkg: not a linux-source-X.Y package" ;;
esac

if ver=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) &&
	[ -r "/usr/src/$pkg.tar.xz" ]; then
	echo "/usr/src/$pkg.tar.xz $ver"
	exit 0
fi

readers() { "$top/scripts/readers.sh" run sid "$@"; }

# The version Debian unstable has now: the chroot's package lists may be
# older than the archive, which keeps only the newest
candidate() {
	readers apt-cache policy "$pkg" 2>/dev/null |
		sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true
}

# download VERSION: the package into $dir.tmp
download() {
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	readers sh -c 'cd "$1" && apt-get -q download "$2=$3"' - \
		"$dir.tmp" "$pkg" "$1" >"$dir.tmp/log" 2>&1
}

mkdir -p "$cache"
exec 9>"$cache/.lock-$pkg"
flock 9
ver=$(candidate)
dir=$cache/${pkg}_$ver
if [ -z "$ver" ] || [ ! -r "$dir/$pkg.tar.xz" ]; then
	echo "linux-source: downloading $pkg ${ver:-} from Debian unstable" >&2
	if [ -z "$ver" ] || ! download "$ver"; then
		# the archive moved on: what it has now (a mirror's Release
		# file may be past its date; the signature still holds)
		readers apt-get -q -o Acquire::Check-Valid-Until=false update \
			>/dev/null 2>&1 ||
			die "the sid chroot cannot update its package lists"
		ver=$(candidate)
		[ -n "$ver" ] || die "$pkg: not in Debian unstable"
		dir=$cache/${pkg}_$ver
		download "$ver" ||
			die "$pkg $ver: download failed; see $dir.tmp/log"
	fi
	dpkg-deb --fsys-tarfile "$dir.tmp"/"${pkg}"_*.deb |
		tar -xO "./usr/src/$pkg.tar.xz" >"$dir.tmp/$pkg.tar.xz" ||
		die "$pkg $ver: no /usr/src/$pkg.tar.xz in the package"
	rm -f "$dir.tmp"/*.deb "$dir.tmp/log"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
echo "$dir/$pkg.tar.xz $ver"
