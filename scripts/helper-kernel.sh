#!/bin/bash
# Build the test helper a locked-down kernel can jump to: the test kernel
# with kernel-patches/helper.config and the helper initramfs built in
# (CONFIG_INITRAMFS_SOURCE), so that the signature the Secure Boot tests
# put on it covers the user space that will read and write the original
# system's memory.
#
# The initramfs goes in without its modules (the helper's drivers are
# built in, and a locked-down kernel takes no module signed by another
# build) and with fixed times, so that the same files make the same
# archive.  Its digest goes into the fragment as an option Kconfig does
# not know and build-kernel.sh keeps in its cache key: a new initramfs
# is a new kernel to the cache, while the configuration the kernel
# compiles, and so ccache's objects, stay the same.
#
# usage: helper-kernel.sh OUTLINK HELPER.cpio.gz
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
outlink=${1:?usage: helper-kernel.sh OUTLINK HELPER.cpio.gz}
helper=${2:?usage: helper-kernel.sh OUTLINK HELPER.cpio.gz}
dir=$(cd "$(dirname "$outlink")" && pwd)
cpio_out=$dir/initramfs/helper-builtin.cpio
fragment=$dir/kernel-helper.config

die() { echo "helper-kernel: $*" >&2; exit 1; }

. "$top/initramfs/lib.sh"

[ -r "$helper" ] || die "$helper: not found (make initramfs)"
# one at a time: the archive and the fragment must stay what the build
# that took their digest reads (the lock goes with the build, below)
mkdir -p "$dir/initramfs"
exec 8>"$dir/.kernel-helper.lock"
flock 8
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/root"
gzip -dc "$helper" | (cd "$stage/root" && cpio -idm --quiet) ||
	die "$helper: cannot unpack"
rm -rf "$stage/root/lib/modules"
: >"$stage/root/etc/kjump/modules"
find "$stage/root" -exec touch -h -d @0 {} +
initramfs_archive "$stage/root" >"$stage/helper.cpio"
# the archive keeps its time stamp while its bytes stay the same: the
# kernel tree then has nothing to pack again
cmp -s "$stage/helper.cpio" "$cpio_out" || mv "$stage/helper.cpio" "$cpio_out"
digest=$(sha256sum "$cpio_out" | cut -c1-16)
{
	echo "CONFIG_INITRAMFS_SOURCE=\"$cpio_out\""
	echo "# CONFIG_KJUMP_HELPER_INITRAMFS_$digest is not set"
} >"$stage/fragment"
cmp -s "$stage/fragment" "$fragment" || mv "$stage/fragment" "$fragment"
rm -rf "$stage"
trap - EXIT
exec "$top/scripts/build-kernel.sh" "$outlink" "$top/kernel-patches" \
	"$top/kernel-patches/helper.config:$fragment"
