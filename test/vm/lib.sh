# VM test library, sourced by test/run.sh for each test/vm/*.sh.
#
# A test is a shell function body: it boots guests with vm_run and checks
# their serial logs with expect / expect_not.  The first failing check ends
# the test with FAIL.  Guests run under QEMU with TCG unless VM_ACCEL says
# otherwise (KVM is not assumed to work).

: "${TOP:?}" "${LOGDIR:?}" "${TEST_NAME:?}"
KERNEL_DIR=${KERNEL_DIR:-$TOP/build/kernel}
INITRAMFS_DIR=${INITRAMFS_DIR:-$TOP/build/initramfs}
VM_ACCEL=${VM_ACCEL:-tcg}
VM_MEM=${VM_MEM:-1024}
VM_SMP=${VM_SMP:-1}
VM_TIMEOUT=${VM_TIMEOUT:-120}
VM_APPEND_BASE="console=ttyS0,115200 panic=-1 oops=panic nokaslr"
WORK=$LOGDIR/$TEST_NAME.d
mkdir -p "$WORK"

# The reason goes to the test's log; test/run.sh shows the last one.
fail() {
	echo "FAILED: $*" >&2
	exit 1
}

# Make a cpio archive holding /test/run.sh, to be appended to an initramfs.
# usage: make_overlay OUT SCRIPT_TEXT
make_overlay() {
	local out=$1 text=$2 dir
	dir=$(mktemp -d)
	mkdir -p "$dir/test"
	printf '#!/bin/sh\n%s\n' "$text" >"$dir/test/run.sh"
	chmod +x "$dir/test/run.sh"
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -n >"$out"
	rm -rf "$dir"
}

# Boot the test kernel with an initramfs and a test script; the serial
# console goes to $LOGDIR/$TEST_NAME[.STEP].log.  Extra QEMU arguments follow
# the script.
# usage: vm_run STEP SCRIPT [qemu args...]
vm_run() {
	local step=$1 script=$2 log initrd rc
	shift 2
	log=$LOGDIR/$TEST_NAME.$step.log
	initrd=$WORK/$step.initrd
	cat "$INITRAMFS_DIR/${VM_INITRAMFS:-test}.cpio.gz" >"$initrd"
	make_overlay "$WORK/$step.overlay" "$script"
	cat "$WORK/$step.overlay" >>"$initrd"
	rm -f "$log"
	echo "vm $step: booting, console in $log"
	rc=0
	timeout -k 5 "$VM_TIMEOUT" qemu-system-x86_64 \
		-M pc -accel "$VM_ACCEL" -m "$VM_MEM" -smp "$VM_SMP" \
		-nodefaults -display none -no-reboot \
		-serial "file:$log" \
		-kernel "$KERNEL_DIR/bzImage" -initrd "$initrd" \
		-append "$VM_APPEND_BASE ${VM_APPEND:-}" \
		"$@" || rc=$?
	LAST_LOG=$log
	sed -i 's/\r$//' "$log"
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		fail "vm $step: timed out after ${VM_TIMEOUT}s (log: $log)"
	fi
	[ $rc = 0 ] || fail "vm $step: qemu exit status $rc (log: $log)"
}

# Check that the last guest log has a line matching the extended regex.
expect() {
	grep -Eq -- "$1" "$LAST_LOG" ||
		fail "expected /$1/ in $LAST_LOG"
}

expect_not() {
	! grep -Eq -- "$1" "$LAST_LOG" ||
		fail "unexpected /$1/ in $LAST_LOG"
}

# The guest script finished with status 0.
expect_success() {
	expect '^kjump-test: exit status 0'
}

# Hibernation tests: the original system's workload (a process counting in
# tmpfs and a 64 MiB pattern), then HIB_CMD, then the checks that run once
# it is resumed.  Booted with the jump window and kjump.resume=/dev/vda.
HIB_APPEND='memmap=256M$0x10000000 kjump.resume=/dev/vda'
HIB_LOAD='kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz --append="console=ttyS0,115200 kjump.job=jumpback"'
hib_script() {
	cat <<EOS
kpattern start /tmp/kp 0x5a 64 || exit 1
(i=0; while :; do i=\$((i + 1)); echo \$i >/tmp/counter; sleep 0.1; done) &
sleep 2
before=\$(cat /tmp/counter)
echo "counter before: \$before"
$HIB_LOAD || exit 1
$1 || exit 1
sleep 1
after=\$(cat /tmp/counter)
echo "counter after: \$after"
[ "\$after" -gt "\$before" ] && [ "\$after" -lt \$((before + 100)) ] ||
	{ echo "counter did not go on from \$before: \$after"; exit 1; }
kpattern check /tmp/kp || exit 1
echo "resumed system ok"
EOS
}

# Boot the restore kernel on disk $1; the overlay's script only runs if
# there was no resume.
hib_resume() {
	local step=$1 disk=$2
	shift 2
	VM_APPEND="$HIB_APPEND ${HIB_RESUME_APPEND:-}" vm_run "$step" \
		'echo "kjump-test: normal boot"' \
		-drive "file=$disk,format=raw,if=virtio" "$@"
}
