# lib.sh — shared helpers of the end-to-end scripts: a fresh workspace per
# scenario, the binary under test, assertions that count. Each script ends
# with `finish`, which prints "<name>: N passed, N failed".
# Tests drive bin/membership through its public contract only (commands,
# inbox files, reports, exit codes); reading the database is for checking
# invariants, never for setting things up.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
NAME=$(basename "$0" .sh)
: "${MEMBERSHIP_BIN:=$TOP/bin/membership}"
PASS=0
FAIL=0
TMPROOT=$TOP/tests/tmp/$NAME
rm -rf "$TMPROOT"
mkdir -p "$TMPROOT"
unset MEMBERSHIP_CONFIG MEMBERSHIP_FAULT_AT

VG=""
if [ "${MEMBERSHIP_VALGRIND:-}" = 1 ]; then
	VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
fi

# ws_new NAME [config-lines…]: a workspace folder $WS with config $CFG
# (workspace: ws, timezone Asia/Seoul unless overridden by the lines given).
ws_new() {
	WS=$TMPROOT/$1
	shift
	rm -rf "$WS"
	mkdir -p "$WS"
	CFG=$WS/membership.yaml
	{
		echo "workspace: ws"
		for l in "$@"; do echo "$l"; done
	} > "$CFG"
	INBOX=$WS/ws/inbox
	REPORTS=$WS/ws/reports
	mkdir -p "$INBOX"
}

# mb ARGS…: run the binary with the scenario's config; sets RC, OUT, ERR.
mb() {
	$VG "$MEMBERSHIP_BIN" -c "$CFG" "$@" > "$TMPROOT/.out" 2> "$TMPROOT/.err"
	RC=$?
	OUT=$(cat "$TMPROOT/.out")
	ERR=$(cat "$TMPROOT/.err")
	if [ "$RC" = 99 ] && [ -n "$VG" ]; then
		echo "valgrind reported errors: $*"
		cat "$TMPROOT/.err"
	fi
}

# drop FILE-NAME: write stdin into the inbox under a hidden name, then
# rename into place (as a producer does).
drop() {
	cat > "$INBOX/.$1.part"
	mv "$INBOX/.$1.part" "$INBOX/$1"
}

ok() {
	PASS=$((PASS + 1))
	[ -n "${VERBOSE:-}" ] && echo "ok - $1"
	return 0
}

not_ok() {
	FAIL=$((FAIL + 1))
	echo "not ok - $1"
	return 0
}

# check_eq WHAT GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"
		printf '  got:  %s\n  want: %s\n' "$2" "$3"
	fi
}

# check_rc WHAT WANT: compares with $RC of the last mb.
check_rc() {
	if [ "$RC" = "$2" ]; then ok "$1"; else
		not_ok "$1 (exit $RC, want $2)"
		printf '%s\n' "$ERR" | head -n 5 | sed 's/^/  /'
	fi
}

# check_file WHAT FILE EXPECTED-FILE (or - for stdin): byte comparison.
check_file() {
	if [ "$3" = - ]; then cat > "$TMPROOT/.want"; else cp "$3" "$TMPROOT/.want"; fi
	if [ ! -f "$2" ]; then not_ok "$1 ($2 missing)"; return; fi
	if cmp -s "$2" "$TMPROOT/.want"; then ok "$1"; else
		not_ok "$1"
		diff -u "$TMPROOT/.want" "$2" | head -n 30 | sed 's/^/  /'
	fi
}

# check_grep WHAT PATTERN TEXT
check_grep() {
	if printf '%s\n' "$3" | grep -q -- "$2"; then ok "$1"; else
		not_ok "$1 (no '$2')"
		printf '%s\n' "$3" | head -n 5 | sed 's/^/  /'
	fi
}

# sql QUERY: read the books (for invariants only).
sql() {
	sqlite3 -batch -noheader "$WS/ws/membership.db" "$1"
}

# invariants: the global invariants of RELIABILITY.md over the books.
invariants() {
	check_eq "integrity_check" "$(sql 'PRAGMA integrity_check')" "ok"
	check_eq "foreign_key_check" "$(sql 'PRAGMA foreign_key_check')" ""
	check_eq "sold_count equals approved - refunded" "$(sql "SELECT count(*) FROM products p WHERE sold_count != (SELECT count(*) FROM memberships m WHERE m.product_id = p.product_id AND m.payment = 'APPROVED')")" "0"
}

finish() {
	echo "$NAME: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}
