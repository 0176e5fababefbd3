#!/bin/bash
# Run a build with Debian's ccache in front of gcc, its objects kept in
# ${XDG_CACHE_HOME:-~/.cache}/kjump/ccache: a kernel tree made again (a
# new linux-source in the archive, or the trees CI drops) compiles only
# the files that changed, not all of them.  The compiler links in
# /usr/lib/ccache keep CC "gcc", so the kernel's recorded commands, and
# so its incremental builds, stay the same with ccache or without.
# Nothing a build makes depends on it: it is no part of a cache key.
#
# usage: with-ccache.sh COMMAND [ARG...]
set -euo pipefail

if [ -x /usr/lib/ccache/gcc ]; then
	export PATH=/usr/lib/ccache:$PATH
	export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kjump/ccache}
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
fi
exec "$@"
