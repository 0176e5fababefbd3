# A hibernated system meets a locked-down kernel at boot (Secure Boot
# turned on after it went off, or lockdown=): the kernel lets nothing
# write its memory, so the resume cannot happen there.  The image must
# outlive that boot, untouched: the boot goes on normally and says why,
# and the next boot without lockdown resumes the system intact.
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

HIB_RESUME_APPEND='lockdown=integrity' VM_TIMEOUT=300 \
	hib_resume locked-helper "$WORK/disk.img"
expect '^krestore: /dev/vda: the kernel is locked down \(integrity: Secure Boot, or lockdown=\) and lets nothing write its memory'
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
