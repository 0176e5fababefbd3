#!/bin/bash
# The dump readers that know Linux 6.12, from Debian's own archive: Debian
# 12's crash (8.0.2) and makedumpfile (1.7.2) predate it.  One chroot per
# Debian suite, made by debootstrap once and cached outside the checkout
# like the kernel, keyed by the suite, the packages and their versions:
#
#   trixie (Debian 13): crash 8.0.6 and drgn 0.0.31, what a kernel
#                       engineer on a 6.12 distribution reads a dump with;
#                       kexec-tools, pesign and attr for upstream's kexec
#                       selftests (test/vm/kexec-selftests.sh)
#   sid (unstable):     makedumpfile 1.7.8, the first that knows 6.12's page
#                       types (the benchmark's reference); crash 9.0.2 and
#                       drgn 0.3.0, which know Linux 7.2
#
# The versions are pinned: when the archive moves on, building a new
# chroot stops with the package, the version pinned and the one found.
#
# usage: scripts/readers.sh path SUITE        the chroot (built if needed)
#        scripts/readers.sh run SUITE CMD...  CMD in it, with /proc, the
#            checkout and the kernel cache mounted at their own paths
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kjump
mirror=http://deb.debian.org/debian

die() { echo "readers: $*" >&2; exit 1; }

# package=version pairs per suite
pins() {
	case $1 in
	trixie) echo "crash=8.0.6-1 python3-drgn=0.0.31-1" \
		"kexec-tools=1:2.0.29-2+b2 pesign=116-8.1 attr=1:2.5.2-3" ;;
	sid) echo "makedumpfile=1:1.7.8-1 crash=9.0.2+~16.3-1" \
		"python3-drgn=0.3.0-1" ;;
	*) die "$1: no such suite (trixie, sid)" ;;
	esac
}

chroot_dir() {
	local key
	key=$( { echo "$1"; pins "$1"; cat "$0"; } | sha256sum | cut -c1-16)
	echo "$cache/readers/$1-$key"
}

check_pins() {
	local dir=$1 suite=$2 pin pkg want got
	for pin in $(pins "$suite"); do
		pkg=${pin%%=*} want=${pin#*=}
		got=$(chroot "$dir" dpkg-query -W -f '${Version}' "$pkg" \
			2>/dev/null) || got=none
		[ "$got" = "$want" ] || die "Debian $suite has $pkg $got," \
			"the suite is pinned to $want (scripts/readers.sh)"
	done
}

build() {
	local suite=$1 dir=$2 tmp pkgs
	command -v debootstrap >/dev/null || die "debootstrap: not installed (make deps)"
	[ "$(id -u)" = 0 ] || die "building the $suite chroot needs root"
	pkgs=$(pins "$suite" | tr ' ' '\n' | sed 's/=.*//' | paste -sd,)
	tmp=$dir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$(dirname "$dir")"
	echo "readers: building the Debian $suite chroot ($pkgs) in $dir" >&2
	debootstrap --variant=minbase --include="$pkgs" "$suite" "$tmp" \
		"$mirror" >"$tmp.log" 2>&1 ||
		die "debootstrap $suite failed; see $tmp.log"
	check_pins "$tmp" "$suite"
	rm -rf "$tmp/var/cache/apt/archives"/*.deb
	mv "$tmp" "$dir"
	rm -f "$tmp.log"
}

# The chroot, built once even by tests that ask at the same time.
ensure() {
	local suite=$1 dir
	dir=$(chroot_dir "$suite")
	if [ ! -d "$dir" ]; then
		mkdir -p "$cache/readers"
		exec 9>"$cache/readers/.$suite.lock"
		flock 9
		[ -d "$dir" ] || build "$suite" "$dir"
		exec 9>&-
	fi
	echo "$dir"
}

run() {
	local suite=$1 dir kernels
	shift
	dir=$(ensure "$suite")
	kernels=$cache/kernel
	mkdir -p "$kernels"
	# a private mount namespace: the mounts go when CMD ends
	exec unshare -m --propagation private sh -c '
		dir=$1 top=$2 kernels=$3
		shift 3
		for d in "$top" "$kernels"; do
			mkdir -p "$dir$d" && mount --bind "$d" "$dir$d" || exit 1
		done
		mount -t proc proc "$dir/proc" || exit 1
		cd "$PWD" 2>/dev/null || cd /
		exec chroot "$dir" sh -c "cd \"\$0\" 2>/dev/null || cd /; exec \"\$@\"" "$PWD" "$@"
	' - "$dir" "$top" "$kernels" "$@"
}

case ${1:-} in
path) ensure "${2:?usage: readers.sh path SUITE}" ;;
run) [ $# -ge 3 ] || die "usage: readers.sh run SUITE CMD..."; shift; run "$@" ;;
*) die "usage: readers.sh path SUITE | run SUITE CMD..." ;;
esac
