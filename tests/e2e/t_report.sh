#!/bin/sh
# t_report.sh — `membership report` and `membership progress` (SPEC §5, §6,
# RELIABILITY G) through the inbox: the reports of two business dates
# against golden files (minor_digits 2, names with quotes, commas, newlines,
# Hangul, formula injection), a past date rerun after later activity
# (byte-identical), an independent CSV reader over every file with row
# counts checked against the books, modes under umask 000, per_customer
# changed/all/none, progress = customers/<id>.csv, dry runs, leftovers of
# killed runs, a fault sweep (test build) and a full disk (root only).
# UPDATE_GOLDEN=1 rewrites the golden files (then read the diff!).
. "$(dirname "$0")/lib.sh"

GOLDEN=$TOP/tests/e2e/golden/report
D1=2026-03-10
D2=2026-03-11
D3=2026-03-12


# tree DIR: every entry under DIR with its type and mode, sorted.
tree() {
	(cd "$1" && find . -printf '%y %m %p\n' | LC_ALL=C sort)
}

# check_golden WHAT DIR GOLDEN-DIR: same files, byte for byte. The golden
# folders hold no daily.xlsx (t_workbook.sh reads it with a real reader):
# then it need only be there; a rerun's copy is compared byte for byte.
check_golden() {
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		rm -rf "$3"
		mkdir -p "$3"
		cp -R "$2/." "$3/"
		rm -f "$3/daily.xlsx"
	fi
	skip='^$'
	if [ ! -f "$3/daily.xlsx" ]; then
		skip='^\./daily\.xlsx$'
		if [ -s "$2/daily.xlsx" ]; then ok "$1: daily.xlsx"; else not_ok "$1: daily.xlsx missing"; fi
	fi
	check_eq "$1: file list" "$(cd "$2" && find . -type f | grep -v "$skip" | LC_ALL=C sort)" \
		"$(cd "$3" && find . -type f | LC_ALL=C sort)"
	for f in $(cd "$3" && find . -type f | LC_ALL=C sort); do
		check_file "$1: $f" "$2/$f" "$3/$f"
	done
}

# csv_rows FILE: parse FILE with python's csv module (strict), check the
# header is the one expected, every row has its field count, LF line ends;
# print the number of data rows (or an error).
csv_rows() {
	python3 - "$1" "$2" <<'EOF'
import csv, sys
path, header = sys.argv[1], sys.argv[2].split(",")
data = open(path, "rb").read()
if not data.endswith(b"\n"):
    print("no final LF"); sys.exit()
rows = list(csv.reader(open(path, newline="", encoding="utf-8"), strict=True))
if rows[0] != header:
    print("header", rows[0]); sys.exit()
bad = [r for r in rows[1:] if len(r) != len(header)]
print(len(rows) - 1 if not bad else "ragged %r" % bad[:1])
EOF
}

# sqlite_rows FILE: the same count through a second reader (sqlite3 shell).
sqlite_rows() {
	sqlite3 -batch -noheader :memory: ".import --csv '$1' t" "SELECT count(*) FROM t"
}

HDR_PROGRESS=customer_id,request_id,product_id,product_name,amount,status,requested_at,valid_from,expires_on,refund_amount,updated_on
HDR_CUSTOMER=date,event,request_id,product_id,amount,status,detail
HDR_SALES=product_id,name,price,status,sold_count,gross_amount,refunded_amount,net_amount
HDR_REJECTIONS=file,line,request_id,customer_id,reason,message
HDR_RECON=product_id,recorded,ledger,difference
HDR_EXPIRING=customer_id,request_id,product_id,expires_on

# day_number DATE: days since 1970-01-01 (the books' dates).
day_number() {
	echo $(( $(date -u -d "$1" +%s) / 86400 ))
}

# check_counts DATE: every CSV of reports/DATE parses with two readers and
# holds as many rows as the books say it should.
check_counts() {
	d=$1 r=$REPORTS/$1 n=$(day_number "$1")
	check_eq "$d customer-progress rows" "$(csv_rows "$r/customer-progress.csv" "$HDR_PROGRESS")" \
		"$(sql "SELECT count(*) FROM memberships WHERE requested_on <= $n")"
	check_eq "$d sales rows" "$(csv_rows "$r/sales.csv" "$HDR_SALES")" \
		"$(sql "SELECT count(DISTINCT product_id) FROM product_versions WHERE business_date <= $n")"
	check_eq "$d rejections rows" "$(csv_rows "$r/rejections.csv" "$HDR_REJECTIONS")" \
		"$(sql "SELECT count(*) FROM rejections WHERE business_date = $n")"
	check_eq "$d reconciliation rows" "$(csv_rows "$r/reconciliation.csv" "$HDR_RECON")" \
		"$(sql "SELECT count(*) FROM reconciliation WHERE business_date = $n")"
	check_eq "$d expiring-soon rows" "$(csv_rows "$r/expiring-soon.csv" "$HDR_EXPIRING")" \
		"$(sql "SELECT count(*) FROM memberships WHERE approved_on <= $n AND valid_from <= $n
		  AND expires_on > $n AND expires_on <= $n + $NOTICE
		  AND coalesce(cancelled_on > $n, 1) AND coalesce(expired_on > $n, 1)")"
	for f in "$r"/*.csv; do
		check_eq "$d $(basename "$f"): sqlite3 reads as many rows as python" \
			"$(sqlite_rows "$f")" "$(csv_rows "$f" "$(head -n 1 "$f")")"
	done
	if [ -d "$r/customers" ]; then
		for f in "$r"/customers/*.csv; do
			id=$(basename "$f" .csv)
			check_eq "$d customers/$id.csv rows" "$(csv_rows "$f" "$HDR_CUSTOMER")" \
				"$(sql "SELECT count(*) FROM $EVENTS WHERE customer_id = '$id' AND business_date <= $n")"
		done
	fi
}

# Every customer event as the books hold it, dated (an oracle written here
# from the tables, independent of the program's timeline query): each
# purchase, each payment decision, each stored event.
EVENTS="(SELECT customer_id, requested_on AS business_date FROM memberships
 UNION ALL SELECT customer_id, decided_on FROM memberships WHERE decided_id IS NOT NULL
 UNION ALL SELECT customer_id, business_date FROM events)"

NOTICE=400
ws_new main "timezone: Asia/Seoul" "currency:" "  code: USD" "  minor_digits: 2" \
	"expire:" "  notice_days: $NOTICE"
mb init -q
check_rc "init" 0

# --- day 1: a catalogue of awkward names, purchases, rejects, a void ---------
products "products-1.csv" \
	'add,BASIC,"Basic, ""starter""",10.50,,' \
	'add,HANGUL,"한글 멤버십, 프리미엄",99,,' \
	'add,FORMULA,=1+2,5.00,,' \
	'add,PLUS,+cmd,1.00,2026-03-10,' \
	'add,MINUS,-minus,2.00,,' \
	'add,AT,@at,3,,' \
	'add,NL,"line one
line two",6.00,,' \
	'add,CR,"'"$(printf '\r')"'starts with CR",7.00,,'
purchases "purchases-1.csv" \
	'r1,alice,BASIC,10.50,2026-03-10T09:00:00' \
	'r2,bob,HANGUL,99.00,2026-03-10T00:30:00Z' \
	'r3,0dash,FORMULA,5,2026-03-10T10:00:00+09:00' \
	'r4,carol,PLUS,1.00,2026-03-10T11:00:00' \
	'r5,alice,NL,6.00,2026-03-10T12:00:00' \
	'r6,dave,BASIC,10.00,2026-03-10T12:00:00' \
	'r7,erin,NOPE,1.00,2026-03-10T12:00:00' \
	'r8,"=HYPERLINK(1)",BASIC,10.50,2026-03-10T12:00:00' \
	'r10,carol,AT,3.00,2026-03-10T13:00:00' \
	'r11,gina,CR,7.00,2026-03-10T13:30:00'
cancels "cancels-1.csv" \
	'c1,carol,r10,2026-03-10T14:00:00,"=evil reason, ""quoted"""'
printf 'not,a,request,file\n1,2,3,4\n' | drop '=bad, "name".csv'
mb nightly --date $D1
check_rc "nightly $D1 (one file rejected whole)" 65
mkdir -p "$TMPROOT/first"
cp -R "$REPORTS/$D1" "$TMPROOT/first/$D1"
check_golden "$D1" "$REPORTS/$D1" "$GOLDEN/$D1"
check_counts $D1

# The formula guard, cell by cell (the golden files hold them too).
check_grep "guard: = name" "^FORMULA,'=1+2," "$(cat "$REPORTS/$D1/sales.csv")"
check_grep "guard: + name" "^PLUS,'+cmd," "$(cat "$REPORTS/$D1/sales.csv")"
check_grep "guard: - name" "^MINUS,'-minus," "$(cat "$REPORTS/$D1/sales.csv")"
check_grep "guard: @ name" "^AT,'@at," "$(cat "$REPORTS/$D1/sales.csv")"
check_grep "guard: CR name, quoted" "^CR,\"'$(printf '\r')starts" "$(cat "$REPORTS/$D1/sales.csv")"
check_grep "no guard on an id (its first is a letter or digit)" "^0dash,r3," "$(cat "$REPORTS/$D1/customer-progress.csv")"
check_grep "guard: = file name, quoted" "^\"'=bad, \"\"name\"\".csv\",," "$(cat "$REPORTS/$D1/rejections.csv")"
check_grep "Hangul and comma quoted" '^HANGUL,"한글 멤버십, 프리미엄",99.00,' "$(cat "$REPORTS/$D1/sales.csv")"
check_grep "amounts with exactly 2 decimals" "^BASIC,\"Basic, \"\"starter\"\"\",10.50,ACTIVE,1,10.50,0.00,10.50$" \
	"$(cat "$REPORTS/$D1/sales.csv")"

# Each customers/<id>.csv holds only that customer's rows (G4), and
# progress prints the same bytes.
for f in "$REPORTS/$D1"/customers/*.csv; do
	id=$(basename "$f" .csv)
	mb progress --date $D1 -- "$id"
	check_rc "progress $id" 0
	printf '%s\n' "$OUT" | check_file "progress $id = customers/$id.csv" "$f" -
done

# --- day 2: price change and rename, a deletion, refunds, more rejects --------
products "products-2.csv" \
	'update,BASIC,Basic v2,11.00,,' \
	'delete,MINUS,,,,'
purchases "purchases-2.csv" \
	'r20,bob,BASIC,11,2026-03-11T08:00:00' \
	'r21,alice,HANGUL,99.00,2026-03-11T08:30:00' \
	'r22,bob,PLUS,1.00,2026-03-11T09:00:00'
cancels "cancels-2.csv" \
	'c2,bob,r2,2026-03-11T09:00:00,' \
	'c3,alice,r1,2026-03-11T10:00:00,"line
break"' \
	'c4,dave,r5,2026-03-11T10:00:00,' \
	'c5,alice,r999,2026-03-11T10:00:00,'
mb nightly --date $D2
check_rc "nightly $D2" 0
check_golden "$D2" "$REPORTS/$D2" "$GOLDEN/$D2"
check_counts $D2

# --- a past date again, after later activity: byte-identical -------------------
mb report --date $D1
check_rc "report $D1 again after $D2" 0
check_eq "rerun of $D1: same tree" "$(tree "$REPORTS/$D1")" "$(tree "$TMPROOT/first/$D1")"
check_golden "$D1 rerun" "$REPORTS/$D1" "$TMPROOT/first/$D1"
mb progress --date $D1 alice
printf '%s\n' "$OUT" | check_file "progress alice --date $D1 after $D2" "$TMPROOT/first/$D1/customers/alice.csv" -
mb progress --date $D2 bob
printf '%s\n' "$OUT" | check_file "progress bob --date $D2" "$REPORTS/$D2/customers/bob.csv" -

# --- progress: unknown customer, bad id -------------------------------------------
mb progress --date $D2 nobody
check_rc "progress of an unknown customer" 0
check_eq "unknown customer: header only" "$OUT" "$HDR_CUSTOMER"
check_grep "unknown customer: said on stderr" "nobody" "$ERR"
mb progress -q --date $D2 nobody
check_eq "unknown customer with -q: silent" "$ERR" ""
mb progress --date $D2 'a/../b'
check_rc "progress with a bad id" 64
mb progress --date $D2 "$(printf 'x\ny')"
check_rc "progress with a newline in the id" 64
check_eq "bad id: nothing on stdout" "$OUT" ""

# --- modes under umask 000 ---------------------------------------------------------
(umask 000 && "$MEMBERSHIP_BIN" -c "$CFG" report -q --date $D2)
check_eq "umask 000: report ran" "$?" 0
check_eq "umask 000: files 0640, folders 0750" \
	"$(cd "$REPORTS/$D2" && find . \( -type f ! -perm 640 \) -o \( -type d ! -perm 750 \))" ""
check_eq "umask 000: reports/ 0750" "$(stat -c %a "$REPORTS")" 750
check_golden "$D2 under umask 000" "$REPORTS/$D2" "$GOLDEN/$D2"

# --- dry run: lists, writes nothing ----------------------------------------------------
before=$(tree "$WS/ws")
mb report --dry-run --date $D3
check_rc "report --dry-run" 0
check_grep "dry run lists the files" "would write .*/$D3/sales.csv" "$ERR"
check_eq "dry run wrote nothing" "$(tree "$WS/ws")" "$before"
# The customer files are read by a thread and a connection of their own,
# except in a verbose dry run, which lists them in order from the job's
# own connection: the same files and counts either way.
counts() { printf '%s\n%s\n' "$OUT" "$ERR" | grep "would write [0-9]* files" | sed 's/ (dry run, .*//'; }
mb report --dry-run --date $D2
threaded=$(counts)
check_grep "dry run: the customer files counted" "would write [0-9]* files ([1-9][0-9]* customer timelines)" "$threaded"
mb report -v --dry-run --date $D2
check_rc "report -v --dry-run" 0
check_eq "verbose dry run (one thread): the same counts" "$(counts)" "$threaded"
listed=$(printf '%s\n' "$ERR" | sed -n "s|.*would write .*/$D2/customers/\(.*\)\.csv\$|\1|p")
check_eq "verbose dry run lists every customer file" "$(printf '%s\n' "$listed" | grep -c .)" \
	"$(printf '%s\n' "$threaded" | sed 's/.*(\([0-9]*\) customer timelines).*/\1/')"
check_eq "verbose dry run lists them in customer order" "$listed" "$(printf '%s\n' "$listed" | LC_ALL=C sort)"

# --- per_customer: changed (default) / all / none ------------------------------------
check_eq "changed: customers with an event on $D2" "$(cd "$REPORTS/$D2/customers" && LC_ALL=C ls | tr '\n' ' ')" \
	"$(sql "SELECT DISTINCT customer_id || '.csv' FROM $EVENTS WHERE business_date = $(day_number $D2) ORDER BY 1" | LC_ALL=C sort | tr '\n' ' ')"
cp "$CFG" "$TMPROOT/cfg.changed"
printf 'reports:\n  per_customer: all\n' >> "$CFG"
mb report --date $D2
check_rc "report, per_customer all" 0
check_eq "all: every customer with an event up to $D2" "$(cd "$REPORTS/$D2/customers" && LC_ALL=C ls | tr '\n' ' ')" \
	"$(sql "SELECT DISTINCT customer_id || '.csv' FROM $EVENTS WHERE business_date <= $(day_number $D2)" | LC_ALL=C sort | tr '\n' ' ')"
for f in "$REPORTS/$D2"/customers/*.csv; do
	g=$GOLDEN/$D2/customers/$(basename "$f")
	[ -f "$g" ] && check_file "all: $(basename "$f") as with changed" "$f" "$g"
done
check_file "all: customers/erin.csv (no event on $D2, one on $D1)" \
	"$REPORTS/$D2/customers/erin.csv" "$GOLDEN/$D1/customers/erin.csv"
cp "$TMPROOT/cfg.changed" "$CFG"
printf 'reports:\n  per_customer: none\n' >> "$CFG"
mb report --date $D2
check_rc "report, per_customer none" 0
check_eq "none: no customers/ folder" "$(ls "$REPORTS/$D2")" \
	"$(printf '%s\n' customer-progress.csv daily.xlsx expiring-soon.csv reconciliation.csv rejections.csv sales.csv summary.txt)"
cp "$TMPROOT/cfg.changed" "$CFG"

# --- leftovers of killed runs --------------------------------------------------------------
mkdir -p "$REPORTS/.$D2.tmp-99999/customers"
echo partial > "$REPORTS/.$D2.tmp-99999/sales.csv"
mv "$REPORTS/$D1" "$REPORTS/.$D1.old-4242" # killed between the two renames
mb report --date $D2
check_rc "report after a killed run" 0
check_eq "leftover .tmp removed" "$(ls -a "$REPORTS" | grep -c 'tmp-')" 0
check_eq "set-aside $D1 put back" "$(ls -a "$REPORTS" | grep -c 'old-')" 0
check_golden "$D1 put back" "$REPORTS/$D1" "$TMPROOT/first/$D1"
check_golden "$D2 after cleanup" "$REPORTS/$D2" "$GOLDEN/$D2"

# --- fault sweep (test build): killed at every step, the visible reports are
# always whole, and a rerun completes them --------------------------------------------
if [ -x "${FAULT_BIN:-}" ]; then
	n=1
	while [ $n -lt 200 ]; do
		MEMBERSHIP_FAULT_AT=$n "$FAULT_BIN" -c "$CFG" report -q --date $D1 > /dev/null 2>&1
		rc=$?
		[ "$rc" = 0 ] && break
		if [ -d "$REPORTS/$D1" ] && ! diff -r "$REPORTS/$D1" "$TMPROOT/first/$D1" > /dev/null; then
			not_ok "fault $n: reports/$D1 is not whole"
		fi
		"$MEMBERSHIP_BIN" -c "$CFG" report -q --date $D1 2> /dev/null
		if ! diff -r "$REPORTS/$D1" "$TMPROOT/first/$D1" > /dev/null ||
		   [ "$(ls -a "$REPORTS" | grep -c -e 'tmp-' -e 'old-')" != 0 ]; then
			not_ok "fault $n: the rerun did not restore the reports"
		fi
		n=$((n + 1))
	done
	check_eq "fault sweep reached a clean run (after $((n - 1)) faults)" "$rc" 0
	check_eq "fault sweep covered every step" "$([ $n -gt 10 ] && echo yes)" yes
else
	echo "(fault sweep skipped: no test build at FAULT_BIN)"
fi

# --- disk full (root, in a private mount namespace): exit 74, nothing visible ------
if [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
	before=$(tree "$REPORTS")
	unshare -m sh -c 'mount -t tmpfs -o size=16k tmpfs "$1" || exit 1;
		"$3" -c "$4" report -q --date "$5" > /dev/null 2>&1; echo "rc=$?";
		ls -a "$1" | grep -c -e tmp- -e old-' sh "$REPORTS" "$TMPROOT/first" "$MEMBERSHIP_BIN" "$CFG" $D2 \
		> "$TMPROOT/enospc" 2>&1
	check_eq "disk full: exit 74, no temporary folder left" "$(tr '\n' ' ' < "$TMPROOT/enospc")" "rc=74 0 "
	check_eq "disk full: reports untouched outside the namespace" "$(tree "$REPORTS")" "$before"
else
	echo "(disk-full case skipped: needs root and unshare -m)"
fi

invariants

# --- a day whose only event for a customer is a purchase requested (read
# from the membership row, not stored as an event): ingested, not yet
# decided, the customer is "changed" and the timeline ends with it ---------------
ws_new undecided "timezone: Asia/Seoul"
mb init -q
products p.csv "add,GOLD,Gold,100,,"
mb ingest -q --date 2026-05-01
purchases q.csv "u1,una,GOLD,100,2026-05-01T09:00:00"
mb nightly -q --date 2026-05-01
purchases q2.csv "u2,una,GOLD,100,2026-05-02T09:00:00" "v1,vera,GOLD,100,2026-05-02T09:30:00"
mb ingest -q --date 2026-05-02
mb report --date 2026-05-02
check_rc "report of a day with purchases not yet decided" 0
check_eq "undecided: the purchasers are the changed customers" \
	"$(LC_ALL=C ls "$REPORTS/2026-05-02/customers" | tr '\n' ' ')" "una.csv vera.csv "
check_eq "undecided: una's timeline, in order" \
	"$(cut -d, -f1-3 "$REPORTS/2026-05-02/customers/una.csv" | tr '\n' ' ')" \
	"date,event,request_id 2026-05-01,PURCHASE_REQUESTED,u1 2026-05-01,PAYMENT_APPROVED,u1 2026-05-02,PURCHASE_REQUESTED,u2 "
# A customer's decided purchases and pending ones are read from two indexes
# (schema_6.sql) and merged: in request_id order in customer-progress.csv, in
# id order in the timeline, whichever index each comes from.
check_eq "undecided: customer-progress merges the decided and the pending" \
	"$(cut -d, -f1,2,6 "$REPORTS/2026-05-02/customer-progress.csv" | tr '\n' ' ')" \
	"customer_id,request_id,status una,u1,ACTIVE una,u2,PENDING_PAYMENT vera,v1,PENDING_PAYMENT "
mb progress una --date 2026-05-02
check_eq "undecided: progress shows the pending purchase after the decided one" \
	"$(printf '%s\n' "$OUT" | cut -d, -f1-3 | tr '\n' ' ')" \
	"date,event,request_id 2026-05-01,PURCHASE_REQUESTED,u1 2026-05-01,PAYMENT_APPROVED,u1 2026-05-02,PURCHASE_REQUESTED,u2 "
check_grep "undecided: summary counts the day's purchases" "purchases accepted *2\$" \
	"$(cat "$REPORTS/2026-05-02/summary.txt")"
mb report --date 2026-05-01
check_eq "undecided: the day before, as it was" \
	"$(LC_ALL=C ls "$REPORTS/2026-05-01/customers" | tr '\n' ' ')" "una.csv "
check_grep "undecided: the day before counts its own purchase" "purchases accepted *1\$" \
	"$(cat "$REPORTS/2026-05-01/summary.txt")"
invariants

# --- decisions read from the membership rows (schema_4.sql): a customer whose
# only event of the day is a decision on an earlier purchase is "changed";
# a customer's decisions come in the order payments made them (requested_at),
# not in the order of their purchases, between the stored events ---------------
ws_new decided "timezone: Asia/Seoul"
mb init -q
products p.csv "add,GOLD,Gold,100,,
add,SILVER,Silver,50,,
add,LTD,Limited,70,,1"
mb ingest -q --date 2026-06-01
purchases a.csv "k1,kay,GOLD,100,2026-06-01T10:00:00" \
	"k2,kay,SILVER,50,2026-06-01T09:00:00" \
	"l1,lou,LTD,70,2026-06-01T08:00:00" \
	"l2,lou,LTD,70,2026-06-01T08:30:00" \
	"n1,ned,GOLD,100,2026-06-01T10:00:00" \
	"n2,ned,SILVER,50,2026-06-01T09:00:00"
mb ingest -q --date 2026-06-01
mb report --date 2026-06-01
purchases b.csv "m1,max,GOLD,100,2026-06-02T09:00:00"
cancels c.csv "xk2,kay,k2,2026-06-02T09:00:00,"
mb nightly -q --date 2026-06-02
check_rc "decided: nightly" 0
check_eq "decided: kay, lou and ned changed by decisions alone, max by a purchase" \
	"$(LC_ALL=C ls "$REPORTS/2026-06-02/customers" | tr '\n' ' ')" "kay.csv lou.csv max.csv ned.csv "
check_eq "decided: kay's decisions in the order made, then the cancel" \
	"$(cat "$REPORTS/2026-06-02/customers/kay.csv")" "date,event,request_id,product_id,amount,status,detail
2026-06-01,PURCHASE_REQUESTED,k1,GOLD,100,PENDING_PAYMENT,
2026-06-01,PURCHASE_REQUESTED,k2,SILVER,50,PENDING_PAYMENT,
2026-06-02,CANCEL_REQUESTED,xk2,SILVER,50,PENDING_PAYMENT,
2026-06-02,PAYMENT_VOIDED,k2,SILVER,50,CANCELLED,
2026-06-02,PAYMENT_APPROVED,k1,GOLD,100,ACTIVE,"
check_eq "decided: lou's approval and decline" \
	"$(cut -d, -f2,3,6,7 "$REPORTS/2026-06-02/customers/lou.csv" | tail -n 2)" "PAYMENT_APPROVED,l1,ACTIVE,
PAYMENT_DECLINED,l2,DECLINED,ALREADY_ACTIVE"
check_eq "decided: ned's later purchase was decided first" \
	"$(cut -d, -f2,3 "$REPORTS/2026-06-02/customers/ned.csv" | tr '\n' ' ')" \
	"event,request_id PURCHASE_REQUESTED,n1 PURCHASE_REQUESTED,n2 PAYMENT_APPROVED,n2 PAYMENT_APPROVED,n1 "
mb progress lou --date 2026-06-02
check_eq "decided: progress says what report wrote" "$OUT" "$(cat "$REPORTS/2026-06-02/customers/lou.csv")"
mb progress lou --date 2026-06-01
check_eq "decided: as of the day before, no decision yet" \
	"$(printf '%s\n' "$OUT" | cut -d, -f2 | tr '\n' ' ')" "event PURCHASE_REQUESTED PURCHASE_REQUESTED "
summary=$(cat "$REPORTS/2026-06-02/summary.txt")
check_grep "decided: summary counts the day's approvals" "approved *5 *420\$" "$summary"
check_grep "decided: summary counts the day's declines" "declined *1\$" "$summary"
check_grep "decided: summary gives the decline's reason" "ALREADY_ACTIVE *1\$" "$summary"
mb report --date 2026-06-01
check_grep "decided: the day before had no decision" "approved *0 *0\$" \
	"$(cat "$REPORTS/2026-06-01/summary.txt")"
invariants
finish
