# crash(8) on the live /proc/vmcore, inside the helper: the original
# system jumps to a helper that runs crash 8.0.6 (from the readers'
# chroot, shared over virtio 9p with the kernel's vmlinux) on the
# original system's memory as the helper sees it, with the commands
# snapshots are checked with, then jumps back; the system carries on.
# crash needs about 350 MiB besides vmlinux's page cache: a 2 GiB guest
# lends the helper a 768 MiB window.
readers=$("$TOP/scripts/readers.sh" path trixie) ||
	fail "no Debian 13 chroot for crash"
crash_commands >"$WORK/crash.cmds"
rm -f "$WORK/live-crash.out"
ro="security_model=none,readonly=on"
VM_MEM=2048 VM_APPEND='memmap=768M$0x40000000' VM_TIMEOUT=900 vm_run live "
kpattern start /tmp/kp 0x5eed 16 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append='console=ttyS0,115200 kjump.job=live-crash' || exit 1
kjump -e || exit 1
kpattern check /tmp/kp || exit 1
" -virtfs "local,path=$readers,mount_tag=readers,$ro" \
	-virtfs "local,path=$(dirname "$(readlink -f "$KERNEL_DIR/vmlinux")"),mount_tag=kernel,$ro" \
	-virtfs "local,path=$WORK,mount_tag=work,security_model=none"
expect_success
expect '^kjump-helper: crash on /proc/vmcore$'
expect '^kjump-helper: crash exit status 0$'
expect '^ok [0-9]+ 16 MiB intact'
[ -s "$WORK/live-crash.out" ] || fail "crash in the helper wrote nothing"
crash_check_output "$WORK/live-crash.out" "the helper's /proc/vmcore"
expect '^ +DUMPFILE: /proc/vmcore'
