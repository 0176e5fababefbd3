# The one-pass resume's one-time GRUB entry on this host: dist/boot-once
# in a mount namespace of its own (/boot, /proc/cmdline and the lockdown
# file replaced, GRUB's tools and krestore answering as on a machine), and
# dist/grub.d/42_kjump with grub-mkconfig's library faked.
# arm writes the restore kernel's lines with every word of the command
# line as GRUB was given it, quoted for GRUB (a "$", a "'", a quoted
# argument with a blank), less noresume, then chooses the entry; it arms
# nothing, and says why, without the entry, under lockdown, past the
# command line's size or when the choice does not stick.  disarm removes
# the file and the choice only while it is the entry's.  42_kjump leaves
# the entry out where GRUB cannot clear a choice.  (vm/debian-hibernate
# and vm/debian-hibernate-file boot through the real GRUB.)
command -v unshare >/dev/null || fail "no unshare (util-linux)"
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
mkdir -p "$x/boot/grub" "$x/bin" "$x/sec" "$x/lib"
release=$(uname -r)
touch "$x/boot/vmlinuz-$release" "$x/boot/initrd.img-$release" \
	"$x/boot/grub/grubenv"
printf "menuentry 'Resume' --id kjump-resume {\n}\n" >"$x/boot/grub/grub.cfg"
# as GRUB builds it: \ ' " escaped, an argument with a blank quoted
printf '%s\n' "BOOT_IMAGE=/boot/vmlinuz-$release root=UUID=1234 ro memmap=256M\$0x10000000 it\\'s \"acpi_osi=!Windows 2012\" noresume" \
	>"$x/cmdline"

# GRUB's tools and krestore: what they were asked goes to calls
fake() {
	printf '#!/bin/sh\n%s\n' "$2" >"$x/bin/$1"
	chmod 755 "$x/bin/$1"
}
fake grub-probe 'case "$1" in
--target=fs) cat '"$x"'/fs ;;
--target=abstraction) cat '"$x"'/abstraction ;;
*) exit 1 ;;
esac'
editenv='case "$2" in
list) cat '"$x"'/env ;;
set) echo "grub-editenv $*" >>'"$x"'/calls; echo "$3" >'"$x"'/env ;;
unset) echo "grub-editenv $*" >>'"$x"'/calls; : >'"$x"'/env ;;
esac'
fake grub-editenv "$editenv"
fake grub-mkrelpath 'echo "$1"'
krestore='echo "krestore $*" >>'"$x"'/calls
echo "memmap=exactmap memmap=0x9f000@0x1000 nokaslr"'
fake krestore "$krestore"

# boot-once ACTION [LOCKDOWN-TEXT]: its status; stderr in $x/err
boot_once() {
	printf '[none] integrity confidentiality\n' >"$x/sec/lockdown"
	[ -z "${2:-}" ] || printf '%s\n' "$2" >"$x/sec/lockdown"
	: >"$x/calls"
	unshare -m sh -c 'set -e
		mount --make-rprivate /
		mount --bind "$1/boot" /boot
		mount --bind "$1/cmdline" /proc/cmdline
		mount --bind "$1/sec" /sys/kernel/security
		PATH="$1/bin:$PATH" exec sh "$2" "$3"' \
		sh "$x" "$TOP/dist/boot-once" "$1" 2>"$x/err"
}

# armed: the file, then the choice
boot_once arm || fail "arm: status $? ($(cat "$x/err"))"
grep -q 'the next boot resumes in one pass' "$x/err" || fail "arm said: $(cat "$x/err")"
cfg=$x/boot/grub/kjump-resume.cfg
[ -f "$cfg" ] || fail "arm wrote no $cfg"
want="linux /boot/vmlinuz-$release 'panic=10' 'root=UUID=1234' 'ro' 'memmap=256M\$0x10000000' 'it'\\''s' 'acpi_osi=!Windows 2012' 'memmap=exactmap' 'memmap=0x9f000@0x1000' 'nokaslr'"
[ "$(sed -n 2p "$cfg")" = "$want" ] ||
	fail "the linux line is
$(sed -n 2p "$cfg")
not
$want"
[ "$(sed -n 3p "$cfg")" = "initrd /boot/initrd.img-$release" ] ||
	fail "the initrd line: $(sed -n 3p "$cfg")"
grep -q "^krestore --cmdline --kernel=/boot/vmlinuz-$release$" "$x/calls" ||
	fail "krestore was asked: $(cat "$x/calls")"
[ "$(cat "$x/env")" = next_entry=kjump-resume ] || fail "no one-time choice"

# disarm: the choice while it is still the entry's, and the file
boot_once disarm || fail "disarm: status $?"
[ ! -e "$cfg" ] && [ ! -s "$x/env" ] || fail "disarm left the entry chosen"
echo next_entry=other >"$x/env"
boot_once disarm || fail "disarm: status $?"
[ "$(cat "$x/env")" = next_entry=other ] || fail "disarm cleared another entry's choice"

# refusals: status 0, a reason, nothing written, nothing chosen
refused() {
	local why=$1
	shift
	: >"$x/env"
	boot_once "$@" || fail "arm ($why): status $?"
	grep -q "$why.*: the next boot resumes through the restore helper" "$x/err" ||
		fail "arm did not say '$why': $(cat "$x/err")"
	[ ! -e "$cfg" ] && [ ! -s "$x/env" ] || fail "arm ($why) armed the entry"
}
refused 'the kernel is locked down (\[integrity\])' arm 'none [integrity] confidentiality'
mv "$x/boot/grub/grub.cfg" "$x/grub.cfg"
printf "menuentry 'Debian' --id gnulinux {\n}\n" >"$x/boot/grub/grub.cfg"
refused 'no kjump-resume entry in /boot/grub/grub.cfg' arm
mv "$x/grub.cfg" "$x/boot/grub/grub.cfg"
fake grub-editenv 'case "$2" in list) cat '"$x"'/env ;; esac'
refused 'cannot choose kjump-resume in /boot/grub/grubenv' arm
fake grub-editenv "$editenv"
fake krestore "echo memmap=exactmap $(head -c 2100 /dev/zero | tr '\0' x)"
refused "the restore kernel's command line would pass 2047 bytes" arm
fake krestore 'echo "krestore: no jump window on the command line" >&2; exit 1'
refused 'krestore --cmdline refused' arm
fake krestore "$krestore"
boot_once nonsense && fail "boot-once nonsense: status 0"

# 42_kjump: the entry where GRUB can clear the choice, else nothing
cat >"$x/lib/grub-mkconfig_lib" <<EOT
grub_probe=$x/bin/grub-probe
prepare_grub_to_access_device() { echo "search --fs-uuid --set=root 1234"; }
EOT
entry() {
	PATH="$x/bin:$PATH" pkgdatadir=$x/lib sh "$TOP/dist/grub.d/42_kjump" \
		>"$x/out" 2>"$x/err" || fail "42_kjump: status $?"
}
echo ext2 >"$x/fs"
: >"$x/abstraction"
entry
grep -q -- "--id kjump-resume {" "$x/out" && grep -q 'search --fs-uuid' "$x/out" &&
	grep -q 'source "${prefix}/kjump-resume.cfg"' "$x/out" ||
	fail "42_kjump on ext2: $(cat "$x/out")"
no_entry() {
	entry
	[ ! -s "$x/out" ] || fail "42_kjump ($1): an entry"
	grep -q "$1.*: no one-pass resume entry" "$x/err" ||
		fail "42_kjump did not say '$1': $(cat "$x/err")"
}
echo btrfs >"$x/fs"
no_entry 'GRUB cannot clear a one-time choice on btrfs'
echo ext2 >"$x/fs"
echo lvm >"$x/abstraction"
no_entry 'GRUB cannot clear a one-time choice on lvm'
: >"$x/abstraction"
: >"$x/fs"
no_entry 'grub-probe cannot tell the file system of /boot/grub'
echo "boot-once and 42_kjump: armed, disarmed and refused as they should"
