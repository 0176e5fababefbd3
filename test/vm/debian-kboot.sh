# kjump boot, the suite's kexec boot loader, boots the Debian 13 system:
# the loader kernel finds /boot/vmlinuz-* and /boot/initrd.img-* on the
# disk's root partition, the root in its /etc/fstab and the rest of the
# command line in /etc/kernel/cmdline, shows its menu, and after the
# timeout boots the newest with kjump -l and -e.  Debian reaches
# multi-user.target with the workload running, and goes down cleanly.
# Then the same system with /boot a file system of its own, as Debian's
# installer makes it for LVM and encryption (here ext4 on a second disk,
# named by UUID in fstab): the loader finds the root's /boot there, and
# the system boots and mounts it.
debian_disk "$WORK/disk.img"
DEBIAN_LOADER="kjump.boot_timeout=2" debian_start boot "$WORK/disk.img"
debian_wait_up
expect 'Debian GNU/Linux.*\(vda1\).*Linux 6\.12'
expect 'booting 1 in'
# the kexec'd kernel got the disk's command line
guest "grep -q 'root=UUID=$DEBIAN_UUID ro .*memmap=256M' /proc/cmdline" ||
	fail "the booted kernel's command line is not the disk's: $(guest 'cat /proc/cmdline')"
debian_workload_before
guest 'systemctl poweroff' || true
debian_wait_off 120
e2fsck -fn "$WORK/disk.img?offset=$DEBIAN_ROOT_OFFSET" ||
	fail "the root file system is not clean"

# /boot moved to a file system of its own; the root keeps the mount point
boot_uuid=2b0a7c1e-0d5e-4b8e-9f1a-3c4d5e6f7a8b
root="$WORK/disk.img?offset=$DEBIAN_ROOT_OFFSET"
rm -rf "$WORK/bootfs" && mkdir "$WORK/bootfs"
debugfs -R "rdump /boot $WORK/bootfs" "$root" 2>/dev/null
kernels=$(ls "$WORK/bootfs/boot"/vmlinuz-* | wc -l)
[ "$kernels" -gt 0 ] || fail "no kernel copied from /boot"
mke2fs -q -t ext4 -U "$boot_uuid" -d "$WORK/bootfs/boot" "$WORK/boot.img" 256M
{
	debugfs -R 'cat /etc/fstab' "$root" 2>/dev/null
	echo "UUID=$boot_uuid /boot ext4 defaults 0 2"
} >"$WORK/fstab"
{
	for f in "$WORK/bootfs/boot"/*; do
		echo "rm /boot/$(basename "$f")"
	done
	echo "rm /etc/fstab"
	echo "write $WORK/fstab /etc/fstab"
} >"$WORK/debugfs.cmds"
debugfs -w -f "$WORK/debugfs.cmds" "$root" >/dev/null 2>&1
[ -z "$(debugfs -R 'ls /boot' "$root" 2>/dev/null | tr -s ' ' '\n' | grep vmlinuz)" ] ||
	fail "the root still has its kernels"

DEBIAN_LOADER="kjump.boot_timeout=2" debian_start split "$WORK/disk.img" \
	-drive "file=$WORK/boot.img,format=raw,if=virtio"
debian_wait_up
# an entry for each kernel (the test kernel, and with make
# test-distro-kernel the real-machine kernel beside it)
if [ "$kernels" = 1 ]; then
	expect 'kjump boot: 1 entry on vda1, vda2, vdb'
else
	expect "kjump boot: $kernels entries on vda1, vda2, vdb"
fi
expect 'Debian GNU/Linux.*\(vda1\).*Linux 6\.12'
[ "$(guest 'findmnt -n -o SOURCE /boot')" = /dev/vdb ] ||
	fail "/boot is not the second disk: $(guest 'findmnt /boot')"
guest "grep -q 'root=UUID=$DEBIAN_UUID ro .*memmap=256M' /proc/cmdline" ||
	fail "the booted kernel's command line is not the root's"
guest 'systemctl poweroff' || true
debian_wait_off 120
e2fsck -fn "$root" || fail "the root file system is not clean"
e2fsck -fn "$WORK/boot.img" || fail "the /boot file system is not clean"
