#!/bin/bash
# make demo: the suite's main job, start to end, in QEMU.
#
# The test system boots with a workload that says what it does (a counter
# ticking on the console, 64 MiB of memory holding a pattern), hibernates
# with khibernate and the machine goes off; a new QEMU boots the restore
# kernel, which resumes it: the counter goes on, the pattern verifies.
# Then a ksnapshot of the resumed system is opened with crash (Debian
# 13's 8.0.6, scripts/readers.sh) and gdb.
# Each step says what happens and how long it took.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP LOGDIR=$TOP/build/demo TEST_NAME=demo
mkdir -p "$LOGDIR"
# shellcheck source=../test/vm/lib.sh
. "$TOP/test/vm/lib.sh"
VM_TIMEOUT=600

step() { printf '\n== %s\n' "$*"; }
took() { printf '   (%d s)\n' $((SECONDS - $1)); }
show() { grep -E "$1" "$LAST_LOG" | sed 's/^/   | /' || true; }

disk=$WORK/hibernate.img snap=$WORK/snapshot.img
rm -f "$disk" "$snap"
truncate -s 512M "$disk"
truncate -s 1200M "$snap"
drives=(-drive "file=$disk,format=raw,if=virtio"
	-drive "file=$snap,format=raw,if=virtio")

workload='kpattern start /tmp/kp 0x5a 64 DEMO-MARKER || exit 1
(i=0; while :; do i=$((i + 1)); echo "workload: tick $i"; sleep 1; done) &
ticker=$!
sleep 4'

step "1. boot the test system (1 GiB, window memmap=256M\$0x10000000), start the workload, hibernate with khibernate"
t=$SECONDS
VM_APPEND=$HIB_APPEND vm_run system "$workload
$HIB_LOAD || exit 1
echo 'demo: khibernate --to=/dev/vda'
khibernate --to=/dev/vda || exit 1
echo 'demo: back in the workload after the resume'
sleep 3
kpattern check /tmp/kp || exit 1
echo 'demo: ksnapshot -o /dev/vdb'
ksnapshot -o /dev/vdb --kernel=/boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append=console=ttyS0,115200 || exit 1
kill \$ticker" "${drives[@]}"
show '^workload|^demo:|^khibernate|^ksave: (hibernation|image complete)'
took $t
grep -q '^ksave: image complete' "$LAST_LOG" ||
	{ echo "demo: the hibernation failed; console in $LAST_LOG" >&2; exit 1; }
"$TOP/build/bin/krestore" --info "$disk" | sed 's/^/   /'

step "2. a new QEMU boots the restore kernel with kjump.resume=/dev/vda"
t=$SECONDS
VM_APPEND=$HIB_APPEND vm_run restore 'echo "demo: no resume, a normal boot"' \
	"${drives[@]}"
show '^krestore: (/dev|memory)|^khibernate|^workload|^ok |^demo:|^ksnapshot'
took $t
grep -q '^khibernate: resumed' "$LAST_LOG" ||
	{ echo "demo: no resume; console in $LAST_LOG" >&2; exit 1; }

step "3. the snapshot of the resumed system, opened with crash 8.0.6"
t=$SECONDS
printf 'sys\nps\nbt -a\nexit\n' >"$WORK/crash.cmd"
if timeout 300 "$TOP/scripts/readers.sh" run trixie crash -s \
	"$(readlink -f "$TOP/build/kernel/vmlinux")" "$snap" \
	-i "$WORK/crash.cmd" >"$WORK/crash.out" 2>&1; then
	sed -n '1,60s/^/   | /p' "$WORK/crash.out"
else
	echo "   crash could not read the snapshot:"
	tail -n 3 "$WORK/crash.out" | sed 's/^/   | /'
	exit 1
fi
took $t

step "4. the same snapshot with gdb: kernel banner and task list"
t=$SECONDS
snapshot_gdb "$snap" -ex 'p linux_banner' -x "$TOP/test/vm/gdb-ps.py" \
	2>/dev/null |
	grep -E '^\$1|^task' | sed 's/^/   | /' | awk 'NR <= 30'
took $t
printf '\ndemo: done; consoles and files in %s\n' "$WORK"
