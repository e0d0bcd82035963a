#!/bin/sh
# t_reconcile.sh — `membership reconcile` (SPEC §5): counters that agree
# with the ledger are left alone; a counter changed behind the program's back
# is found, recorded, warned about and repaired; a rerun finds nothing; a
# dry run says the same and changes nothing.
. "$(dirname "$0")/lib.sh"


sold() {
	sql "SELECT sold_count FROM products WHERE product_id = '$1'"
}

differences() {
	sql "SELECT date(business_date * 86400, 'unixepoch') || ' ' || product_id || ' '
	 || recorded || ' ' || ledger FROM reconciliation ORDER BY id"
}

ws_new reconcile
mb init
products p.csv "add,GOLD,Gold,365000,," "add,SILVER,Silver,1000,,5" "add,IDLE,Idle,10,,"
purchases q.csv "g1,ann,GOLD,365000,2026-01-01T09:00:00" "g2,bob,GOLD,365000,2026-01-01T09:00:00" \
	"s1,ann,SILVER,1000,2026-01-01T09:00:00" "s2,bob,SILVER,1000,2026-01-01T09:00:00"
mb ingest --date 2026-01-01
check_rc "ingest" 0
mb payments --date 2026-01-01
check_rc "payments" 0
cancels c.csv "x1,ann,g1,2026-04-11T09:00:00,"
mb ingest --date 2026-04-11
check_rc "ingest cancel" 0
mb payments --date 2026-04-11
check_rc "payments refund" 0

# Counters kept by payments agree with the ledger.
mb reconcile --date 2026-04-11
check_rc "reconcile, nothing to correct" 0
check_grep "summary" "^reconcile 2026-04-11: 3 products checked, 0 differences corrected (run " "$ERR"
check_eq "no warning" "$(printf '%s\n' "$ERR" | grep -c warning)" "0"
check_eq "nothing recorded" "$(differences)" ""

# Verbose: the ledger amounts (gross 730000, refunded 265000).
mb reconcile --date 2026-04-11 -v
check_rc "reconcile -v" 0
check_grep "gross/refunded/net" "product GOLD: sold 1, gross 730000, refunded 265000, net 465000" "$ERR"
check_grep "idle product" "product IDLE: sold 0, gross 0, refunded 0, net 0" "$ERR"

# Counters changed behind the program's back (the one write to the books a
# test makes: nothing in the program can do it).
sql "UPDATE products SET sold_count = 7 WHERE product_id = 'SILVER';
     UPDATE products SET sold_count = -1 WHERE product_id = 'IDLE'"
before=$(sql "SELECT * FROM products ORDER BY product_id; SELECT * FROM reconciliation" | cksum)
mb reconcile --date 2026-04-12 --dry-run
check_rc "dry run" 0
check_grep "dry run warns" "^warning: reconcile 2026-04-12: product SILVER: sold_count was 7, the ledger says 2" "$ERR"
check_grep "dry run summary" "^reconcile 2026-04-12: 3 products checked, 2 differences corrected (dry run" "$ERR"
check_eq "dry run changes nothing" \
	"$(sql "SELECT * FROM products ORDER BY product_id; SELECT * FROM reconciliation" | cksum)" "$before"

mb reconcile --date 2026-04-12
check_rc "reconcile repairs" 0
check_grep "warning names product and numbers" \
	"^warning: reconcile 2026-04-12: product SILVER: sold_count was 7, the ledger says 2" "$ERR"
check_grep "warning for the negative counter" \
	"^warning: reconcile 2026-04-12: product IDLE: sold_count was -1, the ledger says 0" "$ERR"
check_grep "summary" "^reconcile 2026-04-12: 3 products checked, 2 differences corrected (run " "$ERR"
check_eq "recorded" "$(differences)" "2026-04-12 IDLE -1 0
2026-04-12 SILVER 7 2"
check_eq "SILVER repaired" "$(sold SILVER)" "2"
check_eq "IDLE repaired" "$(sold IDLE)" "0"
check_eq "GOLD untouched" "$(sold GOLD)" "1"
invariants

mb reconcile --date 2026-04-12
check_rc "rerun" 0
check_grep "rerun finds nothing" "^reconcile 2026-04-12: 3 products checked, 0 differences corrected (run " "$ERR"
check_eq "rerun records nothing" "$(sql 'SELECT count(*) FROM reconciliation')" "2"

# A repaired counter is the one payments goes on from: SILVER (max 5) sells
# its 3 remaining places, then is sold out.
purchases q2.csv "s3,cy,SILVER,1000,2026-04-13T09:00:00" "s4,di,SILVER,1000,2026-04-13T09:01:00" \
	"s5,ed,SILVER,1000,2026-04-13T09:02:00" "s6,fe,SILVER,1000,2026-04-13T09:03:00"
mb ingest --date 2026-04-13
check_rc "ingest more" 0
mb payments --date 2026-04-13
check_grep "sold out at max_sales" "^payments 2026-04-13: 3 approved, 1 declined," "$ERR"
mb reconcile --date 2026-04-13
check_grep "still in agreement" "^reconcile 2026-04-13: 3 products checked, 0 differences corrected (run " "$ERR"
invariants

# -q: a clean reconcile says nothing; a repair still warns.
mb reconcile --date 2026-04-13 -q
check_eq "quiet and clean" "$ERR" ""
sql "UPDATE products SET sold_count = 0 WHERE product_id = 'GOLD'"
mb reconcile --date 2026-04-13 -q
check_rc "quiet repair" 0
check_eq "quiet repair warns only" "$ERR" "warning: reconcile 2026-04-13: product GOLD: sold_count was 0, the ledger says 1; corrected"
invariants

finish
