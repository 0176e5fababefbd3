#!/bin/bash
# khibernate + krestore, with each codec, against the kernel's own
# hibernation (LZO, and LZ4 where the kernel has it; to a swap device,
# resume=) on the same guest and
# workload, in one run: time to hibernate (from the command to the machine
# going off), time to resume (from QEMU's start to the workload running
# again), the image's size, and the phases the tools time themselves.
# khibernate jumps into a helper prepared ahead (khibernate --prepare);
# krestore resumes in one pass (a restore kernel confined to the window,
# krestore --cmdline), and for the codecs in TWO_PASS (default lz4) also
# through a restore helper, as from a normal boot.
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
TWO_PASS=${TWO_PASS:-lz4}
export TOP LOGDIR=$OUT TEST_NAME=hibernate-bench
mkdir -p "$OUT"
# shellcheck source=../test/vm/lib.sh
. "$TOP/test/vm/lib.sh"
# shellcheck source=lib.sh
. "$TOP/bench/lib.sh"
# the kernel's own: LZO, and LZ4 where the test kernel has it
KERNEL_CODECS=lzo
grep -q '^CONFIG_CRYPTO_LZ4=y' "$KERNEL_DIR/config" && KERNEL_CODECS="lzo lz4"
VM_TIMEOUT=600
# a thread per vCPU: the helper compresses on every CPU it has
VM_TCG_THREAD=${VM_TCG_THREAD:-multi}

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

# The workload waits for the kernel's random numbers, which a real
# machine has seeded seconds after boot: khibernate takes the image's id
# from them, and this guest (no RDRAND, TCG) would wait for them first.
WORKLOAD='kpattern start /tmp/kp 0x5a 64 || exit 1
(i=0; while :; do i=$((i + 1)); echo $i >/tmp/counter.new
	mv /tmp/counter.new /tmp/counter; sleep 0.1; done) &
head -c 1 /dev/random >/dev/null
sleep 2'

# Resume from a copy of the image: seconds to the workload, restore seconds.
# usage: resume_ours STEP IMAGE [KERNEL PARAMETERS]
resume_ours() {
	local step=$1 disk=$OUT/resume.img res_s log
	cp --sparse=always "$2" "$disk"
	VM_APPEND="$HIB_APPEND ${3:-}"
	res_s=$(timed_vm "$step" '^BENCH-RESUMED' 'echo no resume' \
		-drive "file=$disk,format=raw,if=virtio")
	log=$LOGDIR/$TEST_NAME.$step.log
	echo "$res_s $(sed -n 's/^krestore: memory restored in \([0-9.]*\) s.*/\1/p' "$log")"
}

# usage: run_ours CODEC; prints hibernate s, resume s, image bytes, and
# the phases: image writing in the helper, the restore in the restore
# kernel; then, for the TWO_PASS codecs, the resume and restore through a
# restore helper
run_ours() {
	local codec=$1 disk=$OUT/khib.img log confined one two="- -"
	rm -f "$disk"; truncate -s 512M "$disk"
	VM_APPEND=$HIB_APPEND
	hib_s=$(marker_to_exit "ours-$codec-hibernate" BENCH-HIBERNATE "$WORKLOAD
$HIB_LOAD || exit 1
khibernate --prepare || exit 1
echo \"restore-cmdline: \$(krestore --cmdline)\"
echo BENCH-HIBERNATE
khibernate --to=/dev/vda --compress=$codec
kpattern check /tmp/kp && echo BENCH-RESUMED" \
		-drive "file=$disk,format=raw,if=virtio")
	log=$LOGDIR/$TEST_NAME.ours-$codec-hibernate.log
	write_s=$(sed -n 's/^ksave: hibernation image on .*, \([0-9.]*\) s$/\1/p' "$log")
	confined=$(sed -n 's/^restore-cmdline: //p' "$log")
	size=$("$TOP/build/bin/krestore" --info "$disk" |
		sed -n 's/.*image bytes: \([0-9]*\)$/\1/p')
	one=$(resume_ours "ours-$codec-resume" "$disk" "$confined")
	case " $TWO_PASS " in
	*" $codec "*) two=$(resume_ours "ours-$codec-resume2" "$disk") ;;
	esac
	set -- $one
	echo "$hib_s $1 $size ${write_s:-0} ${2:-0} $two"
}

# usage: run_kernel COMPRESSOR (lzo or lz4)
run_kernel() {
	local comp=$1 swap=$OUT/swap.img
	rm -f "$swap"; truncate -s 512M "$swap"
	VM_APPEND="memmap=256M\$0x10000000 resume=/dev/vda hibernate.compressor=$comp"
	hib_s=$(marker_to_exit "kernel-$comp-hibernate" BENCH-HIBERNATE "mkswap /dev/vda >/dev/null && swapon /dev/vda || exit 1
echo shutdown >/sys/power/disk
$WORKLOAD
echo BENCH-HIBERNATE
echo disk >/sys/power/state
kpattern check /tmp/kp && echo BENCH-RESUMED" \
		-drive "file=$swap,format=raw,if=virtio")
	res_s=$(timed_vm "kernel-$comp-resume" '^BENCH-RESUMED' 'echo no resume' \
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
	for comp in $KERNEL_CODECS; do
		echo "kernel-$comp $(run_kernel "$comp") 0 0 - -" | tee -a "$raw" >&2
	done
done
{
	printf '%-10s %9s %8s %10s %8s %8s %9s %9s\n' "" hibernate resume \
		"image MiB" write restore resume2 restore2
	for what in $CODECS $(printf 'kernel-%s ' $KERNEL_CODECS); do
		col() { awk -v w="$what" -v c="$1" '$1 == w { print $c }' "$raw" | median; }
		two() {
			awk -v w="$what" -v c="$1" '$1 == w && $c != "-" { print $c }' "$raw" |
				median | awk 'NF { printf "%.1fs", $1 }'
		}
		printf '%-10s %8.1fs %7.1fs %10d %7.1fs %7.1fs %9s %9s\n' "$what" "$(col 2)" \
			"$(col 3)" $(($(col 4) >> 20)) "$(col 5)" "$(col 6)" \
			"$(two 7)" "$(two 8)"
	done
	echo "median of $RUNS; hibernate: command to power-off; resume: QEMU start to"
	echo "the workload running, in one pass (a confined restore kernel); write:"
	echo "the image in the helper (ksave); restore: the image read and written"
	echo "into memory; resume2, restore2: through a restore helper instead (a"
	echo "normal boot, the image checked, the helper booted, memory written)"
} | tee "$results"
echo "bench: results in $results"
