#!/bin/sh
# t_hostile.sh — hostile inboxes and hostile configurations
# (RELIABILITY C3–C5, C8, D6, E1–E3, I2; SPEC §4.2, §4.4, §7 "Hostile
# input never crashes it, never reads or writes outside the workspace, and
# never reaches SQL except as bound parameters").
#
#   names       spaces, quotes, `..`, newlines, a leading '-', '%s%n',
#               non-UTF-8 bytes, 255 bytes: all applied and archived under
#               their own names; hidden files left; names escaped in logs
#   specials    a symlink to a file outside the workspace (never followed,
#               never moved, target untouched), a FIFO (no blocking), a
#               folder named d.csv: all left alone
#   big         a 2 GB sparse file over max_file_bytes, a 10 MB field, a
#               header of a million columns: rejected fast with bounded
#               memory (max RSS from /usr/bin/time -v, which must be there)
#   injection   SQL, printf directives, quotes, backslashes in every field:
#               stored literally, or rejected and echoed literally
#   outside     nothing written outside the workspace in any scenario
#   config      100000 '[', duplicate key, alias, yes, 012, 1e3, tabs,
#               NUL: exit 78 naming file:line:col; missing file: 66
. "$(dirname "$0")/lib.sh"

D=2026-11-23
TS=2026-11-23T10:00:00+09:00
PRODUCTS='action,product_id,name,price
add,p1,Gold,1000'
PURCHASE_HEADER='request_id,customer_id,product_id,amount,requested_at'

# Memory of a run is measured with /usr/bin/time -v (Debian's package
# time, which `make deps` installs): without it the memory checks fail,
# they do not pass unmade. Under valgrind the RSS would be valgrind's, so
# there they are not made, and each says so.
TIMEV=""
if [ -n "$VG" ]; then
	echo "# valgrind on: memory bounds not checked"
elif /usr/bin/time -v true > /dev/null 2>&1; then
	TIMEV=/usr/bin/time
else
	not_ok "/usr/bin/time -v measures memory (install the package time: make deps)"
fi

now_ms() { date +%s%3N; }

# mbm ARGS…: mb, also setting MS (wall time) and RSS_KB (max RSS, or "").
mbm() {
	t0=$(now_ms)
	if [ -n "$TIMEV" ]; then
		"$TIMEV" -v -o "$TMPROOT/.time" "$MEMBERSHIP_BIN" -c "$CFG" "$@" \
			> "$TMPROOT/.out" 2> "$TMPROOT/.err"
		RC=$?
		RSS_KB=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' \
			"$TMPROOT/.time")
		OUT=$(cat "$TMPROOT/.out")
		ERR=$(cat "$TMPROOT/.err")
	else
		mb "$@"
		RSS_KB=""
	fi
	MS=$(($(now_ms) - t0))
}

# check_fast WHAT LIMIT-MS
check_fast() {
	if [ "$MS" -le "$2" ]; then ok "$1"; else not_ok "$1 (took $MS ms, limit $2 ms)"; fi
}

# check_rss WHAT LIMIT-KB: fails when the RSS was not measured (but under
# valgrind, where it says it was not checked).
check_rss() {
	if [ -n "$VG" ]; then
		echo "# not checked under valgrind: $1"
	elif [ -z "$RSS_KB" ]; then
		not_ok "$1 (no max RSS measured: /usr/bin/time -v missing or silent)"
	elif [ "$RSS_KB" -le "$2" ]; then
		ok "$1 (max RSS $RSS_KB kB)"
	else
		not_ok "$1 (max RSS $RSS_KB kB, limit $2 kB)"
	fi
}

# snapshot: every path under the scenario folder but the workspace (ws/)
# and the config the test itself writes, and under the outside folder,
# with type, size, mode and mtime.
snapshot() {
	find "$WS" "$TMPROOT/outside" -path "$WS/ws" -prune -o -path "$CFG" -prune -o \
		! -path "$WS" -printf '%p %y %s %m %T@\n' |
		LC_ALL=C sort
}

# check_outside_untouched WHAT: compares with the snapshot in $TMPROOT/.before.
check_outside_untouched() {
	snapshot > "$TMPROOT/.after"
	if cmp -s "$TMPROOT/.before" "$TMPROOT/.after"; then ok "$1"; else
		not_ok "$1"
		diff "$TMPROOT/.before" "$TMPROOT/.after" | head -n 10 | sed 's/^/  /'
	fi
}

# valid_utf8 FILE: 0 when the whole file is valid UTF-8.
valid_utf8() {
	iconv -f UTF-8 -t UTF-8 "$1" > /dev/null 2>&1
}

mkdir -p "$TMPROOT/outside"
printf '%s\n%s\n' "$PURCHASE_HEADER" "secret1,c1,p1,1000,$TS" > "$TMPROOT/outside/secret.csv"

# --- names -----------------------------------------------------------------------
ws_new names
mb init
snapshot > "$TMPROOT/.before"
printf '%s\n' "$PRODUCTS" | drop products.csv
NL=$(printf 'new\nline.csv')
BAD8=$(printf 'bad\377\376name.csv')
LONG=$(printf '%0251d' 0 | tr 0 n).csv
set -- "with space.csv" "quote\"and'apostrophe.csv" "x..y.csv" "$NL" "-rf.csv" \
	"%s%n%x.csv" "$BAD8" "$LONG" "semi;colon \$(touch pwned).csv" "back\\slash.csv"
i=0
for name in "$@"; do
	i=$((i + 1))
	# (drop's hidden .part name would pass 255 bytes for the long one)
	printf '%s\n%s\n' "$PURCHASE_HEADER" "n$i,c$i,p1,1000,$TS" > "$INBOX/.part$i"
	mv "$INBOX/.part$i" "$INBOX/$name"
done
n_names=$i
check_eq "255-byte name made" "${#LONG}" 255
printf '%s\n%s\n' "$PURCHASE_HEADER" "hidden1,c1,p1,1000,$TS" > "$INBOX/..hidden.csv"
printf '%s\n%s\n' "$PURCHASE_HEADER" "tmp1,c1,p1,1000,$TS" > "$INBOX/partial.csv.part"
mb ingest --date "$D"
check_rc "ingest of hostile names" 0
check_eq "every hostile name applied" "$(sql "SELECT count(*) FROM memberships WHERE request_id LIKE 'n%'")" "$n_names"
missing=""
for name in "$@"; do
	[ -f "$WS/ws/archive/$D/$name" ] || missing="$missing [$name]"
done
check_eq "every hostile name archived under its own name" "$missing" ""
check_eq "hidden and .part files left in the inbox" \
	"$(cd "$INBOX" && ls -A | LC_ALL=C sort | tr '\n' ' ')" "..hidden.csv partial.csv.part "
check_eq "names stored byte for byte" \
	"$(sql "SELECT count(*) FROM files WHERE name = CAST(X'$(printf '%s' "$BAD8" | od -An -tx1 | tr -d ' \n')' AS TEXT)")" "1"
check_eq "no file named pwned anywhere" "$(find "$WS" "$TOP" -maxdepth 3 -name pwned | wc -l)" "0"
# Logs and error files carry names escaped, on one line.
printf 'not,a,known,header\n1,2,3,4\n' | drop "$(printf 'evil\nname\033[31m.csv')"
mb -v ingest --date "$D"
check_rc "whole-file reject exits 65" 65
errfile=""
for f in "$WS/ws/rejected/$D"/evil*.error.txt; do [ -f "$f" ] && errfile=$f; done
if [ -n "$errfile" ] && [ "$(grep -c '' "$errfile")" = 3 ] && grep -q 'file: evil\\x0aname\\x1b\[31m.csv' "$errfile"; then
	ok "error.txt names the file escaped, on one line"
else
	not_ok "error.txt names the file escaped, on one line"
	[ -n "$errfile" ] && sed 's/^/  /' "$errfile"
fi
if printf '%s\n' "$ERR" | grep -q "$(printf '\033')"; then
	not_ok "no raw control bytes from names in the log"
else
	ok "no raw control bytes from names in the log"
fi
# A file rejected for its CSV: the name inside the reader's message too.
printf '%s\n%s\n' "$PURCHASE_HEADER" 'q1,c1,p1,"1000,x' | drop "$(printf 'quote\033[31m\377.csv')"
mb ingest --date "$D"
check_rc "a bad-CSV file with a hostile name: exit 65" 65
check_grep "its message names the file escaped" 'BAD_CSV: quote\\x1b\[31m\\xff.csv:2: unterminated' "$ERR"
if printf '%s\n' "$ERR" | grep -q "$(printf '\033')"; then
	not_ok "no raw control bytes in the reader's message"
else
	ok "no raw control bytes in the reader's message"
fi
# 255-byte names whose companions (.rejects.csv, .error.txt, a .1 suffix
# on a clash) would pass NAME_MAX.
LONG_REJ=$(printf '%0251d' 0 | tr 0 r).csv
LONG_BAD=$(printf '%0251d' 0 | tr 0 b).csv
printf '%s\n%s\n%s\n' "$PURCHASE_HEADER" "lr1,c1,p1,1000,$TS" "lr2,c1,p1,1,$TS" > "$INBOX/.p1"
mv "$INBOX/.p1" "$INBOX/$LONG_REJ"
printf 'no,such,header\n' > "$INBOX/.p2"
mv "$INBOX/.p2" "$INBOX/$LONG_BAD"
printf '%s\n%s\n' "$PURCHASE_HEADER" "n99,c1,p1,1000,$TS" > "$INBOX/.p3"
mv "$INBOX/.p3" "$INBOX/$LONG" # the name of an archived file: a clash
mb ingest --date "$D"
check_rc "255-byte names with rejects, error file and a clash" 65
check_eq "255-byte names: inbox left with hidden and .part files only" \
	"$(cd "$INBOX" && ls | LC_ALL=C sort | tr '\n' ' ')" "partial.csv.part "
check_eq "255-byte names: rows applied" \
	"$(sql "SELECT count(*) FROM memberships WHERE request_id IN ('lr1', 'n99')")" "2"
check_eq "255-byte names: both copies archived" \
	"$(ls "$WS/ws/archive/$D" | grep -c '^nnnnnnnn')" "2"
check_eq "255-byte names: rejects and error files written" \
	"$(ls "$WS/ws/rejected/$D" | grep -c '^rrrrrrrr.*rejects\.csv$\|^bbbbbbbb.*error\.txt$')" "2"
check_eq "255-byte names: every move recorded" "$(sql "SELECT count(*) FROM files WHERE moved = 0")" "0"
invariants
check_outside_untouched "nothing written outside the workspace (names)"

# --- special files -------------------------------------------------------------
ws_new specials
mb init
printf '%s\n' "$PRODUCTS" | drop products.csv
before_sum=$(cksum < "$TMPROOT/outside/secret.csv")
ln -s "$TMPROOT/outside/secret.csv" "$INBOX/x.csv"
ln -s "$TMPROOT/outside" "$INBOX/dirlink.csv"
mkfifo "$INBOX/fifo.csv"
mkdir "$INBOX/d.csv"
printf '%s\n%s\n' "$PURCHASE_HEADER" "inside1,c1,p1,1000,$TS" > "$INBOX/d.csv/inner.csv"
snapshot > "$TMPROOT/.before"
t0=$(now_ms)
timeout 20 "$MEMBERSHIP_BIN" -c "$CFG" ingest --date "$D" > "$TMPROOT/.out" 2> "$TMPROOT/.err"
RC=$?
MS=$(($(now_ms) - t0))
check_rc "ingest beside a symlink, a FIFO and a folder (no block)" 0
check_fast "no blocking on the FIFO" 10000
check_eq "symlink left in the inbox" "$([ -L "$INBOX/x.csv" ] && echo link)" "link"
check_eq "symlink to a folder left in the inbox" "$([ -L "$INBOX/dirlink.csv" ] && echo link)" "link"
check_eq "symlink target untouched" "$(cksum < "$TMPROOT/outside/secret.csv")" "$before_sum"
check_eq "symlink target still outside" "$([ -f "$TMPROOT/outside/secret.csv" ] && echo there)" "there"
check_eq "FIFO left in the inbox" "$([ -p "$INBOX/fifo.csv" ] && echo fifo)" "fifo"
check_eq "folder left in the inbox, with its content" \
	"$([ -f "$INBOX/d.csv/inner.csv" ] && echo there)" "there"
check_eq "nothing applied through links, FIFOs or folders" \
	"$(sql "SELECT count(*) FROM memberships")" "0"
check_eq "only products.csv recorded" "$(sql "SELECT group_concat(name) FROM files")" "products.csv"
check_eq "the link does not show in archive or rejected" \
	"$(find "$WS/ws/archive" "$WS/ws/rejected" -name 'x.csv*' -o -name 'fifo.csv*' -o -name 'd.csv*' | wc -l)" "0"
check_outside_untouched "nothing written outside the workspace (specials)"

# --- big inputs -------------------------------------------------------------------
ws_new big "inbox:" "  max_file_bytes: 20000000"
mb init
printf '%s\n' "$PRODUCTS" | drop products.csv
mbm ingest --date "$D"
base_rss=${RSS_KB:-0}
snapshot > "$TMPROOT/.before"
# 2 GB sparse file, over max_file_bytes: rejected whole without reading it.
truncate -s 2G "$INBOX/.huge.csv.part"
mv "$INBOX/.huge.csv.part" "$INBOX/huge.csv"
mbm ingest --date "$D"
check_rc "2 GB file: whole-file reject" 65
check_fast "2 GB file rejected fast" 5000
check_rss "2 GB file rejected with bounded memory" $((base_rss + 16384))
check_eq "2 GB file moved to rejected" "$(stat -c %s "$WS/ws/rejected/$D/huge.csv" 2> /dev/null)" "2147483648"
check_grep "2 GB file: FILE_TOO_LARGE" "reason: FILE_TOO_LARGE" "$(cat "$WS/ws/rejected/$D/huge.csv.error.txt" 2> /dev/null)"
rm -f "$WS/ws/rejected/$D/huge.csv"

# A 10 MB field (Hangul, so the cut falls inside a character).
{
	echo "$PURCHASE_HEADER"
	echo "ok1,c1,p1,1000,$TS"
	printf 'big1,'
	awk 'BEGIN { s = "한"; for (i = 0; i < 22; i++) s = s s; printf "%s", s }'
	printf ',p1,1000,%s\n' "$TS"
	echo "ok2,c3,p1,1000,$TS"
} > "$TMPROOT/field.csv"
fsize=$(stat -c %s "$TMPROOT/field.csv")
[ "$fsize" -gt 10000000 ] && ok "10 MB field made ($fsize bytes)" || not_ok "10 MB field made ($fsize bytes)"
drop field.csv < "$TMPROOT/field.csv"
mbm ingest --date "$D"
check_rc "10 MB field: the file is applied" 0
check_fast "10 MB field read fast" 10000
check_rss "10 MB field read with bounded memory" $((base_rss + 8192))
check_eq "10 MB field: its row FIELD_TOO_LONG" \
	"$(sql "SELECT line || ' ' || reason FROM rejections WHERE file = 'field.csv'")" "3 FIELD_TOO_LONG"
check_eq "10 MB field: the other rows applied" \
	"$(sql "SELECT group_concat(request_id) FROM (SELECT request_id FROM memberships ORDER BY 1)")" "ok1,ok2"
rej=$WS/ws/rejected/$D/field.csv.rejects.csv
if [ -f "$rej" ] && [ "$(stat -c %s "$rej")" -lt 100000 ]; then
	ok "10 MB field: rejects file holds a bounded copy"
else
	not_ok "10 MB field: rejects file holds a bounded copy ($(stat -c %s "$rej" 2> /dev/null) bytes)"
fi
if [ -f "$rej" ] && valid_utf8 "$rej"; then
	ok "10 MB field: rejects file is valid UTF-8"
else
	not_ok "10 MB field: rejects file is valid UTF-8 (the cut field ends inside a character)"
fi

# A header of a million columns.
awk 'BEGIN { for (i = 1; i <= 1000000; i++) printf "%sc%d", (i > 1 ? "," : ""), i; printf "\n1\n" }' \
	> "$TMPROOT/wide.csv"
drop wide.csv < "$TMPROOT/wide.csv"
mbm ingest --date "$D"
check_rc "million columns: whole-file reject" 65
check_fast "million columns rejected fast" 5000
check_rss "million columns rejected with bounded memory" $((base_rss + 16384))
check_eq "million columns: moved to rejected" \
	"$([ -f "$WS/ws/rejected/$D/wide.csv" ] && echo there)" "there"
check_eq "million columns: nothing applied" \
	"$(sql "SELECT count(*) FROM memberships")" "2"
invariants
check_outside_untouched "nothing written outside the workspace (big)"

# --- injection --------------------------------------------------------------------
ws_new injection
mb init
snapshot > "$TMPROOT/.before"
SQLI="'); DROP TABLE memberships;--"
FMT='%s%n%x%p%%'
QUOTES='say "hi" it'"'"'s'
BACKS='back\slash\\ \n \0 \x41'
{
	echo 'action,product_id,name,price'
	printf 'add,p1,"%s",1000\n' "$(printf '%s' "$SQLI" | sed 's/"/""/g')"
	printf 'add,p2,"%s",1000\n' "$FMT"
	printf 'add,p3,"%s",1000\n' "$(printf '%s' "$QUOTES" | sed 's/"/""/g')"
	printf 'add,p4,"%s",1000\n' "$BACKS"
	printf 'add,"%s",x,1000\n' "$(printf '%s' "$SQLI" | sed 's/"/""/g')"
	printf 'add,"%s",x,1000\n' "$FMT"
	printf '"%s",p9,x,1000\n' "$FMT"
	printf 'add,p8,x,"%s"\n' "$FMT"
} | drop products.csv
{
	echo "$PURCHASE_HEADER"
	echo "r1,c1,p1,1000,$TS"
	printf '"%s",c1,p1,1000,%s\n' "$(printf '%s' "$SQLI" | sed 's/"/""/g')" "$TS"
	printf 'r2,"%s",p1,1000,%s\n' "$FMT" "$TS"
	printf 'r3,c1,"%s",1000,%s\n' "$BACKS" "$TS"
	printf 'r4,c1,p1,"%s",%s\n' "$FMT" "$TS"
	printf 'r5,c1,p1,1000,"%s"\n' "$SQLI"
} | drop purchases.csv
{
	echo 'request_id,customer_id,purchase_request_id,requested_at,reason'
	printf 'k1,c1,r1,%s,"%s"\n' "$TS" "$(printf '%s' "$SQLI" | sed 's/"/""/g')"
	printf 'k2,c1,"%s",%s,x\n' "$FMT" "$TS"
} | drop cancels.csv
mb ingest --date "$D"
check_rc "ingest of injection strings" 0
check_eq "tables intact" "$(sql "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('memberships', 'products', 'runs', 'files', 'events', 'cancels', 'rejections')")" "7"
check_eq "SQL stored literally" "$(sql "SELECT name FROM products WHERE product_id = 'p1'")" "$SQLI"
check_eq "printf directives stored literally" "$(sql "SELECT name FROM products WHERE product_id = 'p2'")" "$FMT"
check_eq "quotes stored literally" "$(sql "SELECT name FROM products WHERE product_id = 'p3'")" "$QUOTES"
check_eq "backslashes stored literally" "$(sql "SELECT name FROM products WHERE product_id = 'p4'")" "$BACKS"
check_eq "SQL in a reason stored literally" "$(sql "SELECT reason FROM cancels WHERE request_id = 'k1'")" "$SQLI"
check_eq "hostile ids rejected BAD_ID / BAD_ACTION / BAD_AMOUNT" \
	"$(sql "SELECT group_concat(file || ':' || line || ':' || reason, ' ') FROM (SELECT * FROM rejections ORDER BY file, line)")" \
	"cancels.csv:3:BAD_ID products.csv:6:BAD_ID products.csv:7:BAD_ID products.csv:8:BAD_ACTION products.csv:9:BAD_AMOUNT purchases.csv:3:BAD_ID purchases.csv:4:BAD_ID purchases.csv:5:BAD_ID purchases.csv:6:BAD_AMOUNT purchases.csv:7:BAD_TIMESTAMP"
check_eq "only the clean purchase applied" "$(sql "SELECT group_concat(request_id) FROM memberships")" "r1"
rej=$WS/ws/rejected/$D/products.csv.rejects.csv
check_grep "hostile id echoed literally in the rejects file" "$SQLI" "$(cat "$rej" 2> /dev/null)"
check_grep "printf directives echoed literally" "$FMT" "$(cat "$rej" 2> /dev/null)"
invariants
check_outside_untouched "nothing written outside the workspace (injection)"

# --- configuration abuse --------------------------------------------------------------
ws_new config
snapshot > "$TMPROOT/.before"
# cfg_case WHAT TEXT WANT-RC [PATTERN]: writes TEXT as the config, runs ingest.
cfg_case() {
	printf '%s' "$2" > "$CFG"
	t0=$(now_ms)
	mb ingest --date "$D"
	MS=$(($(now_ms) - t0))
	check_rc "config: $1" "$3"
	check_fast "config: $1 (fast)" 3000
	if [ -n "${4:-}" ]; then
		if printf '%s\n' "$ERR" | grep -qE -- "$4"; then ok "config: $1 (message)"; else
			not_ok "config: $1 (message should match $4)"
			printf '%s\n' "$ERR" | head -n 3 | sed 's/^/  /'
		fi
	fi
	check_eq "config: $1 (no workspace made)" "$([ -e "$WS/ws/membership.db" ] && echo made)" ""
}
C=$(printf '%s' "$CFG" | sed 's/[]\[^$.*]/\\&/g')
cfg_case "100000 '['" "workspace: ws
x: $(printf '%0100000d' 0 | tr 0 '[')" 78 "^error: ingest: $C:2:[0-9]+: "
cfg_case "100000 '{'" "$(printf '%0100000d' 0 | tr 0 '{')" 78 "$C:1:[0-9]+: "
cfg_case "deep block nesting" "$(awk 'BEGIN { for (i = 0; i < 2000; i++) { for (j = 0; j < i; j++) printf " "; printf "k%d:\n", i } }')" 78 "$C:[0-9]+:[0-9]+: "
cfg_case "duplicate key" "workspace: ws
lock:
  wait_seconds: 1
lock:
  wait_seconds: 2
" 78 "$C:4:1: lock: duplicate key"
cfg_case "duplicate inner key" "workspace: ws
currency:
  code: KRW
  code: USD
" 78 "$C:4:3: currency.code: duplicate key"
cfg_case "alias" "workspace: &w ws
timezone: *w
" 78 "$C:1:[0-9]+: .*(anchor|alias)"
cfg_case "undefined alias" "workspace: ws
timezone: *nothing
" 78 "$C:2:11: timezone: alias"
cfg_case "yes" "workspace: ws
database:
  synchronous: yes
" 78 "$C:3:16: database.synchronous: "
cfg_case "012" "workspace: ws
lock:
  wait_seconds: 012
" 78 "$C:3:17: lock.wait_seconds: "
cfg_case "1e3" "workspace: ws
inbox:
  max_file_bytes: 1e3
" 78 "$C:3:19: inbox.max_file_bytes: "
cfg_case "tab indentation" "workspace: ws
lock:
	wait_seconds: 1
" 78 "$C:3:[0-9]+: "
cfg_case "tab in a value" "workspace: ws
timezone: \"Asia/\tSeoul\"
" 78 "$C:2:11: timezone: "
cfg_case "NUL in a scalar" "workspace: \"ws\\0x\"
" 78 "$C:1:12: workspace: "
cfg_case "unknown key" "workspace: ws
inbox:
  max_file_byte: 10
" 78 "$C:3:3: inbox.max_file_byte: unknown key"
cfg_case "zone outside zoneinfo" "workspace: ws
timezone: ../../../etc/passwd
" 78 "$C:2:11: timezone: "
rm -f "$CFG"
mb ingest --date "$D"
check_rc "config: missing file" 66
check_grep "config: missing file (message names it)" "$CFG" "$ERR"
check_outside_untouched "nothing written outside the workspace (config)"

finish
