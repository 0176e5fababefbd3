# A real Debian 13 system, as a user has it: systemd, udev, ext4 root,
# the suite's Debian packages installed with dpkg -i (the Debian disk of
# scripts/debian-system.sh).  It boots to multi-user.target with the
# workload service running; the administrator sets to=/dev/vdb in
# /etc/kjump/kjump.conf and runs update-initramfs -u;
# "systemctl hibernate" writes the image through khibernate and the
# machine goes off; the next boot, through Debian's own initramfs and the
# suite's hook, resumes it: the counter, the pattern and the appended file
# carry on in the same processes, the journal shows the resume and no
# unit failed.  systemctl suspend still suspends to RAM (S3; QMP wakes
# the machine).  After a clean shutdown the root file system is clean.
debian_disk "$WORK/disk.img"
truncate -s 2G "$WORK/image.img"
image=(-drive "file=$WORK/image.img,format=raw,if=virtio")

debian_start boot "$WORK/disk.img" "${image[@]}"
debian_wait_up
debian_configure to=/dev/vdb
debian_workload_before
guest 'systemctl hibernate' || fail "systemctl hibernate refused"
debian_wait_off 300
expect '^ksave: hibernation image on /dev/vdb: [0-9]+ MiB'
expect '^ksave: image complete, powering off'
"$TOP/build/bin/krestore" --check "$WORK/image.img" ||
	fail "the image does not check"

# QMP watches the resumed machine: a suspend to RAM gets woken up
rm -f "$WORK/resume.qmp"
"$TOP/test/vm/qmp.py" "$WORK/resume.qmp" "$WORK/resume.events" --wakeup 2 &
qmp=$!
debian_start resume "$WORK/disk.img" "${image[@]}" \
	-qmp "unix:$WORK/resume.qmp,server=on,wait=off"
debian_workload_after /dev/vdb
expect '^krestore: /dev/vdb: '
expect_not 'kjump: no resume from'

# systemctl suspend is the kernel's S3, as before the package.  QEMU
# resets the serial ports at the wake, which hangs up the test shell:
# wait for the kernel to be back, and a little for a getty to log in
# again (the shell of before may also live on).
guest 'systemctl suspend' || fail "systemctl suspend refused"
for _ in $(seq 300); do
	grep -aq 'PM: suspend exit' "$LAST_LOG" && break
	sleep 1
done
expect 'PM: suspend exit'
for _ in $(seq 20); do
	grep -aq 'automatic login' "$LAST_LOG.shell" && break
	sleep 1
done
sleep 2
python3 "$TOP/test/vm/guest.py" "$GUEST_SOCK" wait 300 ||
	fail "no shell after systemctl suspend"
guest 'for i in $(seq 60); do
	journalctl -b --no-pager -u systemd-suspend.service | grep -q "System returned from sleep" && exit 0
	sleep 1; done; exit 1' 120 || fail "systemctl suspend did not suspend and come back"
guest 'kpattern check /run/kjump-workload/kp' || fail "the pattern is bad after the suspend"

# the resumed system goes down as usual, its root clean
guest 'systemctl poweroff' || true
debian_wait_off 120
e2fsck -fn "$WORK/disk.img?offset=$DEBIAN_ROOT_OFFSET" ||
	fail "the root file system is not clean after the resume"
debian_appended_check "$WORK/disk.img"
wait "$qmp" || true
grep -q '"event": "SUSPEND"' "$WORK/resume.events" || fail "no S3 (no QMP SUSPEND)"
grep -q '"event": "WAKEUP"' "$WORK/resume.events" || fail "no wake up from S3"

# The image was used: the next boot starts afresh, saying why.
debian_start again "$WORK/disk.img" "${image[@]}"
debian_wait_up
expect 'resumed once already'
guest 'systemctl poweroff' || true
debian_wait_off 120
