#!/bin/sh
# t_ingest_ids.sh — ids come from the books (issue 21): a file rolled back
# (rejected whole after its rows drew ids) must not move the ids of what
# follows, so a run killed and rerun makes the same events.id, memberships.id
# and decided_id as a run never interrupted.
. "$(dirname "$0")/lib.sh"
. "$TOP/fixtures/ingest/helpers.sh"
LC_ALL=C
export LC_ALL

if [ ! -x "$FAULT_BIN" ]; then
	not_ok "fault-injection binary $FAULT_BIN missing"
	finish
	exit 1
fi

# ids: every id the books hold, with what it stands for.
ids() {
	sql "SELECT 'M', id, request_id, ifnull(decided_id, '-') FROM memberships ORDER BY id;
SELECT 'E', id, event, ifnull(request_id, '-') FROM events ORDER BY id;"
}

# A day: products first; then a purchases file with one good row among
# rejected ones (its rows draw ids, then it is rejected whole for its share of
# rejected rows), then a good purchases file.
setup() {
	ws_new "$1" "inbox:" "  max_rejected_share: 0.5"
	products p.csv 'add,GOLD,Gold,100,,'
	mb ingest --date $D
	purchases a-bad.csv 'b1,c1,GOLD,100,2026-03-11T10:00:00' 'b2,c2,NOPE,1,2026-03-11T10:00:00' \
		'b3,c3,NOPE,1,2026-03-11T10:00:00' 'b4,c4,NOPE,1,2026-03-11T10:00:00'
	purchases b-good.csv 'g1,c5,GOLD,100,2026-03-11T11:00:00' 'g2,c6,GOLD,100,2026-03-11T12:00:00' \
		'g3,c7,NOPE,1,2026-03-11T12:00:00'
}

setup straight
mb ingest --date $D2
check_rc "straight: exit 65 (a-bad.csv rejected whole)" 65
mb payments --date $D2
check_rc "straight: payments exit 0" 0
ids > "$TMPROOT/straight.ids"
check_eq "straight: the ids follow the books: the first purchase is id 1" \
	"$(sql "SELECT min(id) FROM memberships")" 1

# Killed at each step of a-bad.csv's rejection (its commit, its error.txt,
# its move), then rerun.
for n in 1 2 3; do
	setup killed_$n
	fault_ingest $n $D2
	check_eq "killed at $n: died" "$RC" 137
	mb ingest --date $D2
	check_rc "killed at $n: rerun exits 0" 0
	mb payments --date $D2
	check_rc "killed at $n: payments exit 0" 0
	ids > "$TMPROOT/killed_$n.ids"
	crash_same "killed at $n: the same ids as the run never interrupted" "$TMPROOT/killed_$n.ids" "$TMPROOT/straight.ids"
done

# Payments killed at its commit, then rerun: the same decided ids.
setup paykill
mb ingest --date $D2
MEMBERSHIP_FAULT_AT=1 "$FAULT_BIN" -c "$CFG" payments --date $D2 > /dev/null 2>&1
check_eq "paykill: payments died at its commit" "$?" 137
mb payments --date $D2
check_rc "paykill: payments rerun exits 0" 0
ids > "$TMPROOT/paykill.ids"
crash_same "paykill: the same ids as the run never interrupted" "$TMPROOT/paykill.ids" "$TMPROOT/straight.ids"
finish
