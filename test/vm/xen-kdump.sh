# kdump under Xen, as the seed guide has it: a dom0 panic (sysrq c) and
# a hypervisor crash ('C' typed to Xen's console after three Ctrl-A)
# each start the capture kernel that kjump -p loaded, through the
# hypervisor, into Xen's crashkernel= reservation.  It writes the
# machine's memory, the hypervisor's included, with the suite's writer;
# crash reads the dump with Xen's symbols (xen-syms, built with debug
# information by scripts/xen.sh) and with dom0's vmlinux.
xen_machine
VM_MEM=1536
# The capture job's defaults after a dom0 panic (a Xen machine's memory:
# ELF, less zero pages); asked for the page classes after Xen's crash,
# which ksave cannot tell apart without Linux's VMCOREINFO
capture="console=ttyS0,115200 nr_cpus=1 reset_devices panic=-1 kjump.job=capture"
capture="$capture kjump.capture=/dev/vdb:/crash kjump.capture_then=poweroff"
classes="kjump.capture_format=elf kjump.capture_exclude=zero,free,cache,user"
xen_disk "
[ \$step = xen-crash ] && capture_more='$classes'
kjump -p /mnt/bzImage --initrd=/mnt/helper.cpio.gz \\
	--append=\"$capture \$capture_more\" || exit 1
kjump --status | grep -E '^(kexec|capture kernel loaded):'
case \$step in
dom0-panic)
	echo 'xentest: panicking dom0' >/dev/kmsg
	# from vCPU 0: crash takes Xen's notes (each physical CPU's
	# PRSTATUS with Xen's own notes after it) for one per CPU, finds
	# CPU 1's invalid and does not search the stack of a task there
	taskset 1 sh -c 'echo c >/proc/sysrq-trigger' ;;
xen-crash)
	echo 'xentest: ready for C'
	sleep 300 ;;
esac
echo \"xentest: \$step: still running\"" \
	"$KERNEL_DIR/bzImage=bzImage" "$INITRAMFS_DIR/helper.cpio.gz=helper.cpio.gz"

# usage: xen_crash STEP: boot Xen from the test kernel, dom0 runs STEP
xen_crash() {
	truncate -s 2G "$WORK/$1.img"
	mkfs.ext4 -q -F "$WORK/$1.img" || fail "mkfs.ext4 failed"
	vm_run "$1" "
mkdir -p /mnt && mount -o ro /dev/vda /mnt || exit 1
kjump -l /mnt/xen.gz --module=\"/mnt/dom0 $DOM0_ARGS xentest=$1\" \\
	--module=/mnt/dom0.cpio.gz --append=\"$XEN_ARGS crashkernel=256M\" || exit 1
kjump -e
" "${XEN_DISK[@]}" -drive "file=$WORK/$1.img,format=raw,if=virtio"
}

# Type keys to the console once LOG shows TEXT.
# usage: type_when SOCK LOG TEXT KEYS (KEYS as Python bytes escapes)
type_when() {
	python3 - "$@" <<'EOF' &
import os, socket, sys, time
sock, log, text, keys = sys.argv[1:5]
deadline = time.time() + 500
while time.time() < deadline:
    try:
        with open(log, "rb") as f:
            if text.encode() in f.read():
                break
    except FileNotFoundError:
        pass
    time.sleep(1)
else:
    sys.exit(1)
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
for k in keys.encode().decode("unicode_escape"):
    s.send(k.encode("latin-1"))
    time.sleep(0.5)
time.sleep(2)
s.close()
EOF
}

# The capture kernel's work, whichever crash started it
expect_capture() {
	expect '^kexec: the Xen hypervisor'
	expect '^capture kernel loaded: yes'
	expect '^kjump-init: helper kernel .* up, job capture'
	expect '^kjump-capture: dump written to /mnt/capture/crash/vmcore-'
	expect '^kjump-capture: powering off'
	expect_not 'xentest: .*: still running'
}

xen_crash dom0-panic
expect '\] xentest: panicking dom0'
expect 'Kernel panic - not syncing: sysrq triggered crash'
expect '\(XEN\) Hardware Dom0 crashed: Executing kexec image'
expect '^kjump-capture: the memory of a Xen machine: ELF, less zero pages'
expect '^kjump-capture: writing the crashed system.s memory to /mnt/capture/crash/vmcore-[0-9-]+ \(elf, without zero pages\)'
expect_capture

VM_CONSOLE_SOCK=$WORK/console.sock
rm -f "$VM_CONSOLE_SOCK"
type_when "$VM_CONSOLE_SOCK" "$LOGDIR/$TEST_NAME.xen-crash.log" \
	'xentest: ready for C' '\x01\x01\x01C'
typist=$!
xen_crash xen-crash
wait $typist || fail "the keys were not typed: no 'ready for C' in time"
unset VM_CONSOLE_SOCK
expect '\(XEN\) \*\*\* Serial input to Xen'
expect "\(XEN\) 'C' pressed -> triggering crashdump"
expect '^kjump-capture: writing the crashed system.s memory to /mnt/capture/crash/vmcore-[0-9-]+ \(elf, without zero pages\)'
expect '^ksave: /proc/vmcore: the memory of a Xen machine, without Linux.s VMCOREINFO: free, cache and user pages cannot be told apart'
expect_capture

# crash reads a dump of the hypervisor with its symbols (xen-syms, built
# with debug information by scripts/xen.sh): the machine, its physical
# CPUs, the domains, Xen's console ring
# usage: crash_xen DUMP NAME
crash_xen() {
	local out=$WORK/crash-$2.out
	cp "$XEN_DIR/xen-syms" "$WORK/xen-syms"
	printf '%s\n' sys pcpus doms 'log' exit >"$WORK/crash-xen.cmds"
	(cd "$(dirname "$1")" &&
		timeout 600 "$TOP/scripts/readers.sh" run trixie crash -s \
			"$WORK/xen-syms" "$(basename "$1")" \
			-i "$WORK/crash-xen.cmds") >"$out" 2>&1 ||
		fail "crash on $1 with xen-syms: exit status $? (see $out)"
	LAST_LOG=$out
	# crash's complaints, not the console ring's lines
	! grep -v '^(XEN)' "$out" | grep -E -i 'error|invalid|cannot' ||
		fail "crash complained on $1 (see $out)"
	expect '^ +CPUS: 2$'
	expect '^ +DOMAINS: [0-9]+$'
	expect '^ +MEMORY: 1\.5 GB$'
	expect_count 2 '^ +[01] ffff8[0-9a-f]+ ffff8[0-9a-f]+ '
	# dom0, with its 512 MiB (0x20000 pages)
	expect '^[>* ]* 0 ffff8[0-9a-f]+ RU 0 +20000 +20000 '
	expect '^\(XEN\) Bootloader: kjump$'
	expect '^\(XEN\) Command line: .* crashkernel=256M$'
}

# crash reads dom0's part of a dump with dom0's vmlinux: Xen's notes say
# where dom0's page frames are in the machine's memory
# usage: crash_dom0 DUMP NAME
crash_dom0() {
	local out=$WORK/crash-$2.out
	printf '%s\n' sys 'bt -T' 'log' exit >"$WORK/crash-dom0.cmds"
	(cd "$(dirname "$1")" &&
		timeout 600 "$TOP/scripts/readers.sh" run trixie crash -s \
			"$(readlink -f "$TOP/build/kernel/vmlinux")" \
			"$(basename "$1")" -i "$WORK/crash-dom0.cmds") >"$out" 2>&1 ||
		fail "crash on $1 with dom0's vmlinux: exit status $? (see $out)"
	LAST_LOG=$out
}

capture_dump "$WORK/dom0-panic.img" "$WORK/dom0-panic.vmcore" elf
crash_dom0 "$WORK/dom0-panic.vmcore" dom0-panic
expect "^ +RELEASE: $(cat "$TOP/build/kernel/release")\$"
expect '^ +PANIC: "Kernel panic - not syncing: sysrq triggered crash"'
# dom0's registers are in no note (the CPUs' are the hypervisor's), so
# crash's backtrace starts wherever its search of the stack lands, and
# that varies: bt -T lists every kernel text address on the panicking
# task's stack, which only a correct translation of dom0's frames finds
expect_order '^PID: [0-9]+ +TASK: [0-9a-f]+ +CPU: [0-9]+ +COMMAND: "(sh|run.sh)"' \
	'^  \[[0-9a-f]+\] v?panic at ' \
	'^  \[[0-9a-f]+\] write_sysrq_trigger at ' \
	'^  \[[0-9a-f]+\] ksys_write at '
expect 'xentest=dom0-panic'
# and the hypervisor's
crash_xen "$WORK/dom0-panic.vmcore" xen-dom0-panic

capture_dump "$WORK/xen-crash.img" "$WORK/xen-crash.vmcore" elf
crash_xen "$WORK/xen-crash.vmcore" xen-crash
expect "^\(XEN\) 'C' pressed -> triggering crashdump$"
expect '^\(XEN\) Executing kexec image on cpu[0-9]+$'
