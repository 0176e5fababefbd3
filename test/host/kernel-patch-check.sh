# A patch that no longer applies stops the kernel build with its name, and a
# series naming a missing file is refused before anything is built.
dir=$WORK/patches
mkdir -p "$dir"
find "$TOP/kernel-patches" -maxdepth 1 -type f -exec cp -t "$dir/" {} +
cat >"$dir/9999-stale.patch" <<'PATCH'
Subject: [PATCH] stale: context that is not in the tree

---
 Makefile | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

--- a/Makefile
+++ b/Makefile
@@ -1,3 +1,3 @@
-# this line is not in the kernel's Makefile
+# neither is this one
 # nor this
 # nor this
PATCH
echo 9999-stale.patch >>"$dir/series"
out=$("$TOP/scripts/build-kernel.sh" "$WORK/kernel" "$dir" 2>&1) &&
	fail "build-kernel.sh accepted a stale patch"
echo "$out"
echo "$out" | grep -q '9999-stale.patch no longer applies' ||
	fail "the error does not name the stale patch"

echo 9999-missing.patch >>"$dir/series"
rm "$dir/9999-stale.patch"
out=$("$TOP/scripts/build-kernel.sh" "$WORK/kernel" "$dir" 2>&1) &&
	fail "build-kernel.sh accepted a series naming a missing patch"
echo "$out" | grep -q 'series names 9999-stale.patch' ||
	fail "the error does not name the missing patch"
[ ! -e "$WORK/kernel" ] || fail "a failed build left a kernel link"
