#!/bin/bash
# Run the unit tests (build/test/unit/*), the host script tests
# (test/host/*.sh) and the VM tests (test/vm/*.sh); the VM tests of
# test/classic/*.sh (on build/kernel-classic) only when named.
# One PASS/FAIL line per test, the log's path on failure, then a summary
# line "N passed, N failed"; the exit status is non-zero if anything failed.
#
# usage: test/run.sh [--vm-only | --unit-only] [NAME...]
#
# KJUMP_KERNELS, a command, is run before the first test that needs every
# kernel: the VM tests on another kernel, a test with the line
# "# run.sh: needs every kernel" (it reads another kernel's tree), and
# the host tests, which read each release's checkpatch.  make test sets it
# to wait for the kernel it builds in the background; the tests that need
# it then run after the others.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
LOGDIR=$TOP/build/test-logs
tests_start=$(date +%s)
export TOP LOGDIR
kernels_cmd=${KJUMP_KERNELS:-}
unset KJUMP_KERNELS
kernels_wait=0
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

# A script test is sourced after test/vm/lib.sh in a subshell with set -e;
# on another kernel than the main one (KERNEL_VARIANT), its name and logs
# say which.
run_script_test() {
	local t=$1 name=$2 log=$3
	(
		TEST_NAME=$(basename "$t" .sh)${KERNEL_VARIANT:+@$KERNEL_VARIANT}
		export TEST_NAME
		[ -z "${KERNEL_VARIANT:-}" ] ||
			export KERNEL_DIR=$TOP/build/kernel-$KERNEL_VARIANT
		set -e
		. "$TOP/test/vm/lib.sh"
		. "$t"
	) >>"$log" 2>&1
}

# Start a test in the background; its status and time go to files.
start_test() {
	local t=$1 group=$2 name log base
	base=$(basename "$t" .sh)${KERNEL_VARIANT:+@$KERNEL_VARIANT}
	name=$group/$base
	log=$LOGDIR/$base.log
	rm -rf "$LOGDIR/$base".*
	: >"$log"
	(
		start=$SECONDS
		run_script_test "$t" "$name" "$log"
		echo "$? $((SECONDS - start))" >"$log.rc"
	) &
	pids[$!]="$name $log"
}

# A passed test's work directory (its disks, images and dumps: up to
# 3 GB each, 21 GB for the whole run) goes; a failed one's stays for
# the post-mortem, and every one with KEEP_WORK=1.  Logs always stay.
drop_work() {
	local rc=$1 log=$2
	[ "$rc" = 0 ] && [ "${KEEP_WORK:-0}" != 1 ] || return 0
	rm -rf "${log%.log}.d"
}

# Report the first test of the running ones that ends.
reap_one() {
	local pid rc secs
	wait -n -p pid "${!pids[@]}" || true
	read -r rc secs <"${pids[$pid]#* }.rc"
	result "${pids[$pid]% *}" "$rc" "${pids[$pid]#* }" "$secs"
	rm -f "${pids[$pid]#* }.rc"
	drop_work "$rc" "${pids[$pid]#* }"
	unset "pids[$pid]"
}

# Start a test when fewer than JOBS run.
queue_test() {
	while [ ${#pids[@]} -ge "$2" ]; do
		reap_one
	done
	start_test "$1" "$3"
}

# Host tests one by one; VM tests $VM_JOBS at a time (default 2: TCG runs
# a guest on one host thread), results as they end.  The tests that need
# every kernel wait for them, after the others.  Then, for each
# test/vm/kernel-VARIANT.list, the tests it names again on
# build/kernel-VARIANT (as vm/NAME@VARIANT).
run_script_tests() {
	local group=$1 jobs=$2 t list name later=()
	declare -A pids=()
	for t in "$TOP/test/$group"/*.sh; do
		[ "$(basename "$t")" = lib.sh ] && continue
		selected "$group/$(basename "$t" .sh)" || continue
		if grep -qx '# run.sh: needs every kernel' "$t"; then
			later+=("$t")
			continue
		fi
		queue_test "$t" "$jobs" "$group"
	done
	[ ${#later[@]} = 0 ] || wait_kernels
	for t in "${later[@]}"; do
		queue_test "$t" "$jobs" "$group"
	done
	for list in "$TOP/test/$group"/kernel-*.list; do
		[ -e "$list" ] || continue
		wait_kernels
		KERNEL_VARIANT=$(basename "$list" .list)
		KERNEL_VARIANT=${KERNEL_VARIANT#kernel-}
		for name in $(sed 's/#.*//' "$list"); do
			selected "$group/$name@$KERNEL_VARIANT" || continue
			t=$TOP/test/$group/$name.sh
			if [ ! -e "$t" ]; then
				echo "FAILED: $list names $name: no $t" \
					>"$LOGDIR/$name@$KERNEL_VARIANT.log"
				result "$group/$name@$KERNEL_VARIANT" 1 \
					"$LOGDIR/$name@$KERNEL_VARIANT.log" 0
				continue
			fi
			queue_test "$t" "$jobs" "$group"
		done
		KERNEL_VARIANT=
	done
	while [ ${#pids[@]} -gt 0 ]; do
		reap_one
	done
}

# Run the kernels' command once, before the first test that needs it;
# a failure is one, with the command's output as its log.
wait_kernels() {
	local log=$LOGDIR/kernels.log start=$SECONDS
	[ -n "$kernels_cmd" ] || return 0
	echo "waiting for the kernels: $kernels_cmd"
	(cd "$TOP" && $kernels_cmd) >"$log" 2>&1 ||
		result build/kernels 1 "$log" $((SECONDS - start))
	kernels_wait=$((SECONDS - start))
	kernels_cmd=
}

# With the kernels' command, the host tests come last: they need it
if [ -z "$kernels_cmd" ]; then
	[ $run_unit = 1 ] && run_script_tests host 1
	[ $run_vm = 1 ] && run_script_tests vm "${VM_JOBS:-2}"
else
	[ $run_vm = 1 ] && run_script_tests vm "${VM_JOBS:-2}"
	if [ $run_unit = 1 ]; then
		wait_kernels
		run_script_tests host 1
	fi
fi
[ $run_vm = 1 ] && [ ${#only[@]} -gt 0 ] &&
	run_script_tests classic "${VM_JOBS:-2}"

echo "$passed passed, $failed failed"
# make test: where its time went (CI shows the end of the output)
if [ -n "${KJUMP_TEST_START:-}" ]; then
	echo "time: $((tests_start - KJUMP_TEST_START)) s building," \
		"$(($(date +%s) - tests_start)) s testing" \
		"($kernels_wait s of it waiting for the kernels)"
fi
[ $failed = 0 ]
