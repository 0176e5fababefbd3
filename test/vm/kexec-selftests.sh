# Upstream's own kexec selftests (tools/testing/selftests/kexec of the
# kernel's source), unchanged, on the test kernel: test_kexec_load.sh,
# test_kexec_file_load.sh and test_kexec_jump.sh with its test_kexec_jump
# (a jump to a few instructions that jump back, twice).  They need
# kexec-tools, pesign and getfattr, which run from the Debian 13 chroot
# (scripts/readers.sh), shared with the guest over virtio 9p.
#
# A kernel whose source has no test_kexec_jump (Linux 6.12: it came with
# 6.16, with relocate_kernel's exception handling) runs the one of the
# newest source built (build/kernel-7.2), changed in two ways for the
# older kernel:
# - without its int3 instructions: they test that handling, and with no
#   IDT there they reset the machine;
# - handing back its next entry point the way 6.12 reads it.  The test
#   stores it at 8(%rsp) and returns, the slot newer kernels push for it.
#   6.12 pushes nothing: it calls with %rsp at the top of the swap page
#   and, once the callee has returned, reads 0(%rsp), the first word of
#   the next page.  A callee that stores there writes into whatever page
#   follows; in about one run of three that was the identity map's top
#   level, and the machine reset (CI, and 3 of 8 runs here).  So on 6.12
#   the callee leaves the entry in its return address's slot and jumps
#   back, as a kernel does when it jumps back.
#
# kexec_file_load() gets the kernel signed (sbsign, a key made here): the
# test takes CONFIG_KEXEC_BZIMAGE_VERIFY_SIG to mean that a kernel must be
# signed, and fails an unsigned one that loads, as this kernel lets it.
#
# test_kexec_jump.sh runs last, with the test system's BusyBox and the
# chroot unmounted: virtio-9p has no freeze and restore, so the device
# resumes from the jump reset, with no queues, and a 9p request (an exit
# that drops the shell's mapped binary) would wait for ever.

# run.sh: needs every kernel
readers=$("$TOP/scripts/readers.sh" path trixie) ||
	fail "no Debian 13 chroot for kexec-tools"
own=$KERNEL_DIR/selftests/kexec
newest=$TOP/build/kernel-7.2/selftests/kexec
[ -r "$own/kexec_common_lib.sh" ] ||
	fail "$own: the kernel's kexec selftests were not kept (make kernel)"
share=$WORK/share
rm -rf "$share"
mkdir -p "$share"
cp -r "$own" "$share/kexec"
if [ -r "$own/test_kexec_jump.c" ]; then
	jump_src=$own/test_kexec_jump.c
	echo "test_kexec_jump: the kernel's own"
else
	[ -r "$newest/test_kexec_jump.c" ] ||
		fail "$newest/test_kexec_jump.c: missing (make kernel)"
	grep -v 'int3' "$newest/test_kexec_jump.c" |
		sed -e 's/movq %r11, 8(%rsp)/movq (%rsp), %rax; movq %r11, (%rsp)/' \
			-e 's/^\( *"  \)ret\\n"/\1jmp *%rax\\n"/' \
			>"$WORK/test_kexec_jump.c"
	grep -q 'int3' "$newest/test_kexec_jump.c" &&
		! grep -q 'int3' "$WORK/test_kexec_jump.c" ||
		fail "no int3 to take out of $newest/test_kexec_jump.c"
	[ "$(grep -c 'movq %r11, (%rsp)' "$WORK/test_kexec_jump.c")" = 2 ] &&
		[ "$(grep -c 'jmp \*%rax' "$WORK/test_kexec_jump.c")" = 2 ] &&
		! grep -q '8(%rsp)\|"  ret' "$WORK/test_kexec_jump.c" ||
		fail "$newest/test_kexec_jump.c: not the two stores and returns" \
			"this test changes for 6.12"
	cp "$newest/test_kexec_jump.sh" "$share/kexec/"
	jump_src=$WORK/test_kexec_jump.c
	echo "test_kexec_jump: from $(readlink -f "$newest/..") without int3, 6.12's way back"
fi
gcc -O2 -static -o "$share/kexec/test_kexec_jump" "$jump_src" ||
	fail "cannot build test_kexec_jump"
openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=kjump test/' \
	-keyout "$WORK/sign.key" -out "$WORK/sign.crt" 2>/dev/null ||
	fail "cannot make a signing key"
sbsign --key "$WORK/sign.key" --cert "$WORK/sign.crt" \
	--output "$share/vmlinuz" "$KERNEL_DIR/bzImage" 2>/dev/null ||
	fail "sbsign failed on $KERNEL_DIR/bzImage"

ro="security_model=none,readonly=on"
VM_TIMEOUT=400 vm_run selftests '
r=/mnt/r
share() {
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 "$1" "$2"
}
mkdir -p $r
share readers $r && share work $r/mnt && mount -t proc proc $r/proc &&
	mount -t sysfs sysfs $r/sys && mount -t devtmpfs devtmpfs $r/dev &&
	mount -t tmpfs tmpfs $r/tmp && mount -t tmpfs tmpfs $r/boot || exit 1
cp $r/mnt/vmlinuz "$r/boot/vmlinuz-$(uname -r)" || exit 1
for t in test_kexec_load.sh test_kexec_file_load.sh; do
	chroot $r /bin/sh -c "cd /tmp && cp -r /mnt/kexec . && cd kexec && ./$t"
	echo "selftest $t: exit status $?"
done
cp -r $r/mnt/kexec /tmp/ || exit 1
for m in boot tmp dev sys proc mnt ""; do umount $r/$m || exit 1; done
cd /tmp/kexec && sh ./test_kexec_jump.sh
echo "selftest test_kexec_jump.sh: exit status $?"
' -virtfs "local,path=$readers,mount_tag=readers,$ro" \
	-virtfs "local,path=$share,mount_tag=work,$ro"
expect_success
# log_pass exits 0, log_fail 1, log_skip 4: all three pass, none skipped
for t in test_kexec_load.sh test_kexec_file_load.sh test_kexec_jump.sh; do
	expect "^selftest $t: exit status 0\$"
done
expect '^kexec_load succeeded \[PASS\]$'
expect '^\[INFO\] kexec kernel image PE signed$'
expect '^kexec_file_load succeeded \[PASS\]$'
expect '^kexec_jump succeeded \[PASS\]$'
expect_not '\[FAIL\]'
