# One-pass resume, what it must survive: damage found only at the end of
# the image, in its last chunk or its trailer, when the restore kernel
# (confined to the jump window by the memory map the hibernated system
# printed, krestore --cmdline) has written most of memory already.  It
# must say why, leave the image as it was and reboot, and nothing of the
# hibernated system may run.  vm/hibernate resumes in one pass, and
# vm/powercut cuts the power during one.
truncate -s 512M "$WORK/saved.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"$(hib_script 'khibernate --to=/dev/vda')" \
	-drive "file=$WORK/saved.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'
expect '^restore-cmdline: memmap=exactmap '

"$TOP/build/bin/krestore" --info "$WORK/saved.img" >"$WORK/info"
bytes=$(sed -n 's/.*image bytes: \([0-9]*\)$/\1/p' "$WORK/info")
chunks=$(sed -n 's/^chunks: \([0-9]*\),.*/\1/p' "$WORK/info")
damage() {
	python3 - "$@" <<'EOP'
import struct, sys
path, what, end = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "r+b") as f:
    # the trailer ends the image (whose size is rounded up to a block)
    f.seek(end - 8 * 1024 * 1024)
    tail = f.read(8 * 1024 * 1024)
    trailer = end - len(tail) + tail.rindex(b"KJHITRLR")
    if what == "trailer":
        off = trailer + 16            # its pages_data
    else:
        head = end - len(tail) + tail.rindex(b"KJHICHNK")
        f.seek(head + 24)
        stored = struct.unpack("<I", f.read(4))[0]
        # a byte of its payload, or of its page maps if it has none
        off = head + 192 + stored // 2 if stored else head + 100
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0x40]))
    print("damaged byte", off)
EOP
}
for what in last-chunk trailer; do
	cp --sparse=always "$WORK/saved.img" "$WORK/$what.img"
	damage "$WORK/$what.img" "$what" "$bytes"
	cp --sparse=always "$WORK/$what.img" "$WORK/$what.orig"
	hib_resume_confined "$what" "$WORK/$what.img"
	expect '^krestore: /dev/vda: restoring in one pass'
	expect 'krestore: restoring: [0-9]+ of'
	if [ $what = trailer ]; then
		expect '^krestore: /dev/vda: .*trailer'
	else
		expect "^krestore: /dev/vda: chunk $((chunks - 1)) at byte [0-9]+: checksum mismatch"
	fi
	expect '^krestore: the image is left as it was; rebooting into a normal boot'
	expect_not 'krestore: memory restored'
	expect_not '^khibernate: |^counter after|kjump-test: '
	cmp "$WORK/$what.img" "$WORK/$what.orig" || fail "$what: the image was changed"
done

# the normal boot that follows says why too, and boots
hib_resume normal "$WORK/trailer.img"
expect '^krestore: /dev/vda: .*trailer'
expect 'kjump-test: normal boot'
