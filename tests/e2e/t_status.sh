#!/bin/sh
# t_status.sh — `membership status [--json]` (SPEC §2, §8.3): each job's
# last run and last success, the open business day and the days not closed,
# pending purchases and cancels, the inbox backlog (only what ingest would
# pick up, with the age of the oldest file), the database size and the
# recent runs (at most 10, newest first); --json is one valid JSON object
# with the same facts (numbers as numbers, times as ISO 8601 and Unix
# seconds); status reads only: it creates nothing (a missing workspace or
# database is 66 naming it), takes no lock, answers while a job holds it and
# on a read-only mount.
. "$(dirname "$0")/lib.sh"

D1=2026-05-01
D2=2026-05-02

purchases() {
	f=$1; shift
	{ echo "request_id,customer_id,product_id,amount,requested_at"; printf '%s\n' "$@"; } | drop "$f"
}

# js EXPR: evaluate a python expression over the JSON of the last mb (j).
js() {
	printf '%s' "$OUT" | python3 -c "import json, sys; j = json.load(sys.stdin); print($1)"
}

# A workspace whose path needs escaping in JSON: quote, backslash, Hangul.
ws_new main
printf '%s\n' "workspace: 'ws \"q\" \\ 한'" "lock: {wait_seconds: 0}" > "$CFG"
WSDIR="$WS/ws \"q\" \\ 한"
INBOX=$WSDIR/inbox
mb init -q
check_rc "init" 0

# --- a fresh workspace ------------------------------------------------------------
dump_before=$(sqlite3 "$WSDIR/membership.db" .dump)
mb status
check_rc "status" 0
check_grep "no day closed yet" "^last closed *(no day closed by nightly yet)" "$OUT"
check_grep "nothing left unclosed" "^not closed *none" "$OUT"
check_grep "no runs yet" "(none yet)" "$OUT"
check_eq "status writes nothing on stderr" "$ERR" ""
mb status --json
check_rc "status --json" 0
check_eq "fresh --json is valid JSON" "$(printf '%s' "$OUT" | python3 -m json.tool > /dev/null && echo valid)" valid
check_eq "fresh: last_closed_day null, no runs, no jobs" "$(js "j['last_closed_day'], j['runs'], j['jobs']")" "None [] {}"
check_eq "workspace path escaped and read back" "$(js "j['workspace'].endswith('ws \"q\" \\\\ 한')")" True
check_eq "one line of output" "$(printf '%s\n' "$OUT" | wc -l)" 1
check_eq "status changed nothing in the database" "$(sqlite3 "$WSDIR/membership.db" .dump)" "$dump_before"

# --- after some work: pending, closed through, runs -----------------------------------
printf 'action,product_id,name,price\nadd,GOLD,"Gold ""1Y""",1000\n' | drop products-1.csv
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-05-01T09:00:00'
mb nightly --date $D1
check_rc "nightly $D1" 0
purchases purchases-2.csv 'p2,ben,GOLD,1000,2026-05-02T09:00:00' 'p3,cat,GOLD,1000,2026-05-02T09:00:00'
printf 'request_id,customer_id,purchase_request_id,requested_at\nc1,ann,p1,2026-05-02T10:00:00\n' |
	drop cancels-2.csv
mb ingest --date $D2
check_rc "ingest $D2 (payments not run yet)" 0

# The backlog: two files ingest would read; hidden, partial, temporary, a
# folder, a link and a FIFO it would not.
printf 'a\n' > "$INBOX/a.csv"
printf 'bb\n' > "$INBOX/b.csv"
printf 'x\n' > "$INBOX/.hidden.csv"
printf 'x\n' > "$INBOX/c.csv.part"
printf 'x\n' > "$INBOX/d.tmp"
mkdir "$INBOX/e.csv"
ln -s "$INBOX/a.csv" "$INBOX/f.csv"
mkfifo "$INBOX/g.csv"

mb status
check_rc "status after work" 0
check_grep "last closed $D1 (nightly)" "^last closed *$D1\$" "$OUT"
check_grep "jobs table: nightly listed" "^  nightly  .* ok  *0  $D1 " "$OUT"
check_grep "jobs table: ingest's last run and success" "^  ingest  .* ok  *0  $D2  [0-9-]* [0-9:]*\$" "$OUT"
check_grep "pending counts" "^pending *2 purchase(s), 1 cancel(s)" "$OUT"
check_grep "backlog: 2 files, 5 bytes, the oldest's age" "^inbox backlog *2 file(s), 5 B, oldest [0-9]* s old" "$OUT"
check_grep "database size shown" "^database *[0-9.]* [KM]\{0,1\}i\{0,1\}B" "$OUT"
check_grep "runs table header" "run *job *date *started *outcome *exit *duration *summary" "$OUT"
check_grep "latest run first" "^ *7 *ingest *$D2 .* ok *0 .*2 files" "$(printf '%s\n' "$OUT" | sed -n '/run *job/{n;p}')"

mb status --json
check_rc "status --json after work" 0
check_eq "--json is valid JSON" "$(printf '%s' "$OUT" | python3 -m json.tool > /dev/null && echo valid)" valid
check_eq "json: last_closed_day" "$(js "j['last_closed_day']")" $D1
check_eq "json: today and open day follow the zone's clock" \
	"$(js "j['today'] == j['open_business_day'], len(j['today'])")" "True 10"
check_eq "json: now as ISO and Unix seconds" "$(js "type(j['now_unix']).__name__, j['now'][-1]")" "int Z"
check_eq "json: ingest's last run is the newest, and its last success" \
	"$(js "j['jobs']['ingest']['last_run']['run_id'] == j['runs'][0]['run_id'] == j['jobs']['ingest']['last_success']['run_id'], j['jobs']['ingest']['last_run']['business_date']")" "True $D2"
check_eq "json: a last success has its exit code (the run's own)" \
	"$(js "[(k, v['last_success']['exit_code']) for k, v in sorted(j['jobs'].items()) if v['last_success']['exit_code'] != v['last_run']['exit_code'] or v['last_success']['exit_code'] is None]")" "[]"
check_eq "json: each job listed once" "$(js "sorted(j['jobs'])")" \
	"['expire', 'ingest', 'nightly', 'payments', 'reconcile', 'report']"
check_eq "json: run times as ISO and Unix seconds" \
	"$(js "(lambda r: (type(r['started_at_unix']).__name__, r['ended_at_unix'] >= r['started_at_unix'], r['started_at'][-1]))(j['jobs']['ingest']['last_run'])")" "('int', True, 'Z')"
check_eq "json: inbox oldest file age is a number" \
	"$(js "type(j['inbox_backlog']['oldest_age_seconds']).__name__, type(j['inbox_backlog']['oldest_modified_unix']).__name__")" "int int"
check_eq "json: pending" "$(js "j['pending']['purchases'], j['pending']['cancels']")" "2 1"
check_eq "json: backlog" "$(js "j['inbox_backlog']['files'], j['inbox_backlog']['bytes']")" "2 5"
check_eq "json: database size is the file's" "$(js "j['database']['bytes']")" \
	"$(stat -c %s "$WSDIR/membership.db")"
check_eq "json: seven runs (nightly's own first), newest first" "$(js "[r['run_id'] for r in j['runs']]")" "[7, 6, 5, 4, 3, 2, 1]"
check_eq "json: a run's facts" \
	"$(js "[(r['job'], r['business_date'], r['outcome'], r['exit_code'], r['duration_seconds'] >= 0, r['started_at'][-1]) for r in j['runs'][:2]]")" \
	"[('ingest', '$D2', 'ok', 0, True, 'Z'), ('report', '$D1', 'ok', 0, True, 'Z')]"
check_grep "json: summary carried" "2 files" "$(js "j['runs'][0]['summary']")"

# --- at most ten runs ---------------------------------------------------------------------
rm -rf "$INBOX/e.csv" "$INBOX/f.csv" "$INBOX/g.csv"
mb nightly --date $D2
mb status --json
check_eq "json: ten runs at most" "$(js "len(j['runs']), j['runs'][0]['run_id']")" "10 13"
mb status
check_eq "table: ten runs at most" "$(printf '%s\n' "$OUT" | sed -n '/run *job/,$p' | tail -n +2 | grep -c .)" 10

# --- no lock: answers while a job holds the workspace ----------------------------------
flock "$WSDIR/membership.lock" sleep 4 &
holder=$!
sleep 1
mb ingest --date $D2
check_rc "a writing job meanwhile waits, then 75" 75
mb status --json
check_rc "status while the lock is held" 0
kill "$holder" 2> /dev/null
wait "$holder" 2> /dev/null

# --- status creates nothing -----------------------------------------------------------
ws_new gone
printf 'workspace: nowhere/ws\n' > "$CFG"
mb status
check_rc "missing workspace: 66" 66
check_grep "missing workspace: the path is named" "workspace .*nowhere/ws" "$ERR"
check_eq "missing workspace: nothing created" "$(ls -d "$WS/nowhere" 2> /dev/null)" ""
mb status --json
check_rc "missing workspace, --json: 66" 66
mb progress ann
check_rc "progress, missing workspace: 66" 66
check_eq "progress created nothing" "$(ls -d "$WS/nowhere" 2> /dev/null)" ""
mkdir -p "$WS/nowhere/ws"
mb status
check_rc "workspace without books: 66" 66
check_grep "missing books: the database path is named" "nowhere/ws/membership.db" "$ERR"
check_eq "missing books: nothing created in the workspace" "$(ls -A "$WS/nowhere/ws")" ""

# --- a read-only mount: status and progress read the books without -shm ---------------------
ws_new ro
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-05-01T09:00:00'
mb ingest --date $D1
check_rc "ro: ingest" 0
check_eq "ro: no -wal or -shm left once the jobs closed the books" \
	"$(ls "$WS/ws" | grep -c -- '-wal$\|-shm$')" 0
ro_before=$(ls -A "$WS/ws")
if unshare -m true 2> /dev/null; then
	# The mount lives only in a private mount namespace, gone with the shell.
	RO_OUT=$(unshare -m sh -c '
		mount --bind -o ro "$1/ws" "$1/ws" || exit 99
		touch "$1/ws/x" 2> /dev/null && exit 98
		"$2" -c "$1/membership.yaml" status --json; echo "rc=$?"
		"$2" -c "$1/membership.yaml" progress ann --date 2026-05-01; echo "rc=$?"
		"$2" -c "$1/membership.yaml" status --check; echo "rc=$?"
	' sh "$WS" "$MEMBERSHIP_BIN" 2>&1)
	OUT=$(printf '%s\n' "$RO_OUT" | head -n 1)
	check_eq "ro: status --json answers" "$(js "j['pending']['purchases'], j['jobs']['ingest']['last_run']['outcome']")" "1 ok"
	check_eq "ro: exit codes of status, progress, status --check" \
		"$(printf '%s\n' "$RO_OUT" | grep '^rc=' | tr '\n' ' ')" "rc=0 rc=0 rc=2 "
	check_grep "ro: --check reads the books (2026-05-01 never closed)" "^MEMBERSHIP CRITICAL - .*not closed" "$RO_OUT"
	check_grep "ro: progress prints the timeline" "PURCHASE_REQUESTED,p1,GOLD" "$RO_OUT"
	check_eq "ro: nothing written beside the books" "$(ls -A "$WS/ws")" "$ro_before"
else
	echo "t_status: read-only mount skipped: unshare -m is not permitted here"
fi

# --- usage ---------------------------------------------------------------------------------
mb status --date $D2
check_rc "status takes no --date" 64
mb status extra
check_rc "status takes no argument" 64
check_grep "status extra: says what is wrong" "^error: status takes no argument ('extra')" "$ERR"
# A usage error after the command says what is wrong, then the command's usage.
mb ingest --bogus
check_rc "ingest --bogus: 64" 64
check_grep "ingest --bogus: names the option" "^error: unknown option '--bogus'" "$ERR"
check_grep "ingest --bogus: then the usage" "^usage: membership ingest" "$ERR"
mb progress -bad kim
check_rc "a cluster of unknown short options: 64" 64
check_grep "a cluster of unknown short options: names the option, not the command" "^error: unknown option '-b'" "$ERR"
mb report --date
check_rc "report --date without a value: 64" 64
check_grep "report --date without a value: says so" "^error: option '--date' needs a value" "$ERR"
# An empty -c is a slip (an unset variable in a script), never the default file.
mb -c "" status
check_rc "an empty -c: 64" 64
check_grep "an empty -c: says so" "^error: -c/--config needs a file name, got an empty one" "$ERR"
mb status --config=
check_rc "an empty --config=: 64" 64
mb report --date 9800-01-01
check_rc "a business date after 9799-12-31: 64" 64
check_grep "a business date after 9799-12-31: says why" "later than 9799-12-31, the last business date" "$ERR"
mb progress
check_rc "progress without an id: 64" 64
check_grep "progress without an id: says so" "^error: progress takes one argument: CUSTOMER_ID" "$ERR"
mb -q status
check_rc "status -q" 0
check_grep "-q still prints the table (the command's output)" "^pending" "$OUT"

finish
