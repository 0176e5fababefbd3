#!/bin/bash
# The Xen hypervisor of the tests, built from Debian's source package
# (the newest xen of XEN_SUITE, default bookworm) with Debian's
# configuration (debian/xen-kconfig) and debug information, which crash
# needs to read a hypervisor's dump and Debian's xen-syms (-dbg) lacks.
# Only the hypervisor is built, about a minute and a half on two cores,
# and cached by a key of its inputs; nothing is installed (on the host
# that would make Xen its default boot).  Prints the directory, which
# holds xen.gz, xen-syms, config and version.
# usage: xen.sh
set -euo pipefail

suite=${XEN_SUITE:-bookworm}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kjump/xen
apt=$cache/apt-$suite

die() { echo "xen: $*" >&2; exit 1; }

# apt on a sources list of our own: the host's has no deb-src lines
apt_opts=(-o "Dir::Etc::SourceList=$apt/sources.list"
	  -o "Dir::Etc::SourceParts=/dev/null"
	  -o "Dir::State::Lists=$apt/lists"
	  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
mkdir -p "$apt/lists/partial"
# one at a time: the Xen tests may ask at once
exec 9>"$cache/.lock"
flock 9
echo "deb-src http://deb.debian.org/debian $suite main" >"$apt/sources.list"
if [ -z "$(find "$apt/lists" -name '*Sources*' -mtime -1 2>/dev/null)" ]; then
	apt-get "${apt_opts[@]}" update -qq >/dev/null 2>&1 ||
		die "cannot read Debian's $suite sources"
fi
ver=$(apt-cache "${apt_opts[@]}" showsrc xen 2>/dev/null |
	sed -n 's/^Version: //p' | sort -V | tail -n 1)
[ -n "$ver" ] || die "no xen source package in $suite"

key=$( { echo "$ver"; gcc --version | head -n 1; cat "$0"; } |
	sha256sum | cut -c1-16)
out=$cache/$key
if [ -s "$out/xen.gz" ] && [ -s "$out/xen-syms" ]; then
	echo "$out"
	exit 0
fi

tmp=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "xen: building the hypervisor of Debian's xen $ver" >&2
(cd "$tmp" && apt-get "${apt_opts[@]}" source --download-only -qq \
	"xen=$ver" >/dev/null 2>&1) || die "cannot download xen $ver's source"
# apt checked the files against the archive's signed index
dpkg-source --no-check -x "$tmp"/xen_*.dsc "$tmp/src" >/dev/null ||
	die "cannot unpack xen $ver's source"
src=$tmp/src/xen
cp "$tmp/src/debian/xen-kconfig" "$src/.config"
# EXPERT shows DEBUG_INFO, which is off without DEBUG
sed -i -e '/CONFIG_EXPERT[= ]/d' -e '/CONFIG_DEBUG_INFO[= ]/d' "$src/.config"
printf 'CONFIG_EXPERT=y\nCONFIG_DEBUG_INFO=y\n' >>"$src/.config"
make -C "$src" -s olddefconfig XEN_TARGET_ARCH=x86_64 >/dev/null
grep -q '^CONFIG_KEXEC=y' "$src/.config" || die "xen $ver: built without KEXEC"
make -C "$src" -s -j"$(nproc)" XEN_TARGET_ARCH=x86_64 >"$tmp/build.log" 2>&1 ||
	{ tail -n 20 "$tmp/build.log" >&2; die "xen $ver: the build failed"; }
readelf -S "$src/xen-syms" | grep -q debug_info || die "xen-syms: no debug information"
rm -rf "$out.new"
mkdir -p "$out.new"
cp "$src/xen.gz" "$src/xen-syms" "$src/.config" "$out.new/"
mv "$out.new/.config" "$out.new/config"
echo "xen $ver (Debian's source, built with debug information)" >"$out.new/version"
rm -rf "$out"
mv "$out.new" "$out"
echo "$out"
