# Power cuts at every stage of a hibernation and of a resume.  The
# original system holds the usual workload and appends to a file on an
# ext4 file system of its own.  One hibernation run and one resume run are
# each stopped at many points (test/vm/powercut.py: QMP stop, copy the
# disks, cont); each copy is what the disks hold after a power cut there,
# and is then booted on its own with kjump.resume=.  Every cut must give
# the outcome docs/powercut.md lists for it: the system resumed intact
# with its image invalidated, or a normal boot that says why; never a
# partly restored system.  The ext4 file system passes e2fsck -fn after
# every boot, whichever it was.
truncate -s 512M "$WORK/disk.img"
truncate -s 64M "$WORK/fs.img"
mkfs.ext4 -q -F "$WORK/fs.img" || fail "mkfs.ext4 failed"
CUTS=$WORK/cuts
rm -rf "$CUTS" && mkdir -p "$CUTS"

# The file's lines are 1, 2, 3, ...: nothing lost in the middle, nothing
# made up at the end.
LOG_CHECK='awk "NR != \$1 { print \"/mnt/log: line \" NR \" reads \" \$1; bad = 1 } END { exit bad }" /mnt/log'
FS_WORK="mkdir -p /mnt && mount -t ext4 /dev/vdb /mnt || exit 1
(i=0; while :; do i=\$((i + 1)); echo \$i >>/mnt/log; sleep 0.05; done) &
appender=\$!"
FS_DONE="kill \$appender; wait \$appender
$LOG_CHECK || exit 1
echo \"file system ok, \$(wc -l </mnt/log) lines\"
umount /mnt || exit 1"
HIB_LOAD=${HIB_LOAD%\"}' kjump.failpoint=image-commit,hibernate-poweroff"'

# Start the watcher of a run; its cuts go to $CUTS/NAME.
# usage: cut_watch STEP POINT...
cut_watch() {
	local step=$1
	shift
	QMP_SOCK=$WORK/$step.qmp
	rm -f "$QMP_SOCK"
	"$TOP/test/vm/powercut.py" "$QMP_SOCK" "$LOGDIR/$TEST_NAME.$step.log" \
		"$CUTS" "${CUT_DISKS:-$WORK/disk.img,$WORK/fs.img}" "$@" \
		>"$WORK/$step.cuts" 2>&1 &
	CUT_PID=$!
}

cut_wait() {
	wait "$CUT_PID" || fail "powercut.py: $(tail -n 1 "$WORK/$1.cuts")"
}

# The hibernation: eight cuts while the image is written, the first as
# soon as it starts, then at every third of its progress lines (which come
# about twice a second: some 30 while the image is written with zlib, the
# slowest codec, chosen to give the cuts room; what a cut leaves does not
# depend on the codec).
points=(request='^khibernate: writing this system.s image'
	helper-up='^kjump-init: helper kernel .* up'
	write-1='ksave: image: [0-9]+ of [0-9]+ pages')
for i in 2 3 4 5 6 7 8; do
	points+=("write-$i=ksave: image: [0-9]+ of [0-9]+ pages#3")
done
points+=(commit='^kjump: failpoint image-commit reached'
	 poweroff='^kjump: failpoint hibernate-poweroff reached')
cut_watch hibernate "${points[@]}"
VM_TIMEOUT=400 VM_APPEND=$HIB_APPEND vm_run hibernate "$FS_WORK
$(hib_script 'khibernate --to=/dev/vda --compress=zlib')
$FS_DONE" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio" \
	-drive "file=$WORK/fs.img,format=raw,if=virtio" \
	-qmp "unix:$QMP_SOCK,server=on,wait=off"
cut_wait hibernate
expect '^ksave: image complete, powering off'

# A torn commit record: of the header's 4096 bytes only the first sector
# made it (block 0 was zeroed when the writing began).
mkdir -p "$CUTS/torn-header"
cp --sparse=always "$CUTS/poweroff/disk.img" "$CUTS/poweroff/fs.img" \
	"$CUTS/torn-header/"
dd if=/dev/zero of="$CUTS/torn-header/disk.img" bs=512 seek=1 count=7 \
	conv=notrunc status=none

# The resume, from the disks as the hibernation left them.
points=(check='krestore: checking: [0-9]+ of [0-9]+ pages'
	enter-helper='^krestore: /dev/vda: image checked, entering the restore helper')
for i in 1 2 3; do
	points+=("restore-$i=krestore: restoring: ([0-9]+) of ([0-9]+) pages@0.$((i * 25))")
done
points+=(restore-jump='^kjump: failpoint restore-jump reached'
	 resumed='^khibernate: resumed from /dev/vda')
cut_watch resume "${points[@]}"
VM_TIMEOUT=400 VM_APPEND="$HIB_APPEND kjump.failpoint=restore-jump" \
	vm_run resume 'echo "kjump-test: normal boot"' \
	-drive "file=$WORK/disk.img,format=raw,if=virtio" \
	-drive "file=$WORK/fs.img,format=raw,if=virtio" \
	-qmp "unix:$QMP_SOCK,server=on,wait=off"
cut_wait resume
expect '^resumed system ok'
expect_success

# The one-pass resume (a restore kernel confined to the window), from the
# committed disks again: it writes memory while it reads the image, and
# the image stays as it was until the invalidation.
mkdir -p "$WORK/onepass"
cp --sparse=always "$CUTS/poweroff/disk.img" "$CUTS/poweroff/fs.img" \
	"$WORK/onepass/"
confined=$(sed -n 's/^restore-cmdline: //p' "$LOGDIR/$TEST_NAME.hibernate.log" |
	tail -n 1)
[ -n "$confined" ] || fail "no restore-cmdline: in the hibernation's log"
CUT_DISKS="$WORK/onepass/disk.img,$WORK/onepass/fs.img" cut_watch onepass \
	onepass-restore='krestore: restoring: ([0-9]+) of ([0-9]+) pages@0.5' \
	onepass-jump='^kjump: failpoint restore-jump reached'
VM_TIMEOUT=400 VM_APPEND="$HIB_APPEND kjump.failpoint=restore-jump $confined" \
	vm_run onepass 'echo "kjump-test: normal boot"' \
	-drive "file=$WORK/onepass/disk.img,format=raw,if=virtio" \
	-drive "file=$WORK/onepass/fs.img,format=raw,if=virtio" \
	-qmp "unix:$QMP_SOCK,server=on,wait=off"
cut_wait onepass
expect '^krestore: /dev/vda: restoring in one pass'
expect '^resumed system ok'
expect_success

# Boot the disks of cut $1 with kjump.resume=; expect outcome $2: resumed,
# or normal with the reason matching $3.
# After a cut while the system ran, ext4 may have committed the file's
# new size before the data of its last block (ordered mode orders only
# new blocks): the tail then reads as zero bytes, which are no lines.
NORMAL_BOOT="mkdir -p /mnt && mount -t ext4 /dev/vdb /mnt || exit 1
# a cut before the first journal commit leaves no file: no lines
touch /mnt/log && tr -d '\\000' </mnt/log >/tmp/log || exit 1
zeros=\$(( \$(wc -c </mnt/log) - \$(wc -c </tmp/log) ))
if [ \$zeros != 0 ]; then
	# only at the end: what is left is where it was
	dd if=/mnt/log of=/tmp/head bs=1 count=\$(wc -c </tmp/log) 2>/dev/null
	cmp -s /tmp/head /tmp/log || { echo '/mnt/log: zero bytes amid the lines'; exit 1; }
	echo \"/mnt/log: \$zeros zero bytes at its end, not written before the cut\"
fi
${LOG_CHECK%/mnt/log}/tmp/log || exit 1
lines=\$(wc -l </tmp/log)
umount /mnt || exit 1
echo \"normal boot: file system ok, \$lines lines\""
boot_cut() {
	local cut=$1 outcome=$2 why=${3:-} d=$CUTS/$1
	VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run "after-$cut" "$NORMAL_BOOT" \
		-drive "file=$d/disk.img,format=raw,if=virtio" \
		-drive "file=$d/fs.img,format=raw,if=virtio"
	expect_success
	if [ "$outcome" = resumed ]; then
		expect '^khibernate: resumed from /dev/vda'
		expect '^resumed system ok'
		expect '^file system ok, [0-9]+ lines'
		expect_not 'normal boot'
		"$TOP/build/bin/krestore" --info "$d/disk.img" >"$d/info" ||
			fail "$cut: no image left after the resume"
		grep -q '^state: resumed once, invalidated$' "$d/info" ||
			fail "$cut: the resumed system's image is still valid"
	else
		expect "^krestore: /dev/vda: $why"
		expect '^kjump-init: no resume from /dev/vda; booting normally'
		expect '^normal boot: file system ok, [0-9]+ lines'
		expect_not 'restore helper|resumed from'
	fi
	e2fsck -fn "$d/fs.img" >"$d/fsck" 2>&1 ||
		fail "$cut: e2fsck -fn: status $? (see $d/fsck)"
	echo "powercut: $cut: $outcome"
}

for cut in request helper-up write-1 write-2 write-3 write-4 write-5 write-6 \
	write-7 write-8 commit; do
	boot_cut "$cut" normal 'no hibernation image'
done
boot_cut torn-header normal 'header checksum mismatch'
boot_cut poweroff resumed
for cut in check enter-helper restore-1 restore-2 restore-3; do
	boot_cut "$cut" resumed
done
boot_cut restore-jump normal 'the image was resumed once already'
boot_cut onepass-restore resumed
boot_cut onepass-jump normal 'the image was resumed once already'
boot_cut resumed normal 'the image was resumed once already'
