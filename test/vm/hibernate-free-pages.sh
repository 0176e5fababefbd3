# Free pages the image leaves out come back cleared, or poisoned where the
# hibernated kernel poisons them, as the kernel's own resume leaves them
# (clear_or_poison_free_pages()); never holding what the restore kernel
# left there.
#
# 1. The system runs with init_on_free=1 init_on_alloc=0, so its
#    allocator trusts free pages to be zero and hands them to user space
#    as they are.  The restore kernel boots with page_poison=1: all of its
#    free memory is 0xaa.  After the resume, 400 MiB of new anonymous
#    memory must read as zeros.
# 2. The system runs with page_poison=1, so its allocator checks every
#    page it hands out for the poison.  After the resume (the restore
#    kernel's free memory is zero), 400 MiB of new memory must raise no
#    "pagealloc: memory corruption".
fresh='kpattern fresh 400 || exit 1'

truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND="$HIB_APPEND init_on_free=1 init_on_alloc=0" \
	vm_run on-free "$(hib_script 'khibernate --to=/dev/vda')
$fresh" -drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'
expect '[1-9][0-9]* free left out'
HIB_RESUME_APPEND='page_poison=1' VM_TIMEOUT=300 \
	hib_resume on-free-resume "$WORK/disk.img"
expect '^krestore: memory restored in .* [1-9][0-9]* free pages cleared\)'
expect '^resumed system ok'
expect '^kpattern: 400 MiB of fresh memory, all zero$'
expect_success

truncate -s 512M "$WORK/disk2.img"
VM_TIMEOUT=300 VM_APPEND="$HIB_APPEND page_poison=1" \
	vm_run poison "$(hib_script 'khibernate --to=/dev/vda')
$fresh" -drive "file=$WORK/disk2.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'
"$TOP/build/bin/krestore" --info "$WORK/disk2.img" | grep -q 'free-pages-poisoned' ||
	fail "the image does not say its free pages are poisoned"
VM_TIMEOUT=300 hib_resume poison-resume "$WORK/disk2.img"
expect '^krestore: memory restored in .* [1-9][0-9]* free pages poisoned\)'
expect '^resumed system ok'
expect '^kpattern: 400 MiB of fresh memory, all zero$'
expect_not 'pagealloc: (memory corruption|single bit error)'
expect_success
