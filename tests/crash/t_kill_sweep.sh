#!/bin/sh
# t_kill_sweep.sh — RELIABILITY A.1 / SPEC §7 "kill -9 at any point of any
# job": SIGKILL by timing (not by fault hooks — t_crash_payments.sh and
# t_ingest_crash.sh do those), on a generated inbox of tens of thousands of
# rows, for every writing job of a cycle:
#
#   1 ingest    D1  products, purchases (~2% bad rows), cancels, a junk file
#   2 payments  D1
#   3 reconcile D1
#   4 nightly   D2  product changes, purchases, cancels (refunds, voids,
#                   rejects), a resent D1 file (DUPLICATE_FILE, exit 65)
#   5 expire    D3  a year on: the memberships and two products expire
#   6 report    D3
#
# The reference is one uninterrupted run of the cycle on a fresh workspace;
# the workspace is copied just before each step and each job is timed. Then,
# for each step, CRASH_KILLS times (default 5; `make crash` uses 20): the
# copy taken before the step (= a fresh workspace on which the earlier jobs
# ran normally), the job started in the background and killed with SIGKILL
# after a delay from a fixed-seed sequence spread over its measured time,
# then the same job rerun to completion and the rest of the cycle run. The
# result must equal the reference: the books (canonical dumps: no ids, run
# ids, runs table), the order of the one id sequence (every timeline's
# order), reports/ byte for byte (names, modes, sha256), the inbox, archive/
# and rejected/ trees; the global invariants must hold, and what no
# constraint holds (seq_faults: ids drawn once and in date order, each
# step's event there); right after a kill of nightly or report, each
# reports/<date> there is whole. Last, ingest killed as above and rerun for
# the next date (as cron does): the same requests once, nothing stray.
# KILL_SWEEP_ROWS sets the day's purchases (default 28000), KILL_SWEEP_STEPS
# the steps swept (default all: "1 2 3 4 5 6").
. "$(dirname "$0")/../e2e/lib.sh"
LC_ALL=C
export LC_ALL

K=${CRASH_KILLS:-5}
ROWS=${KILL_SWEEP_ROWS:-28000}
D1=2026-11-23
D2=2026-12-05
D3=2027-12-10
STEPS="1 2 3 4 5 6"
SWEEP=${KILL_SWEEP_STEPS:-$STEPS}
T0=$(date +%s)
# One program for the whole sweep, even if bin/ is rebuilt meanwhile.
cp "$MEMBERSHIP_BIN" "$TMPROOT/membership" && MEMBERSHIP_BIN=$TMPROOT/membership

# --- the generated inbox (awk, fixed seeds) -----------------------------------------
IN1=$TMPROOT/in1
IN2=$TMPROOT/in2
mkdir -p "$IN1" "$IN2"
awk -v out="$IN1" -v np="$ROWS" -v nc=$((ROWS / 12)) -v nx=$((ROWS / 10)) -v day=$D1 'BEGIN {
	srand(20261123)
	p = out "/a-products.csv"
	print "action,product_id,name,price,sale_until,max_sales" > p
	for (i = 0; i < 30; i++)
		printf "add,P%02d,\"Product %d, \"\"tier\"\" %d\",%d,%s,%s\n", i, i, i % 3,
			10000 + i * 1000, i == 11 ? "2027-06-30" : "", i == 7 ? int(np / 60) : "" > p
	f = out "/b-purchases.csv"
	print "request_id,customer_id,product_id,amount,requested_at" > f
	for (i = 0; i < np; i++) {
		c = int(rand() * nc); k = int(rand() * 30)
		amount = 10000 + k * 1000
		bad = rand()
		if (bad < 0.008) amount = amount + 1          # PRICE_MISMATCH
		else if (bad < 0.014) amount = "1e3"          # BAD_AMOUNT
		else if (bad < 0.020) k = 77                  # UNKNOWN_PRODUCT
		t = int(i * 86400 / np)
		printf "R%07d,C%06d,P%02d,%s,%sT%02d:%02d:%02d\n", i, c, k, amount, day,
			int(t / 3600), int(t / 60) % 60, t % 60 > f
		if (i % 10 == 3 && nx_done < nx) { cancel[++nx_done] = i; owner[nx_done] = c }
	}
	x = out "/c-cancels.csv"
	print "request_id,customer_id,purchase_request_id,requested_at,reason" > x
	for (j = 1; j <= nx_done; j++)
		printf "X%07d,C%06d,R%07d,%sT23:59:00,changed mind\n", j, owner[j], cancel[j], day > x
	printf "what,is,this\n1,2,3\n" > (out "/z-junk.csv")
}'
# Day 2: P03 dearer, P05 deleted, P30 added (on sale until mid-2027), P11's
# sale shortened; new purchases (some already active, some at the old price,
# some of the deleted product); cancels of day-1 purchases (refunds full and
# prorated, already voided, declined, wrong owner) and of today's (voids).
awk -v out="$IN2" -v np=$((ROWS / 4)) -v np1="$ROWS" -v nc=$((ROWS / 12)) -v nx=$((ROWS / 10)) -v day=$D2 'BEGIN {
	srand(20261205)
	p = out "/e-products.csv"
	print "action,product_id,name,price,sale_until,max_sales" > p
	print "update,P03,,99000,," > p
	print "delete,P05,,,," > p
	print "add,P30,=Newcomer,5000,2027-06-30," > p
	print "update,P11,,,2027-01-31," > p
	f = out "/f-purchases.csv"
	print "request_id,customer_id,product_id,amount,requested_at" > f
	for (i = 0; i < np; i++) {
		c = int(rand() * nc); k = int(rand() * 31)
		amount = k == 30 ? 5000 : k == 3 && rand() < 0.9 ? 99000 : 10000 + k * 1000
		t = int(i * 86400 / np)
		printf "S%07d,C%06d,P%02d,%s,%sT%02d:%02d:%02d+09:00\n", i, c, k, amount, day,
			int(t / 3600), int(t / 60) % 60, t % 60 > f
		if (i % 7 == 2) { mine[++nm] = i; mowner[nm] = c }
	}
	x = out "/g-cancels.csv"
	print "request_id,customer_id,purchase_request_id,requested_at,reason" > x
	for (j = 1; j <= nx; j++) {
		r = int(rand() * np1)
		when = rand() < 0.3 ? "2026-11-26T10:00:00" : day "T08:00:00Z"
		printf "Y%07d,C%06d,R%07d,%s,\"late, \"\"really\"\"\"\n", j, rand() < 0.03 ? 999999 : 0, r, when > x
	}
	for (j = 1; j <= nm; j++)
		printf "Z%07d,C%06d,S%07d,%sT23:30:00,\n", j, mowner[j], mine[j], day > x
}'
# The day-2 cancels name customer 0 or 999999 above as placeholders: put in
# the owner of each purchase (from the day-1 file) for all but the 999999 ones.
awk -F, 'NR == FNR { if (FNR > 1) owner[$1] = $2; next }
	FNR > 1 && $1 ~ /^Y/ && $2 == "C000000" { $2 = owner[$3] }
	{ print }' OFS=, "$IN1/b-purchases.csv" "$IN2/g-cancels.csv" > "$IN2/g.tmp" &&
	mv "$IN2/g.tmp" "$IN2/g-cancels.csv"
cp "$IN1/c-cancels.csv" "$IN2/h-resend.csv"

step_job() {
	case $1 in
	1) JOB=ingest DATE=$D1 ;;
	2) JOB=payments DATE=$D1 ;;
	3) JOB=reconcile DATE=$D1 ;;
	4) JOB=nightly DATE=$D2 ;;
	5) JOB=expire DATE=$D3 ;;
	6) JOB=report DATE=$D3 ;;
	esac
}
# step_setup N: what producers drop into the inbox before step N.
step_setup() {
	case $1 in
	1) for f in "$IN1"/*.csv; do drop "$(basename "$f")" < "$f"; done ;;
	4) for f in "$IN2"/*.csv; do drop "$(basename "$f")" < "$f"; done ;;
	esac
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- canonical views: crash_snapshot, crash_same, crash_stray (tests/e2e/lib.sh) ----------

# SEQ: the one id sequence (schema_2.sql, schema_4.sql) — each membership's
# id (its PURCHASE_REQUESTED), its decision's decided_id and each stored
# event's id — with the date of each. Every customer's timeline is merged
# by these ids and report finds a day's rows as one id range.
SEQ="SELECT id, requested_on AS d, 'M ' || request_id AS what FROM memberships
	UNION ALL SELECT decided_id, decided_on, 'D ' || request_id FROM memberships
		WHERE decided_id IS NOT NULL
	UNION ALL SELECT id, business_date, 'E ' || event || ' ' || customer_id || ' ' ||
		coalesce(request_id, '-') FROM events"
# seq_order: the natural keys in the order of the sequence (crash_books has
# no ids): the order of every timeline, whoever drew which id.
seq_order() {
	sql "SELECT what FROM ($SEQ) ORDER BY id, what"
}
# seq_faults: one line per fault no constraint of the books prevents: an id
# drawn twice, a date earlier than that of an earlier id (a day is no longer
# one id range), a decision without its place in the sequence (its event
# gone from the timelines), a step of a cancel or a membership without its
# event, an event of a membership that is not there.
seq_faults() {
	sql "SELECT 'id drawn twice: ' || id FROM ($SEQ) GROUP BY id HAVING count(*) > 1;
	SELECT 'dated before an earlier id: ' || what FROM (SELECT id, d, what,
		max(d) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
		FROM ($SEQ)) WHERE d < before LIMIT 3;
	SELECT 'decided without a decision id: ' || request_id FROM memberships
		WHERE decided_on IS NOT NULL AND payment != 'VOIDED' AND decided_id IS NULL LIMIT 3;
	SELECT 'cancel without CANCEL_REQUESTED: ' || c.request_id FROM cancels c
		WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.customer_id
			AND e.request_id = c.request_id AND e.event = 'CANCEL_REQUESTED') LIMIT 3;
	SELECT m.payment || ' without its event: ' || m.request_id FROM memberships m
		WHERE m.payment IN ('VOIDED', 'REFUNDED') AND NOT EXISTS (SELECT 1 FROM events e
			WHERE e.customer_id = m.customer_id AND e.membership_id = m.id
			AND e.event = 'PAYMENT_' || m.payment) LIMIT 3;
	SELECT 'expired without MEMBERSHIP_EXPIRED: ' || m.request_id FROM memberships m
		WHERE m.expired_on IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e
			WHERE e.customer_id = m.customer_id AND e.membership_id = m.id
			AND e.event = 'MEMBERSHIP_EXPIRED') LIMIT 3;
	SELECT 'event of no membership: ' || e.id FROM events e WHERE e.membership_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.id = e.membership_id) LIMIT 3;"
}

# whole_reports WHAT: right after a kill, every visible reports/<date> is
# the reference's, whole (RELIABILITY G.2: a reader sees whole folders only).
whole_reports() {
	crash_tree reports | grep -v '/[.]' > "$TMPROOT/kill.reports"
	pat='^reports$'
	for d in $(ls "$WS/ws/reports" 2> /dev/null); do pat="$pat|^reports/$d(/|\$)"; done
	awk -v pat="$pat" '$NF ~ pat' "$TMPROOT/ref.reports" > "$TMPROOT/kill.want"
	crash_same "$1" "$TMPROOT/kill.reports" "$TMPROOT/kill.want"
}

# --- the reference: one uninterrupted cycle ----------------------------------------------
ws_new w
mb init -q
check_rc "init" 0
for s in $STEPS; do
	step_job $s
	step_setup $s
	rm -rf "$TMPROOT/snap.$s"
	cp -a "$WS/ws" "$TMPROOT/snap.$s"
	t=$(now_ms)
	mb $JOB -q --date $DATE
	eval "DUR_$s=$(($(now_ms) - t))"
	eval "RC_$s=$RC"
	case $s:$RC in
	1:65 | 4:65) ok "reference $JOB $DATE exits 65 (a whole file rejected)" ;;
	[2356]:0) ok "reference $JOB $DATE exits 0" ;;
	*) not_ok "reference $JOB $DATE: exit $RC"; printf '%s\n' "$ERR" | head -n 5 ;;
	esac
done
crash_snapshot ref
seq_order > "$TMPROOT/ref.seq"
check_eq "reference: the id sequence and the events of each step hold" "$(seq_faults)" ""
check_eq "reference: integrity_check" "$(sql 'PRAGMA integrity_check')" ok
check_eq "reference: inbox empty" "$(ls -A "$WS/ws/inbox")" ""
check_eq "reference: nothing stray" "$(crash_stray)" ""
invariants
# The reference must be worth comparing with: every outcome is there.
check_eq "reference: payment outcomes" \
	"$(sql "SELECT group_concat(p, ' ') FROM (SELECT DISTINCT payment p FROM memberships ORDER BY 1)")" \
	"APPROVED DECLINED REFUNDED VOIDED"
check_eq "reference: membership states" \
	"$(sql "SELECT group_concat(s, ' ') FROM (SELECT DISTINCT status s FROM memberships ORDER BY 1)")" \
	"CANCELLED DECLINED EXPIRED"
check_eq "reference: declines" \
	"$(sql "SELECT group_concat(r, ' ') FROM (SELECT DISTINCT decline_reason r FROM memberships WHERE r IS NOT NULL ORDER BY 1)")" \
	"ALREADY_ACTIVE SOLD_OUT VELOCITY_LIMIT"
check_eq "reference: reports of D2 and D3" "$(ls "$WS/ws/reports" | tr '\n' ' ')" "$D2 $D3 "
nrep=$(grep -c '^f ' "$TMPROOT/ref.reports")
nbooks=$(wc -l < "$TMPROOT/ref.books")
echo "reference: $nbooks book lines, $nrep report files; job times (ms):" \
	"ingest $DUR_1, payments $DUR_2, reconcile $DUR_3, nightly $DUR_4, expire $DUR_5, report $DUR_6"

# --- the sweep ---------------------------------------------------------------------------------
# delays STEP: K delays in seconds, one in each K-th of the job's measured
# time, at a fixed-seed random point within it.
delays() {
	eval "dur=\$DUR_$1"
	awk -v k="$K" -v dur="$dur" -v seed="$1" 'BEGIN {
		srand(4242 + seed)
		for (i = 0; i < k; i++) printf "%.3f\n", dur * (i + rand()) / k / 1000
	}'
}

MID_ALL=0
DONE_ALL=0
for s in $SWEEP; do
	step_job $s
	eval "ref_rc=\$RC_$s"
	mid=0 done_=0 rec=0 i=0
	for delay in $(delays $s); do
		i=$((i + 1))
		what="$JOB $DATE kill $i (${delay} s)"
		rm -rf "$WS/ws"
		cp -a "$TMPROOT/snap.$s" "$WS/ws"
		$VG "$MEMBERSHIP_BIN" -c "$CFG" $JOB -q --date $DATE > /dev/null 2> "$TMPROOT/.kerr" &
		pid=$!
		sleep "$delay"
		kill -9 $pid 2> /dev/null
		wait $pid 2> /dev/null
		krc=$?
		case $krc in
		137) mid=$((mid + 1)) ;;
		"$ref_rc") done_=$((done_ + 1)) ;;
		*) not_ok "$what: the killed run exited $krc before the kill"; head -n 5 "$TMPROOT/.kerr" ;;
		esac
		case $JOB in nightly | report) whole_reports "$what: reports/ right after the kill: whole folders only" ;; esac
		mb $JOB -q --date $DATE
		if [ "$RC" = "$ref_rc" ] || { [ "$ref_rc" = 65 ] && [ "$RC" = 0 ]; }; then
			ok "$what: rerun completes"
		else
			not_ok "$what: rerun exit $RC (reference $ref_rc)"
			printf '%s\n' "$ERR" | head -n 5 | sed 's/^/  /'
		fi
		# A killed nightly leaves its own record and its step's.
		check_eq "$what: no run left running, at most one job (and its nightly) marked killed" \
			"$(sql "SELECT count(*) FILTER (WHERE outcome = 'running') || ' ' ||
				(count(*) FILTER (WHERE outcome = 'killed' AND job != 'nightly') <= 1 AND
				 count(*) FILTER (WHERE outcome = 'killed' AND job = 'nightly') <= 1) FROM runs")" "0 1"
		[ "$(sql "SELECT count(*) > 0 FROM runs WHERE outcome = 'killed'")" = 1 ] && rec=$((rec + 1))
		for t in $STEPS; do
			[ $t -gt $s ] || continue
			step_job $t
			step_setup $t
			mb $JOB -q --date $DATE
			eval "want=\$RC_$t"
			check_rc "$what, then $JOB $DATE" "$want"
		done
		step_job $s
		crash_snapshot got
		crash_same "$what: books = reference" "$TMPROOT/got.books" "$TMPROOT/ref.books"
		crash_same "$what: reports = reference" "$TMPROOT/got.reports" "$TMPROOT/ref.reports"
		crash_same "$what: inbox, archive, rejected = reference" "$TMPROOT/got.files" "$TMPROOT/ref.files"
		check_eq "$what: inbox empty" "$(ls -A "$WS/ws/inbox")" ""
		check_eq "$what: nothing stray" "$(crash_stray)" ""
		# A purchase cannot be approved twice since schema 4 (one row, one
		# decision); what a kill can still break is what no constraint holds:
		seq_order > "$TMPROOT/got.seq"
		crash_same "$what: the id sequence orders the same events" "$TMPROOT/got.seq" "$TMPROOT/ref.seq"
		check_eq "$what: the id sequence and the events of each step hold" "$(seq_faults)" ""
		invariants
	done
	eval "dur=\$DUR_$s"
	echo "$JOB $DATE (${dur} ms): $K kills, $mid landed mid-run ($rec after its run record was written), $done_ after completion"
	MID_ALL=$((MID_ALL + mid))
	DONE_ALL=$((DONE_ALL + done_))
done
echo "kills: $MID_ALL mid-run, $DONE_ALL after completion"
check_eq "most kills landed mid-run" "$([ $MID_ALL -gt $DONE_ALL ] && echo yes)" yes

# --- the usual way back: a killed ingest rerun by the next night's cron, for
# the next date. The same requests are applied once; nothing of the killed
# run may stay behind (its temporary files are in the folders of its date).
D1N=2026-11-24
requests() {
	sqlite3 -batch -noheader "$1" "SELECT request_id FROM memberships UNION ALL
		SELECT request_id FROM cancels ORDER BY 1" | cksum
}
want=$(requests "$TMPROOT/snap.2/membership.db")
i=0
for delay in $(delays 1); do
	i=$((i + 1))
	what="ingest $D1 kill $i (${delay} s), rerun for $D1N"
	rm -rf "$WS/ws"
	cp -a "$TMPROOT/snap.1" "$WS/ws"
	$VG "$MEMBERSHIP_BIN" -c "$CFG" ingest -q --date $D1 > /dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2> /dev/null
	wait $pid 2> /dev/null
	mb ingest -q --date $D1N
	case $RC in 0 | 65) ok "$what: completes" ;; *) check_rc "$what: completes" 0 ;; esac
	check_eq "$what: the same requests, once" "$(requests "$WS/ws/membership.db")" "$want"
	check_eq "$what: inbox empty" "$(ls -A "$WS/ws/inbox")" ""
	check_eq "$what: nothing stray" "$(crash_stray)" ""
	invariants
done
echo "($(($(date +%s) - T0)) s)"

finish
