#!/bin/sh
# t_migrate.sh — books written by an earlier schema version are migrated
# when opened, and say the same afterwards: tests/e2e/data/v1-demo.sql is
# the database `make demo` left under schema version 1 (PURCHASE_REQUESTED
# stored as event rows). Loading it is the one place a test sets the books
# up by SQL: this binary cannot write the old version. After the migration
# every report of the three demo dates is byte-identical to the reports of
# the same demo run by this binary from the inbox files, `progress` agrees,
# and the books go on: a new purchase lands after everything else.
. "$(dirname "$0")/lib.sh"

DEMO=$TOP/fixtures/demo
DATES="2026-01-05 2026-01-20 2027-01-12"
LINES="timezone: Asia/Seoul
currency:
  code: KRW
  minor_digits: 0
expire:
  notice_days: 30"

# The same demo, run by this binary from the fixture inbox files.
ws_new fresh "$LINES"
FRESH=$WS
mb init -q
i=1
for d in $DATES; do
	for f in "$DEMO/day$i"/*.csv; do drop "$(basename "$f")" < "$f"; done
	mb nightly -q --date "$d"
	i=$((i + 1))
done

# The old books, migrated on first open.
ws_new old "$LINES"
mkdir -p "$WS/ws"
sqlite3 -batch "$WS/ws/membership.db" < "$TOP/tests/e2e/data/v1-demo.sql"
check_eq "loaded as version 1" "$(sql 'PRAGMA user_version')" "1"
check_eq "version 1 stores PURCHASE_REQUESTED rows" \
	"$(sql "SELECT count(*) > 0 FROM events WHERE event = 'PURCHASE_REQUESTED'")" "1"
before=$(sql "SELECT request_id || ' ' || customer_id FROM memberships ORDER BY request_id")
for d in $DATES; do
	mb report --date "$d"
	check_rc "report $d on migrated books" 0
done
check_eq "migrated to version 3" "$(sql 'PRAGMA user_version')" "3"
check_eq "version 3: no index of memberships by expiry and customer" \
	"$(sql "SELECT count(*) FROM sqlite_schema WHERE name = 'memberships_expires'")" "0"
check_eq "no PURCHASE_REQUESTED rows left" \
	"$(sql "SELECT count(*) FROM events WHERE event = 'PURCHASE_REQUESTED'")" "0"
check_eq "memberships kept" \
	"$(sql "SELECT request_id || ' ' || customer_id FROM memberships ORDER BY request_id")" "$before"
check_eq "memberships and events share one id sequence" \
	"$(sql "SELECT count(*) FROM memberships m JOIN events e ON e.id = m.id")" "0"
invariants
for d in $DATES; do
	check_eq "reports of $d as this binary writes them" \
		"$(cd "$FRESH/ws/reports/$d" && find . -type f | LC_ALL=C sort | xargs cat | cksum)" \
		"$(cd "$WS/ws/reports/$d" && find . -type f | LC_ALL=C sort | xargs cat | cksum)"
	check_eq "the same files on $d" \
		"$(cd "$FRESH/ws/reports/$d" && find . -type f | LC_ALL=C sort)" \
		"$(cd "$WS/ws/reports/$d" && find . -type f | LC_ALL=C sort)"
done
for f in "$WS"/ws/reports/2027-01-12/customers/*.csv; do
	id=$(basename "$f" .csv)
	mb progress "$id" --date 2027-01-12
	check_eq "progress $id" "$OUT" "$(cat "$f")"
done

# The books go on from the migrated ids: a new purchase is the last event.
purchases p4.csv "r-new,kim,GOLD,130000,2027-01-13T10:00:00"
mb nightly -q --date 2027-01-13
check_rc "nightly after the migration" 0
mb progress kim --date 2027-01-13
check_eq "the new purchase comes last in the timeline" \
	"$(printf '%s\n' "$OUT" | tail -n 2 | cut -d, -f2,3)" "PURCHASE_REQUESTED,r-new
PAYMENT_APPROVED,r-new"
invariants

# --- version 2 → 3 on books of some size ---------------------------------------
# Books of version 2 are this version's plus memberships_expires. Dropping
# it is one statement that changes every page of the index (here padded to
# about 10 MB, as a big shop's is): the migration must go through whatever
# SQLite journals for that (a statement journal held in memory past 512 KiB
# once failed here with "database or disk is full").
ws_new big "timezone: Asia/Seoul"
mb init -q
products p.csv "add,GOLD,Gold,100,,"
awk 'BEGIN {
	print "request_id,customer_id,product_id,amount,requested_at"
	for (i = 0; i < 20000; i++)
		printf "b%05d,c%05d,GOLD,100,2027-01-10T%02d:%02d:%02d\n", i, i, int(i / 3600), int(i / 60) % 60, i % 60
}' | drop q.csv
mb nightly -q --date 2027-01-10
check_rc "big: nightly" 0
cp -R "$WS/ws/reports/2027-01-10" "$TMPROOT/big-reports"
sqlite3 -batch "$WS/ws/membership.db" "CREATE INDEX memberships_expires ON memberships
	(expires_on, customer_id, request_id, hex(zeroblob(250))) WHERE expires_on IS NOT NULL;
	PRAGMA user_version = 2;"
check_eq "big: loaded as version 2" "$(sql 'PRAGMA user_version')" "2"
mb report --date 2027-01-10
check_rc "big: report on version 2 books migrates them" 0
check_eq "big: migrated to version 3" "$(sql 'PRAGMA user_version')" "3"
check_eq "big: the same reports" \
	"$(cd "$TMPROOT/big-reports" && find . -type f | LC_ALL=C sort | xargs cat | cksum)" \
	"$(cd "$WS/ws/reports/2027-01-10" && find . -type f | LC_ALL=C sort | xargs cat | cksum)"
invariants
finish
