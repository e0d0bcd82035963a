#!/bin/sh
# t_locking.sh — one writer, signals and kills (RELIABILITY A7, B1–B3, G3,
# H2; SPEC §2 exit 75, §5 run records, §7 "One writer").
#
#   wait        the lock held (flock(1) on ws/membership.lock): a writing
#               job waits lock.wait_seconds, exits 75 and touches nothing;
#               SIGTERM during a long wait stops it at once (75)
#   holder      the lock holder killed: the next run gets the lock at once
#   busy        an outside sqlite3 in BEGIN IMMEDIATE: exit 75 after the
#               busy timeout, files stay in the inbox; later run completes
#   parallel    eight ingests at once (lock.wait_seconds: 30): each exits 0
#               or 75, one of them does all the work, books = a serial run
#   sigterm     SIGTERM in the middle of 200 000 rows: exit 75, rolled
#               back, lock released; the rerun gives the books of an
#               uninterrupted run
#   kill9       kill -9 in the middle: the next job marks the run record
#               "killed" and finishes the work; same books again
#   umask       under umask 000: database, WAL and lock 0600, folders 0750,
#               rejects and error files 0640, archived files unchanged
#   quiet       -q on success: nothing on stdout or stderr
. "$(dirname "$0")/lib.sh"

D=2026-11-23
TS=2026-11-23T10:00:00+09:00
# Rows of the large ingest killed mid-run (fewer under valgrind, which is
# some 30 times slower: the kill must still land in the middle).
ROWS=${LOCKING_ROWS:-200000}
[ -n "$VG" ] && ROWS=${LOCKING_ROWS:-20000}
PURCHASE_HEADER='request_id,customer_id,product_id,amount,requested_at'

now_ms() { date +%s%3N; }

# tree: the workspace as paths, types, sizes, modes and mtimes.
tree() {
	(cd "$WS/ws" && find . -printf '%p %y %s %m %T@\n' | LC_ALL=C sort)
}

# books DB: the books, without the run records (which differ by design).
books() {
	sqlite3 -batch -noheader "$1" "
		SELECT 'P', * FROM products ORDER BY product_id;
		SELECT 'V', * FROM product_versions ORDER BY seq;
		SELECT 'M', * FROM memberships ORDER BY id;
		SELECT 'C', * FROM cancels ORDER BY id;
		SELECT 'E', * FROM events ORDER BY id;
		SELECT 'R', * FROM rejections ORDER BY id;
		SELECT 'F', sha256, name, kind, business_date, outcome, reason, message,
			rows_read, accepted, rejected, dest, final_name, rejects_name, moved
			FROM files ORDER BY id;"
}

# files WS-DIR: every file of the workspace but the database and the lock,
# with its content's checksum.
files() {
	(cd "$1" && find inbox archive rejected -type f -exec cksum {} + | LC_ALL=C sort -k 3)
}

# small_inbox: products, purchases (some rejected) and cancels.
small_inbox() {
	printf 'action,product_id,name,price\nadd,p1,Gold,1000\nadd,p2,Silver,500\nadd,p3,Bad,x\n' |
		drop a-products.csv
	{
		echo "$PURCHASE_HEADER"
		echo "r1,c1,p1,1000,$TS"
		echo "r2,c2,p2,500,$TS"
		echo "r3,c3,p2,999,$TS"
		echo "r4,c4,nope,500,$TS"
	} | drop b-purchases.csv
	{
		echo "$PURCHASE_HEADER"
		echo "r5,c1,p2,500,$TS"
		echo "r1,c1,p1,1000,$TS"
	} | drop c-purchases.csv
	printf 'request_id,customer_id,purchase_request_id,requested_at\nk1,c2,r2,%s\nk2,c9,r1,%s\n' \
		"$TS" "$TS" | drop d-cancels.csv
}

# --- wait: the lock held by flock(1) ------------------------------------------------
ws_new wait "lock:" "  wait_seconds: 2"
mb init
small_inbox
db_before=$(books "$WS/ws/membership.db" | cksum)
runs_before=$(sql "SELECT count(*) FROM runs")
# (after the reads: sqlite3 itself makes and removes -wal and -shm files)
tree > "$TMPROOT/.before"
# flock(1) runs the command once it holds the lock; the command notes its pid.
flock "$WS/ws/membership.lock" sh -c 'echo $$ > "$1"; exec sleep 60' sh "$TMPROOT/.sleeper" \
	> /dev/null 2>&1 &
holder=$!
wait_for "flock to hold the lock" test -s "$TMPROOT/.sleeper"
t0=$(now_ms)
mb ingest --date "$D"
ms=$(($(now_ms) - t0))
check_rc "lock held: exit 75" 75
check_grep "lock held: says another job holds the lock" "lock" "$ERR"
if [ "$ms" -ge 1900 ] && [ "$ms" -lt 4500 ]; then ok "lock held: waited lock.wait_seconds ($ms ms)"; else
	not_ok "lock held: waited lock.wait_seconds (took $ms ms, want about 2000)"
fi
tree > "$TMPROOT/.after"
if cmp -s "$TMPROOT/.before" "$TMPROOT/.after"; then ok "lock held: workspace untouched"; else
	not_ok "lock held: workspace untouched"
	diff "$TMPROOT/.before" "$TMPROOT/.after" | head -n 10 | sed 's/^/  /'
fi
check_eq "lock held: books untouched" "$(books "$WS/ws/membership.db" | cksum)" "$db_before"
check_eq "lock held: no run recorded" "$(sql "SELECT count(*) FROM runs")" "$runs_before"
mb payments --date "$D"
check_rc "lock held: payments too exits 75" 75
check_grep "lock held: the error names the job and the --date" "^error: payments $D: .*lock" "$ERR"
# Without --date, the open day read from the books as they are (SPEC 8.3).
mb payments
check_rc "lock held: payments without --date exits 75" 75
check_grep "lock held: its error names the open day" "^error: payments [0-9]*-[0-9]*-[0-9]*: .*lock" "$ERR"
# nightly's date is today's by default: named though the books were not read
today=$(TZ=Asia/Seoul date +%F)
mb nightly
check_rc "lock held: nightly without --date exits 75" 75
check_grep "lock held: nightly's error names today, its date (SPEC 8.3)" "^error: nightly $today: .*lock" "$ERR"
# A job killed with SIGKILL leaves its line; the process it names is gone,
# so the one holding the lock now (flock by hand) is not named after it.
dead=$(sh -c 'echo $$')
printf 'ingest, pid %s, since 2026-01-01T00:00:00Z\n' "$dead" > "$WS/ws/membership.lock"
mb payments --date "$D"
check_rc "lock held, a dead job's line: exit 75" 75
check_grep "lock held, a dead job's line: not named as the holder" "a process that did not say which" "$ERR"
: > "$WS/ws/membership.lock"
# SIGTERM while waiting for the lock (lock.wait_seconds: 30): stops at once.
printf 'workspace: ws\nlock:\n  wait_seconds: 30\n' > "$WS/long-wait.yaml"
t0=$(now_ms)
$VG "$MEMBERSHIP_BIN" -c "$WS/long-wait.yaml" ingest --date "$D" > /dev/null 2> "$TMPROOT/.err" &
waiter=$!
sleep 0.5
[ -n "$VG" ] && sleep 2.5 # (valgrind starts slowly: let it reach the wait)
kill -TERM "$waiter"
wait "$waiter"
RC=$?
ms=$(($(now_ms) - t0))
check_rc "SIGTERM while waiting for the lock: exit 75" 75
check_grep "SIGTERM while waiting for the lock: says it was stopped, not that it waited the 30 s" \
	"stopped by a signal after [0-9]* s of waiting" "$(cat "$TMPROOT/.err")"
if [ "$ms" -lt 8000 ]; then ok "SIGTERM while waiting for the lock: stops at once ($ms ms)"; else
	not_ok "SIGTERM while waiting for the lock: stops at once (took $ms ms)"
fi
check_eq "SIGTERM while waiting: books untouched" "$(books "$WS/ws/membership.db" | cksum)" "$db_before"
kill "$(cat "$TMPROOT/.sleeper")"
wait "$holder" 2> /dev/null
rm -f "$TMPROOT/.sleeper"

# --- holder: the lock holder killed ---------------------------------------------------
ws_new holder "lock:" "  wait_seconds: 0"
mb init
small_inbox
sh -c 'exec 9>> "$1"; flock 9; : > "$2"; exec sleep 30' sh "$WS/ws/membership.lock" "$TMPROOT/.held" \
	> /dev/null 2>&1 &
holder=$!
wait_for "the holder to take the lock" test -f "$TMPROOT/.held"
mb ingest --date "$D"
check_rc "holder alive: exit 75 at once (wait_seconds 0)" 75
kill -9 "$holder"
wait "$holder" 2> /dev/null
rm -f "$TMPROOT/.held"
t0=$(now_ms)
mb ingest --date "$D"
ms=$(($(now_ms) - t0))
check_rc "holder killed: the next run gets the lock" 0
# "At once" is a run of a small inbox; under valgrind that alone takes seconds.
limit=1500
[ -n "$VG" ] && limit=15000
if [ "$ms" -lt "$limit" ]; then ok "holder killed: at once ($ms ms)"; else
	not_ok "holder killed: at once (took $ms ms)"
fi
check_eq "holder killed: inbox emptied" "$(ls "$INBOX" | wc -l)" "0"
invariants

# --- busy: an outside sqlite3 holds a write transaction ------------------------------------
ws_new busy "lock:" "  wait_seconds: 2"
mb init
small_inbox
# sqlite3 reads its commands from a FIFO the test holds open: it sits in
# its transaction until told to roll back.
rm -f "$TMPROOT/.ctl"
mkfifo "$TMPROOT/.ctl"
sqlite3 "$WS/ws/membership.db" < "$TMPROOT/.ctl" > /dev/null 2>&1 &
outsider=$!
exec 8> "$TMPROOT/.ctl"
printf 'BEGIN IMMEDIATE;\n.system touch %s\n' "$TMPROOT/.busy" >&8
wait_for "sqlite3 to begin" test -f "$TMPROOT/.busy"
t0=$(now_ms)
mb ingest --date "$D"
ms=$(($(now_ms) - t0))
check_rc "database busy: exit 75" 75
check_grep "database busy: says so" "locked\|busy" "$ERR"
if [ "$ms" -lt 10000 ]; then ok "database busy: gives up after the busy timeout ($ms ms)"; else
	not_ok "database busy: gives up after the busy timeout (took $ms ms)"
fi
check_eq "database busy: files stay in the inbox" "$(ls "$INBOX" | LC_ALL=C sort | tr '\n' ' ')" \
	"a-products.csv b-purchases.csv c-purchases.csv d-cancels.csv "
check_eq "database busy: lock released" "$(flock -n "$WS/ws/membership.lock" echo free)" "free"
printf 'ROLLBACK;\n.quit\n' >&8
exec 8>&-
wait "$outsider"
rm -f "$TMPROOT/.busy" "$TMPROOT/.ctl"
mb ingest --date "$D"
check_rc "database free again: ingest completes" 0
check_eq "database free again: inbox emptied" "$(ls "$INBOX" | wc -l)" "0"
invariants
BUSY_BOOKS=$(books "$WS/ws/membership.db" | cksum)
BUSY_FILES=$(files "$WS/ws" | cksum)

# --- parallel: eight ingests at once ---------------------------------------------------------
ws_new serial
mb init
small_inbox
mb ingest --date "$D"
check_rc "serial reference run" 0
SERIAL_BOOKS=$(books "$WS/ws/membership.db" | cksum)
SERIAL_FILES=$(files "$WS/ws" | cksum)
check_eq "busy scenario ends with the books of a serial run" "$BUSY_BOOKS" "$SERIAL_BOOKS"
check_eq "busy scenario ends with the files of a serial run" "$BUSY_FILES" "$SERIAL_FILES"

ws_new parallel "lock:" "  wait_seconds: 30"
mb init
small_inbox
pids=""
for i in 1 2 3 4 5 6 7 8; do
	$VG "$MEMBERSHIP_BIN" -c "$CFG" ingest --date "$D" > "$TMPROOT/.par$i.out" 2> "$TMPROOT/.par$i.err" &
	pids="$pids $!"
done
codes=""
for p in $pids; do
	wait "$p"
	codes="$codes $?"
done
bad=$(printf '%s\n' $codes | grep -vxE '0|75' | tr '\n' ' ')
check_eq "parallel: every ingest exits 0 or 75 (got$codes)" "$bad" ""
check_eq "parallel: eight runs recorded, all ok" \
	"$(sql "SELECT count(*) FROM runs WHERE job = 'ingest' AND outcome = 'ok'")" \
	"$(printf '%s\n' $codes | grep -cx 0)"
check_eq "parallel: one run did all the work" \
	"$(sql "SELECT count(*) || ' ' || sum(files) FROM runs WHERE job = 'ingest' AND files > 0")" "1 4"
check_eq "parallel: books equal a serial run" "$(books "$WS/ws/membership.db" | cksum)" "$SERIAL_BOOKS"
check_eq "parallel: files equal a serial run" "$(files "$WS/ws" | cksum)" "$SERIAL_FILES"
invariants

# --- sigterm / kill9: 200 000 rows (ROWS) ---------------------------------------------------------
big_inbox() {
	printf 'action,product_id,name,price\nadd,p1,Gold,1000\nadd,p2,Silver,500\n' | drop a-products.csv
	awk -v ts="$D" -v rows="$ROWS" 'BEGIN {
		print "request_id,customer_id,product_id,amount,requested_at"
		for (i = 1; i <= rows; i++)
			printf "r%d,c%d,p%d,%s,%sT%02d:%02d:%02d+09:00\n", i, i % 5000, 1 + i % 2,
				(i % 2 ? "500" : (i % 997 ? "1000" : "999")), ts,
				int(i / 3600) % 10, int(i / 60) % 60, i % 60
	}' > "$TMPROOT/.big.csv"
	drop b-purchases.csv < "$TMPROOT/.big.csv"
}

# start_big: ingest in the background ($BIG_PID) and wait until the
# products file is committed and the purchases are being read: the first
# rejected row (row 997) makes a hidden temporary rejects file appear.
start_big() {
	$VG "$MEMBERSHIP_BIN" -c "$CFG" ingest --date "$D" > "$TMPROOT/.big.out" 2> "$TMPROOT/.big.err" &
	BIG_PID=$!
	wait_for "the products file to be archived" test -f "$WS/ws/archive/$D/a-products.csv"
	n=0
	while [ "$n" -lt 60 ] && [ -z "$(find "$WS/ws/rejected" -name '.*' 2> /dev/null)" ]; do
		sleep 0.05
		n=$((n + 1))
	done
	sleep 0.1
}

ws_new uninterrupted
mb init
big_inbox
t0=$(now_ms)
mb ingest --date "$D"
BIG_MS=$(($(now_ms) - t0))
check_rc "$ROWS rows uninterrupted" 0
REF_BOOKS=$(books "$WS/ws/membership.db" | cksum)
REF_FILES=$(files "$WS/ws" | cksum)
check_eq "$ROWS rows: all there" "$(sql "SELECT count(*) FROM memberships")" \
	"$(awk 'NR > 1 && !/,999,/' "$TMPROOT/.big.csv" | wc -l)"

ws_new sigterm
mb init
big_inbox
start_big
kill -TERM "$BIG_PID"
wait "$BIG_PID"
RC=$?
ERR=$(cat "$TMPROOT/.big.err")
check_rc "SIGTERM mid-run: exit 75" 75
check_grep "SIGTERM mid-run: says it was stopped" "signal" "$ERR"
check_eq "SIGTERM mid-run: lock released" "$(flock -n "$WS/ws/membership.lock" echo free)" "free"
check_eq "SIGTERM mid-run: the file's transaction rolled back" \
	"$(sql "SELECT count(*) FROM memberships")" "0"
check_eq "SIGTERM mid-run: the file stays in the inbox" "$(ls "$INBOX")" "b-purchases.csv"
check_eq "SIGTERM mid-run: run recorded failed, exit 75" \
	"$(sql "SELECT outcome || ' ' || exit_code FROM runs ORDER BY run_id DESC LIMIT 1")" "failed 75"
check_eq "SIGTERM mid-run: no temporary rejects file left" \
	"$(find "$WS/ws/rejected" -name '*.tmp' | wc -l)" "0"
mb ingest --date "$D"
check_rc "SIGTERM: the rerun completes" 0
check_eq "SIGTERM: books equal an uninterrupted run" "$(books "$WS/ws/membership.db" | cksum)" "$REF_BOOKS"
check_eq "SIGTERM: files equal an uninterrupted run" "$(files "$WS/ws" | cksum)" "$REF_FILES"
invariants

ws_new kill9
mb init
big_inbox
start_big
kill -9 "$BIG_PID"
wait "$BIG_PID" 2> /dev/null
killed_run=$(sql "SELECT run_id FROM runs WHERE outcome = 'running'")
check_eq "kill -9: the run record is left running" "$(printf '%s' "$killed_run" | grep -c .)" "1"
t0=$(now_ms)
mb ingest --date "$D"
ms=$(($(now_ms) - t0))
check_rc "kill -9: the next run gets the lock and completes" 0
check_grep "kill -9: the next run says it found a killed run" "killed" "$ERR"
check_eq "kill -9: the record is marked killed" \
	"$(sql "SELECT outcome FROM runs WHERE run_id = ${killed_run:-0}")" "killed"
check_eq "kill -9: nothing left running" "$(sql "SELECT count(*) FROM runs WHERE outcome = 'running'")" "0"
check_eq "kill -9: books equal an uninterrupted run" "$(books "$WS/ws/membership.db" | cksum)" "$REF_BOOKS"
check_eq "kill -9: files equal an uninterrupted run" "$(files "$WS/ws" | cksum)" "$REF_FILES"
invariants

# --- umask 000 -----------------------------------------------------------------------------
ws_new umask
printf 'action,product_id,name,price\nadd,p1,Gold,1000\nadd,p2,Bad,x\n' > "$TMPROOT/.products.csv"
chmod 0644 "$TMPROOT/.products.csv"
printf 'no,such,header\n' > "$TMPROOT/.bad.csv"
chmod 0604 "$TMPROOT/.bad.csv"
rm -rf "$WS/ws" # every folder made by membership itself
old_umask=$(umask)
umask 000
mb init
umask "$old_umask"
cp -p "$TMPROOT/.products.csv" "$INBOX/products.csv"
cp -p "$TMPROOT/.bad.csv" "$INBOX/bad.csv"
umask 000
mb ingest --date "$D"
umask "$old_umask"
check_rc "umask 000: ingest" 65
mode() { stat -c %a "$1" 2> /dev/null || echo missing; }
check_eq "umask 000: database 0600" "$(mode "$WS/ws/membership.db")" "600"
check_eq "umask 000: lock 0600" "$(mode "$WS/ws/membership.lock")" "600"
for f in "$WS/ws/membership.db-wal" "$WS/ws/membership.db-shm"; do
	[ -e "$f" ] && check_eq "umask 000: $(basename "$f") 0600" "$(mode "$f")" "600"
done
check_eq "umask 000: folders 0750" \
	"$(find "$WS/ws" -type d ! -perm 0750 | sed "s|$WS/ws|ws|" | tr '\n' ' ')" ""
check_eq "umask 000: archived file keeps its mode" "$(mode "$WS/ws/archive/$D/products.csv")" "644"
check_eq "umask 000: rejected file keeps its mode" "$(mode "$WS/ws/rejected/$D/bad.csv")" "604"
check_eq "umask 000: archived file unchanged" "$(cksum < "$WS/ws/archive/$D/products.csv")" \
	"$(cksum < "$TMPROOT/.products.csv")"
check_eq "umask 000: rejects file 0640" "$(mode "$WS/ws/rejected/$D/products.csv.rejects.csv")" "640"
check_eq "umask 000: error file 0640" "$(mode "$WS/ws/rejected/$D/bad.csv.error.txt")" "640"
check_eq "umask 000: nothing world-writable" \
	"$(find "$WS/ws" -perm -0002 | sed "s|$WS/ws|ws|" | tr '\n' ' ')" ""

# --- quiet -----------------------------------------------------------------------------------
ws_new quiet
mb -q init
check_rc "-q init" 0
check_eq "-q init: nothing on stdout or stderr" "$OUT$ERR" ""
small_inbox
mb -q ingest --date "$D"
check_rc "-q ingest with rejected rows" 0
check_eq "-q ingest: nothing on stdout or stderr" "$OUT$ERR" ""
mb ingest -q --date "$D"
check_rc "-q ingest with an empty inbox (option after the command)" 0
check_eq "-q ingest (empty inbox): nothing on stdout or stderr" "$OUT$ERR" ""

echo "# $ROWS rows took $BIG_MS ms uninterrupted"
finish
