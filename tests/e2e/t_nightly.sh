#!/bin/sh
# t_nightly.sh — `membership nightly` (SPEC §2, §5): the five jobs in order,
# each with its run record and summary line; a 65 from ingest lets the cycle
# go on and is the exit code at the end; the first real failure stops the
# cycle and is the exit code; a rerun for the same date changes nothing; -q
# on success is silent; --dry-run runs the same cycle (same counts) and
# leaves the books and every file as they were; closed books refuse an
# earlier date.
. "$(dirname "$0")/lib.sh"

D1=2026-04-01
D2=2026-04-02
D3=2026-04-03
D4=2026-04-04


# jobs_of DATE: "job outcome exit" of the run records of DATE, in order.
jobs_of() {
	sql "SELECT job || ' ' || outcome || ' ' || exit_code FROM runs
	 WHERE business_date = $(( $(date -u -d "$1" +%s) / 86400 )) ORDER BY run_id" | tr '\n' ';'
}

# books: every table but the run records, in a canonical form.
books() {
	for t in products product_versions memberships cancels events files rejections reconciliation; do
		echo "-- $t"
		sqlite3 -batch "$WS/ws/membership.db" ".mode quote" "SELECT * FROM $t ORDER BY 1"
	done
}

# files: every file and folder of the workspace (but the database, whose
# bytes SQLite may rearrange) with its mode and a checksum.
files() {
	(cd "$WS/ws" && find . ! -name 'membership.db*' -printf '%y %m %p\n' | LC_ALL=C sort &&
	 find . -type f ! -name 'membership.db*' -exec sha256sum {} + | LC_ALL=C sort)
}

# summaries: the jobs' summary lines of the last mb, without run ids,
# timings and the dry run's "would".
summaries() {
	printf '%s\n' "$ERR" | grep -E '^(ingest|payments|reconcile|expire|report) ' |
		sed -e 's/ ([^()]*)$//' -e 's/: would write /: /'
}

# synchronous: normal, which ingest turns to FULL for its own commits and
# back for the jobs after it (and leaves alone in a dry run).
ws_new main "database:" "  synchronous: normal"
mb init -q
check_rc "init" 0

# --- a plain day: five jobs, in order, each recorded -----------------------------
products "products-1.csv" 'add,GOLD,"Gold, 골드",1000,,' 'add,LTD,Limited,500,,1'
purchases "purchases-1.csv" \
	'p1,ann,GOLD,1000,2026-04-01T09:00:00' \
	'p2,ben,LTD,500,2026-04-01T09:00:00' \
	'p3,cat,LTD,500,2026-04-01T09:30:00' \
	'p4,dan,GOLD,999,2026-04-01T10:00:00'
mb nightly --date $D1
check_rc "nightly $D1" 0
check_eq "$D1: nightly's run record, then five, in order" "$(jobs_of $D1)" \
	"nightly ok 0;ingest ok 0;payments ok 0;reconcile ok 0;expire ok 0;report ok 0;"
check_eq "$D1: summary lines in order" "$(printf '%s\n' "$ERR" | grep -oE '^(ingest|payments|reconcile|expire|report|nightly) ' | tr -d ' ' | tr '\n' ' ')" \
	"ingest payments reconcile expire report nightly "
check_grep "$D1: payments decided" "^payments $D1: 2 approved, 1 declined" "$ERR"
check_eq "$D1: reports written" "$(ls "$REPORTS")" "$D1"
check_eq "$D1: inbox empty" "$(ls "$INBOX")" ""
invariants

# --- the same date again, quietly: nothing changes, nothing said ---------------
books_before=$(books)
cp -R "$REPORTS/$D1" "$TMPROOT/d1"
mb -q nightly --date $D1
check_rc "nightly $D1 again, -q" 0
check_eq "-q: nothing on stderr" "$ERR" ""
check_eq "-q: nothing on stdout" "$OUT" ""
check_eq "rerun: books unchanged" "$(books)" "$books_before"
check_eq "rerun: reports identical" "$(diff -r "$REPORTS/$D1" "$TMPROOT/d1" && echo same)" same

# --- a whole file rejected: 65 does not stop the cycle ---------------------------
purchases "purchases-2.csv" 'p5,eve,GOLD,1000,2026-04-02T08:00:00'
cancels "cancels-2.csv" 'c1,ann,p1,2026-04-02T09:00:00,'
printf 'what,is,this\n1,2,3\n' | drop "mystery.csv"
mb nightly --date $D2
check_rc "nightly $D2 with a rejected file" 65
check_eq "$D2: every job ran; ingest and nightly recorded 65, ok" "$(jobs_of $D2)" \
	"nightly ok 65;ingest ok 65;payments ok 0;reconcile ok 0;expire ok 0;report ok 0;"
check_grep "$D2: payments went on" "^payments $D2: 1 approved, 0 declined, 0 voided, 1 refunded" "$ERR"
check_eq "$D2: report written" "$(ls "$REPORTS/$D2" | grep -c csv)" 5
check_grep "$D2: the rejected file is in rejections.csv" "^mystery.csv,,,,BAD_HEADER," \
	"$(cat "$REPORTS/$D2/rejections.csv")"
invariants

# --- dry run: the same cycle, nothing changed -----------------------------------
purchases "purchases-3.csv" \
	'p6,fay,GOLD,1000,2026-04-03T08:00:00' \
	'p7,gus,LTD,500,2026-04-03T08:00:00'
cancels "cancels-3.csv" 'c2,eve,p5,2026-04-03T09:00:00,' 'c3,ann,p1,2026-04-03T09:00:00,'
printf 'x\n' | drop "broken.csv"
dump_before=$(sqlite3 "$WS/ws/membership.db" .dump)
files_before=$(files)
mb nightly --dry-run --date $D3
check_rc "nightly --dry-run $D3" 65
dry=$(summaries)
check_eq "dry run: five summary lines" "$(printf "%s\n" "$dry" | grep -c .)" 5
check_grep "dry run: report lists what it would write" "would write .*/$D3/summary.txt" "$ERR"
check_eq "dry run: database unchanged (.dump)" "$(sqlite3 "$WS/ws/membership.db" .dump)" "$dump_before"
check_eq "dry run: files unchanged (inbox, archive, rejected, reports)" "$(files)" "$files_before"
check_eq "dry run: no run records" "$(jobs_of $D3)" ""
mb nightly --date $D3
check_rc "nightly $D3 for real" 65
check_eq "dry run: the same counts as the real run" "$dry" "$(summaries)"
check_eq "$D3 for real: the inbox was read" "$(ls "$INBOX")" ""
invariants

# --- a failing job stops the cycle with its code -----------------------------------
purchases "purchases-4.csv" 'p8,hal,GOLD,1000,2026-04-04T08:00:00'
mkdir -p "$WS/ws/archive"
touch "$WS/ws/archive/$D4" # not a folder: ingest cannot move the file
mb nightly --date $D4
check_rc "nightly $D4, ingest cannot archive" 73
check_eq "$D4: stopped after ingest; nightly failed" "$(jobs_of $D4)" "nightly failed 73;ingest failed 73;"
check_eq "$D4: no report" "$(ls "$REPORTS" | grep -c $D4)" 0
check_grep "$D4: the message names the cause" "archive/$D4" "$ERR"
rm "$WS/ws/archive/$D4"
mb nightly --date $D4
check_rc "nightly $D4 rerun after the fix" 0
check_eq "$D4: rerun completed the cycle" "$(jobs_of $D4 | sed 's/^nightly failed 73;ingest failed 73;//')" \
	"nightly ok 0;ingest ok 0;payments ok 0;reconcile ok 0;expire ok 0;report ok 0;"
check_eq "$D4: p8 applied once" "$(sql "SELECT count(*) FROM memberships WHERE request_id = 'p8'")" 1
invariants

# --- closed books ----------------------------------------------------------------------
mb nightly --date $D2
check_rc "nightly for an earlier date" 64
check_grep "closed books: said why" "closed" "$ERR"
check_eq "closed books: nothing recorded" "$(jobs_of $D2 | tr ';' '\n' | grep -c .)" 6
check_grep "closed books: the --date typed is named as such" \
	"a job already ran for $D4, so the books are closed before it; --date $D2 is earlier" "$ERR"
# With no --date the date is the job's default (the open day): a job run
# with a --date ahead closed the books past it. The message must not speak
# of a --date nobody typed, and says which one would do.
ws_new ahead
mb init
mb expire --date 2099-01-02
mb ingest
check_rc "closed books, no --date: exit 64" 64
check_grep "closed books, no --date: the default date named as such" \
	"a job already ran for 2099-01-02, so the books are closed before it; the default date, [0-9-]*, is earlier; give --date 2099-01-02 or later" "$ERR"

# --- a dry run where there are no books yet: it creates nothing (SPEC §2) ---
ws_new nobooks
rm -rf "$WS/ws"
for c in init ingest payments reconcile expire report nightly prune; do
	case $c in
	init | prune) mb $c --dry-run ;;
	*) mb $c --dry-run --date $D3 ;;
	esac
	if [ "$c" = init ]; then
		check_rc "no books: init --dry-run" 0
		check_grep "no books: init --dry-run says what it would make" "would make the workspace" "$ERR"
	else
		check_rc "no books: $c --dry-run exit 66" 66
		check_grep "no books: $c --dry-run names the database" "membership.db: No such file or directory (a dry run creates nothing" "$ERR"
	fi
	check_eq "no books: $c --dry-run made nothing" "$(ls -A "$WS")" "membership.yaml"
done

finish
