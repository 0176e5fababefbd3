# The test kernel boots with the test initramfs, runs a command, powers off.
release=$(cat "$KERNEL_DIR/release")
vm_run boot '
echo "answer-$((6 * 7))"
echo "release-$(uname -r)"
zcat /proc/config.gz | grep -E "^CONFIG_KEXEC_JUMP=y"
kpattern start /tmp/kp 7 16 && kpattern check /tmp/kp
'
expect "^answer-42\$"
expect "^release-$release\$"
expect '^CONFIG_KEXEC_JUMP=y'
expect '^ok 1 16 MiB intact'
expect_success
