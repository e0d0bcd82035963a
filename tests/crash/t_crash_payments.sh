#!/bin/sh
# t_crash_payments.sh — RELIABILITY A.1 for payments, expire and reconcile:
# with enough rows for several chunks (1 000 decisions a transaction), the
# test build (FAULT_BIN) kills itself at its N-th commit, N = 1, 2, … until a
# run completes; after each kill a rerun must leave the books exactly as one
# uninterrupted run does; once more with production's chunk size on a day
# bigger than one chunk. Also SIGTERM and SIGINT at a commit, and SIGTERM
# while report's file thread is paused at a customer file: exit 75, the
# rerun completes.
. "$(dirname "$0")/../e2e/lib.sh"

if [ ! -x "${FAULT_BIN:-}" ]; then
	skip_suite "no test build at FAULT_BIN"
fi

# books: everything the three jobs write, runs excepted.
books() {
	sql "SELECT * FROM memberships ORDER BY id; SELECT * FROM cancels ORDER BY id;
	 SELECT * FROM events ORDER BY id; SELECT * FROM products ORDER BY product_id;
	 SELECT * FROM reconciliation ORDER BY id;" | cksum
}

# 25 000 purchases (LTD sells out at 5 000), 5 000 of them cancelled while
# pending (voids): three commits. Later 6 000 cancels, of which ingest
# accepts the 4 800 of approved memberships (refunds); the 10 200 left
# expire in two commits.
ws_new crash
mb init
{
	echo "action,product_id,name,price,sale_until,max_sales"
	echo "add,GOLD,Gold,365000,,"
	echo "add,LTD,Limited,1000,,5000"
} | drop p.csv
awk 'BEGIN {
	print "request_id,customer_id,product_id,amount,requested_at"
	for (i = 1; i <= 25000; i++)
		printf "r%d,c%d,%s,%d,2026-01-01T%02d:%02d:%02d\n", i, i,
			i % 2 ? "GOLD" : "LTD", i % 2 ? 365000 : 1000,
			int(i / 3600), int(i / 60) % 60, i % 60
}' | drop q.csv
awk 'BEGIN {
	print "request_id,customer_id,purchase_request_id,requested_at,reason"
	for (i = 5; i <= 25000; i += 5)
		printf "v%d,c%d,r%d,2026-01-01T23:00:00,\n", i, i, i
}' | drop c.csv
mb ingest -q --date 2026-01-01
check_rc "ingest day 1" 0
cp -R "$WS/ws" "$TMPROOT/day1"

# sweep JOB DATE COMMITS: the kill-and-rerun sweep of one job from the books
# now; the job must commit COMMITS times (so be killed that often) first
# (the test build decides in chunks of 1000, so it commits often).
sweep() {
	job=$1 date=$2 commits=$3
	rm -rf "$TMPROOT/start"
	cp -R "$WS/ws" "$TMPROOT/start"
	mb "$job" -q --date "$date"
	check_rc "$job $date uninterrupted" 0
	want=$(books)
	n=1
	while [ $n -lt 50 ]; do
		rm -rf "$WS/ws"
		cp -R "$TMPROOT/start" "$WS/ws"
		MEMBERSHIP_FAULT_AT=$n "$FAULT_BIN" -c "$CFG" "$job" -q --date "$date" > /dev/null 2>&1
		rc=$?
		mb "$job" -q --date "$date"
		check_rc "$job: rerun after fault $n" 0
		check_eq "$job: books after fault $n" "$(books)" "$want"
		[ "$rc" = 0 ] && break
		n=$((n + 1))
	done
	check_eq "$job $date: completes after $commits kills" "$((n - 1))" "$commits"
}

sweep payments 2026-01-01 26
check_eq "decided" "$(sql "SELECT payment, count(*) FROM memberships GROUP BY 1 ORDER BY 1")" "APPROVED|15000
DECLINED|5000
VOIDED|5000"
invariants

awk 'BEGIN {
	print "request_id,customer_id,purchase_request_id,requested_at,reason"
	for (i = 1; i <= 12000; i += 2)
		printf "x%d,c%d,r%d,2026-04-11T09:00:00,\n", i, i, i
}' | drop c2.csv
mb ingest -q --date 2026-04-11
check_rc "ingest day 2" 0
sweep payments 2026-04-11 5
check_eq "refunded" "$(sql "SELECT count(*) || ' ' || sum(refund_amount) FROM memberships WHERE payment = 'REFUNDED'")" "4800 1272000000"
invariants

sql "UPDATE products SET sold_count = sold_count + 3 WHERE product_id = 'GOLD'"
sweep reconcile 2026-04-12 1
check_eq "reconciled" "$(sql "SELECT product_id, recorded - ledger FROM reconciliation")" "GOLD|3"
invariants

sweep expire 2027-01-01 11
check_eq "expired" "$(sql "SELECT count(*) FROM memberships WHERE status = 'EXPIRED'")" "10200"
invariants

# SIGTERM mid-run: the test build stops at its 3rd commit and waits for a
# signal (MEMBERSHIP_FAULT_KIND=pause, the marker file says it is there);
# SIGTERM then must roll the open chunk back and exit 75, and the rerun
# must leave the books an uninterrupted run leaves.
sigterm() {
	sig=$1
	rm -rf "$WS/ws" "$TMPROOT/paused"
	cp -R "$TMPROOT/day1" "$WS/ws"
	MEMBERSHIP_FAULT_AT=3 MEMBERSHIP_FAULT_KIND=pause MEMBERSHIP_FAULT_MARKER="$TMPROOT/paused" \
		"$FAULT_BIN" -c "$CFG" payments -q --date 2026-01-01 > /dev/null 2> "$TMPROOT/sig.err" &
	pid=$!
	i=0
	while [ ! -e "$TMPROOT/paused" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	check_eq "$sig: the run stopped at its 3rd commit" "$([ -e "$TMPROOT/paused" ] && echo yes)" yes
	kill -$sig $pid 2> /dev/null
	wait $pid
	RC=$?
	ERR=$(cat "$TMPROOT/sig.err")
	check_rc "$sig at a commit: exit 75" 75
	check_grep "$sig: says it was stopped" "stopped by signal" "$ERR"
	check_eq "$sig: the three chunks committed stay, the open one rolled back" \
		"$(sql "SELECT count(*) FROM memberships WHERE payment != 'PENDING'")" 3000
	check_eq "$sig: no run left running" "$(sql "SELECT count(*) FROM runs WHERE outcome = 'running'")" 0
	mb payments -q --date 2026-01-01
	check_rc "rerun after $sig" 0
	check_eq "books after $sig and rerun" "$(books)" "$DAY1_BOOKS"
	invariants
}
rm -rf "$WS/ws"
cp -R "$TMPROOT/day1" "$WS/ws"
mb payments -q --date 2026-01-01
DAY1_BOOKS=$(books)
sigterm TERM
sigterm INT

# SIGTERM while report's file thread, which blocks signals, is paused at its
# 2nd customer file (MEMBERSHIP_FAULT_ONLY counts those points alone): the
# thread goes on once the job's thread has seen the signal, the run exits
# 75 with no report folder in place, and the rerun writes the reports an
# uninterrupted run writes. A watchdog kills a run that would wait for ever.
rm -rf "$WS/ws" "$TMPROOT/paused" "$TMPROOT/ref-reports"
cp -R "$TMPROOT/day1" "$WS/ws"
mb payments -q --date 2026-01-01
cp -R "$WS/ws" "$TMPROOT/decided"
mb report -q --date 2026-01-01
check_rc "report thread pause: the uninterrupted report" 0
cp -R "$WS/ws/reports" "$TMPROOT/ref-reports"
rm -rf "$WS/ws"
cp -R "$TMPROOT/decided" "$WS/ws"
MEMBERSHIP_FAULT_ONLY="report file" MEMBERSHIP_FAULT_AT=2 MEMBERSHIP_FAULT_KIND=pause \
	MEMBERSHIP_FAULT_MARKER="$TMPROOT/paused" \
	"$FAULT_BIN" -c "$CFG" report -q --date 2026-01-01 > /dev/null 2> "$TMPROOT/sig.err" &
pid=$!
i=0
while [ ! -e "$TMPROOT/paused" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "report thread pause: paused at a customer file" "$([ -e "$TMPROOT/paused" ] && echo yes)" yes
check_grep "report thread pause: ... the 2nd file point" "fault point 2 (report file): waiting" "$(cat "$TMPROOT/sig.err")"
kill -TERM $pid 2> /dev/null
( sleep 60; kill -KILL $pid 2> /dev/null ) &
dog=$!
wait $pid
RC=$?
kill $dog 2> /dev/null
ERR=$(cat "$TMPROOT/sig.err")
check_rc "report thread pause: SIGTERM, exit 75" 75
check_grep "report thread pause: says it was stopped" "stopped by signal" "$ERR"
check_eq "report thread pause: no report folder in place" \
	"$([ -e "$WS/ws/reports/2026-01-01" ] && echo there || echo none)" none
mb report -q --date 2026-01-01
check_rc "report thread pause: rerun" 0
check_eq "report thread pause: the rerun's reports = uninterrupted (diff -r)" \
	"$(diff -r "$TMPROOT/ref-reports" "$WS/ws/reports" 2>&1)" ""

# Long customer ids: a chunk also ends when its staged ids fill a bound (the
# test build's is 16 KiB: 252 decisions of 64-byte ids, not 1000). 200
# customers buy 15 times each, 200 purchases apart, so a customer's earlier
# approvals are sometimes in the open chunk and sometimes committed. At most
# 3 approvals a day: GOLD, SILVER, then GOLD again (ALREADY_ACTIVE), BRONZE,
# and the rest over the limit.
ws_new crashlong "payments:" "  max_purchases_per_customer_per_day: 3"
mb init
{
	echo "action,product_id,name,price,sale_until,max_sales"
	echo "add,GOLD,Gold,365000,,"
	echo "add,SILVER,Silver,1000,,"
	echo "add,BRONZE,Bronze,2000,,"
} | drop p.csv
awk 'BEGIN {
	print "request_id,customer_id,product_id,amount,requested_at"
	split("GOLD SILVER GOLD BRONZE", seq, " ")
	price["GOLD"] = 365000; price["SILVER"] = 1000; price["BRONZE"] = 2000
	for (i = 0; i < 3000; i++) {
		k = int(i / 200); p = seq[k % 4 + 1]
		printf "r%d,k%063d,%s,%d,2026-01-01T%02d:%02d:%02d\n", i, i % 200, p, price[p],
			int(i / 3600), int(i / 60) % 60, i % 60
	}
}' | drop q.csv
mb ingest -q --date 2026-01-01
check_rc "long ids: ingest" 0
sweep payments 2026-01-01 12
check_eq "long ids: decided" "$(sql "SELECT payment, coalesce(decline_reason, ''), count(*) FROM memberships GROUP BY 1, 2 ORDER BY 1, 2")" "APPROVED||600
DECLINED|ALREADY_ACTIVE|200
DECLINED|VELOCITY_LIMIT|2200"
invariants

# Production's chunks (MEMBERSHIP_FAULT_CHUNKS=production: 50 000
# decisions a transaction) on a day bigger than one chunk: 60 000 purchases
# are decided in two commits, and expire their memberships in two.
ws_new crashprod
mb init
products p.csv "add,GOLD,Gold,365000,,"
awk 'BEGIN {
	print "request_id,customer_id,product_id,amount,requested_at"
	for (i = 1; i <= 60000; i++)
		printf "r%d,c%d,GOLD,365000,2026-01-01T%02d:%02d:%02d\n", i, i,
			int(i / 3600) % 24, int(i / 60) % 60, i % 60
}' | drop q.csv
mb ingest -q --date 2026-01-01
check_rc "production chunks: ingest" 0
MEMBERSHIP_FAULT_CHUNKS=production
export MEMBERSHIP_FAULT_CHUNKS
sweep payments 2026-01-01 2
check_eq "production chunks: decided" "$(sql "SELECT payment, count(*) FROM memberships GROUP BY 1")" "APPROVED|60000"
invariants
sweep expire 2027-01-01 2
check_eq "production chunks: expired" "$(sql "SELECT count(*) FROM memberships WHERE status = 'EXPIRED'")" "60000"
invariants
unset MEMBERSHIP_FAULT_CHUNKS

finish
