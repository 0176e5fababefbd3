# Where the kernel itself would not hibernate, neither does khibernate,
# and an image holds all of RAM or is refused.  The system prepares its
# helper (khibernate --prepare), then:
#  - holds secret memory (memfd_secret): refused, naming the holder;
#  - gets a DIMM (QEMU device_add pc-dimm, onlined as movable memory, so
#    that the pattern started next lands in it): a snapshot reloads the
#    helper with the memory as it now is and holds all of the pattern,
#    the helper leaving the DIMM alone; a hibernation is refused, since
#    a restore kernel boots without that memory;
# and the system carries on after each, its pattern intact.  A system
# booted with nohibernate is refused too.
truncate -s 1200M "$WORK/snap.img"
truncate -s 512M "$WORK/disk.img"
qmpdo_start refusals '^kjump-test: plug dimm$' "$(qmp_dimm_add dimm0 256)"
VM_MEM='1024,slots=2,maxmem=2G' VM_TIMEOUT=400 \
VM_APPEND='memmap=256M$0x10000000' vm_run refusals "
kpattern start /tmp/kp 0x5a 16 || exit 1
$HIB_LOAD || exit 1
khibernate --prepare || exit 1
kpattern secret /tmp/secret || exit 1
khibernate --to=/dev/vdb; echo \"secret: status \$?\"
kill \$(cat /tmp/secret/pid)
$DIMM_PLUG
ksnapshot -o /dev/vda --exclude=zero,free || exit 1
kpattern check /tmp/dimm || exit 1
khibernate --to=/dev/vdb; echo \"dimm: status \$?\"
kpattern check /tmp/kp && kpattern check /tmp/dimm" \
	-drive "file=$WORK/snap.img,format=raw,if=virtio" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio" "${QMP_ARGS[@]}"
qmpdo_wait refusals
expect_success
expect '^khibernate: secret memory \(memfd_secret\) is in use, by [0-9]+ \(kpattern\): .* the kernel refuses to hibernate, and so does this$'
expect '^secret: status 1$'
expect '^100000000-10fffffff : System RAM$'
expect_in_dimm
expect_order '^kjump: the memory changed since the helper was loaded; loading it again$' \
	'^ksnapshot: /dev/vda: [0-9]+ MiB'
expect 'Kernel command line: .*kjump.job=jumpback.* acpi_no_memhotplug memhp_default_state=offline'
expect '^khibernate: 256 MiB of RAM at 0x100000000-0x10fffffff came after boot \(hot-added, or memory a driver manages\): a restore kernel boots without it'
expect '^dimm: status 1$'
expect_count 0 '^ksave: hibernation image'
expect '^ok [0-9]+ 16 MiB intact$'
expect '^ok [0-9]+ 64 MiB intact$'
"$TOP/build/bin/kpattern" find "$WORK/snap.img" 0x77 64 >"$WORK/find.out" 2>&1 || true
LAST_LOG=$WORK/find.out
expect "^kpattern: found 16384 of 16384 pattern pages in .*snap.img\$"

VM_TIMEOUT=120 VM_APPEND='memmap=256M$0x10000000 nohibernate' vm_run nohibernate "
khibernate --to=/dev/vda --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz
echo \"nohibernate: status \$?\"" -drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^khibernate: the kernel was booted with nohibernate: it refuses to hibernate, and so does this$'
expect '^nohibernate: status 1$'
expect_not 'helper kernel .* up'
