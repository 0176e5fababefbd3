# A sound image is never thrown away.  The restore through a helper loads
# the way into the hibernated system before it writes a byte of its
# memory, and keeps the image on every failure that is not the image's:
# each is injected in turn (kjump.failinject=) into the restore of one
# image, on the same disk.  Loading the way in fails: the restore kernel
# gets control back and boots on, the image as it was.  A read error
# after memory was written, or the image's invalidation failing: the
# machine reboots, the image kept.  The next boot resumes it, intact.
truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"$(hib_script 'khibernate --to=/dev/vda')" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'

STATE='krestore --info /dev/vda | grep -q "^state: resumed once" &&
	echo "image: used" || echo "image: pending"'
HIB_RESUME_APPEND='kjump.failinject=restore-load' VM_TIMEOUT=300 \
	hib_resume load "$WORK/disk.img"
LAST_LOG=$LOGDIR/$TEST_NAME.load.log
expect_order '^kjump: failing restore-load, as asked$' \
	'^krestore: the restore helper refused: loading the jump into the hibernated system: Cannot allocate memory \(injected\)' \
	'^kjump-init: no resume from /dev/vda; booting normally$'
"$TOP/build/bin/krestore" --check "$WORK/disk.img" >"$WORK/check-load" ||
	fail "the image is not intact after a failed load: $(cat "$WORK/check-load")"

for f in restore-read restore-invalidate; do
	HIB_RESUME_APPEND="kjump.failinject=$f" VM_TIMEOUT=300 \
		hib_resume "$f" "$WORK/disk.img"
	expect_order "^kjump: failing $f, as asked\$" \
		'after memory was overwritten; the image is kept for the next boot and rebooting$'
	expect_not 'kjump-test: normal boot|khibernate: resumed'
	"$TOP/build/bin/krestore" --check "$WORK/disk.img" >"$WORK/check-$f" ||
		fail "the image is not intact after $f failed: $(cat "$WORK/check-$f")"
done

VM_TIMEOUT=300 hib_resume resume "$WORK/disk.img"
expect_order '^krestore: memory restored in' '^khibernate: resumed from /dev/vda' \
	'^resumed system ok'
expect_not 'kjump-test: normal boot'
expect_success
