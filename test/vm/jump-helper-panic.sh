# A helper kernel that fails to boot (here: its initrd is garbage, so it
# panics with no root file system) jumps back to the original system (the
# panic patch), which reports the helper's panic, unloads it and carries
# on; a good helper works afterwards.  A helper that panics on a CPU other
# than the one it booted on hands the jump back over to that one through
# the crash NMI: the original system resumes on the CPU it left from and
# gets all its CPUs back.
VM_APPEND='memmap=256M$0x10000000'
VM_TIMEOUT=300 vm_run panic '
kpattern start /tmp/kp 0x99 16 || exit 1
head -c 65536 /dev/urandom >/tmp/garbage.img
kjump --load-jump-back /boot/bzImage --initrd=/tmp/garbage.img \
	--append="console=ttyS0,115200" || exit 1
kjump -e
echo "exec status $?"
kjump --status | grep "^loaded:"
kpattern check /tmp/kp || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 kjump.job=jumpback" || exit 1
kjump -e || exit 1
kpattern check /tmp/kp || exit 1
kjump -u
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 kjump.job=jumpback kjump.crash=2@1" ||
	exit 1
kjump -e
echo "exec status $?"
echo "online CPUs: $(cat /sys/devices/system/cpu/online)"
kpattern check /tmp/kp || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 kjump.job=jumpback" || exit 1
kjump -e || exit 1
kpattern check /tmp/kp
'
# each of the four helpers, on the CPU it booted on
expect_count 4 'kexec_jump: a panic will jump back to the kernel at 0x[0-9a-f]+, from CPU 0$'
expect 'Kernel panic - not syncing: VFS: Unable to mount root fs'
expect_count 2 'kexec_jump: jumping back to the kernel that started this one$'
expect '^kjump: the helper kernel panicked and jumped back \(VFS: Unable to mount root fs.*\); unloading it$'
expect '^exec status 1$'
expect '^loaded: no$'
expect '^ok 1 16 MiB intact'
expect '^kjump-helper: visit 1$'
expect '^ok 2 16 MiB intact'
expect '\] kjump-helper: panicking on CPU 2$'
expect 'CPU: 2 .*Comm: sh'
expect '^kjump: the helper kernel panicked and jumped back \(sysrq triggered crash\); unloading it$'
[ "$(grep -c '^exec status 1$' "$LAST_LOG")" = 2 ] ||
	fail "the second panic was not reported"
expect "^online CPUs: 0-$((VM_SMP - 1))\$"
expect '^ok 3 16 MiB intact'
expect '^ok 4 16 MiB intact'
expect_not 'failed to report alive state'
# no CPU of the helper ran on once the original system had it back
expect_not 'Oops: '
expect_success
