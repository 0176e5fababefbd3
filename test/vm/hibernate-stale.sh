# A stale image is never resumed, whatever the file system, nor is a
# replayed one, on a machine without EFI (SeaBIOS).  The system
# hibernates with ext4, XFS, btrfs and vfat mounted read-write, each with
# a file of its own, and a swap partition holding part of its memory (the
# pattern, paged out).  The image records each, with the state another
# boot's use changes (docs/image.md, "Stale images"), and sets the swap
# aside.  From copies of the disks as the hibernation left them:
#  - the resume goes through (no false alarm), reads the pattern back from
#    swap, and the resumed system writes a line to each file system and
#    shuts down; the image written back then (a replay) is refused;
#  - a normal boot cannot swapon the set-aside area, then mounts and
#    changes each file system and makes the swap anew: the next boot with
#    kjump.resume= names all five, invalidates the image, boots normally;
#  - fsck on the host replays ext4's journal: refused too.
disks=(disk ext xfs btrfs fat swap)
truncate -s 512M "$WORK/disk.img"
truncate -s 64M "$WORK/ext.img" "$WORK/fat.img"
truncate -s 320M "$WORK/xfs.img"
truncate -s 160M "$WORK/btrfs.img"
truncate -s 128M "$WORK/swap.img"
mkfs.ext4 -q -F "$WORK/ext.img" || fail "mkfs.ext4 failed"
mkfs.xfs -q -f "$WORK/xfs.img" || fail "mkfs.xfs failed"
mkfs.btrfs -q -f "$WORK/btrfs.img" >/dev/null || fail "mkfs.btrfs failed"
mkfs.vfat "$WORK/fat.img" >/dev/null || fail "mkfs.vfat failed"
mkswap "$WORK/swap.img" >/dev/null || fail "mkswap failed"

# the disks in DIR as vda to vdf
drives() {
	local d
	for d in "${disks[@]}"; do
		printf -- '-drive\nfile=%s/%s.img,format=raw,if=virtio\n' "$1" "$d"
	done
}
# copy the disks of DIR to DIR2
save() {
	local d
	mkdir -p "$2"
	for d in "${disks[@]}"; do
		cp --sparse=always "$1/$d.img" "$2/$d.img"
	done
}
MOUNTS='mkdir -p /mnt/ext /mnt/xfs /mnt/btrfs /mnt/fat
mount -t ext4 /dev/vdb /mnt/ext && mount -t xfs /dev/vdc /mnt/xfs &&
mount -t btrfs /dev/vdd /mnt/btrfs && mount -t vfat /dev/vde /mnt/fat || exit 1'
UMOUNTS='umount /mnt/ext /mnt/xfs /mnt/btrfs /mnt/fat || exit 1'

mapfile -t args < <(drives "$WORK")
VM_TIMEOUT=400 VM_APPEND='memmap=256M$0x10000000' vm_run hibernate "
$MOUNTS
for m in ext xfs btrfs fat; do echo one >/mnt/\$m/file; done
sync
swapon /dev/vdf || exit 1
kpattern start /tmp/swapped 0x77 48 || exit 1
kpattern pageout /tmp/swapped || exit 1
$(hib_script 'khibernate --to=/dev/vda')
kpattern check /tmp/swapped || exit 1
for m in ext xfs btrfs fat; do echo two >>/mnt/\$m/file; cat /mnt/\$m/file; done
swapoff /dev/vdf || exit 1
$UMOUNTS
echo 'shut down cleanly'" "${args[@]}"
expect '^ksave: image complete, powering off'
# at least half of the pattern is in swap: the resume reads it from there
swapped=$(sed -n 's/^ok paged out, \([0-9]*\) of 49152 KiB in swap$/\1/p' "$LAST_LOG")
[ "${swapped:-0}" -ge 24576 ] || fail "only '${swapped}' KiB of the pattern went to swap"
expect_not 'bad pageout'
"$TOP/build/bin/krestore" --info "$WORK/disk.img" >"$WORK/info.out" ||
	fail "no image after the hibernation"
LAST_LOG=$WORK/info.out
cat "$LAST_LOG"
for k in ext xfs btrfs vfat; do
	expect_count 1 "^$k [0-9a-f]{32}: state [0-9a-f]{32}, read by the helper$"
done
expect_count 1 '^swap [0-9a-f]{32}: state [0-9a-f]{32}, read by the helper, set aside$'
# set aside: no kernel takes it for swap
[ "$(dd if="$WORK/swap.img" bs=1 skip=4086 count=10 status=none)" = KJUMPSWAP1 ] ||
	fail "the swap area is not set aside"
save "$WORK" "$WORK/hibernated"
save "$WORK" "$WORK/normal"
save "$WORK" "$WORK/fsck"

# The resume: nothing changed, nothing refused; the pattern comes back
# through the swap the image set aside, given back before the jump.
VM_TIMEOUT=400 VM_APPEND=$HIB_APPEND vm_run resume \
	'echo "kjump-test: normal boot"' "${args[@]}"
expect_order '^krestore: memory restored in' '^khibernate: resumed from /dev/vda' \
	'^resumed system ok' '^ok 1 48 MiB intact' '^shut down cleanly$'
expect_count 4 '^two$'
expect_not 'kjump-test: normal boot'
expect_success
[ "$(dd if="$WORK/swap.img" bs=1 skip=4086 count=10 status=none)" = SWAPSPACE2 ] ||
	fail "the swap area was not given back"

# A replay: the image as it was before the resume, written back.
cp --sparse=always "$WORK/hibernated/disk.img" "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run replay \
	'cat /proc/swaps; mount -t ext4 /dev/vdb /mnt && cat /mnt/file' "${args[@]}"
# the resumed system's writes and clean unmount moved every record on
expect '^krestore: /dev/vda: stale image: .*; invalidated$'
for why in 'ext [0-9a-f]{32} on /dev/vdb (was written to|had its journal replayed)' \
	'xfs [0-9a-f]{32} on /dev/vdc was written to' \
	'btrfs [0-9a-f]{32} on /dev/vdd committed changes' \
	'vfat [0-9a-f]{8}0{24} on /dev/vde had its FAT'; do
	expect "^krestore: /dev/vda: stale image: .*$why"
done
expect '^kjump-init: no resume from /dev/vda; booting normally$'
expect_order '^one$' '^two$'
expect_not 'entering the restore helper|restoring in one pass'
expect_success

# A normal boot uses each of them; the set-aside swap it cannot, until it
# forces the swap magic back (as a tool that knows nothing of the mark
# would; mkswap instead gives it a new UUID, and the image, whose swap
# is then nowhere to be found, is refused but kept, as for a missing disk).
mapfile -t args < <(drives "$WORK/normal")
VM_TIMEOUT=300 VM_APPEND='memmap=256M$0x10000000' vm_run normal "
swapon /dev/vdf && echo 'swapon took the set-aside area'
$MOUNTS
for m in ext xfs btrfs fat; do echo other >>/mnt/\$m/file; done
$UMOUNTS
printf SWAPSPACE2 | dd of=/dev/vdf bs=1 seek=4086 conv=notrunc 2>/dev/null &&
	swapon /dev/vdf || exit 1
kpattern start /tmp/other 0x99 16 && kpattern pageout /tmp/other || exit 1
echo 'used every one'" "${args[@]}"
expect_success
expect_not 'swapon took the set-aside area'
expect '^used every one$'

VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run stale "
krestore --info /dev/vda | grep '^state:'
mount -t xfs /dev/vdc /mnt && cat /mnt/file" "${args[@]}"
LAST_LOG=$LOGDIR/$TEST_NAME.stale.log
expect '^krestore: /dev/vda: stale image: .*; invalidated$'
for why in 'ext [0-9a-f]{32} on /dev/vdb was mounted or checked' \
	'xfs [0-9a-f]{32} on /dev/vdc was written to \(its log moved on\)' \
	'btrfs [0-9a-f]{32} on /dev/vdd committed changes' \
	'vfat [0-9a-f]{8}0{24} on /dev/vde had its FAT or a directory changed' \
	'swap [0-9a-f]{32} on /dev/vdf had its header changed'; do
	expect "^krestore: /dev/vda: stale image: .*$why"
done
expect '^kjump-init: no resume from /dev/vda; booting normally$'
expect '^state: resumed once, invalidated$'
expect_order '^one$' '^other$'
expect_not 'entering the restore helper'
expect_success

# fsck elsewhere: the journal the image's memory relies on is replayed
# (status 1: it corrected the file system, the journal being replayed)
rc=0
e2fsck -fy "$WORK/fsck/ext.img" >"$WORK/fsck.out" 2>&1 || rc=$?
[ $rc -le 1 ] || fail "e2fsck: status $rc (see $WORK/fsck.out)"
mapfile -t args < <(drives "$WORK/fsck")
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run resume-fsck \
	'krestore --info /dev/vda | grep "^state:"' "${args[@]}"
expect '^krestore: /dev/vda: stale image: ext [0-9a-f]{32} on /dev/vdb (was mounted or checked|had its journal replayed) since the system hibernated'
expect_not '(xfs|btrfs|vfat|swap) [0-9a-f]{32} on'
expect '^state: resumed once, invalidated$'
expect_not 'entering the restore helper'
expect_success
