#!/bin/sh
# t_powerloss.sh — power loss, not just death (RELIABILITY J1, issue 21):
# the fault build dies at its N-th fault point (MEMBERSHIP_FAULT_AT=N) and,
# with MEMBERSHIP_POWERLOSS=1, first undoes every change of the workspace's
# files that was not yet durable — data written since the file's last
# fsync, creates and renames whose folder was not fsynced since — as a
# power cut at that moment could. For each N until a run completes: a fresh
# workspace, the killed run, a normal rerun; the books and the inbox,
# archive/ and rejected/ trees must equal one uninterrupted run's. Two
# sweeps: the day's folders not there yet (their creation under test too),
# and there already with files of the same names (every name numbered).
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

# sweep NAME PRE: the reference and the sweep, PRE run on each fresh
# workspace first (none; or clash: the day's folders exist and hold files
# of the same names, so every name is numbered).
sweep() {
	ws_new ${1}_reference
	$2
	day
	mb ingest --date $DD
	check_rc "$1: reference exits 65 (one file rejected whole)" 65
	crash_snapshot ${1}_ref
	n=1
	while [ $n -le 40 ]; do
		ws_new ${1}_$n
		$2
		day
		MEMBERSHIP_FAULT_AT=$n MEMBERSHIP_POWERLOSS=1 "$FAULT_BIN" -c "$CFG" ingest --date $DD \
			> "$TMPROOT/.out" 2> "$TMPROOT/.err"
		rc=$?
		if [ $rc != 137 ]; then
			check_eq "$1: the run with no fault point left completes like the reference" "$rc" 65
			break
		fi
		mb ingest --date $DD
		case $RC in 0 | 65) ok "$1 at $n: rerun exits $RC" ;; *) not_ok "$1 at $n: rerun exits $RC: $ERR" ;; esac
		crash_snapshot ${1}_$n
		crash_same "$1 at $n: the books equal the reference" "$TMPROOT/${1}_$n.books" "$TMPROOT/${1}_ref.books"
		crash_same "$1 at $n: inbox, archive and rejected equal the reference" \
			"$TMPROOT/${1}_$n.files" "$TMPROOT/${1}_ref.files"
		check_eq "$1 at $n: nothing temporary left" "$(crash_stray)" ""
		invariants
		n=$((n + 1))
	done
	check_eq "$1: the sweep met several fault points" "$([ $n -gt 5 ] && echo yes)" yes
}

pre_none() { :; }
pre_clash() {
	mkdir -p "$WS/ws/archive/$DD" "$WS/ws/rejected/$DD"
	for f in a-products.csv b-purchases.csv d-cancels.csv; do
		echo old > "$WS/ws/archive/$DD/$f"
	done
	echo old > "$WS/ws/rejected/$DD/c-junk.csv"
	echo old > "$WS/ws/rejected/$DD/a-products.csv.rejects.csv"
}

sweep fresh pre_none
sweep clash pre_clash
check_grep "clash: the names were numbered" "a-products.1.csv.rejects.csv" "$(cat "$TMPROOT/clash_ref.files")"
finish
