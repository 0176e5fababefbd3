# kjump boot, the suite's kexec boot loader, boots the Debian 13 system:
# the loader kernel finds /boot/vmlinuz-* and /boot/initrd.img-* on the
# disk's root partition, the root in its /etc/fstab and the rest of the
# command line in /etc/kernel/cmdline, shows its menu, and after the
# timeout boots the newest with kjump -l and -e.  Debian reaches
# multi-user.target with the workload running, and goes down cleanly.
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
