# The series' KUnit tests (kernel-patches 0013), built into the test
# kernel and run at boot when asked (kunit.enable=1): every suite and
# every case the patches add reports "ok" on the console in KTAP, none
# "not ok" or skipped.
# the patches of the series the kernel was built from
patches() {
	local dir=$TOP/kernel-patches p
	[ -z "${KERNEL_VARIANT:-}" ] || dir=$dir/$KERNEL_VARIANT
	for p in $(sed -e 's/#.*//' "$dir/series"); do
		cat "$dir/$p"
	done
}
suites=$(patches | grep -c '^+kunit_test_suites\?(')
cases=$(patches | grep -c '^+[[:space:]]*KUNIT_CASE')
[ "$suites" -gt 0 ] && [ "$cases" -gt 0 ] ||
	fail "no KUnit suite or case found in kernel-patches/"
VM_APPEND='kunit.enable=1' vm_run kunit 'echo "kunit run"'
expect_success
# printk's lines: "[ seconds] " and the KTAP text
k='^\[ *[0-9]+\.[0-9]+\] '
expect "${k}KTAP version 1\$"
# a case is indented under its suite, a suite is not
expect_count "$suites" "${k}ok [0-9]+ [a-z_]+\$"
expect_count "$cases" "${k}    ok [0-9]+ [a-z_]+\$"
expect_not "${k} *not ok "
expect_not '# SKIP'
expect_count "$suites" "${k}# [a-z_]+: pass:[0-9]+ fail:0 skip:0 total:[0-9]+\$"
