# ACPI sleep states on QEMU's pc machine (QEMU 7.2 enables S3 and S4):
# kacpi lists the firmware's \_Sx and the FACS signature; kacpi suspend
# enters S3 (QMP: SUSPEND, status "suspended"), QMP system_wakeup wakes the
# guest and it carries on.  khibernate --platform enters S4 once the image
# is written (QMP: SUSPEND_DISK, which a plain power-off does not send) and
# a new QEMU resumes the system, whose kernel then runs the S4 wake path
# (_WAK; kernel-patches 0010) before its devices resume, as its own
# hibernation would; a --platform hibernation that failed in the helper
# and jumped back does not.  With S3 and S4 taken out of the firmware,
# kacpi refuses to suspend and khibernate --platform says it powers off
# instead.

# Watch QEMU's QMP socket in the background; events into $WORK/STEP.events.
qmp_watch() {
	QMP_SOCK=$WORK/$1.qmp
	rm -f "$QMP_SOCK"
	"$TOP/test/vm/qmp.py" "$QMP_SOCK" "$WORK/$1.events" ${2:+--wakeup "$2"} &
	QMP_PID=$!
}
qmp_events() {
	wait "$QMP_PID" || true
	cat "$WORK/$1.events"
}

qmp_watch s3 1
VM_APPEND='no_console_suspend' vm_run s3 '
kacpi states
kacpi signature
kpattern start /tmp/kp 0x21 16 || exit 1
kacpi suspend || exit 1
kpattern check /tmp/kp
' -qmp "unix:$QMP_SOCK,server=on,wait=off"
events=$(qmp_events s3)
echo "$events"
expect_success
expect '^S3  suspend to RAM +SLP_TYP 1/1$'
expect '^S4  suspend to disk \(hibernation\) +SLP_TYP 2/2$'
expect '^S5  soft off +SLP_TYP 0/0$'
expect '^FACS hardware signature: 0x[0-9a-f]{8}$'
expect '^kacpi: entering S3$'
expect '^kacpi: back from S3 after'
expect '^ok 1 16 MiB intact'
echo "$events" | grep -q '"event": "SUSPEND"' || fail "no SUSPEND event"
status=$(echo "$events" | grep -o '"status": "[a-z-]*"' | head -n 1)
[ "$status" = '"status": "suspended"' ] ||
	fail "not suspended at the SUSPEND event: ${status:-no query-status answer}"
echo "$events" | grep -q '"event": "WAKEUP"' || fail "no WAKEUP event"

# Where the wake path runs among the devices' restore callbacks: the
# kernel names each callback it calls (/sys/power/pm_print_times).
# "Waking up from system sleep state S4" comes before the first of them.
wakes_before_devices() {
	awk '/ACPI: PM: Waking up from system sleep state S4$/ { if (!dev) ok = 1 }
		/ calling [a-z0-9_]*restore[a-z0-9_]* @/ { dev = 1 }
		END { exit !(ok && dev) }' "$LAST_LOG"
}

truncate -s 512M "$WORK/disk.img"
truncate -s 16M "$WORK/small.img"
qmp_watch s4
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run s4 \
	"$(hib_script 'echo 1 >/sys/power/pm_print_times &&
	{ khibernate --platform --to=/dev/vdb --compress=none
	  echo "too small: $?"; } && khibernate --platform')" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio" \
	-drive "file=$WORK/small.img,format=raw,if=virtio" \
	-qmp "unix:$QMP_SOCK,server=on,wait=off"
events=$(qmp_events s4)
echo "$events"
expect '^khibernate: hibernation failed in the helper: .*no space left'
expect '^too small: 1$'
# back from a helper that failed: the devices resume, and no S4 wake
grep -q ' calling [a-z0-9_]*restore[a-z0-9_]* @' "$LAST_LOG" ||
	fail "no restore callbacks named: pm_print_times does not work"
grep -q 'Waking up from system sleep state' "$LAST_LOG" &&
	fail "the kernel woke from S4 after a failed hibernation"
expect '^ksave: image complete, entering ACPI S4$'
echo "$events" | grep -q '"event": "SUSPEND_DISK"' ||
	fail "no SUSPEND_DISK event: not ACPI S4"
"$TOP/build/bin/krestore" --info "$WORK/disk.img" |
	grep -q '^wakes from ACPI S4: wake word at 0x[0-9a-f]*[048c]$' ||
	fail "the image does not carry the kernel's wake word"
# the same machine: the second disk changes its memory map
VM_TIMEOUT=300 hib_resume resume "$WORK/disk.img" \
	-drive "file=$WORK/small.img,format=raw,if=virtio"
# the resumed kernel wakes from S4 before its devices resume (0010)
expect 'ACPI: PM: Waking up from system sleep state S4$'
wakes_before_devices ||
	fail "the S4 wake path did not run before the devices' restore"
expect '^khibernate: resumed from /dev/vda after'
expect '^resumed system ok'
expect_success

qmp_watch nosleep
truncate -s 512M "$WORK/disk2.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run nosleep "
kacpi states
kacpi suspend; echo \"suspend: \$?\"
$HIB_LOAD || exit 1
khibernate --platform" \
	-global PIIX4_PM.disable_s3=1 -global PIIX4_PM.disable_s4=1 \
	-drive "file=$WORK/disk2.img,format=raw,if=virtio" \
	-qmp "unix:$QMP_SOCK,server=on,wait=off"
events=$(qmp_events nosleep)
expect '^S3  suspend to RAM +not defined by the firmware'
expect '^kacpi: the firmware defines no S3'
expect '^suspend: 1$'
expect '^ksave: the firmware defines no ACPI S4 .*powering off instead'
expect '^ksave: image complete, powering off'
echo "$events" | grep -q '"event": "SUSPEND_DISK"' &&
	fail "SUSPEND_DISK without S4"
true
