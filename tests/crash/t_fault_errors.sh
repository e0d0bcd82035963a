#!/bin/sh
# t_fault_errors.sh — RELIABILITY J.4, SPEC §2: I/O errors and allocation
# failure at the fault points. The test build (FAULT_BIN), from its N-th
# fault point on, makes every write and fsync fail with EIO
# (MEMBERSHIP_FAULT_KIND=eio), or every allocation return NULL (=enomem),
# SQLite's included. For each writing job of a day (ingest, payments,
# reconcile, report, expire) and a sample of its fault points (the first
# ones, the last two and two between; MEMBERSHIP_FAULT_KIND=count says how
# many there are):
#   - exit 74 (EIO) or 70 (ENOMEM), with a message, no crash;
#   - its run not recorded as ok (failed, or still "running" when even that
#     record could not be written), nothing temporary left in the workspace,
#     reports/ as before or as after an uninterrupted run (never partial),
#     integrity_check ok and the global invariants;
#   - then a normal rerun completes and the books, the reports and the
#     inbox, archive and rejected trees equal an uninterrupted run's.
# FAULT_ERRORS_SAMPLE=all tries every fault point.
. "$(dirname "$0")/../e2e/lib.sh"
LC_ALL=C
export LC_ALL

if [ ! -x "${FAULT_BIN:-}" ]; then
	skip_suite "no test build at FAULT_BIN"
fi

D1=2026-03-02
D2=2027-03-05
ws_new ref
mb init -q
check_rc "init" 0
products p.csv "add,GOLD,Gold,365000,," "add,LTD,Limited,1000,,800" "bogus,X,x,1,,"
awk 'BEGIN {
	print "request_id,customer_id,product_id,amount,requested_at"
	for (i = 1; i <= 1500; i++)
		printf "r%d,c%d,%s,%d,2026-03-02T%02d:%02d:%02d\n", i, i % 300,
			i % 2 ? "GOLD" : "LTD", i % 2 ? 365000 : 1000,
			int(i / 3600), int(i / 60) % 60, i % 60
	print "bad,c1,GOLD,12x,2026-03-02T10:00:00"
}' | drop q.csv
awk 'BEGIN {
	print "request_id,customer_id,purchase_request_id,requested_at,reason"
	for (i = 7; i <= 1500; i += 7)
		printf "v%d,c%d,r%d,2026-03-02T23:00:00,\n", i, i % 300, i
}' | drop v.csv
printf 'foo,bar\n1,2\n' | drop junk.csv

# The reference: each job in turn, the workspace copied before it.
JOBS="ingest:$D1 payments:$D1 reconcile:$D1 report:$D1 expire:$D2"
for jd in $JOBS; do
	job=${jd%%:*} date=${jd#*:}
	rm -rf "$TMPROOT/start.$job"
	cp -a "$WS" "$TMPROOT/start.$job"
	crash_snapshot before.$job
	mb $job -q --date $date
	eval "REF_RC_$job=$RC"
	case $RC in 0 | 65) ok "reference $job $date: exit $RC" ;; *) not_ok "reference $job $date: exit $RC: $ERR" ;; esac
	crash_snapshot after.$job
done
invariants

# points JOB DATE: the fault points to try, from a count of them.
points() {
	rm -rf "$WS"
	cp -a "$TMPROOT/start.$1" "$WS"
	MEMBERSHIP_FAULT_AT=1 MEMBERSHIP_FAULT_KIND=count "$FAULT_BIN" -c "$CFG" $1 -q --date $2 \
		> /dev/null 2> "$TMPROOT/.count"
	p=$(sed -n 's/^membership: \([0-9]*\) fault points$/\1/p' "$TMPROOT/.count")
	[ -n "$p" ] || p=0
	if [ "${FAULT_ERRORS_SAMPLE:-}" = all ]; then
		seq 1 "$p"
	else
		{ seq 1 3; echo $((p / 3)) $((2 * p / 3)); seq $((p - 1)) "$p"; } |
			tr ' ' '\n' | awk -v p="$p" '$1 >= 1 && $1 <= p' | sort -n -u
	fi
}

# errsweep JOB DATE KIND WANT-RC
errsweep() {
	job=$1 date=$2 kind=$3 want=$4
	eval "ref_rc=\$REF_RC_$job"
	pts=$(points $job $date)
	check_eq "$job: it has fault points" "$([ -n "$pts" ] && echo yes)" yes
	for n in $pts; do
		what="$job $date, $kind from fault point $n"
		rm -rf "$WS"
		cp -a "$TMPROOT/start.$job" "$WS"
		MEMBERSHIP_FAULT_AT=$n MEMBERSHIP_FAULT_KIND=$kind "$FAULT_BIN" -c "$CFG" $job -q --date $date \
			> "$TMPROOT/.out" 2> "$TMPROOT/.err"
		RC=$?
		ERR=$(cat "$TMPROOT/.err")
		check_rc "$what: exit $want" "$want"
		check_grep "$what: a message" "^error: $job" "$ERR"
		check_eq "$what: its run not recorded as ok" \
			"$(sql "SELECT outcome = 'ok' FROM runs WHERE job = '$job' ORDER BY run_id DESC LIMIT 1")" 0
		# A file committed but not yet moved keeps its rejects, hidden,
		# beside their final name: the rerun finishes the move (as after
		# a kill). Anything else temporary is a leftover.
		check_eq "$what: nothing temporary left" "$(crash_stray | grep -v '^rejected/[^/]*/\.[0-9a-f]\{64\}\.rejects\.tmp$')" ""
		crash_snapshot got
		if cmp -s "$TMPROOT/got.reports" "$TMPROOT/before.$job.reports" ||
			cmp -s "$TMPROOT/got.reports" "$TMPROOT/after.$job.reports"; then
			ok "$what: reports as before or as after (nothing partial)"
		else
			not_ok "$what: reports as before or as after (nothing partial)"
			diff "$TMPROOT/before.$job.reports" "$TMPROOT/got.reports" | head -n 8 | sed 's/^/  /'
		fi
		invariants
		mb $job -q --date $date
		# an ingest rerun reports only what it did: 0 once the file
		# rejected whole was done before the fault.
		[ $job = ingest ] && [ "$RC" = 0 ] && RC=$ref_rc
		check_rc "$what: the rerun completes" "$ref_rc"
		crash_snapshot got
		crash_same "$what, rerun: books = reference" "$TMPROOT/got.books" "$TMPROOT/after.$job.books"
		crash_same "$what, rerun: reports = reference" "$TMPROOT/got.reports" "$TMPROOT/after.$job.reports"
		crash_same "$what, rerun: inbox, archive, rejected = reference" \
			"$TMPROOT/got.files" "$TMPROOT/after.$job.files"
		check_eq "$what, rerun: no run left running" \
			"$(sql "SELECT count(*) FROM runs WHERE outcome = 'running'")" 0
	done
}

for jd in $JOBS; do
	job=${jd%%:*} date=${jd#*:}
	errsweep $job $date eio 74
	errsweep $job $date enomem 70
done

finish
