#!/bin/bash
# The real system of the end-to-end tests: Debian 13 ("trixie") with
# systemd, udev and initramfs-tools, on an ext4 root in a GPT partition,
# and GRUB for UEFI (on an EFI system partition) and for BIOS.
#
# Two stages, each cached outside the checkout like the kernel:
#   base   debootstrap from Debian's archive, keyed by the suite and the
#          package list (a few minutes, once);
#   disk   the base with the suite's two packages (build/deb/) installed by
#          dpkg -i as a user would, which runs update-initramfs and
#          kjump-mkhelper through their kernel hooks, then the test
#          machine's settings and workload, on a 4 GiB sparse disk image;
#          keyed by the base, the packages and the files that go in.
#          With KJUMP_DISTRO_KERNEL set to a linux-image package (that of
#          scripts/build-distro-kernel.sh), it is installed too: the newest
#          kernel, it is the one the machine boots.
#
# usage: scripts/debian-system.sh base        print the base (built if needed)
#        scripts/debian-system.sh cached      print the disk (built if needed)
#        scripts/debian-system.sh disk OUT    make OUT from the cached disk
#        scripts/debian-system.sh root-uuid   the disk's root file system UUID
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kjump/debian
mirror=http://deb.debian.org/debian
suite=trixie
# What a small Debian server has: systemd as init, udev, D-Bus (logind,
# systemctl hibernate), initramfs-tools and its zstd, e2fsprogs; and
# busybox-static, which kjump-suite needs for the helper's initramfs; GRUB
# for UEFI and BIOS, the boot loader of the one-pass resume's one-time
# entry.
packages="systemd systemd-sysv udev dbus initramfs-tools zstd e2fsprogs
	kmod procps busybox-static grub-efi-amd64-bin grub-pc-bin grub2-common"
# The root file system's UUID, fixed so that the test kernel's command line
# and fstab agree with every build of the disk.
root_uuid=5e1f1d2a-7c1b-4f5e-9a3b-6b0c4a1f2e10
disk_size=4G

die() { echo "debian-system: $*" >&2; exit 1; }

case "${KJUMP_DISTRO_KERNEL:-}" in
'' | *linux-image-*.deb) ;;
*) die "KJUMP_DISTRO_KERNEL=$KJUMP_DISTRO_KERNEL: not a linux-image package" ;;
esac
[ -z "${KJUMP_DISTRO_KERNEL:-}" ] || [ -r "$KJUMP_DISTRO_KERNEL" ] ||
	die "$KJUMP_DISTRO_KERNEL: cannot be read"

base_dir() {
	local key
	key=$(echo "$suite" $packages | sha256sum | cut -c1-16)
	echo "$cache/base-$suite-$key"
}

build_base() {
	local dir=$1 tmp=$1.tmp.$$
	command -v debootstrap >/dev/null || die "debootstrap: not installed (make deps)"
	[ "$(id -u)" = 0 ] || die "building the Debian system needs root"
	rm -rf "$tmp"
	mkdir -p "$cache"
	echo "debian-system: debootstrap $suite into $dir" >&2
	debootstrap --variant=minbase \
		--include="$(echo $packages | tr ' ' ,)" "$suite" "$tmp" \
		"$mirror" >"$tmp.log" 2>&1 ||
		die "debootstrap $suite failed; see $tmp.log"
	rm -f "$tmp"/var/cache/apt/archives/*.deb
	mv "$tmp" "$dir"
	rm -f "$tmp.log"
}

# Build once even when two tests ask at the same time.
ensure_base() {
	local dir
	dir=$(base_dir)
	if [ ! -d "$dir" ]; then
		mkdir -p "$cache"
		exec 9>"$cache/.base.lock"
		flock 9
		[ -d "$dir" ] || build_base "$dir"
		exec 9>&-
	fi
	echo "$dir"
}

debs() {
	ls "$top"/build/deb/kjump-suite_*.deb "$top"/build/deb/linux-image-*.deb \
		2>/dev/null | grep -v -- '-dbg_' || true
	[ -z "${KJUMP_DISTRO_KERNEL:-}" ] || echo "$KJUMP_DISTRO_KERNEL"
}

disk_key() {
	{
		base_dir
		cat "$0"
		debs | xargs -r sha256sum | cut -c1-64
		find "$top/test/debian" "$top/build/bin/kpattern" -type f |
			LC_ALL=C sort | xargs sha256sum
	} | sha256sum | cut -c1-16
}

in_root() {
	chroot "$stage" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive "$@"
}

mount_pseudo() {
	mount -t proc proc "$stage/proc"
	mount -t sysfs sysfs "$stage/sys"
	mount --bind /dev "$stage/dev"
}

umount_pseudo() {
	umount "$stage/dev" "$stage/sys" "$stage/proc" 2>/dev/null || true
}

# The test machine's own settings, then the suite's packages.
configure() {
	local d=$top/test/debian f

	echo kjump-debian >"$stage/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tkjump-debian\n' >"$stage/etc/hosts"
	printf 'UUID=%s\t/\text4\terrors=remount-ro\t0\t1\n' "$root_uuid" \
		>"$stage/etc/fstab"
	in_root passwd -d root >/dev/null
	# the machine's files: services, drop-ins, the kernel command line
	(cd "$d/root" && find . -type f) | while read -r f; do
		install -D -m "$(stat -c %a "$d/root/$f")" "$d/root/$f" "$stage/$f"
	done
	install -m 755 "$top/build/bin/kpattern" "$stage/usr/local/bin/kpattern"
	in_root systemctl enable kjump-workload.service serial-getty@ttyS1.service \
		>/dev/null 2>&1
	cp $(debs) "$stage/tmp/"
	in_root sh -c 'dpkg -i /tmp/*.deb' >"$stage.dpkg.log" 2>&1 ||
		{ cat "$stage.dpkg.log" >&2; die "dpkg -i failed in the Debian system"; }
	rm -f "$stage"/tmp/*.deb
	ls "$stage"/boot/initrd.img-* >/dev/null 2>&1 ||
		die "dpkg -i made no initramfs (update-initramfs did not run)"
	ls "$stage"/boot/kjump-helper.img-* >/dev/null 2>&1 ||
		die "dpkg -i made no helper initramfs (kjump-mkhelper did not run)"
}

# What grub-probe says of the test disk, for update-grub in the chroot,
# which sees no such disk: the root (and /boot) is its first partition.
fake_grub_probe() {
	cat <<EOF
#!/bin/sh
for a; do case "\$a" in --target=*) target=\${a#--target=} ;; esac; done
case "\$target" in
device) echo /dev/vda1 ;;
disk) echo /dev/vda ;;
fs) echo ext2 ;;
fs_uuid) echo $root_uuid ;;
partmap) echo gpt ;;
drive) echo '(hd0,gpt1)' ;;
compatibility_hint) echo hd0,gpt1 ;;
hints_string) echo '--hint-efi=hd0,gpt1' ;;
abstraction | partuuid | cryptodisk_uuid) ;;
*) exit 1 ;;
esac
EOF
}

# GRUB for UEFI and BIOS as grub-install would set them up, without a
# device: their modules in /boot/grub, grub.cfg from update-grub (with the
# suite's 42_kjump entry), the machine's command line from
# /etc/kernel/cmdline, and for each firmware an image that finds
# /boot/grub by the root's UUID (make_disk puts them on the disk).
# update-grub runs with a /dev of its own, in which the root's by-uuid
# name exists, as it does on the machine.
install_grub() {
	local probe=$stage/usr/sbin/grub-probe cmdline
	# GRUB's defaults file wants "$" escaped twice
	cmdline=$(sed 's/\$/\\\\\\$/g' "$stage/etc/kernel/cmdline")
	mkdir -p "$stage/etc/default/grub.d" "$stage/boot/grub"
	printf '%s\n' '# the test machine: no menu, the serial console' \
		'GRUB_TIMEOUT=0' 'GRUB_TERMINAL=console' \
		"GRUB_CMDLINE_LINUX=\"$cmdline\"" \
		>"$stage/etc/default/grub.d/kjump-test.cfg"
	cp -a "$stage/usr/lib/grub/x86_64-efi" "$stage/usr/lib/grub/i386-pc" \
		"$stage/boot/grub/"
	in_root grub-editenv /boot/grub/grubenv create
	mv "$probe" "$probe.real"
	fake_grub_probe >"$probe"
	chmod 755 "$probe"
	mount -t tmpfs dev "$stage/dev"
	mknod -m 666 "$stage/dev/null" c 1 3
	mkdir -p "$stage/dev/disk/by-uuid"
	touch "$stage/dev/disk/by-uuid/$root_uuid"
	in_root update-grub >"$stage.grub.log" 2>&1 ||
		{ cat "$stage.grub.log" >&2; umount "$stage/dev"; die "update-grub failed"; }
	umount "$stage/dev"
	mv "$probe.real" "$probe"
	grep -q -- '--id kjump-resume ' "$stage/boot/grub/grub.cfg" ||
		die "grub.cfg has no kjump-resume entry (/etc/grub.d/42_kjump)"
	printf 'search.fs_uuid %s root\nset prefix=($root)/boot/grub\n' \
		"$root_uuid" >"$stage/tmp/early.cfg"
	in_root grub-mkimage -O x86_64-efi -o /tmp/BOOTX64.EFI \
		-c /tmp/early.cfg -p /boot/grub part_gpt ext2 search_fs_uuid &&
		in_root grub-mkimage -O i386-pc -o /tmp/core.img \
		-c /tmp/early.cfg -p /boot/grub biosdisk part_gpt ext2 \
		search_fs_uuid || die "grub-mkimage failed"
	mv "$stage/tmp/BOOTX64.EFI" "$stage.efi"
	mv "$stage/tmp/core.img" "$stage.core"
	cp "$stage/usr/lib/grub/i386-pc/boot.img" "$stage.boot"
	rm -f "$stage/tmp/early.cfg" "$stage.grub.log"
}

# GRUB for BIOS, as grub-bios-setup would write it, which cannot be run
# on a disk image: boot.img's code in the protective MBR, told where
# core.img starts, and core.img in the free sectors between the GPT's
# entries and the first partition, its first sector (diskboot) told
# where the rest is.  (grub-install puts core.img in a BIOS boot
# partition; these sectors serve as well on a disk no tool rewrites.)
bios_boot() {
	python3 - "$1" "$stage.boot" "$stage.core" <<'EOP'
import struct, sys
disk, boot_img, core_img = sys.argv[1:]
core_sector = 40                       # after the GPT's 32 sectors of entries
boot = open(boot_img, "rb").read()
core = bytearray(open(core_img, "rb").read())
core += bytes(-len(core) % 512)
if core_sector + len(core) // 512 > 2048:
    sys.exit("core.img does not fit before the first partition")
with open(disk, "r+b") as f:
    mbr = bytearray(f.read(512))
    mbr[:440] = boot[:440]             # the partition table stays
    struct.pack_into("<Q", mbr, 0x5c, core_sector)   # kernel_sector
    mbr[0x66:0x68] = b"\x90\x90"       # a hard disk: no floppy probe
    struct.pack_into("<Q", core, 0x200 - 12, core_sector + 1)
    f.seek(0)
    f.write(mbr)
    f.seek(core_sector * 512)
    f.write(core)
EOP
}

# A GPT disk: the ext4 root made from $stage first, 1 MiB in, then an EFI
# system partition of 32 MiB with GRUB as the removable-media loader;
# GRUB for BIOS in the MBR and before the first partition.
make_disk() {
	local out=$1 start=2048 esp_sectors=65536 sectors esp
	rm -f "$out" "$out.esp"
	truncate -s "$disk_size" "$out"
	sectors=$(($(stat -c %s "$out") / 512 - start - esp_sectors - 2048))
	esp=$((start + sectors))
	printf 'label: gpt\nstart=%s, size=%s, type=linux, name=root\nstart=%s, size=%s, type=uefi, name=esp\n' \
		"$start" "$sectors" "$esp" "$esp_sectors" | sfdisk -q "$out"
	mkfs.ext4 -q -F -b 4096 -U "$root_uuid" -L root -d "$stage" \
		-E offset=$((start * 512)) "$out" $((sectors / 8))
	mkfs.vfat -C -n ESP "$out.esp" $((esp_sectors / 2)) >/dev/null
	mmd -i "$out.esp" ::/EFI ::/EFI/BOOT
	mcopy -i "$out.esp" "$stage.efi" ::/EFI/BOOT/BOOTX64.EFI
	dd if="$out.esp" of="$out" bs=512 seek="$esp" conv=notrunc,sparse \
		status=none
	rm -f "$out.esp"
	bios_boot "$out" || die "cannot put GRUB for BIOS on the disk"
}

build_disk() {
	local out=$1 base
	base=$(ensure_base)
	[ -n "$(debs)" ] || die "no packages in build/deb (make deb kernel-deb)"
	stage=$out.stage
	rm -rf "$stage"
	cp -a "$base" "$stage"
	trap 'umount_pseudo' EXIT
	mount_pseudo
	configure
	umount_pseudo
	trap - EXIT
	install_grub
	make_disk "$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$stage" "$stage.dpkg.log" "$stage.efi" "$stage.core" \
		"$stage.boot"
}

cached_disk() {
	local img
	img=$cache/disk-$(disk_key).img
	if [ ! -f "$img" ]; then
		mkdir -p "$cache"
		exec 9>"$cache/.disk.lock"
		flock 9
		if [ ! -f "$img" ]; then
			echo "debian-system: building the Debian disk $img" >&2
			build_disk "$img"
			# one disk at a time: older keys are dead weight
			find "$cache" -maxdepth 1 -name 'disk-*.img' ! -path "$img" \
				-delete
		fi
		exec 9>&-
	fi
	echo "$img"
}

case "${1:-}" in
base) ensure_base ;;
cached) cached_disk ;;
disk)
	out=${2:?usage: debian-system.sh disk OUT}
	img=$(cached_disk)
	cp --sparse=always "$img" "$out"
	;;
root-uuid) echo "$root_uuid" ;;
*) die "usage: debian-system.sh base | cached | disk OUT | root-uuid" ;;
esac
