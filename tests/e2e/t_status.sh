#!/bin/sh
# t_status.sh — `membership status [--json]` (SPEC §2): the recent runs (at
# most 10, newest first), pending purchases and cancels, the inbox backlog
# (only what ingest would pick up), the closed-through date and the database
# size; --json is one valid JSON object with the same facts, strings escaped;
# status reads only, takes no lock and answers while a job holds it.
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
check_grep "no business date yet" "^books closed *(no business date yet)" "$OUT"
check_grep "no runs yet" "(none yet)" "$OUT"
check_eq "status writes nothing on stderr" "$ERR" ""
mb status --json
check_rc "status --json" 0
check_eq "fresh --json is valid JSON" "$(printf '%s' "$OUT" | python3 -m json.tool > /dev/null && echo valid)" valid
check_eq "fresh: closed_through null, no runs" "$(js "j['closed_through'], j['runs']")" "None []"
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
check_grep "closed through $D2" "^books closed *through $D2" "$OUT"
check_grep "pending counts" "^pending *2 purchase(s), 1 cancel(s)" "$OUT"
check_grep "backlog: 2 files, 5 bytes" "^inbox backlog *2 file(s), 5 B" "$OUT"
check_grep "database size shown" "^database *[0-9.]* [KM]\{0,1\}i\{0,1\}B" "$OUT"
check_grep "runs table header" "run *job *date *started *outcome *exit *duration *summary" "$OUT"
check_grep "latest run first" "^ *7 *ingest *$D2 .* ok *0 .*2 files" "$(printf '%s\n' "$OUT" | sed -n '/run *job/{n;p}')"

mb status --json
check_rc "status --json after work" 0
check_eq "--json is valid JSON" "$(printf '%s' "$OUT" | python3 -m json.tool > /dev/null && echo valid)" valid
check_eq "json: closed_through" "$(js "j['closed_through']")" $D2
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

# --- usage ---------------------------------------------------------------------------------
mb status --date $D2
check_rc "status takes no --date" 64
mb status extra
check_rc "status takes no argument" 64
mb -q status
check_rc "status -q" 0
check_grep "-q still prints the table (the command's output)" "^pending" "$OUT"

finish
