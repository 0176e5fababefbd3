# A helper loaded through kexec_file_load (kjump -s --load-jump-back,
# kernel-patches 0014): the kernel places it in the crashkernel=
# reservation, lends it the RAM below 1 MiB, swapped at every trip, and
# tells it where to jump back in its boot parameters; the helper loads
# the way back with KEXEC_FILE_JUMP_BACK, no address from user space.
# A -> B -> A three times: A's pattern intact after each return, all its
# CPUs back (their trampoline is in the lent low memory), B booted once
# and reading A's pattern through the ELF core header the kernel built.
# The reservation holds one of a capture kernel and a helper: each load
# is refused while the other is there.
VM_APPEND='crashkernel=256M'
VM_TIMEOUT=600 vm_run file '
kpattern start /tmp/kp 0x5eed 64 || exit 1
kjump -s --load-jump-back /boot/bzImage --window=128M@0x20000000
echo "window status $?"
kjump -s --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 panic=-1 kjump.job=jumpback kjump.status kjump.find=0x5eed:64" ||
	exit 1
kjump --status
kjump -p /boot/bzImage --initrd=/boot/helper.cpio.gz --append=kjump.job=capture
echo "capture over helper status $?"
for i in 1 2 3; do
	kjump -e || exit 1
	kpattern check /tmp/kp || exit 1
done
echo "online CPUs: $(cat /sys/devices/system/cpu/online)"
kjump -u || exit 1
kjump -p /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 kjump.job=capture" || exit 1
kjump -s --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz
echo "helper over capture status $?"
kjump --unload-panic || exit 1
echo "after jumps: $(echo new process ok)"
'
expect_success
expect '^kjump: -s: the kernel places the helper in the crashkernel= reservation; give no --window$'
expect '^window status 1$'
expect '^kjump: /boot/bzImage loaded by kexec_file_load$'
expect '^loaded by: kexec_file_load, in the crashkernel= reservation$'
expect '^kjump: .*a crash kernel is running, or a jump helper holds the crashkernel= reservation$'
expect '^capture over helper status 1$'
[ "$(grep -c '^kjump-init: helper kernel' "$LAST_LOG")" = 1 ] ||
	fail "the helper kernel booted more than once"
# the helper's command line: what was given, the kernel's core header
# first; no way back on it, and none needed
expect '\] Command line: elfcorehdr=0x[0-9a-f]+ console=ttyS0,115200 panic=-1 kjump.job=jumpback'
expect_not 'Command line: .*kexec_jump_back_entry='
expect 'kexec_jump: a panic will jump back to the kernel at 0x[0-9a-f]+, from CPU 0$'
expect '^started by kexec jump \(kexec_file_load\): back to 0x[0-9a-f]+$'
expect '^mode: jump back \(kexec_file_load\)$'
expect_not 'ksave: no kexec_jump_back_status='
for i in 1 2 3; do
	expect "^kjump-helper: visit $i\$"
	expect "^ok $i 64 MiB intact"
done
expect '^kpattern: found 16384 of 16384 pattern pages in /proc/vmcore'
[ "$(grep -c '^kjump: back after' "$LAST_LOG")" = 5 ] ||
	fail "not three round trips"
expect "^online CPUs: 0-$((VM_SMP - 1))\$"
expect '^kjump: kexec_file_load: /boot/bzImage: a capture kernel holds the crashkernel= reservation, where the helper would run \(kjump --unload-panic\)$'
expect '^helper over capture status 1$'
expect '^after jumps: new process ok$'
expect_not 'Oops: |BUG: '

# RAM added after the helper was loaded: the kernel does not update a
# helper's memory map and core header, so a snapshot loads it again
# (through kexec_file_load, verified anew) and holds all of a pattern
# started in the new DIMM.  The helper is told to leave the DIMM alone
# (acpi_no_memhotplug memhp_default_state=offline, which kjump adds) and
# the pattern is intact after it ran.  The snapshot's request goes
# through the page the kernel shares with the helper (kernel-patches
# 0017, read from what was built; without it, vm/secure-boot checks the
# refusal).
grep -q 'kexec_jump_mailbox' "$KERNEL_DIR/vmlinux" || exit 0
truncate -s 1200M "$WORK/snap.img"
qmpdo_start dimm '^kjump-test: plug dimm$' "$(qmp_dimm_add dimm0 256)"
VM_MEM='1024,slots=2,maxmem=2G' VM_APPEND='crashkernel=256M' VM_TIMEOUT=600 vm_run dimm "
kpattern start /tmp/kp 0x5eed 16 || exit 1
kjump -s --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append='console=ttyS0,115200 panic=-1 kjump.job=jumpback' || exit 1
kjump -e || exit 1
$DIMM_PLUG
ksnapshot -o /dev/vda --exclude=zero,free || exit 1
kpattern check /tmp/dimm || exit 1
kpattern check /tmp/kp || exit 1
kjump -u" -drive "file=$WORK/snap.img,format=raw,if=virtio" "${QMP_ARGS[@]}"
qmpdo_wait dimm
expect_success
expect '^100000000-10fffffff : System RAM$'
expect_in_dimm
expect_count 2 'Kernel command line: .*kjump.job=jumpback acpi_no_memhotplug memhp_default_state=offline'
expect_order '^kjump: the memory changed since the helper was loaded; loading it again$' \
	'^ksnapshot: /dev/vda: [0-9]+ MiB'
expect_count 2 '^kjump-init: helper kernel .* up, job jumpback$'
expect '^ok [0-9]+ 64 MiB intact$'
expect '^ok [0-9]+ 16 MiB intact$'
"$TOP/build/bin/kpattern" find "$WORK/snap.img" 0x77 64 >"$WORK/find.out" 2>&1 || true
LAST_LOG=$WORK/find.out
expect "^kpattern: found 16384 of 16384 pattern pages in .*snap.img\$"
