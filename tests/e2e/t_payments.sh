#!/bin/sh
# t_payments.sh — `membership payments` (SPEC §5) through the inbox: every
# decline reason at its boundary, decision order, renewal chaining, the
# worked refunds, refunds.after none, minor_digits 2, voids, cancels that
# cannot be carried out, deleted products, idempotent reruns and dry runs.
. "$(dirname "$0")/lib.sh"


# ingest DATE: ingest must accept every row.
ingest() {
	mb ingest --date "$1"
	check_rc "ingest $1" 0
	check_grep "ingest $1 rejects nothing" ", 0 rejected (" "$ERR"
}

# pay DATE SUMMARY: payments for DATE must end 0 with this summary.
pay() {
	mb payments --date "$1"
	check_rc "payments $1" 0
	check_grep "payments $1: $2" "^payments $1: $2 (run " "$ERR"
}

# m REQUEST: "status payment reason valid_from expires_on refund" of a purchase.
m() {
	sql "SELECT status || ' ' || payment || ' ' || coalesce(decline_reason, '-') || ' '
	 || coalesce(date(valid_from * 86400, 'unixepoch'), '-') || ' '
	 || coalesce(date(expires_on * 86400, 'unixepoch'), '-') || ' '
	 || coalesce(refund_amount, '-') FROM memberships WHERE request_id = '$1'"
}

# ev_rows REQUEST: the lines of a request in its customer's timeline as
# `progress` prints it, as of the last business date a job ran.
ev_rows() {
	_c=$(sql "SELECT customer_id FROM memberships WHERE request_id = '$1'
		UNION SELECT customer_id FROM events WHERE request_id = '$1' LIMIT 1")
	mb progress "$_c" --date "$(sql "SELECT date(max(business_date) * 86400, 'unixepoch') FROM runs")"
	[ "$RC" = 0 ] || echo "progress $_c: exit $RC"
	printf '%s\n' "$OUT" | awk -F, -v r="$1" '$3 == r'
}

# ev REQUEST: "date event status detail" a line, from ev_rows.
ev() {
	ev_rows "$1" | awk -F, '{ print $1, $2, ($6 == "" ? "-" : $6), ($7 == "" ? "-" : $7) }'
}

sold() {
	sql "SELECT sold_count FROM products WHERE product_id = '$1'"
}

cancel_state() {
	sql "SELECT state || ' ' || coalesce(date(decided_on * 86400, 'unixepoch'), '-')
	 FROM cancels WHERE request_id = '$1'"
}

# books: a digest of everything payments may touch.
books() {
	sql "SELECT * FROM memberships ORDER BY id; SELECT * FROM cancels ORDER BY id;
	 SELECT * FROM events ORDER BY id; SELECT * FROM products ORDER BY product_id;" |
		cksum
}

# --- every decline reason at its boundary; order of decisions --------------
ws_new declines "payments:" "  max_amount: 1000" "  max_purchases_per_customer_per_day: 2" \
	"  blocked_customers: [eve]"
mb init
products p.csv "add,CHEAP,At the limit,1000,," "add,DEAR,Over the limit,1001,," \
	"add,V1,Velocity 1,100,," "add,V2,Velocity 2,100,," "add,V3,Velocity 3,100,," \
	"add,LTD,Limited,100,,2"
# The file is not in time order: payments decides by (requested_at, request_id).
purchases q.csv \
	"a1,eve,CHEAP,1000,2026-01-01T09:00:00" \
	"a2,amy,CHEAP,1000,2026-01-01T09:01:00" \
	"a3,ann,DEAR,1001,2026-01-01T09:02:00" \
	"v1,vic,V1,100,2026-01-01T10:00:00" \
	"v2,vic,V2,100,2026-01-01T10:01:00" \
	"v3,vic,V3,100,2026-01-01T10:02:00" \
	"s3,sue,LTD,100,2026-01-01T12:00:00" \
	"s2,sam,LTD,100,2026-01-01T11:00:00" \
	"s1,sid,LTD,100,2026-01-01T11:00:00"
ingest 2026-01-01
pay 2026-01-01 "5 approved, 4 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "blocked customer" "$(m a1)" "DECLINED DECLINED BLOCKED_CUSTOMER - - -"
check_eq "amount at max_amount approved" "$(m a2)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "amount over max_amount" "$(m a3)" "DECLINED DECLINED AMOUNT_LIMIT - - -"
check_eq "velocity 1" "$(m v1)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "velocity 2 (at the limit)" "$(m v2)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "velocity 3 (over the limit)" "$(m v3)" "DECLINED DECLINED VELOCITY_LIMIT - - -"
check_eq "sold out: s1 first (same time, request id)" "$(m s1)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "sold out: s2 second" "$(m s2)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "sold out: s3 over max_sales" "$(m s3)" "DECLINED DECLINED SOLD_OUT - - -"
check_eq "LTD sold_count" "$(sold LTD)" "2"
check_eq "declined event" "$(ev a3)" "2026-01-01 PURCHASE_REQUESTED PENDING_PAYMENT -
2026-01-01 PAYMENT_DECLINED DECLINED AMOUNT_LIMIT"
check_eq "approved event" "$(ev a2)" "2026-01-01 PURCHASE_REQUESTED PENDING_PAYMENT -
2026-01-01 PAYMENT_APPROVED ACTIVE -"
check_eq "the approval shows the product and amount" \
	"$(ev_rows a2 | awk -F, '$2 == "PAYMENT_APPROVED" { print $4, $5 }')" "CHEAP 1000"
check_eq "run counts" "$(sql "SELECT rows_read || ' ' || accepted || ' ' || rejected FROM runs WHERE job = 'payments'")" "9 5 4"
before=$(books)
pay 2026-01-01 "0 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "rerun changes nothing" "$(books)" "$before"
invariants

# The velocity limit counts approvals on the business date only. Purchases
# are decided before refunds: s4 meets LTD still sold out, s5 a day later not.
purchases q2.csv "v4,vic,V3,100,2026-01-02T09:00:00" "s4,sol,LTD,100,2026-01-02T11:00:00"
cancels c2.csv "x1,sid,s1,2026-01-02T10:00:00,changed my mind"
ingest 2026-01-02
pay 2026-01-02 "1 approved, 1 declined, 0 voided, 1 refunded, 0 cancels rejected"
check_eq "velocity resets the next day" "$(m v4)" "ACTIVE APPROVED - 2026-01-02 2027-01-02 -"
check_eq "refund comes after purchases" "$(m s4)" "DECLINED DECLINED SOLD_OUT - - -"
check_eq "s1 refunded in full (within 7 days)" "$(m s1)" "CANCELLED REFUNDED - 2026-01-01 2027-01-01 100"
check_eq "LTD sold_count after refund" "$(sold LTD)" "1"
purchases q3.csv "s5,sol,LTD,100,2026-01-03T09:00:00"
ingest 2026-01-03
pay 2026-01-03 "1 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "a refund frees a sale" "$(m s5)" "ACTIVE APPROVED - 2026-01-03 2027-01-03 -"
invariants

# --- renewals: ALREADY_ACTIVE at the window's edge, chaining ----------------
ws_new renewals
mb init
products p.csv "add,GOLD,Gold,365000,,"
purchases q1.csv "r1,alice,GOLD,365000,2026-01-01T09:00:00"
ingest 2026-01-01
pay 2026-01-01 "1 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
# 2027-01-01 is 31 days after 2026-12-01: outside renewal_window_days (30).
purchases q2.csv "r2,alice,GOLD,365000,2026-12-01T09:00:00"
ingest 2026-12-01
pay 2026-12-01 "0 approved, 1 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "31 days before expiry: already active" "$(m r2)" "DECLINED DECLINED ALREADY_ACTIVE - - -"
# 30 days: a renewal from the current expiry; a second one the same day is
# held against the renewal's expiry; another customer is independent.
purchases q3.csv "r3,alice,GOLD,365000,2026-12-02T09:00:00" \
	"r4,alice,GOLD,365000,2026-12-02T10:00:00" "r5,bob,GOLD,365000,2026-12-02T11:00:00"
ingest 2026-12-02
pay 2026-12-02 "2 approved, 1 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "30 days before expiry: renewal" "$(m r3)" "ACTIVE APPROVED - 2027-01-01 2028-01-01 -"
check_eq "renewal held: already active" "$(m r4)" "DECLINED DECLINED ALREADY_ACTIVE - - -"
check_eq "other customer" "$(m r5)" "ACTIVE APPROVED - 2026-12-02 2027-12-02 -"
# Chaining: the latest expiry among approved, uncancelled memberships.
purchases q4.csv "r6,alice,GOLD,365000,2027-12-02T09:00:00"
ingest 2027-12-02
pay 2027-12-02 "1 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "renewal of the renewal" "$(m r6)" "ACTIVE APPROVED - 2028-01-01 2029-01-01 -"
# A renewal not yet started is refunded in full.
cancels c5.csv "x6,alice,r6,2027-12-20T09:00:00,"
ingest 2027-12-20
pay 2027-12-20 "0 approved, 0 declined, 0 voided, 1 refunded, 0 cancels rejected"
check_eq "renewal not started: full refund" "$(m r6)" "CANCELLED REFUNDED - 2028-01-01 2029-01-01 365000"
check_eq "cancel state" "$(cancel_state x6)" "REFUNDED 2027-12-20"
# A cancelled renewal no longer holds: buying again renews from r3's expiry.
purchases q6.csv "r7,alice,GOLD,365000,2027-12-21T09:00:00"
ingest 2027-12-21
pay 2027-12-21 "1 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "renew again after cancelled renewal" "$(m r7)" "ACTIVE APPROVED - 2028-01-01 2029-01-01 -"
# The term's end is clamped to the month: 2028-02-29 + 12 months.
purchases q7.csv "r8,carol,GOLD,365000,2028-02-29T09:00:00"
ingest 2028-02-29
pay 2028-02-29 "1 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "leap day term" "$(m r8)" "ACTIVE APPROVED - 2028-02-29 2029-02-28 -"
check_eq "GOLD sold_count" "$(sold GOLD)" "5"
invariants

# --- refunds: full inside full_refund_days, the worked prorated refund ------
ws_new refunds
mb init
products p.csv "add,GOLD,Gold,365000,,"
purchases q.csv "w1,will,GOLD,365000,2026-01-01T09:00:00" \
	"f1,fay,GOLD,365000,2026-01-01T09:00:00" "f2,fred,GOLD,365000,2026-01-01T09:00:00" \
	"l1,lou,GOLD,365000,2026-01-01T09:00:00" "e1,eve,GOLD,365000,2026-01-01T09:00:00"
ingest 2026-01-01
pay 2026-01-01 "5 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
# C = 2026-01-07 < valid_from + 7: full; C = 2026-01-08: prorated 358/365.
cancels c1.csv "xf1,fay,f1,2026-01-07T23:59:59," "xf2,fred,f2,2026-01-08T00:00:00,"
ingest 2026-01-08
pay 2026-01-08 "0 approved, 0 declined, 0 voided, 2 refunded, 0 cancels rejected"
check_eq "day 6: full refund" "$(m f1)" "CANCELLED REFUNDED - 2026-01-01 2027-01-01 365000"
check_eq "day 7: prorated" "$(m f2)" "CANCELLED REFUNDED - 2026-01-01 2027-01-01 358000"
# The worked example: 365 000 cancelled on day 100 of a 365-day term.
cancels c2.csv "xw1,will,w1,2026-04-11T09:00:00,moving abroad"
ingest 2026-04-11
pay 2026-04-11 "0 approved, 0 declined, 0 voided, 1 refunded, 0 cancels rejected"
check_eq "worked refund" "$(m w1)" "CANCELLED REFUNDED - 2026-01-01 2027-01-01 265000"
check_eq "refund events" "$(ev w1)" "2026-01-01 PURCHASE_REQUESTED PENDING_PAYMENT -
2026-01-01 PAYMENT_APPROVED ACTIVE -
2026-04-11 PAYMENT_REFUNDED CANCELLED 265000"
check_eq "cancel decided" "$(cancel_state xw1)" "REFUNDED 2026-04-11"
check_eq "cancelled_on" "$(sql "SELECT date(cancelled_on * 86400, 'unixepoch') FROM memberships WHERE request_id = 'w1'")" "2026-04-11"
check_eq "refunds lower sold_count" "$(sold GOLD)" "2"
before=$(books)
pay 2026-04-11 "0 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "rerun refunds nothing" "$(books)" "$before"
# Requested on the last day, decided the day after the term ended: one day.
cancels c3.csv "xl1,lou,l1,2026-12-31T23:00:00,"
ingest 2027-01-01
pay 2027-01-01 "0 approved, 0 declined, 0 voided, 1 refunded, 0 cancels rejected"
check_eq "last-day cancel" "$(m l1)" "CANCELLED REFUNDED - 2026-01-01 2027-01-01 1000"
# Cancel of an expired membership: rejected, nothing changes.
cancels c4.csv "xe1,eve,e1,2027-01-01T09:00:00,"
mb ingest --date 2027-01-01
check_rc "ingest of a cancel of an expired membership" 0
pay 2027-01-01 "0 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "expired membership not cancelled" "$(m e1)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "CANCEL_REJECTED" "$(ev xe1)" "2027-01-01 CANCEL_REJECTED - NOT_CANCELLABLE"
check_eq "sold_count unchanged" "$(sold GOLD)" "1"
invariants

# --- refunds.after none ------------------------------------------------------
ws_new none "refunds:" "  after: none"
mb init
products p.csv "add,GOLD,Gold,365000,,"
purchases q.csv "n1,nia,GOLD,365000,2026-01-01T09:00:00" "n2,ned,GOLD,365000,2026-01-01T09:00:00"
ingest 2026-01-01
pay 2026-01-01 "2 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
cancels c.csv "x1,nia,n1,2026-01-07T09:00:00," "x2,ned,n2,2026-01-08T09:00:00,"
ingest 2026-01-08
pay 2026-01-08 "0 approved, 0 declined, 0 voided, 2 refunded, 0 cancels rejected"
check_eq "none: full inside full_refund_days" "$(m n1)" "CANCELLED REFUNDED - 2026-01-01 2027-01-01 365000"
check_eq "none: nothing after" "$(m n2)" "CANCELLED REFUNDED - 2026-01-01 2027-01-01 0"
check_eq "none: event detail 0" "$(ev n2 | tail -n 1)" "2026-01-08 PAYMENT_REFUNDED CANCELLED 0"
check_eq "none: sold_count" "$(sold GOLD)" "0"
invariants

# --- minor_digits 2 ----------------------------------------------------------
ws_new cents "currency:" "  code: USD" "  minor_digits: 2" "payments:" "  max_amount: 120"
mb init
products p.csv "add,GOLD,Gold,120.00,," "add,PLUS,Plus,120.01,,"
purchases q.csv "c1,cat,GOLD,120.00,2026-01-01T09:00:00" "c2,cal,PLUS,120.01,2026-01-01T09:00:00"
ingest 2026-01-01
pay 2026-01-01 "1 approved, 1 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "cents: at max_amount" "$(m c1)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "cents: one cent over" "$(m c2)" "DECLINED DECLINED AMOUNT_LIMIT - - -"
cancels c.csv "x1,cat,c1,2026-04-11T09:00:00,"
ingest 2026-04-11
pay 2026-04-11 "0 approved, 0 declined, 0 voided, 1 refunded, 0 cancels rejected"
# floor(12000 * 265 / 365) = 8712 minor units.
check_eq "cents: refund in minor units" "$(m c1)" "CANCELLED REFUNDED - 2026-01-01 2027-01-01 8712"
check_eq "cents: refund detail" "$(ev c1 | tail -n 1)" "2026-04-11 PAYMENT_REFUNDED CANCELLED 87.12"
invariants

# --- void: a cancel before approval; dry run ---------------------------------
ws_new void
mb init
products p.csv "add,ONE,Only one,5000,,1"
purchases q.csv "p1,pia,ONE,5000,2026-01-01T09:00:00" "p2,pat,ONE,5000,2026-01-01T10:00:00"
cancels c.csv "x1,pia,p1,2026-01-01T09:30:00,"
ingest 2026-01-01
before=$(books)
mb payments --date 2026-01-01 --dry-run
check_rc "dry run" 0
check_grep "dry run summary" "^payments 2026-01-01: 1 approved, 0 declined, 1 voided, 0 refunded, 0 cancels rejected (dry run" "$ERR"
check_eq "dry run changes nothing" "$(books)" "$before"
# Step 1 voids p1 before step 2 decides: the only sale goes to p2.
pay 2026-01-01 "1 approved, 0 declined, 1 voided, 0 refunded, 0 cancels rejected"
check_eq "voided" "$(m p1)" "CANCELLED VOIDED - - - -"
check_eq "void events" "$(ev p1)" "2026-01-01 PURCHASE_REQUESTED PENDING_PAYMENT -
2026-01-01 PAYMENT_VOIDED CANCELLED -"
check_eq "void cancel state" "$(cancel_state x1)" "VOIDED 2026-01-01"
check_eq "the sale goes to the next buyer" "$(m p2)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "void: no sale" "$(sold ONE)" "1"
pay 2026-01-01 "0 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
invariants

# --- a deleted product's pending purchase is still decided --------------------
ws_new deleted
mb init
products p1.csv "add,OLD,Old,700,,"
purchases q.csv "d1,dee,OLD,700,2026-01-01T09:00:00"
ingest 2026-01-01
products p2.csv "delete,OLD,,,,"
ingest 2026-01-01
pay 2026-01-01 "1 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
check_eq "deleted product: approved" "$(m d1)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "deleted product: counted" "$(sold OLD)" "1"
invariants

# --- payments rejects a pending cancel the membership outlived ---------------
# Ingest accepted the cancel: in Asia/Seoul it was requested on 2026-12-31.
# The operator then moved the zone; in Pacific/Kiritimati (+14) the same
# instant falls on 2027-01-01, the day the term ends: NOT_CANCELLABLE.
ws_new zone
mb init
products p.csv "add,GOLD,Gold,365000,,"
purchases q.csv "z1,zed,GOLD,365000,2026-01-01T09:00:00"
ingest 2026-01-01
pay 2026-01-01 "1 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
cancels c.csv "x1,zed,z1,2026-12-31T23:30:00+09:00,"
ingest 2026-12-31
echo "timezone: Pacific/Kiritimati" >> "$CFG"
pay 2026-12-31 "0 approved, 0 declined, 0 voided, 0 refunded, 1 cancels rejected"
check_eq "outlived: membership unchanged" "$(m z1)" "ACTIVE APPROVED - 2026-01-01 2027-01-01 -"
check_eq "outlived: cancel rejected" "$(cancel_state x1)" "REJECTED 2026-12-31"
check_eq "outlived: event" "$(ev x1)" "2026-12-31 CANCEL_REQUESTED ACTIVE -
2026-12-31 CANCEL_REJECTED ACTIVE NOT_CANCELLABLE"
check_eq "outlived: event names the membership" \
	"$(sql "SELECT count(*) FROM events WHERE event = 'CANCEL_REJECTED' AND membership_id = (SELECT id FROM memberships WHERE request_id = 'z1')")" "1"
check_eq "outlived: still sold" "$(sold GOLD)" "1"
pay 2026-12-31 "0 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
invariants

# --- decisions of one chunk read each other (staged) and the books ----------
# 400 customers, 6 purchases each, interleaved in time: their own earlier
# approvals answer VELOCITY_LIMIT and ALREADY_ACTIVE whether those are still
# staged in the open chunk or written by an earlier one. The crash-test
# build (chunks of 1000 decisions) must make the same books as this one.
staged_day() {
	ws_new "$1" "payments:" "  max_purchases_per_customer_per_day: 3"
	mb init
	products p.csv "add,P0,Zero,100,," "add,P1,One,100,," "add,P2,Two,100,," "add,P3,Three,100,,"
	awk 'BEGIN {
		print "request_id,customer_id,product_id,amount,requested_at"
		split("P0 P0 P1 P2 P3 P1", prod, " ")
		for (j = 0; j < 6; j++)
			for (k = 0; k < 400; k++) {
				r = j * 400 + k
				printf "r%d-%d,c%03d,%s,100,2026-01-01T%02d:%02d:%02d\n", k, j, k, prod[j + 1],
					9 + int(r / 3600), int(r / 60) % 60, r % 60
			}
	}' | drop q.csv
	ingest 2026-01-01
	pay 2026-01-01 "1200 approved, 1200 declined, 0 voided, 0 refunded, 0 cancels rejected"
	check_eq "$1: decisions by reason" \
		"$(sql "SELECT payment || ' ' || coalesce(decline_reason, '-') || ' ' || count(*)
		 FROM memberships GROUP BY payment, decline_reason ORDER BY 1" | tr '\n' ' ')" \
		"APPROVED - 1200 DECLINED ALREADY_ACTIVE 400 DECLINED VELOCITY_LIMIT 800 "
	check_eq "$1: each customer's second P0 already active, fifth over the limit" \
		"$(sql "SELECT count(*) FROM memberships WHERE
		 (request_id LIKE 'r%-1' AND decline_reason = 'ALREADY_ACTIVE')
		 OR (request_id LIKE 'r%-4' AND decline_reason = 'VELOCITY_LIMIT')
		 OR (request_id LIKE 'r%-5' AND decline_reason = 'VELOCITY_LIMIT')
		 OR (request_id LIKE 'r%-0' AND payment = 'APPROVED')
		 OR (request_id LIKE 'r%-2' AND payment = 'APPROVED')
		 OR (request_id LIKE 'r%-3' AND payment = 'APPROVED')")" "2400"
	check_eq "$1: sold" "$(sql "SELECT group_concat(sold_count, ' ') FROM products")" "400 400 400 0"
	invariants
}
staged_day staged
staged_books=$(books)
if [ -x "${FAULT_BIN:-}" ]; then
	normal_bin=$MEMBERSHIP_BIN
	MEMBERSHIP_BIN=$FAULT_BIN
	staged_day staged-small-chunks
	MEMBERSHIP_BIN=$normal_bin
	check_eq "staged: chunks of 1000 make the same books" "$(books)" "$staged_books"
fi

# --- more cancels in one run than one read brings (64): each decided once, ---
# --- in (requested_at, request_id) order, step 1 before step 3 -------------
ws_new cancelbatch
mb init
products p.csv "add,P,Product,100,,"
ingest 2026-03-01
purchases b.csv $(i=1; while [ $i -le 150 ]; do
	printf 'b%03d,cb%03d,P,100,2026-03-01T09:00:00 ' $i $i; i=$((i + 1)); done)
ingest 2026-03-01
pay 2026-03-01 "150 approved, 0 declined, 0 voided, 0 refunded, 0 cancels rejected"
# Cancel times repeat every 7 rows, so request_id breaks the ties; 70 new
# purchases are voided (step 1), the 150 approved ones refunded (step 3).
purchases n.csv $(i=1; while [ $i -le 70 ]; do
	printf 'n%03d,cn%03d,P,100,2026-03-02T08:00:00 ' $i $i; i=$((i + 1)); done)
cancels x.csv $(i=1; while [ $i -le 150 ]; do
	printf 'xb%03d,cb%03d,b%03d,2026-03-02T10:00:%02d, ' $i $i $i $((i % 7)); i=$((i + 1)); done) \
	$(i=1; while [ $i -le 70 ]; do
	printf 'xn%03d,cn%03d,n%03d,2026-03-02T09:00:%02d, ' $i $i $i $((i % 5)); i=$((i + 1)); done)
ingest 2026-03-02
pay 2026-03-02 "0 approved, 0 declined, 70 voided, 150 refunded, 0 cancels rejected"
check_eq "every cancel decided" "$(sql "SELECT state, count(*) FROM cancels GROUP BY state")" \
	"REFUNDED|150
VOIDED|70"
check_eq "one event per cancel" "$(sql "SELECT event, count(*) FROM events
	WHERE event IN ('PAYMENT_VOIDED', 'PAYMENT_REFUNDED') GROUP BY event")" "PAYMENT_REFUNDED|150
PAYMENT_VOIDED|70"
# Event ids follow the decisions: all voids, then the refunds, each in the
# order of their cancels' (requested_at, request_id).
check_eq "cancels decided in order" "$(sql "SELECT c.request_id FROM events e
	JOIN cancels c ON c.membership_id = e.membership_id
	WHERE e.event IN ('PAYMENT_VOIDED', 'PAYMENT_REFUNDED') ORDER BY e.id" | cksum)" \
	"$(sql "SELECT request_id FROM cancels ORDER BY state = 'REFUNDED', requested_at, request_id" |
		cksum)"
invariants

finish
