# Cooperative multi-kernel: two resident helpers, B and C, each in its own
# window, entered from A twenty times in a random order.  Each is booted on
# its first entry only and keeps its state: its visit counter (tmpfs in its
# window) goes on from where it was.  A's 64 MiB pattern verifies after
# every switch.  On its third visit B switches on to C instead of
# returning (through A, which relays), and C then returns to A.  An
# unknown name, a window overlapping a resident's and a helper loaded
# over a resident that ran are refused, the system running on.
VM_APPEND='memmap=160M$0x10000000 memmap=160M$0x20000000'
def='--initrd=/boot/helper.cpio.gz --append=console=ttyS0,115200'
def_b='--initrd=/boot/helper.cpio.gz --append="console=ttyS0,115200 kjump.switch_on=C@3"'
order=$(awk 'BEGIN { srand(7); for (i = 0; i < 18; i++)
	printf "%s ", rand() < 0.5 ? "B" : "C" }')
order="B C $order"
script="kpattern start /tmp/kp 0x44 64 || exit 1
kjump switch D; echo \"unknown: \$?\"
kjump switch B --kernel=/boot/bzImage $def_b --window=160M@0x10000000 || exit 1
kpattern check /tmp/kp || exit 1
kjump switch C --kernel=/boot/bzImage $def --window=160M@0x20000000 || exit 1
kpattern check /tmp/kp || exit 1
kjump switch E --kernel=/boot/bzImage $def --window=64M@0x14000000; echo \"overlap: \$?\"
kjump --load-jump-back /boot/bzImage $def --window=160M@0x10000000
echo \"load over B: \$?\"
kjump --status
"
for k in ${order#B C }; do
	script="$script
kjump switch $k || exit 1
kpattern check /tmp/kp || exit 1"
done
VM_TIMEOUT=600 vm_run switch "$script"
expect_success
expect "^kjump: no resident kernel 'D'"
expect '^unknown: 1$'
expect "^kjump: window 0x14000000-0x18000000 overlaps resident kernel B's"
expect '^overlap: 1$'
expect "^kjump: window 0x10000000-0x1a000000 holds resident kernel B, which a load there would overwrite"
expect '^load over B: 1$'
expect '^  B: /boot/bzImage, window 0x10000000-0x1a000000, stopped at 0x'
expect '^  C: /boot/bzImage, window 0x20000000-0x2a000000, loaded, enters at 0x'
boots=$(grep -c '^kjump-init: helper kernel' "$LAST_LOG")
[ "$boots" = 2 ] || fail "$boots helper boots, not 2"
# the visits each entry printed, against what each kernel's count must be
want= b=0 c=0
for k in $order; do
	if [ "$k" = B ]; then
		b=$((b + 1)) want="$want $b"
		# B's third visit goes on to C
		[ $b != 3 ] || { c=$((c + 1)) want="$want $c"; }
	else
		c=$((c + 1)) want="$want $c"
	fi
done
got=$(sed -n 's/^kjump-helper: visit \([0-9]*\)$/\1/p' "$LAST_LOG" | tr '\n' ' ')
[ "$(echo $got)" = "$(echo $want)" ] ||
	fail "visits: got '$got', want '$want' for $order"
n=$(grep -c '^ok [0-9]* 64 MiB intact' "$LAST_LOG")
[ "$n" = 21 ] || fail "$n pattern checks passed, not 21"
expect '^kjump: back from B after [0-9.]+ s \(its first entry: a boot\)'
expect '^kjump: switching on to C$'
expect '^kjump: B switches on to C$'
expect '^kjump: entered again after [0-9.]+ s$'
[ "$(grep -c '^kjump: B switches on to C$' "$LAST_LOG")" = 1 ] ||
	fail "B did not switch on to C exactly once"
