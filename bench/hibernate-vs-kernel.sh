#!/bin/bash
# khibernate + krestore against the kernel's own hibernation (swap device,
# resume=) on the same guest and workload, in one run: time to hibernate
# (from the command to the machine going off), time to resume (from QEMU's
# start to the workload running again) and the image's size.
#
# The workload: the test guest (1 GiB) with a 64 MiB pattern held and a
# process counting in tmpfs, as in test/vm/hibernate.sh.
#
# usage: bench/hibernate-vs-kernel.sh [RUNS]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/bench
RUNS=${1:-1}
export TOP LOGDIR=$OUT TEST_NAME=hibernate-bench
mkdir -p "$OUT"
# shellcheck source=../test/vm/lib.sh
. "$TOP/test/vm/lib.sh"
VM_TIMEOUT=600

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

run_ours() {
	local disk=$OUT/khib.img
	rm -f "$disk"; truncate -s 512M "$disk"
	VM_APPEND=$HIB_APPEND
	hib_s=$(marker_to_exit ours-hibernate BENCH-HIBERNATE "$WORKLOAD
$HIB_LOAD || exit 1
echo BENCH-HIBERNATE
khibernate --to=/dev/vda
kpattern check /tmp/kp && echo BENCH-RESUMED" \
		-drive "file=$disk,format=raw,if=virtio")
	size=$("$TOP/build/bin/krestore" --info "$disk" |
		sed -n 's/.*image bytes: \([0-9]*\)$/\1/p')
	res_s=$(timed_vm ours-resume '^BENCH-RESUMED' 'echo no resume' \
		-drive "file=$disk,format=raw,if=virtio")
	echo "$hib_s $res_s $size"
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

results=$OUT/hibernate-vs-kernel.txt
: >"$results"
for run in $(seq "$RUNS"); do
	read -r oh or os <<<"$(run_ours)"
	read -r kh kr ks <<<"$(run_kernel)"
	printf 'run %d: khibernate %.1f s, resume %.1f s, image %d MiB; kernel %.1f s, resume %.1f s, image %d MiB\n' \
		"$run" "$oh" "$or" $((os >> 20)) "$kh" "$kr" $((ks >> 20)) |
		tee -a "$results"
	printf '  ratios (ours / kernel): hibernate %.2f, resume %.2f, size %.2f\n' \
		"$(echo "$oh / $kh" | bc -l)" "$(echo "$or / $kr" | bc -l)" \
		"$(echo "$os / $ks" | bc -l)" | tee -a "$results"
done
echo "bench: results in $results"
