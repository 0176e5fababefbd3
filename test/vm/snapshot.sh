# ksnapshot: a snapshot of the running system, taken through the helper,
# that gdb reads: the task list shows the marker process, whose string is
# in the snapshot; the system carries on and a second snapshot, without
# zero pages, works too and is smaller.
# crash and drgn read snapshots in vm/snapshot-exclude.
VM_APPEND='memmap=256M$0x10000000'
snap=$WORK/snap.img
truncate -s 1200M "$snap"
VM_TIMEOUT=600 vm_run snap '
kpattern start /tmp/kp 0x51 16 KJUMP-SNAPSHOT-MARKER-4242 || exit 1
ksnapshot -o /dev/vda --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append=console=ttyS0,115200 || exit 1
kpattern check /tmp/kp || exit 1
echo "piped:"
ksnapshot -o /dev/vda --exclude=zero | cat
kpattern check /tmp/kp
' -drive "file=$snap,format=raw,if=virtio"
expect_success
# a progress line on the console for the first (stdout is the console),
# none for the second (stdout is a pipe)
expect 'ksave: [0-9]+ of [0-9]+ pages, [0-9]+ MiB/s'
sed -n '/^piped:$/,$p' "$LAST_LOG" | grep -q 'ksave: .* pages, ' &&
	fail "a progress line while stdout is a pipe"
expect '^ksnapshot: /dev/vda: [0-9]+ MiB, [0-9]+ pages written, 0 excluded'
expect '^ksnapshot: /dev/vda: [0-9]+ MiB, [0-9]+ pages written, [1-9][0-9]* excluded \(zero [1-9]'
expect '^ok 2 16 MiB intact'
# the borrowed low memory found through VMCOREINFO's
# KEXEC_JUMP_PAGE_LIST (kernel-patches 0008)
expect_not 'the memory below 1 MiB that the helper borrowed is not in'
full=$(sed -n 's/^ksnapshot: .*: \([0-9]*\) MiB, .* 0 excluded.*/\1/p' "$LAST_LOG")
small=$(sed -n 's/^ksnapshot: .*: \([0-9]*\) MiB, .* [1-9][0-9]* excluded.*/\1/p' "$LAST_LOG")
[ "$small" -lt "$full" ] || fail "--exclude=zero is not smaller ($small vs $full MiB)"

# The last snapshot (zero pages excluded) is on the disk image.  gdb reads
# it: the kernel's banner, the task list with the marker process, and
# every CPU's registers (kernel-patches/0006) as a thread each.
grep -aq KJUMP-SNAPSHOT-MARKER-4242 "$snap" || fail "marker string not in $snap"
snapshot_gdb "$snap" -ex 'p linux_banner' -ex 'info threads' \
	-x "$TOP/test/vm/gdb-ps.py" >"$WORK/gdb.out" 2>&1 || true
LAST_LOG=$WORK/gdb.out
cat "$LAST_LOG"
expect "^\\\$1 = .* \"Linux version $(release_re) "
expect '^\* 1 +LWP [0-9]+ +crash_setup_regs'
notes=$(readelf -n "$snap" | grep -c NT_PRSTATUS)
[ "$notes" = "$VM_SMP" ] || fail "$notes CPUs' registers in the snapshot, not $VM_SMP"
expect '^task [0-9]+ kpattern$'
expect '^task [0-9]+ ksnapshot$'
