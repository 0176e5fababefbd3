# A -> B -> A ten times.  A holds a 64 MiB pattern and checks it after each
# return; B is booted once and counts its visits in its tmpfs; B finds A's
# pattern in /proc/vmcore; afterwards A starts processes and reads its disk.
VM_APPEND='memmap=256M$0x10000000'
disk=$WORK/disk.img
head -c 1M /dev/zero >"$disk"
printf 'kjump-disk-marker-%s' 4711 | dd of="$disk" conv=notrunc 2>/dev/null
VM_TIMEOUT=600 vm_run jumps '
kpattern start /tmp/kp 0x5eed 64 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 panic=-1 kjump.job=jumpback kjump.find=0x5eed:64" ||
	exit 1
kjump --status
for i in 1 2 3 4 5 6 7 8 9 10; do
	kjump -e || exit 1
	kpattern check /tmp/kp || exit 1
done
echo "after jumps: $(echo new process ok)"
echo "disk: $(head -c 22 /dev/vda)"
' -drive "file=$disk,format=raw,if=virtio"
expect_success
for i in 1 2 3 4 5 6 7 8 9 10; do
	expect "^kjump-helper: visit $i\$"
	expect "^ok $i 64 MiB intact"
done
[ "$(grep -c '^kjump-init: helper kernel' "$LAST_LOG")" = 1 ] ||
	fail "the helper kernel booted more than once"
expect '^kpattern: found 16384 of 16384 pattern pages in /proc/vmcore'
# ten returns to A, nine re-entries of B
[ "$(grep -c '^kjump: back after' "$LAST_LOG")" = 19 ] ||
	fail "not ten round trips"
expect '^after jumps: new process ok$'
expect '^disk: kjump-disk-marker-4711$'

# The original offlines CPUs 1-3 for each jump and brings them back
# after; the helper boots its own.
VM_TIMEOUT=300 vm_run smp '
kpattern start /tmp/kp 0x5eed 32 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--reuse-cmdline --append="kjump.job=jumpback kjump.status" || exit 1
for i in 1 2 3; do
	kjump -e || exit 1
	kpattern check /tmp/kp || exit 1
	grep -c ^processor /proc/cpuinfo
done
'
expect_success
expect '^ok 3 32 MiB intact'
expect '^kjump-helper: visit 3$'
[ "$(grep -c "^$VM_SMP\$" "$LAST_LOG")" = 3 ] || fail "CPUs did not come back"
# --reuse-cmdline: the helper inherits the console, not the window
expect "^\[ *0\.0+\] Command line: $VM_APPEND_BASE kjump.job=jumpback kjump.status elfcorehdr="
expect '^started by kexec jump: back to 0x[0-9a-f]+$'
expect '^mode: jump back$' 
