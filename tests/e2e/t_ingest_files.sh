#!/bin/sh
# t_ingest_files.sh — ingest, file by file (SPEC §4.1, §4.2, §4.4): whole-file
# rejections (exit 65, rejected/<date>/ with .error.txt, nothing applied),
# which files are picked up and in what order, awkward file names and name
# clashes, --dry-run, and the run record adding up.
. "$(dirname "$0")/lib.sh"
. "$TOP/fixtures/ingest/helpers.sh"
LC_ALL=C
export LC_ALL

PH='action,product_id,name,price'

# whole_rejected NAME REASON [DATE]: NAME is in rejected/<date>/ with an
# error.txt naming REASON, not in the inbox or archive, no rejects file.
whole_rejected() {
	_d=$WS/ws/rejected/${3:-$D}
	check_eq "$1: moved to rejected/" "$(test -f "$_d/$1" && echo yes)" yes
	check_eq "$1: gone from the inbox" "$(test -e "$INBOX/$1" && echo still)" ""
	check_eq "$1: not archived" "$(test -e "$WS/ws/archive/${3:-$D}/$1" && echo archived)" ""
	check_eq "$1: no rejects file" "$(test -e "$_d/$1.rejects.csv" && echo present)" ""
	if [ -f "$_d/$1.error.txt" ]; then
		check_grep "$1: error.txt names $2" "\\<$2\\>" "$(cat "$_d/$1.error.txt")"
	else
		not_ok "$1: error.txt missing"
	fi
	check_eq "$1: one rejections row, whole file (no line), $2" \
		"$(sql "SELECT count(*) || ' ' || ifnull(max(line), '-') || ' ' || group_concat(reason) FROM rejections WHERE file = '$(printf '%s' "$1" | sed "s/'/''/g")'")" "1 - $2"
}

# --- every whole-file rejection in one run ---------------------------------------
ws_new whole
printf '%s\nadd,GOOD1,Good,1\n' "$PH" | drop a_good.csv
printf '%s\nadd,GOOD1,Good,1\n' "$PH" | drop b_copy.csv
printf '%s\nadd,BADU1,ok,1\nadd,BADU2,\377\376,1\n' "$PH" | drop utf8.csv
printf '%s\nadd,BADU3,ok,1\nadd,BADU4,\300\257,1\n' "$PH" | drop overlong.csv
printf '%s\nadd,BADU5,ok,1\nadd,BADU6,\355\240\200,1\n' "$PH" | drop surrogate.csv
printf '%s\nadd,BADN1,ok,1\nadd,BADN2,a\000b,1\n' "$PH" | drop nul.csv
printf '%s\nadd,BADQ1,ok,1\nadd,BADQ2,"abc,1\n' "$PH" | drop unterminated.csv
printf '%s\nadd,BADQ3,ok,1\nadd,BADQ4,"abc,1' "$PH" | drop unterminated_nonl.csv
printf '%s\nadd,BADS1,ok,1\nadd,BADS2,ab"c,1\nadd,BADS3,ok,1\n' "$PH" | drop stray.csv
printf '%s\nadd,BADS4,ok,1\nadd,BADS5,"ab"c",1\nadd,BADS6,ok,1\n' "$PH" | drop stray_quoted.csv
printf 'foo,bar\n1,2\n' | drop nokind.csv
printf 'action,product_id,name\nadd,BADM1,x\n' | drop missingcol.csv
printf 'request_id,customer_id,product_id,requested_at,amount,colour\nq1,c1,GOOD1,2026-03-10T10:00:00,1,red\n' | drop unknowncol.csv
printf 'action,product_id,name,price,price\nadd,BADK1,x,1,1\n' | drop dupcol.csv
printf 'Action,Product_ID,Name,Price\nadd,BADC1,x,1\n' | drop uppercase.csv
: | drop empty.csv
printf '\n\n' | drop blank.csv
mb ingest --date $D
check_rc "whole: a run with whole-file rejects exits 65" 65
check_eq "whole: a_good.csv applied and archived" "$(ls "$WS/ws/archive/$D/")" "a_good.csv"
whole_rejected b_copy.csv DUPLICATE_FILE
whole_rejected utf8.csv INVALID_UTF8
whole_rejected overlong.csv INVALID_UTF8
whole_rejected surrogate.csv INVALID_UTF8
whole_rejected nul.csv NUL_BYTE
whole_rejected unterminated.csv BAD_CSV
whole_rejected unterminated_nonl.csv BAD_CSV
whole_rejected stray.csv BAD_CSV
whole_rejected stray_quoted.csv BAD_CSV
whole_rejected nokind.csv BAD_HEADER
whole_rejected missingcol.csv BAD_HEADER
whole_rejected unknowncol.csv BAD_HEADER
whole_rejected dupcol.csv BAD_HEADER
whole_rejected uppercase.csv BAD_HEADER
whole_rejected empty.csv BAD_HEADER
whole_rejected blank.csv BAD_HEADER
check_eq "whole: nothing of the rejected files applied" "$(count products "product_id != 'GOOD1'")" 0
check_eq "whole: no purchase from a rejected file" "$(count memberships)" 0
check_eq "whole: the inbox is empty" "$(ls -A "$INBOX")" ""
check_eq "whole: only the row rejections are rows" "$(count rejections "line IS NOT NULL")" 0
check_eq "whole: a duplicate file counts its rows as rejected" \
	"$(sql "SELECT rows_read || ' ' || accepted || ' ' || rejected FROM files WHERE name = 'b_copy.csv'")" "1 0 1"
runs_add_up
# The same content under yet another name, on a later run: still a duplicate.
printf '%s\nadd,GOOD1,Good,1\n' "$PH" | drop c_again.csv
mb ingest --date $D2
check_rc "whole: duplicate on a later run exits 65" 65
whole_rejected c_again.csv DUPLICATE_FILE $D2
# The same content under its first name, on a later run: a duplicate too.
printf '%s\nadd,GOOD1,Good,1\n' "$PH" | drop a_good.csv
mb ingest --date $D2
check_rc "whole: same name, same content again exits 65" 65
check_grep "whole: same name, same content: DUPLICATE_FILE" DUPLICATE_FILE "$(cat "$WS/ws/rejected/$D2/a_good.csv.error.txt" 2>&1)"
# A file rejected whole may come again unchanged (nothing of it was applied):
# rejected again for its own reason, not as a duplicate.
drop missingcol.csv < "$WS/ws/rejected/$D/missingcol.csv"
printf '%s\nadd,LATER,x,1\n' "$PH" | drop later.csv
mb ingest --date $D2
check_rc "whole: a resent rejected file is rejected again" 65
check_grep "whole: resent file rejected for its own reason" BAD_HEADER "$(cat "$WS/ws/rejected/$D2/missingcol.csv.error.txt" 2>&1)"
check_eq "whole: later.csv applied" "$(count products "product_id = 'LATER'")" 1
invariants

# --- max_file_bytes ---------------------------------------------------------------
ws_new toolarge "inbox:" "  max_file_bytes: 100"
printf '%s\nadd,SMALL,s,1\n' "$PH" | drop small.csv
{ printf '%s\n' "$PH"; for i in 1 2 3 4 5 6; do printf 'add,LARGE%s,large,1\n' "$i"; done; } | drop large.csv
mb ingest --date $D
check_rc "toolarge: exit 65" 65
whole_rejected large.csv FILE_TOO_LARGE
check_eq "toolarge: nothing of it applied" "$(sql "SELECT group_concat(product_id) FROM products")" "SMALL"
runs_add_up
invariants

# --- max_rejected_share -------------------------------------------------------------
ws_new share "inbox:" "  max_rejected_share: 0.5"
printf '%s\nadd,A1,a,1\nbogus,A2,a,1\n' "$PH" | drop half.csv
printf '%s\nadd,B1,b,1\nbogus,B2,b,1\nbogus,B3,b,1\n' "$PH" | drop most.csv
printf 'request_id,customer_id,product_id,amount,requested_at\nq1,c1,A1,1,2026-03-10T10:00:00\nq2,c1,NOPE,1,2026-03-10T10:00:00\nq3,c1,NOPE,1,2026-03-10T10:00:00\n' | drop buys.csv
mb ingest --date $D
check_rc "share: exit 65" 65
check_lines "share: half rejected (= share) is applied" "$(rejects "$WS/ws/rejected/$D/half.csv.rejects.csv")" "3 BAD_ACTION"
whole_rejected most.csv TOO_MANY_REJECTED
whole_rejected buys.csv TOO_MANY_REJECTED
check_grep "share: the error file names the first rejected row (line, request id, reason)" \
	"^message: 2 of 3 rows would be rejected, .*; the first at line 3 (request q2, UNKNOWN_PRODUCT)$" \
	"$(cat "$WS/ws/rejected/$D/buys.csv.error.txt")"
check_grep "share: a products file's first rejected row has no request id" \
	"; the first at line 3 (BAD_ACTION)$" "$(cat "$WS/ws/rejected/$D/most.csv.error.txt")"
check_eq "share: nothing of the rejected files applied" "$(sql "SELECT group_concat(product_id) FROM products")" "A1"
check_eq "share: no purchase of the rejected file" "$(count memberships)" 0
check_eq "share: no row rejections recorded for the rejected files" \
	"$(count rejections "file IN ('most.csv', 'buys.csv') AND line IS NOT NULL")" 0
check_eq "share: a file rejected whole counts its rows as rejected" \
	"$(sql "SELECT rows_read || ' ' || accepted || ' ' || rejected FROM files WHERE name = 'most.csv'")" "3 0 3"
mb progress c1 --date $D
check_eq "share: no customer events from the rejected file (progress c1)" "$OUT" \
	"date,event,request_id,product_id,amount,status,detail"
runs_add_up
invariants

# A share exactly at the limit is applied, whatever its decimals: 29 of 100
# rows with a share of 0.29 (as a double, 0.29 * 100 is 28.999…), 30 are not.
ws_new share29 "inbox:" "  max_rejected_share: 0.29"
{
	echo "$PH"
	i=0
	while [ $i -lt 100 ]; do
		if [ $i -lt 29 ]; then echo "bogus,E$i,e,1"; else echo "add,E$i,e,1"; fi
		i=$((i + 1))
	done
} | drop exact.csv
{
	echo "$PH"
	i=0
	while [ $i -lt 100 ]; do
		if [ $i -lt 30 ]; then echo "bogus,F$i,f,1"; else echo "add,F$i,f,1"; fi
		i=$((i + 1))
	done
} | drop over.csv
mb ingest --date $D
check_rc "share 0.29: exit 65 (over.csv)" 65
check_eq "share 0.29: 29 of 100 rejected is applied" "$(count products "product_id LIKE 'E%'")" 71
whole_rejected over.csv TOO_MANY_REJECTED
check_eq "share 0.29: 30 of 100 is not" "$(count products "product_id LIKE 'F%'")" 0

# --- which files are picked up -------------------------------------------------------
ws_new pickup
mkdir -p "$TMPROOT/outside"
printf '%s\nadd,LINKED,x,1\n' "$PH" > "$TMPROOT/outside/target.csv"
TSUM=$(sha256sum < "$TMPROOT/outside/target.csv")
ln -s "$TMPROOT/outside/target.csv" "$INBOX/x.csv"
ln -s "$TMPROOT/outside/nowhere.csv" "$INBOX/dangling.csv"
for n in .hidden.csv x.csv.tmp y.csv.part z.tmp w.part notcsv.txt noext X.CSV; do
	printf '%s\nadd,SKIP,x,1\n' "$PH" > "$INBOX/$n"
done
mkdir "$INBOX/d.csv"
printf '%s\nadd,INDIR,x,1\n' "$PH" > "$INBOX/d.csv/inner.csv"
mkfifo "$INBOX/f.csv"
printf '%s\nadd,REAL,x,1\n' "$PH" | drop real.csv
ls -A "$INBOX" | grep -v '^real.csv$' > "$TMPROOT/pickup.before"
RC=x
timeout 10 "$MEMBERSHIP_BIN" -c "$CFG" ingest --date $D > /dev/null 2> "$TMPROOT/.err"
RC=$?
check_rc "pickup: exit 0, no blocking on a FIFO" 0
check_eq "pickup: only real.csv applied" "$(sql "SELECT group_concat(product_id) FROM products")" "REAL"
ls -A "$INBOX" > "$TMPROOT/pickup.after"
check_file "pickup: everything else left in the inbox" "$TMPROOT/pickup.after" "$TMPROOT/pickup.before"
check_eq "pickup: the symlink is still a symlink" "$(test -L "$INBOX/x.csv" && echo link)" link
check_eq "pickup: the symlink's target untouched" "$(sha256sum < "$TMPROOT/outside/target.csv")" "$TSUM"
check_eq "pickup: the FIFO is still a FIFO" "$(test -p "$INBOX/f.csv" && echo fifo)" fifo
check_eq "pickup: the folder and its file untouched" "$(ls "$INBOX/d.csv")" "inner.csv"
check_eq "pickup: nothing else archived or rejected" \
	"$(cd "$WS/ws" && find archive rejected -type f | sort | tr '\n' ' ')" "archive/$D/real.csv "
check_eq "pickup: the run counted one file" "$(sql "SELECT files FROM runs WHERE job = 'ingest'")" 1
check_eq "pickup: nothing rejected, so no rejected/<date>/ made (folders on first use)" \
	"$(test -e "$WS/ws/rejected/$D" && echo made)" ""
invariants

# --- a *.csv the job cannot read: the run stops before anything is applied --------
# Its kind is unknown, so the files after it could be applied out of order:
# a cancel before its purchase (UNKNOWN_PURCHASE, then the purchase
# charged). As root the file's mode alone does not stop a read: the job
# then runs without the capabilities that override it (setpriv).
ws_new unreadable
if [ "$(id -u)" = 0 ]; then
	NOREAD="setpriv --bounding-set=-dac_override,-dac_read_search --"
else
	NOREAD=
fi
mb init -q
printf '%s\nadd,GOLD,x,100\n' "$PH" | drop a-products.csv
purchases b-locked.csv "q1,alice,GOLD,100,2026-03-10T10:00:00"
cancels c-cancels.csv "k1,alice,q1,2026-03-10T11:00:00,changed mind"
chmod 000 "$INBOX/b-locked.csv"
$NOREAD $VG "$MEMBERSHIP_BIN" -c "$CFG" ingest -q --date $D > /dev/null 2> "$TMPROOT/.err"
RC=$?
ERR=$(cat "$TMPROOT/.err")
check_rc "unreadable: exit 74 (I/O)" 74
check_grep "unreadable: the error names the file, the cause and why nothing was applied" \
	"^error: ingest $D: inbox: b-locked.csv cannot be read: Permission denied; nothing more applied (its kind is unknown, and the files after it could be applied out of order" "$ERR"
check_eq "unreadable: nothing applied, not even the products before it" \
	"$(sql "SELECT count(*) FROM products") $(sql "SELECT count(*) FROM files")" "0 0"
check_eq "unreadable: every file stays in the inbox" "$(ls "$INBOX" | tr '\n' ' ')" \
	"a-products.csv b-locked.csv c-cancels.csv "
check_eq "unreadable: the run is recorded as failed, 74" \
	"$(sql "SELECT outcome || ' ' || exit_code FROM runs WHERE job = 'ingest' ORDER BY run_id DESC LIMIT 1")" "failed 74"
chmod 644 "$INBOX/b-locked.csv"
mb ingest -q --date $D
check_rc "unreadable: once readable, the rerun applies all, in order" 0
mb payments -q --date $D
check_eq "unreadable: the cancel met its purchase: voided, never charged" \
	"$(sql "SELECT payment || ' ' || status FROM memberships WHERE request_id = 'q1'")" "VOIDED CANCELLED"
invariants

# --- a file still written while it is read: none of it applied, left in place ------
# The test build pauses the run once the file is read (MEMBERSHIP_FAULT_KIND
# pause, at "ingest read"); a row is appended, then SIGUSR1 lets it go on.
if [ -x "$FAULT_BIN" ]; then
	ws_new growing
	mb init -q
	printf '%s\nadd,GOLD,x,100\n' "$PH" | drop a-products.csv
	purchases b.csv "g1,c1,GOLD,100,2026-03-10T10:00:00"
	mb ingest -q --date $D
	purchases late.csv "g2,c2,GOLD,100,2026-03-10T10:00:00"
	rm -f "$TMPROOT/paused"
	MEMBERSHIP_FAULT_ONLY="ingest read" MEMBERSHIP_FAULT_AT=1 MEMBERSHIP_FAULT_KIND=pause \
		MEMBERSHIP_FAULT_MARKER="$TMPROOT/paused" \
		"$FAULT_BIN" -c "$CFG" ingest -q --date $D > /dev/null 2> "$TMPROOT/grow.err" &
	pid=$!
	wait_for "growing: the pause" test -e "$TMPROOT/paused"
	printf 'g3,c3,GOLD,100,2026-03-10T11:00:00\n' >> "$INBOX/late.csv"
	kill -USR1 $pid
	wait $pid
	RC=$?
	ERR=$(grep -v '^membership: fault point' "$TMPROOT/grow.err")
	check_rc "growing: the run goes on, exit 0" 0
	check_grep "growing: a warning names the file and why it waits" \
		"^warning: ingest $D: inbox: late.csv changed while it was read (still being written under its final name?): nothing of it applied; left for the next run" "$ERR"
	check_eq "growing: none of its rows applied" "$(sql "SELECT group_concat(request_id) FROM memberships")" "g1"
	check_eq "growing: it stays in the inbox, whole" "$(cat "$INBOX/late.csv" | wc -l)" 3
	mb ingest -q --date $D
	check_eq "growing: the next run applies every row of it" \
		"$(sql "SELECT group_concat(request_id) FROM (SELECT request_id FROM memberships ORDER BY 1)")" "g1,g2,g3"
	check_eq "growing: then archived" "$(ls "$WS/ws/archive/$D" | tr '\n' ' ')" "a-products.csv b.csv late.csv "
	invariants
else
	not_ok "growing: the fault build $FAULT_BIN is missing (make check builds it)"
fi

# --- min_age_seconds -----------------------------------------------------------------
ws_new minage "inbox:" "  min_age_seconds: 3600"
printf '%s\nadd,OLD,x,1\n' "$PH" | drop old.csv
touch -d '2 hours ago' "$INBOX/old.csv"
printf '%s\nadd,NEW,x,1\n' "$PH" | drop new.csv
mb ingest --date $D
check_rc "minage: exit 0" 0
check_eq "minage: the old file applied, the young one not" "$(sql "SELECT group_concat(product_id) FROM products")" "OLD"
check_eq "minage: the young file stays in the inbox" "$(ls "$INBOX")" "new.csv"
touch -d '2 hours ago' "$INBOX/new.csv"
mb ingest --date $D
check_eq "minage: applied once old enough" "$(sql "SELECT group_concat(product_id) FROM (SELECT product_id FROM products ORDER BY 1)")" "NEW,OLD"
invariants

# --- order: products, purchases, cancels whatever the names; by name in a kind -----
ws_new order
printf 'request_id,customer_id,purchase_request_id,requested_at\nk1,c1,q1,2026-03-10T12:00:00\n' | drop a_cancels.csv
printf 'request_id,customer_id,product_id,amount,requested_at\nq1,c1,P,200,2026-03-10T11:00:00\n' | drop b_purchases.csv
printf '%s\nupdate,P,,200\n' "$PH" | drop P-a.csv
printf '%s\nadd,P,first,100\n' "$PH" | drop P-B.csv
printf '%s\nupdate,P,tenth,\n' "$PH" | drop Q10.csv
printf '%s\nupdate,P,ninth,\n' "$PH" | drop Q9.csv
mb ingest --date $D
check_rc "order: exit 0" 0
check_eq "order: no row rejected (every dependency came first)" "$(count rejections)" 0
check_eq "order: files applied by kind, then byte order of names" \
	"$(sql "SELECT group_concat(name, ' ') FROM (SELECT name FROM files ORDER BY id)")" \
	"P-B.csv P-a.csv Q10.csv Q9.csv b_purchases.csv a_cancels.csv"
check_eq "order: product after the updates" "$(sql "SELECT name || ' ' || price FROM products")" "ninth 200"
check_eq "order: purchase and cancel applied" "$(count memberships) $(count cancels)" "1 1"
invariants

# --- awkward names, clashes --------------------------------------------------------------
ws_new names
N200=$(printf 'n%.0s' $(seq 196)).csv
R200=$(printf 'r%.0s' $(seq 196)).csv
NL=$(printf 'new\nline.csv')
printf '%s\nadd,S1,x,1\nbogus,S2,x,1\n' "$PH" | drop 'with space.csv'
printf '%s\nadd,S3,x,1\n' "$PH" | drop "quo\"te's.csv"
printf '%s\nadd,S4,x,1\n' "$PH" | drop -leading.csv
printf '%s\nadd,S5,x,1\nbogus,S6,x,1\n' "$PH" | drop "$N200"
printf 'foo\n1\n' | drop "$R200"
printf '%s\nadd,S7,x,1\n' "$PH" | drop "$NL"
printf '%s\nadd,S8,x,1\n' "$PH" | drop '..csv'
printf '%s\nadd,S9,x,1\n' "$PH" | drop 'x.csv'
mb ingest --date $D
check_rc "names: exit 65 (one name rejected whole)" 65
A=$WS/ws/archive/$D
J=$WS/ws/rejected/$D
for n in 'with space.csv' "quo\"te's.csv" -leading.csv "$N200" "$NL" x.csv; do
	check_eq "names: archived under its own name: $(printf '%.40s' "$n" | tr '\n' '?')" "$(test -f "$A/$n" && echo yes)" yes
done
check_eq "names: 200-byte name is 200 bytes" "$(printf '%s' "$N200" | wc -c)" 200
check_lines "names: rejects of a name with a space" "$(rejects "$J/with space.csv.rejects.csv")" "3 BAD_ACTION"
check_lines "names: rejects of a 200-byte name" "$(rejects "$J/$N200.rejects.csv")" "3 BAD_ACTION"
whole_rejected "$R200" BAD_HEADER
check_eq "names: hidden ..csv left alone" "$(ls -A "$INBOX")" "..csv"
check_eq "names: the applied names" "$(sql "SELECT group_concat(product_id) FROM (SELECT product_id FROM products ORDER BY 1)")" "S1,S3,S4,S5,S7,S9"
check_eq "names: nothing written outside the workspace" "$(find "$WS" -newer "$CFG" -type f ! -path "$WS/ws/*" | wc -l)" 0
# A name that was archived already today numbers its stem (SPEC §4.1):
# x.csv, x.1.csv, x.2.csv, and the rejects file follows: x.2.csv.rejects.csv.
printf '%s\nadd,S10,x,1\n' "$PH" | drop x.csv
mb ingest --date $D
check_rc "names: clash run 1 exit 0" 0
printf '%s\nadd,S11,x,1\nbogus,S12,x,1\n' "$PH" | drop x.csv
mb ingest --date $D
check_rc "names: clash run 2 exit 0" 0
check_eq "names: clashing names in archive/" "$(ls "$A" | grep '^x\.' | tr '\n' ' ')" "x.1.csv x.2.csv x.csv "
check_eq "names: each copy keeps its content" "$(grep -c S11 "$A/x.2.csv") $(grep -c S10 "$A/x.1.csv") $(grep -c S9 "$A/x.csv")" "1 1 1"
check_lines "names: rejects of the third x.csv follow its name" "$(rejects "$J/x.2.csv.rejects.csv")" "3 BAD_ACTION"
check_eq "names: the books name where each copy went" \
	"$(sql "SELECT group_concat(final_name || ':' || ifnull(rejects_name, '-'), ' ') FROM (SELECT final_name, rejects_name FROM files WHERE name = 'x.csv' ORDER BY id)")" \
	"x.csv:- x.1.csv:- x.2.csv:x.2.csv.rejects.csv"
check_eq "names: rejections name the copy as it is kept (rejections.csv's file)" \
	"$(sql "SELECT group_concat(file || ':' || line, ' ') FROM rejections WHERE file LIKE 'x.%'")" "x.2.csv:3"
# The rejects file, corrected, dropped back as is under its own name.
sed 's/^bogus,/add,/' "$J/x.2.csv.rejects.csv" | drop x.2.csv.rejects.csv
mb ingest --date $D
check_rc "names: a corrected rejects file dropped back as is: exit 0" 0
check_eq "names: its row applied" "$(count products "product_id = 'S12'")" 1
check_eq "names: archived under its name" "$(test -f "$A/x.2.csv.rejects.csv" && echo yes)" yes
printf 'foo\n1\n' | drop "$R200"
mb ingest --date $D
check_rc "names: clash of a rejected name exits 65" 65
R200S=${R200%.csv}
check_eq "names: clashing names in rejected/ number the stem" \
	"$(ls "$J" | grep "^$R200S" | sed "s/^$R200S/R/" | tr '\n' ' ')" "R.1.csv R.1.csv.error.txt R.csv R.csv.error.txt "
check_grep "names: the second error file names its file" "BAD_HEADER" "$(cat "$J/$R200S.1.csv.error.txt")"
check_eq "names: the second error file gives the name it came under and the one it is kept as" \
	"$(grep '^file: \|^kept as: ' "$J/$R200S.1.csv.error.txt" | sed "s/$R200S/R/")" "file: R.csv
kept as: R.1.csv"
check_eq "names: the first error file keeps its name, so says no other" \
	"$(grep -c '^kept as: ' "$J/$R200S.csv.error.txt")" 0
check_eq "names: each whole-file rejection names its copy" \
	"$(sql "SELECT group_concat(replace(file, '$R200S', 'R'), ' ') FROM (SELECT file FROM rejections WHERE line IS NULL AND file LIKE '$R200S%' ORDER BY id)")" "R.csv R.1.csv"
# In rejected/ a stem names one file: a whole reject does not take the stem
# of another file's rejected rows, nor rows the stem of a whole reject.
# An archived file with no rejected rows only needs its name in archive/,
# so a file rejected whole and sent again corrected keeps its name.
printf '%s\nadd,S20,x,1\nbogus,S21,x,1\n' "$PH" | drop c.csv
mb ingest --date $D
printf 'foo\n1\n' | drop c.csv
mb ingest --date $D
check_rc "names: whole reject after rows of the same name: 65" 65
check_eq "names: rejected/ keeps one stem per file" \
	"$(ls "$J" | grep '^c\.' | tr '\n' ' ')" "c.1.csv c.1.csv.error.txt c.csv.rejects.csv "
printf '%s\nadd,S22,x,1\n' "$PH" | drop c.csv
mb ingest --date $D
check_eq "names: an applied file without rejects numbers by archive/ only" \
	"$(ls "$A" | grep '^c\.' | tr '\n' ' ')" "c.1.csv c.csv "
printf 'foo\n1\n' | drop d.csv
mb ingest --date $D
printf '%s\nadd,S23,x,1\n' "$PH" | drop d.csv
mb ingest --date $D
check_rc "names: the corrected file applies: exit 0" 0
check_eq "names: a corrected file keeps the name its rejected copy had" \
	"$(test -f "$A/d.csv" && test -f "$J/d.csv" && echo both)" both
printf 'foo\n1\n' | drop e.csv
mb ingest --date $D
printf '%s\nadd,S24,x,1\nbogus,S25,x,1\n' "$PH" | drop e.csv
mb ingest --date $D
check_eq "names: rows rejected from a file named as a whole reject number its stem" \
	"$(ls "$A" | grep '^e\.' | tr '\n' ' ')|$(ls "$J" | grep '^e\.' | tr '\n' ' ')" \
	"e.1.csv |e.1.csv.rejects.csv e.csv e.csv.error.txt "
check_eq "names: rejections.csv tells them apart" \
	"$(sql "SELECT group_concat(file || ':' || ifnull(line, '-'), ' ') FROM (SELECT file, line FROM rejections WHERE file LIKE 'e.%' ORDER BY id)")" \
	"e.csv:- e.1.csv:3"
runs_add_up
invariants

# --- names at the file-system limit (RELIABILITY C5: 255 bytes handled) ------------
# The SPEC names (<file>.rejects.csv, <file>.error.txt) cannot exist beside a
# 255-byte name; what must hold is that the file is handled: applied once,
# out of the inbox, its rejects or its reason kept, and the run not stuck.
ws_new longnames
N255=$(printf 'a%.0s' $(seq 251)).csv
printf '%s\nadd,L1,x,1\nbogus,L2,x,1\n' "$PH" > "$INBOX/$N255"   # no room for drop's .part name
mb ingest --date $D
check_rc "longnames: a 255-byte name with a rejected row: exit 0" 0
check_eq "longnames: 255-byte name archived under its name" "$(test -f "$WS/ws/archive/$D/$N255" && echo yes)" yes
check_eq "longnames: its rejected rows kept in rejected/" "$(ls "$WS/ws/rejected/$D" 2>/dev/null | grep -c rejects)" 1
printf '%s\nadd,L3,x,1\n' "$PH" | drop later.csv
mb ingest --date $D
check_rc "longnames: the next run is not stuck on it" 0
check_eq "longnames: applied once, and the next file too" "$(sql "SELECT group_concat(product_id) FROM (SELECT product_id FROM products ORDER BY 1)")" "L1,L3"
invariants
ws_new longnames2
N240=$(printf 'b%.0s' $(seq 236)).csv
printf 'foo\n1\n' | drop "$N240"
mb ingest --date $D
check_rc "longnames: a 240-byte name rejected whole: exit 65" 65
check_eq "longnames: moved to rejected/ under its name" "$(test -f "$WS/ws/rejected/$D/$N240" && echo yes)" yes
check_eq "longnames: its reason kept beside it" "$(ls -A "$WS/ws/rejected/$D" | grep -c error)" 1
invariants

# --- --dry-run: same counts, nothing changed (with synchronous: normal, which ingest
# turns to FULL for its own commits, but not inside the dry run's transaction) ---
ws_new dry "database:" "  synchronous: normal"
printf '%s\nadd,GOLD,Gold,10000\n' "$PH" | drop p0.csv
mb ingest --date $D
printf '%s\nadd,SILVER,Silver,5000\nbogus,X,x,1\n' "$PH" | drop p1.csv
printf 'request_id,customer_id,product_id,amount,requested_at\nq1,c1,GOLD,10000,2026-03-11T10:00:00\nq2,c1,GOLD,1,2026-03-11T10:00:00\nq1,c1,GOLD,10000,2026-03-11T10:00:00\n' | drop q1.csv
printf 'request_id,customer_id,purchase_request_id,requested_at\nk1,c1,q1,2026-03-11T11:00:00\nk2,c1,zz,2026-03-11T11:00:00\n' | drop k1.csv
printf 'nokind\n1\n' | drop bad.csv
printf '%s\nadd,GOLD,Gold,10000\n' "$PH" | drop p0-again.csv
sqlite3 "$WS/ws/membership.db" .dump > "$TMPROOT/dry.dump.before"
ftree > "$TMPROOT/dry.tree.before"
mb ingest --date $D2 --dry-run
check_rc "dry: exit 65 as the real run" 65
DRYSUM=$(summary)
sqlite3 "$WS/ws/membership.db" .dump > "$TMPROOT/dry.dump.after"
ftree > "$TMPROOT/dry.tree.after"
check_file "dry: the database dump unchanged" "$TMPROOT/dry.dump.after" "$TMPROOT/dry.dump.before"
check_file "dry: inbox, archive, rejected unchanged" "$TMPROOT/dry.tree.after" "$TMPROOT/dry.tree.before"
check_eq "dry: no new folder anywhere" "$(find "$WS/ws" -mindepth 1 -type d -newer "$TMPROOT/dry.dump.before" | wc -l)" 0
mb ingest --date $D2
check_rc "dry: the real run exits 65" 65
check_eq "dry: the dry run's summary = the real run's" "$DRYSUM" "$(summary)"
check_grep "dry: summary counts" "^ingest $D2: 5 files, [0-9]* rows, 3 accepted, [0-9]* rejected" "$(summary)"
check_eq "dry: the run record" \
	"$(sql "SELECT files || ' ' || rows_read || ' ' || accepted || ' ' || rejected FROM runs WHERE job = 'ingest' AND business_date = (SELECT max(business_date) FROM runs) AND outcome != 'running' ORDER BY run_id DESC LIMIT 1")" \
	"$(summary | sed 's/.*: \([0-9]*\) files, \([0-9]*\) rows, \([0-9]*\) accepted, \([0-9]*\) rejected/\1 \2 \3 \4/')"
check_eq "dry: the files of the run add up to its record" \
	"$(sql "SELECT sum(rows_read) || ' ' || sum(accepted) || ' ' || sum(rejected) FROM files WHERE run_id = (SELECT max(run_id) FROM runs WHERE job = 'ingest')")" \
	"$(summary | sed 's/.*files, \([0-9]*\) rows, \([0-9]*\) accepted, \([0-9]*\) rejected/\1 \2 \3/')"
runs_add_up
invariants

finish
