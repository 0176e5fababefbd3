#!/bin/bash
# Soak: one original system goes through JUMPS round trips to its helper
# and then CYCLES hibernations, each resumed by a new QEMU, with the
# workload (a 64 MiB pattern and a counter) verified after every one.
# Its free memory, open files (descriptors of all processes) and slab are
# sampled every 20 jumps and after every resume; the run fails if any
# drifts beyond what a working system's caches explain (FREE_DRIFT_KIB,
# FILES_DRIFT, SLAB_DRIFT_KIB, from the first sample after the warm-up to
# the last).  /proc/slabinfo at those two samples says which caches grew.  Not part of make test: about
# half an hour.  The summary goes to build/soak/summary.txt.
#
# usage: test/soak.sh [JUMPS [CYCLES]]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
JUMPS=${1:-200}
CYCLES=${2:-30}
FREE_DRIFT_KIB=${FREE_DRIFT_KIB:-16384}
FILES_DRIFT=${FILES_DRIFT:-8}
SLAB_DRIFT_KIB=${SLAB_DRIFT_KIB:-4096}
export TOP LOGDIR=$TOP/build/soak TEST_NAME=soak
rm -rf "$LOGDIR" && mkdir -p "$LOGDIR"
# shellcheck source=vm/lib.sh
. "$TOP/test/vm/lib.sh"

# In the guest: "soak: WHAT N free_kib=F files=O slab_kib=S", and at the
# warm-up's end and the last sample each slab cache's bytes,
# "slab: WHAT N NAME BYTES".
guest_script() {
	cat <<EOS
sample() {
	echo "soak: \$1 \$2 free_kib=\$(awk '/^MemFree:/ { print \$2 }' /proc/meminfo) files=\$(find /proc/[0-9]*/fd -mindepth 1 2>/dev/null | wc -l) slab_kib=\$(awk '/^Slab:/ { print \$2 }' /proc/meminfo)"
	case "\$1 \$2" in
	"jump 20"|"jump $JUMPS"|"hibernate 1"|"hibernate $CYCLES")
		awk -v w="\$1 \$2" 'NR > 2 { print "slab: " w " " \$1 " " \$3 * \$4 }' /proc/slabinfo ;;
	esac
}
kpattern start /tmp/kp 0x50a4 64 || exit 1
(i=0; while :; do i=\$((i + 1)); echo \$i >/tmp/counter.new
	mv /tmp/counter.new /tmp/counter; sleep 0.1; done) &
sleep 1
$HIB_LOAD || exit 1
sample jump 0
i=0
while [ \$i -lt $JUMPS ]; do
	# tagged: the helper's kjump -e says "back after" too
	t=\$(kjump -e) || exit 1
	echo "A: \$t"
	kpattern check /tmp/kp >/dev/null || { echo "soak: pattern lost after jump \$i"; exit 1; }
	i=\$((i + 1))
	[ \$((i % 20)) -ne 0 ] || sample jump \$i
done
c=0
while [ \$c -lt $CYCLES ]; do
	before=\$(cat /tmp/counter)
	$HIB_LOAD || exit 1
	khibernate --to=/dev/vda || exit 1
	sleep 0.5
	after=\$(cat /tmp/counter)
	[ "\$after" -gt "\$before" ] && [ "\$after" -lt \$((before + 100)) ] ||
		{ echo "soak: counter did not go on from \$before: \$after"; exit 1; }
	kpattern check /tmp/kp >/dev/null || { echo "soak: pattern lost after cycle \$c"; exit 1; }
	c=\$((c + 1))
	sample hibernate \$c
done
echo "soak: done"
EOS
}

truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=1800 VM_APPEND=$HIB_APPEND vm_run cycle-0 "$(guest_script)" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
for ((c = 1; c <= CYCLES; c++)); do
	expect '^ksave: image complete, powering off'
	VM_TIMEOUT=600 hib_resume "cycle-$c" "$WORK/disk.img"
	expect "^soak: hibernate $c "
done
expect '^soak: done$'
expect_success

# The figures, in order.
for ((c = 0; c <= CYCLES; c++)); do
	cat "$LOGDIR/soak.cycle-$c.log"
done | grep -E '^soak: |^slab: |^A: kjump: back after|^khibernate: resumed|^ksave: hibernation image' \
	>"$LOGDIR/samples.txt"
# from the first sample after the warm-up (20 jumps, 1 resume) to the last
drift() {
	grep '^soak: ' "$LOGDIR/samples.txt" | awk -v free="$FREE_DRIFT_KIB" -v files="$FILES_DRIFT" -v slab="$SLAB_DRIFT_KIB" '
	{ for (i = 4; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	$2 == "jump" && $3 == 20 || $2 == "hibernate" && $3 == 1 {
		base[$2] = v["free_kib"] " " v["files"] " " v["slab_kib"] }
	{ last[$2] = v["free_kib"] " " v["files"] " " v["slab_kib"]; n[$2] = $3 }
	END {
		for (k in base) {
			split(base[k], b); split(last[k], l)
			printf "%s: %d; first to last sample: free %+d KiB, open files %+d, slab %+d KiB\n", k, n[k], l[1] - b[1], l[2] - b[2], l[3] - b[3]
			if (b[1] - l[1] > free || l[2] - b[2] > files ||
			    l[3] - b[3] > slab)
				bad = 1
		}
		exit bad
	}'
}
# the slab caches that grew most, from the warm-up's end to the last
grown() {
	awk -v a="$1" -v b="$2" '$1 == "slab:" && $2 " " $3 == a { s[$4] = $5 }
		$1 == "slab:" && $2 " " $3 == b { d = $5 - s[$4]; if (d > 0) print d, $4 }' \
		"$LOGDIR/samples.txt" | sort -rn | head -n 4 |
		awk '{ printf "%s%s +%d KiB", (NR > 1 ? ", " : ""), $2, $1 / 1024 } END { print "" }'
}
rc=0
drift >"$LOGDIR/summary.txt" || rc=$?
echo "slab grown over the jumps: $(grown "jump 20" "jump $JUMPS")" >>"$LOGDIR/summary.txt"
echo "slab grown over the hibernations: $(grown "hibernate 1" "hibernate $CYCLES")" >>"$LOGDIR/summary.txt"
printf 'jump round trip: median %s s of %d\n' \
	"$(sed -n 's/^A: kjump: back after \([0-9.]*\) s.*/\1/p' "$LOGDIR/samples.txt" | median)" \
	"$(grep -c '^A: kjump: back after' "$LOGDIR/samples.txt")" >>"$LOGDIR/summary.txt"
printf 'hibernate to resumed: median %s s of %d\n' \
	"$(sed -n 's/^khibernate: resumed from .* after \([0-9.]*\) s.*/\1/p' "$LOGDIR/samples.txt" | median)" \
	"$(grep -c '^khibernate: resumed' "$LOGDIR/samples.txt")" >>"$LOGDIR/summary.txt"
cat "$LOGDIR/summary.txt"
[ $rc = 0 ] || fail "drift beyond $FREE_DRIFT_KIB KiB free, $FILES_DRIFT open files or $SLAB_DRIFT_KIB KiB of slab"
echo "soak: passed"
