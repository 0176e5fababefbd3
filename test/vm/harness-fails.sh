# The harness itself must fail a test whose guest never prints the expected
# line, or whose script fails: run such guests and insist that the checks
# report failure.
vm_run quiet 'echo something-else; false'
( expect '^answer-42$' ) 2>/dev/null && fail "expect passed on a missing line"
( expect_success ) 2>/dev/null && fail "expect_success passed on status 1"
expect '^something-else$'
expect '^kjump-test: exit status 1$'
# order and count where they are the point
expect_order '^something-else$' '^kjump-test: exit status 1$'
( expect_order '^kjump-test: exit status 1$' '^something-else$' ) 2>/dev/null &&
	fail "expect_order passed on lines out of order"
expect_count 1 '^something-else$'
( expect_count 2 '^something-else$' ) 2>/dev/null &&
	fail "expect_count passed on one line where two were wanted"

# A guest that never finishes is stopped at the per-test timeout.
( VM_TIMEOUT=20 vm_run hang 'sleep 600' ) 2>/dev/null &&
	fail "a hanging guest was not stopped"
LAST_LOG=$LOGDIR/$TEST_NAME.hang.log
expect '^kjump-init: test kernel'
