#!/bin/sh
# t_inbox_owed.sh — a name planned by a file whose moves are still owed (the
# run died after its commit) is not free: a rejects file dropped back under
# its own name and read before the file it came from must take another name,
# so the owed move still finds its name free and the run is never stuck.
. "$(dirname "$0")/lib.sh"
. "$TOP/fixtures/ingest/helpers.sh"
LC_ALL=C
export LC_ALL

if [ ! -x "$FAULT_BIN" ]; then
	not_ok "fault-injection binary $FAULT_BIN missing"
	finish
	exit 1
fi

ws_new owed
products p.csv 'add,GOLD,Gold,100,,'
purchases q.csv 'q1,c1,GOLD,100,2026-03-10T10:00:00'
mb ingest --date $D
# x.csv (cancels, one row rejected) is committed, then the run dies before
# its moves: rejected/<D>/x.csv.rejects.csv is planned, not made yet.
cancels x.csv 'k1,c1,q1,2026-03-10T12:00:00,why' 'k2,c1,NOPE,2026-03-10T12:00:00,why'
fault_ingest 1 $D2
check_eq "owed: died at x.csv's commit" "$RC" 137
# A products file under that very name, rejected whole, read first (products
# come before cancels).
printf 'action,product_id,name,price,colour\nadd,P2,x,1,red\n' | drop x.csv.rejects.csv
mb ingest --date $D2
check_rc "owed: the rerun exits 65 (one file rejected whole)" 65
J=$WS/ws/rejected/$D2
check_lines "owed: x.csv's rejects under the name planned for them" \
	"$(rejects "$J/x.csv.rejects.csv")" "3 UNKNOWN_PURCHASE"
check_eq "owed: the file dropped back took the next name" \
	"$(test -f "$J/x.csv.rejects.1.csv" && test -f "$J/x.csv.rejects.1.csv.error.txt" && echo yes)" yes
check_eq "owed: the inbox is empty" "$(ls -A "$INBOX")" ""
mb ingest --date $D2
check_rc "owed: the next run is not stuck" 0
invariants
finish
