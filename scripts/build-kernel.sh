#!/bin/bash
# Build the kjump test kernel: Debian's linux-source-6.12 + kernel-patches/series
# + kernel-patches/kjump.config on x86_64 tinyconfig; or another Linux
# release (a patch directory with a "source" file naming its linux-source
# package, fetched by scripts/linux-source.sh) with its own series.
#
# Results are cached outside the checkout, keyed by a hash of everything that
# goes into them, so an unchanged kernel costs a hash and a symlink.  One build
# tree is kept and patched incrementally (the previous series is reversed
# before the new one is applied), so a changed patch recompiles only what it
# touches.
#
# usage: build-kernel.sh OUTLINK [PATCHDIR [EXTRA_FRAGMENTS [TREE]]]
#        build-kernel.sh --drop-trees
#   OUTLINK becomes a symlink to the cached directory holding bzImage,
#   vmlinux, System.map, config, release, source (the package and its
#   version), selftests/kexec (upstream's kexec selftests of that source),
#   modules/ and (the main kernel, no EXTRA_FRAGMENT) deb/, its Debian
#   packages, and checkpatch/ (checkpatch.pl and what it reads).  PATCHDIR (default kernel-patches/) holds the series file
#   and the patches.  The fragment is kernel-patches/kjump.config, with
#   the options of EXTRA_FRAGMENTS (files separated by ':', later ones
#   winning) replacing its own, for a variant kernel or another release.
#   TREE names the build tree (default "tree"): a variant that differs in
#   a few options shares the main tree and rebuilds little; one that
#   changes the memory model everywhere gets its own.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kjump/kernel

# build-kernel.sh --drop-trees: the build trees go, what they built stays
if [ "${1:-}" = --drop-trees ]; then
	for t in "$cache"/tree*; do
		[ -d "$t" ] || continue
		echo "kernel: dropping the build tree $t ($(du -sh "$t" | cut -f1))"
		rm -rf "$t"
	done
	exit 0
fi

outlink=${1:?usage: build-kernel.sh OUTLINK [PATCHDIR [EXTRA_FRAGMENTS [TREE]]]}
patches=$(cd "${2:-$top/kernel-patches}" && pwd)
extra=${3:-}
IFS=: read -ra extras <<<"$extra"
tree_name=${4:-tree}
pkg=linux-source-6.12
[ ! -r "$patches/source" ] || pkg=$(cat "$patches/source")

die() { echo "build-kernel: $*" >&2; exit 1; }

for f in ${extras[@]+"${extras[@]}"}; do
	[ -r "$f" ] || die "config fragment '$f': not found"
done

read -r tarball srcver < <("$top/scripts/linux-source.sh" "$pkg") ||
	die "$pkg: no source (run 'make deps')"
[ -r "$tarball" ] || die "$tarball: not found"

series_patches() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$patches/series" | grep -v '^$' || true
}

# The fragment: kjump.config with EXTRA_FRAGMENTS' options replacing its own;
# "# CONFIG_FOO is gone" drops one, for a release that no longer has it.
fragment() {
	cat "$top/kernel-patches/kjump.config" ${extras[@]+"${extras[@]}"} | awk '
		/^# CONFIG_[A-Za-z0-9_]* is gone$/ { gone[$2] = 1; next }
		/^CONFIG_/ { k = $0; sub(/=.*/, "", k) }
		/^# CONFIG_.* is not set/ { k = $2 }
		!/^(CONFIG_|# CONFIG_.* is not set)/ { next }
		!(k in v) { order[n++] = k }
		{ v[k] = $0 }
		END {
			for (i = 0; i < n; i++)
				if (!(order[i] in gone))
					print v[order[i]]
		}'
}

key_material() {
	echo "$pkg $srcver"
	gcc --version | head -n 1
	pahole --version 2>/dev/null || true
	cat "$0" "$patches/series"
	[ -n "$extra" ] || cat "$top/scripts/kernel-deb.sh"
	fragment
	series_patches | while read -r p; do
		[ -f "$patches/$p" ] || die "series names $p, which is not in $patches"
		echo "== $p"
		cat "$patches/$p"
	done
}

key=$(key_material | sha256sum | cut -c1-16)
out=$cache/$key

link_result() {
	mkdir -p "$(dirname "$outlink")"
	ln -sfn "$out" "$outlink"
	echo "kernel: $(cat "$out/release") from $(cat "$out/source" 2>/dev/null || echo "$pkg $srcver") at $outlink -> $out"
}

if [ -f "$out/bzImage" ] && [ -f "$out/vmlinux" ]; then
	link_result
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock-$tree_name"
flock 9
# the build this one waited for may have been of the same kernel (make
# test's background build, test/run.sh)
if [ -f "$out/bzImage" ] && [ -f "$out/vmlinux" ]; then
	link_result
	exit 0
fi

tree=$cache/$tree_name
state=$tree/.kjump

fresh_tree() {
	echo "kernel: extracting $tarball"
	rm -rf "$tree" "$tree.new"
	mkdir -p "$tree.new"
	tar -xJf "$tarball" -C "$tree.new" --strip-components=1
	mkdir -p "$tree.new/.kjump/applied"
	echo "$srcver" >"$tree.new/.kjump/srcver"
	mv "$tree.new" "$tree"
}

# Undo the series applied by the previous build, newest first.
unapply_previous() {
	local p
	for p in $(ls -r "$state/applied"); do
		patch -p1 -R -s --batch -d "$tree" <"$state/applied/$p" ||
			return 1
		rm -f "$state/applied/$p"
	done
}

if [ ! -f "$state/srcver" ] || [ "$(cat "$state/srcver")" != "$srcver" ]; then
	fresh_tree
elif ! unapply_previous; then
	echo "kernel: could not reverse the previous series; starting afresh"
	fresh_tree
fi

n=0
for p in $(series_patches); do
	n=$((n + 1))
	if ! patch -p1 -s --batch --dry-run -d "$tree" <"$patches/$p" >/dev/null; then
		patch -p1 --batch --dry-run -d "$tree" <"$patches/$p" >&2 || true
		die "$p no longer applies to Debian's $pkg $srcver (the archive moved on): rebase $patches on it"
	fi
	patch -p1 -s --batch -d "$tree" <"$patches/$p"
	cp "$patches/$p" "$state/applied/$(printf '%03d' $n)-$p"
done
echo "kernel: Debian's $pkg $srcver, $n patch(es) applied"

# Build version 1, as `make bindeb-pkg` gives it (the package revision,
# scripts/kernel-deb.sh): the package's build then finds vmlinux up to
# date instead of linking it again (about 150 s)
kmake() { make -C "$tree" ARCH=x86_64 KBUILD_BUILD_VERSION=1 "$@"; }

fragment >"$state/fragment.config"
kmake -s tinyconfig
"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" \
	"$state/fragment.config" >/dev/null
kmake -s olddefconfig

# Kconfig drops options whose dependencies are unmet without a word.
missing=0
while read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	opt=${want#\# }
	opt=${opt%%[= ]*}
	got=$(grep -E "^($opt=|# $opt is not set)" "$tree/.config" || true)
	if [ "$want" = "# $opt is not set" ] && [ -z "$got" ]; then
		continue
	fi
	if [ "$got" != "$want" ]; then
		echo "build-kernel: config fragment wants '$want', got '${got:-unset}'" >&2
		missing=1
	fi
done <"$state/fragment.config"
[ $missing = 0 ] || die "config fragment not satisfied"

echo "kernel: building in $tree ($(nproc) jobs)"
kmake -s -j"$(nproc)" bzImage vmlinux

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
# The main kernel also as Debian packages, for the Debian test system;
# made first, so that bzImage and vmlinux below are the packaged ones
if [ -z "$extra" ]; then
	"$top/scripts/kernel-deb.sh" "$tree" "$out.tmp/deb"
fi
cp "$tree/arch/x86/boot/bzImage" "$tree/vmlinux" "$tree/System.map" "$out.tmp/"
# Modules, stripped and signed by modules_install, under modules/lib/modules:
# the main kernel's from its package, whose kernel is the one copied above
# (another modules_install would link them again, against a vmlinux whose
# BTF differs by the build version the package gave it)
if [ -z "$extra" ]; then
	mkdir -p "$out.tmp/modules"
	dpkg-deb -x "$out.tmp"/deb/linux-image-*.deb "$out.tmp/deb/root"
	mv "$out.tmp/deb/root/lib" "$out.tmp/modules/lib"
	rm -rf "$out.tmp/deb/root"
elif grep -q '^CONFIG_MODULES=y' "$tree/.config"; then
	kmake -s -j"$(nproc)" modules
	kmake -s INSTALL_MOD_PATH="$out.tmp/modules" INSTALL_MOD_STRIP=1 \
		modules_install
fi
cp "$tree/.config" "$out.tmp/config"
mkdir -p "$out.tmp/selftests"
cp -r "$tree/tools/testing/selftests/kexec" "$out.tmp/selftests/"
# The release's checkpatch, for test/host/checkpatch.sh once the tree is gone
mkdir -p "$out.tmp/checkpatch/scripts"
cp "$tree/MAINTAINERS" "$out.tmp/checkpatch/"
cp "$tree"/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} \
	"$out.tmp/checkpatch/scripts/"
kmake -s kernelrelease >"$out.tmp/release"
echo "$pkg $srcver" >"$out.tmp/source"
rm -rf "$out"
mv "$out.tmp" "$out"
link_result
