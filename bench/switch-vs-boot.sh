#!/bin/bash
# Switching between resident kernels (kjump switch) against booting the
# same kernel, in one run on the test guest: the round trip A -> kernel ->
# A on each kernel's first entry (a boot) and on later entries (a switch:
# segments saved and put back, no boot).
#
# usage: bench/switch-vs-boot.sh [SWITCHES]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/bench
N=${1:-10}
export TOP LOGDIR=$OUT TEST_NAME=switch-bench
mkdir -p "$OUT"
# shellcheck source=../test/vm/lib.sh
. "$TOP/test/vm/lib.sh"
VM_TIMEOUT=900
VM_APPEND='memmap=160M$0x10000000 memmap=160M$0x20000000'
def='--initrd=/boot/helper.cpio.gz --append="console=ttyS0,115200 quiet"'
script="kjump switch B --kernel=/boot/bzImage $def --window=160M@0x10000000 || exit 1
kjump switch C --kernel=/boot/bzImage $def --window=160M@0x20000000 || exit 1"
for i in $(seq "$N"); do
	script="$script
kjump switch B || exit 1
kjump switch C || exit 1"
done
vm_run run "$script" >&2
expect_success
boot=$(sed -n 's/^kjump: back from . after \([0-9.]*\) s (its first.*/\1/p' "$LAST_LOG")
switch=$(sed -n 's/^kjump: back from . after \([0-9.]*\) s$/\1/p' "$LAST_LOG")
b=$(echo "$boot" | median)
s=$(echo "$switch" | median)
printf 'first entry (boot): median %.3f s of %d; switch: median %.3f s of %d; boot / switch %.1fx\n' \
	"$b" "$(echo "$boot" | wc -l)" "$s" "$(echo "$switch" | wc -l)" \
	"$(echo "$b / $s" | bc -l)" | tee "$OUT/switch-vs-boot.txt"
