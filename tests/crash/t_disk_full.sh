#!/bin/sh
# t_disk_full.sh — RELIABILITY C.9, SPEC §2 (exit 73/74: "nothing
# half-written is left"): every writing job run on a full disk. The script
# re-executes itself in a private mount namespace (root and unshare -m
# needed; else it says it is skipped: tests/run.sh lists it, and fails it
# under TESTS_REQUIRED). A reference cycle on a
# generated day (bench/gen.sh) is run normally, the workspace copied before
# each step. Then each step's copy is put on a small tmpfs, filled with a
# filler file until only MARGIN KiB are free (tried large to small until the
# job fails, so that it fails mid-run where it can), and the job run:
#   - exit 73 or 74 with a message, no crash;
#   - the books as before the run (nightly: as after one of its whole jobs),
#     the inbox files still in the inbox, the same files (empty dated
#     folders made on first use aside), reports/ as before (no partial or
#     temporary folder), nothing temporary under archive/ or rejected/,
#     integrity_check ok and the global invariants;
#   - then the filler deleted, a rerun completes and everything equals the
#     reference run.
# DISK_FULL_ROWS sets the day's purchases (default 8000).
if [ -z "${DISK_FULL_NS:-}" ] && [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
	DISK_FULL_NS=1
	export DISK_FULL_NS
	exec unshare -m sh "$0" "$@"
fi
. "$(dirname "$0")/../e2e/lib.sh"
LC_ALL=C
export LC_ALL
MNT=$TMPROOT/full
mkdir -p "$MNT"
if [ -z "${DISK_FULL_NS:-}" ] || ! mount -t tmpfs -o size=1m tmpfs "$MNT" 2> /dev/null; then
	skip_suite "needs root and unshare -m"
fi
umount "$MNT"

# One program for the whole test, even if bin/ is rebuilt meanwhile.
cp "$MEMBERSHIP_BIN" "$TMPROOT/membership" && MEMBERSHIP_BIN=$TMPROOT/membership
ROWS=${DISK_FULL_ROWS:-8000}
D1=2026-11-23
D2=2026-11-25
D3=2027-12-01
MARGINS="2048 512 128 32 8 0" # KiB left free, tried in this order
IN=$TMPROOT/in
sh "$TOP/bench/gen.sh" "$ROWS" "$IN" $D1

# The cycle. Step 1 only loads the catalog; each later step is run on a
# full disk. Ingest steps take one file each: ingest commits per file, so
# "the books as before" is the rule for a run of one file.
STEPS="1 2 3 4 5 6 7 8"
step_job() {
	case $1 in
	1) JOB=ingest DATE=$D1 ;;
	2) JOB=ingest DATE=$D1 ;;
	3) JOB=payments DATE=$D1 ;;
	4) JOB=reconcile DATE=$D1 ;;
	5) JOB=report DATE=$D1 ;;
	6) JOB=nightly DATE=$D2 ;;
	7) JOB=expire DATE=$D3 ;;
	8) JOB=report DATE=$D1 ;; # again, over a whole reports/D1
	esac
}
step_setup() {
	case $1 in
	1) drop products.csv < "$IN/products.csv" ;;
	2) drop purchases.csv < "$IN/purchases.csv" ;;
	6) drop cancels.csv < "$IN/cancels.csv" ;;
	esac
}

# --- canonical views: crash_snapshot, crash_same, crash_stray (tests/e2e/lib.sh) ----------

# --- the reference cycle, on the ordinary file system ----------------------------------------
ws_new w
mb init -q
check_rc "init" 0
for s in $STEPS; do
	step_job $s
	step_setup $s
	rm -rf "$TMPROOT/snap.$s"
	cp -a "$WS" "$TMPROOT/snap.$s"
	crash_snapshot before.$s
	mb $JOB -q --date $DATE
	eval "RC_$s=$RC"
	check_rc "reference step $s: $JOB $DATE" 0
	crash_snapshot after.$s
done
invariants
echo "reference: $(grep -c '^M|' "$TMPROOT/after.8.books") memberships," \
	"$(grep -c '^f ' "$TMPROOT/after.8.reports") report files, $(du -sk "$WS/ws" | cut -f1) KiB"

BIGGEST=$(du -sk "$TMPROOT/w" | cut -f1)

# What a nightly that stopped may leave: the state after each of its jobs
# (0: none) — its jobs run one by one on the copy taken before it.
ws_new parts
rm -rf "$WS"
cp -a "$TMPROOT/snap.6" "$WS"
k=0
crash_books > "$TMPROOT/nightly.0.books"
crash_tree inbox archive rejected > "$TMPROOT/nightly.0.files"
for j in ingest payments reconcile expire report; do
	k=$((k + 1))
	mb $j -q --date $D2
	crash_books > "$TMPROOT/nightly.$k.books"
	crash_tree inbox archive rejected > "$TMPROOT/nightly.$k.files"
done
crash_same "nightly = its jobs one by one" "$TMPROOT/nightly.5.books" "$TMPROOT/after.6.books"

# --- each step on a full disk ------------------------------------------------------------
# fill MARGIN: a filler file leaving MARGIN KiB free on the tmpfs.
fill() {
	avail=$(df -Pk "$MNT" | awk 'NR == 2 { print $4 }')
	n=$((avail - $1))
	[ $n -gt 0 ] || return 0
	fallocate -l $((n * 1024)) "$MNT/filler" 2> /dev/null ||
		dd if=/dev/zero of="$MNT/filler" bs=1024 count=$n 2> /dev/null
}
# on_full_disk STEP MARGIN: a tmpfs at $MNT holding the copy taken before
# STEP with MARGIN KiB free; runs the step's job there (RC, ERR; WS and CFG
# point at the tmpfs; unmount it with off_disk).
on_full_disk() {
	step_job $1
	# room for the copy, the largest workspace of the cycle (tmpfs takes a
	# page a file: the reports need far more than their bytes) and some.
	size=$(($(du -sk "$TMPROOT/snap.$1" | cut -f1) + BIGGEST + 16384))
	mount -t tmpfs -o size=${size}k,mode=0755 tmpfs "$MNT" || return 1
	WS=$MNT
	CFG=$MNT/membership.yaml
	cp -a "$TMPROOT/snap.$1/." "$MNT/"
	fill $2
	mb $JOB -q --date $DATE
}
off_disk() {
	cd "$TOP" && umount "$MNT"
}

FAILS=0
for s in $STEPS; do
	[ $s = 1 ] && continue
	step_job $s
	eval "ref_rc=\$RC_$s"
	line="step $s, $JOB $DATE:"
	for margin in $MARGINS; do
		what="$JOB $DATE with $margin KiB free"
		on_full_disk $s $margin || { not_ok "$what: mount"; continue; }
		case $RC in
		"$ref_rc")
			# It had room enough: then it is the reference run.
			line="$line ${margin}K done,"
			crash_snapshot got
			crash_same "$what: completes as the reference" "$TMPROOT/got.books" "$TMPROOT/after.$s.books"
			off_disk
			continue
			;;
		73 | 74) ok "$what: exit $RC" ;;
		*)
			not_ok "$what: exit $RC, want 73 or 74 (or $ref_rc)"
			printf '%s\n' "$ERR" | head -n 5 | sed 's/^/  /'
			;;
		esac
		FAILS=$((FAILS + 1))
		check_grep "$what: says the disk is full" "space\|full" "$ERR"
		[ -n "${VERBOSE:-}" ] && printf '  %s\n' "$ERR"
		check_eq "$what: nothing temporary left" "$(crash_stray)" ""
		rm -f "$MNT/filler"
		crash_snapshot got
		if [ $JOB = nightly ]; then
			k=0
			while [ $k -le 5 ] && ! cmp -s "$TMPROOT/got.books" "$TMPROOT/nightly.$k.books"; do k=$((k + 1)); done
			if [ $k -le 5 ]; then
				ok "$what: the books as after $k of its 5 jobs"
				grep -v '^d ' "$TMPROOT/got.files" > "$TMPROOT/got.nodirs"
				grep -v '^d ' "$TMPROOT/nightly.$k.files" > "$TMPROOT/want.nodirs"
				crash_same "$what: inbox, archive, rejected files as after $k jobs" "$TMPROOT/got.nodirs" "$TMPROOT/want.nodirs"
			else
				not_ok "$what: the books as after none, some or all of its jobs"
				diff "$TMPROOT/nightly.0.books" "$TMPROOT/got.books" | head -n 12 | sed 's/^/  /'
			fi
			line="$line ${margin}K exit $RC after $k jobs,"
		else
			crash_same "$what: the books as before" "$TMPROOT/got.books" "$TMPROOT/before.$s.books"
			grep -v '^d ' "$TMPROOT/got.files" > "$TMPROOT/got.nodirs"
			grep -v '^d ' "$TMPROOT/before.$s.files" > "$TMPROOT/want.nodirs"
			crash_same "$what: inbox, archive, rejected files as before" "$TMPROOT/got.nodirs" "$TMPROOT/want.nodirs"
			line="$line ${margin}K exit $RC,"
		fi
		crash_same "$what: reports as before (nothing partial)" "$TMPROOT/got.reports" "$TMPROOT/before.$s.reports"
		invariants
		mb $JOB -q --date $DATE
		check_rc "$what: with room again, the rerun completes" "$ref_rc"
		crash_snapshot got
		crash_same "$what, rerun: books = reference" "$TMPROOT/got.books" "$TMPROOT/after.$s.books"
		crash_same "$what, rerun: reports = reference" "$TMPROOT/got.reports" "$TMPROOT/after.$s.reports"
		crash_same "$what, rerun: inbox, archive, rejected = reference" "$TMPROOT/got.files" "$TMPROOT/after.$s.files"
		check_eq "$what, rerun: nothing temporary left" "$(crash_stray)" ""
		invariants
		off_disk
	done
	echo "${line%,}"
done
check_eq "every step met a full disk" "$([ $FAILS -ge 7 ] && echo yes)" yes

# --- the usual way back: the failed ingest is rerun by the next night's cron,
# for the next date. Nothing of the failed run may stay behind. ---------------------
D1N=2026-11-24
on_full_disk 2 512
check_eq "ingest on a full disk, for the next day: exit 74" "$RC" 74
rm -f "$MNT/filler"
mb ingest -q --date $D1N
check_rc "ingest on a full disk, rerun the next day: completes" 0
check_eq "ingest on a full disk, rerun the next day: the file archived on that day" \
	"$(ls -A "$WS/ws/inbox")|$(ls "$WS/ws/archive/$D1N")" "|purchases.csv"
check_eq "ingest on a full disk, rerun the next day: nothing temporary left" "$(crash_stray)" ""
invariants
off_disk

finish
