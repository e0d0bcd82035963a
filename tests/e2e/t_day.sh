#!/bin/sh
# t_day.sh — the business day and the schedule (SPEC §5.1, §8.2;
# RELIABILITY K1–K3), with the clock set by faketime(1) as cron would run
# the jobs in the shop's zone (Asia/Seoul):
#
#   late        a file that arrives after the evening's nightly is applied
#               to the next day (archive/, events, FUTURE_TIMESTAMP) and is
#               in that day's reports; today's reports stay as they were;
#               a second nightly the same evening closes today again, or,
#               once the next day has begun, exits 64 naming it; the same
#               reports as a shop that ran each job with --date
#   off         the machine off for two nights: the next nightly writes the
#               missed days' reports first, byte-identical (diff -r) to a
#               shop whose nightly ran every day — expiries, a product past
#               its sale, expiring-soon lists; also when ingest ran during
#               the day before that nightly
#   late-expire expire run late (reports before expire, expire days later)
#               gives the reports of a shop where it ran on time
#   together    ingest and nightly started in the same second, many times:
#               both complete (one waits), nothing skipped
#   held        a nightly that cannot get the lock: exit 75, one line naming
#               the holder, nothing changed; a later run closes the day
. "$(dirname "$0")/lib.sh"

if ! command -v faketime > /dev/null 2>&1; then
	not_ok "faketime missing (Debian package faketime, make deps)"
	finish
	exit 1
fi
# faketime preloads a library; ASan must not insist on coming first.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS

# at 'YYYY-MM-DD HH:MM:SS' ARGS…: the binary with the clock at that time in
# Seoul (the process's TZ is only faketime's: the program reads the
# configured zone); sets RC, OUT, ERR like mb.
at() {
	when=$1
	shift
	TZ=Asia/Seoul faketime "$when" "$MEMBERSHIP_BIN" -c "$CFG" "$@" > "$TMPROOT/.out" 2> "$TMPROOT/.err"
	RC=$?
	OUT=$(cat "$TMPROOT/.out")
	ERR=$(cat "$TMPROOT/.err")
}

# same_tree WHAT DIR-A DIR-B: diff -r, one check.
same_tree() {
	if out=$(diff -r "$2" "$3" 2>&1); then ok "$1"; else
		not_ok "$1"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/  /'
	fi
}

# days_of JOB: the dates JOB ran for (ok), in order of the runs.
days_of() {
	sql "SELECT date(business_date * 86400, 'unixepoch') FROM runs WHERE job = '$1' AND outcome = 'ok'
	     ORDER BY run_id" | tr '\n' ' '
}

# ============================================================================
# late: a file after the evening's nightly
# ============================================================================
ws_new late
at '2026-05-01 09:00:00' init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-05-01T08:00:00'
at '2026-05-01 09:05:00' ingest
check_rc "late: ingest in the morning" 0
check_grep "late: the morning's ingest works for today" "^ingest 2026-05-01: 2 files" "$ERR"
at '2026-05-01 23:50:00' nightly
check_rc "late: nightly at 23:50" 0
check_grep "late: nightly closes today" "^nightly 2026-05-01: 5 jobs done" "$ERR"
cp -R "$REPORTS/2026-05-01" "$TMPROOT/late-d1"
# A second nightly the same evening closes today again.
at '2026-05-01 23:52:00' nightly
check_rc "late: a second nightly the same evening" 0
check_grep "late: ... closes today again" "^nightly 2026-05-01: 5 jobs done" "$ERR"
same_tree "late: ... and writes the same reports" "$REPORTS/2026-05-01" "$TMPROOT/late-d1"
# After the nightly: p2 was bought late on the 1st, p3 early on the 2nd
# (not in the future of the day it is applied to), p4 after the 2nd.
purchases purchases-2.csv 'p2,ben,GOLD,1000,2026-05-01T23:51:00' \
	'p3,cat,GOLD,1000,2026-05-02T07:00:00' 'p4,dan,GOLD,1000,2026-05-03T00:10:00'
at '2026-05-01 23:55:00' ingest
check_rc "late: ingest after the nightly" 0
check_grep "late: ... works for tomorrow" "^ingest 2026-05-02: 1 files, 3 rows, 2 accepted, 1 rejected" "$ERR"
check_eq "late: ... archives under tomorrow" "$(ls "$WS/ws/archive/2026-05-02")" "purchases-2.csv"
check_eq "late: ... rejects under tomorrow" "$(cd "$WS/ws/rejected" && find . -type f | sort)" \
	"./2026-05-02/purchases-2.csv.rejects.csv"
check_grep "late: FUTURE_TIMESTAMP judged against the end of tomorrow" "^p4,dan,GOLD,1000,2026-05-03T00:10:00,4,FUTURE_TIMESTAMP" \
	"$(cat "$WS/ws/rejected/2026-05-02/purchases-2.csv.rejects.csv")"
same_tree "late: today's reports untouched" "$REPORTS/2026-05-01" "$TMPROOT/late-d1"
at '2026-05-01 23:58:00' nightly
check_rc "late: nightly once tomorrow has begun" 64
check_grep "late: ... names the day begun" "2026-05-02 has already begun" "$ERR"
check_eq "late: ... one line" "$(printf '%s\n' "$ERR" | wc -l)" 1
same_tree "late: ... and changes no report" "$REPORTS/2026-05-01" "$TMPROOT/late-d1"
at '2026-05-02 10:00:00' status --json
check_rc "late: status" 0
at '2026-05-02 23:50:00' nightly
check_rc "late: the next evening's nightly" 0
check_grep "late: p2 and p3 approved on the 2nd" "^payments 2026-05-02: 2 approved" "$ERR"
check_grep "late: p2 in the 2nd's reports, valid from the 2nd" "^ben,p2,GOLD,Gold,1000,ACTIVE,2026-05-01T14:51:00Z,2026-05-02," \
	"$(cat "$REPORTS/2026-05-02/customer-progress.csv")"
check_grep "late: p4's rejection in the 2nd's rejections.csv" "^purchases-2.csv,4,p4,dan,FUTURE_TIMESTAMP," \
	"$(cat "$REPORTS/2026-05-02/rejections.csv")"
check_eq "late: nightly closed each day once per evening" "$(days_of nightly)" "2026-05-01 2026-05-01 2026-05-02 "
invariants

# --help says which day a command works for without --date.
mb ingest --help
check_grep "late: ingest --help names the open business day" "Without --date: the open business day" "$OUT"
mb nightly --help
check_grep "late: nightly --help names today" "Without --date: today in the configured zone" "$OUT"
mb --help
check_grep "late: --help: the open day's commands" "Without it, ingest, payments, reconcile and expire" "$OUT"

# The same days run by hand, each job with --date: the same reports.
ws_new late-ref
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-05-01T08:00:00'
mb nightly --date 2026-05-01
purchases purchases-2.csv 'p2,ben,GOLD,1000,2026-05-01T23:51:00' \
	'p3,cat,GOLD,1000,2026-05-02T07:00:00' 'p4,dan,GOLD,1000,2026-05-03T00:10:00'
mb nightly --date 2026-05-02
check_rc "late-ref: nightly --date" 0
same_tree "late: reports equal a shop run with --date" "$TMPROOT/late/ws/reports" "$REPORTS"

# ============================================================================
# first: no nightly ever completed
# ============================================================================
# Installed on 08-01; ingest ran that day, its nightly did not (machine off
# at 23:50). Until a first nightly completed there is no closed day to
# catch up from: the next morning's ingest works for 08-02 and the
# evening's nightly writes 08-02's reports only; 08-01 is there for
# `report --date`.
ws_new first
at '2026-08-01 09:00:00' init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-08-01T08:00:00'
at '2026-08-01 09:05:00' ingest -q
at '2026-08-02 00:05:00' ingest
check_grep "first: the next morning's ingest works for that day" "^ingest 2026-08-02: 0 files" "$ERR"
at '2026-08-02 23:50:00' nightly
check_rc "first: the first nightly" 0
check_eq "first: ... catches nothing up" "$(printf '%s\n' "$ERR" | grep -c 'caught up')" 0
check_eq "first: its own day reported" "$(ls "$REPORTS" | tr '\n' ' ')" "2026-08-02 "
check_grep "first: approved on 08-02" "^ann,p1,GOLD,Gold,1000,ACTIVE,2026-07-31T23:00:00Z,2026-08-02," \
	"$(cat "$REPORTS/2026-08-02/customer-progress.csv")"
at '2026-08-03 09:00:00' report --date 2026-08-01
check_rc "first: 08-01 reported on demand" 0
check_grep "first: 08-01 as of 08-01: pending" "^ann,p1,GOLD,Gold,1000,PENDING_PAYMENT," \
	"$(cat "$REPORTS/2026-08-01/customer-progress.csv")"

# ============================================================================
# off: the machine off for two nights
# ============================================================================
# term_months 1: memberships bought on 04-01..04-03 expire on 05-01..05-03;
# SALE is on sale until 05-02, so past its sale from 05-03.
ws_new daily "membership:" "  term_months: 1" "expire:" "  notice_days: 3"
at '2026-04-01 09:00:00' init -q
products products-1.csv 'add,GOLD,Gold,1000,,' 'add,SALE,Spring sale,500,2026-05-02,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-04-01T08:00:00' 'p2,ben,SALE,500,2026-04-01T08:00:00'
at '2026-04-01 23:50:00' nightly -q
purchases purchases-2.csv 'p3,cat,GOLD,1000,2026-04-02T08:00:00'
at '2026-04-02 23:50:00' nightly -q
purchases purchases-3.csv 'p4,dan,SALE,500,2026-04-03T08:00:00' 'p5,eve,GOLD,1000,2026-04-03T08:00:00'
at '2026-04-03 23:50:00' nightly -q
check_rc "off: the first three evenings" 0
# Nights 04-04 .. 04-29 are caught up here (for both shops alike).
at '2026-04-30 23:50:00' nightly -q
check_rc "off: 04-30, catching up April" 0
check_eq "off: April's unreported days written" "$(ls "$REPORTS" | grep -c '^2026-04-')" 30
for s in off off-ingest; do
	rm -rf "$TMPROOT/$s"
	cp -a "$WS" "$TMPROOT/$s"
done
# The shop whose nightly ran every evening; ann buys again on 05-03.
for d in 01 02; do at "2026-05-$d 23:50:00" nightly -q; done
purchases purchases-4.csv 'p6,ann,GOLD,1000,2026-05-03T08:00:00'
for d in 03 04; do at "2026-05-$d 23:50:00" nightly -q; done
check_rc "off: the daily shop's evenings" 0
check_eq "off: expired on their expires_on" \
	"$(sql "SELECT group_concat(request_id || ' ' || date(expired_on * 86400, 'unixepoch'), ', ') FROM (SELECT * FROM memberships WHERE status = 'EXPIRED' ORDER BY request_id)")" \
	"p1 2026-05-01, p2 2026-05-01, p3 2026-05-02, p4 2026-05-03, p5 2026-05-03"
check_grep "off: SALE past its sale on 05-03" "^SALE,Spring sale,500,EXPIRED," "$(cat "$REPORTS/2026-05-03/sales.csv")"
check_grep "off: SALE on sale on 05-02" "^SALE,Spring sale,500,ACTIVE," "$(cat "$REPORTS/2026-05-02/sales.csv")"
check_grep "off: expiring soon on 05-01" "^cat,p3,GOLD,2026-05-02" "$(cat "$REPORTS/2026-05-01/expiring-soon.csv")"
DAILY=$REPORTS

# Off on the evenings of 05-01 and 05-02; on 05-03 the file comes and the
# nightly of 05-03 catches up.
WS=$TMPROOT/off CFG=$TMPROOT/off/membership.yaml INBOX=$TMPROOT/off/ws/inbox REPORTS=$TMPROOT/off/ws/reports
purchases purchases-4.csv 'p6,ann,GOLD,1000,2026-05-03T08:00:00'
at '2026-05-03 23:50:00' nightly
check_rc "off: the first nightly after two nights off" 0
check_grep "off: ... caught up two days" "^nightly 2026-05-03: .*2 earlier days caught up" "$ERR"
check_eq "off: ... in date order, then today" \
	"$(printf '%s\n' "$ERR" | sed -n 's/^report \([0-9-]*\):.*/\1/p' | tr '\n' ' ')" \
	"2026-05-01 2026-05-02 2026-05-03 "
at '2026-05-04 23:50:00' nightly -q
check_rc "off: the evening after" 0
same_tree "off: every report equals the daily shop's (diff -r)" "$DAILY" "$REPORTS"
invariants

# The same, but the machine came back in the morning of 05-03: ingest ran
# for 05-03 (the open day) before the nightly caught up.
WS=$TMPROOT/off-ingest CFG=$TMPROOT/off-ingest/membership.yaml INBOX=$TMPROOT/off-ingest/ws/inbox
REPORTS=$TMPROOT/off-ingest/ws/reports
at '2026-05-03 08:05:00' ingest -q
check_rc "off-ingest: ingest on the morning back" 0
purchases purchases-4.csv 'p6,ann,GOLD,1000,2026-05-03T08:00:00'
at '2026-05-03 09:05:00' ingest -q
check_rc "off-ingest: ingest of the day's file" 0
at '2026-05-03 23:50:00' nightly
check_rc "off-ingest: nightly" 0
check_grep "off-ingest: ... caught up two days" "2 earlier days caught up" "$ERR"
at '2026-05-04 23:50:00' nightly -q
same_tree "off-ingest: every report equals the daily shop's (diff -r)" "$DAILY" "$REPORTS"
invariants

# ============================================================================
# late-expire: expire run days late
# ============================================================================
ws_new ontime "membership:" "  term_months: 1"
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,' 'add,SALE,Sale,500,2026-02-01,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-01-01T08:00:00' 'p2,ben,SALE,500,2026-01-01T08:00:00'
mb nightly -q --date 2026-01-01
for d in 2026-01-30 2026-01-31 2026-02-01 2026-02-02 2026-02-03; do mb nightly -q --date $d; done
check_rc "ontime: nightly each day" 0
ONTIME=$REPORTS
ws_new lateexp "membership:" "  term_months: 1"
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,' 'add,SALE,Sale,500,2026-02-01,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-01-01T08:00:00' 'p2,ben,SALE,500,2026-01-01T08:00:00'
mb nightly -q --date 2026-01-01
mb nightly -q --date 2026-01-30
mb nightly -q --date 2026-01-31
# 02-01 (the expiry day) and 02-02: nothing ran, expire neither.
mb expire --date 2026-02-03
check_rc "lateexp: expire two days late" 0
check_grep "lateexp: ... expires both" "^expire 2026-02-03: 2 memberships expired, 1 products expired" "$ERR"
check_eq "lateexp: ... dated on expires_on" \
	"$(sql "SELECT group_concat(DISTINCT date(business_date * 86400, 'unixepoch')) FROM events WHERE event = 'MEMBERSHIP_EXPIRED'")" \
	"2026-02-01"
for d in 2026-02-01 2026-02-02; do
	mb report -q --date $d
	same_tree "lateexp: $d reported after the late expire = on time" "$ONTIME/$d" "$REPORTS/$d"
done
mb nightly -q --date 2026-02-03
same_tree "lateexp: every report equals on time (diff -r)" "$ONTIME" "$REPORTS"

# ============================================================================
# migrate: books kept before schema 7 dated an expiry on the day expire ran
# ============================================================================
# The late shop's books made to look as the old program left them: the
# expiries dated 02-03 (the day expire ran), schema version 6.
WS=$TMPROOT/lateexp CFG=$TMPROOT/lateexp/membership.yaml
sql "UPDATE memberships SET expired_on = expired_on + 2 WHERE expired_on IS NOT NULL;
     UPDATE events SET business_date = business_date + 2 WHERE event = 'MEMBERSHIP_EXPIRED';
     PRAGMA user_version = 6;"
mb report -q --date 2026-02-01
check_rc "migrate: the first command after the upgrade" 0
check_eq "migrate: schema 8" "$(sql 'PRAGMA user_version')" 8
check_eq "migrate: expiries re-dated on expires_on" \
	"$(sql "SELECT count(*) FROM events e JOIN memberships m ON m.id = e.membership_id
	        WHERE e.event = 'MEMBERSHIP_EXPIRED' AND e.business_date = m.expires_on
	        AND m.expired_on = m.expires_on")" 2
same_tree "migrate: 02-01 reported again = on time" "$ONTIME/2026-02-01" "$REPORTS/2026-02-01"

# ============================================================================
# together: ingest and nightly started in the same second
# ============================================================================
ws_new together
at '2026-06-01 09:00:00' init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
ROUNDS=${DAY_ROUNDS:-12}
i=1
while [ "$i" -le "$ROUNDS" ]; do
	d=$(date -u -d "2026-06-01 + $((i - 1)) days" +%Y-%m-%d)
	purchases "purchases-$i.csv" "p$i,c$i,GOLD,1000,${d}T08:00:00"
	TZ=Asia/Seoul faketime "$d 23:50:00" "$MEMBERSHIP_BIN" -c "$CFG" -q ingest > /dev/null 2> "$TMPROOT/.i.err" &
	a=$!
	TZ=Asia/Seoul faketime "$d 23:50:00" "$MEMBERSHIP_BIN" -c "$CFG" -q nightly > /dev/null 2> "$TMPROOT/.n.err" &
	b=$!
	wait "$a"
	ra=$?
	wait "$b"
	rb=$?
	[ "$ra$rb" = 00 ] || { echo "  round $i: ingest $ra, nightly $rb"; cat "$TMPROOT/.i.err" "$TMPROOT/.n.err"; }
	codes="${codes:-}$ra$rb "
	i=$((i + 1))
done
check_eq "together: both complete every time" "$(printf '%s' "$codes" | tr ' ' '\n' | grep -vc '^00$')" 0
last=$(date -u -d "2026-06-01 + $ROUNDS days" +%Y-%m-%d)
at "$last 23:50:00" nightly -q
check_eq "together: no day skipped (a nightly each day, reports each day)" \
	"$(ls "$REPORTS" | grep -c .)" "$((ROUNDS + 1))"
check_eq "together: inbox empty" "$(ls "$INBOX")" ""
check_eq "together: every purchase approved, none lost" \
	"$(sql "SELECT count(*) FROM memberships WHERE payment = 'APPROVED'")" "$ROUNDS"
invariants

# ============================================================================
# held: a nightly that cannot get the lock
# ============================================================================
ws_new held
at '2026-07-01 09:00:00' init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-07-01T08:00:00'
printf 'workspace: ws\nlock:\n  wait_seconds: 1\n' > "$WS/short.yaml"
printf 'workspace: ws\nlock:\n  wait_seconds: 60\n' > "$WS/long.yaml"
# The holder: an ingest that has the workspace lock and waits for the
# database, which an outside sqlite3 keeps in a write transaction.
rm -f "$TMPROOT/.ctl" "$TMPROOT/.busy"
mkfifo "$TMPROOT/.ctl"
sqlite3 "$WS/ws/membership.db" < "$TMPROOT/.ctl" > /dev/null 2>&1 &
outsider=$!
exec 8> "$TMPROOT/.ctl"
printf 'BEGIN IMMEDIATE;\n.system touch %s\n' "$TMPROOT/.busy" >&8
n=0
while [ ! -f "$TMPROOT/.busy" ] && [ "$n" -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
"$MEMBERSHIP_BIN" -c "$WS/long.yaml" -q ingest --date 2026-07-01 > /dev/null 2> "$TMPROOT/.holder.err" &
holder=$!
n=0
while [ ! -s "$WS/ws/membership.lock" ] && [ "$n" -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
check_grep "held: the holder says who it is in the lock file" "^ingest, pid $holder, since " \
	"$(cat "$WS/ws/membership.lock")"
inbox_before=$(ls "$INBOX" | tr '\n' ' ')
TZ=Asia/Seoul faketime '2026-07-01 23:50:00' "$MEMBERSHIP_BIN" -c "$WS/short.yaml" nightly \
	> "$TMPROOT/.out" 2> "$TMPROOT/.err"
RC=$?
ERR=$(cat "$TMPROOT/.err")
check_rc "held: nightly exits 75" 75
check_eq "held: one line" "$(printf '%s\n' "$ERR" | wc -l)" 1
check_grep "held: the line names the holder" "lock: ingest, pid $holder, since [0-9-]*T[0-9:]*Z" "$ERR"
check_eq "held: nothing on stdout" "$(cat "$TMPROOT/.out")" ""
check_eq "held: the inbox untouched" "$(ls "$INBOX" | tr '\n' ' ')" "$inbox_before"
# Under cron nothing else is said; on a terminal the wait is announced.
if command -v script > /dev/null 2>&1; then
	TZ=Asia/Seoul faketime '2026-07-01 23:50:00' script -qec \
		"'$MEMBERSHIP_BIN' -c '$WS/short.yaml' nightly" /dev/null > "$TMPROOT/.tty" 2>&1
	check_grep "held: on a terminal it says whom it waits for" \
		"waiting up to 1 s for the workspace lock, held by ingest, pid $holder" "$(cat "$TMPROOT/.tty")"
fi
printf 'ROLLBACK;\n.quit\n' >&8
exec 8>&-
wait "$outsider"
wait "$holder"
check_eq "held: the holder then completes" "$?" 0
rm -f "$TMPROOT/.ctl" "$TMPROOT/.busy"
check_eq "held: the nightly recorded no run" "$(sql "SELECT count(*) FROM runs WHERE job = 'nightly'")" 0
check_eq "held: no reports" "$(ls "$REPORTS")" ""
check_eq "held: the lock file is emptied by its holder" "$(wc -c < "$WS/ws/membership.lock")" 0
at '2026-07-01 23:55:00' nightly -q
check_rc "held: a later run closes the day" 0
check_eq "held: ... for that day" "$(days_of nightly)" "2026-07-01 "
check_eq "held: ... reports written" "$(ls "$REPORTS")" "2026-07-01"
check_eq "held: the inbox was taken in" "$(ls "$INBOX")" ""
invariants

# ============================================================================
# noon: a look at today, then the machine off at 23:50
# ============================================================================
# A report at noon is a look, not the close: the day's reports are written
# again by the next nightly's catch-up, with the day's purchases decided as
# of that day, as if nightly had run (a shop that never stopped).
ws_new noon
at '2026-09-01 09:00:00' init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
at '2026-09-01 23:50:00' nightly -q
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-09-02T08:00:00'
at '2026-09-02 09:05:00' ingest -q
at '2026-09-02 12:00:00' report -q
check_rc "noon: the look at noon" 0
purchases purchases-2.csv 'p2,ben,GOLD,1000,2026-09-02T13:00:00'
at '2026-09-02 14:05:00' ingest -q
at '2026-09-03 23:50:00' nightly
check_rc "noon: the next evening's nightly" 0
check_grep "noon: ... catches 09-02 up" "catching up 2026-09-02, which no nightly closed" "$ERR"
check_eq "noon: 09-02's reports hold both, decided on 09-02" \
	"$(cut -d, -f2,6,8 "$REPORTS/2026-09-02/customer-progress.csv" | tail -n +2 | tr '\n' ' ')" \
	"p1,ACTIVE,2026-09-02 p2,ACTIVE,2026-09-02 "
# A report after the day's last job is the day's reports (SPEC §5.1: the
# day has its reports/<date>/): not written again, even when nothing ran
# for the day after it — what it left pending is decided the next day.
purchases purchases-3.csv 'p3,cat,GOLD,1000,2026-09-04T08:00:00'
at '2026-09-04 09:05:00' ingest -q
at '2026-09-04 12:00:00' report -q
at '2026-09-05 23:50:00' nightly
check_rc "noon: a report after the day's last job" 0
check_eq "noon: ... is not caught up" "$(printf '%s\n' "$ERR" | grep -c 'catching up')" 0
check_grep "noon: ... p3 decided the next day" "^cat,p3,GOLD,Gold,1000,ACTIVE,[^,]*,2026-09-05," \
	"$(cat "$REPORTS/2026-09-05/customer-progress.csv")"
invariants

# ============================================================================
# ahead: a later day begun before any nightly completed
# ============================================================================
# nightly without --date cannot close today then, and there is nothing to
# catch up from: the message says how to write today's reports.
ws_new ahead
at '2026-11-02 09:00:00' init -q
at '2026-11-02 09:05:00' ingest -q --date 2026-11-03
at '2026-11-02 23:50:00' nightly
check_rc "ahead: nightly once a later day has begun" 64
check_grep "ahead: ... says how to write today's reports" \
	"today, 2026-11-02, can no longer be closed; write its reports with report --date 2026-11-02" "$ERR"

# ============================================================================
# stray: something that is not a folder where a day's reports go
# ============================================================================
# A file named like a missed day, or a link there, is not that day's
# reports: nightly and report stop with 73 naming it, and leave it.
ws_new stray
at '2026-10-01 09:00:00' init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
at '2026-10-01 23:50:00' nightly -q
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-10-02T08:00:00'
at '2026-10-02 09:05:00' ingest -q
echo 'not a report' > "$REPORTS/2026-10-02"
at '2026-10-03 23:50:00' nightly
check_rc "stray: nightly with a file where 10-02's reports go" 73
check_grep "stray: ... names it" "reports/2026-10-02: not a folder" "$ERR"
rm "$REPORTS/2026-10-02"
mkdir -p "$TMPROOT/elsewhere"
ln -s "$TMPROOT/elsewhere" "$REPORTS/2026-10-02"
at '2026-10-03 23:50:00' nightly
check_rc "stray: nightly with a link there" 73
check_grep "stray: ... names it" "reports/2026-10-02: a symbolic link, not a folder" "$ERR"
at '2026-10-03 23:55:00' report --date 2026-10-02
check_rc "stray: report --date of that day" 73
check_eq "stray: the link is left as it is" "$(readlink "$REPORTS/2026-10-02")" "$TMPROOT/elsewhere"
check_eq "stray: nothing written through it" "$(ls "$TMPROOT/elsewhere")" ""
rm "$REPORTS/2026-10-02"
at '2026-10-03 23:56:00' nightly
check_rc "stray: once it is moved away, the day is caught up" 0
check_eq "stray: ... decided on its day" \
	"$(cut -d, -f2,6,8 "$REPORTS/2026-10-02/customer-progress.csv" | tail -n +2)" "p1,ACTIVE,2026-10-02"
# The same under the day's own report step: the error names the step.
echo 'not a report' > "$REPORTS/2026-10-04"
at '2026-10-04 23:50:00' nightly
check_rc "stray: nightly whose report step meets a file" 73
check_grep "stray: ... its error names the step" \
	"^error: nightly 2026-10-04: report: .*reports/2026-10-04: not a folder" "$ERR"
rm "$REPORTS/2026-10-04"
invariants

finish
