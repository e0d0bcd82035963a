#!/bin/sh
# t_rules.sh — the state rules of SPEC §5 judged the same whatever job ran
# before: a cancel requested before the expiry and sent after `expire` ran
# is refunded as if `expire` had not run (§5 step 3: judged by C, the date
# of the cancel's requested_at).
. "$(dirname "$0")/lib.sh"

# m REQUEST: "status payment refund" of a purchase.
m() {
	sql "SELECT status || ' ' || payment || ' ' || coalesce(refund_amount, '-')
	 FROM memberships WHERE request_id = '$1'"
}

# late_cancel NAME EXPIRE-FIRST: R1 bought 2026-11-23 (expires 2027-11-23);
# with EXPIRE-FIRST=1 a nightly for 2027-11-23 expires it; then a cancel
# requested 2027-11-22T10:00 arrives and nightly runs for 2027-11-25.
late_cancel() {
	ws_new "$1"
	mb init
	products p.csv "add,GOLD,Gold,120000,,"
	purchases q.csv "R1,ann,GOLD,120000,2026-11-23T09:00:00"
	mb ingest --date 2026-11-23
	check_rc "$1: ingest 2026-11-23" 0
	mb payments --date 2026-11-23
	check_rc "$1: payments 2026-11-23" 0
	check_eq "$1: R1 approved" "$(sql "SELECT date(expires_on * 86400, 'unixepoch') FROM memberships WHERE request_id = 'R1'")" "2027-11-23"
	if [ "$2" = 1 ]; then
		mb nightly --date 2027-11-23
		check_rc "$1: nightly 2027-11-23" 0
		check_eq "$1: R1 expired" "$(m R1)" "EXPIRED APPROVED -"
	fi
	cancels c.csv "X1,ann,R1,2027-11-22T10:00:00,"
	mb nightly --date 2027-11-25
	check_rc "$1: nightly 2027-11-25" 0
	# floor(120000 × (2027-11-23 − 2027-11-22) / 365) = 328
	check_eq "$1: cancel refunded as of its requested_at" "$(m R1)" "CANCELLED REFUNDED 328"
	check_eq "$1: no rejection" "$(sql "SELECT count(*) FROM rejections")" "0"
	check_eq "$1: refund event" "$(sql "SELECT event || ' ' || detail FROM events WHERE request_id = 'R1' AND event = 'PAYMENT_REFUNDED'")" "PAYMENT_REFUNDED 328"
	check_grep "$1: customer-progress as of 2027-11-25" \
		"^ann,R1,GOLD,Gold,120000,CANCELLED,2026-11-23T00:00:00Z,2026-11-23,2027-11-23,328,2027-11-25\$" \
		"$(cat "$REPORTS/2027-11-25/customer-progress.csv")"
	invariants
}

late_cancel "no-expire" 0
late_cancel "expired-first" 1

finish
