# VM test library, sourced by test/run.sh for each test/vm/*.sh.
#
# A test is a shell function body: it boots guests with vm_run and checks
# their serial logs with expect / expect_not.  The first failing check ends
# the test with FAIL.  Guests run under QEMU with TCG unless VM_ACCEL says
# otherwise (KVM is not assumed to work).

: "${TOP:?}" "${LOGDIR:?}" "${TEST_NAME:?}"
KERNEL_DIR=${KERNEL_DIR:-$TOP/build/kernel}
# The dump readers that know the kernel: Debian 13's for 6.12, Debian
# unstable's for a newer one (scripts/readers.sh).  Unstable's crash, as
# pinned there (9.0.2), predates Linux 7.x: it stops at struct module
# (no module_num_gpl_syms) and does not know compound_info, so on 7.x
# drgn and gdb read the dumps and crash_check says it left crash out.
case "$(cat "$KERNEL_DIR/release" 2>/dev/null)" in
6.12.*) READERS=trixie CRASH_READS=1 ;;
*) READERS=sid CRASH_READS=0 ;;
esac
INITRAMFS_DIR=${INITRAMFS_DIR:-$TOP/build/initramfs}
VM_ACCEL=${VM_ACCEL:-tcg}
VM_MEM=${VM_MEM:-1024}
VM_SMP=${VM_SMP:-4}
VM_TIMEOUT=${VM_TIMEOUT:-120}
# bios (SeaBIOS), uefi (OVMF) or secureboot (OVMF with Secure Boot on and
# Debian's test keys enrolled, on q35 with SMM, which that firmware
# needs); KASLR is on unless VM_KASLR=0, which replays a failure on the
# fixed layout (each boot logs its offsets).
VM_FIRMWARE=${VM_FIRMWARE:-bios}
VM_KASLR=${VM_KASLR:-1}
VM_CPU=${VM_CPU:-}
# TCG on one host thread for all vCPUs (two guests share two cores); the
# benchmarks may give each vCPU a thread of its own (multi)
VM_TCG_THREAD=${VM_TCG_THREAD:-single}
VM_NUMA=${VM_NUMA:-}
VM_APPEND_BASE="console=ttyS0,115200 panic=-1 oops=panic"
[ "$VM_KASLR" = 1 ] || VM_APPEND_BASE="$VM_APPEND_BASE nokaslr"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd
OVMF_SB_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
OVMF_SB_VARS=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
WORK=$LOGDIR/$TEST_NAME.d
mkdir -p "$WORK"

# The reason goes to the test's log; test/run.sh shows the last one.
fail() {
	echo "FAILED: $*" >&2
	exit 1
}

# What a machine that ran out of time printed last, for the one line a
# failure leaves in CI's output.
# usage: last_words LOG
last_words() {
	tr -d '\r' <"$1" 2>/dev/null | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-160
}

. "$TOP/initramfs/lib.sh"

# A cpio archive of a directory's files, gzipped, for an initramfs.
# usage: cpio_gz DIR >OUT
cpio_gz() {
	initramfs_archive "$1" | gzip -n
}

# The modules of the kernel in KERNEL_DIR, in DIR/lib/modules and appended
# to the helper's initramfs as DIR/boot/helper.cpio.gz: the initramfs
# images may have been made before that kernel was built (make test).
# usage: overlay_modules DIR
overlay_modules() {
	local dir=$1 mods=$KERNEL_DIR/modules
	[ -d "$mods/lib/modules" ] || return 0
	mkdir -p "$dir/lib" "$dir/boot"
	cp -a "$mods/lib/modules" "$dir/lib/"
	{ cat "$INITRAMFS_DIR/helper.cpio.gz"; cpio_gz "$mods"; } \
		>"$dir/boot/helper.cpio.gz"
}

# Make a cpio archive holding /test/run.sh, to be appended to an initramfs;
# for a test run again on another kernel (test/run.sh, KERNEL_VARIANT),
# that kernel as /boot/bzImage too, so that its helpers are of its build,
# and its modules; and each HOST=GUEST path of VM_FILES.
# usage: make_overlay OUT SCRIPT_TEXT
make_overlay() {
	local out=$1 text=$2 dir
	dir=$(mktemp -d)
	mkdir -p "$dir/test"
	printf '#!/bin/sh\n%s\n' "$text" >"$dir/test/run.sh"
	chmod +x "$dir/test/run.sh"
	if [ -n "${KERNEL_VARIANT:-}" ]; then
		mkdir -p "$dir/boot"
		cp "$TOP/build/kernel-$KERNEL_VARIANT/bzImage" "$dir/boot/bzImage"
		overlay_modules "$dir"
	fi
	for f in ${VM_FILES:-}; do
		mkdir -p "$dir$(dirname "${f#*=}")"
		cp "${f%%=*}" "$dir${f#*=}"
	done
	cpio_gz "$dir" >"$out"
	rm -rf "$dir"
}

# QEMU's machine into VM_MACHINE: firmware, CPUs (one host thread for all
# of them, so two guests share the two cores of a build machine), NUMA.
vm_machine_args() {
	local step=$1 n per mem

	VM_MACHINE=(-M pc -m "$VM_MEM" -smp "$VM_SMP")
	[ "$VM_FIRMWARE" != secureboot ] ||
		VM_MACHINE=(-M q35,smm=on -m "$VM_MEM" -smp "$VM_SMP"
			    -global driver=cfi.pflash01,property=secure,value=on)
	if [ "$VM_ACCEL" = tcg ]; then
		VM_MACHINE+=(-accel "tcg,thread=$VM_TCG_THREAD")
	else
		VM_MACHINE+=(-accel "$VM_ACCEL")
	fi
	[ -z "$VM_CPU" ] || VM_MACHINE+=(-cpu "$VM_CPU")
	# one machine, one NVRAM: the variables a boot sets stay for the next
	if [ "$VM_FIRMWARE" = uefi ]; then
		[ -e "$WORK/efivars" ] || cp "$OVMF_VARS" "$WORK/efivars"
		VM_MACHINE+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
			     -drive "if=pflash,format=raw,unit=1,file=$WORK/efivars")
	elif [ "$VM_FIRMWARE" = secureboot ]; then
		[ -e "$WORK/efivars" ] || cp "$OVMF_SB_VARS" "$WORK/efivars"
		VM_MACHINE+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_SB_CODE"
			     -drive "if=pflash,format=raw,unit=1,file=$WORK/efivars")
	fi
	[ -n "$VM_NUMA" ] || return 0
	mem=$((VM_MEM / VM_NUMA))
	per=$((VM_SMP / VM_NUMA))
	for ((n = 0; n < VM_NUMA; n++)); do
		VM_MACHINE+=(-object "memory-backend-ram,id=mem$n,size=${mem}M"
			     -numa "node,nodeid=$n,memdev=mem$n,cpus=$((n * per))-$((n * per + per - 1))")
	done
}

# How QEMU starts the kernel, into VM_BOOT.  With Secure Boot, not by
# -kernel: OVMF boots that one unchecked when its signature fails.  The
# kernel, initramfs and command line become one EFI program (a unified
# kernel image: systemd's stub, which takes no other command line under
# Secure Boot), signed as a distribution signs its boot path (VM_SIGN=0:
# not), the default boot program of an EFI system partition on a SATA
# disk, which the test kernel has no driver for: the guest's disks stay
# the test's.
vm_boot_args() {
	local step=$1 initrd=$2 kernel=$KERNEL_DIR/bzImage
	local cmdline="$VM_APPEND_BASE ${VM_APPEND:-}"

	if [ "$VM_FIRMWARE" != secureboot ]; then
		VM_BOOT=(-kernel "$kernel" -initrd "$initrd" -append "$cmdline")
		return 0
	fi
	make_uki "$WORK/$step.efi" "$kernel" "$initrd" "$cmdline"
	[ "${VM_SIGN:-1}" = 0 ] || sb_sign "$WORK/$step.efi" "$WORK/$step.efi"
	rm -f "$WORK/$step.esp"
	truncate -s $(($(stat -c %s "$WORK/$step.efi") / 1048576 + 16))M \
		"$WORK/$step.esp"
	mkfs.vfat -n ESP "$WORK/$step.esp" >/dev/null
	mmd -i "$WORK/$step.esp" ::/EFI ::/EFI/BOOT
	mcopy -i "$WORK/$step.esp" "$WORK/$step.efi" ::/EFI/BOOT/BOOTX64.EFI
	rm -f "$WORK/$step.efi"
	VM_BOOT=(-drive "if=none,id=esp,format=raw,file=$WORK/$step.esp"
		 -device ide-hd,drive=esp,bus=ide.0)
}

# The Secure Boot test key: Debian's "snakeoil" key, whose certificate
# OVMF_VARS_4M.snakeoil.fd has in PK, KEK and db, taken from the ovmf
# package (the password is its README's); nothing secret is kept here.
SB_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
sb_key() {
	[ -s "$WORK/sb.key" ] ||
		openssl rsa -in /usr/share/ovmf/PkKek-1-snakeoil.key \
			-passin pass:snakeoil -out "$WORK/sb.key" 2>/dev/null ||
		fail "cannot read the ovmf package's snakeoil key"
}

# usage: sb_sign IN OUT (OUT may be IN)
sb_sign() {
	sb_key
	sbsign --key "$WORK/sb.key" --cert "$SB_CERT" --output "$2.signing" \
		"$1" >/dev/null 2>&1 || fail "sbsign $1 failed"
	mv "$2.signing" "$2"
}

# A unified kernel image: systemd's EFI stub with the kernel (itself
# signed, since the stub has the firmware check it), the initramfs and
# the command line as sections above the stub's own.
# usage: make_uki OUT KERNEL INITRD CMDLINE
make_uki() {
	local out=$1 kernel=$2 initrd=$3 ksize
	local stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub

	ksize=$(stat -c %s "$kernel")
	[ "$ksize" -lt $((0x1000000)) ] || fail "$kernel: too big for make_uki"
	printf '%s' "$4" >"$out.cmdline"
	printf 'ID=kjump-test\n' >"$out.osrel"
	if [ "${VM_SIGN:-1}" = 0 ]; then
		cp "$kernel" "$out.linux"
	else
		sb_sign "$kernel" "$out.linux"
	fi
	objcopy --add-section .osrel="$out.osrel" --change-section-vma .osrel=0x20000 \
		--add-section .cmdline="$out.cmdline" --change-section-vma .cmdline=0x30000 \
		--add-section .linux="$out.linux" --change-section-vma .linux=0x2000000 \
		--add-section .initrd="$initrd" --change-section-vma .initrd=0x3000000 \
		"$stub" "$out" || fail "objcopy: cannot make $out"
	rm -f "$out.cmdline" "$out.osrel" "$out.linux"
}

# Wait for QEMU's timeout process PID: its exit status.  With VM_STOP_AT,
# stop it once LOG has a line matching that, and set VM_STOPPED=1.
vm_stop_at() {
	local pid=$1 log=$2
	VM_STOPPED=0
	while [ -n "${VM_STOP_AT:-}" ] && kill -0 "$pid" 2>/dev/null; do
		if tr -d '\r' <"$log" 2>/dev/null | grep -q -E -- "$VM_STOP_AT"; then
			kill "$pid"
			wait "$pid" || true
			VM_STOPPED=1
			return 0
		fi
		sleep 1
	done
	wait "$pid"
}

# Boot the test kernel with an initramfs and a test script; the serial
# console goes to $LOGDIR/$TEST_NAME[.STEP].log (and, with VM_CONSOLE_SOCK
# set, answers on that socket).  Extra QEMU arguments follow
# the script.  With VM_STOP_AT=REGEX, the machine is stopped once its
# console shows a line matching it (firmware that refused to boot waits
# for a key for ever).
# usage: vm_run STEP SCRIPT [qemu args...]
vm_run() {
	local step=$1 script=$2 log initrd rc
	shift 2
	log=$LOGDIR/$TEST_NAME.$step.log
	initrd=$WORK/$step.initrd
	cat "$INITRAMFS_DIR/${VM_INITRAMFS:-test}.cpio.gz" >"$initrd"
	make_overlay "$WORK/$step.overlay" "$script"
	cat "$WORK/$step.overlay" >>"$initrd"
	rm -f "$log"
	vm_machine_args "$step"
	echo "vm $step: booting ($VM_FIRMWARE${VM_SIGN:+, VM_SIGN=$VM_SIGN}, $VM_SMP CPUs${VM_NUMA:+, $VM_NUMA nodes}${VM_CPU:+, cpu $VM_CPU}), console in $log"
	vm_boot_args "$step" "$initrd"
	rc=0
	# VM_CONSOLE_SOCK: the console answers there too, for keys typed to it
	local serial=(-serial "file:$log")
	[ -z "${VM_CONSOLE_SOCK:-}" ] ||
		serial=(-chardev "socket,id=con,path=$VM_CONSOLE_SOCK,server=on,wait=off,logfile=$log"
			-serial chardev:con)
	timeout -k 5 "$VM_TIMEOUT" qemu-system-x86_64 \
		"${VM_MACHINE[@]}" -nodefaults -display none -no-reboot \
		"${serial[@]}" "${VM_BOOT[@]}" "$@" &
	vm_stop_at $! "$log" || rc=$?
	LAST_LOG=$log
	sed -i 's/\r$//' "$log"
	grep -m 1 '^kjump-init: layout:' "$log" || true
	if [ "$VM_STOPPED" = 1 ]; then
		echo "vm $step: stopped at /$VM_STOP_AT/"
		return 0
	fi
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		fail "vm $step: timed out after ${VM_TIMEOUT}s, last: '$(last_words "$log")' (log: $log)"
	fi
	[ $rc = 0 ] || fail "vm $step: qemu exit status $rc (log: $log)"
}

# gdb on a snapshot of a KASLR kernel: vmlinux's symbols moved by the
# KERNELOFFSET in the snapshot's VMCOREINFO (near its start, in either
# format), the rest of the arguments after that.
# usage: snapshot_gdb SNAPSHOT [gdb args...]
snapshot_gdb() {
	local snap=$1 off
	shift
	# grep stops at the first: head may die of SIGPIPE (under pipefail)
	off=$(head -c 64M "$snap" | grep -a -m 1 -o 'KERNELOFFSET=[0-9a-f]*' |
		cut -d= -f2) || true
	[ -n "$off" ] || echo "snapshot_gdb: no KERNELOFFSET in $snap"
	timeout 300 gdb -batch -ex "symbol-file -o 0x${off:-0} $KERNEL_DIR/vmlinux" \
		-ex "core-file $snap" "$@"
}

# A snapshot written to IMG, read on the host: all of the pattern (SEED,
# MIB MiB) in it, and gdb finds the kernel's banner and the pattern's task.
# usage: snapshot_check IMG SEED MIB
snapshot_check() {
	local img=$1 seed=$2 mib=$3 pages=$(($3 * 256))

	"$TOP/build/bin/kpattern" find "$img" "$seed" "$mib" >"$WORK/find.out" || true
	snapshot_gdb "$img" -ex 'p linux_banner' \
		-x "$TOP/test/vm/gdb-ps.py" >>"$WORK/find.out" 2>&1 || true
	LAST_LOG=$WORK/find.out
	cat "$LAST_LOG"
	expect "^kpattern: found $pages of $pages pattern pages in "
	expect "^\\\$1 = .* \"Linux version $(release_re) "
	expect '^task [0-9]+ kpattern$'
}

# Guest lines: say "kjump-test: plug dimm" (for qmpdo_start), online the
# DIMM that comes as movable memory, and start a 64 MiB pattern (seed
# 0x77) in /tmp/dimm, which then lands mostly in it; expect_in_dimm checks.
DIMM_PLUG='echo "kjump-test: plug dimm"
blocks() { grep -l offline /sys/devices/system/memory/memory*/state 2>/dev/null; }
for i in $(seq 100); do [ -n "$(blocks)" ] && break; sleep 0.2; done
for b in $(blocks); do echo online_movable >$b || exit 1; done
grep "System RAM" /proc/iomem
kpattern start /tmp/dimm 0x77 64 || exit 1
kpattern where /tmp/dimm 0x100000000'

# The DIMM's pattern is (mostly) in the DIMM, so what reads it must have
# read the DIMM.
expect_in_dimm() {
	local n

	n=$(sed -n 's/^kpattern: \([0-9]*\) of [0-9]* pages at 0x100000000 or above$/\1/p' "$LAST_LOG")
	[ "${n:-0}" -ge 8192 ] || fail "only '$n' pages of the pattern in the DIMM"
}

# crash (READERS' crash: Debian 13's 8.0.6 for 6.12) on a snapshot or
# dump: the commands the crash test suites start with, none of which may
# print an error, a warning or a "cannot".  bt -a comes first, so that
# the first VM_SMP tasks it prints are every CPU's.  The output goes to
# $WORK/crash-LABEL.out, which becomes LAST_LOG.
# usage: crash_check DUMP LABEL
CRASH_COMMANDS=(
	'bt -a' sys log ps 'foreach bt' 'foreach files'
	'foreach kpattern vm' 'foreach kpattern files' 'kmem -i' 'kmem -s'
	'mach -m' irq mod dev mount net runq swap task 'rd -d jiffies'
	'list -o task_struct.tasks -h init_task'
)
CRASH_ERRORS='warning|cannot|invalid|excluded|seek error|read error|failed|not found|do not exist|no such|^crash: |^[a-z]+: .*(not|no) '

crash_check() {
	local dump=$1 out=$WORK/crash-$2.out
	if [ "$CRASH_READS" = 0 ]; then
		echo "crash_check $2: left out: $READERS's crash does not know $(cat "$KERNEL_DIR/release")"
		return 0
	fi
	crash_commands >"$WORK/crash.cmds"
	# crash takes a file argument with an @ for a ramdump's FILE@ADDRESS,
	# and a test on another kernel has one in its directory's name: the
	# dump is named from where it is
	(cd "$(dirname "$dump")" &&
		timeout 600 "$TOP/scripts/readers.sh" run "$READERS" crash -s \
			"$(readlink -f "$KERNEL_DIR/vmlinux")" "$(basename "$dump")" \
			-i "$WORK/crash.cmds") >"$out" 2>&1 ||
		fail "crash on $dump: exit status $? (see $out)"
	crash_check_output "$out" "$dump"
}

# The dump a capture kernel wrote to /crash on the ext4 DISK, copied to
# OUT: the file system clean, one vmcore-DATE there, a kdump (or ELF)
# file.
# usage: capture_dump DISK OUT [kdump|elf]
capture_dump() {
	local disk=$1 out=$2 format=${3:-kdump} name
	e2fsck -fn "$disk" >"$WORK/e2fsck.out" 2>&1 ||
		fail "the capture disk's file system is not clean: $(tail -n 3 "$WORK/e2fsck.out")"
	name=$(debugfs -R 'ls -l /crash' "$disk" 2>/dev/null |
		grep -o 'vmcore-[0-9-]*' | head -n 1)
	[ -n "$name" ] || fail "no vmcore-DATE in /crash on the capture disk"
	debugfs -R "dump /crash/$name $out" "$disk" >/dev/null 2>&1
	[ -s "$out" ] || fail "cannot copy /crash/$name out of the capture disk"
	if [ "$format" = elf ]; then
		head -c 4 "$out" | grep -q "^$(printf '\177')ELF" ||
			fail "$name is not an ELF file"
	else
		head -c 8 "$out" | grep -q '^KDUMP   $' ||
			fail "$name is not a kdump file"
	fi
}

# The commands, one a line, ending with exit.
crash_commands() {
	printf '%s\n' "${CRASH_COMMANDS[@]}" exit
}

# Check crash's output OUT (on WHAT) for errors and what every command
# must show.
crash_check_output() {
	local out=$1 what=$2 cpu
	LAST_LOG=$out
	# the kernel's own log lines and structure members say what they like;
	# and crash's mach -m reads all of struct e820_table (x86_64.c,
	# x86_64_display_memmap: SIZE(e820map)) where the kernel allocated
	# only the entries in use: placed at the end of RAM, the read runs
	# into memory no dump has (seen in one boot of about eight)
	grep -n -i -E "$CRASH_ERRORS" "$out" |
		grep -v -E '^[0-9]+:\[ *[0-9]+\.[0-9]+\]| = ' |
		grep -v -E '^[0-9]+:mach: (read|seek) error: kernel virtual address: [0-9a-f]+ +type: "e820map"$' \
		>"$out.errors" &&
		fail "crash on $what: $(head -n 3 "$out.errors")"
	expect "^ +RELEASE: $(release_re)\$"
	for ((cpu = 0; cpu < VM_SMP; cpu++)); do
		grep -m "$VM_SMP" '^PID: ' "$out" | grep -q " CPU: $cpu " ||
			fail "crash on $what: bt -a shows no task on CPU $cpu"
	done
	expect ' kpattern$'
	expect '^ +VMA +START +END'
	expect '^ +NET_DEVICE +NAME'
	expect '^ +TOTAL MEM '
	expect '^[0-9a-f]+:[[:space:]]+[0-9]+[[:space:]]*$'
}

# drgn (READERS': Debian 13's 0.0.31 for 6.12) on a snapshot or dump: test/vm/drgn-check.py
# with kpattern's SEED and MIB; the output goes to $WORK/drgn-LABEL.out,
# which becomes LAST_LOG, for the caller's expects (expect_jump_registers
# for a snapshot's).
# usage: drgn_check DUMP LABEL SEED MIB
drgn_check() {
	local dump=$1 out=$WORK/drgn-$2.out
	timeout 600 "$TOP/scripts/readers.sh" run "$READERS" drgn -q -c "$dump" \
		-s "$(readlink -f "$KERNEL_DIR/vmlinux")" \
		"$TOP/test/vm/drgn-check.py" "$3" "$4" >"$out" 2>&1 ||
		fail "drgn on $dump: exit status $? (see $out)"
	LAST_LOG=$out
	expect "^release $(release_re)\$"
	expect "^log: \\[ *0\\.000000\\] Linux version $(release_re) "
	expect '^task 1 init '
}

# After drgn_check on a snapshot: where each CPU left its registers
# (kernel-patches 0006), the jumping one and the others parked.
expect_jump_registers() {
	local cpu
	expect '^cpu 0: .*kexec_jump_save_cpu_regs kernel_kexec'
	for ((cpu = 1; cpu < VM_SMP; cpu++)); do
		expect "^cpu $cpu: .*kexec_jump_save_cpu_regs arch_cpu_idle_dead"
	done
	# one note per CPU, and none for a CPU the machine does not have
	for ((cpu = 0; cpu < VM_SMP; cpu++)); do
		expect_count 1 "^cpu $cpu: "
	done
	expect_count "$VM_SMP" '^cpu [0-9]+: '
}

# The median of the numbers on stdin, one a line (the benchmarks' and
# the soak's figures).
median() {
	sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# The release of the kernel in DIR (default KERNEL_DIR) as the build
# recorded it, as an extended regex: tests never name a release that
# Debian's archive can move.
# usage: release_re [DIR]
release_re() {
	local f=${1:-$KERNEL_DIR}/release
	[ -s "$f" ] || fail "$f: the kernel build recorded no release"
	sed 's/[].[^$*+?(){}|\\]/\\&/g' "$f"
}

# QMP commands for test/vm/qmpdo.py, one JSON object a line: attach disk
# FILE as NAME on PCI slot ADDR, take device NAME away, attach a DIMM of
# MIB as NAME.
# usage: qmp_disk_add NAME FILE ADDR; qmp_disk_del NAME; qmp_dimm_add NAME MIB
qmp_disk_add() {
	printf '{"execute": "blockdev-add", "arguments": {"driver": "raw", "node-name": "%s", "file": {"driver": "file", "filename": "%s"}}}\n' "$1" "$2"
	printf '{"execute": "device_add", "arguments": {"driver": "virtio-blk-pci", "drive": "%s", "id": "%s", "addr": "%s"}}\n' "$1" "$1" "$3"
}
qmp_disk_del() {
	printf '{"execute": "device_del", "arguments": {"id": "%s"}}\n' "$1"
}
qmp_dimm_add() {
	printf '{"execute": "object-add", "arguments": {"qom-type": "memory-backend-ram", "id": "%s-mem", "size": %d}}\n' "$1" $(($2 << 20))
	printf '{"execute": "device_add", "arguments": {"driver": "pc-dimm", "id": "%s", "memdev": "%s-mem"}}\n' "$1" "$1"
}

# Change the hardware of the next vm_run of STEP when its console shows a
# line (test/vm/qmpdo.py): each REGEX is followed by the commands to send
# then, the output of qmp_*_add, one a line.  Sets QMP_ARGS (for vm_run);
# qmpdo_wait STEP checks that every step ran.
# usage: qmpdo_start STEP REGEX COMMANDS [REGEX COMMANDS...]
qmpdo_start() {
	local step=$1 sock line
	local -a args=()
	shift
	while [ $# -ge 2 ]; do
		args+=(--on "$1")
		while IFS= read -r line; do
			[ -z "$line" ] || args+=("$line")
		done <<<"$2"
		shift 2
	done
	sock=$WORK/$step.qmp
	# the console of an earlier run must not meet a step
	rm -f "$sock" "$LOGDIR/$TEST_NAME.$step.log"
	"$TOP/test/vm/qmpdo.py" "$sock" "$LOGDIR/$TEST_NAME.$step.log" \
		"$WORK/$step.qmpdo" "${args[@]}" >"$WORK/$step.qmpdo.out" 2>&1 &
	QMPDO_PID=$!
	QMP_ARGS=(-qmp "unix:$sock,server=on,wait=off")
}
qmpdo_wait() {
	wait "$QMPDO_PID" || fail "qmpdo: $(tail -n 1 "$WORK/$1.qmpdo.out")"
}

# Check that the last guest log has a line matching the extended regex.
expect() {
	grep -Eq -- "$1" "$LAST_LOG" ||
		fail "expected /$1/ in $LAST_LOG"
}

expect_not() {
	! grep -Eq -- "$1" "$LAST_LOG" ||
		fail "unexpected /$1/ in $LAST_LOG"
}

# Lines matching each extended regex, in this order, each after the
# line that matched the one before.
# usage: expect_order RE...
expect_order() {
	local re from=0 at
	for re; do
		# grep stops at the first: tail may die of SIGPIPE
		at=$(set +o pipefail; tail -n "+$((from + 1))" "$LAST_LOG" |
			grep -n -m 1 -E -- "$re" | cut -d: -f1)
		[ -n "$at" ] || fail "expected /$re/ after line $from of $LAST_LOG"
		from=$((from + at))
	done
}

# Exactly N lines matching the extended regex.
# usage: expect_count N RE
expect_count() {
	local n
	n=$(grep -c -E -- "$2" "$LAST_LOG") || true
	[ "$n" = "$1" ] || fail "expected $1 line(s) /$2/ in $LAST_LOG, found $n"
}

# The guest script finished with status 0.
expect_success() {
	expect '^kjump-test: exit status 0'
}

# Hibernation tests: the original system's workload (a process counting in
# tmpfs and a 64 MiB pattern), then HIB_CMD, then the checks that run once
# it is resumed.  Booted with the jump window and kjump.resume=/dev/vda.
# The helper is loaded as khibernate loads its own (lib/jump/jump.c,
# helper_cmdline()): without the PS/2 mouse, whose shutdown at power-off
# took 3.4 s in half of the helpers that had bound it (initcall_debug:
# "psmouse serio1: shutdown").
HIB_APPEND='memmap=256M$0x10000000 kjump.resume=/dev/vda'
HIB_LOAD='kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz --append="console=ttyS0,115200 kjump.job=jumpback i8042.noaux"'
hib_script() {
	cat <<EOS
kpattern start /tmp/kp 0x5a 64 || exit 1
# written aside and renamed: a reader never sees the file half-written
(i=0; while :; do i=\$((i + 1)); echo \$i >/tmp/counter.new
	mv /tmp/counter.new /tmp/counter; sleep 0.1; done) &
sleep 2
before=\$(cat /tmp/counter)
echo "counter before: \$before"
# the restore kernel's memory map for a one-pass resume (hib_resume_confined)
echo "restore-cmdline: \$(krestore --cmdline)"
$HIB_LOAD || exit 1
$1 || exit 1
sleep 1
after=\$(cat /tmp/counter)
echo "counter after: \$after"
[ "\$after" -gt "\$before" ] && [ "\$after" -lt \$((before + 100)) ] ||
	{ echo "counter did not go on from \$before: \$after"; exit 1; }
kpattern check /tmp/kp || exit 1
echo "resumed system ok"
EOS
}

# Boot the restore kernel on disk $1; the overlay's script only runs if
# there was no resume.
hib_resume() {
	local step=$1 disk=$2
	shift 2
	VM_APPEND="$HIB_APPEND ${HIB_RESUME_APPEND:-}" vm_run "$step" \
		'echo "kjump-test: normal boot"' \
		-drive "file=$disk,format=raw,if=virtio" "$@"
}

# The same, the restore kernel confined to the window by the memory map
# the hibernated system printed (krestore --cmdline): a one-pass resume.
# A refusal there reboots, which ends the VM.
hib_resume_confined() {
	local confined log
	for log in $(ls -t "$LOGDIR/$TEST_NAME".*.log); do
		confined=$(sed -n 's/^restore-cmdline: //p' "$log" | tail -n 1)
		[ -z "$confined" ] || break
	done
	[ -n "$confined" ] || fail "no restore-cmdline: line in a log of $TEST_NAME"
	HIB_RESUME_APPEND="${HIB_RESUME_APPEND:-} $confined" hib_resume "$@"
}

# The Debian 13 system (scripts/debian-system.sh, test/debian): a GPT
# disk whose first partition, 1 MiB in, holds the ext4 root.  e2fsprogs
# reads it there as FILE?offset=BYTES.
DEBIAN_UUID=5e1f1d2a-7c1b-4f5e-9a3b-6b0c4a1f2e10
DEBIAN_APPEND="root=UUID=$DEBIAN_UUID ro $(cat "$TOP/test/debian/root/etc/kernel/cmdline")"
DEBIAN_ROOT_OFFSET=1048576

# A fresh copy of the Debian disk (built and cached on first use).
# usage: debian_disk OUT
debian_disk() {
	"$TOP/scripts/debian-system.sh" disk "$1" ||
		fail "the Debian disk cannot be made"
}

# What a boot loader would read from the disk's /boot: the newest kernel
# and its initramfs, into $WORK/boot-vmlinuz and $WORK/boot-initrd.img.
# usage: debian_boot_files DISK
debian_boot_files() {
	local fs="$1?offset=$DEBIAN_ROOT_OFFSET" v
	v=$(debugfs -R 'ls /boot' "$fs" 2>/dev/null | tr -s ' ' '\n' |
		sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
	[ -n "$v" ] || fail "no /boot/vmlinuz-* on the Debian disk"
	rm -f "$WORK/boot-vmlinuz" "$WORK/boot-initrd.img"
	debugfs -R "dump /boot/vmlinuz-$v $WORK/boot-vmlinuz" "$fs" 2>/dev/null
	debugfs -R "dump /boot/initrd.img-$v $WORK/boot-initrd.img" "$fs" 2>/dev/null
	[ -s "$WORK/boot-vmlinuz" ] && [ -s "$WORK/boot-initrd.img" ] ||
		fail "the Debian disk has no initramfs for Linux $v"
}

# Boot the Debian system from DISK in the background, as its boot loader
# would (the disk's own kernel and initramfs), with DEBIAN_GRUB set
# through the disk's GRUB (BIOS or UEFI), or with DEBIAN_LOADER set
# through kjump boot, DEBIAN_LOADER its more parameters; its console goes to the
# step's log, its root shell to the socket $GUEST_SOCK.  More QEMU
# arguments follow.
# usage: debian_start STEP DISK [qemu args...]
debian_start() {
	local step=$1 disk=$2 kernel initrd append boot=()
	shift 2
	if [ -n "${DEBIAN_GRUB:-}" ]; then
		# the firmware starts GRUB from the disk (bios or uefi)
		[ "$VM_FIRMWARE" != secureboot ] ||
			fail "DEBIAN_GRUB: the disk's GRUB is not signed"
	elif [ -n "${DEBIAN_LOADER:-}" ]; then
		# the boot loader (kjump boot) finds the system on the disk
		kernel=$KERNEL_DIR/bzImage initrd=$INITRAMFS_DIR/boot.cpio.gz
		append="$VM_APPEND_BASE kjump.job=boot $DEBIAN_LOADER"
	else
		debian_boot_files "$disk"
		kernel=$WORK/boot-vmlinuz initrd=$WORK/boot-initrd.img
		append="$DEBIAN_APPEND ${VM_APPEND:-}"
	fi
	[ -n "${DEBIAN_GRUB:-}" ] ||
		boot=(-kernel "$kernel" -initrd "$initrd" -append "$append")
	LAST_LOG=$LOGDIR/$TEST_NAME.$step.log
	CONSOLE_SOCK=$WORK/console.sock GUEST_SOCK=$WORK/shell.sock
	rm -f "$LAST_LOG" "$CONSOLE_SOCK" "$GUEST_SOCK"
	vm_machine_args "$step"
	echo "vm $step: $(date +%T) booting Debian from $disk, console in $LAST_LOG"
	# both serial ports answer on sockets: the console for passphrases
	qemu-system-x86_64 "${VM_MACHINE[@]}" -nodefaults -display none \
		-no-reboot \
		-chardev "socket,id=con,path=$CONSOLE_SOCK,server=on,wait=off,logfile=$LAST_LOG" \
		-serial chardev:con \
		-chardev "socket,id=shell,path=$GUEST_SOCK,server=on,wait=off,logfile=$LAST_LOG.shell" \
		-serial chardev:shell \
		"${boot[@]}" -drive "file=$disk,format=raw,if=virtio" "$@" &
	DEBIAN_PID=$!
	# a failing check leaves no machine running
	trap 'kill $DEBIAN_PID 2>/dev/null || true' EXIT
	for _ in $(seq 50); do
		[ -S "$GUEST_SOCK" ] && return 0
		sleep 0.1
	done
	fail "vm $step: QEMU did not start"
}

# Wait for the machine to go off by itself.
# usage: debian_wait_off TIMEOUT
debian_wait_off() {
	local n=0
	while kill -0 "$DEBIAN_PID" 2>/dev/null; do
		if [ $n -ge "$1" ]; then
			kill "$DEBIAN_PID"
			fail "the Debian machine still runs after $1 s, last: '$(last_words "$LAST_LOG")' (log: $LAST_LOG)"
		fi
		sleep 1
		n=$((n + 1))
	done
	wait "$DEBIAN_PID" || fail "qemu exit status $? (log: $LAST_LOG)"
	echo "debian: $(date +%T) the machine is off"
	sed -i 's/\r$//' "$LAST_LOG"
}

# When PATTERN appears in LOG, type TEXT on the serial port of SOCKET.
# usage: guest_answer SOCKET LOG PATTERN TEXT [TIMEOUT]
guest_answer() {
	python3 "$TOP/test/vm/guest.py" "$1" answer "$2" "$3" "$4" "${5:-300}" ||
		fail "no '$3' in $2"
}

# In the guest's root shell: its output, and its status as ours.
# usage: guest CMD [TIMEOUT]
guest() {
	python3 "$TOP/test/vm/guest.py" "$GUEST_SOCK" run "$@"
}

# Until the root shell answers, then until systemd says the boot is done:
# "running", or fail naming the failed units.
debian_wait_up() {
	local state
	# probes, not commands, until the boot is done: kjump-prepare's jump
	# (the helper booted) loses what is typed meanwhile
	python3 "$TOP/test/vm/guest.py" "$GUEST_SOCK" wait "${1:-400}" \
		'systemctl is-system-running --wait; true' ||
		fail "no shell on the Debian machine (log: $LAST_LOG)"
	state=$(guest 'systemctl is-system-running --wait' 300) || true
	[ "$state" = running ] || {
		guest 'systemctl --failed --no-pager' || true
		fail "systemd says '$state', not running"
	}
	echo "debian: $(date +%T) up, multi-user.target reached ($(guest 'systemctl is-active multi-user.target'))"
	debian_kernel_check
}

# With KJUMP_DISTRO_KERNEL (make test-distro-kernel), the machine must
# run that package's kernel, not the test kernel beside it.
debian_kernel_check() {
	local want got
	[ -n "${KJUMP_DISTRO_KERNEL:-}" ] || return 0
	want=$(dpkg-deb -f "$KJUMP_DISTRO_KERNEL" Package)
	want=${want#linux-image-}
	got=$(guest 'uname -r')
	[ "$got" = "$want" ] || fail "the machine runs Linux $got, not $want"
	echo "debian: running Linux $got"
}

# After systemctl suspend, each step of S3 in turn, up to TIMEOUT seconds
# in all: QEMU's SUSPEND event (the guest asked for S3), its WAKEUP (the
# watcher, test/vm/qmp.py --wakeup, woke it), the kernel's "PM: suspend
# exit".  A failure names the step that did not come and the console's
# last line; a machine that stopped is not waited for.
# usage: debian_wait_s3 EVENTS TIMEOUT
debian_wait_s3() {
	local events=$1 n=0 file step
	for step in "$events:\"event\": \"SUSPEND\"" "$events:\"event\": \"WAKEUP\"" \
		    "$LAST_LOG:PM: suspend exit"; do
		file=${step%%:*} step=${step#*:}
		while ! grep -aqF "$step" "$file" 2>/dev/null; do
			kill -0 "$DEBIAN_PID" 2>/dev/null ||
				fail "S3: the machine stopped before $step, last: '$(last_words "$LAST_LOG")'"
			[ $n -lt "$2" ] ||
				fail "S3: no $step in $2 s, last: '$(last_words "$LAST_LOG")' (QMP: $(tr '\n' ' ' <"$events"))"
			sleep 1
			n=$((n + 1))
		done
		echo "debian: $(date +%T) S3: $step"
	done
}

# The workload before a hibernation: its PID, counter and pattern, kept
# in DEBIAN_PID_BEFORE and DEBIAN_COUNT_BEFORE.
debian_workload_before() {
	DEBIAN_PID_BEFORE=$(guest 'systemctl show -p MainPID --value kjump-workload')
	DEBIAN_COUNT_BEFORE=$(guest 'cat /run/kjump-workload/counter')
	[ "${DEBIAN_PID_BEFORE:-0}" -gt 0 ] && [ "${DEBIAN_COUNT_BEFORE:-0}" -gt 0 ] ||
		fail "the workload does not run (pid '$DEBIAN_PID_BEFORE', counter '$DEBIAN_COUNT_BEFORE')"
	guest 'kpattern check /run/kjump-workload/kp' || fail "the pattern is bad before"
	echo "debian: workload pid $DEBIAN_PID_BEFORE, counter $DEBIAN_COUNT_BEFORE"
}

# After a resume, the shell answering: the workload goes on in the same
# process as before (debian_workload_before), its pattern intact.
debian_workload_went_on() {
	local pid count
	pid=$(guest 'systemctl show -p MainPID --value kjump-workload') ||
		fail "the shell does not answer after the resume"
	count=$(guest 'cat /run/kjump-workload/counter') ||
		fail "the shell does not answer after the resume"
	echo "debian: after the resume, workload pid $pid, counter $count"
	[ "$pid" = "$DEBIAN_PID_BEFORE" ] ||
		fail "the workload is another process: $pid, was $DEBIAN_PID_BEFORE"
	[ "$count" -gt "$DEBIAN_COUNT_BEFORE" ] ||
		fail "the counter did not go on from $DEBIAN_COUNT_BEFORE: $count"
	guest 'kpattern check /run/kjump-workload/kp' || fail "the pattern is bad after"
}

# After the resume from DEVICE: the same shell answers, the workload goes
# on in the same process, the journal tells of the resume, no unit failed.
# usage: debian_workload_after DEVICE
debian_workload_after() {
	python3 "$TOP/test/vm/guest.py" "$GUEST_SOCK" wait 400 ||
		fail "the shell of before does not answer: no resume, last: '$(last_words "$LAST_LOG")' (log: $LAST_LOG)"
	# kjump-prepare jumps to boot the next helper right after the resume,
	# and what is typed while the system is away is lost: on once it ran
	python3 "$TOP/test/vm/guest.py" "$GUEST_SOCK" wait 300 '
		s() { systemctl show -P "$1" "$2"; }
		[ "$(s ActiveState kjump-prepare.service)" = inactive ] &&
		[ "$(s ExecMainStartTimestampMonotonic kjump-prepare.service)" -gt \
		  "$(s ExecMainExitTimestampMonotonic systemd-hibernate.service)" ]' || {
		# what the condition saw, if the shell still answers
		guest 'systemctl show -p ActiveState -p ExecMainStartTimestampMonotonic \
			kjump-prepare.service; systemctl show -p \
			ExecMainExitTimestampMonotonic systemd-hibernate.service' 60 ||
			echo "debian: the shell does not answer"
		fail "kjump-prepare did not run after the resume"
	}
	debian_workload_went_on
	guest 'kjump-workload check' || fail "the appended file is not consistent"
	guest "journalctl -b --no-pager -u systemd-hibernate.service | grep 'khibernate: resumed from $1'" ||
		fail "the journal of this boot shows no resume"
	guest 'systemctl is-system-running --wait' 120 || {
		guest 'systemctl --failed --no-pager' || true
		fail "a unit failed"
	}
}

# After a clean shutdown: the appended file on the host, whole.
# usage: debian_appended_check DISK
debian_appended_check() {
	debugfs -R 'cat /var/lib/kjump-workload/appended' \
		"$1?offset=$DEBIAN_ROOT_OFFSET" 2>/dev/null |
		awk 'NR > 1 && $1 != prev + 5 { bad = 1 } { prev = $1 }
			END { print "debian: appended file on the disk: " NR " lines"; exit bad || NR < 2 }' ||
		fail "the appended file on the disk is not consistent"
}

# Settings in the guest's /etc/kjump/kjump.conf, as an administrator
# makes them, then update-initramfs -u.  Nothing more: the next boot's
# loader (debugfs here, which like a boot loader does not replay ext4's
# journal) sees the new initramfs because khibernate writes the journal
# back before the jump.
# usage: debian_configure KEY=VALUE...
debian_configure() {
	local kv cmd=
	for kv; do
		cmd="$cmd sed -i 's|^#\\?${kv%%=*} *=.*|${kv%%=*} = ${kv#*=}|' /etc/kjump/kjump.conf &&"
	done
	guest "$cmd update-initramfs -u 2>&1" 900 | tee "$WORK/update-initramfs.out" ||
		fail "update-initramfs -u failed"
	grep -q '^kjump: resume from ' "$WORK/update-initramfs.out" ||
		fail "the initramfs hook set up no resume"
}

# The Xen tests' machine: Xen 4.17 built from Debian's source with debug
# information (scripts/xen.sh) and the test kernel as its PV dom0, as
# Debian's kernel can be.  Under TCG Xen needs SMAP off
# (dom0 dies at once with it), as in Xen's own CI.
xen_machine() {
	XEN_DIR=$("$TOP/scripts/xen.sh") || fail "no Xen hypervisor (scripts/xen.sh)"
	DOM0=$TOP/build/kernel/bzImage
	grep -q '^CONFIG_XEN_PV=y' "$TOP/build/kernel/config" ||
		fail "$DOM0: built without CONFIG_XEN_PV"
	VM_CPU=max,-smap
	VM_SMP=2
	VM_TIMEOUT=600
	XEN_ARGS="no-real-mode console=com1 com1=115200,8n1 dom0_mem=512M,max:512M loglvl=all guest_loglvl=all"
	DOM0_ARGS="console=hvc0 earlyprintk=xen panic=-1 oops=panic"
}

# The files each kernel of a Xen chain needs, on an ext4 disk
# ($XEN_DISK): a dom0 cannot hand on the initrd it was started with.
# Each dom0 runs the helper image with SCRIPT (after XEN_DOM0_PROLOGUE),
# which reads its step from xentest= on its command line.
# usage: xen_disk SCRIPT [HOST=NAME...]   (more files for the disk)
xen_disk() {
	local script=$1 f
	shift
	rm -rf "$WORK/files" "$WORK/files.img"
	mkdir -p "$WORK/files"
	make_overlay "$WORK/dom0.overlay" "$XEN_DOM0_PROLOGUE
$script"
	cat "$INITRAMFS_DIR/helper.cpio.gz" "$WORK/dom0.overlay" \
		>"$WORK/files/dom0.cpio.gz"
	cp "$DOM0" "$WORK/files/dom0"
	cp "$XEN_DIR/xen.gz" "$WORK/files/xen.gz"
	for f; do
		cp "${f%%=*}" "$WORK/files/${f#*=}"
	done
	truncate -s 128M "$WORK/files.img"
	mkfs.ext4 -q -d "$WORK/files" "$WORK/files.img" ||
		fail "mkfs.ext4 -d failed"
	rm -rf "$WORK/files"
	XEN_DISK=(-drive "file=$WORK/files.img,format=raw,if=virtio")
}

# The first lines of every dom0 script: its step, what it runs on and
# with how much memory, and the files' disk on /mnt.
XEN_DOM0_PROLOGUE='step=$(sed -n "s/.* xentest=\([a-z0-9-]*\).*/\1/p" /proc/cmdline)
echo "xentest: $step on $(uname -r), hypervisor $(cat /sys/hypervisor/type 2>/dev/null || echo none) ($(cat /sys/hypervisor/guest_type 2>/dev/null || echo native))"
echo "xentest: $step has $(sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo) KiB"
mkdir -p /mnt && mount -o ro /dev/vda /mnt || exit 1'
