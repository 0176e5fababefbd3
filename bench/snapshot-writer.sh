#!/bin/bash
# ksnapshot's writer (ksave --convert) against makedumpfile on the same
# vmcore: throughput and output size.
#
# The vmcore is a full snapshot of the 1 GiB test guest, taken once with
# ksnapshot --exclude=none (a copy of the helper's /proc/vmcore with its
# notes) while a workload holds 256 MiB and has just freed 128 MiB; it is
# kept in build/bench/ (delete it, or give --fresh, for a new one).
#
# usage: bench/snapshot-writer.sh [--fresh] [RUNS]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/bench
VMCORE=$OUT/vmcore.elf
[ "${1:-}" = --fresh ] && { rm -f "$VMCORE"; shift; }
RUNS=${1:-3}
mkdir -p "$OUT"

make_vmcore() {
	local disk=$OUT/vmcore.disk overlay dir
	echo "bench: taking a full snapshot of the test guest"
	rm -f "$disk"
	truncate -s 1200M "$disk"
	dir=$(mktemp -d)
	mkdir -p "$dir/test"
	cat >"$dir/test/run.sh" <<'GUEST'
#!/bin/sh
kpattern start /tmp/kp 0x5eed 256 BENCH-MARKER || exit 1
kpattern start /tmp/freed 0x77 128 && kpattern stop /tmp/freed
ksnapshot -o /dev/vda --exclude=none --kernel=/boot/bzImage \
	--initrd=/boot/helper.cpio.gz --append=console=ttyS0,115200
GUEST
	chmod +x "$dir/test/run.sh"
	overlay=$OUT/overlay.cpio.gz
	(cd "$dir" && find . -mindepth 1 | cpio -o -H newc -R 0:0 --quiet) |
		gzip -n >"$overlay"
	cat "$TOP/build/initramfs/test.cpio.gz" "$overlay" >"$OUT/initrd"
	rm -rf "$dir"
	timeout 900 qemu-system-x86_64 -M pc -accel "${VM_ACCEL:-tcg}" \
		-m 1024 -nodefaults -display none -no-reboot \
		-serial "file:$OUT/guest.log" -kernel "$TOP/build/kernel/bzImage" \
		-initrd "$OUT/initrd" -drive "file=$disk,format=raw,if=virtio" \
		-append 'console=ttyS0,115200 panic=-1 nokaslr memmap=256M$0x10000000'
	grep -a '^ksnapshot: /dev/vda' "$OUT/guest.log" ||
		{ echo "bench: the guest took no snapshot ($OUT/guest.log)" >&2; exit 1; }
	# the ELF core ends with its last PT_LOAD's data
	python3 - "$disk" "$VMCORE" <<'PY'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
f = open(src, 'rb')
eh = f.read(64)
phoff, = struct.unpack_from('<Q', eh, 32)
phnum, = struct.unpack_from('<H', eh, 56)
f.seek(phoff)
end = 0
for _ in range(phnum):
    _, _, off, _, _, filesz, _, _ = struct.unpack('<IIQQQQQQ', f.read(56))
    end = max(end, off + filesz)
f.seek(0)
with open(dst, 'wb') as out:
    left = end
    while left:
        buf = f.read(min(left, 1 << 24))
        out.write(buf)
        left -= len(buf)
PY
	rm -f "$disk"
}

[ -s "$VMCORE" ] || make_vmcore

# Best of RUNS wall-clock seconds of "CMD... IN OUT" (OUT removed first),
# or "failed N" with the exit status.
# ksave flushes its output to the disk before it ends (a snapshot must be
# there before the helper jumps back); makedumpfile leaves it in the page
# cache.  Timed the same way, makedumpfile's output is flushed too.
makedumpfile_synced() {
	makedumpfile "$@" && sync "${@: -1}"
}

best_time() {
	local out=${*: -1} best= t0 t1 t rc
	for _ in $(seq "$RUNS"); do
		rm -f "$out"
		t0=$(date +%s.%N)
		rc=0
		"$@" >/dev/null 2>&1 || rc=$?
		t1=$(date +%s.%N)
		if [ $rc != 0 ]; then
			echo "failed $rc"
			return
		fi
		t=$(echo "$t1 - $t0" | bc)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then
			best=$t
		fi
	done
	echo "$best"
}

in_mib=$(( $(stat -c %s "$VMCORE") >> 20 ))
cat "$VMCORE" >/dev/null	# all runs read it from the page cache

# One comparison: our writer with EXCLUDE and FORMAT against makedumpfile
# with ARGS.
compare() {
	local what=$1 exclude=$2 format=$3 md_args=$4
	local ours=$OUT/ksave.out md=$OUT/md.out t_ours t_md s_ours s_md
	t_ours=$(best_time "$TOP/build/bin/ksave" --convert --format="$format" \
		--exclude="$exclude" "$VMCORE" "$ours")
	# shellcheck disable=SC2086
	t_md=$(best_time makedumpfile_synced $md_args "$VMCORE" "$md")
	s_ours=$(stat -c %s "$ours")
	printf '| %s | ksave --format=%s | %.3f s, %.0f MiB/s, %.1f MiB |' \
		"$what" "$format" "$t_ours" "$(echo "$in_mib / $t_ours" | bc -l)" \
		"$(echo "$s_ours / 1048576" | bc -l)"
	case "$t_md" in
	failed*)
		printf ' makedumpfile %s: %s |  |\n' "$md_args" "$t_md" ;;
	*)
		s_md=$(stat -c %s "$md")
		printf ' makedumpfile %s: %.3f s, %.0f MiB/s, %.1f MiB | %.2fx, %.2fx |\n' \
			"$md_args" "$t_md" "$(echo "$in_mib / $t_md" | bc -l)" \
			"$(echo "$s_md / 1048576" | bc -l)" \
			"$(echo "$t_md / $t_ours" | bc -l)" \
			"$(echo "$s_ours / $s_md" | bc -l)" ;;
	esac
	rm -f "$ours" "$md"
}

{
	echo "input: $VMCORE, $in_mib MiB; best of $RUNS runs; ratios are"
	echo "ksave's throughput and size relative to makedumpfile's"
	echo
	echo "| pages left out | ours | makedumpfile | throughput, size |"
	echo "| --- | --- | --- | --- |"
	compare "zero" zero elf "-E -d 1"
	compare "free" free elf "-E -d 16"
	compare "zero, free" zero,free elf "-E -d 17"
	compare "zero, free, cache, user" zero,free,cache,user elf "-E -d 31"
	compare "zero, free (zlib)" zero,free kdump "-c -d 17"
	compare "zero, free, cache, user (zlib)" zero,free,cache,user kdump "-c -d 31"
} | tee "$OUT/snapshot-writer.txt"
