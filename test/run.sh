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

# Every unit test the sources name: one that was not built is a failure,
# not a test fewer.
if [ $run_unit = 1 ]; then
	for src in "$TOP"/test/unit/test_*.c; do
		t=$TOP/build/test/unit/$(basename "$src" .c)
		name=unit/$(basename "$t")
		selected "$name" || continue
		log=$LOGDIR/$(basename "$t").log
		start=$SECONDS
		if [ -x "$t" ]; then
			(cd "$TOP" && "$t") >"$log" 2>&1
		else
			echo "FAILED: $t: not built (make unit-test)" >"$log"
			false
		fi
		result "$name" $? "$log" $((SECONDS - start))
	done
fi

# A script test is sourced after test/vm/lib.sh in a subshell with set -e.
run_script_test() {
	local t=$1 name=$2 log=$3
	(
		TEST_NAME=$(basename "$t" .sh)
		export TEST_NAME
		set -e
		. "$TOP/test/vm/lib.sh"
		. "$t"
	) >>"$log" 2>&1
}

# Start a test in the background; its status and time go to files.
start_test() {
	local t=$1 group=$2 name log
	name=$group/$(basename "$t" .sh)
	log=$LOGDIR/$(basename "$t" .sh).log
	rm -rf "$LOGDIR/$(basename "$t" .sh)".*
	: >"$log"
	(
		start=$SECONDS
		run_script_test "$t" "$name" "$log"
		echo "$? $((SECONDS - start))" >"$log.rc"
	) &
	pids[$!]="$name $log"
}

# Report the first test of the running ones that ends.
reap_one() {
	local pid rc secs
	wait -n -p pid "${!pids[@]}" || true
	read -r rc secs <"${pids[$pid]#* }.rc"
	result "${pids[$pid]% *}" "$rc" "${pids[$pid]#* }" "$secs"
	rm -f "${pids[$pid]#* }.rc"
	unset "pids[$pid]"
}

# Host tests one by one; VM tests $VM_JOBS at a time (default 2: TCG runs
# a guest on one host thread), results as they end.
run_script_tests() {
	local group=$1 jobs=$2 t
	declare -A pids=()
	for t in "$TOP/test/$group"/*.sh; do
		[ "$(basename "$t")" = lib.sh ] && continue
		selected "$group/$(basename "$t" .sh)" || continue
		while [ ${#pids[@]} -ge "$jobs" ]; do
			reap_one
		done
		start_test "$t" "$group"
	done
	while [ ${#pids[@]} -gt 0 ]; do
		reap_one
	done
}

[ $run_unit = 1 ] && run_script_tests host 1
[ $run_vm = 1 ] && run_script_tests vm "${VM_JOBS:-2}"

echo "$passed passed, $failed failed"
[ $failed = 0 ]
