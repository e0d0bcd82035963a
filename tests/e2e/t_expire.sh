#!/bin/sh
# t_expire.sh — `membership expire` (SPEC §5): memberships at the end of
# their term, products past their last sale day and back on sale after an
# update, twice in a day, after missed days, dry run.
. "$(dirname "$0")/lib.sh"


# day DATE: ingest and payments for DATE, both must succeed.
day() {
	mb ingest --date "$1"
	check_rc "ingest $1" 0
	check_grep "ingest $1 rejects nothing" ", 0 rejected (" "$ERR"
	mb payments --date "$1"
	check_rc "payments $1" 0
}

# expire DATE SUMMARY
expire() {
	mb expire --date "$1"
	check_rc "expire $1" 0
	check_grep "expire $1: $2" "^expire $1: $2 (run " "$ERR"
}

status() {
	sql "SELECT status || ' ' || coalesce(date(expired_on * 86400, 'unixepoch'), '-')
	 FROM memberships WHERE request_id = '$1'"
}

product_status() {
	sql "SELECT status FROM products WHERE product_id = '$1'"
}

books() {
	sql "SELECT * FROM memberships ORDER BY id; SELECT * FROM events ORDER BY id;
	 SELECT * FROM products ORDER BY product_id;" | cksum
}

ws_new expire
mb init
products p.csv "add,GOLD,Gold,365000,," "add,SEASON,Season,1000,2026-06-30," \
	"add,GONE,Gone,500,2026-03-01,"
purchases q1.csv "e1,ann,GOLD,365000,2026-01-01T09:00:00" "e2,bob,GOLD,365000,2026-01-01T09:00:00" \
	"e3,cy,GOLD,365000,2026-01-01T09:00:00" "e4,ann,SEASON,1000,2026-01-01T09:00:00" \
	"e5,di,GONE,500,2026-01-01T09:00:00"
day 2026-01-01
purchases q2.csv "e6,ed,GOLD,365000,2026-01-02T09:00:00"
day 2026-01-02
products p2.csv "delete,GONE,,,,"
day 2026-01-03
cancels c.csv "x3,cy,e3,2026-02-01T09:00:00,"
day 2026-02-01

# --- products: sale_until is the last day on sale ---------------------------
expire 2026-06-30 "0 memberships expired, 0 products expired"
check_eq "on its last sale day" "$(product_status SEASON)" "ACTIVE"
check_eq "deleted stays deleted" "$(product_status GONE)" "DELETED"
# A purchase requested on the last day, arriving the day after, is still
# decided (it was bought while on sale).
purchases q3.csv "e7,fay,SEASON,1000,2026-06-30T22:00:00"
mb ingest --date 2026-07-01
check_rc "ingest late purchase" 0
expire 2026-07-01 "0 memberships expired, 1 products expired"
check_eq "past its last sale day" "$(product_status SEASON)" "EXPIRED"
check_eq "deleted still deleted" "$(product_status GONE)" "DELETED"
check_eq "product updated_on" "$(sql "SELECT date(updated_on * 86400, 'unixepoch') FROM products WHERE product_id = 'SEASON'")" "2026-07-01"
mb payments --date 2026-07-01
check_grep "late purchase approved" "^payments 2026-07-01: 1 approved, 0 declined," "$ERR"
expire 2026-07-01 "0 memberships expired, 0 products expired"
# An update moving sale_until to D or later puts it back on sale.
products p3.csv "update,SEASON,,,2026-12-31,"
day 2026-07-02
expire 2026-07-02 "0 memberships expired, 0 products expired"
check_eq "back on sale" "$(product_status SEASON)" "ACTIVE"
expire 2027-01-01 "4 memberships expired, 1 products expired"
check_eq "expired again" "$(product_status SEASON)" "EXPIRED"
products p4.csv "update,SEASON,,,none,"
mb ingest --date 2027-01-01
check_rc "ingest sale_until none" 0
expire 2027-01-01 "0 memberships expired, 0 products expired"
check_eq "no end: on sale" "$(product_status SEASON)" "ACTIVE"

# --- memberships: expires_on <= D ---------------------------------------------
check_eq "expired at expires_on" "$(status e1)" "EXPIRED 2027-01-01"
check_eq "expired (other customer)" "$(status e2)" "EXPIRED 2027-01-01"
check_eq "cancelled is not expired" "$(status e3)" "CANCELLED -"
check_eq "expired (other product)" "$(status e4)" "EXPIRED 2027-01-01"
check_eq "deleted product's membership expires too" "$(status e5)" "EXPIRED 2027-01-01"
check_eq "one day to go" "$(status e6)" "ACTIVE -"
check_eq "late purchase runs its term" "$(status e7)" "ACTIVE -"
check_eq "expiry event" "$(sql "SELECT date(business_date * 86400, 'unixepoch') || ' ' || customer_id || ' ' || product_id || ' ' || amount || ' ' || status || ' ' || coalesce(detail, '-') FROM events WHERE event = 'MEMBERSHIP_EXPIRED' AND request_id = 'e1'")" \
	"2027-01-01 ann GOLD 365000 EXPIRED -"
check_eq "expiry events carry the membership" \
	"$(sql "SELECT count(*) FROM events e JOIN memberships m ON m.id = e.membership_id WHERE e.event = 'MEMBERSHIP_EXPIRED' AND e.request_id = m.request_id")" "4"

# --- twice in a day ------------------------------------------------------------
before=$(books)
expire 2027-01-01 "0 memberships expired, 0 products expired"
check_eq "second run changes nothing" "$(books)" "$before"

# --- dry run, then missed days: dated on expires_on, not on the run's date --
before=$(books)
mb expire --date 2027-01-05 --dry-run
check_rc "dry run" 0
check_grep "dry run summary" "^expire 2027-01-05: 1 memberships expired, 0 products expired (dry run" "$ERR"
check_eq "dry run changes nothing" "$(books)" "$before"
expire 2027-01-05 "1 memberships expired, 0 products expired"
check_eq "caught up, dated on its expires_on (SPEC §5.1)" "$(status e6)" "EXPIRED 2027-01-02"

# --- after expiry a purchase starts a new term; a renewal runs on ----------
purchases q5.csv "e8,bob,GOLD,365000,2027-01-06T09:00:00" "e9,ed,GOLD,365000,2027-01-06T09:00:00"
day 2027-01-06
check_eq "new term after expiry" "$(sql "SELECT date(valid_from * 86400, 'unixepoch') || ' ' || date(expires_on * 86400, 'unixepoch') FROM memberships WHERE request_id = 'e8'")" \
	"2027-01-06 2028-01-06"
expire 2027-01-06 "0 memberships expired, 0 products expired"
invariants

# --- a renewal is not expired with the membership it extends ----------------
ws_new renewal
mb init
products p.csv "add,GOLD,Gold,365000,,"
purchases q1.csv "r1,ann,GOLD,365000,2026-01-01T09:00:00"
day 2026-01-01
purchases q2.csv "r2,ann,GOLD,365000,2026-12-15T09:00:00"
day 2026-12-15
expire 2027-01-01 "1 memberships expired, 0 products expired"
check_eq "the first term ended" "$(status r1)" "EXPIRED 2027-01-01"
check_eq "the renewal runs" "$(status r2)" "ACTIVE -"
expire 2028-01-01 "1 memberships expired, 0 products expired"
check_eq "the renewal ended" "$(status r2)" "EXPIRED 2028-01-01"
invariants

# --- a report of a day whose expire has not run yet (SPEC §5.1) --------------
# reads as it will once expire has run: the same files, byte for byte, the
# expiry events (updated_on, the customer's file, the summary) included;
# the books are left as they were.
ws_new owed
mb init
products p.csv "add,GOLD,Gold,365000,,"
purchases q1.csv "o1,ann,GOLD,365000,2026-01-01T09:00:00" "o2,bob,GOLD,365000,2026-01-01T10:00:00"
day 2026-01-01
purchases q2.csv "o3,bob,GOLD,365000,2027-01-01T08:00:00"
day 2027-01-01
before=$(books)
mb report --date 2027-01-01
check_rc "owed: report before expire" 0
check_grep "owed: says what it read as expired" "2 membership(s) ended by 2027-01-01 and not yet expired" "$ERR"
check_eq "owed: the books are untouched" "$(books)" "$before"
check_eq "owed: still marked active" "$(status o1)" "ACTIVE -"
cp -r "$REPORTS/2027-01-01" "$TMPROOT/owed-before"
check_grep "owed: ann's file has the expiry" "^2027-01-01,MEMBERSHIP_EXPIRED,o1," "$(cat "$TMPROOT/owed-before/customers/ann.csv")"
expire 2027-01-01 "2 memberships expired, 0 products expired"
mb report --date 2027-01-01
check_rc "owed: report after expire" 0
if diff -r "$TMPROOT/owed-before" "$REPORTS/2027-01-01" > "$TMPROOT/owed.diff"; then
	ok "owed: the report before expire equals the one after (diff -r)"
else
	not_ok "owed: the report before expire equals the one after (diff -r)"
	head -n 10 "$TMPROOT/owed.diff" | sed 's/^/  /'
fi
invariants

finish
