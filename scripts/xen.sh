#!/bin/bash
# Debian's Xen hypervisor and its symbols (for crash), unpacked into the
# cache by version, never installed: on the host that would make Xen its
# default boot.  Prints the directory, which holds xen.gz, xen-syms and
# version.
# usage: xen.sh
set -euo pipefail

pkg=xen-hypervisor-4.17-amd64
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kjump/xen

die() { echo "xen: $*" >&2; exit 1; }

ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
	apt-get update -qq >/dev/null 2>&1 || true
	ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
fi
[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "$pkg: not in the archive"
dir=$cache/$ver
if [ ! -s "$dir/xen.gz" ] || [ ! -s "$dir/xen-syms" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -qq "$pkg=$ver" "$pkg-dbg=$ver" \
		>/dev/null 2>&1) || die "cannot download $pkg $ver"
	for d in "$tmp"/*.deb; do
		dpkg-deb -x "$d" "$tmp/root"
	done
	mkdir -p "$dir.new"
	cp "$tmp"/root/boot/xen-*-amd64.gz "$dir.new/xen.gz"
	cp "$tmp"/root/usr/lib/debug/boot/xen-syms-*-amd64 "$dir.new/xen-syms"
	echo "$pkg $ver" >"$dir.new/version"
	rm -rf "$dir"
	mv "$dir.new" "$dir"
fi
echo "$dir"
