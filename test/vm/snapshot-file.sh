# ksnapshot -o FILE: the helper writes to the spool disk and the snapshot
# is copied into a file beside FILE, then renamed over it; an unwritable
# path is refused before the jump, and a file system that fills up loses
# the new snapshot, not the one FILE held, nor the system.
VM_APPEND='memmap=256M$0x10000000'
truncate -s 1200M "$WORK/spool.img"
VM_TIMEOUT=300 vm_run file '
kpattern start /tmp/kp 0x5eed 16 KJUMP-FILE-MARKER || exit 1
helper="--kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz"
ksnapshot -o /proc/snap.elf --spool=/dev/vda $helper; echo "unwritable: $?"
ksnapshot -o /tmp/snap.elf $helper; echo "no spool: $?"
ksnapshot -o /tmp/snap.elf --spool=/dev/vda --exclude=zero,free $helper \
	--append=console=ttyS0,115200 || exit 1
ls -l /tmp/snap.elf | awk "{ print \"mode \" \$1 }"
kpattern find /tmp/snap.elf 0x5eed 16 || exit 1
mkdir -p /mnt/small && mount -t tmpfs -o size=64m tmpfs /mnt/small
ksnapshot -o /mnt/small/snap.elf --spool=/dev/vda --exclude=zero,free,cache,user || exit 1
md5sum /mnt/small/snap.elf >/tmp/before
ksnapshot -o /mnt/small/snap.elf --spool=/dev/vda --exclude=zero,free
echo "full: $?"
md5sum -c /tmp/before >/dev/null && echo "the previous snapshot is whole"
ls -a /mnt/small
echo "listed"
kpattern check /tmp/kp
' -drive "file=$WORK/spool.img,format=raw,if=virtio"
expect_success
expect '^ksnapshot: /proc/snap.elf: No such file or directory$'
expect '^unwritable: 1$'
expect '^ksnapshot: /tmp/snap.elf: not a disk; give --spool=DISK'
expect '^no spool: 1$'
expect '^ksnapshot: /tmp/snap.elf: [0-9]+ MiB'
expect '^mode -rw-------$'
expect '^kpattern: found 4096 of 4096 pattern pages in /tmp/snap.elf$'
expect '^ksnapshot: /mnt/small/snap.elf: No space left on device; the previous snapshot is left as it was$'
expect '^full: 1$'
expect '^the previous snapshot is whole$'
# nothing but the previous snapshot left in the small file system
[ "$(sed -n '/^full: 1$/,/^listed$/p' "$LAST_LOG" | grep -c snap.elf)" = 1 ] ||
	fail "the new snapshot's file was left behind"
expect '^ok 1 16 MiB intact'
