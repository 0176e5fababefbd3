# Every user-facing tool answers -h and --version with status 0, refuses
# an unknown option with status 2 and a message on stderr, and has a man
# page that renders without warnings.
for tool in kjump ksnapshot ksave khibernate krestore kimgcore kacpi kbios; do
	bin=$TOP/build/bin/$tool
	out=$("$bin" -h) || fail "$tool -h: status $?"
	echo "$out" | grep -q "^Usage:" || fail "$tool -h: no usage"
	[ "$("$bin" --version)" = "$tool $(cat "$TOP/VERSION")" ] ||
		fail "$tool --version: $("$bin" --version)"
	rc=0
	err=$("$bin" --no-such-option 2>&1 >/dev/null) || rc=$?
	[ $rc = 2 ] || fail "$tool: unknown option gave status $rc"
	echo "$err" | grep -q "unrecognized option" ||
		fail "$tool: unknown option message: $err"
	page=$(ls "$TOP"/*/"$tool".[18] 2>/dev/null | head -n 1)
	[ -n "$page" ] || fail "$tool: no man page"
	warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$warnings" ] || fail "$page: $warnings"
	echo "$tool: ok ($page)"
done

# khibernate --show-config: what the scripts around it source instead of
# parsing kjump.conf(5) themselves; the command line over the file, values
# quoted so that sh gets them back as they were, a wrong file refused.
kh=$TOP/build/bin/khibernate
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
cat >"$x/kjump.conf" <<'CONF'
to = /dev/vdb
compress = zstd
encrypt = keyfile
key_file = "/etc/kjump/it's a key"
prepare = yes
one_pass = no
helper_modules = nvme  ahci
CONF
out=$("$kh" --config="$x/kjump.conf" --show-config --compress=lz4 --reboot) ||
	fail "khibernate --show-config: status $?"
[ "$(echo "$out" | grep -c '^KJUMP_[A-Z_]*=')" = 13 ] ||
	fail "khibernate --show-config: not 13 assignments: $out"
(
	eval "$out"
	[ "$KJUMP_TO" = /dev/vdb ] && [ "$KJUMP_COMPRESS" = lz4 ] &&
		[ "$KJUMP_ENCRYPT" = keyfile ] &&
		[ "$KJUMP_KEY_FILE" = "/etc/kjump/it's a key" ] &&
		[ "$KJUMP_AFTER" = reboot ] && [ "$KJUMP_PREPARE" = yes ] &&
		[ "$KJUMP_ONE_PASS" = no ] &&
		[ "$KJUMP_HELPER_MODULES" = "nvme  ahci" ] &&
		[ -z "$KJUMP_RESUME_DEVICE" ] && [ "$KJUMP_PASSPHRASE_TIMEOUT" = 90 ]
) || fail "khibernate --show-config: wrong values: $out"
: >"$x/empty.conf"
"$kh" --config="$x/empty.conf" --show-config | grep -qx KJUMP_ONE_PASS=yes ||
	fail "khibernate --show-config: one_pass is not yes by default"
printf 'to = /dev/vdb\nencrypt = sometimes\n' >"$x/bad.conf"
rc=0
err=$("$kh" --config="$x/bad.conf" --show-config 2>&1 >/dev/null) || rc=$?
[ $rc = 2 ] && echo "$err" | grep -q "bad.conf:2" ||
	fail "khibernate --show-config on a wrong file: status $rc, $err"
echo "khibernate --show-config: ok"

# ksnapshot's codecs: refused before any jump where ksave would refuse
# them, each error naming the option.
ks=$TOP/build/bin/ksnapshot
for args in "--format=kdump --compress=lz4:--compress=lz4: expected zlib, lzo, snappy, zstd or none" \
	"--compress=zstd:--compress=zstd needs --format=kdump"; do
	rc=0
	# shellcheck disable=SC2086
	err=$("$ks" -o "$x/snap" ${args%%:*} 2>&1 >/dev/null) || rc=$?
	[ $rc = 2 ] && [[ "$err" == "ksnapshot: ${args#*:}"* ]] ||
		fail "ksnapshot ${args%%:*}: status $rc, $err"
done
[ ! -e "$x/snap" ] || fail "ksnapshot made its output though refused"
rc=0
err=$("$TOP/build/bin/ksave" --convert --format=kdump-lz4 /dev/null \
	"$x/out" 2>&1) || rc=$?
[ $rc != 0 ] && echo "$err" | grep -q "format=kdump-lz4: expected elf, kdump, kdump-raw, kdump-lzo, kdump-snappy or kdump-zstd" ||
	fail "ksave --format=kdump-lz4: status $rc, $err"
echo "codecs refused: ok"

# kjump -s (kexec_file_load) goes with -l, -p and --load-jump-back,
# and says so before anything is tried; a helper it loads goes where the
# kernel puts it, so a window is refused too.
kj=$TOP/build/bin/kjump
rc=0
err=$("$kj" -s -e 2>&1 >/dev/null) || rc=$?
[ $rc = 2 ] && [[ "$err" == "kjump: -s goes with -l, -p or --load-jump-back"* ]] ||
	fail "kjump -s -e: status $rc, $err"
rc=0
err=$("$kj" -s --load-jump-back /nonexistent --window=128M@0x20000000 2>&1 \
	>/dev/null) || rc=$?
[ $rc = 1 ] && [[ "$err" == "kjump: -s: the kernel places the helper in the crashkernel= reservation; give no --window" ]] ||
	fail "kjump -s --load-jump-back --window: status $rc, $err"
echo "kjump -s refused: ok"

# kjump --module goes with -l of a multiboot kernel, eight at most, each
# naming a file; refused before anything is read.
mods=
for i in 1 2 3 4 5 6 7 8 9; do mods="$mods --module=/m$i"; done
for args in "-p /k --module=/m:--module goes with -l" \
	"-l /k$mods:--module: at most 8" \
	"-l /k --module=:--module: expected \"FILE [STRING]\""; do
	rc=0
	# shellcheck disable=SC2086
	err=$("$kj" ${args%%:*} 2>&1 >/dev/null) || rc=$?
	[ $rc = 2 ] && [[ "$err" == "kjump: ${args#*:}"* ]] ||
		fail "kjump ${args%%:*}: status $rc, $err"
done
echo "kjump --module refused: ok"
