# The other memory model: the original system runs the classic kernel
# (SPARSEMEM without VMEMMAP: struct pages in the direct map, section by
# section; 32-byte mem_section with PAGE_EXTENSION; 72-byte struct page),
# its helper the distribution-shaped one.  Snapshots leave out each page
# class and keep the pattern; a hibernated system leaves out its free
# pages and resumes.
KERNEL_DIR=$TOP/build/kernel-classic
for d in a b; do
	truncate -s 1200M "$WORK/snap-$d.img"
done
VM_APPEND='memmap=256M$0x10000000' VM_TIMEOUT=400 vm_run snap '
uname -r
kpattern start /tmp/kp 0x5eed 16 || exit 1
kpattern start /tmp/freed 0x77 64 && kpattern stop /tmp/freed || exit 1
ksnapshot -o /dev/vda --exclude=zero,free --kernel=/boot/bzImage \
	--initrd=/boot/helper.cpio.gz --append=console=ttyS0,115200 || exit 1
ksnapshot -o /dev/vdb --exclude=zero,free,cache,user || exit 1
kpattern check /tmp/kp
' -drive "file=$WORK/snap-a.img,format=raw,if=virtio" \
	-drive "file=$WORK/snap-b.img,format=raw,if=virtio"
expect_success
expect "^$(release_re)\$"
expect '^ksnapshot: /dev/vda: .* \(zero [0-9]+, free [1-9][0-9]*, cache 0, user 0\)'
expect '^ksnapshot: /dev/vdb: .* \(zero [0-9]+, free [1-9][0-9]*, cache [0-9]+, user [1-9][0-9]*\)'
kp=$TOP/build/bin/kpattern
"$kp" find "$WORK/snap-a.img" 0x5eed 16 >"$WORK/find.out" 2>&1 || true
"$kp" find "$WORK/snap-b.img" 0x5eed 16 >>"$WORK/find.out" 2>&1 || true
LAST_LOG=$WORK/find.out
cat "$LAST_LOG"
expect "^kpattern: found 4096 of 4096 pattern pages in .*snap-a.img\$"
expect "^kpattern: found 0 of 4096 pattern pages in .*snap-b.img\$"

truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"$(hib_script 'khibernate --to=/dev/vda')" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'
expect '[1-9][0-9]* free left out'
VM_TIMEOUT=300 hib_resume_confined resume "$WORK/disk.img"
expect '^resumed system ok'
expect_success
