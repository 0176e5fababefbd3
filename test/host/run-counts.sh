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
