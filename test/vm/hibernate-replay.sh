# Replays are refused.  On UEFI firmware khibernate puts each image's id
# in the machine's ledger (an EFI variable) and the resumed system marks
# it resumed.  The system hibernates (image 1, copied aside), resumes,
# and hibernates again (image 2, copied aside).  Image 1 written back is
# refused: not the last image the machine wrote.  Image 2 resumes once;
# written back again, it is refused: resumed once already.  Both refusals
# invalidate the copy and boot normally without writing any memory.
VM_FIRMWARE=uefi
truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=400 VM_APPEND=$HIB_APPEND vm_run hibernate "$(hib_script 'khibernate --to=/dev/vda')
$HIB_LOAD || exit 1
khibernate --to=/dev/vda || exit 1
kpattern check /tmp/kp || exit 1
echo 'second resume ok'" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'
"$TOP/build/bin/krestore" --info "$WORK/disk.img" >"$WORK/info1" ||
	fail "no image after the hibernation"
LAST_LOG=$WORK/info1
expect '^codec: lz4$'
expect '^flags: .*\bledger\b'
cp --sparse=always "$WORK/disk.img" "$WORK/image1.img"

VM_TIMEOUT=400 hib_resume resume1 "$WORK/disk.img"
expect '^khibernate: resumed from /dev/vda after'
expect '^resumed system ok'
expect '^ksave: image complete, powering off'
expect_not 'khibernate: .*(goes unrecorded|could be resumed again)'
cp --sparse=always "$WORK/disk.img" "$WORK/image2.img"

# image 1 again: the machine wrote image 2 since
cp --sparse=always "$WORK/image1.img" "$WORK/disk.img"
VM_TIMEOUT=300 hib_resume old "$WORK/disk.img"
expect '^krestore: /dev/vda: image [0-9a-f]{32} is not the last one this machine wrote \([0-9a-f]{32}, says its ledger\): an old copy written back; invalidated$'
expect '^kjump-init: no resume from /dev/vda; booting normally'
expect 'kjump-test: normal boot'
expect_not 'entering the restore helper'

cp --sparse=always "$WORK/image2.img" "$WORK/disk.img"
VM_TIMEOUT=400 hib_resume resume2 "$WORK/disk.img"
expect '^khibernate: resumed from /dev/vda after'
expect '^second resume ok$'
expect_success

# image 2 again, after it was resumed
cp --sparse=always "$WORK/image2.img" "$WORK/disk.img"
VM_TIMEOUT=300 hib_resume replay "$WORK/disk.img"
expect '^krestore: /dev/vda: image [0-9a-f]{32} was resumed once already, says this machine.s ledger: a copy written back; invalidated$'
expect '^kjump-init: no resume from /dev/vda; booting normally'
expect 'kjump-test: normal boot'
expect_not 'entering the restore helper'
"$TOP/build/bin/krestore" --info "$WORK/disk.img" >"$WORK/info2" || true
LAST_LOG=$WORK/info2
expect '^state: resumed once, invalidated$'
