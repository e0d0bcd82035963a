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
# wait_for WHAT CMD…: until CMD succeeds (every 0.05 s, at most 30 s);
# not_ok naming WHAT and 1 when it never does.
wait_for() {
	what=$1
	shift
	n=0
	while ! "$@"; do
		n=$((n + 1))
		if [ "$n" -ge 600 ]; then
			not_ok "timed out waiting for $what"
			return 1
		fi
		sleep 0.05
	done
	return 0
}

# relay FILE: the "ok - …" lines a helper program wrote, as checks of this
# suite; any other line fails.
relay() {
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "${line#ok - }" ;;
		*) not_ok "$line" ;;
		esac
	done < "$1"
}

drop() {
	cat > "$INBOX/.$1.part"
	mv "$INBOX/.$1.part" "$INBOX/$1"
}

# products NAME ROW…, purchases NAME ROW…, cancels NAME ROW…: drop a file
# of that kind (its header, then the rows given) into the inbox.
products() {
	f=$1; shift
	{ echo "action,product_id,name,price,sale_until,max_sales"; printf '%s\n' "$@"; } | drop "$f"
}
purchases() {
	f=$1; shift
	{ echo "request_id,customer_id,product_id,amount,requested_at"; printf '%s\n' "$@"; } | drop "$f"
}
cancels() {
	f=$1; shift
	{ echo "request_id,customer_id,purchase_request_id,requested_at,reason"; printf '%s\n' "$@"; } | drop "$f"
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

# crash_books: every table but runs, without ids (references by id become
# the referenced natural key): what two runs must agree on, whatever their
# chunking or their crashes.
crash_books() {
	sql "PRAGMA user_version;
SELECT 'P', product_id, name, price, sale_until, max_sales, status, sold_count, created_on, updated_on
  FROM products ORDER BY product_id;
SELECT 'V', product_id, business_date, name, price, sale_until, max_sales, deleted
  FROM product_versions ORDER BY product_id, seq;
SELECT 'M', request_id, customer_id, product_id, amount, requested_at, requested_on, status, payment,
       decided_on, decline_reason, valid_from, expires_on, approved_on, cancelled_on, refund_amount, expired_on
  FROM memberships ORDER BY request_id;
SELECT 'C', c.request_id, c.customer_id, c.purchase_request_id, m.request_id, c.requested_at, c.reason,
       c.requested_on, c.state, c.decided_on
  FROM cancels c LEFT JOIN memberships m ON m.id = c.membership_id ORDER BY c.request_id;
SELECT 'E', e.business_date, e.customer_id, e.event, e.request_id, m.request_id, e.product_id, e.amount,
       e.status, e.detail
  FROM events e LEFT JOIN memberships m ON m.id = e.membership_id ORDER BY e.business_date, e.customer_id, e.id;
SELECT 'R', business_date, file, line, request_id, customer_id, reason, message
  FROM rejections ORDER BY business_date, file, line, request_id, reason, message;
SELECT 'X', business_date, product_id, recorded, ledger
  FROM reconciliation ORDER BY business_date, product_id, recorded, ledger;
SELECT 'F', sha256, name, kind, business_date, outcome, reason, message, rows_read, accepted, rejected,
       dest, final_name, rejects_name, moved
  FROM files ORDER BY business_date, name, sha256, outcome;"
}

# crash_tree DIR…: every entry under the workspace folders given (hidden
# ones included) with type and mode, and each file's sha256.
crash_tree() {
	(
		cd "$WS/ws" || exit 1
		for d in "$@"; do
			[ -d "$d" ] || { echo "(no $d)"; continue; }
			find "$d" -printf '%y %m %p\n' | sort
			find "$d" -type f -exec sha256sum {} + | sort -k 2
		done
	)
}

# crash_snapshot NAME: books, reports and the file trees into $TMPROOT/NAME.*
crash_snapshot() {
	crash_books > "$TMPROOT/$1.books"
	crash_tree reports > "$TMPROOT/$1.reports"
	crash_tree inbox archive rejected > "$TMPROOT/$1.files"
}

# crash_same WHAT FILE-A FILE-B: one check, a short diff when they differ.
crash_same() {
	if cmp -s "$2" "$3"; then ok "$1"; else
		not_ok "$1"
		diff "$3" "$2" | head -n 12 | sed 's/^/  /'
	fi
}

# crash_stray: temporary or hidden leftovers anywhere under reports/,
# rejected/, archive/ and inbox/ (the first five).
crash_stray() {
	(cd "$WS/ws" && find reports rejected archive inbox -mindepth 1 \
		\( -name '.*' -o -name '*.tmp*' -o -name '*.old*' -o -name '*.part' \) 2> /dev/null | sort | head -n 5)
}

# skip_suite REASON: the whole suite cannot run here. Says so in the line
# tests/run.sh reads ("<name>: skipped (REASON)"): a skip is not a pass, and
# is a failure where TESTS_REQUIRED names the suite (.ci/run: all).
skip_suite() {
	echo "$NAME: skipped ($1)"
	exit 0
}

finish() {
	echo "$NAME: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}

# faketime 'YYYY-MM-DD HH:MM:SS' COMMAND…: COMMAND with its clock starting
# at that time (read in the caller's TZ) and running on, as faketime(1)
# does, but with libfaketime preloaded directly. The faketime(1) wrapper
# keeps a semaphore and a shared-memory segment named by its pid in
# /dev/shm, left behind whenever the wrapper itself is killed; once pids
# wrap around (pid_max is often 32768) a new wrapper meets a leftover name
# and fails with "sem_open: File exists". Nothing here shares one clock
# between processes, so the wrapper's segment is not needed.
faketime() {
	_ft_t=$(date -d "$1" +%s) || return 1
	shift
	_ft_off=$((_ft_t - $(date +%s)))
	case $_ft_off in -*) ;; *) _ft_off=+$_ft_off ;; esac
	LD_PRELOAD="/usr/\$LIB/faketime/libfaketime.so.1${LD_PRELOAD:+:$LD_PRELOAD}" FAKETIME=$_ft_off "$@"
}
