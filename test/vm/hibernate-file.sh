# Hibernation to a file: the original system has an ext4 file system
# mounted and hibernates to a file on it; the helper writes the file's
# blocks on the disk by the file's block map (deflated: zlib).  The restore kernel finds
# the map by kjump.resume_offset= and resumes the system, which then
# unmounts the file system: e2fsck on the host finds it clean.  A second
# boot finds the image used up.
truncate -s 2G "$WORK/disk.img"
mkfs.ext4 -q -F "$WORK/disk.img" || fail "mkfs.ext4 failed"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"mkdir -p /mnt && mount -t ext4 /dev/vda /mnt || exit 1
$(hib_script 'khibernate --to=/mnt/kjump.img --compress=zlib && umount /mnt')" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^khibernate: /mnt/kjump.img: [0-9]+ MiB in [0-9]+ extent\(s\) on /dev/vda; resume with kjump.resume=/dev/vda kjump.resume_offset=[0-9]+$'
expect '^ksave: hibernation image on /dev/vda: [0-9]+ MiB'
expect '^ksave: image complete, powering off'
offset=$(sed -n 's/^khibernate: .*kjump.resume_offset=\([0-9]*\)$/\1/p' "$LAST_LOG")
"$TOP/build/bin/krestore" --check --offset="$offset" "$WORK/disk.img"
"$TOP/build/bin/krestore" --info --offset="$offset" "$WORK/disk.img"
# the whole disk holds no image: only the file's blocks do
! "$TOP/build/bin/krestore" --info "$WORK/disk.img" 2>/dev/null ||
	fail "an image at the start of the disk"

HIB_RESUME_APPEND="kjump.resume_offset=$offset" VM_TIMEOUT=300 \
	hib_resume_confined resume "$WORK/disk.img"
expect '^krestore: /dev/vda: restoring in one pass'
expect '^khibernate: resumed from /mnt/kjump.img after'
expect '^ok 1 64 MiB intact'
expect '^resumed system ok'
expect_success
e2fsck -fn "$WORK/disk.img" || fail "the file system is not clean after the resume"

HIB_RESUME_APPEND="kjump.resume_offset=$offset" hib_resume again "$WORK/disk.img"
expect '^krestore: /dev/vda: the image was resumed once already'
expect '^kjump-init: no resume from /dev/vda; booting normally'
expect 'kjump-test: normal boot'

# The same on XFS, resumed through the restore helper: xfs_repair finds
# the file system clean.  On btrfs, which moves and checksums a file's
# blocks behind any writer that bypasses it, an image file is refused.
truncate -s 2G "$WORK/xfs.img"
mkfs.xfs -q -f "$WORK/xfs.img" || fail "mkfs.xfs failed"
truncate -s 256M "$WORK/btrfs.img"
mkfs.btrfs -q -f "$WORK/btrfs.img" >/dev/null || fail "mkfs.btrfs failed"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate-xfs "
mkdir -p /mnt/b && mount -t btrfs /dev/vdb /mnt/b || exit 1
khibernate --to=/mnt/b/kjump.img --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz
echo \"btrfs: status \$?\"
umount /mnt/b
mkdir -p /mnt && mount -t xfs /dev/vda /mnt || exit 1
$(hib_script 'khibernate --to=/mnt/kjump.img && umount /mnt')" \
	-drive "file=$WORK/xfs.img,format=raw,if=virtio" \
	-drive "file=$WORK/btrfs.img,format=raw,if=virtio"
expect '^khibernate: /mnt/b/kjump.img: no such disk or file, and no image file can be made in /mnt/b \(file system type 0x9123683e; ext2/3/4 or XFS can hold one\)$'
expect '^btrfs: status 1$'
expect '^khibernate: /mnt/kjump.img: [0-9]+ MiB in [0-9]+ extent\(s\) on /dev/vda; resume with kjump.resume=/dev/vda kjump.resume_offset=[0-9]+$'
expect '^ksave: image complete, powering off'
offset=$(sed -n 's/^khibernate: .*kjump.resume_offset=\([0-9]*\)$/\1/p' "$LAST_LOG")
"$TOP/build/bin/krestore" --check --offset="$offset" "$WORK/xfs.img"
HIB_RESUME_APPEND="kjump.resume_offset=$offset" VM_TIMEOUT=300 \
	hib_resume resume-xfs "$WORK/xfs.img" \
	-drive "file=$WORK/btrfs.img,format=raw,if=virtio"
expect_order '^krestore: /dev/vda: image checked, entering the restore helper' \
	'^khibernate: resumed from /mnt/kjump.img after' '^resumed system ok'
expect_success
xfs_repair -n "$WORK/xfs.img" >"$WORK/xfs_repair.out" 2>&1 ||
	fail "the XFS file system is not clean after the resume (see $WORK/xfs_repair.out)"
