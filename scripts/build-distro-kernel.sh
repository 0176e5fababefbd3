#!/bin/bash
# A kernel for a real Debian 13 machine: Debian's own configuration for
# amd64 (linux-config-6.12, config.amd64_none_amd64) with KEXEC_JUMP on,
# the suite's patches applied, packaged with `make bindeb-pkg`
# (linux-image, linux-headers, linux-libc-dev).  Debian's module signing
# keys are not ours: the build signs the modules with a key of its own.
#
# usage: scripts/build-distro-kernel.sh [--config-only] [--fresh] [OUTDIR]
#   OUTDIR defaults to build/distro-kernel; --config-only stops once the
#   configuration is made and checked (a minute), before the build, which
#   takes hours on a small machine.  An interrupted build goes on where it
#   stopped when run again with the same sources, patches and
#   configuration (--fresh starts over); each run's wall and CPU time is
#   added to $work/times (a run killed with the machine by its last
#   sample, taken every 10 s), and the sum printed at the end.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
config_only= fresh=
while [ $# -gt 0 ]; do
	case "$1" in
	--config-only) config_only=1 ;;
	--fresh) fresh=1 ;;
	*) break ;;
	esac
	shift
done
out=${1:-$top/build/distro-kernel}
work=${KJUMP_DISTRO_TREE:-${XDG_CACHE_HOME:-$HOME/.cache}/kjump/distro}
tarball=/usr/src/linux-source-6.12.tar.xz
config=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
# ours over Debian's configuration
ours=(--enable KEXEC_JUMP --set-str LOCALVERSION -kjump
	--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS ""
	--set-str MODULE_SIG_KEY certs/signing_key.pem)

die() { echo "build-distro-kernel: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball: not found (make deps)"
if [ ! -r "$config" ]; then
	[ "$(id -u)" = 0 ] || die "$config: missing; install linux-config-6.12"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-config-6.12 >/dev/null
fi

patches() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$top/kernel-patches/series" |
		grep -v '^$'
}

# What the tree is made of: the same key, the same tree to build on.
tree_key() {
	{
		stat -c '%n %s %Y' "$tarball"
		patches | while read -r p; do cat "$top/kernel-patches/$p"; done
		xz -dc "$config"
		echo "${ours[@]}"
	} | sha256sum | cut -c1-16
}

tree=$work/linux
key=$(tree_key)
show_diff() {
	echo "build-distro-kernel: options that differ from Debian's:"
	comm -3 "$work/debian.config" "$work/ours.config" | sed 's/^/  /'
}

if [ -z "$fresh" ] && [ "$(cat "$tree/.kjump-key" 2>/dev/null)" = "$key" ]; then
	if [ -n "$config_only" ]; then
		show_diff
		echo "build-distro-kernel: configuration in $tree/.config"
		exit 0
	fi
	echo "build-distro-kernel: going on with the build in $tree"
else
	rm -rf "$tree" "$work/times" "$work/run" "$work/build.log"
	mkdir -p "$tree"
	echo "build-distro-kernel: extracting $tarball into $tree"
	tar -xJf "$tarball" -C "$tree" --strip-components=1
	patches | while read -r p; do
		patch -p1 -s --batch -d "$tree" <"$top/kernel-patches/$p" ||
			die "$p does not apply"
	done

	xz -dc "$config" >"$tree/.config"
	"$tree/scripts/config" --file "$tree/.config" "${ours[@]}"
	make -s -C "$tree" olddefconfig
	for opt in KEXEC_JUMP KEXEC HIBERNATION CRASH_DUMP PROC_VMCORE \
		PROC_KCORE RELOCATABLE RANDOMIZE_BASE; do
		grep -q "^CONFIG_$opt=y" "$tree/.config" ||
			die "CONFIG_$opt is not y in Debian's configuration with ours"
	done
	# what olddefconfig changed besides ours: nothing, if the tarball
	# and the configuration are the same Debian version
	xz -dc "$config" | grep '^CONFIG_' | sort >"$work/debian.config"
	grep '^CONFIG_' "$tree/.config" | sort >"$work/ours.config"
	show_diff
	echo "$key" >"$tree/.kjump-key"
	if [ -n "$config_only" ]; then
		echo "build-distro-kernel: configuration in $tree/.config"
		exit 0
	fi
fi

# Seconds of CPU used by session $1: its live processes and every child
# they reaped (a dead process's time is in its reaper's cutime/cstime).
session_cpu() {
	cat /proc/[0-9]*/stat 2>/dev/null |
		awk -v sid="$1" -v hz="$(getconf CLK_TCK)" '
		{ sub(/^.*\) /, ""); if ($4 == sid) t += $12 + $13 + $14 + $15 }
		END { printf "%d", t / hz }'
}

# A run killed with the machine left its last sample in $work/run.
if [ -s "$work/run" ]; then
	cat "$work/run" >>"$work/times"
	rm -f "$work/run"
fi

# the package's version follows the source's: 6.12.N-1kjump
srcver=$(dpkg-query -W -f '${Version}' linux-source-6.12)
pkgversion=${srcver%%-*}-1kjump
echo "build-distro-kernel: Debian's linux-source-6.12 $srcver; make bindeb-pkg -j$(nproc) in $tree"
start=$(date +%s)
rm -f "$work/run.time"
setsid /usr/bin/time -o "$work/run.time" -f "%e %U %S" \
	make -C "$tree" -j"$(nproc)" bindeb-pkg KDEB_PKGVERSION="$pkgversion" \
	DPKG_FLAGS=-Ppkg.linux-upstream.nokerneldbg >>"$work/build.log" 2>&1 &
pid=$!
trap 'kill -TERM -- -$pid 2>/dev/null' INT TERM HUP
# wall and CPU seconds so far, kept in case the machine stops under us
while kill -0 "$pid" 2>/dev/null; do
	echo "$(($(date +%s) - start)) $(session_cpu "$pid")" >"$work/run.new"
	mv "$work/run.new" "$work/run"
	sleep 10
done
status=0
wait "$pid" || status=$?
trap - INT TERM HUP
if [ -s "$work/run.time" ] && [ $status = 0 ]; then
	awk '{ printf "%d %d\n", $1, $2 + $3 }' "$work/run.time" >>"$work/times"
else
	# stopped: the wall time to now, the CPU time of the last sample
	cpu=$(cut -d' ' -f2 "$work/run" 2>/dev/null)
	echo "$(($(date +%s) - start)) ${cpu:-0}" >>"$work/times"
fi
rm -f "$work/run" "$work/run.time"
total=$(awk '{ w += $1; c += $2 } END { printf "%d runs, %d min wall, %d min CPU", NR, w / 60, c / 60 }' "$work/times")
[ $status = 0 ] || die "make bindeb-pkg stopped (so far: $total); see $work/build.log"
mkdir -p "$out"
mv "$work"/linux-*.deb "$out/"
echo "build-distro-kernel: $(ls "$out" | tr '\n' ' ')"
echo "build-distro-kernel: built in $total on $(nproc) CPUs"
