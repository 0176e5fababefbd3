# The image reader (lib/image/) survives 30 seconds of libFuzzer under
# ASan and UBSan, starting from valid images: no crash, hang or leak, and
# no broken promise of lib/image/image.h (fuzz/image_fuzz.c aborts on those).
command -v clang >/dev/null || fail "clang: missing (run 'make deps')"
log=$WORK/fuzz.log
rc=0
make -C "$TOP" --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-30}" \
	>"$log" 2>&1 || rc=$?
grep -E '^(==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)' "$log" |
	head -n 20 || true
[ $rc = 0 ] || fail "make fuzz: status $rc (log: $log)"
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
[ -n "$runs" ] && [ "$runs" -gt 1000 ] ||
	fail "the fuzzer hardly ran: '${runs:-no}' executions (log: $log)"
echo "fuzz-image: $runs executions, no crash"
