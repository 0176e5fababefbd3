# kjump refuses bad input with a clear message on stderr and a non-zero
# status, and the original system carries on: its pattern verifies after
# every refusal and a real round trip works at the end.  A jump the
# kernel could not stop the system for is tried again.
VM_APPEND='memmap=256M$0x10000000'
VM_TIMEOUT=300 vm_run errors '
kpattern start /tmp/kp 0x77 16 || exit 1
helper="--initrd=/boot/helper.cpio.gz --append=kjump.job=jumpback"
# refused NAME EXPECTED-MESSAGE COMMAND...
refused() {
	name=$1 want=$2
	shift 2
	if "$@" >/tmp/out 2>/tmp/err; then
		echo "case $name: accepted"
		return
	fi
	if grep -q "$want" /tmp/err && [ ! -s /tmp/out ]; then
		echo "case $name: refused: $(cat /tmp/err)"
	else
		echo "case $name: wrong message: $(cat /tmp/err)"
	fi
	kjump --status | grep -q "^loaded: no" || echo "case $name: image left loaded"
	kpattern check /tmp/kp >/dev/null && echo "case $name: system intact"
}
head -c 1000000 /boot/bzImage >/tmp/truncated
cp /boot/bzImage /tmp/corrupt
printf x | dd of=/tmp/corrupt bs=1 seek=300000 conv=notrunc 2>/dev/null
refused not-root "only with CAP_SYS_ADMIN" su -s /bin/sh nobody -c \
	"kjump --load-jump-back /boot/bzImage $helper"
# root without CAP_SYS_BOOT: the kernel refuses, kjump says why
refused no-sys-boot "kexec_load: not permitted: the kernel wants CAP_SYS_BOOT" \
	kdropcap sys_boot kjump --load-jump-back /boot/bzImage $helper
refused not-bzimage "not a bzImage" kjump --load-jump-back /init $helper
refused truncated "truncated bzImage" kjump --load-jump-back /tmp/truncated $helper
refused corrupt "corrupt bzImage" kjump --load-jump-back /tmp/corrupt $helper
refused no-kernel "/boot/nope: No such file" kjump --load-jump-back /boot/nope $helper
refused no-initrd "/boot/none.gz: No such file" kjump --load-jump-back /boot/bzImage \
	--initrd=/boot/none.gz
refused small-window "too small" kjump --load-jump-back /boot/bzImage $helper \
	--window=24M@0x10000000
refused ram-window "not memory reserved at boot" kjump --load-jump-back /boot/bzImage \
	$helper --window=256M@0x20000000
refused bad-window "expected SIZE" kjump --load-jump-back /boot/bzImage $helper \
	--window=lots
refused exec-unloaded "no image loaded" kjump -e
refused not-helper "no kexec_jump_back_entry" kjump --load-jump-back-helper
refused no-crashkernel "no crashkernel= reservation" kjump -p /boot/bzImage $helper
# a helper built without kexec jump would never come back
refused no-jump-helper "built without CONFIG_KEXEC_JUMP (its embedded config says so).*--force jumps anyway" \
	kjump --load-jump-back /boot/bzImage-other $helper
kjump --load-jump-back /boot/bzImage-other $helper --force &&
	kjump --status | grep -q "^loaded: yes" && echo "forced: loaded"
kjump -u || exit 1
refused bad-option "unrecognized option" kjump --jump-sideways
# after all that, a real round trip
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 kjump.job=jumpback" || exit 1
kjump -e || exit 1
kpattern check /tmp/kp || exit 1
# without CAP_SYS_BOOT, neither a jump nor the loaded image is allowed
kdropcap sys_boot kjump -e; echo "jump without CAP_SYS_BOOT: $?"
kdropcap sys_boot kimgcore save /tmp/h.img
echo "kimgcore without CAP_SYS_BOOT: $?"
[ -e /tmp/h.img ] && echo "a save was left"
kjump -e || exit 1
kpattern check /tmp/kp || exit 1
kjump -u || exit 1
kjump --status | grep "^loaded:"
refused after-unload "no image loaded" kjump -e
'
expect_success
expect '^loaded: no$'
expect '^case after-unload: refused: kjump: no image loaded'
expect '^case after-unload: system intact$'
expect '^kjump: kexec: not permitted: the kernel wants CAP_SYS_BOOT'
expect '^jump without CAP_SYS_BOOT: 1$'
expect '^kimgcore: /proc/kimgcore: not permitted: it wants CAP_SYS_BOOT'
expect '^kimgcore without CAP_SYS_BOOT: 1$'
expect_not 'a save was left'
expect '^kjump-helper: visit 2$'
for c in not-root no-sys-boot not-bzimage truncated corrupt no-kernel no-initrd \
	small-window ram-window bad-window exec-unloaded not-helper no-crashkernel \
	no-jump-helper bad-option; do
	expect "^case $c: refused: kjump: "
	expect "^case $c: system intact\$"
done
expect_not 'accepted|wrong message|image left loaded'
expect '^forced: loaded$'
expect '^kjump-helper: visit 1$'
expect '^ok [0-9]+ 16 MiB intact'

# A task the freezer cannot stop, as systemd leaves one when it expires
# an automount: a lookup waiting on the mount's daemon, which the freezer
# stopped first.  The kernel gives up after pm_freeze_timeout and wakes
# everything, the daemon answers, and kjump tries the jump again.
VM_APPEND='memmap=256M$0x10000000' vm_run freeze '
kpattern start /tmp/kp 0x78 16 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 kjump.job=jumpback" || exit 1
echo 2000 >/sys/power/pm_freeze_timeout
mkdir -p /tmp/auto
kautowait /tmp/auto >/tmp/aw 2>&1 &
aw=$!
i=0
while ! grep -q "lookup waits" /tmp/aw && [ $i -lt 60 ]; do
	sleep 1
	i=$((i + 1))
done
kjump -e 2>/tmp/err
echo "jump with a task that would not freeze: $?"
wait $aw
echo "kautowait: $?"
sed "s/^/freeze: /" /tmp/err /tmp/aw
kpattern check /tmp/kp
'
expect_success
expect 'Freezing user space processes failed after'
expect '^jump with a task that would not freeze: 0$'
expect '^kautowait: 0$'
expect '^freeze: kjump: the system could not be stopped for the jump \(a task did not freeze.*trying again \(2 of 3\)$'
expect '^freeze: kautowait: stopped for [0-9.]+ s, answering$'
expect '^freeze: kautowait: lookup of /tmp/auto/x ended: No such file or directory$'
expect '^kjump-helper: visit 1$'
expect '^ok 1 16 MiB intact'

# A kernel locked down (as under Secure Boot) takes a helper only
# through kexec_file_load, signed and with nothing of root's: kjump goes
# that way by itself and says why the kernel refused (vm/secure-boot
# has the rest); the tools that need the suite's own loader say so.  The
# reservation is small enough to find room beside the window wherever
# KASLR put the kernel (256M failed to allocate now and then).
VM_APPEND='memmap=256M$0x10000000 crashkernel=128M lockdown=integrity' \
	vm_run lockdown '
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz
echo "status $?"
kjump --load-jump-back /boot/bzImage
echo "status $?"
khibernate --no-config --to=/tmp/image
echo "status $?"
'
expect '^kjump: kexec_file_load: /boot/bzImage: not permitted: the kernel is locked down \(integrity\) and takes no initramfs or command line for a helper: a signed helper carries its own$'
expect '^kjump: kexec_file_load: /boot/bzImage: not permitted: the kernel is locked down \(integrity\) and could not verify'
expect '^khibernate: kexec jump: not permitted: the kernel is locked down \(integrity: .*only kexec_file_load of a signed kernel'
[ "$(grep -c '^status 1$' "$LAST_LOG")" = 3 ] || fail "a refusal did not fail"

# A kernel booted without a window: kjump says how to reserve one.
VM_APPEND= vm_run no-window '
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz
'
expect '^kjump: no jump window: boot this kernel with memmap=256M\$0x10000000'
expect '^kjump-test: exit status 1$'

# A kernel without CONFIG_KEXEC_JUMP: kjump names the missing option.
KERNEL_DIR=$TOP/build/kernel-nojump VM_APPEND='memmap=256M$0x10000000' \
	vm_run nojump '
kpattern start /tmp/kp 0x77 16 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz
echo "status $?"
kjump --status
kpattern check /tmp/kp
'
expect '^kjump: kexec_load: the kernel lacks kexec jump: rebuild it with CONFIG_KEXEC_JUMP=y$'
expect '^status 1$'
expect '^loaded: no$'
expect '^ok 1 16 MiB intact'
expect_success
