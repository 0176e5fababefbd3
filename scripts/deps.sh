#!/bin/bash
# Install the build and test dependencies from Debian's packages, idempotently.
# Cheap when everything is present: one dpkg-query, no network.
set -euo pipefail

pkgs=(
	# build (g++ for libstdc++, which static snappy needs)
	gcc g++ make pkg-config patch git libelf-dev zlib1g-dev libdeflate-dev
	liblzma-dev libzstd-dev liblz4-dev liblzo2-dev libsnappy-dev
	libgcrypt20-dev
	libgpg-error-dev busybox-static cpio gzip xz-utils
	# kernel: BTF needs pahole (dwarves), modules depmod (kmod), ccache
	# keeps its objects for a tree built again (scripts/with-ccache.sh)
	linux-source-6.12 bc bison flex libssl-dev dwarves kmod openssl ccache
	# tests and diagnostics
	qemu-system-x86 ovmf libcmocka-dev makedumpfile gdb acpica-tools sbsigntool
	e2fsprogs xfsprogs btrfs-progs dosfstools python3 perl man-db groff-base
	# the Secure Boot lab: a unified kernel image on an EFI partition
	systemd-boot-efi mtools
	# the Debian packages and the Debian 13 test system (make deb, vm/debian-*)
	debhelper fdisk rsync
	# crash, drgn and makedumpfile that know 6.12 (scripts/readers.sh)
	debootstrap
	# fuzzing (make fuzz)
	clang libclang-rt-14-dev
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages and not root; run 'sudo make deps'" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
