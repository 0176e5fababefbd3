#!/bin/bash
# Build the kjump-suite Debian package with dpkg-buildpackage, from a copy
# of the tree (the checkout's files, committed or not), into OUTDIR.
# Skipped when the package of the same files is there already.
#
# usage: scripts/build-deb.sh OUTDIR
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-deb.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

die() { echo "build-deb: $*" >&2; exit 1; }

version=$(cat "$top/VERSION")
changelog=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
[ "${changelog%%-*}" = "$version" ] ||
	die "debian/changelog is at $changelog, VERSION at $version: add a changelog entry"

cd "$top"
files=$(git ls-files -co --exclude-standard | grep -v '^build/' |
	while read -r f; do [ -f "$f" ] && echo "$f"; done)
key=$(echo "$files" | xargs sha256sum | sha256sum | cut -c1-16)
deb=$out/kjump-suite_${changelog}_amd64.deb
if [ -f "$deb" ] && [ "$(cat "$out/.kjump-suite.key" 2>/dev/null)" = "$key" ]; then
	echo "deb: $deb (unchanged)"
	exit 0
fi

src=$out/src/kjump-suite-$version
rm -rf "$out/src"
mkdir -p "$src"
echo "$files" | tar -cf - -T - | tar -xf - -C "$src"
echo "deb: dpkg-buildpackage in $src"
start=$SECONDS
(cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; die "dpkg-buildpackage failed; see $out/build.log"; }
mv "$out"/src/kjump-suite_*.deb "$out/"
rm -rf "$out/src"
echo "$key" >"$out/.kjump-suite.key"
echo "deb: $deb in $((SECONDS - start)) s"
dpkg-deb -c "$deb" | awk '{print $6}' | grep -c . | sed 's/^/deb: files: /'
