# A stale image is never resumed.  The system hibernates with an ext4 file
# system mounted read-write; the image records its superblock.  A normal
# boot then mounts it and changes a file: the next boot with
# kjump.resume= refuses the image as stale, invalidates it and boots
# normally.  Likewise after fsck replayed the file system's journal on
# another machine (here, the host), without any mount.
truncate -s 512M "$WORK/disk.img"
truncate -s 64M "$WORK/fs.img"
mkfs.ext4 -q -F "$WORK/fs.img" || fail "mkfs.ext4 failed"
disks() {
	echo -drive "file=$WORK/$1,format=raw,if=virtio" \
		-drive "file=$WORK/$2,format=raw,if=virtio"
}
# shellcheck disable=SC2046
VM_TIMEOUT=300 VM_APPEND='memmap=256M$0x10000000' vm_run hibernate "
mkdir -p /mnt && mount -t ext4 /dev/vdb /mnt || exit 1
echo one >/mnt/file && sync
$(hib_script 'khibernate --to=/dev/vda')" $(disks disk.img fs.img)
expect '^ksave: image complete, powering off'
"$TOP/build/bin/krestore" --info "$WORK/disk.img" >"$WORK/info.out" ||
	fail "no image after the hibernation"
LAST_LOG=$WORK/info.out
expect '^file system [0-9a-f]{32}: mounted [0-9]+ times, last at [0-9]+, journal live$'
cp "$WORK/disk.img" "$WORK/disk-fsck.img"
cp "$WORK/fs.img" "$WORK/fs-fsck.img"

# shellcheck disable=SC2046
VM_TIMEOUT=120 VM_APPEND='memmap=256M$0x10000000' vm_run normal "
mount -t ext4 /dev/vdb /mnt || exit 1
echo two >>/mnt/file && umount /mnt || exit 1
echo 'changed the file system'" $(disks disk.img fs.img)
expect_success
expect '^changed the file system$'

# shellcheck disable=SC2046
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run resume "
krestore --info /dev/vda | grep '^state:'
mount -t ext4 /dev/vdb /mnt && cat /mnt/file" $(disks disk.img fs.img)
expect '^krestore: /dev/vda: stale image: file system [0-9a-f]{32} on /dev/vdb was mounted or checked since the system hibernated, so the image.s memory no longer matches it; invalidated$'
expect '^kjump-init: no resume from /dev/vda; booting normally$'
expect '^state: resumed once, invalidated$'
expect '^two$'
expect_not 'entering the restore helper'
expect_success

# fsck elsewhere: the journal the image's memory relies on is replayed
# (status 1: it corrected the file system, the journal being replayed)
rc=0
e2fsck -fy "$WORK/fs-fsck.img" >"$WORK/fsck.out" 2>&1 || rc=$?
[ $rc -le 1 ] || fail "e2fsck: status $rc (see $WORK/fsck.out)"
# shellcheck disable=SC2046
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run resume-fsck \
	'krestore --info /dev/vda | grep "^state:"' $(disks disk-fsck.img fs-fsck.img)
expect '^krestore: /dev/vda: stale image: file system [0-9a-f]{32} on /dev/vdb (was mounted or checked|had its journal replayed) since the system hibernated'
expect '^state: resumed once, invalidated$'
expect_not 'entering the restore helper'
expect_success
