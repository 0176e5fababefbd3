# Two snapshots in a row, with the marker process changing its marker page
# in between: in the holder's memory they differ in exactly that page.
VM_APPEND='memmap=256M$0x10000000'
for d in a b; do
	truncate -s 1200M "$WORK/snap-$d.img"
done
VM_TIMEOUT=600 vm_run diff '
kpattern start /tmp/kp 0x5eed 16 KJUMP-DIFF-MARKER-BEFORE || exit 1
ksnapshot -o /dev/vda --exclude=zero --kernel=/boot/bzImage \
	--initrd=/boot/helper.cpio.gz --append=console=ttyS0,115200 || exit 1
kpattern mark /tmp/kp KJUMP-DIFF-MARKER-AFTER || exit 1
ksnapshot -o /dev/vdb --exclude=zero || exit 1
kpattern check /tmp/kp
' -drive "file=$WORK/snap-a.img,format=raw,if=virtio" \
	-drive "file=$WORK/snap-b.img,format=raw,if=virtio"
expect_success
python3 "$TOP/test/vm/snapdiff.py" "$WORK/snap-a.img" "$WORK/snap-b.img" \
	0x5eed 16 KJUMP-DIFF-MARKER-BEFORE KJUMP-DIFF-MARKER-AFTER \
	>"$WORK/diff.out" 2>&1 || true
LAST_LOG=$WORK/diff.out
cat "$LAST_LOG"
expect '^marker page 0x[0-9a-f]+: changed as asked$'
expect '^pattern pages: 4096 of 4096 at the same address, unchanged$'
