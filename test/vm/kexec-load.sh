# kjump -l: a plain (non-jump) kexec load and reboot into a new kernel,
# which gets the whole memory map.
vm_run plain '
kjump -l /boot/bzImage --initrd=/boot/helper.cpio.gz \
	--append="console=ttyS0,115200 panic=-1 kjump.job=poweroff" || exit 1
kjump --status
kjump -e
echo "kjump -e returned: $?"
'
expect '^mode: kexec$'
expect '^kjump-init: helper kernel .* job poweroff$'
expect '^kjump-helper: started by a plain kexec, powering off$'
expect_not 'kjump -e returned'
expect_not 'kexec_jump_back_entry'
# both kernels see the same total memory
total=$(sed -n 's/.*Memory: [0-9]*K\/\([0-9]*K\) available.*/\1/p' "$LAST_LOG" | sort -u)
[ "$(grep -c 'Memory: .* available' "$LAST_LOG")" = 2 ] && [ "$(echo "$total" | wc -l)" = 1 ] ||
	fail "the new kernel did not get the whole memory map ($total)"
