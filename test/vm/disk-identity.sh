# The right disk, by identity, never by a kernel name.  The original
# system takes two of its disks away and attaches them again the other
# way round (QEMU device_del, device_add): it then calls Z vda and Y vdb,
# while a kernel that boots afterwards numbers them by PCI slot, Y vda
# and Z vdb.  The helper must still write the snapshot and the image
# where the original system meant, found by the stamp it put there; the
# restore kernel finds the image whatever kjump.resume= calls it; the
# kdump capture kernel writes to the file system by its UUID.  A disk
# attached after the helper was booted (khibernate --prepare) is not
# among its disks: refused, with every disk byte for byte as it was.
# X, on a slot after theirs, holds data that must never be touched.
truncate -s 64M "$WORK/x.img"
mkfs.ext4 -q -F "$WORK/x.img" || fail "mkfs.ext4 failed"
truncate -s 600M "$WORK/y.img"
truncate -s 512M "$WORK/z.img"
truncate -s 64M "$WORK/w.img"
dd if=/dev/urandom of="$WORK/w.img" bs=1M count=2 conv=notrunc status=none
cp "$WORK/x.img" "$WORK/x.orig"
cp "$WORK/w.img" "$WORK/w.orig"
X=(-drive "file=$WORK/x.img,format=raw,if=none,id=x"
   -device virtio-blk-pci,drive=x,addr=0x8)
# the machine as it boots: Y and Z on slots 4 and 5, X on 8
YZX=(-drive "file=$WORK/y.img,format=raw,if=none,id=y-drive"
     -device virtio-blk-pci,drive=y-drive,id=y,addr=0x4
     -drive "file=$WORK/z.img,format=raw,if=none,id=z-drive"
     -device virtio-blk-pci,drive=z-drive,id=z,addr=0x5 "${X[@]}")
PLUG='wait_disk() { for i in $(seq 100); do [ -b /dev/$1 ] && return 0; sleep 0.2; done; echo "no /dev/$1"; exit 1; }
wait_gone() { for i in $(seq 100); do [ -b /dev/$1 ] || return 0; sleep 0.2; done; echo "/dev/$1 still there"; exit 1; }'

qmpdo_start hibernate '^kjump-test: unplug$' "$(qmp_disk_del y; qmp_disk_del z)" \
	'^kjump-test: plug z$' "$(qmp_disk_add z2 "$WORK/z.img" 0x5)" \
	'^kjump-test: plug y$' "$(qmp_disk_add y2 "$WORK/y.img" 0x4)"
VM_TIMEOUT=400 VM_APPEND='memmap=256M$0x10000000' vm_run hibernate "
$PLUG
echo 'kjump-test: unplug'; wait_gone vda; wait_gone vdb
echo 'kjump-test: plug z'; wait_disk vda
echo 'kjump-test: plug y'; wait_disk vdb
kpattern start /tmp/snap 0x5eed 16 || exit 1
ksnapshot -o /dev/vdb --exclude=zero,free --kernel=/boot/bzImage \
	--initrd=/boot/helper.cpio.gz --append=console=ttyS0,115200 || exit 1
$(hib_script 'khibernate --to=/dev/vda')" "${YZX[@]}" "${QMP_ARGS[@]}"
qmpdo_wait hibernate
expect_order '^ksave: the snapshot.s disk /dev/vdb is /dev/vda here$' \
	'^ksnapshot: /dev/vdb: [0-9]+ MiB' \
	'^ksave: the target /dev/vda is /dev/vdb here$' \
	'^ksave: image complete, powering off'
cmp -s "$WORK/x.img" "$WORK/x.orig" || fail "the data disk X was written to"
"$TOP/build/bin/kpattern" find "$WORK/y.img" 0x5eed 16 >"$WORK/find.out" 2>&1 || true
"$TOP/build/bin/krestore" --info "$WORK/z.img" >"$WORK/info.out" ||
	fail "no image on Z"
LAST_LOG=$WORK/find.out
expect "^kpattern: found 4096 of 4096 pattern pages in .*y.img\$"

# The restore kernel numbers the disks by slot: vda is Y (a snapshot),
# the image is on vdb; kjump.resume= says vda, as the system that wrote
# it did: found by what is on the disks.
VM_TIMEOUT=400 VM_APPEND=$HIB_APPEND vm_run resume "
echo 'kjump-test: normal boot'" "${YZX[@]}"
expect_order '^krestore: no image on /dev/vda; found one on /dev/vdb$' \
	'^krestore: memory restored in' '^resumed system ok'
expect_not 'kjump-test: normal boot'
expect_success
cmp -s "$WORK/x.img" "$WORK/x.orig" || fail "the data disk X was written to"

# A disk attached after the helper booted: not among its disks.
qmpdo_start attach '^kjump-test: plug w$' "$(qmp_disk_add w "$WORK/w.img" 0x9)"
VM_TIMEOUT=400 VM_APPEND='memmap=256M$0x10000000' vm_run attach "
$PLUG
kpattern start /tmp/kp 0x5a 16 || exit 1
$HIB_LOAD || exit 1
khibernate --prepare || exit 1
echo 'kjump-test: plug w'; wait_disk vdb
khibernate --to=/dev/vdb; echo \"khibernate: status \$?\"
kpattern check /tmp/kp" "${X[@]}" "${QMP_ARGS[@]}"
qmpdo_wait attach
expect_success
expect '^khibernate: hibernation failed in the helper: /dev/vdb, the target: no disk here carries the stamp .*; the system carries on$'
expect '^khibernate: status 1$'
cmp -s "$WORK/w.img" "$WORK/w.orig" || fail "the disk attached later was changed"
cmp -s "$WORK/x.img" "$WORK/x.orig" || fail "the data disk X was written to"

# kdump: the capture disk attached on a slot before the system's own
truncate -s 256M "$WORK/c.img"
mkfs.ext4 -q -F "$WORK/c.img" || fail "mkfs.ext4 failed"
capture="console=ttyS0,115200 nr_cpus=1 reset_devices kjump.job=capture"
capture="$capture kjump.capture=/dev/vdb:/crash kjump.capture_exclude=zero,free,cache,user"
qmpdo_start panic '^kjump-test: plug c$' "$(qmp_disk_add c "$WORK/c.img" 0x4)"
VM_TIMEOUT=600 VM_APPEND='crashkernel=192M' vm_run panic "
$PLUG
echo 'kjump-test: plug c'; wait_disk vdb
kjump -p /boot/bzImage --initrd=/boot/helper.cpio.gz --append='$capture' || exit 1
echo 'kjump-test: panicking' >/dev/kmsg
echo c >/proc/sysrq-trigger" "${X[@]}" "${QMP_ARGS[@]}"
qmpdo_wait panic
expect 'Kernel command line: .*kjump.capture=UUID=ext-[0-9a-f]{32}:/crash'
expect '^kjump-capture: dump written to /mnt/capture/crash/vmcore-'
debugfs -R 'ls -l /crash' "$WORK/c.img" 2>/dev/null | grep -q 'vmcore-' ||
	fail "no dump on the capture disk"
cmp -s "$WORK/x.img" "$WORK/x.orig" || fail "the data disk X was written to"
