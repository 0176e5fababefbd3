# Xen, as the seed guide has it: kexec from Linux to Xen (a multiboot2
# image with its dom0 kernel and initrd as modules), from Xen to Xen and
# from Xen to Linux through the hypervisor's kexec hypercalls, in one
# chain of boots of one machine (xen_machine, xen_disk in lib.sh).
xen_machine
VM_MEM=2048
# the release built (scripts/xen.sh): "xen 4.17.5+72-g... (Debian's ...)"
xen_release=$(sed -n 's/^xen \([0-9.]*\).*/\1/p' "$XEN_DIR/version")
[ -n "$xen_release" ] || fail "$XEN_DIR/version: no release"
xen_disk "
case \$step in
xen-to-xen)
	kjump --status | grep '^kexec:'
	kjump --load-jump-back /mnt/dom0 --initrd=/mnt/dom0.cpio.gz
	kjump -s -l /mnt/dom0 --initrd=/mnt/dom0.cpio.gz
	echo \"xentest: kjump -l -s: \$?\"
	kjump -l /mnt/xen.gz \\
		--module='/mnt/dom0 $DOM0_ARGS xentest=xen-to-linux' \\
		--module=/mnt/dom0.cpio.gz --append='$XEN_ARGS' || exit 1
	kjump --status | grep '^loaded:'
	kjump -e ;;
xen-to-linux)
	kjump -l /mnt/dom0 --initrd=/mnt/dom0.cpio.gz \\
		--append='console=ttyS0,115200 panic=-1 xentest=linux' || exit 1
	kjump -e ;;
linux)
	echo 'xentest: the chain ends'
	exit 0 ;;
esac
echo \"xentest: \$step: kjump -e returned \$?\""

vm_run chain "
mkdir -p /mnt && mount -o ro /dev/vda /mnt || exit 1
kjump -l /mnt/xen.gz --module=/mnt/dom0 --module=/mnt/dom0.cpio.gz --initrd=/mnt/dom0.cpio.gz
echo \"refused initrd: \$?\"
kjump -l /boot/helper.cpio.gz
echo \"refused not a kernel: \$?\"
kjump -l /boot/bzImage --module=/mnt/dom0.cpio.gz
echo \"refused a module for Linux: \$?\"
kjump -l /mnt/xen.gz --module=\"/mnt/dom0 $DOM0_ARGS xentest=xen-to-xen\" \\
	--module=/mnt/dom0.cpio.gz --append=\"$XEN_ARGS\" || exit 1
kjump -e
echo \"kjump -e returned: \$?\"
" "${XEN_DISK[@]}"

# Linux to Xen: the purgatory entered Xen as a multiboot2 loader does
expect 'kjump: /mnt/xen.gz: a multiboot kernel takes no --initrd'
expect 'refused initrd: 1'
expect 'helper.cpio.gz: neither a bzImage nor a multiboot2 kernel'
expect 'refused not a kernel: 1'
expect 'kjump: /boot/bzImage: a bzImage takes no --module'
expect 'refused a module for Linux: 1'
expect 'kjump: /mnt/xen.gz loaded \(multiboot2, 2 modules\)'
expect_not 'kjump -e returned'
expect "\\(XEN\\) Xen version ${xen_release//./\\.} "
expect '\(XEN\) Bootloader: kjump'
expect '\(XEN\) Command line: no-real-mode .*dom0_mem=512M'
expect '^xentest: xen-to-xen on .*, hypervisor xen \(PV\)'
# From Xen: the hypercall path, no jump, then Xen again
expect '^kexec: the Xen hypervisor'
expect 'kexec jump is not offered under Xen'
expect '^kjump: kexec_file_load: not under Xen, where the hypervisor loads'
expect '^xentest: kjump -l -s: 1'
expect '^loaded: yes'
expect '^xentest: xen-to-linux on .*, hypervisor xen \(PV\)'
# Xen to Linux: the kernel alone, no hypervisor under it
expect '^xentest: linux on .*, hypervisor none \(native\)'
expect '^xentest: the chain ends'
expect_count 2 "\\(XEN\\) Xen version ${xen_release//./\\.} "
expect_order '^xentest: xen-to-xen' '^xentest: xen-to-linux' '^xentest: linux on'
# Loaded from dom0 (512 MiB), the last kernel got the machine's memory
# map (2 GiB), not dom0's share of it (Xen's console ends dom0's lines
# with two carriage returns)
dom0_kib=$(tr -d '\r' <"$LAST_LOG" | sed -n 's/^xentest: xen-to-linux has \([0-9]*\) KiB$/\1/p')
linux_kib=$(tr -d '\r' <"$LAST_LOG" | sed -n 's/^xentest: linux has \([0-9]*\) KiB$/\1/p')
[ -n "$dom0_kib" ] && [ "$dom0_kib" -lt $((600 * 1024)) ] ||
	fail "dom0 has ${dom0_kib:-?} KiB, not dom0_mem=512M"
[ -n "$linux_kib" ] && [ "$linux_kib" -gt $((1536 * 1024)) ] ||
	fail "the kernel Xen started has ${linux_kib:-?} KiB, not the machine's 2 GiB"
