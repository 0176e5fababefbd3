#!/bin/bash
# make demo-debian: systemctl hibernate on a real Debian 13 system, and
# the resume through Debian's own initramfs, in QEMU.
#
# The Debian system (debootstrap, systemd, the suite's two packages
# installed with dpkg -i; scripts/debian-system.sh) boots to
# multi-user.target with a workload service: a counter, a 64 MiB pattern
# and a file it appends to.  The administrator's steps are shown as they
# are typed into the machine's root shell: set the image's target,
# update-initramfs, systemctl hibernate.  The machine goes off; a new QEMU
# boots it again and the initramfs resumes it: the workload carries on in
# the same process, and the journal tells the story.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP LOGDIR=$TOP/build/demo TEST_NAME=demo-debian
mkdir -p "$LOGDIR"
# shellcheck source=../test/vm/lib.sh
. "$TOP/test/vm/lib.sh"

step() { printf '\n== %s\n' "$*"; }
took() { printf '   (%d s)\n' $((SECONDS - $1)); }
run() {
	printf '   # %s\n' "$1"
	guest "$1" "${2:-120}" | sed 's/^/   | /'
}

step "1. make the Debian 13 disk (cached after the first time) and boot it"
t=$SECONDS
debian_disk "$WORK/disk.img"
truncate -s 2G "$WORK/image.img"
image=(-drive "file=$WORK/image.img,format=raw,if=virtio")
debian_start boot "$WORK/disk.img" "${image[@]}"
debian_wait_up
run 'systemctl status --no-pager kjump-workload | head -n 4'
run 'cat /run/kjump-workload/counter; tail -n 2 /var/lib/kjump-workload/appended'
took $t

step "2. the administrator: the image goes to /dev/vdb; update-initramfs"
t=$SECONDS
run "sed -i 's|^#to =.*|to = /dev/vdb|' /etc/kjump/kjump.conf && grep '^to' /etc/kjump/kjump.conf"
run 'update-initramfs -u 2>&1 | grep -v "^W: "' 900
took $t

step "3. systemctl hibernate"
t=$SECONDS
debian_workload_before
run 'systemctl hibernate'
debian_wait_off 300
grep -E '^ksave: (hibernation image|image complete)' "$LAST_LOG" | sed 's/^/   | /'
took $t

step "4. power on: Debian's initramfs resumes the system"
t=$SECONDS
debian_start resume "$WORK/disk.img" "${image[@]}"
debian_workload_after /dev/vdb
grep -E '^(krestore|kjump):' "$LAST_LOG" | sed 's/^/   | /'
run 'systemctl show -p MainPID --value kjump-workload; cat /run/kjump-workload/counter'
run 'journalctl -b --no-pager -u systemd-hibernate.service | tail -n 4'
run 'systemctl --failed --no-pager --no-legend | wc -l'
took $t

step "5. shut down; the root file system is clean"
guest 'systemctl poweroff' >/dev/null || true
debian_wait_off 120
e2fsck -fn "$WORK/disk.img?offset=$DEBIAN_ROOT_OFFSET" | tail -n 1 | sed 's/^/   | /'
echo
echo "demo-debian: done; the consoles are in $LOGDIR"
