# test/run.sh counts what it cannot run: a unit test whose source is there
# but whose binary was not built fails, so that a broken build can never
# end in "0 failed".
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
mkdir -p "$x/test/unit" "$x/build/test/unit"
cp "$TOP/test/run.sh" "$x/test/run.sh"
: >"$x/test/unit/test_built.c"
: >"$x/test/unit/test_missing.c"
printf '#!/bin/sh\nexit 0\n' >"$x/build/test/unit/test_built"
chmod +x "$x/build/test/unit/test_built"
rc=0
"$x/test/run.sh" --unit-only unit/test_built unit/test_missing \
	>"$x/out" 2>&1 || rc=$?
cat "$x/out"
LAST_LOG=$x/out
[ $rc != 0 ] || fail "run.sh exited 0 with a unit test not built"
expect '^PASS unit/test_built '
expect '^FAIL unit/test_missing '
expect 'test_missing: not built \(make unit-test\)'
expect '^1 passed, 1 failed$'

# make test's kernels command (KJUMP_KERNELS): one that fails is a failure,
# and the host tests, which need it, still run, after it
mkdir -p "$x/test/host" "$x/test/vm" "$x/test/debian/root/etc/kernel" \
	"$x/initramfs"
cp "$TOP/test/vm/lib.sh" "$x/test/vm/"
cp "$TOP/initramfs/lib.sh" "$x/initramfs/"
cp "$TOP/test/debian/root/etc/kernel/cmdline" "$x/test/debian/root/etc/kernel/"
printf 'echo host ran\n' >"$x/test/host/after.sh"
rc=0
KJUMP_KERNELS=false "$x/test/run.sh" --unit-only host/after \
	>"$x/out" 2>&1 || rc=$?
cat "$x/out"
[ $rc != 0 ] || fail "run.sh exited 0 with its kernels' command failing"
expect '^waiting for the kernels: false$'
expect '^FAIL build/kernels '
expect '^PASS host/after '
expect '^1 passed, 1 failed$'

# A test that reads another kernel's tree says so, and runs only once the
# kernels' command has (CI: vm/kexec-selftests ran while Linux 7.2 was
# still building and found no test_kexec_jump.c)
printf 'echo ran\n' >"$x/test/vm/early.sh"
printf '# run.sh: needs every kernel\n[ -e "%s/built" ] || fail "ran first"\n' \
	"$x" >"$x/test/vm/needs.sh"
rc=0
KJUMP_KERNELS="touch $x/built" "$x/test/run.sh" --vm-only vm/early vm/needs \
	>"$x/out" 2>&1 || rc=$?
cat "$x/out"
[ $rc = 0 ] || fail "a test that needs every kernel ran before them"
expect '^PASS vm/early '
expect '^PASS vm/needs '
expect '^2 passed, 0 failed$'
