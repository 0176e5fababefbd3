# The helper writes the original system's memory through /proc/vmcore
# (kernel-patches/0012).  On its first visit (job vmcore-poke) one 8 KiB
# write across three pages of old memory changes 16 bytes at offset 0x100
# of pattern page 1000, and the original's check finds the first mismatch
# exactly there; writes into the ELF header, the notes or past the end,
# and without CAP_SYS_RAWIO, are refused and change nothing.  On the
# second visit the helper puts the bytes back and the pattern is intact.
VM_APPEND='memmap=256M$0x10000000'
VM_TIMEOUT=300 vm_run poke '
kpattern start /tmp/kp 0x42 16 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 kjump.job=vmcore-poke kjump.poke=0x42:16:1000" ||
	exit 1
kjump -e || exit 1
kpattern check /tmp/kp
kjump -e || exit 1
kpattern check /tmp/kp
'
expect_success
expect '^kjump-helper: visit 1$'
expect '^vmcore-poke: mode 600$'
for what in "ELF header" "notes" "notes and memory" \
	"end of memory and past it" "past the end"; do
	expect "^vmcore-poke: $what: refused: dd: .*Invalid argument\$"
done
expect '^vmcore-poke: unprivileged: refused: dd: .*Operation not permitted$'
expect '^vmcore-poke: refused writes changed nothing$'
expect '^kpattern: pattern page 1000 at offset [0-9]+$'
expect '^vmcore-poke: wrote 8192 bytes at [0-9]+$'
expect '^vmcore-poke: read back what was written$'
# 1000 * 4096 + 0x100
expect '^bad 1 first mismatch at offset 0x3e8100$'
expect '^kjump-helper: visit 2$'
expect '^vmcore-poke: put back 8192 bytes at [0-9]+$'
expect '^ok 2 16 MiB intact'

# A loader that put the helper's own memory in its ELF core header (made
# to, by kjump.failinject=corehdr-own): the helper's kernel refuses to
# write there, and the helper and the original system go on.
VM_APPEND='memmap=256M$0x10000000 kjump.failinject=corehdr-own' \
	VM_TIMEOUT=300 vm_run own '
kpattern start /tmp/kp 0x42 16 || exit 1
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 kjump.job=vmcore-poke kjump.poke=own" ||
	exit 1
kjump -e || exit 1
kjump -e || exit 1
kpattern check /tmp/kp
'
expect_success
expect '^kjump: failing corehdr-own, as asked$'
expect '^vmcore-poke: own memory at 0x[0-9a-f]+: refused: dd: .*Invalid argument$'
expect_not "^vmcore-poke: no PT_LOAD holds this kernel's own memory"
expect_count 2 '^kjump-helper: visit [12]$'
expect '^ok [0-9]+ 16 MiB intact'
