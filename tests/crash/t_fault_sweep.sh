#!/bin/sh
# t_fault_sweep.sh — RELIABILITY A.1 for nightly, report (over a day's
# existing reports), prune and backup: the test build (FAULT_BIN) kills
# itself at its N-th fault point (commit, rename, file written), for each N
# of a sample (every point up to FAULT_SWEEP_ALL, then evenly spread ones
# and the last three; MEMBERSHIP_FAULT_KIND=count says how many there are;
# FAULT_SWEEP_ALL=all tries every one). After each kill a normal rerun must
# leave the books, reports/, archive/, rejected/ and the inbox
# byte-for-byte as one uninterrupted run does, nothing temporary behind;
# for backup, the copy is absent or whole, and after a rerun whole, equal
# to the books.
. "$(dirname "$0")/../e2e/lib.sh"
LC_ALL=C
export LC_ALL
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

if [ ! -x "${FAULT_BIN:-}" ]; then
	skip_suite "no test build at FAULT_BIN"
fi

FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1 2> /dev/null | head -n 1)
[ -n "$FAKETIME_LIB" ] || skip_suite "no libfaketime (apt-get install faketime)"

D1=2026-04-01
D2=2026-04-02
# at TIME BIN ARGS…: BIN with the scenario's config, the clock at TIME (UTC).
at() {
	t=$1 bin=$2
	shift 2
	# libfaketime preloaded by hand: the faketime wrapper would hide a kill.
	LD_PRELOAD=$FAKETIME_LIB FAKETIME="@$t" NO_FAKE_STAT=1 TZ=UTC "$bin" -c "$CFG" "$@" \
		> "$TMPROOT/.out" 2> "$TMPROOT/.err"
	RC=$?
	ERR=$(cat "$TMPROOT/.err")
}

# A day's inbox: products (one bad row), purchases of 30 customers (one bad
# row), cancels, a file rejected whole.
day() {
	products "p-$1.csv" "add,G$1,Gold,365000,," "add,L$1,Limited,1000,,20" "bogus,X,x,1,,"
	awk -v d="$2" -v k="$1" 'BEGIN {
		print "request_id,customer_id,product_id,amount,requested_at"
		for (i = 1; i <= 90; i++)
			printf "r%s-%d,c%d,%s%s,%d,%sT%02d:%02d:00\n", k, i, i % 30,
				i % 2 ? "G" : "L", k, i % 2 ? 365000 : 1000, d, int(i / 60) + 8, i % 60
		print "bad,c1,G" k ",12x," d "T10:00:00"
	}' | drop "q-$1.csv"
	cancels "v-$1.csv" "v$1-1,c3,r$1-3,${2}T20:00:00," "v$1-2,c4,r$1-4,${2}T20:00:00,"
	printf 'foo,bar\n1,2\n' | drop "junk-$1.csv"
}

# points: the fault points to try, of the job `run_it FAULT_BIN` runs on
# a fresh copy of $TMPROOT/start.
points() {
	fresh
	MEMBERSHIP_FAULT_AT=1 MEMBERSHIP_FAULT_KIND=count run_it "$FAULT_BIN"
	p=$(sed -n 's/^membership: \([0-9]*\) fault points$/\1/p' "$TMPROOT/.err")
	[ -n "$p" ] || p=0
	all=${FAULT_SWEEP_ALL:-12}
	if [ "$all" = all ] || [ "$p" -le "$all" ]; then
		seq 1 "$p"
	else
		{ seq 1 "$all"; awk -v p="$p" -v a="$all" 'BEGIN { for (i = 1; i <= 6; i++) print int(a + (p - a) * i / 7) }'
		  seq $((p - 2)) "$p"; } | sort -n -u
	fi
}
fresh() {
	rm -rf "$WS"
	cp -a "$TMPROOT/start" "$WS"
}

# sweep NAME: run_it on a copy of $TMPROOT/start, uninterrupted, then killed
# at each sampled point and rerun; every result compared with the first.
sweep() {
	fresh
	run_it "$MEMBERSHIP_BIN"
	ref_rc=$RC
	case $RC in 0 | 65) ok "$1: uninterrupted exits $RC" ;; *) not_ok "$1: uninterrupted exits $RC: $ERR" ;; esac
	crash_snapshot ref
	pts=$(points)
	np=$(echo $pts | wc -w)
	check_eq "$1: several fault points" "$([ "$np" -ge 3 ] && echo yes)" yes
	for n in $pts; do
		fresh
		MEMBERSHIP_FAULT_AT=$n run_it "$FAULT_BIN"
		if [ "$RC" != 137 ]; then
			not_ok "$1 at $n: killed (exit $RC)"
			continue
		fi
		run_it "$MEMBERSHIP_BIN"
		# a rerun reports what it did: 0 when the file rejected whole was done.
		[ "$RC" = 0 ] && RC=$ref_rc
		check_rc "$1 at $n: the rerun completes" "$ref_rc"
		crash_snapshot got
		crash_same "$1 at $n: books = uninterrupted" "$TMPROOT/got.books" "$TMPROOT/ref.books"
		crash_same "$1 at $n: reports = uninterrupted" "$TMPROOT/got.reports" "$TMPROOT/ref.reports"
		crash_same "$1 at $n: inbox, archive, rejected = uninterrupted" "$TMPROOT/got.files" "$TMPROOT/ref.files"
		check_eq "$1 at $n: nothing temporary left" "$(crash_stray)" ""
		invariants
	done
	echo "$1: $np fault points tried"
}

ws_new w "retention:" "  archive_days: 10" "  rejected_days: 10" "  reports_days: 10"
mb init -q
check_rc "init" 0
day 1 $D1
rm -rf "$TMPROOT/start"
cp -a "$WS" "$TMPROOT/start"

# nightly of a day: ingest, payments, reconcile, expire, report.
run_it() { at "$D2 01:00:00" "$1" nightly -q --date $D1; }
sweep "nightly $D1"

# report over the day's existing reports (the new folder swapped in).
fresh
run_it "$MEMBERSHIP_BIN"
cp -a "$WS" "$TMPROOT/start.tmp"
rm -rf "$TMPROOT/start"
mv "$TMPROOT/start.tmp" "$TMPROOT/start"
run_it() { at "$D2 02:00:00" "$1" report -q --date $D1; }
sweep "report $D1 again"

# prune, 40 days later: the dated folders of two closed days go.
fresh
day 2 $D2
at "$D2 23:00:00" "$MEMBERSHIP_BIN" nightly -q --date $D2
check_rc "nightly $D2" 65
rm -rf "$TMPROOT/start.tmp"
cp -a "$WS" "$TMPROOT/start.tmp"
rm -rf "$TMPROOT/start"
mv "$TMPROOT/start.tmp" "$TMPROOT/start"
run_it() { at "2026-05-12 03:00:00" "$1" prune -q; }
sweep "prune"
check_eq "prune: the two days' folders deleted" \
	"$(cd "$WS/ws" && ls archive rejected reports | grep -c '^2026-04-0[12]$')" 0

# backup: the copy absent or whole after a kill; whole after a rerun.
fresh
want=$(crash_books)
run_it() { at "2026-05-12 04:00:00" "$1" backup -q "$WS/copy.db"; }
pts=$(points)
check_eq "backup: its fault points" "$(echo $pts)" "1 2"
for n in $pts; do
	fresh
	MEMBERSHIP_FAULT_AT=$n run_it "$FAULT_BIN"
	check_rc "backup at $n: killed" 137
	if [ -e "$WS/copy.db" ]; then
		check_eq "backup at $n: the copy in place is whole" \
			"$(sqlite3 "$WS/copy.db" 'PRAGMA integrity_check')" ok
	else
		run_it "$MEMBERSHIP_BIN"
		check_rc "backup at $n: the rerun completes" 0
	fi
	check_eq "backup at $n: the copy equals the books" \
		"$(mkdir -p "$TMPROOT/bk/ws"; cp "$WS/copy.db" "$TMPROOT/bk/ws/membership.db"; WS=$TMPROOT/bk; crash_books)" "$want"
	check_eq "backup at $n: no other file beside it but its killed temporary" \
		"$(cd "$WS" && ls -A | grep -v -e '^copy\.db$' -e '^\.membership-backup\.tmp-[0-9]*$' -e '^ws$' -e '^membership\.yaml$')" ""
done

finish
