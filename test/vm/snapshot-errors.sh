# ksnapshot's refusals and failures, each with its message and status 1,
# and the system carries on: no helper loaded, spool missing, not a disk,
# and a disk too small, which fails in the helper (No space left) and
# leaves no ELF header behind.
VM_APPEND='memmap=256M$0x10000000'
truncate -s 8M "$WORK/small.img"
# as if an earlier snapshot were on it: its header must not survive
printf '\177ELF' | dd of="$WORK/small.img" conv=notrunc 2>/dev/null
VM_TIMEOUT=300 vm_run errors '
kpattern start /tmp/kp 0x33 16 || exit 1
ksnapshot -o /dev/vda; echo "no helper: $?"
ksnapshot -o /tmp/s.elf --spool=/dev/nope --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz; echo "missing: $?"
ksnapshot -o /init --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz; echo "not a disk: $?"
ksnapshot -o /dev/vda --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append=console=ttyS0,115200
echo "too small: $?"
kpattern check /tmp/kp || exit 1
head -c 4 /dev/vda | od -An -c
' -drive "file=$WORK/small.img,format=raw,if=virtio"
expect_success
expect '^ksnapshot: no helper kernel loaded: give --kernel and --initrd'
expect '^no helper: 1$'
expect '^ksnapshot: --spool=/dev/nope: not a disk$'
expect '^missing: 1$'
expect '^ksnapshot: /init: not a disk'
expect '^not a disk: 1$'
expect '^ksnapshot: snapshot failed in the helper: /dev/vda: write at byte [0-9]+: No space left on device$'
expect '^too small: 1$'
expect '^ok 1 16 MiB intact'
expect_not '177 +E +L +F'
