# The kjump-suite Debian package (make deb) holds what a system needs,
# where Debian puts it: the tools, their man pages, the configuration as
# a conffile, kjump-mkhelper, the initramfs-tools hook and boot script,
# the kernel hooks, the systemd drop-ins and unit, the initramfs trigger;
# its scripts parse, and kjump-mkhelper answers as the tools do.  (The
# Debian test system installs it with dpkg -i: vm/debian-*.)
deb=$(ls "$TOP"/build/deb/kjump-suite_*_amd64.deb 2>/dev/null | tail -n 1)
[ -n "$deb" ] || fail "no package in build/deb (make deb)"
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$deb" "$x/root"
dpkg-deb -e "$deb" "$x/control"

for f in usr/sbin/kjump usr/sbin/khibernate usr/sbin/krestore \
	usr/sbin/ksnapshot usr/sbin/ksave usr/sbin/kimgcore usr/sbin/kacpi \
	usr/sbin/kbios usr/sbin/kjump-mkhelper usr/lib/kjump/init \
	usr/lib/kjump/hibernate usr/lib/kjump/boot-once \
	usr/lib/kjump/jobs/jumpback \
	usr/lib/kjump/jobs/restore usr/share/initramfs-tools/hooks/kjump \
	usr/share/initramfs-tools/scripts/local-premount/kjump \
	etc/kernel/postinst.d/kjump etc/kernel/postrm.d/kjump \
	etc/grub.d/42_kjump; do
	[ -x "$x/root/$f" ] || fail "/$f: not in the package, or not executable"
done
for f in etc/kjump/kjump.conf usr/share/kjump/initramfs.sh \
	usr/lib/systemd/system/kjump-prepare.service \
	usr/lib/systemd/system/systemd-hibernate.service.d/kjump.conf \
	usr/lib/systemd/system/systemd-logind.service.d/kjump.conf \
	usr/lib/systemd/sleep.conf.d/kjump.conf; do
	[ -f "$x/root/$f" ] || fail "/$f: not in the package"
done
# every tool in /usr/sbin has its man page, which renders cleanly
for tool in "$x"/root/usr/sbin/*; do
	page=$(ls "$x/root/usr/share/man/man8/$(basename "$tool").8.gz" 2>/dev/null) ||
		fail "$(basename "$tool"): no man page in the package"
	w=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$w" ] || fail "$page: $w"
done
[ -f "$x/root/usr/share/man/man5/kjump.conf.5.gz" ] || fail "no kjump.conf(5)"
# the test workloads stay out
[ ! -e "$x/root/usr/sbin/kpattern" ] || fail "the package holds kpattern"
grep -qx /etc/kjump/kjump.conf "$x/control/conffiles" ||
	fail "kjump.conf is not a conffile"
grep -q 'update-initramfs' "$x/control/triggers" ||
	fail "no update-initramfs trigger"
dpkg-deb -f "$deb" Depends | grep -q busybox-static || fail "no Depends on busybox-static"
# the shipped configuration is one khibernate reads
"$TOP/build/bin/khibernate" --config="$x/root/etc/kjump/kjump.conf" \
	--resume-args >/dev/null 2>"$x/err" || true
grep -q 'no target' "$x/err" || fail "khibernate on the shipped kjump.conf: $(cat "$x/err")"
for s in usr/sbin/kjump-mkhelper usr/lib/kjump/hibernate \
	usr/lib/kjump/boot-once etc/grub.d/42_kjump \
	usr/share/initramfs-tools/hooks/kjump \
	usr/share/initramfs-tools/scripts/local-premount/kjump \
	etc/kernel/postinst.d/kjump etc/kernel/postrm.d/kjump \
	../control/postinst ../control/prerm ../control/postrm; do
	sh -n "$x/root/$s" || fail "/$s: does not parse"
done
mk=$x/root/usr/sbin/kjump-mkhelper
KJUMP_SHAREDIR=$x/root/usr/share/kjump "$mk" -h | grep -q '^Usage:' || fail "kjump-mkhelper -h"
[ "$(KJUMP_SHAREDIR=$x/root/usr/share/kjump "$mk" --version)" = "kjump-mkhelper $(cat "$TOP/VERSION")" ] ||
	fail "kjump-mkhelper --version"
rc=0
"$mk" --no-such-option >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "kjump-mkhelper: unknown option gave status $rc"
echo "$(basename "$deb"): $(dpkg-deb -c "$deb" | grep -vc '/$') files, ok"
# A fresh clone must build the same package and test system: no source of
# either may be untracked or ignored by git (a drop-in directory once was).
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	left=$(git -C "$TOP" ls-files --others -- debian dist test/debian initramfs)
	[ -z "$left" ] || fail "not tracked by git, so not in a clone: $left"
fi
