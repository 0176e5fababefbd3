#!/bin/bash
# How hibernation time grows with the image: a 4 GiB guest holding 2 GiB
# of mixed data (1 GiB incompressible, a kpattern buffer; 1 GiB of
# text-like data, kpattern text, in tmpfs) hibernated and resumed once by
# khibernate + krestore (LZ4, a prepared helper, a one-pass resume) and
# once by the kernel's own hibernation (LZO, swap, resume=), with the time
# and the MiB/s of each phase as the tools and the kernel report them.
#
# usage: bench/hibernate-scale.sh  (SIDES="ours kernel" picks some;
#        HELPER_CPUS="1 2 4" runs ours once per count of CPUs the helper
#        that writes the image has, maxcpus=)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/bench
export TOP LOGDIR=$OUT TEST_NAME=hibernate-scale
mkdir -p "$OUT"
# shellcheck source=../test/vm/lib.sh
. "$TOP/test/vm/lib.sh"
# shellcheck source=lib.sh
. "$TOP/bench/lib.sh"
VM_MEM=4096
VM_TIMEOUT=1200
VM_TCG_THREAD=${VM_TCG_THREAD:-multi}

# The workload waits for the kernel's random numbers, which a real
# machine has seeded seconds after boot: khibernate takes the image's id
# from them, and this guest (no RDRAND, TCG) would wait for them first.
WORKLOAD='kpattern start /tmp/kp 0x5a 1024 || exit 1
kpattern text /tmp/text 9 1024 || exit 1
(i=0; while :; do i=$((i + 1)); echo $i >/tmp/counter.new
	mv /tmp/counter.new /tmp/counter; sleep 0.1; done) &
head -c 1 /dev/random >/dev/null
sleep 2'
# the timing ends at BENCH-RESUMED; the checks follow it
CHECK='echo BENCH-RESUMED
kpattern check /tmp/kp && kpattern textcheck /tmp/text 9 1024 &&
	echo BENCH-INTACT'

# Seconds of a "... in X s" line of a log.
secs() {
	sed -n "s/$2/\\1/p" "$1" | tail -n 1
}

mib_per_s() {
	echo "$1 $2" | awk '$2 > 0 { printf "%.0f", $1 / 1048576 / $2 }'
}

log_of() {
	echo "$LOGDIR/$TEST_NAME.$1.log"
}

# usage: ours [HELPER_CPUS]
ours() {
	local disk=$OUT/scale.img confined info load=$HIB_LOAD label="khibernate (LZ4)"
	if [ -n "${1:-}" ]; then
		load=${HIB_LOAD/kjump.job=jumpback/kjump.job=jumpback maxcpus=$1}
		label="$label, $1 CPU"
	fi
	rm -f "$disk"
	truncate -s 4G "$disk"
	VM_APPEND=$HIB_APPEND
	hib_s=$(marker_to_exit ours-hibernate BENCH-HIBERNATE "$WORKLOAD
$load || exit 1
khibernate --prepare || exit 1
echo \"restore-cmdline: \$(krestore --cmdline)\"
echo BENCH-HIBERNATE
khibernate --to=/dev/vda
$CHECK" -drive "file=$disk,format=raw,if=virtio")
	confined=$(sed -n 's/^restore-cmdline: //p' "$(log_of ours-hibernate)")
	write_s=$(secs "$(log_of ours-hibernate)" \
		'^ksave: hibernation image on .*, \([0-9.]*\) s$')
	info=$("$TOP/build/bin/krestore" --info "$disk")
	image=$(echo "$info" | sed -n 's/.*image bytes: \([0-9]*\)$/\1/p')
	data=$(echo "$info" | sed -n 's/^pages: \([0-9]*\) data.*/\1/p')
	data=$((data * 4096))
	VM_APPEND="$HIB_APPEND $confined"
	res_s=$(timed_vm ours-resume '^BENCH-RESUMED' 'echo no resume' \
		-drive "file=$disk,format=raw,if=virtio")
	grep -q '^BENCH-INTACT' "$(log_of ours-resume)" ||
		{ echo "bench: the resumed system's data is not intact" >&2; exit 1; }
	restore_s=$(secs "$(log_of ours-resume)" \
		'^krestore: memory restored in \([0-9.]*\) s.*')
	phases="$phases
ksave's phases, $label: $(sed -n 's/^ksave: phases: //p' "$(log_of ours-hibernate)")"
	printf '%-22s %9.1fs %8.1fs %9d %6.1fs %6s %7.1fs %6s\n' \
		"$label" "$hib_s" "$res_s" $((image >> 20)) \
		"$write_s" "$(mib_per_s "$data" "$write_s")" "$restore_s" \
		"$(mib_per_s "$data" "$restore_s")"
}

kernel() {
	local swap=$OUT/scale-swap.img log wrote read kb
	rm -f "$swap"
	truncate -s 6G "$swap"
	VM_APPEND='memmap=256M$0x10000000 resume=/dev/vda'
	hib_s=$(marker_to_exit kernel-hibernate BENCH-HIBERNATE "mkswap /dev/vda >/dev/null && swapon /dev/vda || exit 1
echo shutdown >/sys/power/disk
$WORKLOAD
echo BENCH-HIBERNATE
echo disk >/sys/power/state
$CHECK" -drive "file=$swap,format=raw,if=virtio")
	res_s=$(timed_vm kernel-resume '^BENCH-RESUMED' 'echo no resume' \
		-drive "file=$swap,format=raw,if=virtio")
	grep -q '^BENCH-INTACT' "$(log_of kernel-resume)" ||
		{ echo "bench: the kernel's resumed data is not intact" >&2; exit 1; }
	# "PM: hibernation: Wrote N kbytes in S seconds (M MB/s)", "Read ..."
	log=$(log_of kernel-hibernate)
	wrote=$(secs "$log" '.*Wrote [0-9]* kbytes in \([0-9.]*\) seconds.*')
	kb=$(sed -n 's/.*Wrote \([0-9]*\) kbytes in.*/\1/p' "$log" | tail -n 1)
	read=$(secs "$(log_of kernel-resume)" '.*Read [0-9]* kbytes in \([0-9.]*\) seconds.*')
	printf '%-22s %9.1fs %8.1fs %9d %6.1fs %6s %7.1fs %6s\n' \
		"kernel (LZO, swap)" "$hib_s" "$res_s" $((${kb:-0} >> 10)) \
		"${wrote:-0}" "$(mib_per_s $((${kb:-0} * 1024)) "${wrote:-0}")" \
		"${read:-0}" "$(mib_per_s $((${kb:-0} * 1024)) "${read:-0}")"
}

results=$OUT/hibernate-scale.txt
phases=
{
	printf '%-22s %10s %9s %9s %7s %6s %8s %6s\n' "4 GiB guest, 2 GiB data" \
		hibernate resume "image MiB" write MiB/s restore MiB/s
	for side in ${SIDES:-ours kernel}; do
		if [ "$side" = ours ] && [ -n "${HELPER_CPUS:-}" ]; then
			for n in $HELPER_CPUS; do
				ours "$n"
			done
		else
			"$side"
		fi
	done
	echo "hibernate: command to power-off; resume: QEMU start to the workload"
	echo "running; write: the image written (ksave; the kernel's \"Wrote\");"
	echo "restore: memory restored (krestore, one pass; the kernel's \"Read\");"
	echo "MiB/s: of the memory the image holds (ours: its data pages; the"
	echo "kernel's: what it wrote)"
	echo "ksave's phases: see ksave(8)${phases:-}"
} | tee "$results"
echo "bench: results in $results"
