# kjump boot, the boot loader: the boot initramfs (kjump.job=boot) finds
# the kernels on a disk, shows its menu and kexecs the chosen one; the
# countdown boots the first, a key the second; a disk with nothing to
# boot ends in a message and a shell.
#
# KBOOT_DISK=IMAGE (raw, or KBOOT_DISK_FORMAT=qcow2) boots the loader on
# that disk instead, unchanged (QEMU's snapshot=on), with the default
# entry, and passes once the console shows KBOOT_EXPECT (a regex; default:
# the kexec into the chosen kernel).

# Boot the boot initramfs as it is (vm_run's overlay would give /init a
# /test/run.sh to run instead of the job), with the console on QEMU's
# stdio.  When the console shows the regex KBOOT_WHEN, type KBOOT_TYPE on
# it, again every 3 s until it shows KBOOT_TYPED; once it shows
# KBOOT_STOP, stop the machine.  Disks are in the QEMU arguments.
# usage: kboot_run STEP [qemu args...]
kboot_run() {
	local step=$1 log fifo pid in rc=0 typed=-3 stopped=0
	shift
	log=$LOGDIR/$TEST_NAME.$step.log
	fifo=$WORK/$step.in
	rm -f "$fifo"
	: >"$log"
	mkfifo "$fifo"
	vm_machine_args "$step"
	echo "vm $step: booting the boot loader, console in $log"
	timeout -k 5 "$VM_TIMEOUT" qemu-system-x86_64 \
		"${VM_MACHINE[@]}" -nodefaults -display none -no-reboot \
		-chardev stdio,id=con -serial chardev:con \
		-kernel "$KERNEL_DIR/bzImage" \
		-initrd "$INITRAMFS_DIR/boot.cpio.gz" \
		-append "$VM_APPEND_BASE kjump.job=boot ${VM_APPEND:-}" \
		"$@" <"$fifo" >"$log" &
	pid=$!
	# kept open until the end: QEMU reads no end of input
	exec {in}>"$fifo"
	while kill -0 "$pid" 2>/dev/null; do
		if [ -n "${KBOOT_STOP:-}" ] && grep -Eq -- "$KBOOT_STOP" "$log"; then
			kill "$pid"
			stopped=1
			break
		fi
		if [ -n "${KBOOT_WHEN:-}" ] && [ $((SECONDS - typed)) -ge 3 ] &&
			grep -Eq -- "$KBOOT_WHEN" "$log" &&
			! grep -Eq -- "${KBOOT_TYPED:?goes with KBOOT_WHEN}" "$log"; then
			# QEMU may be gone since: no SIGPIPE for us
			(trap '' PIPE; printf '%s' "$KBOOT_TYPE" >&"$in") 2>/dev/null || true
			typed=$SECONDS
		fi
		sleep 0.5
	done
	wait "$pid" || rc=$?
	exec {in}>&-
	rm -f "$fifo"
	LAST_LOG=$log
	sed -i 's/\r$//' "$log"
	[ $stopped = 0 ] || return 0
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		fail "vm $step: timed out after ${VM_TIMEOUT}s, last: '$(last_words "$log")' (log: $log)"
	fi
	[ $rc = 0 ] || fail "vm $step: qemu exit status $rc (log: $log)"
}

if [ -n "${KBOOT_DISK:-}" ]; then
	KBOOT_STOP=${KBOOT_EXPECT:-'kexec_core: Starting new kernel'} \
		VM_TIMEOUT=300 kboot_run disk \
		-drive "file=$KBOOT_DISK,format=${KBOOT_DISK_FORMAT:-raw},if=virtio,snapshot=on"
	expect '^kjump boot: [0-9]+ entr(y|ies) on '
	expect '^kjump boot: starting '
	expect "${KBOOT_EXPECT:-kexec_core: Starting new kernel}"
	return 0
fi

# A disk as Debian installs a system, less the system: the test kernel
# and initramfs in /boot, whose /test/run.sh says which entry booted it
# and with what command line.  A BLS entry starts a copy of the kernel
# with both initrds, the second one's /test/run.sh in place of the first;
# another, first by its sort-key, has no kernel that loads.
uuid=4b1c2e6a-0d7f-4e8a-9c3b-5f2a1d0e6b7c
stage=$WORK/stage
rm -rf "$stage"
mkdir -p "$stage/boot/loader/entries" "$stage/boot/bls" "$stage/etc/kernel"
cp "$KERNEL_DIR/bzImage" "$stage/boot/vmlinuz-6.12.0-test"
cp "$KERNEL_DIR/bzImage" "$stage/boot/bls/vmlinuz"
make_overlay "$WORK/debian.cpio.gz" 'echo "kboot-marker: debian: $(cat /proc/cmdline)"'
cat "$INITRAMFS_DIR/test.cpio.gz" "$WORK/debian.cpio.gz" \
	>"$stage/boot/initrd.img-6.12.0-test"
make_overlay "$stage/boot/bls/overlay.cpio.gz" 'echo "kboot-marker: bls: $(cat /proc/cmdline)"'
cat >"$stage/boot/loader/entries/kboot-bls.conf" <<EOF
# paths from /boot, as on a /boot file system of its own
title   kboot BLS entry
linux   /bls/vmlinuz
initrd  /initrd.img-6.12.0-test
initrd  /bls/overlay.cpio.gz
options console=ttyS0,115200
options panic=-1 kboot.entry=bls
EOF
echo 'not a kernel' >"$stage/boot/bls/broken"
printf 'title broken entry\nsort-key 0\nlinux /bls/broken\n' \
	>"$stage/boot/loader/entries/broken.conf"
printf '# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=%s / ext4 errors=remount-ro 0 1\n' \
	"$uuid" >"$stage/etc/fstab"
echo 'console=ttyS0,115200 panic=-1' >"$stage/etc/kernel/cmdline"
echo 'PRETTY_NAME="kjump test system"' >"$stage/etc/os-release"
disk=$WORK/disk.img
rm -f "$disk"
truncate -s 128M "$disk"
mkfs.ext4 -q -F -U "$uuid" -d "$stage" "$disk" || fail "mkfs.ext4 -d failed"
before=$(sha256sum <"$disk")

# Nobody types: the countdown runs out and entry 1 does not load; the
# menu comes again, the countdown runs out again, entry 2 boots.
VM_TIMEOUT=240 VM_APPEND='kjump.boot_timeout=2' kboot_run default \
	-drive "file=$disk,format=raw,if=virtio"
expect '^kjump-init: boot kernel .* job boot$'
expect '^kjump boot: 3 entries on vda$'
expect '^  1  broken entry \(vda\)$'
expect '^  2  kboot BLS entry \(vda\)$'
expect '^  3  kjump test system \(vda\), Linux 6\.12\.0-test$'
expect 'booting 1 in 2 s; a number chooses, Enter boots the default'
expect '^kjump boot: cannot load entry 1, broken entry \(vda\): /run/kjump-boot/vda/boot/bls/broken: '
expect '^  1  broken entry \(vda\) \(failed\)$'
expect 'booting 2 in 2 s'
expect '^kjump boot: starting kboot BLS entry \(vda\)$'
expect 'kexec_core: Starting new kernel'
expect '^kboot-marker: bls: console=ttyS0,115200 panic=-1 kboot\.entry=bls$'
expect_success
# read-only, journal not replayed: not a byte of the disk changed
[ "$(sha256sum <"$disk")" = "$before" ] || fail "the boot loader wrote to the disk"

# A key chooses entry 3, long before the minute is up.
VM_TIMEOUT=240 VM_APPEND='kjump.boot_timeout=60' KBOOT_WHEN='booting 1 in' \
	KBOOT_TYPE=3 KBOOT_TYPED='^kjump boot: loading' kboot_run choice \
	-drive "file=$disk,format=raw,if=virtio"
expect 'boot entry \(1-3, Enter: 1\): 3$'
expect '^kjump boot: starting kjump test system \(vda\), Linux 6\.12\.0-test$'
expect "^kboot-marker: debian: root=UUID=$uuid ro console=ttyS0,115200 panic=-1\$"
expect_success

# Nothing to boot: the loader says so, and /init starts a shell, which
# takes commands.
rm -rf "$stage"
mkdir -p "$stage/boot/grub" "$stage/loader/entries" "$stage/etc"
echo 'menuentry "elsewhere" {}' >"$stage/boot/grub/grub.cfg"
printf 'title gone\nlinux /vmlinuz-gone\n' >"$stage/loader/entries/gone.conf"
printf 'UUID=%s / ext4 defaults 0 1\n' "$uuid" >"$stage/etc/fstab"
rm -f "$disk"
truncate -s 16M "$disk"
mkfs.ext4 -q -F -d "$stage" "$disk" || fail "mkfs.ext4 -d failed"
VM_TIMEOUT=120 KBOOT_WHEN='^kjump-init: starting a shell' \
	KBOOT_TYPE=$'echo kboot-shell-$((6 * 7)); poweroff -f\n' \
	KBOOT_TYPED='^kboot-shell-42' kboot_run empty \
	-drive "file=$disk,format=raw,if=virtio"
expect '^warning: vda: loader/entries/gone\.conf: kernel /vmlinuz-gone missing; skipped$'
expect '^kjump boot: no bootable entry on vda \(looked for /boot/vmlinuz-\* and loader/entries/\*\.conf\)$'
expect '^kjump-init: job boot ended with status 1$'
expect '^kjump-init: starting a shell$'
expect '^kboot-shell-42'
expect_not 'kexec_core: Starting new kernel'
rm -rf "$stage" "$disk"
