# Encrypted hibernation, with Zstandard: the image is written with a key
# from a passphrase file; the restore kernel refuses a wrong passphrase (and boots normally,
# the image untouched), then resumes with the right one.
truncate -s 512M "$WORK/disk.img"
VM_TIMEOUT=300 VM_APPEND=$HIB_APPEND vm_run hibernate \
	"$(hib_script 'khibernate --to=/dev/vda --compress=zstd --encrypt=/etc/kjump/test-passphrase')" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio"
expect '^ksave: image complete, powering off'
"$TOP/build/bin/krestore" --info "$WORK/disk.img" >"$WORK/info" ||
	fail "no image after the hibernation"
grep -q '^codec: zstd$' "$WORK/info" || fail "the image is not Zstandard's"
grep -q '^flags: encrypted' "$WORK/info" ||
	fail "the image is not marked encrypted"
# not one page of the pattern is on the disk in the clear
found=$("$TOP/build/bin/kpattern" find "$WORK/disk.img" 0x5a 64 || true)
echo "$found"
echo "$found" | grep -q '^kpattern: found 0 of 16384 ' ||
	fail "pattern pages in the clear in the encrypted image"

HIB_RESUME_APPEND='kjump.resume_key=/etc/kjump/wrong-passphrase' \
	hib_resume wrong "$WORK/disk.img"
expect '^krestore: .*wrong passphrase'
expect '^kjump-init: no resume from /dev/vda; booting normally'
expect 'kjump-test: normal boot'

# one pass: the restore kernel confined to the window reads the key file
HIB_RESUME_APPEND='kjump.resume_key=/etc/kjump/test-passphrase' \
	VM_TIMEOUT=300 hib_resume_confined resume "$WORK/disk.img"
expect '^krestore: /dev/vda: restoring in one pass'
expect '^khibernate: resumed from /dev/vda after'
expect '^resumed system ok'
expect_success
