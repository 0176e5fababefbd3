# A -> B -> A ten times.  A holds a 64 MiB pattern and checks it after each
# return; B is booted once and counts its visits in its tmpfs; B finds A's
# pattern in /proc/vmcore; afterwards A starts processes and reads its disk.
VM_APPEND='memmap=256M$0x10000000'
disk=$WORK/disk.img
head -c 1M /dev/zero >"$disk"
printf 'kjump-disk-marker-%s' 4711 | dd of="$disk" conv=notrunc 2>/dev/null
VM_TIMEOUT=600 vm_run jumps '
kpattern start /tmp/kp 0x5eed 64 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 panic=-1 kjump.job=jumpback kjump.find=0x5eed:64" ||
	exit 1
kjump --status
for i in 1 2 3 4 5 6 7 8 9 10; do
	kjump -e || exit 1
	kpattern check /tmp/kp || exit 1
done
echo "after jumps: $(echo new process ok)"
echo "disk: $(head -c 22 /dev/vda)"
' -drive "file=$disk,format=raw,if=virtio"
expect_success
for i in 1 2 3 4 5 6 7 8 9 10; do
	expect "^kjump-helper: visit $i\$"
	expect "^ok $i 64 MiB intact"
done
[ "$(grep -c '^kjump-init: helper kernel' "$LAST_LOG")" = 1 ] ||
	fail "the helper kernel booted more than once"
# the kernel swaps only the borrowed low memory and the purgatory at every
# trip; B's kernel and initrd went straight into the window (docs/window.md)
swapped=$(sed -n 's/^swapped at every jump: 2 segments, \([0-9]*\) KiB$/\1/p' \
	"$LAST_LOG")
[ -n "$swapped" ] && [ "$swapped" -lt 1024 ] ||
	fail "swapped at every jump: $(grep '^swapped at every' "$LAST_LOG")"
expect '^kpattern: found 16384 of 16384 pattern pages in /proc/vmcore'
# ten returns to A, nine re-entries of B
[ "$(grep -c '^kjump: back after' "$LAST_LOG")" = 19 ] ||
	fail "not ten round trips"
expect '^after jumps: new process ok$'
expect '^disk: kjump-disk-marker-4711$'

# The original offlines CPUs 1-3 for each jump and brings them back
# after; the helper boots its own.  Before the second jump CPU 2's
# bring-up is made to fail once (the kernel's hotplug fault injection, at
# a step that only bring-up runs), as a CPU too slow to come up would:
# the kernel leaves it offline, kjump brings it back.
VM_TIMEOUT=300 vm_run smp '
kpattern start /tmp/kp 0x5eed 32 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--reuse-cmdline --append="kjump.job=jumpback kjump.status" || exit 1
step=$(sed -n "s/^ *\([0-9]*\): irq\/affinity:online$/\1/p" \
	/sys/devices/system/cpu/hotplug/states)
[ -n "$step" ] || { echo "no hotplug step irq/affinity:online"; exit 1; }
for i in 1 2 3; do
	if [ $i = 2 ]; then
		echo "$step" >/sys/devices/system/cpu/cpu2/hotplug/fail || exit 1
	fi
	kjump -e || exit 1
	kpattern check /tmp/kp || exit 1
	grep -c ^processor /proc/cpuinfo
done
'
expect_success
expect '^ok 3 32 MiB intact'
expect '^kjump-helper: visit 3$'
[ "$(grep -c "^$VM_SMP\$" "$LAST_LOG")" = 3 ] || fail "CPUs did not come back"
expect_count 1 '\] Error taking CPU2 up: -11$'
expect_count 1 '^kjump: warning: CPU 2 did not come back from the jump; it is online again$'
expect_not 'did not come back from the jump and stays offline'
expect_order '\] Error taking CPU2 up' \
	'^kjump: warning: CPU 2 did not come back' '^kjump-helper: visit 3$'
# --reuse-cmdline: the helper inherits the console, not the window
expect "^\[ *0\.0+\] Command line: $VM_APPEND_BASE kjump.job=jumpback kjump.status elfcorehdr="
expect '^started by kexec jump: back to 0x[0-9a-f]+$'
expect '^mode: jump back$' 

# How long a trip took, as kjump says, against the host's clock.  A's
# own clocks stand still while B runs; on return the kernel adds the
# time away in whole seconds of the RTC, if at all, so a count taken
# from them is off by a few tenths of a second, one way or the other.
# The host stamps each console line as it arrives: A's kernel says when
# it starts freezing its tasks and when it has restarted them, and kjump
# counts that trip with a little of its own around it.  The stamper runs
# before the guests where the host lets it: on a loaded host, a line
# stamped late would make the trip look longer than it was.
stamps=$WORK/timed.stamps
rm -f "$LOGDIR/$TEST_NAME.timed.log"
python3 - "$LOGDIR/$TEST_NAME.timed.log" "$stamps" <<'PY' &
import os, sys, time
log, out = sys.argv[1:3]
parent = os.getppid()
try:
    os.nice(-10)
except OSError:
    pass
# one handle, kept: vm_run rewrites the log (sed -i) once QEMU is done
while not os.path.exists(log):
    if os.getppid() != parent:
        sys.exit(0)
    time.sleep(0.01)
buf = b""
with open(log, "rb") as f, open(out, "w") as o:
    while os.getppid() == parent:
        buf += f.read()
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.rstrip(b"\r").decode(errors="replace")
            o.write("%.3f %s\n" % (time.monotonic(), text))
            o.flush()
        time.sleep(0.01)
PY
stamper=$!
VM_TIMEOUT=300 vm_run timed '
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 quiet kjump.job=jumpback i8042.noaux" ||
	exit 1
kjump -e >/dev/null || exit 1
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
echo "clocksource: $(cat $cs)"
for i in 1 2 3 4 5 6 7 8; do
	sleep 0.5
	echo "A: trip $i"
	t=$(kjump -e) || exit 1
	echo "A: $t"
done
'
sleep 0.5
kill $stamper 2>/dev/null || true
wait $stamper 2>/dev/null || true
expect_success
LAST_LOG=$stamps
expect_count 8 '^[0-9.]+ A: trip [0-9]$'
# the TSC is what kjump counts by here (the kernel keeps time by it)
expect '^[0-9.]+ clocksource: tsc$'
# per trip, kjump's count less the host's from A's freezing to its tasks
# restarted (7.2 says "Restarting tasks: Done"): each within 0.15 s; the
# RTC's count misses a trip of 0.4 s by 0.25 s or more
diffs=$(awk '/ A: trip / { f = r = "" }
	/\] Freezing user space processes$/ && f == "" { f = $1 }
	/\] Restarting tasks( \.\.\. done\.|: Done)$/ { r = $1 }
	/ A: kjump: back after / && f != "" && r != "" {
		printf "%.3f\n", $(NF - 1) - (r - f) }' "$stamps")
echo "timed: kjump's count less the host's, per trip:" $diffs
[ "$(echo "$diffs" | grep -c .)" = 8 ] || fail "not eight timed trips"
echo "$diffs" | awk '$1 < -0.15 || $1 > 0.15 { bad = 1 } END { exit bad }' ||
	fail "kjump's count of a round trip is off the host's clock:" $diffs
