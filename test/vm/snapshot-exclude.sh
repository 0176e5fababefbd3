# Page exclusion from the original kernel's struct pages: leaving out free
# pages keeps every page of the workload and the snapshot readable, and is
# smaller than leaving out zero pages alone (64 MiB were written and freed
# before, so free memory is not all zero); leaving out user pages too
# drops the workload's pattern.  The same in the kdump-compressed format is
# smaller still, and makedumpfile reads it (filtering it again).
#
# crash 8.0.6 and drgn 0.0.31, Debian 13's, read every one of them in
# full: each format with each set of classes left out, and each codec of
# the kdump format: zlib and zstd written in the helper, zlib, LZO and
# snappy converted from the first on the host (zero and free pages out).
VM_APPEND='memmap=256M$0x10000000'
for d in a b c d e; do
	truncate -s 1200M "$WORK/snap-$d.img"
done
VM_TIMEOUT=600 vm_run exclude '
kpattern start /tmp/kp 0x5eed 16 KJUMP-EXCLUDE-MARKER || exit 1
kpattern start /tmp/freed 0x77 64 && kpattern stop /tmp/freed || exit 1
ksnapshot -o /dev/vda --exclude=zero --kernel=/boot/bzImage \
	--initrd=/boot/helper.cpio.gz --append=console=ttyS0,115200 || exit 1
ksnapshot -o /dev/vdb --exclude=zero,free || exit 1
ksnapshot -o /dev/vdc --exclude=zero,free,cache,user || exit 1
ksnapshot -o /dev/vdd --exclude=zero,free,cache,user --format=kdump || exit 1
ksnapshot -o /dev/vde --exclude=zero --format=kdump --compress=zstd || exit 1
ksnapshot -o /dev/vdc --exclude=zero,dirty
echo "bad kind: $?"
kpattern check /tmp/kp
' -drive "file=$WORK/snap-a.img,format=raw,if=virtio" \
	-drive "file=$WORK/snap-b.img,format=raw,if=virtio" \
	-drive "file=$WORK/snap-c.img,format=raw,if=virtio" \
	-drive "file=$WORK/snap-d.img,format=raw,if=virtio" \
	-drive "file=$WORK/snap-e.img,format=raw,if=virtio"
expect_success
# the helper ksnapshot loads leaves the PS/2 mouse alone
expect '^\[ *[0-9.]+\] Kernel command line: kjump.job=jumpback i8042.noaux console=ttyS0,115200 elfcorehdr='
expect '^ksnapshot: --exclude=zero,dirty: .dirty. is none of zero, free, cache, user$'
expect '^bad kind: 2$'
size() {
	sed -n "s|^ksnapshot: /dev/$1: \([0-9]*\) MiB,.*|\1|p" "$LAST_LOG"
}
a=$(size vda) b=$(size vdb) c=$(size vdc) d=$(size vdd)
echo "sizes: zero $a MiB, zero+free $b MiB, all $c MiB, kdump $d MiB"
[ "$b" -lt "$a" ] && [ "$c" -lt "$b" ] && [ "$d" -lt "$c" ] ||
	fail "sizes do not shrink: $a $b $c $d"
expect '^ksnapshot: /dev/vdb: .* \(zero [0-9]+, free [1-9][0-9]*, cache 0, user 0\)'
expect '^ksnapshot: /dev/vdc: .* user [1-9][0-9]*\)'

kp=$TOP/build/bin/kpattern
"$kp" find "$WORK/snap-b.img" 0x5eed 16 >"$WORK/find.out" 2>&1 || true
"$kp" find "$WORK/snap-c.img" 0x5eed 16 >>"$WORK/find.out" 2>&1 || true
snapshot_gdb "$WORK/snap-b.img" -x "$TOP/test/vm/gdb-ps.py" \
	>>"$WORK/find.out" 2>&1 || true
rm -f "$WORK/refiltered" "$WORK/refiltered.elf"
makedumpfile -c -d 31 "$WORK/snap-d.img" "$WORK/refiltered" 2>&1 |
	tr '\r' '\n' | tail -n 2 >>"$WORK/find.out" || true
# makedumpfile 1.7.8 maps the ELF input a page at a time
"$TOP/scripts/readers.sh" run sid makedumpfile -E -d 17 "$WORK/snap-a.img" \
	"$WORK/refiltered.elf" 2>&1 | tr '\r' '\n' | tail -n 2 |
	sed 's/^/1.7.8: /' >>"$WORK/find.out" || true
LAST_LOG=$WORK/find.out
cat "$LAST_LOG"
expect '^makedumpfile Completed\.$'
expect '^1\.7\.8: makedumpfile Completed\.$'
expect "^kpattern: found 4096 of 4096 pattern pages in .*snap-b.img\$"
expect "^kpattern: found 0 of 4096 pattern pages in .*snap-c.img\$"
expect '^task [0-9]+ kpattern$'

for codec in zlib lzo snappy; do
	rm -f "$WORK/snap-$codec.kdump"
	[ $codec = zlib ] && format=kdump || format=kdump-$codec
	"$TOP/build/bin/ksave" --convert --format=$format --exclude=zero,free \
		"$WORK/snap-a.img" "$WORK/snap-$codec.kdump" ||
		fail "ksave --convert --format=$format failed"
done
# the output cannot be the core being read: opening it would cut it short
sum=$(md5sum <"$WORK/snap-a.img")
rc=0
err=$("$TOP/build/bin/ksave" --convert "$WORK/snap-a.img" "$WORK/snap-a.img" 2>&1) ||
	rc=$?
[ $rc != 0 ] && [ "$err" = "ksave: $WORK/snap-a.img: is the core being read; write the snapshot elsewhere" ] ||
	fail "ksave --convert onto its input: status $rc, $err"
[ "$(md5sum <"$WORK/snap-a.img")" = "$sum" ] ||
	fail "ksave --convert onto its input changed it"
# each page in the codec asked for, the header saying so
kdump_codec() {
	od -A n -t u4 -j 424 -N 4 "$1" | tr -d ' '
}
[ "$(kdump_codec "$WORK/snap-d.img")" = 1 ] &&
	[ "$(kdump_codec "$WORK/snap-e.img")" = 32 ] &&
	[ "$(kdump_codec "$WORK/snap-lzo.kdump")" = 2 ] &&
	[ "$(kdump_codec "$WORK/snap-snappy.kdump")" = 4 ] ||
	fail "a kdump file's header names another codec"
crash_check "$WORK/snap-a.img" elf-zero
crash_check "$WORK/snap-b.img" elf-zero-free
crash_check "$WORK/snap-c.img" elf-all
crash_check "$WORK/snap-d.img" kdump-all
crash_check "$WORK/snap-e.img" kdump-zstd-zero
crash_check "$WORK/snap-zlib.kdump" kdump-zero-free
crash_check "$WORK/snap-lzo.kdump" kdump-lzo-zero-free
crash_check "$WORK/snap-snappy.kdump" kdump-snappy-zero-free
drgn_check "$WORK/snap-e.img" kdump-zstd-zero 0x5eed 16
expect_jump_registers
expect '^pattern: 4096 of 4096 pages$'
drgn_check "$WORK/snap-b.img" elf-zero-free 0x5eed 16
expect_jump_registers
expect '^pattern: 4096 of 4096 pages$'
drgn_check "$WORK/snap-d.img" kdump-all 0x5eed 16
expect_jump_registers
expect '^pattern: 0 of 4096 pages$'
