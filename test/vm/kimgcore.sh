# kimgcore: boot the helper once, save it, reboot the original system,
# load the saved helper into a freshly loaded image and jump: the helper
# resumes (its visit counter goes on) without booting.  A file that is not
# a saved helper, an image loaded with another window and one of another
# kernel build are refused; a file cut short in the window leaves nothing
# loaded (the window no longer holds the loaded helper).  A file left open
# on an image that has since been unloaded reads nothing of the new one
# loaded after it, wherever the allocator put it (Stale file handle), and
# with kexec_load() disabled nothing is loaded through /proc/kimgcore
# either (kernel-patches 0011).
VM_APPEND='memmap=256M$0x10000000'
truncate -s 400M "$WORK/saved.img"
load='kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz --append="console=ttyS0,115200 kjump.job=jumpback"'
VM_TIMEOUT=300 vm_run save "
kimgcore save /dev/vda; echo \"nothing loaded: \$?\"
$load || exit 1
kimgcore save /dev/vda; echo \"not run: \$?\"
kjump -e || exit 1
kimgcore save /dev/vda || exit 1
echo saved
# A save to a file goes beside it and over it only once complete: where
# there is no room for a second copy (a save is about 300 MiB: the
# window and the image), the first stays as it was.
mkdir /tmp/small
mount -t tmpfs -o size=400m tmpfs /tmp/small || exit 1
kimgcore save /tmp/small/h.img || exit 1
before=\$(md5sum </tmp/small/h.img)
kjump -e || exit 1
kimgcore save /tmp/small/h.img; echo \"no room: \$?\"
[ \"\$(md5sum </tmp/small/h.img)\" = \"\$before\" ] && echo \"first save intact\"
ls /tmp/small
" -drive "file=$WORK/saved.img,format=raw,if=virtio"
expect_success
expect '^kimgcore: no helper loaded for a jump'
expect '^nothing loaded: 1$'
expect '^kimgcore: the helper has not run yet'
expect '^not run: 1$'
expect '^kjump-helper: visit 1$'
expect '^saved$'
expect '^kimgcore: /tmp/small/h\.img\.[A-Za-z0-9]+: write at byte [0-9]+: No space left on device$'
expect '^no room: 1$'
expect '^first save intact$'
expect '^h\.img$'

VM_TIMEOUT=300 vm_run resume "
kpattern start /tmp/kp 0x42 16 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append=console=ttyS0,115200 --window=200M@0x10000000 || exit 1
kimgcore load /dev/vda; echo \"other window: \$?\"
head -c 8192 /dev/zero >/tmp/junk
kimgcore load /tmp/junk; echo \"junk: \$?\"
kjump --load-jump-back /boot/bzImage-other --initrd=/boot/helper.cpio.gz \
	--append=\"console=ttyS0,115200 kjump.job=jumpback\" --force || exit 1
kimgcore load /dev/vda; echo \"other kernel: \$?\"
$load || exit 1
dd if=/dev/vda of=/tmp/cut.img bs=1M count=8 2>/dev/null
kimgcore load /tmp/cut.img; echo \"cut short: \$?\"
kjump --status | grep '^loaded:'
rm /tmp/cut.img
$load || exit 1
kimgcore load /dev/vda || exit 1
kjump -e || exit 1
kjump -e || exit 1
kpattern check /tmp/kp || exit 1
exec 3</proc/kimgcore || exit 1
kjump -u || exit 1
$load || exit 1
dd bs=64 count=1 of=/dev/null <&3 2>/tmp/dd.err
echo \"kept open: \$?\"
grep -o 'Stale file handle' /tmp/dd.err
exec 3<&-
echo 1 >/proc/sys/kernel/kexec_load_disabled
kimgcore load /dev/vda; echo \"kexec_load disabled: \$?\"
" -drive "file=$WORK/saved.img,format=raw,if=virtio"
expect_success
expect '^kimgcore: /dev/vda: saved with the window 0x10000000-0x20000000, this one is 0x10000000-0x1c800000$'
expect '^other window: 1$'
expect '^kimgcore: /tmp/junk: not a saved helper'
expect '^junk: 1$'
expect '^kimgcore: /dev/vda: saved from another helper kernel than /boot/bzImage-other$'
expect '^other kernel: 1$'
# cut short in the window: the load, whose kernel lies there, is dropped
expect '^kimgcore: /tmp/cut\.img: .*; the loaded helper is unloaded: its window may hold part of the saved one$'
expect '^cut short: 1$'
expect_order '^cut short: 1$' '^loaded: no$'
expect '^kjump-helper: visit 2$'
expect '^kjump-helper: visit 3$'
expect_not '^kjump-init: helper kernel'
expect '^ok 1 16 MiB intact'
expect_order '^ok 1 16 MiB intact' '^kept open: 1$' '^Stale file handle$'
expect '^kimgcore: /proc/kimgcore: not permitted: .*kexec_load_disabled'
expect '^kexec_load disabled: 1$'
