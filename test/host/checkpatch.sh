# Every patch of both series (kernel-patches/ on 6.12, kernel-patches/7.2/)
# passes the checkpatch.pl of the kernel it applies to.
#
# checkpatch warns of every new file "does MAINTAINERS need updating?";
# a patch that adds files without touching MAINTAINERS passes only if an
# F: pattern of the tree's MAINTAINERS already names each of them.

# pattern_matches PATTERN FILE: as get_maintainer.pl reads an F: line: a
# pattern ending in / names a directory and everything under it, others
# match at the same depth only, with * and ? for any characters
pattern_matches() {
	local pat=$1 file=$2
	if [[ $pat == */ ]]; then
		[[ $file == "$pat"* ]]
		return
	fi
	# shellcheck disable=SC2053 # the pattern is a glob
	[[ $file == $pat ]] || return 1
	[ "${pat//[^\/]/}" = "${file//[^\/]/}" ]
}

maintained() {
	local f=$1 pat
	while read -r pat; do
		pattern_matches "$pat" "$f" && return 0
	done < <(sed -n 's/^F:[[:space:]]*//p' "$kit/MAINTAINERS")
	return 1
}

# new_files PATCH: the files a patch creates
new_files() {
	awk '/^diff --git / { f = $4; sub(/^b\//, "", f) }
	     /^new file mode/ { print f }' "$1"
}

# checkpatch leaves a cache file in the working directory, and inside a
# git work tree it reads context lines of a git patch as its own: run it
# outside the checkout
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
# check_series DIR KIT: every patch DIR/series names, with the checkpatch
# and MAINTAINERS of the kernel built from it (scripts/build-kernel.sh)
check_series() {
	local dir=$1 p file ignore f
	kit=$2
	checkpatch=$kit/scripts/checkpatch.pl
	[ -x "$checkpatch" ] || fail "$checkpatch: missing (run 'make kernel')"
	for p in $(sed -e 's/#.*//' "$dir/series"); do
		file=$dir/$p
		# no upstream git history here to look a Fixes: commit up in
		ignore=UNKNOWN_COMMIT_ID
		if ! grep -q '^diff --git a/MAINTAINERS ' "$file"; then
			for f in $(new_files "$file"); do
				maintained "$f" ||
					fail "$p: adds $f, which no F: line of MAINTAINERS names"
			done
			ignore=$ignore,FILE_PATH_CHANGES
		fi
		"$checkpatch" --no-tree --ignore "$ignore" "$file" ||
			fail "checkpatch: $p"
		n=$((n + 1))
	done
}

n=0
check_series "$TOP/kernel-patches" "$TOP/build/kernel/checkpatch"
for dir in "$TOP"/kernel-patches/*/; do
	[ -e "$dir/series" ] || continue
	check_series "${dir%/}" "$TOP/build/kernel-$(basename "$dir")/checkpatch"
done
echo "checked $n patch(es)"
