#!/bin/bash
# Run the unit tests (build/test/unit/*), the host script tests
# (test/host/*.sh) and the VM tests (test/vm/*.sh).
# One PASS/FAIL line per test, the log's path on failure, then a summary
# line "N passed, N failed"; the exit status is non-zero if anything failed.
#
# usage: test/run.sh [--vm-only | --unit-only] [NAME...]
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
LOGDIR=$TOP/build/test-logs
export TOP LOGDIR
run_unit=1 run_vm=1
case "${1:-}" in
--vm-only) run_unit=0; shift ;;
--unit-only) run_vm=0; shift ;;
esac
only=("$@")
passed=0 failed=0
mkdir -p "$LOGDIR"

selected() {
	[ ${#only[@]} -eq 0 ] && return 0
	local n
	for n in "${only[@]}"; do
		[ "$n" = "$1" ] && return 0
	done
	return 1
}

result() {
	local name=$1 rc=$2 log=$3 secs=$4
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		printf 'PASS %-28s %4ss\n' "$name" "$secs"
	else
		failed=$((failed + 1))
		printf 'FAIL %-28s %4ss  log: %s\n' "$name" "$secs" "$log"
		grep '^FAILED: ' "$log" | tail -n 1 | sed 's/^/     /'
	fi
}

if [ $run_unit = 1 ]; then
	for t in "$TOP"/build/test/unit/test_*; do
		[ -x "$t" ] || continue
		name=unit/$(basename "$t")
		selected "$name" || continue
		log=$LOGDIR/$(basename "$t").log
		start=$SECONDS
		(cd "$TOP" && "$t") >"$log" 2>&1
		result "$name" $? "$log" $((SECONDS - start))
	done
fi

# A script test is sourced after test/vm/lib.sh in a subshell with set -e.
run_script_tests() {
	local group=$1 t name log start
	for t in "$TOP/test/$group"/*.sh; do
		[ "$(basename "$t")" = lib.sh ] && continue
		name=$group/$(basename "$t" .sh)
		selected "$name" || continue
		TEST_NAME=$(basename "$t" .sh)
		log=$LOGDIR/$TEST_NAME.log
		rm -rf "$LOGDIR/$TEST_NAME".*
		: >"$log"
		start=$SECONDS
		(
			export TEST_NAME
			set -e
			. "$TOP/test/vm/lib.sh"
			. "$t"
		) >>"$log" 2>&1
		result "$name" $? "$log" $((SECONDS - start))
	done
}

[ $run_unit = 1 ] && run_script_tests host
[ $run_vm = 1 ] && run_script_tests vm

echo "$passed passed, $failed failed"
[ $failed = 0 ]
