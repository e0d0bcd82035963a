#!/bin/sh
# t_backup.sh — `membership backup FILE` (SPEC §8.4): a copy of the books as
# of one commit, taken while ingest writes (every copy a state the books
# went through: its memberships are exactly the rows of the files it
# records as applied), checked with integrity_check, mode 0600, one
# self-contained file; never over an existing file (73, named); no lock,
# no run record; --dry-run writes nothing. Stopped by SIGTERM or SIGINT
# between two steps of the copy or before FILE takes its name: 75, no
# FILE, no temporary file. Books of an older schema version are copied as
# they are (the copy before a migration), a newer one is refused. A FILE
# name as long as the file system allows works (the temporary name is
# short whatever FILE is called).
. "$(dirname "$0")/lib.sh"

D=2026-05-01
ws_new main
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
mb ingest -q --date $D

# copy_sql FILE QUERY
copy_sql() {
	sqlite3 -batch -noheader "$1" "$2"
}
# The books without the run records (backup is not a job; ingest's record
# of itself ends after its last commit).
books_of() {
	sqlite3 -batch -noheader "$1" "SELECT 'M', count(*), total(amount) FROM memberships;
		SELECT 'F', name, kind, outcome, accepted, rejected FROM files ORDER BY name;
		SELECT 'E', count(*) FROM events; SELECT 'P', product_id, sold_count FROM products;"
}

# --- a quiet workspace ------------------------------------------------------------------
runs_before=$(sql "SELECT count(*) FROM runs")
mb backup "$WS/copy.db"
check_rc "backup" 0
check_grep "says it is done and checked" "copy.db written .*integrity_check ok" "$ERR"
check_eq "mode 0600" "$(stat -c %a "$WS/copy.db")" 600
check_eq "integrity_check of the copy" "$(copy_sql "$WS/copy.db" 'PRAGMA integrity_check')" ok
check_eq "one self-contained file (rollback journal, not WAL)" "$(copy_sql "$WS/copy.db" 'PRAGMA journal_mode')" delete
check_eq "no temporary or journal file left beside it" \
	"$(ls -A "$WS" | grep -c -e 'copy.db.' -e '^.membership-backup')" 0
check_eq "the copy holds the books" "$(books_of "$WS/copy.db")" "$(books_of "$WS/ws/membership.db")"
check_eq "the copy has the run records too" "$(copy_sql "$WS/copy.db" 'SELECT count(*) FROM runs')" "$runs_before"
check_eq "backup records no run" "$(sql "SELECT count(*) FROM runs")" "$runs_before"

# --- a FILE name of 250 bytes (NAME_MAX is 255): FILE.tmp-<pid> would not fit ---------------
long=$(awk 'BEGIN { while (i++ < 250) printf "b" }')
mb backup "$WS/$long"
check_rc "a 250-byte FILE name: backup" 0
check_eq "a 250-byte FILE name: the copy is there and whole" \
	"$(copy_sql "$WS/$long" 'PRAGMA integrity_check')" ok
check_eq "a 250-byte FILE name: no temporary file left" "$(ls -A "$WS" | grep -c '^.membership-backup')" 0
rm -f "$WS/$long"

# --- never over a file ------------------------------------------------------------------------
printf 'keep me\n' > "$WS/existing.db"
mb backup "$WS/existing.db"
check_rc "an existing file: 73" 73
check_grep "names it" "existing.db exists" "$ERR"
check_eq "the existing file is untouched" "$(cat "$WS/existing.db")" "keep me"
ln -s "$WS/elsewhere.db" "$WS/link.db"
mb backup "$WS/link.db"
check_rc "a dangling link: 73, not followed" 73
check_eq "nothing made where the link points" "$([ -e "$WS/elsewhere.db" ] && echo made)" ""
mb backup "$WS/no/such/folder/copy.db"
check_rc "a missing folder: 73" 73
# A folder the user may not write in, the FILE given relative to it: the
# message names FILE and the folder in full, not the temporary name.
mkdir -m 0555 "$WS/ro"
if [ "$(id -u)" = 0 ]; then
	NOWRITE="setpriv --bounding-set=-dac_override,-dac_read_search --"
else
	NOWRITE=
fi
(cd "$WS/ro" && $NOWRITE $VG "$MEMBERSHIP_BIN" -c "$CFG" backup copy.db > /dev/null 2> "$TMPROOT/.err")
RC=$?
ERR=$(cat "$TMPROOT/.err")
check_rc "a folder it may not write in: 73" 73
check_grep "names FILE and the folder in full" \
	"error: backup: copy.db: cannot create it in the folder $(cd "$WS/ro" && pwd -P): Permission denied" "$ERR"
check_eq "nothing made there" "$(ls -A "$WS/ro")" ""
mb backup "$WS/dry.db" --dry-run
check_rc "--dry-run" 0
check_eq "--dry-run writes nothing" "$([ -e "$WS/dry.db" ] && echo made)" ""
mb backup
check_rc "FILE is required" 64

# --- killed: FILE is whole or absent ---------------------------------------------------------
if [ -x "$FAULT_BIN" ]; then
	MEMBERSHIP_FAULT_AT=1 "$FAULT_BIN" -c "$CFG" backup -q "$WS/killed1.db" 2> /dev/null
	check_eq "killed after the copy, before its name: exit 137" "$?" 137
	check_eq "killed before its name: no FILE" "$([ -e "$WS/killed1.db" ] && echo made)" ""
	# what README says a killed backup leaves: the temporary file alone,
	# named whatever FILE is called, with no journal beside it
	check_eq "killed before its name: the temporary file left, as README says" \
		"$(ls -A "$WS" | grep -e '^.membership-backup' -e killed1 | sed 's/-[0-9]*$/-PID/')" \
		".membership-backup.tmp-PID"
	rm -f "$WS"/.membership-backup.tmp-*
	mb backup -q "$WS/killed1.db"
	check_rc "the rerun writes it" 0
	MEMBERSHIP_FAULT_AT=2 "$FAULT_BIN" -c "$CFG" backup -q "$WS/killed2.db" 2> /dev/null
	check_eq "killed after its name: exit 137" "$?" 137
	check_eq "killed after its name: FILE whole" "$(copy_sql "$WS/killed2.db" 'PRAGMA integrity_check')" ok
	rm -f "$WS"/killed*.db*
fi

# --- stopped by a signal: 75, no FILE, no temporary file (RELIABILITY A7) -------------------
# stopped SIGNAL WHAT POINT: a backup paused at the fault point POINT (a
# step of the copy, or the whole copy made and fsynced) gets SIGNAL.
stopped() {
	rm -f "$TMPROOT/paused" "$WS/stopped.db"
	MEMBERSHIP_FAULT_ONLY="$3" MEMBERSHIP_FAULT_AT=1 MEMBERSHIP_FAULT_KIND=pause \
		MEMBERSHIP_FAULT_MARKER="$TMPROOT/paused" \
		"$FAULT_BIN" -c "$CFG" backup "$WS/stopped.db" > /dev/null 2> "$TMPROOT/stop.err" &
	pid=$!
	wait_for "$2: the pause" test -e "$TMPROOT/paused"
	check_eq "$2: paused there" "$([ -e "$TMPROOT/paused" ] && echo paused)" paused
	kill -"$1" $pid 2> /dev/null
	wait $pid
	RC=$?
	ERR=$(grep -v '^membership: fault point' "$TMPROOT/stop.err")
	check_rc "$2, then SIG$1: exit 75" 75
	check_grep "$2, then SIG$1: says so and that FILE was not written" \
		"error: backup: stopped by signal [0-9]*: .*stopped.db was not written" "$ERR"
	check_eq "$2, then SIG$1: no FILE" "$([ -e "$WS/stopped.db" ] && echo made)" ""
	check_eq "$2, then SIG$1: no temporary file (nor its journal) left" \
		"$(ls -A "$WS" | grep -c -e '^.membership-backup' -e 'stopped.db')" 0
}
if [ -x "$FAULT_BIN" ]; then
	pages=$(sql "PRAGMA page_count")
	check_eq "the books need more than one step of the test build's copy ($pages pages)" \
		"$([ "$pages" -gt 8 ] && echo yes)" yes
	stopped TERM "between two steps of the copy" "backup step"
	stopped INT "between two steps of the copy" "backup step"
	stopped TERM "after the copy, before FILE takes its name" "backup copied"
	mb backup -q "$WS/stopped.db"
	check_rc "after a stop, the rerun writes FILE" 0
	rm -f "$WS/stopped.db"
fi

# --- no lock: answers while a job holds the workspace ---------------------------------------
flock "$WS/ws/membership.lock" sleep 30 &
holder=$!
wait_n=0
while ! flock -n -E 9 "$WS/ws/membership.lock" true 2> /dev/null && [ $wait_n -lt 1 ]; do wait_n=1; done
mb backup "$WS/locked.db"
check_rc "backup while the lock is held" 0
kill "$holder" 2> /dev/null
wait "$holder" 2> /dev/null

# --- while ingest writes: every copy is the books at a commit --------------------------------
# 80 files of 2500 purchases: each file is applied in its own transaction.
i=1
while [ $i -le 80 ]; do
	awk -v f=$i 'BEGIN { print "request_id,customer_id,product_id,amount,requested_at";
		for (r = 1; r <= 2500; r++) printf "f%d-%d,c%d,GOLD,1000,2026-05-01T09:00:00\n", f, r, r }' |
		drop "purchases-$(printf %02d $i).csv"
	i=$((i + 1))
done
rm -f "$TMPROOT/.ingest-rc"
("$MEMBERSHIP_BIN" -c "$CFG" ingest -q --date $D > /dev/null 2>&1; echo $? > "$TMPROOT/.ingest-rc") &
writer=$!
n=0 bad=0 mid=0
# Copies until ingest is done (each checked, then removed: they are big).
while [ ! -f "$TMPROOT/.ingest-rc" ] || [ $n -eq 0 ]; do
	n=$((n + 1))
	f=$WS/during.db
	if ! "$MEMBERSHIP_BIN" -c "$CFG" backup -q "$f" 2> "$TMPROOT/.backup-err"; then
		not_ok "backup $n during ingest failed"
		cat "$TMPROOT/.backup-err"
		break
	fi
	[ "$(copy_sql "$f" 'PRAGMA integrity_check')" = ok ] || bad=$((bad + 1))
	# At a commit boundary the memberships are exactly the purchases of
	# the files recorded as applied.
	[ "$(copy_sql "$f" "SELECT (SELECT count(*) FROM memberships) =
		(SELECT coalesce(sum(accepted), 0) FROM files WHERE kind = 'purchases')")" = 1 ] || bad=$((bad + 1))
	m=$(copy_sql "$f" "SELECT count(*) FROM memberships")
	[ "$m" -gt 0 ] && [ "$m" -lt 200000 ] && mid=$((mid + 1))
	rm -f "$f"
	[ $n -ge 1000 ] && break
	sleep 0.05
done
wait "$writer"
check_eq "ingest finished" "$(cat "$TMPROOT/.ingest-rc")" 0
check_eq "every copy taken during ingest is whole and at a commit ($n copies)" "$bad" 0
echo "t_backup: $n copies during ingest, $mid of them between its first and last file"
mb backup "$WS/after.db"
check_eq "after ingest: the copy equals the books" "$(books_of "$WS/after.db")" "$(books_of "$WS/ws/membership.db")"
check_eq "after ingest: 200000 memberships" "$(copy_sql "$WS/after.db" 'SELECT count(*) FROM memberships')" 200000

# --- books of an older schema version: copied as they are, not migrated ----------------------
# tests/e2e/data/v1-demo.sql as t_migrate.sh loads it: the one place this
# script sets the books up by SQL (this binary cannot write version 1).
ws_new old
mkdir -p "$WS/ws"
sqlite3 -batch "$WS/ws/membership.db" < "$TOP/tests/e2e/data/v1-demo.sql"
check_eq "old books: version 1" "$(sql 'PRAGMA user_version')" 1
sqlite3 -batch "$WS/ws/membership.db" .dump > "$TMPROOT/old-before.sql"
mb backup "$WS/old-copy.db"
check_rc "old books: backup copies them" 0
check_grep "old books: the summary names the version the copy holds" \
	"old-copy.db written .*integrity_check ok (books of schema version 1, older than this program's [0-9]*: a writing job migrates them)" "$ERR"
check_eq "old books: the copy is of version 1, not migrated" "$(copy_sql "$WS/old-copy.db" 'PRAGMA user_version')" 1
check_eq "old books: the copy passes integrity_check" "$(copy_sql "$WS/old-copy.db" 'PRAGMA integrity_check')" ok
sqlite3 -batch "$WS/old-copy.db" .dump > "$TMPROOT/old-copy.sql"
check_file "old books: the copy holds what the books hold" "$TMPROOT/old-copy.sql" "$TMPROOT/old-before.sql"
check_eq "old books: still version 1 (backup migrates nothing)" "$(sql 'PRAGMA user_version')" 1
sqlite3 -batch "$WS/ws/membership.db" .dump > "$TMPROOT/old-after.sql"
check_file "old books: unchanged" "$TMPROOT/old-after.sql" "$TMPROOT/old-before.sql"
# A newer version than this program knows is still refused (70, as the
# writing jobs refuse it), and nothing is written.
sqlite3 -batch "$WS/ws/membership.db" "PRAGMA user_version = 999"
mb backup "$WS/new-copy.db"
check_rc "newer books: refused" 70
check_grep "newer books: says why" "schema version 999, newer than this program's" "$ERR"
check_eq "newer books: nothing written" "$(ls -A "$WS" | grep -c -e 'new-copy' -e '^.membership-backup')" 0

# --- no books ------------------------------------------------------------------------
ws_new none
mb backup "$WS/copy.db"
check_rc "no database: 66" 66
check_eq "no database: nothing written" "$([ -e "$WS/copy.db" ] && echo made)" ""

finish
