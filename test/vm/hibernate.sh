# Full hibernation cycle: the original system, running a counting process
# and holding a 64 MiB pattern, prepares its helper (khibernate --prepare:
# booted ahead, waiting), then hibernates to /dev/vda (with the default
# codec, LZ4) by a jump into that helper, and the machine
# goes off; a new QEMU boots the restore kernel on the same disk, confined
# to the jump window (krestore --cmdline), which resumes the original
# system in one pass: the count goes on from where it was and the
# pattern verifies.  Booting from the disk again finds the image used up
# and boots normally.
truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"$(hib_script 'khibernate --prepare && sleep 1 && khibernate --to=/dev/vda')" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^khibernate: the helper is up and waiting \([0-9.]+ s\); khibernate now only jumps into it$'
# the helper booted once, and wrote the image on its second visit
[ "$(grep -c 'kjump-init: helper kernel .* up' "$LAST_LOG")" = 1 ] ||
	fail "the helper booted more than once"
sed -n '/^kjump-helper: visit 2$/,$p' "$LAST_LOG" | grep -q '^ksave: image complete' ||
	fail "the image was not written on the helper's second visit"
expect '^krestore: /dev/vda: no hibernation image'
expect '^counter before: [0-9]+$'
expect '^ksave: hibernation image on /dev/vda: [0-9]+ MiB'
# where the time went, the free pages found through the mapped core
expect '^ksave: phases: free pages found [0-9.]+ s, read [0-9.]+ s, pages [0-9.]+ s, waiting for 4 lanes [0-9.]+ s, for writes [0-9.]+ s, last chunks and flush [0-9.]+ s$'
expect_order '^ksave: phases: ' '^ksave: hibernation image on '
expect '^ksave: image complete, powering off'
expect_not '^kjump-test: exit status'
"$TOP/build/bin/krestore" --check "$WORK/disk.img"
"$TOP/build/bin/krestore" --info "$WORK/disk.img" | tee "$WORK/info"
grep -q '^codec: lz4$' "$WORK/info" || fail "not the default codec, lz4"

VM_TIMEOUT=300 hib_resume_confined resume "$WORK/disk.img"
# the workload goes on only once its memory is back
expect_order '^krestore: /dev/vda: restoring in one pass' \
	'^krestore: memory restored in' '^khibernate: resumed from /dev/vda after' \
	'^counter after: [0-9]+$' '^ok 1 64 MiB intact' '^resumed system ok'
expect_success
expect_not 'kjump-test: normal boot'

hib_resume again "$WORK/disk.img"
expect '^krestore: /dev/vda: the image was resumed once already'
expect '^kjump-init: no resume from /dev/vda; booting normally'
expect 'kjump-test: normal boot'
