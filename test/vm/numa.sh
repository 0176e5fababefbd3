# Two NUMA nodes (512 MiB and two CPUs each; the window is in node 0):
# round trips keep a pattern, a snapshot leaves out free pages of both
# nodes and keeps the pattern, and a hibernated system resumes with both
# nodes.
VM_NUMA=2

truncate -s 1200M "$WORK/snap.img"
VM_APPEND='memmap=256M$0x10000000' VM_TIMEOUT=400 vm_run jumps '
for n in /sys/devices/system/node/node*; do echo "$n"; done
kpattern start /tmp/kp 0x5eed 32 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 panic=-1 kjump.job=jumpback kjump.find=0x5eed:32" ||
	exit 1
for i in 1 2; do
	kjump -e || exit 1
	kpattern check /tmp/kp || exit 1
done
ksnapshot -o /dev/vda --exclude=zero,free || exit 1
kpattern check /tmp/kp
' -drive "file=$WORK/snap.img,format=raw,if=virtio"
expect_success
expect '^/sys/devices/system/node/node1$'
expect '^kjump-helper: visit 2$'
expect '^kpattern: found 8192 of 8192 pattern pages in /proc/vmcore'
expect '^ksnapshot: /dev/vda: .* \(zero [0-9]+, free [1-9][0-9]*, '
"$TOP/build/bin/kpattern" find "$WORK/snap.img" 0x5eed 32 >"$WORK/find.out" || true
LAST_LOG=$WORK/find.out
expect '^kpattern: found 8192 of 8192 pattern pages in '

truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"$(hib_script 'khibernate --to=/dev/vda')
for n in /sys/devices/system/node/node*; do echo \"\$n\"; done" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'
VM_TIMEOUT=300 hib_resume_confined resume "$WORK/disk.img"
expect '^resumed system ok'
expect '^/sys/devices/system/node/node1$'
expect_success
