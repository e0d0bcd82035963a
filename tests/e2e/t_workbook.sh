#!/bin/sh
# t_workbook.sh — reports/<D>/daily.xlsx (SPEC §6.1) read back with a real
# reader (openpyxl): the six sheets in order, the two native charts of the
# Summary, numbers with the currency's decimals and thousands separators,
# real dates, requested_at as a local date-time with the zone in its
# header, Hangul, a formula-looking name stored as text, bold frozen
# headers with autofilters; mode 0640; byte-identical on rerun;
# reports.workbook: false; reports.csv_bom: true on every CSV report;
# U+FFFE/U+FFFF and a literal _xHHHH_ in text, amounts of 16 digits, and
# dates before 1900-03-01 as Excel reads them.
. "$(dirname "$0")/lib.sh"

D1=2026-03-10
D2=2026-03-11
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

ws_new wb "currency:" "  code: USD" "  minor_digits: 2" "expire:" "  notice_days: 400" \
	"payments:" "  blocked_customers: [mallory]"
mb init
products p.csv "add,HANGUL,한글 멤버십,1234567.50,," "add,FORMULA,=1+2,5.00,," "add,BASIC,Basic,10.00,,"
purchases q.csv "r1,ann,HANGUL,1234567.50,2026-03-10T09:30:00" "r2,bob,FORMULA,5.00,2026-03-10T23:59:59+09:00" \
	"r3,cy,BASIC,10.00,2026-03-10T00:00:00Z" "r4,mallory,BASIC,10.00,2026-03-10T10:00:00" \
	"r5,dee,NOPE,10.00,2026-03-10T10:00:00"
mb nightly --date $D1
check_rc "nightly $D1" 0
cancels c.csv "x1,cy,r3,2026-03-11T08:00:00,"
mb nightly --date $D2
check_rc "nightly $D2" 0
X=$REPORTS/$D2/daily.xlsx
check_eq "mode 0640" "$(stat -c %a "$X")" "640"

"$PY" - "$X" > "$TMPROOT/read.out" 2>&1 <<'PYEOF'
import sys, zipfile, datetime
from openpyxl import load_workbook
path = sys.argv[1]
out = []
def check(what, got, want):
    out.append(("ok" if got == want else "FAIL") + " - %s: got %r want %r" % (what, got, want))
wb = load_workbook(path)
check("sheets in order", wb.sheetnames,
      ["Summary", "Sales", "Customers", "Rejections", "Expiring soon", "Reconciliation"])
names = zipfile.ZipFile(path).namelist()
check("two native charts", sorted(n for n in names if n.startswith("xl/charts/chart")),
      ["xl/charts/chart1.xml", "xl/charts/chart2.xml"])
z = zipfile.ZipFile(path)
rels = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
check("charts on the Summary sheet", "drawing" in rels, True)
c2 = z.read("xl/charts/chart2.xml").decode()
check("payments chart reads the Summary", "Summary!" in c2, True)

for name in wb.sheetnames[1:]:
    ws = wb[name]
    check(name + ": frozen header", ws.freeze_panes, "A2")
    check(name + ": header bold", all(c.font.b for c in ws[1] if c.value is not None), True)
    check(name + ": autofilter", (ws.auto_filter.ref or "").startswith("A1:"), True)

s = wb["Sales"]
check("Sales header", [c.value for c in s[1]],
      ["product_id", "name", "price", "status", "sold_count", "gross_amount", "refunded_amount", "net_amount"])
rows = {r[0].value: r for r in s.iter_rows(min_row=2)}
h = rows["HANGUL"]
check("Hangul name", h[1].value, "한글 멤버십")
check("price is a number", (h[2].data_type, h[2].value), ("n", 1234567.5))
check("money format", h[2].number_format, "#,##0.00")
check("gross is a number", h[5].value, 1234567.5)
check("sold_count is a number", h[4].value, 1)
f = rows["FORMULA"]
check("formula-looking name is text", (f[1].data_type, f[1].value), ("s", "=1+2"))
check("BASIC refunded", rows["BASIC"][6].value, 10.0)
check("column width set", s.column_dimensions["B"].width >= 20, True)


c = wb["Customers"]
hdr = [x.value for x in c[1]]
check("Customers header", hdr[6], "requested_at (Asia/Seoul)")
cr = {r[1].value: r for r in c.iter_rows(min_row=2)}
check("requested_at local date-time", cr["r1"][6].value, datetime.datetime(2026, 3, 10, 9, 30))
check("requested_at from +09:00", cr["r2"][6].value, datetime.datetime(2026, 3, 10, 23, 59, 59))
check("requested_at from Z", cr["r3"][6].value, datetime.datetime(2026, 3, 10, 9, 0))
check("valid_from a date", cr["r1"][7].value, datetime.datetime(2026, 3, 10))
check("valid_from format", cr["r1"][7].number_format, "yyyy-mm-dd")
check("expires_on a date", cr["r1"][8].value, datetime.datetime(2027, 3, 10))
check("declined status", cr["r4"][5].value, "DECLINED")
check("empty date is empty", cr["r4"][7].value, None)
check("refund amount", cr["r3"][9].value, 10.0)

e = wb["Expiring soon"]
check("expiring rows", e.max_row - 1, 2)
r = wb["Rejections"]
check("rejections of the day", r.max_row, 1)  # D2 rejected nothing
m = wb["Summary"]
cells = [[x.value for x in row] for row in m.iter_rows()]
flat = [v for row in cells for v in row if v is not None]
check("Summary title", cells[0][0], "membership report for 2026-03-11 (amounts in USD)")
check("Summary lists refunded", "refunded" in flat, True)
check("Summary names products", "한글 멤버십" in flat and "=1+2" in flat, True)
print("\n".join(out))
PYEOF
check_eq "the reader ran every check" "$(grep -c '^ok - ' "$TMPROOT/read.out")" 43
relay "$TMPROOT/read.out"

# D1's workbook: a declined payment and a rejected row on the day.
"$PY" - "$REPORTS/$D1/daily.xlsx" > "$TMPROOT/d1.out" 2>&1 <<'PYEOF'
import sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1])
r = wb["Rejections"]
print("rejections", r.max_row - 1, r["E2"].value, r["B2"].data_type)
vals = [x.value for row in wb["Summary"].iter_rows() for x in row if x.value is not None]
print("declined", "declined BLOCKED_CUSTOMER" in vals)
rows = [[x.value for x in row] for row in wb["Summary"].iter_rows()]
print("total", [r[2] for r in rows if len(r) > 2 and r[1] == "declined, all reasons"])
PYEOF
check_eq "$D1: rejections sheet" "$(cat "$TMPROOT/d1.out")" "rejections 1 UNKNOWN_PRODUCT n
declined True
total [1]"

# narrow_columns XLSX: "longest N" (the widest cell of the table sheets, as
# shown: money with separators and decimals, dates, Hangul two columns) and
# "narrow [...]", the columns narrower than their widest cell (SPEC §6.1).
narrow_columns() {
	"$PY" - "$1" 2>&1 <<'PYEOF'
import sys, unicodedata
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
wb = load_workbook(sys.argv[1])
def shown(c):
    v = c.value
    if v is None:
        return 0
    if c.is_date:
        return 19 if "hh" in c.number_format else 10
    if isinstance(v, (int, float)) and "#,##0" in c.number_format:
        d = c.number_format.split(".")[1].count("0") if "." in c.number_format else 0
        return len(f"{v:,.{d}f}")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(v))
narrow, longest = [], 0
for ws in wb.worksheets[1:]:
    for i, col in enumerate(ws.iter_cols(min_row=2), 1):
        L = get_column_letter(i)
        need = max((shown(x) for x in col), default=0)
        longest = max(longest, need)
        if (ws.column_dimensions[L].width or 0) < need:
            narrow.append(f"{ws.title}!{L} {ws.column_dimensions[L].width} < {need}")
print("longest", longest)
print("narrow", narrow)
PYEOF
}

# Columns wide enough for their content on the day above.
check_eq "$D2: every column as wide as its widest cell" \
	"$(narrow_columns "$X" | sed -n 2p)" "narrow []"

# A rerun for the same date writes the very same bytes.
cp "$X" "$TMPROOT/first.xlsx"
mb report --date $D2
check_rc "rerun report" 0
if cmp -s "$X" "$TMPROOT/first.xlsx"; then ok "rerun: identical bytes"; else not_ok "rerun: identical bytes"; fi
mb report --date $D1
check_rc "past date after later activity" 0

# reports.workbook: false writes none; reports.csv_bom: true a BOM on every CSV.
printf 'reports:\n  workbook: false\n  csv_bom: true\n' >> "$CFG"
mb report --date $D2
check_rc "report without workbook" 0
check_eq "no daily.xlsx" "$(ls "$REPORTS/$D2" | grep -c xlsx)" "0"
nobom=""
for f in "$REPORTS/$D2"/*.csv "$REPORTS/$D2"/customers/*.csv; do
	[ "$(head -c 3 "$f" | od -An -tx1 | tr -d ' ')" = efbbbf ] || nobom="$nobom ${f##*/}"
done
check_eq "BOM on every CSV report" "$nobom" ""
check_eq "BOM, then the header" "$(tail -c +4 "$REPORTS/$D2/sales.csv" | head -n 1)" \
	"product_id,name,price,status,sold_count,gross_amount,refunded_amount,net_amount"
check_eq "summary.txt has no BOM" "$(head -c 10 "$REPORTS/$D2/summary.txt")" "membership"

# --- widths measured from the content (SPEC §6.1) --------------------------------------
# Long ids and names, a long file name, Hangul, a large amount: every column
# of every sheet as wide as its widest cell, whatever default it starts at.
ws_new wide "currency:" "  code: KRW" "  minor_digits: 0"
mb init
LONGP=LONGPRODUCTIDENTIFIER_ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789
LONGN=$(printf 'N%.0s' $(seq 150))
LONGC=$(printf 'c%.0s' $(seq 60))
products p.csv "add,$LONGP,$LONGN,123456789012,," "add,K,한글 멤버십 한글 멤버십 한글 멤버십 한글,1000,,"
purchases q.csv "r1,$LONGC,$LONGP,123456789012,2026-03-10T09:30:00" "r2,ann,K,1000,2026-03-10T09:30:00"
printf 'foo\n1\n' | drop a-very-long-inbox-file-name-from-some-producer-system-2026-03-10T09-00-00.csv
mb nightly --date $D1
check_rc "wide: nightly (a whole file rejected)" 65
narrow_columns "$REPORTS/$D1/daily.xlsx" > "$TMPROOT/wide.out"
check_eq "wide: every column as wide as its widest cell" "$(cat "$TMPROOT/wide.out")" "longest 150
narrow []"

# --- text XML cannot hold, 16-digit amounts, dates before 1900-03-01 ------------------
# U+FFFE / U+FFFF (a product name and an inbox file name may hold them) are
# no XML 1.0: raw, they made openpyxl refuse the file and LibreOffice drop
# rows. They go in as _xFFFE_, which Excel and LibreOffice decode (openpyxl
# leaves inline text as it is: unescape() does what Excel does), and a
# literal _x0041_ keeps its '_' escaped so that it is not decoded. An
# amount of 10^15 minor units or more (16 digits) would be rounded by a
# spreadsheet: exact text. Excel's day 1 is 1900-01-01 (it counts a
# 1900-02-29); before it there is no date: text.
ws_new xml "currency:" "  code: USD" "  minor_digits: 2" "payments:" "  max_amount: 90071992547409"
mb init
NFFFE=$(printf 'x\357\277\276y')
products p.csv "add,FFFE,$NFFFE,10.00,," "add,LIT,a_x0041_b,10.00,," "add,BIG,Big,10000000000000.01,,"
purchases q.csv "o1,ann,FFFE,10.00,1900-01-01T05:00:00" "o2,bob,FFFE,10.00,1899-12-31T12:00:00" \
	"o3,cy,FFFE,10.00,1900-02-28T12:00:00" "o4,dee,FFFE,10.00,1900-03-01T12:00:00" \
	"b1,eve,BIG,10000000000000.01,2026-03-10T10:00:00"
purchases "$(printf 'odd\357\277\277.csv')" "n1,fay,NOPE,1.00,2026-03-10T10:00:00"
mb nightly --date $D1
check_rc "xml: nightly" 0
"$PY" - "$REPORTS/$D1/daily.xlsx" > "$TMPROOT/xml.out" 2>&1 <<'PYEOF'
import sys, zipfile, datetime
from xml.dom import minidom
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape
path = sys.argv[1]
out = []
def check(what, got, want):
    out.append(("ok" if got == want else "FAIL") + " - xml: %s: got %r want %r" % (what, got, want))
z = zipfile.ZipFile(path)
bad = []
for n in z.namelist():
    if n.endswith(".xml") or n.endswith(".rels"):
        try:
            minidom.parseString(z.read(n))
        except Exception as e:
            bad.append("%s: %s" % (n, e))
check("every part well-formed", bad, [])
wb = load_workbook(path)
s = {r[0].value: r for r in wb["Sales"].iter_rows(min_row=2)}
check("Sales rows", sorted(s), ["BIG", "FFFE", "LIT"])
f = s["FFFE"]
check("U+FFFE name read back", unescape(f[1].value), "x\ufffey")
check("U+FFFE row intact", [c.value for c in f[2:]], [10.0, "ACTIVE", 4, 40.0, 0, 40.0])
check("literal _x0041_ not decoded", unescape(s["LIT"][1].value), "a_x0041_b")
b = s["BIG"]
check("10^15 + 1 minor units exact", (b[2].data_type, b[2].value), ("s", "10,000,000,000,000.01"))
check("its gross exact", b[5].value, "10,000,000,000,000.01")
flat = [x.value for row in wb["Summary"].iter_rows() for x in row if x.value is not None]
check("Summary approved amount exact", "10,000,000,000,040.01" in flat, True)
rj = [[c.value for c in r] for r in wb["Rejections"].iter_rows(min_row=2)]
check("U+FFFF file name row", [(unescape(r[0]), r[4]) for r in rj], [("odd\uffff.csv", "UNKNOWN_PRODUCT")])
c = {r[1].value: r[6] for r in wb["Customers"].iter_rows(min_row=2)}
check("1900-01-01 a date", c["o1"].value, datetime.datetime(1900, 1, 1, 5, 0))
check("1900-02-28 a date", c["o3"].value, datetime.datetime(1900, 2, 28, 12, 0))
check("1900-03-01 a date", c["o4"].value, datetime.datetime(1900, 3, 1, 12, 0))
check("before 1900 as text", (c["o2"].data_type, c["o2"].value), ("s", "1899-12-31 12:00:00"))
print("\n".join(out))
PYEOF
check_eq "xml: the reader ran every check" "$(grep -c '^ok - ' "$TMPROOT/xml.out")" 13
relay "$TMPROOT/xml.out"

# --- a write of the library's own that fails (RELIABILITY J4) --------------------------
# libxlsxwriter writes its temporary files and the zip through stdio, which
# keeps a failed write to itself; one failed write (strace injects EIO into
# the N-th write() of the run) must end in exit 74 and leave the day's
# report as it was, never swap in a workbook with a sheet cut short.
if strace -f -qq -o /dev/null true 2> /dev/null; then
	ws_new wbeio "reports:" "  per_customer: none"
	mb init
	products p.csv "add,GOLD,Gold,1000,,"
	awk 'BEGIN { print "request_id,customer_id,product_id,amount,requested_at";
		for (i = 1; i <= 4000; i++) printf "r%d,c%d,GOLD,1000,2026-03-10T10:00:00\n", i, i }' | drop q.csv
	mb nightly -q --date $D1
	check_rc "wbeio: nightly" 0
	cp -R "$REPORTS/$D1" "$TMPROOT/wbeio.ref"
	# strace counts each thread's writes apart, and when=N hits the N-th
	# of each: the job's own thread (the first) assembles the sheets and
	# writes the zip at close, its last writes; the cell thread streams
	# the rows into the library's files before that.
	# (LeakSanitizer cannot work under ptrace: off for these runs of the
	# sanitizer build, whose exit code it would take over)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export ASAN_OPTIONS
	strace -f -qq -o "$TMPROOT/wbeio.trace" -e trace=write \
		"$MEMBERSHIP_BIN" -c "$CFG" report -q --date $D1 2> /dev/null
	n=$(awk 'NR == 1 { main = $1 } $1 == main { n++ } END { print n + 0 }' "$TMPROOT/wbeio.trace")
	failed=0 wrong=""
	for k in 2 5 12 25 40 60 90 $((n / 2)) $((n / 3)); do
		strace -f -qq -o /dev/null -e trace=write -e inject=write:error=EIO:when=$((n - k)) \
			"$MEMBERSHIP_BIN" -c "$CFG" report -q --date $D1 2> "$TMPROOT/wbeio.err"
		rc=$?
		[ $rc = 74 ] && failed=$((failed + 1))
		if [ $rc != 0 ] && [ $rc != 74 ]; then
			wrong="$wrong write $((n - k)): exit $rc;"
		elif ! diff -r "$TMPROOT/wbeio.ref" "$REPORTS/$D1" > /dev/null 2>&1; then
			wrong="$wrong write $((n - k)): exit $rc and the report differs;"
		fi
	done
	check_eq "wbeio: each failed write gives exit 74 and the report as it was, or a report equal to it" "$wrong" ""
	check_eq "wbeio: the failed writes were met (most of the 9 exit 74)" "$([ $failed -ge 5 ] && echo yes)" yes
else
	not_ok "wbeio: strace cannot trace here (Debian package strace, make deps)"
fi

finish
