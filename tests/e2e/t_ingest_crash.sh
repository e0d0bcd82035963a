#!/bin/sh
# t_ingest_crash.sh — ingest killed at its durable steps (SPEC §4.2 crash
# safety, §5, RELIABILITY A1-A2): the fault-injection build dies at step N
# (MEMBERSHIP_FAULT_AT=N); a normal rerun must then only finish the moves,
# leaving the same books and the same archive/rejected files as a run that
# was never interrupted.
. "$(dirname "$0")/lib.sh"
. "$TOP/fixtures/ingest/helpers.sh"
LC_ALL=C
export LC_ALL

if [ ! -x "$FAULT_BIN" ]; then
	not_ok "fault-injection binary $FAULT_BIN missing (make BUILD=build/faults BIN=build/faults/bin EXTRA_CFLAGS=-DMEMBERSHIP_FAULTS build/faults/bin/membership)"
	finish
	exit 1
fi

PH='action,product_id,name,price'
BH='request_id,customer_id,product_id,amount,requested_at'
KH='request_id,customer_id,purchase_request_id,requested_at,reason'

# --- death right after the first commit, clean file ------------------------------
ws_new clean
printf '%s\nadd,GOLD,Gold,100\nadd,SILVER,Silver,50\n' "$PH" | drop p.csv
printf '%s\nq1,c1,GOLD,100,2026-03-10T10:00:00\n' "$BH" | drop q.csv
fault_ingest 1 $D
check_eq "clean: killed by SIGKILL at the first commit" "$RC" 137
check_eq "clean: both files still in the inbox" "$(ls "$INBOX" | tr '\n' ' ')" "p.csv q.csv "
check_eq "clean: the first file's rows committed" "$(count products)" 2
mb ingest --date $D
check_rc "clean: rerun exits 0" 0
check_eq "clean: the rerun only moved p.csv, then applied q.csv" \
	"$(ls "$WS/ws/archive/$D" | tr '\n' ' ')" "p.csv q.csv "
check_eq "clean: the inbox is empty" "$(ls -A "$INBOX")" ""
check_eq "clean: no duplicate file, no rejection" "$(count rejections)" 0
check_eq "clean: books counted once" "$(count products) $(count product_versions) $(count memberships)" "2 2 1"
check_eq "clean: one file record per file" "$(sql "SELECT group_concat(name || ':' || moved, ' ') FROM (SELECT name, moved FROM files ORDER BY id)")" "p.csv:1 q.csv:1"
check_eq "clean: the killed run is marked killed" "$(count runs "outcome = 'killed'")" 1
runs_add_up
invariants

# --- the same for a file with rejected rows ------------------------------------------
for n in 1 2; do
	ws_new rows_$n
	printf '%s\nadd,GOLD,Gold,100\nbogus,X,x,1\nadd,SILVER,Silver,50\n' "$PH" | drop p.csv
	fault_ingest $n $D
	check_eq "rows at step $n: killed" "$RC" 137
	check_eq "rows at step $n: the file still in the inbox" "$(ls "$INBOX")" "p.csv"
	mb ingest --date $D
	check_rc "rows at step $n: rerun exits 0" 0
	check_eq "rows at step $n: archived" "$(ls "$WS/ws/archive/$D")" "p.csv"
	check_eq "rows at step $n: the rejects file exactly once, nothing else" \
		"$(ls -A "$WS/ws/rejected/$D" | tr '\n' ' ')" "p.csv.rejects.csv "
	check_lines "rows at step $n: its content" "$(rejects "$WS/ws/rejected/$D/p.csv.rejects.csv")" "3 BAD_ACTION"
	check_eq "rows at step $n: one rejection row, no duplicate file" \
		"$(sql "SELECT group_concat(line || ' ' || reason) FROM rejections")" "3 BAD_ACTION"
	check_eq "rows at step $n: products once" "$(count products) $(count product_versions)" "2 2"
	runs_add_up
	invariants
done

# --- the same for a file rejected whole: step 1 is its commit, step 2 its move
# (the error.txt is written after the move) ------------------------------------------------
for n in 1 2; do
	ws_new whole_$n
	printf 'nokind,x\n1,2\n' | drop bad.csv
	fault_ingest $n $D
	check_eq "whole at step $n: killed" "$RC" 137
	if [ $n = 1 ]; then
		check_eq "whole at step 1: the file still in the inbox, no error.txt yet" \
			"$(ls "$INBOX") $(ls -A "$WS/ws/rejected/$D" 2>/dev/null | tr '\n' ' ')" "bad.csv "
	fi
	mb ingest --date $D
	check_eq "whole at step $n: the rerun exits 0 or 65" "$(echo "$RC" | grep -E '^(0|65)$')" "$RC"
	check_eq "whole at step $n: rejected with its error.txt, once" \
		"$(ls -A "$WS/ws/rejected/$D" | tr '\n' ' ')" "bad.csv bad.csv.error.txt "
	check_grep "whole at step $n: error.txt names the reason" BAD_HEADER "$(cat "$WS/ws/rejected/$D/bad.csv.error.txt" 2>&1)"
	check_eq "whole at step $n: one rejections row" "$(sql "SELECT group_concat(reason) FROM rejections")" "BAD_HEADER"
	check_eq "whole at step $n: one file record" "$(count files)" 1
	invariants
done

# --- killed after the move, before the books record it: a later resend of the
# same content under the same name is still a duplicate ----------------------------
ws_new resend
printf '%s\nadd,GOLD,Gold,100\n' "$PH" > "$TMPROOT/resend.csv"
drop p.csv < "$TMPROOT/resend.csv"
fault_ingest 2 $D
check_eq "resend: killed after the move" "$RC" 137
check_eq "resend: the file was moved" "$(ls -A "$INBOX")|$(ls "$WS/ws/archive/$D")" "|p.csv"
mb ingest --date $D
check_rc "resend: the rerun exits 0" 0
drop p.csv < "$TMPROOT/resend.csv"
mb ingest --date $D
check_rc "resend: the same content again exits 65" 65
check_eq "resend: rejected as a duplicate, not archived again" \
	"$(ls "$WS/ws/archive/$D" | tr '\n' ' ')|$(ls "$WS/ws/rejected/$D" 2>/dev/null | tr '\n' ' ')" \
	"p.csv |p.csv p.csv.error.txt "
check_eq "resend: DUPLICATE_FILE recorded" "$(sql "SELECT group_concat(reason) FROM rejections")" "DUPLICATE_FILE"
check_eq "resend: the first file's record keeps its name" "$(sql "SELECT final_name FROM files WHERE outcome = 'APPLIED'")" "p.csv"
invariants

# --- a file over max_file_bytes, rejected whole, killed before its move --------------------
ws_new toolarge "inbox:" "  max_file_bytes: 60"
{ printf '%s\n' "$PH"; for i in 1 2 3 4; do printf 'add,LARGE%s,large,1\n' "$i"; done; } | drop large.csv
fault_ingest 1 $D
check_eq "toolarge: killed" "$RC" 137
mb ingest --date $D
check_eq "toolarge: rejected with its error.txt, once" \
	"$(ls -A "$WS/ws/rejected/$D" | tr '\n' ' ')" "large.csv large.csv.error.txt "
check_eq "toolarge: one rejections row after the rerun" \
	"$(sql "SELECT count(*) || ' ' || group_concat(reason) FROM rejections")" "1 FILE_TOO_LARGE"
check_eq "toolarge: one file record after the rerun" "$(count files)" 1
invariants

# --- killed on one day, rerun on the next ------------------------------------------------------
ws_new nextday
printf '%s\nadd,GOLD,Gold,100\nbogus,X,x,1\n' "$PH" | drop p.csv
fault_ingest 1 $D
check_eq "nextday: killed" "$RC" 137
mb ingest --date $D2
check_rc "nextday: rerun exits 0" 0
check_eq "nextday: moved, not applied again, not a duplicate" \
	"$(ls -A "$INBOX")|$(count products)|$(sql "SELECT group_concat(reason) FROM rejections")" "|1|BAD_ACTION"
check_eq "nextday: archived once" "$(cd "$WS/ws" && find archive -type f | wc -l)" 1
check_eq "nextday: its rejects file once" "$(cd "$WS/ws" && find rejected -name 'p.csv.rejects.csv*' | wc -l)" 1
invariants

# --- the sweep: die at every step of a run over several files -----------------------------
# fill_inbox: the inbox of the sweep (every outcome a file can have).
fill_inbox() {
	printf '%s\nadd,GOLD,Gold,100\nbogus,X,x,1\nadd,SILVER,"Silver, ""2nd""",50\n' "$PH" | drop p1.csv
	printf '%s\nupdate,GOLD,,120\n' "$PH" | drop p2.csv
	printf '%s\nq1,c1,GOLD,120,2026-03-10T10:00:00\nq2,c2,SILVER,50,2026-03-10T10:00:00\n' "$BH" | drop q1.csv
	printf '%s\nq3,c3,GOLD,100,2026-03-10T10:00:00\nq4,c3,GOLD,120,2026-03-10T10:00:00\nq1,c1,GOLD,120,2026-03-10T10:00:00\n' "$BH" | drop q2.csv
	printf '%s\nq1,c1,GOLD,120,2026-03-10T10:00:00\nq2,c2,SILVER,50,2026-03-10T10:00:00\n' "$BH" | drop q3-copy.csv
	printf '%s\nk1,c1,q1,2026-03-10T11:00:00,\nk2,c1,q1,2026-03-10T11:00:00,again\nk3,c9,q2,2026-03-10T11:00:00,\n' "$KH" | drop k1.csv
	printf '%s\nk4,c2,q2,2026-03-10T11:00:00,\n' "$KH" | drop k2.csv
	printf 'what,is,this\n1,2,3\n' | drop z-bad.csv
	printf '%s\nadd,BROKEN,"x,1\n' "$PH" | drop p3-broken.csv
}

ws_new sweep_ref
fill_inbox
mb ingest --date $D
REF_RC=$RC
check_rc "sweep: the uninterrupted run exits 65" 65
canon | grep -v '^F|' > "$TMPROOT/sweep.canon.ref"
canon | grep '^F|' > "$TMPROOT/sweep.files.ref"
ftree > "$TMPROOT/sweep.tree.ref"
check_eq "sweep: the reference books are not empty" "$(grep -c '^M|' "$TMPROOT/sweep.canon.ref")" 3
check_eq "sweep: the reference has rejects files" "$(grep -c 'rejects.csv$' "$TMPROOT/sweep.tree.ref")" 3

n=1
completed=0
files_drift=""
while [ $n -le 60 ]; do
	ws_new "sweep_$n"
	fill_inbox
	fault_ingest $n $D
	if [ "$RC" != 137 ]; then
		check_eq "sweep: with no step left to die at, the run completes like the reference" "$RC" "$REF_RC"
		completed=1
	else
		mb ingest --date $D
		case $RC in 0 | 65) ok "sweep $n: rerun completes" ;; *) check_rc "sweep $n: rerun completes" 0 ;; esac
	fi
	canon | grep -v '^F|' > "$TMPROOT/sweep.canon.$n"
	canon | grep '^F|' > "$TMPROOT/sweep.files.$n"
	ftree > "$TMPROOT/sweep.tree.$n"
	check_file "sweep $n: books = uninterrupted run's" "$TMPROOT/sweep.canon.$n" "$TMPROOT/sweep.canon.ref"
	check_file "sweep $n: archive/rejected/inbox files = uninterrupted run's" "$TMPROOT/sweep.tree.$n" "$TMPROOT/sweep.tree.ref"
	# The files table is bookkeeping (moved flag, final and rejects names):
	# one assertion for the whole sweep, listing the steps where it drifts.
	cmp -s "$TMPROOT/sweep.files.$n" "$TMPROOT/sweep.files.ref" || files_drift="$files_drift $n"
	runs_add_up
	invariants
	[ $completed = 1 ] && break
	n=$((n + 1))
done
check_eq "sweep: the run completed after a bounded number of steps" "$completed" 1
check_eq "sweep: file records (moved, final_name, rejects_name) = uninterrupted run's after every step" \
	"${files_drift# }" ""
[ -n "$files_drift" ] && echo "  (diff e.g. with: diff $TMPROOT/sweep.files.ref $TMPROOT/sweep.files.${files_drift##* })"
[ -n "${VERBOSE:-}" ] && echo "sweep: $((n - 1)) fault points"

finish
