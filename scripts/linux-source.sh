#!/bin/bash
# The Linux source a test kernel is built from: the tarball of Debian's
# linux-source-X.Y package.  One this machine has installed (make deps
# installs linux-source-6.12) is taken from /usr/src; any other comes from
# Debian unstable, downloaded by this machine's apt with package lists of
# its own (nothing of the system's apt state is touched) and cached
# outside the checkout by the version the archive has.  It needs no
# chroot, so a fresh machine starts that kernel's build while debootstrap
# is still making the chroots.
#
# usage: scripts/linux-source.sh PACKAGE
#   prints "TARBALL VERSION": the tarball's path and the package's version
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
pkg=${1:?usage: linux-source.sh linux-source-X.Y}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kjump/kernel/source

die() { echo "linux-source: $*" >&2; exit 1; }

case "$pkg" in
linux-source-[0-9]*.[0-9]*) ;;
*) die "$pkg: not a linux-source-X.Y package" ;;
esac

if ver=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) &&
	[ -r "/usr/src/$pkg.tar.xz" ]; then
	echo "/usr/src/$pkg.tar.xz $ver"
	exit 0
fi

mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
apt_dir=$cache/apt-sid

# apt on Debian unstable's lists in $apt_dir, configured by its own
# apt.conf alone (APT_CONFIG, which names the system's apt.conf and
# apt.conf.d as empty, so none of their hooks or pins apply): its own
# sources, lists, cache and an empty dpkg status, so the system's apt
# sees nothing of it.  The system's proxy, if it has one, is kept.
sid_apt() {
	LC_ALL=C APT_CONFIG="$apt_dir/apt.conf" "$@"
}

sid_apt_setup() {
	local proxy=
	mkdir -p "$apt_dir/empty" "$apt_dir/lists/partial" \
		"$apt_dir/cache/archives/partial"
	: >>"$apt_dir/status"
	echo "deb [signed-by=$keyring] $mirror sid main" >"$apt_dir/sources.list"
	eval "$(apt-config shell proxy Acquire::http::Proxy 2>/dev/null)" || true
	cat >"$apt_dir/apt.conf" <<-EOF
	Dir::Etc::main "/dev/null";
	Dir::Etc::parts "$apt_dir/empty";
	Dir::Etc::SourceList "$apt_dir/sources.list";
	Dir::Etc::SourceParts "$apt_dir/empty";
	Dir::Etc::Preferences "$apt_dir/empty/preferences";
	Dir::Etc::PreferencesParts "$apt_dir/empty";
	Dir::State::Lists "$apt_dir/lists";
	Dir::State::status "$apt_dir/status";
	Dir::Cache "$apt_dir/cache";
	Acquire::Languages "none";
	APT::Sandbox::User "root";
	${proxy:+Acquire::http::Proxy \"$proxy\";}
	EOF
}

# The version Debian unstable has now, by the lists last fetched
candidate() {
	sid_apt apt-cache policy "$pkg" 2>>"$apt_dir/policy.log" |
		sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true
}

# The lists as the archive has them now (a mirror's Release file may be
# past its date; the signature still holds)
update_lists() {
	sid_apt apt-get -q --error-on=any \
		-o Acquire::Check-Valid-Until=false update \
		>"$apt_dir/update.log" 2>&1 ||
		die "Debian unstable's package lists: apt-get update failed; see $apt_dir/update.log"
}

# download VERSION: the package into $dir.tmp
download() {
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	(cd "$dir.tmp" && sid_apt apt-get -q download "$pkg=$1") \
		>"$dir.tmp/log" 2>&1
}

mkdir -p "$cache"
exec 9>"$cache/.lock-apt-sid"
flock 9
sid_apt_setup
: >"$apt_dir/policy.log"
ver=$(candidate)
dir=$cache/${pkg}_$ver
if [ -z "$ver" ] || [ ! -r "$dir/$pkg.tar.xz" ]; then
	echo "linux-source: downloading $pkg ${ver:-} from Debian unstable" >&2
	if [ -z "$ver" ] || ! download "$ver"; then
		# no lists yet, or the archive moved on: what it has now
		update_lists
		ver=$(candidate)
		[ -n "$ver" ] || die "$pkg: not in Debian unstable (see $apt_dir/policy.log)"
		dir=$cache/${pkg}_$ver
		download "$ver" ||
			die "$pkg $ver: download failed; see $dir.tmp/log"
	fi
	dpkg-deb --fsys-tarfile "$dir.tmp"/"${pkg}"_*.deb |
		tar -xO "./usr/src/$pkg.tar.xz" >"$dir.tmp/$pkg.tar.xz" ||
		die "$pkg $ver: no /usr/src/$pkg.tar.xz in the package"
	rm -f "$dir.tmp"/*.deb "$dir.tmp/log"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
echo "$dir/$pkg.tar.xz $ver"
