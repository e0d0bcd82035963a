#!/bin/sh
# t_powerloss.sh — power loss, not just death (RELIABILITY J1, issue 21):
# the fault build dies at its N-th fault point (MEMBERSHIP_FAULT_AT=N) and,
# with MEMBERSHIP_POWERLOSS=1, first undoes every change of the workspace's
# files that was not yet durable — data written since the file's last
# fsync, creates and renames whose folder was not fsynced since — as a
# power cut at that moment could. For each N until a run completes: a fresh
# workspace, the killed run, a normal rerun; the books and the inbox,
# archive/ and rejected/ trees must equal one uninterrupted run's. The day's
# folders do not exist beforehand, so their creation is under test too.
. "$(dirname "$0")/../e2e/lib.sh"
. "$TOP/fixtures/ingest/helpers.sh"
LC_ALL=C
export LC_ALL

if [ ! -x "$FAULT_BIN" ]; then
	not_ok "fault-injection binary $FAULT_BIN missing (make BUILD=build/faults BIN=build/faults/bin EXTRA_CFLAGS=-DMEMBERSHIP_FAULTS build/faults/bin/membership)"
	finish
	exit 1
fi

DD=2026-12-05
# day: the inbox of the day (products with a rejected row, purchases with a
# rejected row, a file rejected whole, a clean cancels file).
day() {
	products a-products.csv 'add,GOLD,Gold,100,,' 'add,SILVER,Silver,50,,' 'bogus,X,x,1,,'
	purchases b-purchases.csv 'q1,c1,GOLD,100,2026-12-05T10:00:00' \
		'q2,c2,SILVER,50,2026-12-05T11:00:00' 'q3,c3,NOPE,1,2026-12-05T12:00:00'
	printf 'foo,bar\n1,2\n' | drop c-junk.csv
	cancels d-cancels.csv 'k1,c2,q2,2026-12-05T12:00:00,changed my mind'
}

ws_new reference
day
mb ingest --date $DD
check_rc "reference: exit 65 (one file rejected whole)" 65
crash_snapshot ref

n=1
while [ $n -le 40 ]; do
	ws_new pl_$n
	day
	MEMBERSHIP_FAULT_AT=$n MEMBERSHIP_POWERLOSS=1 "$FAULT_BIN" -c "$CFG" ingest --date $DD \
		> "$TMPROOT/.out" 2> "$TMPROOT/.err"
	rc=$?
	if [ $rc != 137 ]; then
		check_eq "power loss: the run with no fault point left completes like the reference" "$rc" 65
		break
	fi
	mb ingest --date $DD
	case $RC in 0 | 65) ok "power loss at $n: rerun exits $RC" ;; *) not_ok "power loss at $n: rerun exits $RC: $ERR" ;; esac
	crash_snapshot pl_$n
	crash_same "power loss at $n: the books equal the reference" "$TMPROOT/pl_$n.books" "$TMPROOT/ref.books"
	crash_same "power loss at $n: inbox, archive and rejected equal the reference" \
		"$TMPROOT/pl_$n.files" "$TMPROOT/ref.files"
	check_eq "power loss at $n: nothing temporary left" "$(crash_stray)" ""
	invariants
	n=$((n + 1))
done
check_eq "power loss: the sweep met several fault points" "$([ $n -gt 5 ] && echo yes)" yes
finish
