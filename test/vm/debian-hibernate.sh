# A real Debian 13 system, as a user has it: systemd, udev, ext4 root,
# the suite's Debian packages installed with dpkg -i (the Debian disk of
# scripts/debian-system.sh).  It boots to multi-user.target with the
# workload service running; the administrator sets to=/dev/vdb in
# /etc/kjump/kjump.conf and runs update-initramfs -u;
# "systemctl hibernate" writes the image through khibernate and the
# machine goes off; the next boot, GRUB's one-time entry (the machine has
# BIOS firmware and GRUB on its disk), resumes it in one pass through
# Debian's own initramfs and the suite's hook: the counter, the pattern
# and the appended file carry on in the same processes, the journal shows
# the resume and no unit failed.  After a clean shutdown the root file
# system is clean; systemctl suspend still suspends to RAM (S3; QMP wakes
# the machine).
DEBIAN_GRUB=1
debian_disk "$WORK/disk.img"
truncate -s 2G "$WORK/image.img"
image=(-drive "file=$WORK/image.img,format=raw,if=virtio")

debian_start boot "$WORK/disk.img" "${image[@]}"
debian_wait_up
# the tests' shell: a command cut short (a connection closed under it,
# QEMU dropping what it had not read) must not swallow the next one
python3 "$TOP/test/vm/guest.py" "$GUEST_SOCK" send '{ echo "cut short'
[ "$(guest 'echo whole' 60)" = whole ] ||
	fail "the shell is stuck in a command cut short"
debian_configure to=/dev/vdb
debian_workload_before
guest 'systemctl hibernate' || fail "systemctl hibernate refused"
debian_wait_off 300
expect '^ksave: hibernation image on /dev/vdb: [0-9]+ MiB'
expect '^ksave: image complete, powering off'
"$TOP/build/bin/krestore" --check "$WORK/image.img" ||
	fail "the image does not check"

debian_start resume "$WORK/disk.img" "${image[@]}"
debian_workload_after /dev/vdb
expect 'Command line: BOOT_IMAGE=.* memmap=exactmap '
expect 'krestore: /dev/vdb: restoring in one pass'
expect_not 'kjump: no resume from'


# the resumed system goes down as usual, its root clean
guest 'systemctl poweroff' || true
debian_wait_off 120
e2fsck -fn "$WORK/disk.img?offset=$DEBIAN_ROOT_OFFSET" ||
	fail "the root file system is not clean after the resume"
debian_appended_check "$WORK/disk.img"

# The image was used: the next boot starts afresh, saying why.  There
# systemctl suspend is the kernel's S3, as before the package (QMP wakes
# the machine; the console says the kernel is back).  The wake resets
# QEMU's serial ports, which hangs up the test shell at some point: the
# machine is stopped without it.
#
# One CPU: on the S3 wake SeaBIOS 1.16 sends the other CPUs to 0x10000,
# and under TCG they may get there only after it has put back what the
# system had there and returned to Linux.  After a boot through GRUB,
# 0x10000 holds GRUB's leftover data (its first byte a BOUND opcode); a
# CPU that runs it faults into the BIOS and resets the whole machine
# before Linux sends it INIT (QEMU's -d int,exec: 3 runs in 4, the
# suite's helper never started in that boot).  The kernel's S3 with
# every CPU is vm/acpi-sleep's, booted without GRUB.
rm -f "$WORK/again.qmp"
"$TOP/test/vm/qmp.py" "$WORK/again.qmp" "$WORK/again.events" --wakeup 2 &
qmp=$!
VM_SMP=1 debian_start again "$WORK/disk.img" "${image[@]}" \
	-qmp "unix:$WORK/again.qmp,server=on,wait=off"
debian_wait_up
expect 'resumed once already'
guest 'systemctl suspend' || fail "systemctl suspend refused"
debian_wait_s3 "$WORK/again.events" 300
kill "$DEBIAN_PID"
wait "$qmp" || true
