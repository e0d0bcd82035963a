#!/bin/sh
# t_prune.sh — `membership prune` (SPEC §8.4): deletes archive/<D>/,
# rejected/<D>/ and reports/<D>/ older than retention.*_days before today
# (the configured zone's; 0 keeps forever); reports only of closed days;
# takes the lock, records a run, says what it deleted, honours --dry-run,
# never touches the books, the inbox, or any name that is not a dated
# folder (a file, a link — never followed — an impossible date), which it
# leaves alone and mentions; a killed prune's hidden folder is finished.
. "$(dirname "$0")/lib.sh"

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
at() {
	t=$1
	shift
	NO_FAKE_STAT=1 TZ=UTC faketime "$t" $VG "$MEMBERSHIP_BIN" -c "$CFG" "$@" > "$TMPROOT/.out" 2> "$TMPROOT/.err"
	RC=$?
	OUT=$(cat "$TMPROOT/.out")
	ERR=$(cat "$TMPROOT/.err")
}
# The workspace's dated areas, one name a line.
areas() {
	(cd "$WS/ws" && find archive rejected reports -mindepth 1 -maxdepth 1 | sort)
}

ws_new main "retention:" "  archive_days: 10" "  rejected_days: 0" "  reports_days: 3" \
	"lock:" "  wait_seconds: 1"
mb init -q
# Closed days (nightly; it also writes the reports of the days between),
# days only ingested, and the report of a day no nightly closed.
for d in 2026-04-01 2026-04-20 2026-04-21 2026-04-27; do
	products "products-$d.csv" "add,P$(echo $d | tr -d -),Product,1000,,"
	printf 'what,is,this\n1,2,3\n' | drop "mystery-$d.csv"
	case $d in
	2026-04-01 | 2026-04-20) at "$d 03:00:00" nightly --date $d -q ;;
	*) at "$d 03:00:00" ingest --date $d -q ;;
	esac
done
at '2026-04-28 03:00:00' report --date 2026-04-25 -q
check_rc "a report of a day not closed" 0
check_eq "four days of archive and rejected" "$(areas | grep -c '^\(archive\|rejected\)/2026-04-[0-9]*$')" 8
check_eq "reports of 2026-04-01 .. 2026-04-20 and 2026-04-25" "$(areas | grep -c '^reports/2026-04-[0-9]*$')" 21

# What prune must leave alone: the books, the inbox, stray names.
OUTSIDE=$WS/outside
mkdir -p "$OUTSIDE/2026-01-01"
printf 'precious\n' > "$OUTSIDE/2026-01-01/keep.txt"
ln -s "$OUTSIDE/2026-01-01" "$WS/ws/reports/2026-01-01"
ln -s "$OUTSIDE/2026-01-01" "$WS/ws/archive/2026-01-02"
printf 'notes\n' > "$WS/ws/reports/notes.txt"
printf 'x\n' > "$WS/ws/archive/2026-01-03"
mkdir "$WS/ws/archive/2026-02-30" "$WS/ws/archive/old-2026-01-01"
products waiting.csv 'add,WAIT,Waiting,1000,,'
touch -d '2026-01-01' "$INBOX/waiting.csv"
books_before=$(crash_books)
inbox_before=$(ls -A "$INBOX")
runs_before=$(sql "SELECT count(*) FROM runs")

# --- dry run ---------------------------------------------------------------------------
areas_before=$(areas)
at '2026-05-01 03:00:00' prune --dry-run
check_rc "prune --dry-run" 0
check_grep "dry run: would delete archive/2026-04-01" "would delete archive/2026-04-01/" "$ERR"
check_eq "dry run: deletes nothing" "$(areas)" "$areas_before"
check_eq "dry run: records no run" "$(sql "SELECT count(*) FROM runs")" "$runs_before"

# --- prune, today 2026-05-01 in Asia/Seoul -------------------------------------------------
at '2026-05-01 03:00:00' prune
check_rc "prune" 0
check_eq "archive: older than 10 days before 2026-05-01 deleted (2026-04-01, 2026-04-20)" \
	"$(areas | grep '^archive/2026-04')" "archive/2026-04-21
archive/2026-04-27"
check_eq "rejected: 0 days keeps them all" "$(areas | grep -c '^rejected/2026-04')" 4
check_eq "reports: of closed days older than 3 days deleted; of a day not closed kept" \
	"$(areas | grep '^reports/2026-04')" "reports/2026-04-25"
check_grep "says what it deleted" "deleted archive/2026-04-01/" "$ERR"
check_grep "summary line with the run" "^prune: deleted 22 dated folder(s): archive 2, rejected 0 (kept forever), reports 20; other names left alone (run [0-9]*" "$ERR"
check_eq "records a run" "$(sql "SELECT job, outcome, exit_code, business_date IS NULL FROM runs ORDER BY run_id DESC LIMIT 1")" "prune|ok|0|1"
check_eq "the books untouched" "$(crash_books)" "$books_before"
check_eq "the inbox untouched (an old file too)" "$(ls -A "$INBOX")" "$inbox_before"
check_eq "a link is not followed" "$(cat "$OUTSIDE/2026-01-01/keep.txt")" precious
check_eq "stray names left alone" "$(areas | grep -v '/2026-04' | tr '\n' ' ')" \
	"archive/2026-01-02 archive/2026-01-03 archive/2026-02-30 archive/old-2026-01-01 reports/2026-01-01 reports/notes.txt "
check_grep "a link is mentioned" "reports/2026-01-01 left alone: a link" "$ERR"
check_grep "a stray file is mentioned" "reports/notes.txt left alone: not a folder" "$ERR"
check_eq "no hidden leftovers" "$(cd "$WS/ws" && find archive rejected reports -name '.*' | wc -l)" 0

# Run again: nothing more to do.
at '2026-05-01 03:10:00' prune -q
check_rc "prune again" 0
check_eq "prune -q: silent" "$ERR" ""

# --- a killed prune's hidden folder is finished -----------------------------------------------
mkdir -p "$WS/ws/archive/.2026-04-21.prune-4242/sub"
printf 'x\n' > "$WS/ws/archive/.2026-04-21.prune-4242/sub/f"
at '2026-05-01 03:19:00' prune --dry-run
check_grep "a dry run counts it too" "would delete 1 " "$ERR"
at '2026-05-01 03:20:00' prune
check_eq "leftover of a killed prune removed" "$([ -e "$WS/ws/archive/.2026-04-21.prune-4242" ] && echo left)" ""
check_grep "... and said (SPEC 8.4: prune says what it deleted)" \
	"prune: deleted archive/2026-04-21/ (the rest of a killed prune)" "$ERR"
check_grep "... and counted" "^prune: deleted 1 " "$ERR"

# --- killed at each fault point: the rerun ends where an uninterrupted run ends ----------------
if [ -x "$FAULT_BIN" ]; then
	ws_new crash "retention:" "  archive_days: 1" "  rejected_days: 1"
	mb init -q
	for d in 2026-04-01 2026-04-02 2026-04-03; do
		products "products-$d.csv" "add,P$(echo $d | tr -d -),Product,1000,,"
		printf 'what,is,this\n1,2,3\n' | drop "mystery-$d.csv"
		at "$d 03:00:00" ingest --date $d -q
	done
	cp -a "$WS/ws" "$WS/ws.orig"
	at '2026-05-01 03:00:00' prune -q
	want=$(areas)
	books_want=$(crash_books | grep -v '^prune')
	k=1
	while [ $k -le 20 ]; do
		rm -rf "$WS/ws"
		cp -a "$WS/ws.orig" "$WS/ws"
		# (The exit status is not read: the message tells whether it was killed.)
		MEMBERSHIP_FAULT_AT=$k NO_FAKE_STAT=1 TZ=UTC faketime '2026-05-01 03:00:00' \
			"$FAULT_BIN" -c "$CFG" prune -q 2> "$TMPROOT/.fault"
		killed=$(grep -c 'fault point .*killing myself' "$TMPROOT/.fault")
		at '2026-05-01 03:00:00' prune -q
		check_rc "killed at fault point $k: the rerun succeeds" 0
		check_eq "killed at fault point $k: the same folders as an uninterrupted run" "$(areas)" "$want"
		check_eq "killed at fault point $k: no hidden leftover" \
			"$(cd "$WS/ws" && find archive rejected reports -name '.*' | wc -l)" 0
		[ "$killed" = 1 ] || break
		k=$((k + 1))
	done
	check_eq "every fault point reached (the last run was not killed)" "$killed" 0
	check_eq "fault points swept" "$([ $k -ge 4 ] && echo yes)" yes
else
	echo "t_prune: no fault build ($FAULT_BIN): the kill sweep is not run"
fi

# --- the lock ----------------------------------------------------------------------------
ws_new lock "lock:" "  wait_seconds: 1"
mb init -q
flock "$WS/ws/membership.lock" sleep 5 &
holder=$!
sleep 1
mb prune -q # (the real clock: a fixed one never reaches the wait's end)
check_rc "lock held: 75" 75
kill "$holder" 2> /dev/null
wait "$holder" 2> /dev/null

# --- usage ---------------------------------------------------------------------------
at '2026-05-01 03:30:00' prune --date 2026-05-01
check_rc "prune takes no --date" 64

finish
