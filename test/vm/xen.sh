# Xen, as the seed guide has it: kexec from Linux to Xen (a multiboot2
# image with its dom0 kernel and initrd as modules), from Xen to Xen and
# from Xen to Linux through the hypervisor's kexec hypercalls, in one
# chain of boots of one machine.  Xen is Debian's (scripts/xen.sh); dom0
# is the classic test kernel, which has Xen PV support.
#
# The files every kernel of the chain needs are on an ext4 disk (vda):
# a dom0 cannot hand on the initrd it was started with.  Each dom0 runs
# the helper image with a script that reads its step from xentest= on
# its command line.
XEN_DIR=$("$TOP/scripts/xen.sh") || fail "no Xen hypervisor (scripts/xen.sh)"
DOM0=$TOP/build/kernel-classic/bzImage
grep -q '^CONFIG_XEN_PV=y' "$TOP/build/kernel-classic/config" ||
	fail "$DOM0: built without CONFIG_XEN_PV"
# Xen's CI runs it under TCG so; dom0 dies at once with SMAP on
VM_CPU=max,-smap
VM_MEM=2048
VM_SMP=2
VM_TIMEOUT=600
XEN_ARGS="no-real-mode console=com1 com1=115200,8n1 dom0_mem=512M,max:512M loglvl=all guest_loglvl=all"
DOM0_ARGS="console=hvc0 earlyprintk=xen panic=-1 oops=panic"

# The script of every dom0 and of the last Linux: the step is xentest=.
cat >"$WORK/dom0.sh" <<EOF
step=\$(sed -n 's/.* xentest=\([a-z-]*\).*/\1/p' /proc/cmdline)
echo "xentest: \$step on \$(uname -r), hypervisor \$(cat /sys/hypervisor/type 2>/dev/null || echo none) (\$(cat /sys/hypervisor/guest_type 2>/dev/null || echo native))"
echo "xentest: \$step has \$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) KiB"
mkdir -p /mnt && mount -o ro /dev/vda /mnt || exit 1
case \$step in
xen-to-xen)
	kjump --status | grep '^kexec:'
	kjump --load-jump-back /mnt/dom0 --initrd=/mnt/dom0.cpio.gz
	kjump -l /mnt/xen.gz \\
		--module="/mnt/dom0 $DOM0_ARGS xentest=xen-to-linux" \\
		--module=/mnt/dom0.cpio.gz --append="$XEN_ARGS" || exit 1
	kjump --status | grep '^loaded:'
	kjump -e ;;
xen-to-linux)
	kjump -l /mnt/dom0 --initrd=/mnt/dom0.cpio.gz \\
		--append="console=ttyS0,115200 panic=-1 xentest=linux" || exit 1
	kjump -e ;;
linux)
	echo "xentest: the chain ends"
	exit 0 ;;
esac
echo "xentest: \$step: kjump -e returned \$?"
EOF
mkdir -p "$WORK/files"
make_overlay "$WORK/dom0.overlay" "$(cat "$WORK/dom0.sh")"
cat "$INITRAMFS_DIR/helper.cpio.gz" "$WORK/dom0.overlay" >"$WORK/files/dom0.cpio.gz"
cp "$DOM0" "$WORK/files/dom0"
cp "$XEN_DIR/xen.gz" "$WORK/files/xen.gz"
rm -f "$WORK/files.img"
truncate -s 64M "$WORK/files.img"
mkfs.ext4 -q -d "$WORK/files" "$WORK/files.img" || fail "mkfs.ext4 -d failed"

vm_run chain "
mkdir -p /mnt && mount -o ro /dev/vda /mnt || exit 1
kjump -l /mnt/xen.gz --module=/mnt/dom0 --module=/mnt/dom0.cpio.gz --initrd=/mnt/dom0.cpio.gz
echo \"refused initrd: \$?\"
kjump -l /boot/helper.cpio.gz
echo \"refused not a kernel: \$?\"
kjump -l /mnt/xen.gz --module=\"/mnt/dom0 $DOM0_ARGS xentest=xen-to-xen\" \\
	--module=/mnt/dom0.cpio.gz --append=\"$XEN_ARGS\" || exit 1
kjump -e
echo \"kjump -e returned: \$?\"
" -drive "file=$WORK/files.img,format=raw,if=virtio"

# Linux to Xen: the purgatory entered Xen as a multiboot2 loader does
expect 'kjump: /mnt/xen.gz: a multiboot kernel takes no --initrd'
expect 'refused initrd: 1'
expect 'helper.cpio.gz: neither a bzImage nor a multiboot2 kernel'
expect 'refused not a kernel: 1'
expect 'kjump: /mnt/xen.gz loaded \(multiboot2, 2 modules\)'
expect_not 'kjump -e returned'
expect '\(XEN\) Xen version 4\.'
expect '\(XEN\) Command line: .*dom0_mem=512M'
expect '\(XEN\) Bootloader: kjump'
expect '^xentest: xen-to-xen on .*, hypervisor xen \(PV\)'
# From Xen: the hypercall path, no jump, then Xen again
expect '^kexec: the Xen hypervisor'
expect 'kexec jump is not offered under Xen'
expect '^loaded: yes'
expect '^xentest: xen-to-linux on .*, hypervisor xen \(PV\)'
# Xen to Linux: the kernel alone, no hypervisor under it
expect '^xentest: linux on .*, hypervisor none \(native\)'
expect '^xentest: the chain ends'
expect_count 2 '\(XEN\) Xen version 4\.'
expect_order '^xentest: xen-to-xen' '^xentest: xen-to-linux' '^xentest: linux on'
# Loaded from dom0 (512 MiB), the last kernel got the machine's memory
# map (2 GiB), not dom0's share of it
# (Xen's console ends dom0's lines with two carriage returns)
dom0_kib=$(tr -d '\r' <"$LAST_LOG" | sed -n 's/^xentest: xen-to-linux has \([0-9]*\) KiB$/\1/p')
linux_kib=$(tr -d '\r' <"$LAST_LOG" | sed -n 's/^xentest: linux has \([0-9]*\) KiB$/\1/p')
[ -n "$dom0_kib" ] && [ "$dom0_kib" -lt $((600 * 1024)) ] ||
	fail "dom0 has ${dom0_kib:-?} KiB, not dom0_mem=512M"
[ -n "$linux_kib" ] && [ "$linux_kib" -gt $((1536 * 1024)) ] ||
	fail "the kernel Xen started has ${linux_kib:-?} KiB, not the machine's 2 GiB"
