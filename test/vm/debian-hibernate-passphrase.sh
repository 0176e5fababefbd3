# systemctl hibernate on the Debian 13 system with a passphrase: with
# encrypt=passphrase in kjump.conf, systemd-hibernate.service asks for it
# through systemd's password agents (answered here from the root shell
# with systemd-tty-ask-password-agent), and the initramfs asks on the
# console at the next boot, where a wrong one gets another try; an
# unanswered question ends the hibernation after passphrase_timeout.
debian_disk "$WORK/disk.img"
truncate -s 2G "$WORK/image.img"
image=(-drive "file=$WORK/image.img,format=raw,if=virtio")
pass='correct horse battery staple'

debian_start boot "$WORK/disk.img" "${image[@]}"
debian_wait_up
debian_configure to=/dev/vdb encrypt=passphrase

# Nobody answers: after passphrase_timeout the hibernation is given up,
# nothing is written, the system carries on.
guest "echo 'passphrase_timeout = 3' >>/etc/kjump/kjump.conf" || fail "kjump.conf"
count=$(guest 'cat /run/kjump-workload/counter')
guest 'systemctl hibernate' || fail "systemctl hibernate refused"
# (a subshell: exit in the guest's login shell would log it out)
guest '(for i in $(seq 120); do systemctl is-failed -q systemd-hibernate.service && exit 0; sleep 0.5; done; exit 1)' ||
	fail "an unanswered passphrase did not end the hibernation"
guest 'journalctl -b --no-pager -u systemd-hibernate.service' | tee "$WORK/giveup.journal"
grep -q 'kjump: no passphrase given (passphrase_timeout = 3 s); not hibernating' \
	"$WORK/giveup.journal" || fail "the journal does not say why it did not hibernate"
[ "$(guest 'cat /run/kjump-workload/counter')" -gt "$count" ] ||
	fail "the workload stopped after the hibernation was given up"
[ "$(head -c 4 "$WORK/image.img" | tr -d '\0')" = "" ] ||
	fail "something was written to the image disk"
guest "sed -i '/^passphrase_timeout/d' /etc/kjump/kjump.conf && systemctl reset-failed" ||
	fail "reset-failed"

debian_workload_before
guest 'systemctl hibernate' || fail "systemctl hibernate refused"
# the question is pending: answer it as a user would
guest 'for i in $(seq 120); do ls /run/systemd/ask-password/ask.* 2>/dev/null && break; sleep 0.5; done' ||
	fail "nobody asked for the passphrase"
python3 "$TOP/test/vm/guest.py" "$GUEST_SOCK" send \
	'systemd-tty-ask-password-agent --query'
guest_answer "$GUEST_SOCK" "$LAST_LOG.shell" 'Passphrase of the hibernation image' "$pass" 120
debian_wait_off 300
expect '^ksave: hibernation image on /dev/vdb: [0-9]+ MiB'
"$TOP/build/bin/krestore" --info "$WORK/image.img" | grep -i 'encrypt' ||
	fail "the image is not encrypted"

# The initramfs asks on the console: a typo gets another try.
debian_start resume "$WORK/disk.img" "${image[@]}"
guest_answer "$CONSOLE_SOCK" "$LAST_LOG" 'Passphrase of the hibernation image' 'not the passphrase' 300
guest_answer "$CONSOLE_SOCK" "$LAST_LOG" 'wrong passphrase; 2 more tries' "$pass" 120
debian_workload_after /dev/vdb
expect '^krestore: /dev/vdb: wrong passphrase; 2 more tries'
guest 'systemctl poweroff' || true
debian_wait_off 120
e2fsck -fn "$WORK/disk.img?offset=$DEBIAN_ROOT_OFFSET" ||
	fail "the root file system is not clean after the resume"
