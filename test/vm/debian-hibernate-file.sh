# systemctl hibernate on the Debian 13 system to an image in a file on its
# own root file system, encrypted with a key file: kjump.conf says
# to=/var/lib/kjump/image, encrypt=keyfile; update-initramfs records the
# file's place on the disk (khibernate --resume-args) and puts the key in
# the initramfs, which resumes before it mounts the root.  The workload
# carries on; the root, mounted when the image was written and not since,
# is clean after a shutdown.  The machine has UEFI firmware (OVMF), as
# most have: the system boots through the kernel's EFI stub and resumes
# with its EFI runtime services answering.
VM_FIRMWARE=uefi
debian_disk "$WORK/disk.img"
debian_start boot "$WORK/disk.img"
debian_wait_up
guest '[ -d /sys/firmware/efi ]' || fail "the system did not boot by UEFI"
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

debian_start resume "$WORK/disk.img"
debian_workload_after /var/lib/kjump/image
expect '^krestore: /dev/vda1: '
# the restore kernel mapped the runtime services where A had them
guest 'test -n "$(od -An -tx1 /sys/firmware/efi/efivars/PlatformLang-* | head -c 64)"' ||
	fail "EFI variables cannot be read after the resume"
guest 'systemctl poweroff' || true
debian_wait_off 120
e2fsck -fn "$WORK/disk.img?offset=$DEBIAN_ROOT_OFFSET" ||
	fail "the root file system is not clean after the resume"
debian_appended_check "$WORK/disk.img"
