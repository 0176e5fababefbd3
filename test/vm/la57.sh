# 5-level paging, on a CPU with LA57: the original system and its helper
# both run five levels (a jump goes from one's page tables to the other's
# with paging on); round trips keep the pattern, the helper reads struct
# pages through five levels to leave out free and user pages, and a
# hibernated system resumes.  A system booted with no5lvl on the same CPU
# gets a helper told no5lvl too.
VM_CPU=qemu64,+la57

truncate -s 1200M "$WORK/snap.img"
VM_APPEND='memmap=256M$0x10000000' VM_TIMEOUT=400 vm_run jumps '
kpattern start /tmp/kp 0x5eed 32 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 panic=-1 kjump.job=jumpback kjump.find=0x5eed:32" ||
	exit 1
for i in 1 2; do
	kjump -e || exit 1
	kpattern check /tmp/kp || exit 1
done
ksnapshot -o /dev/vda --format=kdump --exclude=zero,free,cache,user || exit 1
kpattern check /tmp/kp
' -drive "file=$WORK/snap.img,format=raw,if=virtio"
expect_success
[ "$(grep -c '^kjump-init: layout: .*, 5-level paging$' "$LAST_LOG")" = 2 ] ||
	fail "not both kernels on 5-level paging"
expect '^kjump-helper: visit 2$'
expect '^kpattern: found 8192 of 8192 pattern pages in /proc/vmcore'
expect '^ok 2 32 MiB intact'
expect '^ksnapshot: /dev/vda: .* \(zero [0-9]+, free [1-9][0-9]*, cache [0-9]+, user [1-9][0-9]*\)'

VM_APPEND='memmap=256M$0x10000000 no5lvl' vm_run no5lvl '
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 kjump.job=jumpback" || exit 1
kjump -e
'
expect_success
[ "$(grep -c '^kjump-init: layout: .*, 4-level paging$' "$LAST_LOG")" = 2 ] ||
	fail "not both kernels on 4-level paging"
expect 'Command line: console=ttyS0,115200 kjump.job=jumpback no5lvl elfcorehdr='
expect '^kjump: back after'

truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"$(hib_script 'khibernate --to=/dev/vda')" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'
expect '[1-9][0-9]* free left out'
"$TOP/build/bin/krestore" --info "$WORK/disk.img" | grep -q ', 5-level paging$' ||
	fail "the image does not say 5-level paging"
VM_TIMEOUT=300 hib_resume_confined resume "$WORK/disk.img"
expect '^krestore: memory restored in'
expect '^resumed system ok'
expect_success
