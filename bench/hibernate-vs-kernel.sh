#!/bin/bash
# khibernate + krestore, with each codec, against the kernel's own
# hibernation (LZO, to a swap device, resume=) on the same guest and
# workload, in one run: time to hibernate (from the command to the machine
# going off), time to resume (from QEMU's start to the workload running
# again), the image's size, and the phases the tools time themselves.
# khibernate jumps into a helper prepared ahead (khibernate --prepare).
#
# The workload: the test guest (1 GiB) with a 64 MiB pattern held and a
# process counting in tmpfs, as in test/vm/hibernate.sh.
#
# usage: bench/hibernate-vs-kernel.sh [RUNS [CODECS]]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/bench
RUNS=${1:-3}
CODECS=${2:-lz4 zstd zlib}
export TOP LOGDIR=$OUT TEST_NAME=hibernate-bench
mkdir -p "$OUT"
# shellcheck source=../test/vm/lib.sh
. "$TOP/test/vm/lib.sh"
VM_TIMEOUT=600
# a thread per vCPU: the helper compresses on every CPU it has
VM_TCG_THREAD=${VM_TCG_THREAD:-multi}

now() { date +%s.%N; }

# Start QEMU in the background; print the seconds from its start to the
# first line matching $2 in its console, then wait for it to end.
timed_vm() {
	local step=$1 pattern=$2 script=$3 start log
	shift 3
	log=$LOGDIR/$TEST_NAME.$step.log
	rm -f "$log"
	start=$(now)
	vm_run "$step" "$script" "$@" >&2 &
	local pid=$!
	until grep -Eq -- "$pattern" "$log" 2>/dev/null; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	local seen
	seen=$(now)
	wait $pid || return 1
	grep -Eq -- "$pattern" "$log" || { echo "bench: no /$pattern/ in $log" >&2; return 1; }
	echo "$seen - $start" | bc
}

# Seconds from a marker line to QEMU's exit.
marker_to_exit() {
	local step=$1 marker=$2 script=$3 log pid seen
	shift 3
	log=$LOGDIR/$TEST_NAME.$step.log
	rm -f "$log"
	vm_run "$step" "$script" "$@" >&2 &
	pid=$!
	until grep -q -- "$marker" "$log" 2>/dev/null; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	seen=$(now)
	wait $pid || return 1
	echo "$(now) - $seen" | bc
}

nonzero_bytes() {
	python3 - "$1" <<'EOF'
import sys
n = 0
with open(sys.argv[1], "rb") as f:
    while True:
        b = f.read(1 << 20)
        if not b:
            break
        for i in range(0, len(b), 4096):
            if b[i:i + 4096].count(0) != len(b[i:i + 4096]):
                n += 4096
print(n)
EOF
}

WORKLOAD='kpattern start /tmp/kp 0x5a 64 || exit 1
(i=0; while :; do i=$((i + 1)); echo $i >/tmp/counter.new
	mv /tmp/counter.new /tmp/counter; sleep 0.1; done) &
sleep 2'

# usage: run_ours CODEC; prints hibernate s, resume s, image bytes, and
# the phases: image writing in the helper, check and restore in the
# restore kernel and helper
run_ours() {
	local codec=$1 disk=$OUT/khib.img log
	rm -f "$disk"; truncate -s 512M "$disk"
	VM_APPEND=$HIB_APPEND
	hib_s=$(marker_to_exit "ours-$codec-hibernate" BENCH-HIBERNATE "$WORKLOAD
$HIB_LOAD || exit 1
khibernate --prepare || exit 1
echo BENCH-HIBERNATE
khibernate --to=/dev/vda --compress=$codec
kpattern check /tmp/kp && echo BENCH-RESUMED" \
		-drive "file=$disk,format=raw,if=virtio")
	write_s=$(sed -n 's/^ksave: hibernation image on .*, \([0-9.]*\) s$/\1/p' \
		"$LOGDIR/$TEST_NAME.ours-$codec-hibernate.log")
	size=$("$TOP/build/bin/krestore" --info "$disk" |
		sed -n 's/.*image bytes: \([0-9]*\)$/\1/p')
	res_s=$(timed_vm "ours-$codec-resume" '^BENCH-RESUMED' 'echo no resume' \
		-drive "file=$disk,format=raw,if=virtio")
	log=$LOGDIR/$TEST_NAME.ours-$codec-resume.log
	restore_s=$(sed -n 's/^krestore: memory restored in \([0-9.]*\) s.*/\1/p' "$log")
	echo "$hib_s $res_s $size ${write_s:-0} ${restore_s:-0}"
}

run_kernel() {
	local swap=$OUT/swap.img
	rm -f "$swap"; truncate -s 512M "$swap"
	VM_APPEND='memmap=256M$0x10000000 resume=/dev/vda'
	hib_s=$(marker_to_exit kernel-hibernate BENCH-HIBERNATE "mkswap /dev/vda >/dev/null && swapon /dev/vda || exit 1
echo shutdown >/sys/power/disk
$WORKLOAD
echo BENCH-HIBERNATE
echo disk >/sys/power/state
kpattern check /tmp/kp && echo BENCH-RESUMED" \
		-drive "file=$swap,format=raw,if=virtio")
	res_s=$(timed_vm kernel-resume '^BENCH-RESUMED' 'echo no resume' \
		-drive "file=$swap,format=raw,if=virtio")
	echo "$hib_s $res_s $(nonzero_bytes "$swap")"
}


# Each codec and the kernel RUNS times, interleaved; then the medians.
results=$OUT/hibernate-vs-kernel.txt
raw=$OUT/hibernate-vs-kernel.raw
: >"$raw"
for run in $(seq "$RUNS"); do
	for codec in $CODECS; do
		echo "$codec $(run_ours "$codec")" | tee -a "$raw" >&2
	done
	echo "kernel $(run_kernel) 0 0" | tee -a "$raw" >&2
done
{
	printf '%-8s %9s %8s %10s %8s %8s\n' "" hibernate resume "image MiB" write restore
	for what in $CODECS kernel; do
		col() { awk -v w="$what" -v c="$1" '$1 == w { print $c }' "$raw" | median; }
		printf '%-8s %8.1fs %7.1fs %10d %7.1fs %7.1fs\n' "$what" "$(col 2)" \
			"$(col 3)" $(($(col 4) >> 20)) "$(col 5)" "$(col 6)"
	done
	echo "median of $RUNS; hibernate: command to power-off; resume: QEMU start to"
	echo "the workload running; write: the image in the helper (ksave); restore:"
	echo "memory written back in the restore helper (the rest of resume: booting"
	echo "the restore kernel and the helper, and checking the image)"
} | tee "$results"
echo "bench: results in $results"
