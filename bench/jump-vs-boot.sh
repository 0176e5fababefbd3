#!/bin/bash
# The jump itself against a boot, in one run on the test guest: the helper
# kernel is loaded and entered once (a cold boot, timed by the helper from
# its kernel's start to its job, as /proc/uptime counts it: decompression
# and purgatory not included, so the boot is if anything undercounted),
# then N round trips A -> B -> A with B already running and doing nothing,
# timed by A (kjump -e), A idle for GAP seconds before each (default 1:
# a snapshot or a hibernation is one trip, after which A goes on with
# what it did; 0 makes the trips back to back, where each resume of A
# waits for what the last one started in the background, such as the
# PS/2 mouse's reconnect).  Reports the median round trip, the boot, and
# their ratio; the goal is under 2%.
#
# usage: [BENCH_APPEND=PARAMS] [BENCH_GAP=S] bench/jump-vs-boot.sh [N]
# (PARAMS on both kernels' command lines, e.g. psmouse.proto=bare)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/bench
N=${1:-20}
GAP=${BENCH_GAP:-1}
export TOP LOGDIR=$OUT TEST_NAME=jump-bench
mkdir -p "$OUT"
# shellcheck source=../test/vm/lib.sh
. "$TOP/test/vm/lib.sh"
VM_TIMEOUT=900
VM_APPEND="memmap=256M\$0x10000000 ${BENCH_APPEND:-}"
vm_run run "kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append='console=ttyS0,115200 quiet kjump.job=jumpback i8042.noaux ${BENCH_APPEND:-}' || exit 1
kjump -e || exit 1
# tagged: B's kjump -e says \"back after\" too, of its own waits
for i in \$(seq $N); do sleep $GAP; t=\$(kjump -e) || exit 1; echo \"A: \$t\"; done" >&2
expect_success
boot=$(sed -n 's/^kjump-helper: up \([0-9.]*\) s after the kernel started$/\1/p' "$LAST_LOG")
[ -n "$boot" ] || fail "the helper did not say when it was up"
trips=$(sed -n 's/^A: kjump: back after \([0-9.]*\) s$/\1/p' "$LAST_LOG")
m=$(echo "$trips" | median)
printf 'round trip A -> B -> A, B running, A idle %s s before each: median %.3f s of %d (min %.3f, max %.3f); B cold boot to its job: %.3f s; round trip / boot: %.1f%%\n' \
	"$GAP" "$m" "$(echo "$trips" | wc -l)" "$(echo "$trips" | sort -n | head -1)" \
	"$(echo "$trips" | sort -n | tail -1)" "$boot" \
	"$(echo "100 * $m / $boot" | bc -l)" | tee "$OUT/jump-vs-boot.txt"
