# A hibernated system meets a locked-down kernel at boot (Secure Boot
# turned on after it went off, or lockdown=): the kernel lets nothing
# write its memory, so the resume cannot happen there.  The image must
# outlive that boot, untouched: the boot goes on normally and says why,
# and the next boot without lockdown resumes the system intact.  The
# boots: the restore kernel confined (one pass), then through a restore
# helper, both with lockdown=integrity; the disk is compared byte for
# byte after each.
truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"$(hib_script 'khibernate --to=/dev/vda')" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'
"$TOP/build/bin/krestore" --check "$WORK/disk.img" || fail "no valid image"
cp "$WORK/disk.img" "$WORK/before.img"

HIB_RESUME_APPEND='lockdown=integrity' VM_TIMEOUT=300 \
	hib_resume_confined locked "$WORK/disk.img"
expect 'Kernel is locked down from command line'
expect '^krestore: /dev/vda: the kernel is locked down \(integrity: Secure Boot, or lockdown=\) and lets nothing write its memory: the image cannot be resumed in this boot and is kept for one without lockdown$'
expect '^krestore: the image is left as it was; rebooting into a normal boot$'
expect_not 'restoring in one pass|/dev/mem'
cmp -s "$WORK/disk.img" "$WORK/before.img" ||
	fail "the locked-down boot changed the image's disk"

# through a restore helper; then again from the booted system with
# securityfs unmounted, as initramfs-tools leaves it: krestore mounts it
VM_APPEND="$HIB_APPEND lockdown=integrity" VM_TIMEOUT=300 vm_run locked-helper '
echo "kjump-test: normal boot"
umount /sys/kernel/security || exit 1
krestore /dev/vda
echo "krestore status $?"
grep -c " /sys/kernel/security securityfs " /proc/mounts' \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect_count 2 '^krestore: /dev/vda: the kernel is locked down \(integrity: Secure Boot, or lockdown=\) and lets nothing write its memory'
expect '^krestore status 1$'
expect '^1$'
expect_order '^krestore: /dev/vda: the kernel is locked down' \
	'^kjump-init: no resume from /dev/vda; booting normally$' \
	'kjump-test: normal boot'
expect_not 'restore helper'
cmp -s "$WORK/disk.img" "$WORK/before.img" ||
	fail "the locked-down boot through a helper changed the image's disk"

VM_TIMEOUT=300 hib_resume_confined resume "$WORK/disk.img"
expect_order '^krestore: /dev/vda: restoring in one pass' \
	'^counter after: [0-9]+$' '^ok 1 64 MiB intact' '^resumed system ok'
expect_success
