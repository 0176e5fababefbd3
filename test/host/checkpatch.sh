# Every patch in the series passes the kernel's own checkpatch.pl.
checkpatch=${XDG_CACHE_HOME:-$HOME/.cache}/kjump/kernel/tree/scripts/checkpatch.pl
[ -x "$checkpatch" ] || fail "$checkpatch: missing (run 'make kernel')"
# checkpatch leaves a cache file in the working directory, and inside a
# git work tree it reads context lines of a git patch as its own: run it
# outside the checkout
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
n=0
for p in $(sed -e 's/#.*//' "$TOP/kernel-patches/series"); do
	# no upstream git history here to look a Fixes: commit up in
	"$checkpatch" --no-tree --ignore UNKNOWN_COMMIT_ID \
		"$TOP/kernel-patches/$p" ||
		fail "checkpatch: $p"
	n=$((n + 1))
done
echo "checked $n patch(es)"
