# The suite on UEFI firmware (OVMF), which has no BIOS.  The helper kernel
# gets no EFI system table (EFI runtime services stay the original
# kernel's, docs/window.md) but the ACPI RSDP and an E820 map from the
# loader: it finds ACPI as it would under a BIOS.
#
# 1. Round trips keep a 64 MiB pattern, the helper sees all of it in
#    /proc/vmcore, a snapshot with free pages left out reads back with gdb
#    and holds the pattern, and kbios refuses: there is no BIOS to call.
# 2. khibernate --platform writes an image and enters ACPI S4 through the
#    firmware (QMP SUSPEND_DISK); a new boot resumes the system, whose
#    pattern and counter carry on, and whose EFI runtime services still
#    answer (an EFI variable read through efivarfs), since the restore
#    kernel mapped them where the hibernated kernel had them; it ran the
#    firmware's S4 wake path on its way back.
VM_FIRMWARE=uefi

truncate -s 1200M "$WORK/snap.img"
VM_APPEND='memmap=256M$0x10000000' VM_TIMEOUT=400 vm_run jumps '
kpattern start /tmp/kp 0x5eed 64 KJUMP-UEFI-MARKER || exit 1
[ -d /sys/firmware/efi ] && echo "booted by UEFI"
kbios e820
echo "kbios: $?"
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 panic=-1 kjump.job=jumpback kjump.find=0x5eed:64" ||
	exit 1
for i in 1 2 3; do
	kjump -e || exit 1
	kpattern check /tmp/kp || exit 1
done
ksnapshot -o /dev/vda --exclude=zero,free || exit 1
kpattern check /tmp/kp
' -drive "file=$WORK/snap.img,format=raw,if=virtio"
expect_success
expect '^booted by UEFI$'
expect '^kbios: a UEFI machine: there is no legacy BIOS to call'
expect '^kbios: 1$'
expect '^kjump-helper: visit 3$'
expect '^ok 3 64 MiB intact'
expect '^kpattern: found 16384 of 16384 pattern pages in /proc/vmcore'
expect '^ksnapshot: /dev/vda: .* \(zero [0-9]+, free [1-9][0-9]*, '
# the helper found ACPI through the RSDP it was given, and no EFI
sed -n '/Command line: .*kjump.job=jumpback/,$p' "$LAST_LOG" >"$WORK/helper.log"
grep -q 'ACPI: PM: (supports S0 S3 S4 S5)' "$WORK/helper.log" ||
	fail "the helper kernel found no ACPI"
grep -q '^\[ *[0-9.]*\] efi: EFI v' "$WORK/helper.log" &&
	fail "the helper kernel runs EFI"

snapshot_check "$WORK/snap.img" 0x5eed 64

# Watch QMP for the S4 entry.
QMP_SOCK=$WORK/s4.qmp
rm -f "$QMP_SOCK"
"$TOP/test/vm/qmp.py" "$QMP_SOCK" "$WORK/s4.events" &
qmp_pid=$!
efivar='PlatformLang-8be4df61-93ca-11d2-aa0d-00e098032b8c'
truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"$(hib_script 'khibernate --platform')
# khibernate mounted efivarfs for the machine's ledger
grep -q ' /sys/firmware/efi/efivars efivarfs ' /proc/mounts &&
	[ -s /sys/firmware/efi/efivars/$efivar ] &&
	echo \"EFI runtime services answer\"" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio" \
	-qmp "unix:$QMP_SOCK,server=on,wait=off"
wait "$qmp_pid" || true
expect '^ksave: image complete, entering ACPI S4$'
grep -q '"event": "SUSPEND_DISK"' "$WORK/s4.events" ||
	fail "no SUSPEND_DISK event: not ACPI S4"
VM_TIMEOUT=300 hib_resume_confined resume "$WORK/disk.img"
expect '^krestore: memory restored in'
expect 'ACPI: PM: Waking up from system sleep state S4$'
expect '^khibernate: resumed from /dev/vda after'
expect '^resumed system ok'
expect '^EFI runtime services answer$'
expect_success
