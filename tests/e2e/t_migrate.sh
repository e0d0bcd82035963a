#!/bin/sh
# t_migrate.sh — books written by an earlier schema version are migrated
# when opened, and say the same afterwards: tests/e2e/data/v1-demo.sql is
# the database `make demo` left under schema version 1 (PURCHASE_REQUESTED
# stored as event rows). Loading it is the one place a test sets the books
# up by SQL: this binary cannot write the old version. After the migration
# every report of the three demo dates is byte-identical to the reports of
# the same demo run by this binary from the inbox files, `progress` agrees,
# and the books go on: a new purchase lands after everything else.
# First of all, a fresh database (made from lib/schema.sql at once) and
# books made by tests/e2e/data/schema_1.sql and migrated have the same
# `sqlite3 .schema`, byte for byte.
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
check_rc "fresh: init makes the books from lib/schema.sql" 0
i=1
for d in $DATES; do
	for f in "$DEMO/day$i"/*.csv; do drop "$(basename "$f")" < "$f"; done
	mb nightly -q --date "$d"
	i=$((i + 1))
done

# --- a fresh database and migrated books have one schema -----------------------
# lib/schema.sql makes a fresh database at the current version at once;
# books of version 1 (tests/e2e/data/schema_1.sql, as the first version made
# them) reach the same schema through every migration. `sqlite3 .schema` is
# compared as it is: the same statements, the same text, in the same order.
# A migration without the same change in schema.sql (or the other way
# round) fails here.
sqlite3 -batch "$FRESH/ws/membership.db" .schema > "$TMPROOT/fresh.schema"
VERSION=$(sqlite3 -batch "$FRESH/ws/membership.db" 'PRAGMA user_version')
check_eq "fresh: made at the current version (the one place it is named here)" "$VERSION" 8
check_grep "fresh: the schema is there" "CREATE TABLE runs" "$(cat "$TMPROOT/fresh.schema")"
ws_new v1 "$LINES"
mkdir -p "$WS/ws"
{ cat "$TOP/tests/e2e/data/schema_1.sql"; echo "PRAGMA user_version = 1;"; } |
	sqlite3 -batch "$WS/ws/membership.db"
check_eq "v1: books of version 1" "$(sql 'PRAGMA user_version')" "1"
mb init -q
check_rc "v1: init migrates them" 0
check_eq "v1: migrated to the version of a fresh database" "$(sql 'PRAGMA user_version')" "$VERSION"
sqlite3 -batch "$WS/ws/membership.db" .schema > "$TMPROOT/v1.schema"
check_file "v1: migrated, the same .schema as a fresh database" "$TMPROOT/v1.schema" \
	"$TMPROOT/fresh.schema"

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
check_eq "migrated to the current version" "$(sql 'PRAGMA user_version')" "$VERSION"
# The dump these books come from creates every index after the data, so
# only the order of the statements differs from a fresh database.
check_eq "migrated: the same schema objects, word for word, as a fresh database" \
	"$(sql "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")" \
	"$(sqlite3 -batch "$FRESH/ws/membership.db" "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")"
check_eq "version 3: no index of memberships by expiry and customer" \
	"$(sql "SELECT count(*) FROM sqlite_schema WHERE name = 'memberships_expires'")" "0"
check_eq "version 4: no decision rows left in events" \
	"$(sql "SELECT count(*) FROM events WHERE event IN ('PAYMENT_APPROVED', 'PAYMENT_DECLINED')")" "0"
check_eq "version 4: every decision read from its membership" \
	"$(sql "SELECT count(*) FROM memberships WHERE decided_on IS NOT NULL AND payment != 'VOIDED' AND decided_id IS NULL")" "0"
for r in 2026-01-05:0001 2026-01-05:0005; do
	mb progress "$(sql "SELECT customer_id FROM memberships WHERE request_id = '$r'")" --date 2026-01-05
	printf '%s\n' "$OUT" | awk -F, -v r="$r" '$3 == r && $2 ~ /^PAYMENT_/ { print $2, $3, $6, ($7 == "" ? "-" : $7) }'
done > "$TMPROOT/decisions"
check_eq "version 4: progress shows the decisions read from the memberships" \
	"$(cat "$TMPROOT/decisions")" "PAYMENT_APPROVED 2026-01-05:0001 ACTIVE -
PAYMENT_DECLINED 2026-01-05:0005 DECLINED SOLD_OUT"
check_eq "no PURCHASE_REQUESTED rows left" \
	"$(sql "SELECT count(*) FROM events WHERE event = 'PURCHASE_REQUESTED'")" "0"
check_eq "memberships kept" \
	"$(sql "SELECT request_id || ' ' || customer_id FROM memberships ORDER BY request_id")" "$before"
check_eq "memberships and events share one id sequence" \
	"$(sql "SELECT count(*) FROM memberships m JOIN events e ON e.id = m.id")" "0"
# Version 5: the product reference is checked at COMMIT, and still checked.
check_grep "version 5: the product reference is deferred" \
	"REFERENCES products (product_id) DEFERRABLE INITIALLY DEFERRED" \
	"$(sql "SELECT sql FROM sqlite_schema WHERE name = 'memberships'")"
check_eq "version 6: the indexes of memberships" \
	"$(sql "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'memberships' ORDER BY name)")" \
	"memberships_customer memberships_decided memberships_expiry memberships_pending memberships_product sqlite_autoindex_memberships_1"
check_eq "version 6: every decided membership is indexed by customer" \
	"$(sql "SELECT count(*) FROM memberships INDEXED BY memberships_customer WHERE payment != 'PENDING' AND customer_id >= ''")" \
	"$(sql "SELECT count(*) FROM memberships NOT INDEXED WHERE payment != 'PENDING'")"
check_eq "version 6: ... and some are" \
	"$(sql "SELECT count(*) > 0 FROM memberships WHERE payment != 'PENDING'")" "1"
check_grep "version 8: a product's ledger keyed by id after the date" \
	"ON memberships (product_id, approved_on, id, payment, amount, cancelled_on, refund_amount)" \
	"$(sql "SELECT sql FROM sqlite_schema WHERE name = 'memberships_product'")"
check_eq "version 8: every approved membership is in a product's ledger" \
	"$(sql "SELECT count(*) FROM memberships INDEXED BY memberships_product WHERE approved_on IS NOT NULL AND product_id >= ''")" \
	"$(sql "SELECT count(*) FROM memberships NOT INDEXED WHERE approved_on IS NOT NULL")"
bad=$(sqlite3 -batch "$WS/ws/membership.db" "PRAGMA foreign_keys = ON; BEGIN;
	INSERT INTO memberships (request_id, customer_id, product_id, amount, requested_at,
	requested_on, status, payment) VALUES ('orphan', 'c', 'NO-SUCH-PRODUCT', 1, 0, 0,
	'PENDING_PAYMENT', 'PENDING');
	COMMIT;" 2>&1)
check_grep "version 5: a membership of no product fails at COMMIT" "FOREIGN KEY constraint failed" "$bad"
check_eq "version 5: ... and is not kept" \
	"$(sql "SELECT count(*) FROM memberships WHERE request_id = 'orphan'")" "0"
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

# --- a migration that would leave a broken reference changes nothing ----------
# Migrations run with foreign keys off (schema_5.sql builds a table anew);
# db_migrate checks every reference before it commits.
ws_new broken "$LINES"
mkdir -p "$WS/ws"
sqlite3 -batch "$WS/ws/membership.db" < "$TOP/tests/e2e/data/v1-demo.sql"
sqlite3 -batch "$WS/ws/membership.db" "INSERT INTO memberships (id, request_id, customer_id,
	product_id, amount, requested_at, requested_on, status, payment) VALUES (999999,
	'ghost', 'c', 'NO-SUCH-PRODUCT', 1, 0, 0, 'PENDING_PAYMENT', 'PENDING')"
mb report --date 2026-01-05
check_rc "broken: the migration fails" 70
check_grep "broken: it says why" "broken reference" "$ERR"
check_eq "broken: the books stay at version 1" "$(sql 'PRAGMA user_version')" "1"
check_eq "broken: their events untouched" \
	"$(sql "SELECT count(*) > 0 FROM events WHERE event = 'PURCHASE_REQUESTED'")" "1"
check_eq "broken: no report written" "$(ls "$WS/ws/reports" 2>/dev/null)" ""

# Books of this version back in the shape of version 3 (decisions stored as
# event rows, no decided_id), for the migrations after it.
to_v3() {
	sqlite3 -batch "$WS/ws/membership.db" "
	INSERT INTO events (id, business_date, customer_id, event, request_id, membership_id,
	                    product_id, amount, status, detail)
		SELECT decided_id, decided_on, customer_id,
		       CASE WHEN approved_on IS NOT NULL THEN 'PAYMENT_APPROVED' ELSE 'PAYMENT_DECLINED' END,
		       request_id, id, product_id, amount,
		       CASE WHEN approved_on IS NOT NULL THEN 'ACTIVE' ELSE 'DECLINED' END,
		       CASE WHEN approved_on IS NULL THEN decline_reason END
		FROM memberships WHERE decided_id IS NOT NULL;
	DROP VIEW timeline;
	DROP INDEX memberships_decided;
	ALTER TABLE memberships DROP COLUMN decided_id;
	CREATE VIEW timeline AS
		SELECT id, requested_on AS business_date, customer_id, 'PURCHASE_REQUESTED' AS event,
		       request_id, id AS membership_id, product_id, amount, 'PENDING_PAYMENT' AS status,
		       NULL AS detail FROM memberships
		UNION ALL
		SELECT id, business_date, customer_id, event, request_id, membership_id, product_id,
		       amount, status, detail FROM events;
	PRAGMA user_version = 3;"
}

# --- version 3 → 4: a decision event that says something else stays --------------
# Payments on two days (a late decision, and declines), then the books as
# version 3 wrote them, with one decision event changed by hand: that one is
# not what its membership row derives, so it stays a stored event (and is
# shown as stored); every other one goes, and the reports are the same.
ws_new v3 "timezone: Asia/Seoul"
mb init -q
products p.csv "add,GOLD,Gold,100,,
add,LTD,Limited,50,,1"
purchases a.csv "d1,ann,GOLD,100,2027-01-10T09:00:00
d2,bob,LTD,50,2027-01-10T09:00:00
d3,cy,LTD,50,2027-01-10T10:00:00"
mb ingest -q --date 2027-01-10
purchases b.csv "d4,ann,GOLD,100,2027-01-10T08:00:00"
mb nightly -q --date 2027-01-11
check_rc "v3: nightly" 0
cp -R "$WS/ws/reports/2027-01-11" "$TMPROOT/v3-reports"
to_v3
sqlite3 -batch "$WS/ws/membership.db" "UPDATE events SET detail = 'BY HAND' WHERE event = 'PAYMENT_APPROVED' AND request_id = 'd4'"
check_eq "v3: loaded as version 3" "$(sql 'PRAGMA user_version')" "3"
check_eq "v3: decisions stored as events" \
	"$(sql "SELECT count(*) FROM events WHERE event IN ('PAYMENT_APPROVED', 'PAYMENT_DECLINED')")" "4"
mb progress ann --date 2027-01-11
check_rc "v3: progress only reads: older books wait for a writing job (75)" 75
check_eq "v3: progress left them as they were" "$(sql 'PRAGMA user_version')" "3"
mb init -q
check_rc "v3: init migrates the books" 0
mb progress ann --date 2027-01-11
check_rc "v3: progress reads the migrated books" 0
check_eq "v3: migrated to the current version" "$(sql 'PRAGMA user_version')" "$VERSION"
check_eq "v3: the changed event stays, the others go" \
	"$(sql "SELECT request_id || ' ' || coalesce(detail, '-') FROM events WHERE event IN ('PAYMENT_APPROVED', 'PAYMENT_DECLINED')")" "d4 BY HAND"
check_eq "v3: its membership derives none" \
	"$(sql "SELECT request_id || ' ' || coalesce(decided_id, '-') FROM memberships WHERE request_id = 'd4'")" "d4 -"
check_eq "v3: the timeline as stored, in order" "$OUT" "date,event,request_id,product_id,amount,status,detail
2027-01-10,PURCHASE_REQUESTED,d1,GOLD,100,PENDING_PAYMENT,
2027-01-11,PURCHASE_REQUESTED,d4,GOLD,100,PENDING_PAYMENT,
2027-01-11,PAYMENT_APPROVED,d4,GOLD,100,ACTIVE,BY HAND
2027-01-11,PAYMENT_DECLINED,d1,GOLD,100,DECLINED,ALREADY_ACTIVE"
sqlite3 -batch "$WS/ws/membership.db" "UPDATE events SET detail = NULL WHERE event = 'PAYMENT_APPROVED' AND request_id = 'd4'"
mb report --date 2027-01-11
check_rc "v3: report" 0
check_eq "v3: the same reports" \
	"$(cd "$TMPROOT/v3-reports" && find . -type f | LC_ALL=C sort | xargs cat | cksum)" \
	"$(cd "$WS/ws/reports/2027-01-11" && find . -type f | LC_ALL=C sort | xargs cat | cksum)"
invariants

# --- version 2 → 4 on books of some size ---------------------------------------
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
to_v3
sqlite3 -batch "$WS/ws/membership.db" "CREATE INDEX memberships_expires ON memberships
	(expires_on, customer_id, request_id, hex(zeroblob(250))) WHERE expires_on IS NOT NULL;
	PRAGMA user_version = 2;"
check_eq "big: loaded as version 2" "$(sql 'PRAGMA user_version')" "2"
mb report --date 2027-01-10
check_rc "big: report on version 2 books migrates them" 0
check_eq "big: migrated to the current version" "$(sql 'PRAGMA user_version')" "$VERSION"
check_eq "big: the same reports" \
	"$(cd "$TMPROOT/big-reports" && find . -type f | LC_ALL=C sort | xargs cat | cksum)" \
	"$(cd "$WS/ws/reports/2027-01-10" && find . -type f | LC_ALL=C sort | xargs cat | cksum)"
invariants
finish
