#!/bin/bash
# The test kernel as Debian packages, the way `make bindeb-pkg` makes them
# (linux-image and linux-libc-dev; no headers or debug packages), from a
# tree that has just built it.  Called by build-kernel.sh for the main
# kernel, before it copies bzImage and vmlinux, so that the package holds
# the same kernel as the cache.
#
# usage: scripts/kernel-deb.sh TREE OUTDIR
set -euo pipefail

tree=${1:?usage: kernel-deb.sh TREE OUTDIR}
out=${2:?usage: kernel-deb.sh TREE OUTDIR}
parent=$(dirname "$tree")
release=$(make -s -C "$tree" ARCH=x86_64 kernelrelease)

rm -f "$parent"/linux-*.deb "$parent"/linux-upstream_*
start=$SECONDS
# Revision 1: the build version build-kernel.sh built the tree with
make -s -C "$tree" ARCH=x86_64 -j"$(nproc)" bindeb-pkg \
	KDEB_PKGVERSION="$release-1" \
	DPKG_FLAGS="-Ppkg.linux-upstream.nokernelheaders,pkg.linux-upstream.nokerneldbg" \
	>"$parent/bindeb-pkg.log" 2>&1 || {
	tail -n 30 "$parent/bindeb-pkg.log" >&2
	echo "kernel-deb: make bindeb-pkg failed; see $parent/bindeb-pkg.log" >&2
	exit 1
}
mkdir -p "$out"
mv "$parent"/linux-image-*.deb "$parent"/linux-libc-dev_*.deb "$out/"
rm -f "$parent"/linux-upstream_*
echo "kernel-deb: $(cd "$out" && ls | tr '\n' ' ')in $((SECONDS - start)) s"
