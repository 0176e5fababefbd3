# Every fuzz target (make fuzz: the image reader and block map, the
# bzImage and compressed-kernel reader, ELF cores with their page tables
# and struct pages, the texts between kernels) survives a short run of
# libFuzzer under ASan and UBSan from its seeds: no crash, hang or leak,
# and no broken promise (the targets abort on those).
command -v clang >/dev/null || fail "clang: missing (run 'make deps')"
log=$WORK/fuzz.log
rc=0
make -C "$TOP" --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-12}" \
	>"$log" 2>&1 || rc=$?
grep -E '^(fuzz: |==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)' "$log" |
	head -n 20 || true
[ $rc = 0 ] || fail "make fuzz: status $rc (log: $log)"
targets=$(grep -c '^fuzz: ' "$log")
[ "$targets" -ge 4 ] || fail "only $targets fuzz targets ran (log: $log)"
for runs in $(sed -n 's/^stat::number_of_executed_units: *//p' "$log"); do
	[ "$runs" -gt 1000 ] ||
		fail "a fuzz target hardly ran: $runs executions (log: $log)"
done
echo "fuzz: $targets targets, $(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | paste -sd+ | bc) executions, no crash"
