# systemctl hibernate on the Debian 13 system to an image in a file on its
# own root file system, encrypted with a key file: kjump.conf says
# to=/var/lib/kjump/image, encrypt=keyfile; update-initramfs records the
# file's place on the disk (khibernate --resume-args) and puts the key in
# the initramfs, which resumes before it mounts the root.  The workload
# carries on; the root, mounted when the image was written and not since,
# is clean after a shutdown.  The machine has UEFI firmware (OVMF), as
# most have, and boots through GRUB from its EFI system partition, as
# Debian installs it: the system boots through the kernel's EFI stub and
# resumes with its EFI runtime services answering.
#
# The package resumes in one pass: systemctl hibernate arms the one-time
# GRUB entry (boot-once, 42_kjump), GRUB boots the restore kernel confined
# to the jump window and clears the choice, and krestore writes the image
# straight into memory.  Then a confined boot that refuses (its kernel in
# lockdown, which lets nothing write its memory: krestore, which mounts
# the securityfs initramfs-tools leaves out, says so before it writes)
# reboots into a normal boot, which resumes through the restore helper:
# nothing lost, one boot more.
VM_FIRMWARE=uefi
DEBIAN_GRUB=1
debian_disk "$WORK/disk.img"
debian_start boot "$WORK/disk.img"
debian_wait_up
guest '[ -d /sys/firmware/efi ]' || fail "the system did not boot by UEFI"
guest 'grep -q "BOOT_IMAGE=" /proc/cmdline' || fail "the system did not boot through GRUB"
guest 'mkdir -p /var/lib/kjump && umask 077 &&
	head -c 24 /dev/urandom | base64 >/etc/kjump/image.key' ||
	fail "no key file"
debian_configure to=/var/lib/kjump/image encrypt=keyfile key_file=/etc/kjump/image.key
grep -q '^kjump: resume from /dev/vda1 at offset [0-9]* (encrypt: keyfile)' \
	"$WORK/update-initramfs.out" || fail "the hook did not record the file"
guest 'lsinitramfs /boot/initrd.img-$(uname -r) | grep -x etc/kjump/resume.key' ||
	fail "the key is not in the initramfs"
debian_workload_before
guest 'systemctl hibernate' || fail "systemctl hibernate refused"
debian_wait_off 300
expect '^ksave: hibernation image on /dev/vda1: [0-9]+ MiB'
expect '^ksave: image complete, powering off'

# GRUB's one-time choice: the restore kernel, confined, in one pass
debian_start resume "$WORK/disk.img"
debian_workload_after /var/lib/kjump/image
expect 'Command line: BOOT_IMAGE=.* memmap=exactmap '
expect 'krestore: /dev/vda1: restoring in one pass'
expect_not 'kjump: no resume from'
# (with the times of the unit's start and of the arming, into the log)
guest "journalctl -b --no-pager -o short-monotonic -u systemd-hibernate.service |
	grep -e 'Starting' -e 'kjump: '" | tee "$WORK/hibernate.journal"
grep -q 'the next boot resumes in one pass' "$WORK/hibernate.journal" ||
	fail "boot-once did not arm the one-time entry"
guest '! grub-editenv /boot/grub/grubenv list | grep next_entry= &&
	[ ! -e /boot/grub/kjump-resume.cfg ]' ||
	fail "the one-time entry is still chosen after the resume"
# the restore kernel mapped the runtime services where A had them
guest 'test -n "$(od -An -tx1 /sys/firmware/efi/efivars/PlatformLang-* | head -c 64)"' ||
	fail "EFI variables cannot be read after the resume"

# Hibernate again; the restore kernel's command line on the disk gets
# lockdown=integrity in place of the window's memmap= (which its
# memmap=exactmap overrides), byte for byte in the file's block, so that
# no file system metadata of the hibernated system changes.
debian_workload_before
guest 'systemctl hibernate' || fail "systemctl hibernate refused"
debian_wait_off 300
expect '^ksave: image complete, powering off'
fs="$WORK/disk.img?offset=$DEBIAN_ROOT_OFFSET"
block=$(debugfs -R 'bmap /boot/grub/kjump-resume.cfg 0' "$fs" 2>/dev/null)
[ "${block:-0}" -gt 0 ] || fail "no /boot/grub/kjump-resume.cfg on the disk"
python3 - "$WORK/disk.img" $((DEBIAN_ROOT_OFFSET + block * 4096)) <<'EOP' ||
import sys
path, off = sys.argv[1], int(sys.argv[2])
old, new = b"'memmap=256M$0x10000000'", b"'lockdown=integrity'    "
with open(path, "r+b") as f:
    f.seek(off)
    data = f.read(4096)
    if data.count(old) != 1:
        sys.exit("the window's memmap= is not in the entry once")
    f.seek(off + data.index(old))
    f.write(new)
EOP
	fail "cannot change the restore kernel's command line"
debian_start refused "$WORK/disk.img"
debian_wait_off 300
expect 'Kernel is locked down from command line'
expect 'krestore: /dev/vda1: the kernel is locked down \(integrity: Secure Boot, or lockdown=\) and lets nothing write its memory'
expect_not 'krestore: .*/dev/mem'
expect 'krestore: the image is left as it was; rebooting into a normal boot'
expect_not 'krestore: memory restored'

# the boot after it is a normal one (GRUB took the choice), and resumes
debian_start fallback "$WORK/disk.img"
debian_workload_after /var/lib/kjump/image
expect '^krestore: /dev/vda1: '
expect_not 'Command line: .* memmap=exactmap '
expect_not 'restoring in one pass|kjump: no resume from'
guest 'systemctl poweroff' || true
debian_wait_off 120
e2fsck -fn "$fs" || fail "the root file system is not clean after the resume"
debian_appended_check "$WORK/disk.img"
