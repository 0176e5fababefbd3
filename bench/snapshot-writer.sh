#!/bin/bash
# ksnapshot's writer (ksave --convert) against makedumpfile 1.7.8 (Debian
# unstable's, through scripts/readers.sh) on the same vmcore: throughput
# and output size, and how close each is to a plain copy of its bytes;
# the kdump format in each codec both write, makedumpfile also with
# --num-threads 2 (the build machine's CPUs).
#
# The vmcore is a full snapshot of the 1 GiB test guest, taken once with
# ksnapshot --exclude=none (a copy of the helper's /proc/vmcore with its
# notes) while a workload holds 256 MiB and has just freed 128 MiB; it is
# kept in build/bench/ (delete it, or give --fresh, for a new one).
#
# usage: bench/snapshot-writer.sh [--fresh] [RUNS]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/initramfs/lib.sh"
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
	initramfs_archive "$dir" | gzip -n >"$overlay"
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

# Best of RUNS wall-clock seconds of "CMD... IN OUT" (OUT removed first
# and flushed to the disk before the clock stops), or "failed N" with the
# exit status.  ksave flushes its output before it ends (a snapshot must
# be there before the helper jumps back); makedumpfile leaves it in the
# page cache, so its output is flushed the same way, and so is a copy.
# The function runs in this shell and in the sid chroot alike.
best_time_body='
best_time() {
	local out=${*: -1} best= t0 t1 rc
	for _ in $(seq "$RUNS"); do
		rm -f "$out"
		t0=$(date +%s%N)
		rc=0
		"$@" >/dev/null 2>&1 && sync "$out" || rc=$?
		t1=$(date +%s%N)
		if [ $rc != 0 ]; then
			echo "failed $rc"
			return
		fi
		[ -n "$best" ] && [ $((t1 - t0)) -ge "$best" ] || best=$((t1 - t0))
	done
	printf "%d.%09d\n" $((best / 1000000000)) $((best % 1000000000))
}'
eval "$best_time_body"

# makedumpfile 1.7.8 from Debian unstable, the first that knows 6.12's
# page types (scripts/readers.sh), timed inside its chroot so that
# entering it costs nothing.
MAKEDUMPFILE_VERSION=$("$TOP/scripts/readers.sh" run sid makedumpfile -v |
	sed -n 's/^makedumpfile: version \([^ ]*\).*/\1/p')
# the codecs the build has ("lzo\tenabled"): Debian's lacks snappy
MAKEDUMPFILE_CODECS=$("$TOP/scripts/readers.sh" run sid makedumpfile -v |
	awk '$2 == "enabled" { printf "%s ", $1 }')
md_time() {
	"$TOP/scripts/readers.sh" run sid bash -c \
		"RUNS=$RUNS; $best_time_body; best_time makedumpfile \"\$@\"" \
		- "$@"
}

# The plain copy of BYTES of the input, flushed: what a writer that only
# copies cannot beat.
copy_bytes() {
	dd if="$VMCORE" of="$3" bs=1M count="$2"
}
copy_time() {
	best_time copy_bytes "$VMCORE" $((($1 + 1048575) >> 20)) "$OUT/copy.out"
}

in_mib=$(( $(stat -c %s "$VMCORE") >> 20 ))
cat "$VMCORE" >/dev/null	# all runs read it from the page cache

# One comparison: our writer with EXCLUDE and FORMAT against makedumpfile
# with ARGS, and against a plain copy of as many bytes as ours wrote.
compare() {
	local what=$1 exclude=$2 format=$3 md_args=$4 codec=${3#kdump-}
	local ours=$OUT/ksave.out md=$OUT/md.out t_ours t_md t_cp s_ours s_md
	t_ours=$(best_time "$TOP/build/bin/ksave" --convert --format="$format" \
		--exclude="$exclude" "$VMCORE" "$ours")
	case "$format:$MAKEDUMPFILE_CODECS" in
	kdump-*:*"$codec "*|elf:*|kdump:*)
		# shellcheck disable=SC2086
		t_md=$(md_time $md_args "$VMCORE" "$md") ;;
	*)
		t_md="not built with $codec" ;;
	esac
	s_ours=$(stat -c %s "$ours")
	t_cp=$(copy_time "$s_ours")
	printf '| %s | %.3f s, %.0f MiB/s, %.1f MiB |' \
		"$what" "$t_ours" "$(echo "$in_mib / $t_ours" | bc -l)" \
		"$(echo "$s_ours / 1048576" | bc -l)"
	case "$t_md" in
	failed*|not*)
		printf ' `%s`: %s |  |' "$md_args" "$t_md" ;;
	*)
		s_md=$(stat -c %s "$md")
		printf ' `%s`: %.3f s, %.0f MiB/s, %.1f MiB | %.2fx, %.2fx |' \
			"$md_args" "$t_md" "$(echo "$in_mib / $t_md" | bc -l)" \
			"$(echo "$s_md / 1048576" | bc -l)" \
			"$(echo "$t_md / $t_ours" | bc -l)" \
			"$(echo "$s_ours / $s_md" | bc -l)" ;;
	esac
	printf ' %.3f s, %.2fx |\n' "$t_cp" "$(echo "$t_ours / $t_cp" | bc -l)"
	rm -f "$ours" "$md" "$OUT/copy.out"
}

{
	echo "input: $VMCORE, $in_mib MiB; best of $RUNS runs; makedumpfile"
	echo "$MAKEDUMPFILE_VERSION; ratios are ksave's throughput and size"
	echo "relative to makedumpfile's; copy: dd of as many bytes as ksave"
	echo "wrote, flushed, and ksave's time relative to it"
	echo
	echo "| pages left out | ksave --convert | makedumpfile | throughput, size | copy, ksave/copy |"
	echo "| --- | --- | --- | --- | --- |"
	compare "zero (ELF)" zero elf "-E -d 1"
	compare "free (ELF)" free elf "-E -d 16"
	compare "zero, free (ELF)" zero,free elf "-E -d 17"
	compare "zero, free, cache, user (ELF)" zero,free,cache,user elf "-E -d 31"
	for level in "zero, free:zero,free:17" \
		"zero, free, cache, user:zero,free,cache,user:31"; do
		IFS=: read -r what exclude d <<<"$level"
		compare "$what (kdump, zlib)" "$exclude" kdump "-c -d $d"
		compare "$what (kdump, zlib)" "$exclude" kdump \
			"--num-threads 2 -c -d $d"
		compare "$what (kdump, LZO)" "$exclude" kdump-lzo "-l -d $d"
		compare "$what (kdump, snappy)" "$exclude" kdump-snappy "-p -d $d"
		compare "$what (kdump, zstd)" "$exclude" kdump-zstd "-z -d $d"
		compare "$what (kdump, zstd)" "$exclude" kdump-zstd \
			"--num-threads 2 -z -d $d"
	done
} | tee "$OUT/snapshot-writer.txt"
