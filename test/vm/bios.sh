# kbios: BIOS services called in real mode through a kexec jump into a
# stub, the system running on.  INT 15h E820h gives the map QEMU's
# SeaBIOS built, which the kernel's /sys/firmware/memmap matches entry
# for entry; INT 10h 4F00h gives the VBE signature "VESA" where there is a
# video BIOS (-vga std) and a clear refusal where there is none.  A
# loaded helper is not replaced.
VM_APPEND='memmap=160M$0x10000000'
vm_run novga '
kpattern start /tmp/kp 0x61 16 || exit 1
kbios e820 || exit 1
kbios vbe; echo "no video: $?"
kbios e820 >/dev/null || exit 1
echo "second call ok"
kjump --load-jump-back /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append=console=ttyS0,115200 --window=160M@0x10000000 || exit 1
kbios e820; echo "loaded: $?"
kpattern check /tmp/kp
' 
expect_success
expect '^INT 15h E820h: [0-9]+ entries$'
expect '^  0000000000000000-000000000009fbff System RAM$'
expect '^  0000000000100000-[0-9a-f]{16} System RAM$'
expect '^kbios: ([0-9]+) of \1 entries of /sys/firmware/memmap match'
expect '^kbios: INT 10h 4F00h: AX=0x4f00, no VBE'
expect '^no video: 1$'
expect '^second call ok$'
expect '^kbios: a kexec image is loaded'
expect '^loaded: 1$'
expect '^ok 1 16 MiB intact'

vm_run vga '
kbios vbe || exit 1
' -vga std
expect_success
expect '^signature: VESA$'
expect '^VBE version: [23]\.0$'
