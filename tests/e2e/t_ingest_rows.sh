#!/bin/sh
# t_ingest_rows.sh — ingest, row by row (SPEC §4.3, §4.4): every row reason
# code with its exact _line, the boundaries of amounts, timestamps, dates and
# ids, duplicates and conflicts across files and runs, the cancel rules, and
# what CSV quoting, BOMs, line ends and Hangul do to the books.
. "$(dirname "$0")/lib.sh"
. "$TOP/fixtures/ingest/helpers.sh"
LC_ALL=C
export LC_ALL

T=2026-03-10T10:00:00
ID64=$(printf 'A%.0s' $(seq 64))
ID65=$(printf 'A%.0s' $(seq 65))
RID65=$(printf 'r%.0s' $(seq 65))

# --- every shape rule, products, purchases and cancels in one run ---------------
ws_new rows
table p 'action,product_id,name,price,sale_until,max_sales' <<EOF
OK add,GOLD,Gold,10000,,
OK add,SILVER,Silver,5000,2026-03-05,
OK add,BRONZE,Bronze,1000,,
OK add,LIMITED,Limited,3000,2026-12-31,5
OK add,FREE,Free,0,,
OK add,BIG,Big,9007199254740992,,
OK add,X_-9z,ids may hold _ and -,1,,
OK add,$ID64,64 characters,1,,
PRODUCT_EXISTS add,GOLD,Gold again,10000,,
BAD_ACTION Add,X1,x,1,,
BAD_ACTION remove,X1,x,1,,
MISSING_FIELD ,X1,x,1,,
MISSING_FIELD add,,x,1,,
BAD_ID add,X/1,x,1,,
BAD_ID add,X.1,x,1,,
BAD_ID add,X:1,x,1,,
BAD_ID add,제품,x,1,,
BAD_ID add,$ID65,x,1,,
BAD_ID add,-X1,x,1,,
BAD_ID add,_X1,x,1,,
OK add,9X_-,the first a digit,1,,
MISSING_FIELD add,X1,,1,,
MISSING_FIELD add,X1,x,,,
BAD_AMOUNT add,X1,x,1.5,,
BAD_AMOUNT add,X1,x,-1,,
BAD_AMOUNT add,X1,x,9007199254740993,,
BAD_DATE add,X1,x,1,2026-02-30,
BAD_DATE add,X1,x,1,24/02/2026,
BAD_DATE add,X1,x,1,46000,
BAD_DATE add,X1,x,1,2026-3-5,
BAD_DATE add,X1,x,1,2026-03-05T00:00:00,
BAD_AMOUNT add,X1,x,1,,-3
MALFORMED_ROW add,X1,x,1
MALFORMED_ROW add,X1,x,1,,,extra
UNKNOWN_PRODUCT update,NOPE,,,,
UNKNOWN_PRODUCT delete,NOPE,,,,
OK delete,BRONZE,,,,
UNKNOWN_PRODUCT update,BRONZE,,2000,,
UNKNOWN_PRODUCT delete,BRONZE,,,,
OK update,LIMITED,,,none,none
OK update,FREE,Free plan,,,
EOF
table b 'request_id,customer_id,product_id,amount,requested_at' <<EOF
OK r01,c1,GOLD,10000,$T
BAD_AMOUNT r02,c1,GOLD,"10,000",$T
BAD_AMOUNT r03,c1,GOLD,1e4,$T
BAD_AMOUNT r04,c1,FREE,-0,$T
BAD_AMOUNT r05,c1,GOLD,0x10,$T
BAD_AMOUNT r06,c1,GOLD,١٠٠٠٠,$T
BAD_AMOUNT r07,c1,GOLD,12345678901234567890,$T
BAD_AMOUNT r08,c1,GOLD,10000.0,$T
BAD_AMOUNT r09,c1,BIG,9007199254740993,$T
OK r10,c1,BIG,9007199254740992,$T
BAD_AMOUNT r11,c1,GOLD,abc,$T
BAD_AMOUNT r11b,c1,GOLD,-10000,$T
MISSING_FIELD r12,c1,GOLD,,$T
BAD_TIMESTAMP r13,c1,GOLD,10000,2026-03-10T10:00
BAD_TIMESTAMP r14,c1,GOLD,10000,2026-03-10t10:00:00
BAD_TIMESTAMP r15,c1,GOLD,10000,2026-02-30T10:00:00
BAD_TIMESTAMP r16,c1,GOLD,10000,2026-03-10 10:00:00
BAD_TIMESTAMP r17,c1,GOLD,10000,2026-03-10T25:00:00
BAD_TIMESTAMP r18,c1,GOLD,10000,2026-03-10T10:00:00+0900
BAD_TIMESTAMP r19,c1,GOLD,10000,1773104400
BAD_TIMESTAMP r19b,c1,GOLD,10000,2026-03-10
MISSING_FIELD r20,c1,GOLD,10000,
OK t01,c2,GOLD,10000,2026-03-10T23:59:59
FUTURE_TIMESTAMP t02,c2,GOLD,10000,2026-03-11T00:00:00
OK t03,c2,GOLD,10000,2026-03-10T14:59:59Z
FUTURE_TIMESTAMP t04,c2,GOLD,10000,2026-03-10T15:00:00Z
OK t05,c2,GOLD,10000,2026-03-10T23:59:59+09:00
FUTURE_TIMESTAMP t06,c2,GOLD,10000,2026-03-11T00:00:00+09:00
OK t07,c2,GOLD,10000,2026-03-10T09:59:59-05:00
FUTURE_TIMESTAMP t08,c2,GOLD,10000,2026-03-10T10:00:00-05:00
OK t09,c2,GOLD,10000,2026-03-11T00:59:59+10:00
FUTURE_TIMESTAMP t10,c2,GOLD,10000,2026-03-12T00:00:00+14:00
FUTURE_TIMESTAMP t11,c2,GOLD,10000,2027-01-01T00:00:00
DUPLICATE_REQUEST r01,c1,GOLD,10000,$T
DUPLICATE_REQUEST r01,c1,GOLD,10000,2026-03-10T01:00:00Z
REQUEST_CONFLICT r01,c9,GOLD,10000,$T
REQUEST_CONFLICT r01,c1,GOLD,10000,2026-03-10T10:00:01
REQUEST_CONFLICT r01,c1,LIMITED,3000,$T
UNKNOWN_PRODUCT u01,c1,NOPE,10000,$T
UNKNOWN_PRODUCT u02,c1,BRONZE,1000,$T
UNKNOWN_PRODUCT u03,c1,NOPE2,1000,$T
OK e01,c3,SILVER,5000,2026-03-05T23:59:59
PRODUCT_EXPIRED e02,c3,SILVER,5000,2026-03-06T00:00:00
OK e03,c4,SILVER,5000,2026-03-05T14:59:59Z
PRODUCT_EXPIRED e04,c4,SILVER,5000,2026-03-05T15:00:00Z
PRODUCT_EXPIRED e05,c4,SILVER,5000,2026-03-05T10:00:00-06:00
PRICE_MISMATCH m01,c1,GOLD,9999,$T
PRICE_MISMATCH m02,c1,LIMITED,3001,$T
PRICE_MISMATCH m02b,c1,FREE,1,$T
OK m03,c1,FREE,0,$T
BAD_ID i01,c/1,GOLD,10000,$T
BAD_ID i02,c.1,GOLD,10000,$T
BAD_ID i/03,c1,GOLD,10000,$T
BAD_ID i04,c1,GO.LD,10000,$T
BAD_ID i04b,고객,GOLD,10000,$T
BAD_ID $RID65,c1,GOLD,10000,$T
BAD_ID i09,-C1,GOLD,10000,$T
BAD_ID i10,_x,GOLD,10000,$T
BAD_ID -i11,c1,GOLD,10000,$T
BAD_ID _i12,c1,GOLD,10000,$T
BAD_ID .i13,c1,GOLD,10000,$T
BAD_ID :i14,c1,GOLD,10000,$T
BAD_ID i15,c1,-GOLD,10000,$T
OK 7i16,9c,GOLD,10000,$T
OK r.1:x-_Z,c6,GOLD,10000,$T
MISSING_FIELD ,c1,GOLD,10000,$T
MISSING_FIELD i05,,GOLD,10000,$T
MISSING_FIELD i06,c1,,10000,$T
MALFORMED_ROW i07,c1,GOLD,10000
MALFORMED_ROW i08,c1,GOLD,10000,$T,extra
OK sp1,c7,GOLD, 10000 ,$T
OK sp2,c8,GOLD," 10000 ",$T
EOF
table b2 'request_id,customer_id,product_id,amount,requested_at' <<EOF
DUPLICATE_REQUEST r01,c1,GOLD,10000,$T
REQUEST_CONFLICT t01,c2,GOLD,9999,2026-03-10T23:59:59
OK n01,c2,LIMITED,3000,$T
EOF
table c 'request_id,customer_id,purchase_request_id,requested_at,reason' <<EOF
OK k01,c1,r01,2026-03-10T11:00:00,changed mind
DUPLICATE_REQUEST k01,c1,r01,2026-03-10T11:00:00,changed mind
REQUEST_CONFLICT k01,c1,r01,2026-03-10T11:00:00,another reason
ALREADY_CANCELLED k02,c1,r01,2026-03-10T12:00:00,
NOT_OWNER k03,c9,t01,2026-03-10T11:00:00,
UNKNOWN_PURCHASE k04,c1,nope,2026-03-10T11:00:00,
UNKNOWN_PURCHASE k05,c1,u01,2026-03-10T11:00:00,
REQUEST_CONFLICT r10,c1,t03,2026-03-10T11:00:00,
FUTURE_TIMESTAMP k06,c2,t01,2026-03-11T00:00:00,
BAD_TIMESTAMP k07,c2,t01,2026-03-10,
MISSING_FIELD k08,c2,,2026-03-10T11:00:00,
MISSING_FIELD k09,c2,t01,,
BAD_ID k10,c2,t/01,2026-03-10T11:00:00,
BAD_ID k15,c2,-t01,2026-03-10T11:00:00,
BAD_ID k16,-c2,t01,2026-03-10T11:00:00,
BAD_ID .k17,c2,t01,2026-03-10T11:00:00,
MALFORMED_ROW k11,c2,t01,2026-03-10T11:00:00
OK k12,c2,t01,2026-03-10T11:00:00,
EOF
table c2 'request_id,customer_id,purchase_request_id,requested_at' <<EOF
OK k13,c2,t03,2026-03-10T11:00:00
ALREADY_CANCELLED k14,c2,t01,2026-03-10T11:00:00
EOF
mb ingest --date $D
check_rc "rows: ingest with rejected rows exits 0" 0
for f in p b b2 c c2; do check_table $f; done
# A product never added is not called deleted, even right after a row that
# named a deleted one.
check_eq "rows: UNKNOWN_PRODUCT messages: never added, deleted, never added" \
	"$(sql "SELECT message FROM rejections WHERE request_id IN ('u01', 'u02', 'u03') ORDER BY request_id")" \
	"no product NOPE on sale
no product BRONZE (deleted) on sale
no product NOPE2 on sale"
check_eq "rows: rejects file = the file's header + _line,_reason,_message" \
	"$(rejects_header "$WS/ws/rejected/$D/b.csv.rejects.csv")" \
	"request_id,customer_id,product_id,amount,requested_at,_line,_reason,_message"
check_eq "rows: a rejected row is written back as read (quoted comma)" \
	"$(rejects_col "$WS/ws/rejected/$D/b.csv.rejects.csv" amount | head -n 1)" "10,000"
check_eq "rows: rejects row of Arabic-Indic digits kept as read" \
	"$(rejects_col "$WS/ws/rejected/$D/b.csv.rejects.csv" amount | sed -n 5p)" "١٠٠٠٠"
check_eq "rows: products in the books" "$(count products)" 9
check_eq "rows: BRONZE deleted, LIMITED cleared, FREE renamed" \
	"$(sql "SELECT product_id || ' ' || status || ' ' || ifnull(sale_until, '-') || ' ' || ifnull(max_sales, '-') || ' ' || name FROM products WHERE product_id IN ('BRONZE', 'LIMITED', 'FREE') ORDER BY 1")" \
	"$(printf 'BRONZE DELETED - - Bronze\nFREE ACTIVE - - Free plan\nLIMITED ACTIVE - - Limited')"
check_eq "rows: 2^53 minor units is a valid price" "$(sql "SELECT price FROM products WHERE product_id = 'BIG'")" 9007199254740992
check_eq "rows: memberships accepted" "$(count memberships)" 15
check_eq "rows: padded amounts read as the number" \
	"$(sql "SELECT group_concat(amount) FROM memberships WHERE request_id IN ('sp1', 'sp2')")" "10000,10000"
check_eq "rows: cancels accepted" "$(sql "SELECT group_concat(request_id) FROM (SELECT request_id FROM cancels ORDER BY 1)")" "k01,k12,k13"
check_eq "rows: one purchase per request id" "$(count memberships "request_id = 'r01'")" 1
check_eq "rows: Z, offsets and the zone give the same instant" \
	"$(sql "SELECT group_concat(requested_at) FROM (SELECT requested_at FROM memberships WHERE request_id IN ('t01', 't03', 't05', 't09') ORDER BY request_id)")" \
	"1773154799,1773154799,1773154799,1773154799"
runs_add_up
check_eq "rows: run record counts" \
	"$(sql "SELECT files || ' ' || rows_read || ' ' || accepted || ' ' || rejected FROM runs WHERE job = 'ingest'")" \
	"5 $(cat "$WS"/p.counts "$WS"/b.counts "$WS"/b2.counts "$WS"/c.counts "$WS"/c2.counts | awk '{r += $1; a += $2; j += $3} END {print r, a, j}')"
check_grep "rows: summary line adds up" \
	"^ingest $D: 5 files, $(cat "$WS"/p.counts "$WS"/b.counts "$WS"/b2.counts "$WS"/c.counts "$WS"/c2.counts | awk '{r += $1; a += $2; j += $3} END {print r " rows, " a " accepted, " j " rejected"}')" "$ERR"

# Another run, another day: the same request again, and a corrected resend.
table b3 'request_id,customer_id,product_id,amount,requested_at' <<EOF
DUPLICATE_REQUEST r01,c1,GOLD,10000,$T
REQUEST_CONFLICT r01,c1,GOLD,10000,2026-03-10T10:00:02
OK r02,c1,GOLD,10000,2026-03-11T09:00:00
DUPLICATE_REQUEST r.1:x-_Z,c6,GOLD,10000,2026-03-10T10:00:00+09:00
EOF
table c3 'reason,requested_at,purchase_request_id,customer_id,request_id' <<EOF
DUPLICATE_REQUEST changed mind,2026-03-10T11:00:00,r01,c1,k01
REQUEST_CONFLICT changed mind,2026-03-10T11:00:00,r01,c2,k01
REQUEST_CONFLICT ,2026-03-10T11:00:00,r01,c1,t01
EOF
mb ingest --date $D2
check_rc "rows: second day exits 0" 0
check_table b3 $D2
check_table c3 $D2
check_eq "rows: memberships after the resend" "$(count memberships)" 16
runs_add_up
invariants

# --- FIELD_TOO_LONG: max_field_bytes ------------------------------------------
ws_new fieldlen "inbox:" "  max_field_bytes: 24"
BIGF=$(head -c 100000 /dev/zero | tr '\0' 'x')
table p 'action,product_id,name,price' <<EOF
OK add,ABCDEFGHIJKLMNOPQRSTUVWX,n,1
FIELD_TOO_LONG add,ABCDEFGHIJKLMNOPQRSTUVWXY,n,1
FIELD_TOO_LONG add,P2,abcdefghijklmnopqrstuvwxy,1
OK add,P3,abcdefghijklmnopqrstuvwx,1
FIELD_TOO_LONG add,P4,가나다라마바사아자,1
OK add,P5,가나다라마바사아,1
FIELD_TOO_LONG add,P6,"abc, def, ghi, jkl, mno, p",1
OK add,P7,"abc, def, ghi, jkl, mno",1
FIELD_TOO_LONG add,P8,$BIGF,1
OK add,P9,after the long one,1
EOF
mb ingest --date $D
check_rc "fieldlen: exit 0" 0
check_table p
check_eq "fieldlen: the products that fit" "$(sql "SELECT group_concat(product_id) FROM (SELECT product_id FROM products ORDER BY 1)")" \
	"ABCDEFGHIJKLMNOPQRSTUVWX,P3,P5,P7,P9"
# An ignored `_` column is not judged, however long (SPEC §4.3); a cut
# field is written to the rejects file marked, and stays too long, so the
# rejects file dropped back as is cannot apply the first bytes as a value.
printf 'request_id,customer_id,product_id,amount,requested_at,_note\nq1,c1234567890123456789012345,P3,1,%s,x\nq2,c2,P3,1,%s,a note much longer than twenty-four bytes\n' "$T" "$T" | drop cut.csv
mb ingest --date $D
check_rc "fieldlen: cut.csv exit 0" 0
check_eq "fieldlen: a long _ column is ignored (q2 applied)" "$(count memberships "request_id = 'q2'")" 1
check_eq "fieldlen: the cut field ends with [\u2026] in the rejects file" \
	"$(rejects_col "$WS/ws/rejected/$D/cut.csv.rejects.csv" customer_id)" "c12345678901234567890123[…]"
cp "$WS/ws/rejected/$D/cut.csv.rejects.csv" "$WS/ws/inbox/cut-again.csv"
mb ingest --date $D
check_rc "fieldlen: the rejects file dropped back: exit 0" 0
check_eq "fieldlen: dropped back, the cut row is FIELD_TOO_LONG again" \
	"$(sql "SELECT line || ' ' || reason FROM rejections WHERE file = 'cut-again.csv'")" "2 FIELD_TOO_LONG"
check_eq "fieldlen: no membership from a cut id" "$(count memberships "request_id = 'q1'")" 0
invariants

# max_field_bytes limits values, not column names: at 5 a cancels file
# (purchase_request_id is 19 bytes) is read; `_` columns may repeat and be
# long; a row of more than 4096 fields is one MALFORMED_ROW, not a broken file.
ws_new narrow "inbox:" "  max_field_bytes: 5"
LONGU=_$(printf 'n%.0s' $(seq 300))
printf 'action,product_id,name,price\nadd,P,n,1\n' | drop p.csv
printf 'request_id,customer_id,product_id,amount,requested_at\nq1,c1,P,1,%s\n' "$T" | drop b.csv
mb ingest --date $D
check_rc "narrow: a purchases file at max_field_bytes 5" 0
check_eq "narrow: its row: requested_at too long" \
	"$(sql "SELECT reason || ' ' || message FROM rejections WHERE file = 'b.csv'")" \
	"FIELD_TOO_LONG requested_at is longer than 5 bytes"
printf 'request_id,customer_id,purchase_request_id,requested_at,_x,%s,_x\nk1,c1,q1,%s,a,b,c\n' "$LONGU" "$T" | drop c.csv
wide=$(awk 'BEGIN { for (i = 1; i <= 5000; i++) printf "%sv", (i > 1 ? "," : "") }')
printf 'request_id,customer_id,product_id,amount,requested_at,_x,_x\n%s\nq2,c2,P,1,x,,\n' "$wide" | drop w.csv
mb ingest --date $D
check_rc "narrow: _ columns twice and long, a 5000-field row: exit 0" 0
check_eq "narrow: the cancels file is read (its row judged, not its header)" \
	"$(sql "SELECT line || ' ' || reason FROM rejections WHERE file = 'c.csv'")" "2 FIELD_TOO_LONG"
check_eq "narrow: the 5000-field row is MALFORMED_ROW, the next row judged" \
	"$(sql "SELECT group_concat(line || ' ' || reason || ' ' || message, '; ') FROM (SELECT * FROM rejections WHERE file = 'w.csv' ORDER BY line)")" \
	"2 MALFORMED_ROW row has more than 4096 fields, the header has 7; 3 BAD_TIMESTAMP requested_at is not an ISO 8601 YYYY-MM-DDTHH:MM:SS time"
check_eq "narrow: no file rejected whole" "$(count files "outcome = 'REJECTED'")" 0
invariants

# --- cancels: NOT_CANCELLABLE, ALREADY_CANCELLED after payments ---------------
ws_new cancels "payments:" "  blocked_customers: [bad]"
table p 'action,product_id,name,price' <<EOF
OK add,GOLD,Gold,10000
EOF
table b 'request_id,customer_id,product_id,amount,requested_at' <<EOF
OK p1,alice,GOLD,10000,$T
OK p2,bad,GOLD,10000,$T
OK p3,carol,GOLD,10000,$T
OK p4,dave,GOLD,10000,$T
EOF
table c 'request_id,customer_id,purchase_request_id,requested_at,reason' <<EOF
OK k1,alice,p1,2026-03-10T11:00:00,
EOF
mb ingest --date $D
check_rc "cancels: day 1 ingest" 0
mb payments --date $D
check_rc "cancels: day 1 payments" 0
check_eq "cancels: payments set the stage (void, decline, approve)" \
	"$(sql "SELECT group_concat(request_id || ' ' || payment, ', ') FROM (SELECT request_id, payment FROM memberships ORDER BY 1)")" \
	"p1 VOIDED, p2 DECLINED, p3 APPROVED, p4 APPROVED"
table c1 'request_id,customer_id,purchase_request_id,requested_at,reason' <<EOF
ALREADY_CANCELLED k2,alice,p1,2026-03-11T09:00:00,
NOT_CANCELLABLE k3,bad,p2,2026-03-11T09:00:00,
OK k4,carol,p3,2026-03-11T09:00:00,
ALREADY_CANCELLED k5,carol,p3,2026-03-11T09:30:00,
DUPLICATE_REQUEST k1,alice,p1,2026-03-10T11:00:00,
NOT_OWNER k6,alice,p4,2026-03-11T09:00:00,
EOF
table c2 'request_id,customer_id,purchase_request_id,requested_at,reason' <<EOF
ALREADY_CANCELLED k7,carol,p3,2026-03-11T10:00:00,
EOF
table b2 'request_id,customer_id,product_id,amount,requested_at' <<EOF
DUPLICATE_REQUEST p3,carol,GOLD,10000,$T
REQUEST_CONFLICT p4,erin,GOLD,10000,$T
EOF
mb ingest --date $D2
check_rc "cancels: day 2 ingest" 0
for f in c1 c2 b2; do check_table $f $D2; done
mb payments --date $D2
check_rc "cancels: day 2 payments" 0
# A year on: p4 (valid 2026-03-10 .. 2027-03-10) expired at its expires_on.
table c3 'request_id,customer_id,purchase_request_id,requested_at,reason' <<EOF
NOT_CANCELLABLE k8,dave,p4,2027-03-10T00:00:00,
ALREADY_CANCELLED k9,carol,p3,2027-03-10T00:00:00,
OK k10,dave,p4,2027-03-09T23:59:59,
EOF
mb ingest --date 2027-03-10
check_rc "cancels: a year on" 0
check_table c3 2027-03-10
runs_add_up
invariants

# --- the configured zone, across a DST change (America/New_York) ---------------
ws_new zone "timezone: America/New_York"
table p 'action,product_id,name,price,sale_until' <<EOF
OK add,S7,Until the 7th,1,2026-03-07
OK add,S8,Until the 8th,1,2026-03-08
OK add,NOEND,No end,1,
EOF
table b 'request_id,customer_id,product_id,amount,requested_at' <<EOF
OK z1,c1,S7,1,2026-03-08T04:59:59Z
PRODUCT_EXPIRED z2,c1,S7,1,2026-03-08T05:00:00Z
OK z3,c1,S8,1,2026-03-09T03:59:59Z
PRODUCT_EXPIRED z4,c1,S8,1,2026-03-09T04:00:00Z
OK z5,c1,S8,1,2026-03-08T23:59:59
PRODUCT_EXPIRED z6,c1,S8,1,2026-03-09T00:00:00
OK z7,c2,S8,1,2026-03-08T23:59:59-04:00
EOF
mb ingest --date 2026-03-09
check_rc "zone: exit 0" 0
check_table p 2026-03-09
check_table b 2026-03-09
table b2 'request_id,customer_id,product_id,amount,requested_at' <<EOF
OK y1,c3,NOEND,1,2026-03-08T12:00:00
OK y2,c3,NOEND,1,2026-03-10T03:59:59Z
FUTURE_TIMESTAMP y3,c3,NOEND,1,2026-03-10T04:00:00Z
FUTURE_TIMESTAMP y4,c3,NOEND,1,2026-03-10T00:00:00
OK y5,c3,NOEND,1,2026-03-09T23:59:59
BAD_TIMESTAMP y6,c3,NOEND,1,2026-03-08T02:30:00
OK y7,c3,NOEND,1,2026-03-08T03:00:00
EOF
mb ingest --date 2026-03-09
check_table b2 2026-03-09
check_eq "zone: a naive time in the spring-forward gap says so" \
	"$(sql "SELECT message FROM rejections WHERE request_id = 'y6'")" \
	"requested_at never happened in the configured zone (clocks went forward past it)"
invariants

# --- CSV: quoting, newlines, Hangul, _line, blank lines ----------------------------
ws_new csv
H200=$(printf '가%.0s' $(seq 200))
H201=$(printf '가%.0s' $(seq 201))
{
	printf 'action,product_id,name,price\n'
	printf 'add,N1,"Gold, ""VIP"" 회원권",100\n'
	printf 'add,N2,"two\nlines",100\n'
	printf '\n'
	printf 'bogus,N5,x,1\n'
	printf 'add,N3,"a\n\nc",100\n'
	printf 'add,N4,x\n'
	printf '\n\n'
	printf 'add,N6,%s,1\n' "$H200"
	printf 'add,N7,%s,1\n' "$H201"
	printf 'add,N8,"'"'"'); DROP TABLE products;--",1\n'
	printf 'add,N9,"%%s%%n\\ ""q"" ,x",1\n'
	printf 'add,N2,"dup\n\n\nname",1\n'
	printf 'add,N10,=1+2,1\n'
} | drop names.csv
printf 'action,product_id,name,price\r\nadd,C1,"a\r\nb",1\r\n\r\nbogus,C2,x,1\r\nadd,C3,"x""y",1' | drop crlf.csv
printf '\357\273\277"action","product_id","name","price"\r\n"add","BOM1","bom",1\r\n' | drop bom.csv
printf 'action,product_id,name,price\radd,CR1,"a\rb",1\r\rbogus,CR2,x,1\radd,CR3,"x""y",1\r' | drop cr.csv
mb ingest --date $D
check_rc "csv: exit 0" 0
check_lines "csv: _line after quoted newlines and blank lines" \
	"$(rejects "$WS/ws/rejected/$D/names.csv.rejects.csv")" \
	"$(printf '6 BAD_ACTION\n10 MALFORMED_ROW\n14 FIELD_TOO_LONG\n17 PRODUCT_EXISTS')"
check_eq "csv: quoted comma, doubled quotes, Hangul stored exactly" \
	"$(sql "SELECT hex(name) FROM products WHERE product_id = 'N1'")" "$(hexof 'Gold, "VIP" 회원권')"
check_eq "csv: newline in a name stored exactly" \
	"$(sql "SELECT hex(name) FROM products WHERE product_id = 'N2'")" "$(hexof "$(printf 'two\nlines')")"
check_eq "csv: blank line inside a quoted field stored exactly" \
	"$(sql "SELECT hex(name) FROM products WHERE product_id = 'N3'")" "$(hexof "$(printf 'a\n\nc')")"
check_eq "csv: 200 Hangul characters stored exactly" \
	"$(sql "SELECT hex(name) FROM products WHERE product_id = 'N6'")" "$(hexof "$H200")"
check_eq "csv: SQL in a field stored literally" \
	"$(sql "SELECT name FROM products WHERE product_id = 'N8'")" "'); DROP TABLE products;--"
check_eq "csv: printf directives and backslashes stored literally" \
	"$(sql "SELECT hex(name) FROM products WHERE product_id = 'N9'")" "$(hexof '%s%n\ "q" ,x')"
check_eq "csv: formula-looking text stored as is" "$(sql "SELECT name FROM products WHERE product_id = 'N10'")" "=1+2"
check_lines "csv: CRLF file: _line after a quoted CRLF and a blank line" \
	"$(rejects "$WS/ws/rejected/$D/crlf.csv.rejects.csv")" "5 BAD_ACTION"
check_eq "csv: CRLF file, last line without a newline" "$(sql "SELECT name FROM products WHERE product_id = 'C3'")" 'x"y'
check_lines "csv: CR-only file: _line after a quoted CR and a blank line" \
	"$(rejects "$WS/ws/rejected/$D/cr.csv.rejects.csv")" "5 BAD_ACTION"
check_eq "csv: CR-only file: rows applied, a CR inside quotes kept" \
	"$(sql "SELECT group_concat(product_id || '=' || hex(name), ' ') FROM (SELECT * FROM products WHERE product_id GLOB 'CR*' ORDER BY 1)")" \
	"CR1=610D62 CR3=782279"
check_eq "csv: BOM before a quoted header: applied" "$(sql "SELECT name FROM products WHERE product_id = 'BOM1'")" "bom"
check_eq "csv: bom.csv archived" "$(ls "$WS/ws/archive/$D/")" "$(printf 'bom.csv\ncr.csv\ncrlf.csv\nnames.csv')"
check_eq "csv: the rejected multi-line row written back whole" \
	"$(rejects_col "$WS/ws/rejected/$D/names.csv.rejects.csv" name | tail -n 4)" "$(printf 'dup\n\n\nname')"
invariants

# --- minor_digits 2 ---------------------------------------------------------------
ws_new cents "currency:" "  minor_digits: 2"
table p 'action,product_id,name,price' <<EOF
OK add,G,g,12.50
OK add,H,h,90071992547409.92
BAD_AMOUNT add,I,i,90071992547409.93
BAD_AMOUNT add,J,j,1.005
OK add,K,k,7
BAD_AMOUNT add,L,l,1.2.3
BAD_AMOUNT add,M,m,12.
BAD_AMOUNT add,N,n,.5
BAD_AMOUNT add,O,o,+7
BAD_AMOUNT add,P,p,7e0
BAD_AMOUNT add,Q,q,1 000
EOF
table b 'request_id,customer_id,product_id,amount,requested_at' <<EOF
OK b1,c1,G,12.5,$T
OK b2,c2,G,12.50,$T
BAD_AMOUNT b3,c3,G,12.500,$T
PRICE_MISMATCH b4,c4,G,12.51,$T
OK b5,c5,K,7.00,$T
BAD_AMOUNT b6,c6,K,"7,00",$T
BAD_AMOUNT b7,c7,K,7.,$T
BAD_AMOUNT b8,c8,G,12.5 0,$T
EOF
mb ingest --date $D
check_rc "cents: exit 0" 0
check_table p
check_table b
check_eq "cents: prices in minor units" "$(sql "SELECT group_concat(price) FROM (SELECT price FROM products ORDER BY 1)")" "700,1250,9007199254740992"
invariants

# --- LF, CRLF and no final newline give the same books ----------------------------
lf_products='action,product_id,name,price,sale_until
add,GOLD,"Gold, the best",10000,
add,SILVER,Silver,5000,2026-12-31

bogus,X,x,1,
add,BAD,x,1e3,'
lf_purchases='request_id,customer_id,product_id,amount,requested_at
p1,c1,GOLD,10000,2026-03-10T10:00:00
p2,c1,GOLD,1,2026-03-10T10:00:00

p3,c2,"SILVER",5000,2026-03-10T10:00:00Z'
for v in lf crlf nofinal; do
	ws_new "eol_$v"
	case $v in
	lf) printf '%s\n' "$lf_products" | drop p.csv
	    printf '%s\n' "$lf_purchases" | drop b.csv ;;
	crlf) printf '%s\n' "$lf_products" | sed 's/$/\r/' | drop p.csv
	      printf '%s\n' "$lf_purchases" | sed 's/$/\r/' | drop b.csv ;;
	nofinal) printf '%s' "$lf_products" | drop p.csv
		 printf '%s' "$lf_purchases" | drop b.csv ;;
	esac
	mb ingest --date $D
	check_rc "eol $v: exit 0" 0
	canon | grep -v '^F' > "$TMPROOT/canon_$v"
	cat "$WS/ws/rejected/$D/p.csv.rejects.csv" "$WS/ws/rejected/$D/b.csv.rejects.csv" > "$TMPROOT/rejects_$v" 2>&1
	invariants
done
check_lines "eol: lf rejects as expected" "$(rejects "$TMPROOT/eol_lf/ws/rejected/$D/p.csv.rejects.csv"; rejects "$TMPROOT/eol_lf/ws/rejected/$D/b.csv.rejects.csv")" \
	"$(printf '5 BAD_ACTION\n6 BAD_AMOUNT\n3 PRICE_MISMATCH')"
check_eq "eol: lf books not empty" "$(grep -c '^[PM]|' "$TMPROOT/canon_lf")" 4
for v in crlf nofinal; do
	check_file "eol: $v books = lf books" "$TMPROOT/canon_$v" "$TMPROOT/canon_lf"
	check_file "eol: $v rejects = lf rejects" "$TMPROOT/rejects_$v" "$TMPROOT/rejects_lf"
done

# --- columns in any order, _ columns ignored, the corrected-rejects round trip ---
ws_new order
printf 'price,_note,name,product_id,action\n10000,hello,Gold,GOLD,add\n' | drop p.csv
table q 'requested_at,_comment,amount,product_id,customer_id,request_id,_line' <<EOF
OK 2026-03-10T10:00:00,first,10000,GOLD,c1,q1,99
BAD_AMOUNT 2026-03-10T10:00:00,x,1e4,GOLD,c2,q2,
PRICE_MISMATCH 2026-03-10T10:00:00,x,9999,GOLD,c3,q3,
BAD_TIMESTAMP 2026-03-10T10:00,x,10000,GOLD,c4,q4,
DUPLICATE_REQUEST 2026-03-10T10:00:00,x,10000,GOLD,c1,q1,
EOF
mb ingest --date $D
check_rc "order: exit 0" 0
check_table q
check_eq "order: products columns in any order" "$(sql "SELECT name || ' ' || price FROM products")" "Gold 10000"
R1=$WS/ws/rejected/$D/q.csv.rejects.csv
# Fix two of the three bad values; leave the bad timestamp for round two.
grep -v DUPLICATE_REQUEST "$R1" | sed 's/,1e4,/,10000,/; s/,9999,/,10000,/' | drop q-fix1.csv
mb ingest --date $D
check_rc "order: round trip 1 exit 0" 0
check_eq "order: round trip 1 applied the fixed rows" \
	"$(sql "SELECT group_concat(request_id) FROM (SELECT request_id FROM memberships ORDER BY 1)")" "q1,q2,q3"
R2=$WS/ws/rejected/$D/q-fix1.csv.rejects.csv
check_lines "order: round trip 1 rejects the row still bad, at its line there" "$(rejects "$R2")" "4 BAD_TIMESTAMP"
sed 's/,2026-03-10T10:00,/,2026-03-10T10:00:00,/; s/^2026-03-10T10:00,/2026-03-10T10:00:00,/' "$R2" | drop q-fix2.csv
mb ingest --date $D
check_rc "order: round trip 2 exit 0" 0
check_eq "order: round trip 2 applied the last row" \
	"$(sql "SELECT group_concat(request_id) FROM (SELECT request_id FROM memberships ORDER BY 1)")" "q1,q2,q3,q4"
check_eq "order: round trip 2 left no rejects" "$(ls "$WS/ws/rejected/$D/" | grep -c 'q-fix2')" 0
check_eq "order: round trip files archived" "$(ls "$WS/ws/archive/$D/" | tr '\n' ' ')" "p.csv q-fix1.csv q-fix2.csv q.csv "
runs_add_up
invariants

# --- a file long enough that purchases go to the books many rows to a
# statement: a row the insert turns away (its request id taken earlier in
# the same statement, in an earlier statement, or in an earlier run) gets
# the verdict it gets alone, the rejects and the timeline keep line order ---
ws_new batch
mb init -q
products p.csv "add,GOLD,Gold,100,,"
purchases q1.csv "b1,cz,GOLD,100,$T" "b2,cy,GOLD,100,$T"
mb ingest -q --date $D
rows=""
n=1 # the line of the row added last (the header is line 1)
want=""
add() { rows="$rows$1
"; n=$((n + 1)); [ -n "${2:-}" ] && want="$want$n $2 "; }
for i in $(seq 1 200); do
	case $i in
	3) add "b1,cz,GOLD,100,$T" DUPLICATE_REQUEST ;;        # an earlier run, same fields
	8) add "b2,cz,GOLD,100,$T" REQUEST_CONFLICT ;;         # an earlier run, other fields
	10) add "n010,cz,GOLD,100,$T" ;;
	12) add "n010,cz,GOLD,100,$T" DUPLICATE_REQUEST ;;     # this statement, same fields
	14) add "n014,cz,GOLD,100,$T" ;;
	20) add "n020,cz,NOPE,100,$T" UNKNOWN_PRODUCT ;;
	21) add "n010,cz,GOLD,999,$T" REQUEST_CONFLICT ;;      # a price refused, the id seen first
	30) add "n030,cz,GOLD,100,$T" ;;
	150) add "n010,cz,GOLD,100,2026-03-09T10:00:00" REQUEST_CONFLICT ;; # an earlier statement
	*) add "n$i,c$i,GOLD,100,$T" ;;
	esac
done
printf 'request_id,customer_id,product_id,amount,requested_at\n%s' "$rows" | drop q2.csv
mb ingest --date $D
check_rc "batch: ingest" 0
check_grep "batch: counts" "200 rows, 194 accepted, 6 rejected" "$ERR"
check_eq "batch: rejects in line order, each with its verdict" \
	"$(tail -n +2 "$WS/ws/rejected/$D/q2.csv.rejects.csv" | awk -F, '{ printf "%s %s ", $(NF-2), $(NF-1) }')" "$want"
mb progress cz --date $D
check_eq "batch: the timeline in line order" "$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f2,3,7 | tr '\n' ' ')" \
"PURCHASE_REQUESTED,b1, PURCHASE_REJECTED,b1,DUPLICATE_REQUEST PURCHASE_REJECTED,b2,REQUEST_CONFLICT \
PURCHASE_REQUESTED,n010, PURCHASE_REJECTED,n010,DUPLICATE_REQUEST PURCHASE_REQUESTED,n014, \
PURCHASE_REJECTED,n020,UNKNOWN_PRODUCT PURCHASE_REJECTED,n010,REQUEST_CONFLICT PURCHASE_REQUESTED,n030, \
PURCHASE_REJECTED,n010,REQUEST_CONFLICT "
check_eq "batch: one membership per request id" \
	"$(sql "SELECT count(*), count(DISTINCT request_id) FROM memberships")" "196|196"
runs_add_up
invariants

finish
