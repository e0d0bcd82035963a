#!/bin/sh
# t_report_big.sh — SPEC §6 edges of the reports: money sums past 2^63
# minor units stay exact (reconcile, sales.csv, summary.txt), and an inbox
# file name that is not valid UTF-8 is written as \xHH in every report.
. "$(dirname "$0")/lib.sh"

D=2026-05-04
BIG=9007199254740992 # 2^53, the largest amount an inbox may hold

# 1025 approved purchases of 2^53: gross 1025 * 2^53 = 2^63 + 2^53.
ws_new big "payments:" "  max_amount: $BIG" "  max_purchases_per_customer_per_day: 2000"
mb init
products p.csv "add,BIG,Big one,$BIG,,"
{
	echo "request_id,customer_id,product_id,amount,requested_at"
	i=1
	while [ $i -le 1025 ]; do
		echo "r$i,c$i,BIG,$BIG,2026-05-04T09:00:00"
		i=$((i + 1))
	done
} | drop q.csv
mb ingest --date $D
check_rc "ingest" 0
mb payments --date $D
check_rc "payments" 0
check_eq "all approved" "$(sql "SELECT count(*) FROM memberships WHERE payment = 'APPROVED'")" "1025"
mb reconcile --date $D -v
check_rc "reconcile exact past 2^63" 0
check_grep "reconcile gross exact" "product BIG: sold 1025, gross 9232379236109516800, refunded 0, net 9232379236109516800" "$ERR"
mb reconcile --date $D
check_rc "reconcile rerun" 0
mb report --date $D
check_rc "report exact past 2^63" 0
check_eq "sales.csv sums" "$(sed -n 2p "$REPORTS/$D/sales.csv")" \
	"BIG,Big one,$BIG,ACTIVE,1025,9232379236109516800,0,9232379236109516800"
check_grep "summary net today" "9,232,379,236,109,516,800" "$(cat "$REPORTS/$D/summary.txt")"
check_grep "summary approved amount" "approved .*9,232,379,236,109,516,800" "$(cat "$REPORTS/$D/summary.txt")"
mb report --date $D
check_rc "report rerun" 0

# An inbox file name with byte 0xff (not UTF-8): a row rejected from it, and
# the file rejected whole when sent again, are written with the byte as \xff.
ws_new names
mb init
products p.csv "add,GOLD,Gold,1000,,"
mb ingest --date $D
check_rc "products" 0
name=$(printf 'caf\351-\377.csv')
purchases "$name" "r1,ann,GOLD,1000,2026-05-04T09:00:00" "r2,bob,NOPE,1000,2026-05-04T09:00:00"
mb ingest --date $D
check_rc "ingest a non-UTF-8 name" 0
printf 'nonsense\n' | drop "$name"
mb ingest --date $D
mb report --date $D
check_rc "report" 0
for f in "$REPORTS/$D"/*.csv "$REPORTS/$D"/summary.txt; do
	if iconv -f UTF-8 -t UTF-8 "$f" > /dev/null 2>&1; then ok "valid UTF-8: ${f##*/}"; else
		not_ok "valid UTF-8: ${f##*/}"
	fi
done
check_eq "rejections.csv escapes the name" "$(cut -d, -f1,2,5 "$REPORTS/$D/rejections.csv")" \
	'file,line,reason
caf\xe9-\xff.1.csv,,BAD_HEADER
caf\xe9-\xff.csv,3,UNKNOWN_PRODUCT'

finish
