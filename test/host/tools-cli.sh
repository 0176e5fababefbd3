# Every user-facing tool answers -h and --version with status 0, refuses
# an unknown option with status 2 and a message on stderr, and has a man
# page that renders without warnings.
for tool in kjump ksnapshot ksave khibernate krestore kimgcore kacpi kbios; do
	bin=$TOP/build/bin/$tool
	out=$("$bin" -h) || fail "$tool -h: status $?"
	echo "$out" | grep -q "^Usage:" || fail "$tool -h: no usage"
	[ "$("$bin" --version)" = "$tool $(cat "$TOP/VERSION")" ] ||
		fail "$tool --version: $("$bin" --version)"
	rc=0
	err=$("$bin" --no-such-option 2>&1 >/dev/null) || rc=$?
	[ $rc = 2 ] || fail "$tool: unknown option gave status $rc"
	echo "$err" | grep -q "unrecognized option" ||
		fail "$tool: unknown option message: $err"
	page=$(ls "$TOP"/*/"$tool".[18] 2>/dev/null | head -n 1)
	[ -n "$page" ] || fail "$tool: no man page"
	warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$warnings" ] || fail "$page: $warnings"
	echo "$tool: ok ($page)"
done
