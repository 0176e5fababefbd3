#!/bin/bash
# Build a BusyBox initramfs: helper (the kernel that runs in the jump window),
# test (the "original system" the VM tests run) or boot (a boot loader:
# kjump boot, which kexecs a kernel it finds on the disks).
#
# usage: initramfs/build.sh helper|test|boot OUT.cpio.gz
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:?usage: build.sh helper|test|boot OUT}
out=${2:?usage: build.sh helper|test|boot OUT}
busybox=/bin/busybox

die() { echo "initramfs: $*" >&2; exit 1; }

case "$kind" in
helper|test|boot) ;;
*) die "$kind: no such initramfs kind (helper, test or boot)" ;;
esac
[ -x "$busybox" ] || die "$busybox: missing (install busybox-static)"

. "$top/initramfs/lib.sh"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
initramfs_busybox "$stage" "$busybox"

# Shared init and kind-specific files (jobs, scripts), then the suite's tools.
cp -a "$top/initramfs/rootfs/." "$stage/"
[ ! -d "$top/initramfs/$kind" ] || cp -a "$top/initramfs/$kind/." "$stage/"
echo "$kind" >"$stage/etc/kjump/kind"
for tool in "$top"/build/bin/*; do
	[ -x "$tool" ] && cp "$tool" "$stage/usr/bin/"
done

# The modules of every kernel the image boots or carries, and the ones
# /init loads
mkdir -p "$stage/lib"
for k in kernel kernel-nojump kernel-classic kernel-7.2; do
	[ ! -d "$top/build/$k/modules/lib/modules" ] ||
		cp -a "$top/build/$k/modules/lib/modules" "$stage/lib/"
done
echo virtio_blk >"$stage/etc/kjump/modules"

# The test system carries the helper kernel and its initramfs to load.
if [ "$kind" = test ]; then
	mkdir -p "$stage/boot"
	cp "$top/build/kernel/bzImage" "$stage/boot/bzImage"
	# another build of the kernel, for tests that need a different one
	cp "$top/build/kernel-nojump/bzImage" "$stage/boot/bzImage-other"
	cp "$top/build/initramfs/helper.cpio.gz" "$stage/boot/helper.cpio.gz"
fi

mkdir -p "$(dirname "$out")"
initramfs_pack "$stage" "$out"
echo "initramfs: $kind -> $out ($(du -k "$out" | cut -f1) KiB)"
