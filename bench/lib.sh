# Timing helpers of the hibernation benchmarks, sourced after
# test/vm/lib.sh (vm_run, LOGDIR, TEST_NAME).

now() { date +%s.%N; }

# Start QEMU in the background; print the seconds from its start to the
# first line matching $2 in its console, then wait for it to end.
timed_vm() {
	local step=$1 pattern=$2 script=$3 start log
	shift 3
	log=$LOGDIR/$TEST_NAME.$step.log
	rm -f "$log"
	start=$(now)
	vm_run "$step" "$script" "$@" >&2 &
	local pid=$!
	until grep -Eq -- "$pattern" "$log" 2>/dev/null; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	local seen
	seen=$(now)
	wait $pid || return 1
	grep -Eq -- "$pattern" "$log" || { echo "bench: no /$pattern/ in $log" >&2; return 1; }
	echo "$seen - $start" | bc
}

# Seconds from a marker line to QEMU's exit.
marker_to_exit() {
	local step=$1 marker=$2 script=$3 log pid seen
	shift 3
	log=$LOGDIR/$TEST_NAME.$step.log
	rm -f "$log"
	vm_run "$step" "$script" "$@" >&2 &
	pid=$!
	until grep -q -- "$marker" "$log" 2>/dev/null; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	seen=$(now)
	wait $pid || return 1
	echo "$(now) - $seen" | bc
}
