#!/bin/sh
# t_inbox_links.sh — the workspace's folders are never followed through a
# link (RELIABILITY J2, issue 21) and nothing ever replaces a file (J3):
# a symbolic link where archive/<date>, rejected/<date> or inbox/ should be
# stops ingest with exit 73 naming it, nothing moves and nothing is written
# through it; two long names whose .error.txt would shorten to the same name
# both keep their own.
. "$(dirname "$0")/lib.sh"
. "$TOP/fixtures/ingest/helpers.sh"
LC_ALL=C
export LC_ALL

PH='action,product_id,name,price'
DD=2026-12-05

# outside_empty WHAT DIR: nothing was written into DIR.
outside_empty() {
	check_eq "$1: nothing written outside the workspace" "$(ls -A "$2")" ""
}

# --- archive/<date> is a link to a folder outside ----------------------------------
ws_new arch_link
OUTSIDE=$WS/outside
mkdir -p "$OUTSIDE" "$WS/ws/archive"
ln -s "$OUTSIDE" "$WS/ws/archive/$DD"
printf '%s\nadd,A1,x,1\n' "$PH" | drop p.csv
mb ingest --date $DD
check_rc "arch_link: exit 73" 73
check_grep "arch_link: the message names the link" "archive/$DD" "$ERR"
outside_empty arch_link "$OUTSIDE"
check_eq "arch_link: the file stays in the inbox" "$(ls -A "$INBOX")" "p.csv"
check_eq "arch_link: the link is left as it was" "$(test -L "$WS/ws/archive/$DD" && echo link)" link
# The operator replaces the link by a folder: the rerun applies the file once.
rm "$WS/ws/archive/$DD"
mb ingest --date $DD
check_rc "arch_link: rerun after the link is gone exits 0" 0
check_eq "arch_link: archived" "$(ls -A "$WS/ws/archive/$DD")" "p.csv"
check_eq "arch_link: applied once" "$(count products) $(count product_versions)" "1 1"
invariants

# --- rejected/<date> is a link: a file with rejected rows, a whole reject -----------
for kind in rows whole; do
	ws_new rej_link_$kind
	OUTSIDE=$WS/outside
	mkdir -p "$OUTSIDE" "$WS/ws/rejected"
	ln -s "$OUTSIDE" "$WS/ws/rejected/$DD"
	if [ $kind = rows ]; then
		printf '%s\nadd,A1,x,1\nbogus,A2,x,1\n' "$PH" | drop p.csv
	else
		printf 'foo\n1\n' | drop p.csv
	fi
	mb ingest --date $DD
	check_rc "rej_link $kind: exit 73" 73
	check_grep "rej_link $kind: the message names the link" "rejected/$DD" "$ERR"
	outside_empty "rej_link $kind" "$OUTSIDE"
	check_eq "rej_link $kind: the file stays in the inbox" "$(ls -A "$INBOX")" "p.csv"
	check_eq "rej_link $kind: nothing archived" "$(ls -A "$WS/ws/archive" 2>/dev/null)" ""
	check_eq "rej_link $kind: nothing applied" "$(count products)" 0
done

# --- a link to itself, and the inbox replaced by a link ------------------------------
ws_new self_link
mkdir -p "$WS/ws/archive"
ln -s "$DD" "$WS/ws/archive/$DD"
printf '%s\nadd,A1,x,1\n' "$PH" | drop p.csv
mb ingest --date $DD
check_rc "self_link: exit 73" 73
check_eq "self_link: the file stays in the inbox" "$(ls -A "$INBOX")" "p.csv"

ws_new inbox_link
OUTSIDE=$WS/outside
mkdir -p "$OUTSIDE"
printf '%s\nadd,A1,x,1\n' "$PH" > "$OUTSIDE/p.csv"
rmdir "$INBOX"
ln -s "$OUTSIDE" "$INBOX"
mb ingest --date $DD
check_rc "inbox_link: exit 73" 73
check_grep "inbox_link: the message names the inbox" "inbox" "$ERR"
check_eq "inbox_link: the file outside is not touched" "$(ls -A "$OUTSIDE")" "p.csv"
# (refused when the workspace is set up: the books are not even made)
check_eq "inbox_link: nothing applied" "$([ -f "$WS/ws/membership.db" ] && count products || echo 0)" 0

# --- a refusal before the job begins is a failed run all the same ------------------
# reports/ replaced by a link on books that exist: report is refused before
# it begins, and status --check must see that run as it sees any failed one.
ws_new reports_link
mb init
OUTSIDE=$WS/outside
mkdir -p "$OUTSIDE"
rmdir "$WS/ws/reports"
ln -s "$OUTSIDE" "$WS/ws/reports"
mb report --date $DD
check_rc "reports_link: exit 73" 73
check_grep "reports_link: the message names the link" "reports: a symbolic link" "$ERR"
outside_empty reports_link "$OUTSIDE"
check_eq "reports_link: recorded as a failed run with its reason" \
	"$(sql "SELECT job || ' ' || outcome || ' ' || exit_code || ' ' || (summary LIKE '%reports: a symbolic link%') || ' ' || ifnull(business_date, 'none') FROM runs")" \
	"report failed 73 1 none"
mb status --check
check_rc "reports_link: status --check is CRITICAL" 2
check_grep "reports_link: status --check names the job" "last report run .* failed, exit 73" "$OUT"
mb payments --date 2026-12-20
check_rc "reports_link: payments for a later day refused too: 73" 73
rm "$WS/ws/reports"
mb payments --date $DD
check_rc "reports_link: a refused run began no day: payments for an earlier one still runs" 0
mb report --date $DD
check_rc "reports_link: rerun once the link is gone exits 0" 0
mb status --check
check_grep "reports_link: then no job's last run has failed" "'failed_jobs'=0;" "$OUT"
# A refusal on a workspace without books makes none.
ws_new reports_link_nobooks
mkdir -p "$WS/ws" "$WS/outside"
ln -s "$WS/outside" "$WS/ws/reports"
mb report --date $DD
check_rc "reports_link_nobooks: exit 73" 73
check_eq "reports_link_nobooks: no books made" "$(test -e "$WS/ws/membership.db" && echo made)" ""

# --- long names: two whole rejects whose .error.txt would be the same name --------
ws_new long_err
L1=$(printf 'e%.0s' $(seq 250))1.csv    # 255 bytes
L2=$(printf 'e%.0s' $(seq 250))2.csv
printf 'foo\n1\n' > "$INBOX/$L1"
printf 'bar\n2\n' > "$INBOX/$L2"
mb ingest --date $DD
check_rc "long_err: exit 65" 65
J=$WS/ws/rejected/$DD
check_eq "long_err: both files and two error files in rejected/" "$(ls -A "$J" | wc -l)" 4
check_eq "long_err: the inbox is empty" "$(ls -A "$INBOX")" ""
check_eq "long_err: each error file names its own file" \
	"$(cat "$J"/*.error.txt | grep -c '^file: ')" 2
check_eq "long_err: the two error files differ" \
	"$(cat "$J"/*.error.txt | grep '^file: ' | sort -u | wc -l)" 2
check_eq "long_err: every name fits NAME_MAX" "$(ls -A "$J" | awk 'length($0) > 255' | wc -l)" 0
check_eq "long_err: the books name both final names, each present" \
	"$(sql "SELECT final_name FROM files ORDER BY id" | while read -r n; do test -f "$J/$n" && echo y; done | wc -l)" 2
invariants

# --- a file already at the planned name is never replaced ------------------------
ws_new noreplace
mkdir -p "$WS/ws/archive/$DD"
printf 'keep me\n' > "$WS/ws/archive/$DD/p.csv"
printf '%s\nadd,A1,x,1\n' "$PH" | drop p.csv
mb ingest --date $DD
check_rc "noreplace: exit 0" 0
check_eq "noreplace: the file already there is kept" "$(cat "$WS/ws/archive/$DD/p.csv")" "keep me"
check_eq "noreplace: the new one numbers its stem" "$(ls "$WS/ws/archive/$DD" | tr '\n' ' ')" "p.1.csv p.csv "
finish
