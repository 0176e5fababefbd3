# Secure Boot: the lab, and kdump on a locked-down machine.
#
# OVMF with Secure Boot enforced and Debian's test ("snakeoil") keys in
# PK, KEK and db; the kernel, initramfs and command line in one EFI
# program, signed with the snakeoil key (lib.sh, vm_boot_args).
#
# 1. The same program unsigned: the firmware refuses it and no kernel
#    runs, so the lab cannot pass by accident.
# 2. Signed, the test kernel boots locked down ([integrity]), with the
#    firmware's db in its .platform keyring.  kjump --load-jump-back goes
#    through kexec_file_load (kernel-patches 0014): a helper given an
#    initramfs is refused (a signed helper carries its own), so is an
#    unsigned one, and so is the suite's signed helper (4.) once a byte
#    of it changed.  The tools whose
#    requests travel through the suite's own loader are refused with the
#    reason (ksnapshot, khibernate, kimgcore: first, no image file
#    made), a user without CAP_SYS_BOOT is told
#    that; so is an unsigned capture kernel
#    (kjump -p, through kexec_file_load: the kernel says it could not
#    verify it), with nothing left loaded.  The signed one loads through
#    kexec_file_load, unloads (--unload-panic, which kexec_load would
#    refuse too) and loads again; a panic starts it, locked down in its
#    turn, and it writes the dump to an ext4 disk: crash and drgn read
#    it, the workload's pattern in it.
# 3. Both kernels' command lines, which root writes, also name a way
#    back (kexec_jump_back_entry=, kexec_jump_back_status=) as a helper's
#    purgatory would: locked down, each kernel ignores it, or a panic
#    there would run whatever root left at that address; so does kjump
#    (--status, --load-jump-back-helper).
# 4. In a boot of their own, the helpers.  The suite's helper
#    (build/kernel-helper: its initramfs and command line built in),
#    signed, loads with nothing of root's, boots locked down, loads the
#    way back the kernel recorded, finds the workload's pattern in the
#    original system's memory and jumps back; the next jump re-enters
#    it.  Then a signed helper with nothing of root's loads, boots locked
#    down with no user space, panics and jumps back to where its loader
#    told it, the workload's pattern intact.
# run.sh: needs every kernel
VM_FIRMWARE=secureboot
VM_SMP=2
HELPER_DIR=$TOP/build/kernel-helper
[ -r "$HELPER_DIR/bzImage" ] || fail "$HELPER_DIR/bzImage: missing (make kernel-helper)"

VM_SIGN=0 VM_STOP_AT='^BdsDxe: No bootable option' vm_run unsigned 'echo "kjump-test: an unsigned kernel ran"'
expect '^BdsDxe: failed to load Boot[0-9A-F]+ "UEFI QEMU HARDDISK .*: Access Denied$'
expect_not 'Linux version|kjump-test: an unsigned kernel ran'

sb_sign "$KERNEL_DIR/bzImage" "$WORK/bzImage.signed"
sb_sign "$HELPER_DIR/bzImage" "$WORK/helper.signed"
# the signed helper, a byte of its code changed (to its complement)
cp "$WORK/helper.signed" "$WORK/helper.changed"
byte=$(od -An -tu1 -j $((0x100000)) -N1 "$WORK/helper.signed" | tr -d ' ')
printf "\\$(printf '%03o' $((255 - byte)))" |
	dd of="$WORK/helper.changed" bs=1 seek=$((0x100000)) conv=notrunc status=none
cmp -s "$WORK/helper.signed" "$WORK/helper.changed" &&
	fail "the changed helper is the same"
truncate -s 512M "$WORK/disk.img"
mkfs.ext4 -q -F "$WORK/disk.img" || fail "mkfs.ext4 failed"
capture="console=ttyS0,115200 nr_cpus=1 reset_devices kjump.job=capture"
capture="$capture kjump.capture=/dev/vda:/crash kjump.capture_exclude=zero,free"
way_back="kexec_jump_back_entry=0x7f000 kexec_jump_back_status=0x7e000"
capture="$capture $way_back"
VM_FILES="$WORK/bzImage.signed=/boot/bzImage.signed $WORK/helper.signed=/boot/helper.signed $WORK/helper.changed=/boot/helper.changed" \
VM_APPEND="crashkernel=192M memmap=160M\$0x10000000 $way_back" \
	VM_TIMEOUT=900 vm_run panic "
echo \"lockdown: \$(cat /sys/kernel/security/lockdown)\"
kjump --status | grep '^lockdown:'
kpattern start /tmp/kp 0x5eed 16 || exit 1
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
	kjump --status | grep -q '^loaded: no' &&
		kjump --status | grep -q '^capture kernel loaded: no' ||
		echo \"case \$name: an image left loaded\"
}
refused jump 'kexec_file_load: /boot/bzImage.signed: not permitted: the kernel is locked down (integrity) and takes no initramfs or command line for a helper' \
	kjump --load-jump-back /boot/bzImage.signed \
	--initrd=/boot/helper.cpio.gz --append=kjump.job=jumpback
refused jump-unsigned 'kexec_file_load: /boot/bzImage: not permitted: the kernel is locked down (integrity) and could not verify' \
	kjump --load-jump-back /boot/bzImage
refused jump-changed 'kexec_file_load: /boot/helper.changed: not permitted: the kernel is locked down (integrity) and could not verify' \
	kjump --load-jump-back /boot/helper.changed
refused snapshot 'kexec jump: the kernel is locked down (integrity): load a signed helper carrying its own user space first' \
	ksnapshot -o /dev/vda
refused hibernate 'kexec jump: not permitted: the kernel is locked down' \
	khibernate --no-config --to=/tmp/image
[ ! -e /tmp/image ] || echo 'case hibernate: made its image file'
refused kimgcore 'kexec jump: not permitted: the kernel is locked down' \
	kimgcore save /tmp/helper.core
refused no-sys-boot 'kexec_file_load: /boot/bzImage.signed: not permitted: the kernel wants CAP_SYS_BOOT' \
	kdropcap sys_boot kjump -p /boot/bzImage.signed \
	--initrd=/boot/helper.cpio.gz --append=kjump.job=capture
refused way-back 'kexec_jump_back_entry= on /proc/cmdline: ignored, the kernel is locked down (integrity)' \
	kjump --load-jump-back-helper
kjump --status | grep '^started by kexec jump' &&
	echo 'case status: calls itself a helper'
refused unsigned 'kexec_file_load: /boot/bzImage: not permitted: the kernel is locked down (integrity) and could not verify' \
	kjump -p /boot/bzImage --initrd=/boot/helper.cpio.gz --append=kjump.job=capture
refused unsigned-reboot 'kexec_file_load: /boot/bzImage: not permitted' \
	kjump -l /boot/bzImage --initrd=/boot/helper.cpio.gz
kjump -p /boot/bzImage.signed --initrd=/boot/helper.cpio.gz --append='$capture' || exit 1
kjump --status | grep '^capture kernel loaded:'
kjump --unload-panic || exit 1
kjump --status | grep '^capture kernel loaded:'
kjump -p /boot/bzImage.signed --initrd=/boot/helper.cpio.gz --append='$capture' || exit 1
kpattern check /tmp/kp || exit 1
echo 'kjump-test: panicking' >/dev/kmsg
echo c >/proc/sysrq-trigger
echo 'kjump-test: still running after the panic'
" -drive "file=$WORK/disk.img,format=raw,if=virtio"
expect 'secureboot: Secure boot enabled'
expect 'Kernel is locked down from EFI Secure Boot'
expect '^lockdown: none \[integrity\] confidentiality$'
expect '^lockdown: integrity \(kexec_file_load of signed kernels only; a jump needs a signed helper carrying its own initramfs\)$'
expect "integrity: Loaded X.509 cert 'SnakeOil: "
for c in jump jump-unsigned jump-changed snapshot hibernate kimgcore no-sys-boot way-back \
	unsigned unsigned-reboot; do
	expect "^case $c: refused: k(jump|snapshot|hibernate|imgcore): "
done
expect_not '^case .*(accepted|wrong message|left loaded|made its|calls itself)'
expect '^kjump: capture kernel loaded by kexec_file_load; the kernel, locked down \(integrity\), verified its signature$'
expect '^kjump: in the crashkernel= reservation 0x[0-9a-f]+-0x[0-9a-f]+ \(192 MiB\)$'
expect_order '^capture kernel loaded: yes$' '^capture kernel loaded: no$'
expect '\] kjump-test: panicking$'
expect_not 'still running after the panic'
expect 'Kernel panic - not syncing: sysrq triggered crash'
expect_count 2 'Kernel is locked down from EFI Secure Boot'
# the capture kernel's line as the suite's loader makes it, less the
# core header, which is the kernel's
expect '\] Command line: elfcorehdr=0x[0-9a-f]+ console=.* kjump.job=capture .*acpi_no_memhotplug memhp_default_state=offline$'
expect_order 'Kernel is locked down from EFI Secure Boot' \
	'Kernel is locked down from EFI Secure Boot' \
	'locked down: kexec_jump_back_entry= ignored, a panic will not jump back$' \
	'^kjump-init: helper kernel .* up, job capture$'
expect_not 'a panic will jump back to the kernel at'
expect_count 2 'locked down: kexec_jump_back_entry= ignored, a panic will not jump back$'
expect '^kjump-capture: dump written to /mnt/capture/crash/vmcore-'
expect '^kjump-capture: rebooting$'

dump=$WORK/vmcore.kdump
capture_dump "$WORK/disk.img" "$dump"
crash_check "$dump" secure-boot
if [ "$CRASH_READS" = 1 ]; then
	expect '^ +PANIC: "Kernel panic - not syncing: sysrq triggered crash"'
fi
drgn_check "$dump" secure-boot 0x5eed 16
expect '^cpu [0-9]+: .*sysrq_handle_crash'
expect '^pattern: 4096 of 4096 pages$'

# The helpers, in a boot of their own: after a helper that called the
# firmware's runtime services ran, a kexec_file_load in the same boot
# sometimes read a corrupted kernel or initramfs (docs/secure-boot.md,
# "Open problems"), which the capture kernel above would trip over.  The
# suite's helper first, then a signed helper with nothing of
# root's, the last load of the boot: it boots locked down with no user
# space, panics, and jumps back to where its loader told it.  A kernel
# with kernel-patches 0016 sets up no EFI runtime services when a kernel
# started it as a helper: the suite's helper no longer needs noefi.
#
# With kernel-patches 0017 (read from what was built) the kernel shares
# a page with the helpers it loads (/sys/kernel/kexec_jump_mailbox):
# ksnapshot's request reaches the suite's signed helper through it, and
# the helper writes the snapshot, and the panic of the empty helper is
# reported there.  Without it, ksnapshot says that no request can reach
# a helper the kernel loaded.
mailbox=0
grep -q 'kexec_jump_mailbox' "$KERNEL_DIR/vmlinux" && mailbox=1
truncate -s 1200M "$WORK/snap.img"
VM_FILES="$WORK/helper.signed=/boot/helper.signed $WORK/bzImage.signed=/boot/bzImage.signed" \
VM_APPEND='crashkernel=192M' VM_TIMEOUT=600 vm_run helper "
kpattern start /tmp/kp 0x5eed 16 || exit 1
kjump --load-jump-back /boot/helper.signed || exit 1
for i in 1 2; do
	kjump -e
	echo \"suite helper jump \$i status \$?\"
	kpattern check /tmp/kp || exit 1
done
ksnapshot -o /dev/vda --exclude=zero,free
echo \"snapshot status \$?\"
kpattern check /tmp/kp || exit 1
kjump -u || exit 1
kjump --load-jump-back /boot/bzImage.signed || exit 1
kjump --status | grep '^loaded by:'
kjump -e
echo \"helper jump status \$?\"
kjump --status | grep '^loaded:'
kpattern check /tmp/kp || exit 1
kjump -u
echo \"after the helpers: \$(echo new process ok)\"
" -drive "file=$WORK/snap.img,format=raw,if=virtio"
expect_success
expect '^kjump: /boot/bzImage.signed loaded by kexec_file_load; the kernel, locked down \(integrity\), verified its signature$'
expect '^loaded by: kexec_file_load, in the crashkernel= reservation$'
if [ $mailbox = 1 ]; then
	expect '^snapshot status 0$'
	expect '^kjump-helper: visit 3$'
	expect '^ksnapshot: /dev/vda: .* \(zero [0-9]+, free [1-9][0-9]*, '
	# the empty helper's panic, left in the shared page, and no image
	expect '^kjump: the helper kernel panicked and jumped back \(.+\); unloading it$'
	expect '^helper jump status [1-9][0-9]*$'
	expect_order '^suite helper jump 2 status 0$' '^snapshot status 0$' \
		'^ok 3 16 MiB intact' '^kjump: the helper kernel panicked' \
		'^loaded: no$' '^ok 4 16 MiB intact'
else
	expect '^snapshot status 1$'
	expect '^ksnapshot: the helper was loaded by kexec_file_load, and this kernel shares no page with it \(/sys/kernel/kexec_jump_mailbox, kernel-patches 0017\): no request can reach it$'
	expect '^helper jump status 0$'
	expect_order '^suite helper jump 2 status 0$' '^snapshot status 1$' \
		'^kjump: back after [0-9.]+ s$' '^helper jump status 0$' \
		'^ok 4 16 MiB intact'
fi
# given nothing but the kernel's core header, it runs its own job,
# locked down, the way back from its boot parameters, finds the pattern
expect '\] Command line: elfcorehdr=0x[0-9a-f]+ ?$'
# told by its own command line to leave the original system's DIMMs alone
expect 'Kernel command line: .*acpi_no_memhotplug memhp_default_state=offline kjump.job=jumpback'
expect '^kjump: /boot/helper.signed loaded by kexec_file_load; the kernel, locked down \(integrity\), verified its signature$'
expect_count 2 'Kernel is locked down from EFI Secure Boot'
# the firmware stays the original kernel's: the suite's helper, which
# has no noefi, sets up no runtime services (0016, read from what was
# built) and still locks down
efi_msg='Started by a kexec jump: no runtime services'
if grep -q "$efi_msg" "$HELPER_DIR/vmlinux"; then
	expect_count 1 "efi: $efi_msg\$"
	expect_order '^kjump: /boot/helper.signed loaded by kexec_file_load' \
		"efi: $efi_msg\$" 'Kernel is locked down from EFI Secure Boot' \
		'^kjump-helper: visit 1$'
fi
expect '^kjump-init: helper kernel .* up, job jumpback$'
expect '^started by kexec jump \(kexec_file_load\): back to 0x[0-9a-f]+$'
expect '^mode: jump back \(kexec_file_load\)$'
for i in 1 2; do
	expect "^kjump-helper: visit $i\$"
	expect "^suite helper jump $i status 0\$"
	expect "^ok $i 16 MiB intact\$"
done
expect_count $((2 + mailbox)) '^kpattern: found 4096 of 4096 pattern pages in /proc/vmcore'
expect_order '^kjump-helper: visit 1$' '^suite helper jump 1 status 0$' \
	'^kjump-helper: visit 2$' '^suite helper jump 2 status 0$'
# its way back, which its loader recorded, is trusted for a panic too
expect_count 1 'a panic will jump back to the kernel at'
expect_order '^kjump: /boot/helper.signed loaded by kexec_file_load' \
	'kexec_jump: a panic will jump back to the kernel at 0x[0-9a-f]+, from CPU 0$' \
	'^kjump-helper: visit 1$'
expect '^after the helpers: new process ok$'
[ $mailbox = 1 ] || exit 0

# The snapshot the signed helper wrote, read on the host.
snapshot_check "$WORK/snap.img" 0x5eed 16

# Where lockdown closes /proc/kcore (confidentiality), no request reaches
# the helper (0017): it could write this kernel's memory out.  The disk's
# first block is put back.
truncate -s 64M "$WORK/conf.img"
printf 'kjump-test-block' | dd of="$WORK/conf.img" conv=notrunc status=none
VM_FILES="$WORK/helper.signed=/boot/helper.signed" \
VM_APPEND='crashkernel=192M lockdown=confidentiality' VM_TIMEOUT=300 vm_run confidential "
echo \"lockdown: \$(cat /sys/kernel/security/lockdown)\"
kjump --load-jump-back /boot/helper.signed || exit 1
ksnapshot -o /dev/vda --exclude=zero,free
echo \"snapshot status \$?\"
kjump -u
" -drive "file=$WORK/conf.img,format=raw,if=virtio"
expect_success
expect '^lockdown: none integrity \[confidentiality\]$'
expect '^ksnapshot: /sys/kernel/kexec_jump_mailbox: Operation not permitted$'
expect '^snapshot status 1$'
expect_not 'kjump-helper: visit'
[ "$(head -c 16 "$WORK/conf.img")" = kjump-test-block ] ||
	fail "ksnapshot left its stamp on the disk"
