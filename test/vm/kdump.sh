# kdump: the test system, booted with crashkernel=, refuses a capture
# kernel that is too big and a user that is not root, with nothing
# loaded; then loads the helper kernel with kjump -p and panics (sysrq
# c).  The capture kernel's /proc/vmcore is read-only (kernel-patches
# 0012), and it writes the crashed system's memory with the ksnapshot
# writer to a file on an ext4 disk and reboots.  A kexec jump came
# first, which filled every CPU's crash note, and CPU 3 went offline
# after it: the dump has no registers for CPU 3, none of the jump's
# (0006 clears the notes when the jump returns).  On the host,
# crash 8.0.6 shows the panicking task in sysrq_handle_crash and reads
# the rest like a snapshot, and drgn reads the workload's pattern.
VM_APPEND='crashkernel=192M memmap=256M$0x10000000'
truncate -s 512M "$WORK/disk.img"
mkfs.ext4 -q -F "$WORK/disk.img" || fail "mkfs.ext4 failed"
capture="console=ttyS0,115200 nr_cpus=1 reset_devices kjump.job=capture-readonly"
capture="$capture kjump.capture=/dev/vda:/crash kjump.capture_exclude=zero,free"
VM_TIMEOUT=600 vm_run panic "
kpattern start /tmp/kp 0x5eed 16 || exit 1
helper='--initrd=/boot/helper.cpio.gz --append=kjump.job=capture'
# refused NAME EXPECTED-MESSAGE COMMAND...
refused() {
	name=\$1 want=\$2
	shift 2
	if \"\$@\" >/tmp/out 2>/tmp/err; then
		echo \"case \$name: accepted\"
		return
	fi
	if grep -q \"\$want\" /tmp/err && [ ! -s /tmp/out ]; then
		echo \"case \$name: refused: \$(cat /tmp/err)\"
	else
		echo \"case \$name: wrong message: \$(cat /tmp/err)\"
	fi
	kjump --status | grep -q '^capture kernel loaded: no' ||
		echo \"case \$name: a capture kernel left loaded\"
}
dd if=/dev/urandom of=/tmp/big bs=1M count=100 2>/dev/null
refused too-big 'crashkernel= reservation .* too small' \
	kjump -p /boot/bzImage --initrd=/tmp/big --append=kjump.job=capture
rm -f /tmp/big
refused not-root 'not root' su -s /bin/sh nobody -c \"kjump -p /boot/bzImage \$helper\"
refused no-sys-boot 'kexec_load: not permitted' \
	kdropcap sys_boot kjump -p /boot/bzImage \$helper
refused window 'goes with --load-jump-back' \
	kjump -p /boot/bzImage \$helper --window=64M@0x10000000
kjump -p /boot/bzImage --initrd=/boot/helper.cpio.gz --append='$capture' || exit 1
kjump --status | grep '^capture kernel loaded:'
kjump --unload-panic || exit 1
kjump --status | grep '^capture kernel loaded:'
kjump -p /boot/bzImage --initrd=/boot/helper.cpio.gz --append='$capture' || exit 1
kpattern check /tmp/kp || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append='console=ttyS0,115200 kjump.job=jumpback' || exit 1
kjump -e || exit 1
kjump -u || exit 1
echo 0 >/sys/devices/system/cpu/cpu3/online || exit 1
echo \"online CPUs: \$(cat /sys/devices/system/cpu/online)\"
# printk, which the panic flushes (the tty's buffer it may not)
echo 'kjump-test: panicking' >/dev/kmsg
echo c >/proc/sysrq-trigger
echo 'kjump-test: still running after the panic'
" -drive "file=$WORK/disk.img,format=raw,if=virtio"
for c in too-big not-root no-sys-boot window; do
	expect "^case $c: refused: kjump: "
done
expect_not '^case .*(accepted|wrong message|left loaded)'
expect '^kjump: capture kernel loaded in the crashkernel= reservation 0x[0-9a-f]+-0x[0-9a-f]+ \(192 MiB, [0-9]+ MiB free for it\)$'
expect '^capture kernel loaded: yes$'
expect '^capture kernel loaded: no$'
expect '\] kjump-test: panicking$'
expect_not 'still running after the panic'
expect 'Kernel panic - not syncing: sysrq triggered crash'
expect '^kjump-helper: visit 1$'
expect '^online CPUs: 0-2$'
expect '^kjump-init: helper kernel .* up, job capture-readonly$'
expect '^capture-readonly: mode 400$'
expect '^capture-readonly: a write was refused: dd: .*Operation not permitted$'
expect '^kjump-capture: writing the crashed system.s memory to /mnt/capture/crash/vmcore-[0-9-]+ \(kdump, without zero,free pages\)$'
expect '^ksave: /mnt/capture/crash/vmcore-[0-9-]+: [0-9]+ MiB, [0-9]+ of [0-9]+ pages written'
expect '^kjump-capture: dump written to /mnt/capture/crash/vmcore-'
expect '^kjump-capture: rebooting$'

dump=$WORK/vmcore.kdump
capture_dump "$WORK/disk.img" "$dump"

crash_check "$dump" kdump-capture
# (crash_check says so where crash does not know the kernel)
if [ "$CRASH_READS" = 1 ]; then
	# sysrq_handle_crash calls panic() as its last instruction: the return
	# address is its end, which crash names after the next function's padding
	# and leaves out (any dump of this kernel shows the same: the stack is
	# the kernel's); drgn, which looks up return addresses less one, shows it.
	# panic() or, where a stable update split it, vpanic() under it; then
	# the way there from the write to /proc/sysrq-trigger, further down the
	# same stack (how many of the frames between crash names, and how, the
	# kernel's code layout decides: on 6.12.118 it skips __handle_sysrq)
	expect_order '^PID: [0-9]+ +TASK: [0-9a-f]+ +CPU: [0-9]+ +COMMAND: "(sh|run.sh)"' \
		'^ #[0-9]+ \[[0-9a-f]+\] v?panic at ' \
		'^ #[0-9]+ \[[0-9a-f]+\] (__handle_sysrq|write_sysrq_trigger|proc_reg_write) at ' \
		'^ #[0-9]+ \[[0-9a-f]+\] ksys_write at '
	expect '^ +PANIC: "Kernel panic - not syncing: sysrq triggered crash"'
fi
drgn_check "$dump" kdump-capture 0x5eed 16
expect '^cpu [0-9]+: .*sysrq_handle_crash'
# the CPUs that took the crash NMI, and none with the jump's registers
expect_count 3 '^cpu [0-2]: '
expect '^cpu 3: no registers'
expect_not 'kexec_jump_save_cpu_regs'
expect '^pattern: 4096 of 4096 pages$'
