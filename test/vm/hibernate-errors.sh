# What khibernate and krestore refuse, with nothing lost.  While khibernate
# waits for a passphrase it holds its target: nothing mounts it, and once
# it is killed the disk is as it was.  Hibernating to a
# disk too small for the image fails in the helper, which jumps back: the
# system carries on.  A good image is then written, and copies of it
# with one byte changed, cut short, or booted by another kernel build are
# each refused with the reason and a normal boot.
truncate -s 512M "$WORK/disk.img"
truncate -s 16M "$WORK/small.img"
mkfs.ext4 -q -F "$WORK/small.img" || fail "mkfs.ext4 failed"
script="
mkdir -p /mnt/x && mkfifo /tmp/pass && exec 3<>/tmp/pass
khibernate --to=/dev/vdb --encrypt --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz <&3 &
kh=\$!
for i in \$(seq 50); do ls -l /proc/\$kh/fd 2>/dev/null | grep -q /dev/vdb && break; sleep 0.2; done
sleep 2
mount -t ext4 /dev/vdb /mnt/x 2>/dev/null; echo \"mount while held: \$?\"
kill \$kh; wait \$kh; kjump -u
mount -t ext4 /dev/vdb /mnt/x && umount /mnt/x && echo 'mounted once let go'
khibernate --to=/dev/vda; echo \"no helper: \$?\"
khibernate --to=/dev/nosuchdisk --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz; echo \"no disk: \$?\"
khibernate --to=/dev/vdb --compress=lzo; echo \"bad option: \$?\"
khibernate --to=/tmp/image --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz; echo \"new file on tmpfs: \$?\"
echo x >/tmp/image
khibernate --to=/tmp/image --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz; echo \"file on tmpfs: \$?\"
[ \"\$(cat /tmp/image)\" = x ] && echo 'the file is untouched'
$HIB_LOAD || exit 1
kpattern start /tmp/small 0x33 32 || exit 1
khibernate --to=/dev/vdb --compress=none; echo \"too small: \$?\"
kpattern check /tmp/small || exit 1
echo 'carried on after the failed hibernation'
$(hib_script 'khibernate')"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate "$script" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio" \
	-drive "file=$WORK/small.img,format=raw,if=virtio"
expect '^mount while held: [1-9]'
expect '^mounted once let go$'
expect '^khibernate: no helper kernel loaded'
expect '^no helper: 1$'
expect '^khibernate: /dev/nosuchdisk: no such disk or file, and no image file can be made in /dev '
expect '^no disk: 1$'
expect '^khibernate: --compress=lzo: expected lz4, zstd, zlib or none'
expect '^bad option: 2$'
expect '^khibernate: /tmp/image: no such disk or file, and no image file can be made in /tmp '
expect '^new file on tmpfs: 1$'
expect '^khibernate: /tmp/image: on a file system \(type 0x[0-9a-f]+\) not known to keep'
expect '^file on tmpfs: 1$'
expect '^the file is untouched$'
expect '^khibernate: hibernation failed in the helper: .*no space left'
expect '^too small: 1$'
expect '^ok 1 32 MiB intact'
expect '^carried on after the failed hibernation'
expect '^ksave: image complete, powering off'
"$TOP/build/bin/krestore" --check "$WORK/disk.img"
bytes=$("$TOP/build/bin/krestore" --info "$WORK/disk.img" |
	sed -n 's/.*image bytes: \([0-9]*\)$/\1/p')
[ "${bytes:-0}" -gt 1048576 ] || fail "image of ${bytes:-no} bytes"

# the resume machines have the same disks: SeaBIOS's tables, and so the
# memory map the image must match, depend on the devices
small=(-drive "file=$WORK/small.img,format=raw,if=virtio")

# one byte in the middle of the image
cp --sparse=always "$WORK/disk.img" "$WORK/corrupt.img"
off=$((bytes / 2))
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0x01]))' "$WORK/corrupt.img" "$off"
cmp -s "$WORK/disk.img" "$WORK/corrupt.img" && fail "corrupt.img unchanged"
hib_resume corrupt "$WORK/corrupt.img" "${small[@]}"
expect '^krestore: /dev/vda: chunk [0-9]+ at byte [0-9]+: '
expect 'kjump-test: normal boot'

# the image cut short (the disk ends in the middle of it)
cp --sparse=always "$WORK/disk.img" "$WORK/short.img"
truncate -s $(( bytes / 2 / 4096 * 4096 )) "$WORK/short.img"
hib_resume truncated "$WORK/short.img" "${small[@]}"
expect '^krestore: /dev/vda: .*ends at byte'
expect 'kjump-test: normal boot'

# another kernel build
KERNEL_DIR=$TOP/build/kernel-nojump hib_resume other-kernel "$WORK/disk.img" "${small[@]}"
expect '^krestore: /dev/vda: made by kernel .* build [0-9a-f]{12}, this is .* build [0-9a-f]{12}'
expect 'kjump-test: normal boot'

# the good image, untouched by all that, still resumes
cmp -s "$WORK/disk.img" "$WORK/short.img" && fail "short.img is the image"
VM_TIMEOUT=300 hib_resume resume "$WORK/disk.img" "${small[@]}"
expect '^khibernate: resumed from /dev/vda after'
expect '^resumed system ok'
expect_success
