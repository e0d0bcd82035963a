#!/bin/sh
# t_check.sh — `membership status --check` (SPEC §8.3): one line, exit 0 OK,
# 1 WARNING (a whole file rejected on the last closed day, reconcile found
# a difference, an inbox file older than monitoring.max_inbox_age_minutes),
# 2 CRITICAL (a day before today not closed by nightly, a job's last run
# failed or was killed and not rerun since), 3 UNKNOWN (the books cannot
# be read), with performance data after '|'. "Today" is the configured
# zone's (Asia/Seoul, UTC+9): the clock is fixed with faketime.
. "$(dirname "$0")/lib.sh"

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# at 'YYYY-MM-DD HH:MM:SS' ARGS…: mb with the clock at that UTC instant.
at() {
	t=$1
	shift
	# NO_FAKE_STAT: file times stay real (faketime shifts them by default).
	NO_FAKE_STAT=1 TZ=UTC faketime "$t" $VG "$MEMBERSHIP_BIN" -c "$CFG" "$@" > "$TMPROOT/.out" 2> "$TMPROOT/.err"
	RC=$?
	OUT=$(cat "$TMPROOT/.out")
	ERR=$(cat "$TMPROOT/.err")
}

# check_line WHAT STATE: one line, starting "MEMBERSHIP STATE - ", with
# performance data whose every item is 'label'=number[unit][;…].
check_line() {
	check_eq "$1: one line" "$(printf '%s\n' "$OUT" | wc -l)" 1
	check_grep "$1: $2" "^MEMBERSHIP $2 - " "$OUT"
	perf=$(printf '%s' "$OUT" | sed -n 's/^[^|]* | //p')
	bad=$(printf '%s\n' "$perf" | tr ' ' '\n' |
		grep -cvE "^'[a-z_]+'=-?[0-9]+(\.[0-9]+)?(s|B|%)?(;-?[0-9]*){0,4}\$")
	check_eq "$1: performance data well formed" "$bad" 0
	check_grep "$1: performance data carries pending and inbox_files" "'pending'=[0-9]* .*'inbox_files'=[0-9]" "$perf"
}

ws_new main "monitoring:" "  max_inbox_age_minutes: 60"
mb init -q

# --- a fresh workspace --------------------------------------------------------------------
at '2026-05-01 03:00:00' status --check
check_rc "fresh: OK" 0
check_line "fresh" OK
check_eq "fresh: nothing on stderr" "$ERR" ""
# A bad command line is 64 (SPEC §2), and the monitor still gets a line.
at '2026-05-01 03:00:00' status --check --bogus
check_rc "bad option: 64" 64
check_eq "bad option: one UNKNOWN line on stdout" "$OUT" \
	"MEMBERSHIP UNKNOWN - bad command line (exit 64; see membership status --help)"
at '2026-05-01 03:00:00' status --chec --date 2026-05-01
check_rc "status takes no --date: 64" 64
check_eq "... an abbreviated --check still gets its line" "$OUT" \
	"MEMBERSHIP UNKNOWN - bad command line (exit 64; see membership status --help)"

# --- today's work is not late ---------------------------------------------------------------
products products-1.csv 'add,GOLD,Gold,1000,,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-05-01T09:00:00' 'p2,ben,GOLD,1000,2026-05-01T09:00:00'
at '2026-05-01 03:00:00' ingest
check_rc "ingest 2026-05-01" 0
at '2026-05-01 03:10:00' status --check
check_rc "ingested today: OK" 0
check_line "ingested today" OK
check_grep "pending counted" "'pending'=2 'pending_purchases'=2 'pending_cancels'=0" "$OUT"

# --- the next day, no nightly ran: CRITICAL ---------------------------------------------------
at '2026-05-02 03:00:00' status --check
check_rc "a day before today not closed: CRITICAL" 2
check_line "not closed" CRITICAL
check_grep "names the day" "day 2026-05-01 not closed by nightly" "$OUT"
check_grep "perf: days_not_closed" "'days_not_closed'=1;;1" "$OUT"
at '2026-05-04 03:00:00' status --check
check_grep "three days not closed" "3 days 2026-05-01 .. 2026-05-03 not closed" "$OUT"

# nightly closes the day (once nightly records its run, SPEC §5.1).
at '2026-05-01 14:50:00' nightly --date 2026-05-01
check_rc "nightly 2026-05-01" 0
at '2026-05-02 03:00:00' status --check
check_rc "after nightly: OK" 0
check_line "after nightly" OK
check_grep "says the last closed day" "last closed 2026-05-01, open day 2026-05-02" "$OUT"

# --- a failed run is CRITICAL until the job runs again ok ---------------------------------------
ws_new failed
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
printf 'x\n' > "$WS/ws/archive/2026-05-01"
at '2026-05-01 03:00:00' ingest
check_rc "ingest cannot make archive/2026-05-01 (a file is there)" 73
at '2026-05-01 03:01:00' status --check
check_rc "failed ingest: CRITICAL" 2
check_line "failed ingest" CRITICAL
check_grep "names the job and the exit code" "last ingest run ([0-9]*) failed, exit 73" "$OUT"
check_grep "perf: failed_jobs" "'failed_jobs'=1;;1" "$OUT"
rm "$WS/ws/archive/2026-05-01"
at '2026-05-01 03:02:00' ingest
check_rc "ingest again" 0
at '2026-05-01 03:03:00' status --check
check_rc "rerun ok: OK again" 0

# --- a killed run ------------------------------------------------------------------------
if [ -x "$FAULT_BIN" ]; then
	purchases purchases-2.csv 'p1,ann,GOLD,1000,2026-05-01T09:00:00'
	MEMBERSHIP_FAULT_AT=1 NO_FAKE_STAT=1 TZ=UTC faketime '2026-05-01 03:04:00' "$FAULT_BIN" -c "$CFG" ingest -q 2> /dev/null
	RC=$?
	check_eq "the fault build killed ingest" "$(sql "SELECT outcome FROM runs ORDER BY run_id DESC LIMIT 1")" running
	# Before any other job runs: no writer holds the lock, so the run still
	# marked running was killed, and status says so at once (reading only).
	at '2026-05-01 03:04:30' status --check
	check_rc "killed ingest, no job since: CRITICAL at once" 2
	check_grep "killed ingest, no job since: says it was killed" "last ingest run ([0-9]*) was killed" "$OUT"
	at '2026-05-01 03:04:30' status --json
	check_eq "killed ingest, no job since: --json says killed" \
		"$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["jobs"]["ingest"]["last_run"]["outcome"], d["runs"][0]["outcome"])')" "killed killed"
	check_eq "status changed nothing: the books still say running" \
		"$(sql "SELECT outcome FROM runs ORDER BY run_id DESC LIMIT 1")" running
	# While a writer holds the lock, a run marked running may be alive.
	OUT=$(NO_FAKE_STAT=1 TZ=UTC faketime '2026-05-01 03:04:40' flock "$WS/ws/membership.lock" "$MEMBERSHIP_BIN" -c "$CFG" status --check)
	check_grep "lock held: the run is not called killed" "'failed_jobs'=0;" "$OUT"
	at '2026-05-01 03:05:00' report -q
	check_rc "the next writing job marks it killed" 0
	at '2026-05-01 03:06:00' status --check
	check_rc "killed ingest: CRITICAL" 2
	check_grep "says it was killed" "last ingest run ([0-9]*) was killed" "$OUT"
	at '2026-05-01 03:07:00' ingest -q
	at '2026-05-01 03:08:00' status --check
	check_rc "ingest rerun: OK again" 0
else
	echo "t_check: no fault build ($FAULT_BIN): the killed run is not tested"
fi

# --- warnings ----------------------------------------------------------------------------
ws_new warn "monitoring:" "  max_inbox_age_minutes: 60"
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-05-01T09:00:00'
at '2026-05-01 03:00:00' ingest -q
at '2026-05-01 03:01:00' payments -q
# A counter changed behind the program's back (the one write to the books
# a test makes: nothing in the program can do it); reconcile finds it.
sql "UPDATE products SET sold_count = 5 WHERE product_id = 'GOLD'"
at '2026-05-01 03:02:00' reconcile -q
check_rc "reconcile repairs" 0
at '2026-05-01 03:03:00' status --check
check_rc "reconcile found a difference: WARNING" 1
check_line "reconcile difference" WARNING
check_grep "says what reconcile found" "reconcile found 1 difference(s) on 2026-05-01" "$OUT"
at '2026-05-02 03:02:00' reconcile -q --date 2026-05-02
at '2026-05-02 03:03:00' status --check
check_eq "a clean reconcile clears it" "$(printf '%s' "$OUT" | grep -c 'reconcile found')" 0

# An inbox file older than max_inbox_age_minutes.
ws_new old "monitoring:" "  max_inbox_age_minutes: 60"
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
touch -d '2026-05-01 01:00:00 UTC' "$INBOX/products-1.csv"
at '2026-05-01 01:59:00' status --check
check_rc "an inbox file 59 min old: OK" 0
# faketime's clock runs from the time it is given: on a loaded machine the
# program may read it a second or more after start, so any age from 59 min
# on is right here (the file is 3540 s old at the first instant).
check_grep "perf: its age" "'inbox_oldest_age'=35[4-9][0-9]s;3600" "$OUT"
at '2026-05-01 02:01:00' status --check
check_rc "an inbox file 61 min old: WARNING" 1
check_line "old inbox file" WARNING
check_grep "says how old" "an inbox file is 61 min old (more than 60)" "$OUT"

# A whole file rejected on the last closed day.
ws_new rejected
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
printf 'what,is,this\n1,2,3\n' | drop mystery-1.csv
at '2026-05-01 14:50:00' nightly --date 2026-05-01 -q
check_rc "nightly with a file rejected whole: 65" 65
at '2026-05-02 01:00:00' status --check
check_rc "a whole file rejected on the last closed day: WARNING" 1
check_grep "says so" "1 whole file(s) rejected on 2026-05-01" "$OUT"
at '2026-05-02 14:50:00' nightly --date 2026-05-02 -q
at '2026-05-03 01:00:00' status --check
check_rc "the next closed day had none: OK" 0

# --- UNKNOWN: the books cannot be read --------------------------------------------------------
ws_new unknown
printf 'workspace: nowhere\n' > "$CFG"
mb status --check
check_rc "missing workspace: UNKNOWN" 3
check_grep "names the workspace" "^MEMBERSHIP UNKNOWN - workspace .*nowhere" "$OUT"
ws_new broken
mb init -q
head -c 8192 /dev/urandom > "$WS/ws/membership.db"
mb status --check
check_rc "books that are not a database: UNKNOWN" 3
check_grep "one UNKNOWN line" "^MEMBERSHIP UNKNOWN - .*membership.db" "$OUT"
# Damaged books are an I/O failure (74), not a bug (70), and the message
# points at the backup.
mb status
check_rc "books that are not a database: status exits 74" 74
check_grep "status: says the file is damaged" "membership.db: .*the file is damaged: restore the books from a backup" "$ERR"
mb report
check_rc "books that are not a database: report exits 74" 74
"$MEMBERSHIP_BIN" -c "$WS/missing.yaml" status --check > "$TMPROOT/.out" 2>&1
RC=$?
check_rc "missing configuration: UNKNOWN" 3
check_grep "names the file" "^MEMBERSHIP UNKNOWN - .*missing.yaml" "$(cat "$TMPROOT/.out")"

# --- usage ------------------------------------------------------------------------------
ws_new usage
mb init -q
mb status --check --json
check_rc "--check and --json together: 64" 64
mb ingest --check
check_rc "--check is status's alone: 64" 64

finish
