#!/bin/bash
# "systemctl hibernate" on the Debian 13 test system (systemd, the
# workload service, the suite's packages; scripts/debian-system.sh)
# through the suite, against the kernel's own hibernation on the same
# system: seconds from the command to power-off, from power-on to the
# workload running again (its counter moving, as a process watching it
# since before the hibernation prints on the console), and the image's
# size.  Each side hibernates its system RUNS times, each resume checked
# (the same workload process, its counter gone on).
#
# The machines boot as Debian installs them under UEFI: OVMF, then GRUB
# from the disk (its reading of the kernel and initramfs is in the
# resume's time, on every side).
#
# Three sides, each its own copy of the system:
# - suite: to=/dev/vdb in kjump.conf, the package's defaults otherwise
#   (the helper boots when hibernating; the resume is GRUB's one-time
#   entry, the restore kernel confined to the window writing the image in
#   one pass);
# - prepared: the same with prepare = yes (kjump-prepare.service boots
#   the helper at startup and after each resume, waited for before each
#   timing, so that hibernating is only a jump);
# - kernel: the package's systemd drop-ins removed and kjump-prepare
#   disabled, so that systemd-sleep hibernates; /dev/vdb a swap area from
#   the first boot, resume=/dev/vdb on GRUB's command line and RESUME= for
#   the initramfs, rebuilt as the suite's sides rebuild theirs (so that
#   both hold what update-initramfs leaves in the page cache).
#
# The sides take turns (each hibernation and resume of one side followed
# by one of each other side), so that a change in the shared machine's
# speed falls on all of them alike.
#
# usage: bench/debian-hibernate.sh [RUNS]
# SIDES: which of "suite prepared kernel" (all three unless set)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/bench
RUNS=${1:-3}
export TOP LOGDIR=$OUT TEST_NAME=debian-hibernate-bench
mkdir -p "$OUT"
# shellcheck source=../test/vm/lib.sh
. "$TOP/test/vm/lib.sh"
# shellcheck source=lib.sh
. "$TOP/bench/lib.sh"
VM_FIRMWARE=uefi
DEBIAN_GRUB=1
fail() {
	echo "bench: $*" >&2
	[ -z "${DEBIAN_PID:-}" ] || kill "$DEBIAN_PID" 2>/dev/null || true
	rm -f "$OUT"/debian-{suite,prepared,kernel}{,-image}.img
	exit 1
}

# prints each new value of the workload's counter on the console
WATCH='nohup sh -c '\''l=; while :; do
	c=$(cat /run/kjump-workload/counter 2>/dev/null)
	[ "$c" = "$l" ] || echo "bench-counter $c" >/dev/ttyS0
	l=$c; sleep 0.05; done'\'' >/dev/null 2>&1 &'

# HIB_S: seconds from the command until the machine is off.  (In this
# shell, not a subshell: DEBIAN_PID is its child.)
hibernate_timed() {
	local start out
	start=$(now)
	out=$(guest 'systemctl hibernate 2>&1') ||
		fail "systemctl hibernate refused: $out"
	while kill -0 "$DEBIAN_PID" 2>/dev/null; do
		sleep 0.05
	done
	HIB_S=$(echo "$(now) - $start" | bc)
	wait "$DEBIAN_PID" || fail "qemu exit status $? (log: $LAST_LOG)"
	sed -i 's/\r$//' "$LAST_LOG"
}

# Power on (STEP DISK QEMU-ARGS...); RES_S: seconds until the console
# shows the counter moving.
resume_timed() {
	local start
	start=$(now)
	debian_start "$@" >&2
	until grep -aq '^bench-counter ' "$LAST_LOG" 2>/dev/null; do
		kill -0 "$DEBIAN_PID" 2>/dev/null || fail "no resume (log: $LAST_LOG)"
		[ "$(echo "$(now) - $start > 600" | bc)" = 0 ] ||
			fail "the workload did not go on in 600 s (log: $LAST_LOG)"
		sleep 0.05
	done
	RES_S=$(echo "$(now) - $start" | bc)
}

# After the kernel's resume: the shell of before answers, the same
# workload process goes on.  (debian_workload_after also checks what
# only the suite's resume does.)
kernel_resumed() {
	python3 "$TOP/test/vm/guest.py" "$GUEST_SOCK" wait 400 ||
		fail "the shell of before does not answer (log: $LAST_LOG)"
	debian_workload_went_on
}

declare -A PID_BEFORE COUNT_BEFORE HIB SIZE

# The image's size in MiB, from the console log of its hibernation.
image_size() {
	local size
	if [ "$1" != kernel ]; then
		size=$(sed -n 's/^ksave: hibernation image on [^:]*: \([0-9]*\) MiB.*/\1/p' "$2" | tail -n 1)
	else
		# what went to the disk, not the snapshot ("Wrote")
		size=$(sed -n 's/.*PM: Image size after compression: \([0-9]*\) kbytes.*/\1/p' "$2" | tail -n 1)
		[ -z "$size" ] || size=$((size >> 10))
	fi
	[ -n "$size" ] || fail "no image size on the console (log: $2)"
	echo "$size"
}

# SIDE's QEMU arguments besides its system disk: the image (swap) disk
side_args() {
	SIDE_ARGS=(-drive "file=$OUT/debian-$1-image.img,format=raw,if=virtio")
}

# Boot SIDE's copy of the system for the first time and set it up; it
# stays up.
setup() {
	local side=$1 disk=$OUT/debian-$1.img image=$OUT/debian-$1-image.img

	debian_disk "$disk"
	rm -f "$image"
	truncate -s 2G "$image"
	# the kernel's: a swap area from the first boot, as on a machine set
	# up so; the initramfs then tells the kernel where to resume from
	[ "$side" != kernel ] || mkswap "$image" >/dev/null ||
		fail "mkswap $image failed"
	side_args "$side"
	debian_start "$side-boot" "$disk" "${SIDE_ARGS[@]}" >&2
	debian_wait_up >&2
	case $side in
	suite) debian_configure to=/dev/vdb >&2 ;;
	prepared) debian_configure to=/dev/vdb prepare=yes >&2 ;;
	kernel)
		guest 'systemctl disable --now kjump-prepare.service 2>&1
rm -f /usr/lib/systemd/system/systemd-hibernate.service.d/kjump.conf \
	/usr/lib/systemd/system/systemd-logind.service.d/kjump.conf \
	/usr/lib/systemd/sleep.conf.d/kjump.conf &&
systemctl daemon-reload && systemctl restart systemd-logind &&
swapon /dev/vdb &&
echo GRUB_CMDLINE_LINUX_DEFAULT=resume=/dev/vdb >/etc/default/grub.d/resume.cfg &&
update-grub 2>&1 &&
echo RESUME=/dev/vdb >/etc/initramfs-tools/conf.d/resume &&
update-initramfs -u 2>&1' 900 >&2 ||
			fail "the kernel's hibernation cannot be set up"
		;;
	esac
	guest "$WATCH" >/dev/null
}

# Hibernate SIDE's running system, timed: it ends off.
hibernate_side() {
	local side=$1

	# the helper booted ahead, outside the timing: at startup and
	# after each resume kjump-prepare.service boots one; starting it
	# here waits for that, or boots another after it
	[ "$side" != prepared ] ||
		guest 'systemctl start kjump-prepare' 600 >&2 ||
		fail "kjump-prepare failed (log: $LAST_LOG)"
	debian_workload_before >&2
	PID_BEFORE[$side]=$DEBIAN_PID_BEFORE
	COUNT_BEFORE[$side]=$DEBIAN_COUNT_BEFORE
	hibernate_timed
	HIB[$side]=$HIB_S
	SIZE[$side]=$(image_size "$side" "$LAST_LOG")
}

# Resume SIDE's system (run N), timed, and check it; a line to the raw
# results: SIDE hibernate-s resume-s image-MiB
resume_side() {
	local side=$1

	side_args "$side"
	resume_timed "$side-resume$2" "$OUT/debian-$side.img" "${SIDE_ARGS[@]}"
	DEBIAN_PID_BEFORE=${PID_BEFORE[$side]}
	DEBIAN_COUNT_BEFORE=${COUNT_BEFORE[$side]}
	if [ "$side" != kernel ]; then
		grep -aq 'krestore: /dev/vdb: restoring in one pass' "$LAST_LOG" ||
			fail "$side did not resume in one pass (log: $LAST_LOG)"
		debian_workload_after /dev/vdb >&2
	else
		kernel_resumed >&2
	fi
	echo "$side ${HIB[$side]} $RES_S ${SIZE[$side]}" | tee -a "$raw" >&2
}

raw=$OUT/debian-hibernate.raw
results=$OUT/debian-hibernate.txt
: >"$raw"
sides=${SIDES:-suite prepared kernel}
# Interleaved, so that the machine's own drift in speed (it is shared)
# falls on every side alike: each system hibernates, then each resumes
# and hibernates again in turn, RUNS times.
for side in $sides; do
	setup "$side"
	hibernate_side "$side"
done
for i in $(seq "$RUNS"); do
	for side in $sides; do
		resume_side "$side" "$i"
		if [ "$i" -lt "$RUNS" ]; then
			hibernate_side "$side"
			continue
		fi
		guest 'systemctl poweroff' >/dev/null 2>&1 || true
		debian_wait_off 120 >&2
		rm -f "$OUT/debian-$side.img" "$OUT/debian-$side-image.img"
	done
done
{
	col() { awk -v s="$1" -v c="$2" '$1 == s { print $c }' "$raw" | median; }
	row() {
		grep -q "^$1 " "$raw" || return 0
		printf '%-28s %8.1fs %8.1fs %10d\n' "$2" "$(col "$1" 2)" \
			"$(col "$1" 3)" "$(col "$1" 4)"
	}
	ratio() {
		grep -q "^$1 " "$raw" && grep -q '^kernel ' "$raw" || return 0
		printf '%-28s %9.2f %9.2f\n' "$2" \
			"$(echo "$(col "$1" 2) / $(col kernel 2)" | bc -l)" \
			"$(echo "$(col "$1" 3) / $(col kernel 3)" | bc -l)"
	}
	printf '%-28s %9s %9s %10s\n' "" hibernate resume "image MiB"
	row suite "kjump suite (defaults)"
	row prepared "kjump suite, prepare = yes"
	row kernel "the kernel's (swap, LZO)"
	ratio suite "defaults / kernel"
	ratio prepared "prepare = yes / kernel"
	echo "median of $RUNS; hibernate: systemctl hibernate to power-off;"
	echo "resume: power-on to the workload's counter moving again"
} | tee "$results"
echo "bench: results in $results"
