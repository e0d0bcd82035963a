#!/bin/sh
# run.sh — `make bench`: the nightly cycle on a generated day of ROWS
# purchases (default 1 000 000) plus ROWS/10 cancels, against the sqlite3
# shell's `.import --csv` of the same file into a table with a UNIQUE
# request_id (WAL, synchronous=NORMAL), run alternately, RUNS times each
# (median). Prints seconds, rows/s, the ratios of the performance issue and
# each job's peak RSS, and writes them to bench/results.md. Beside report it
# times report's queries alone (a dry run) and the file system's yardstick
# (bench/files.c: as many files as report created, made the same way), so
# the two shares of report's time can be told apart. Beside each job it
# times bench/peer.py, the script a shop would write instead (python3's csv
# and sqlite3, the same rules in memory, no crash safety, no history), on
# the same files (PEER_RUNS times, default 1: it takes minutes at 1M). A
# benchmark, not a test: it never fails on timing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=$top/bin/membership
. bench/lib.sh
cc -O2 -o "$work/files" bench/files.c
rows_file=$work/day/purchases.csv
dnum=$(( $(date -u -d "$DAY" +%s) / 86400 )) # DAY as the books store it
PEER_RUNS=${PEER_RUNS:-1}

for run in $(seq 1 "$RUNS"); do
	rm -f "$work/import.db" "$work/import.db-wal" "$work/import.db-shm"
	measure import sqlite3 "$work/import.db" \
		"PRAGMA journal_mode=WAL;" "PRAGMA synchronous=NORMAL;" \
		"CREATE TABLE p(request_id TEXT UNIQUE, customer_id TEXT, product_id TEXT, amount TEXT, requested_at TEXT);" \
		".import --csv --skip 1 $rows_file p"
	# A workspace per run, all removed at the end: deleting one just
	# before the next run would leave ext4 with a quarter of a million
	# recently freed inodes, which it skips one by one when report then
	# creates the customer files (seen: report 3x slower than on a
	# filesystem at rest). A nightly run follows no such deletion.
	ws=$work/ws.$run
	new_ws "$ws" "$bin"
	cp "$rows_file" "$ws/w/inbox/"
	measure ingest "$bin" -c "$ws/m.yaml" ingest -q --date "$DAY"
	cp "$work/day/cancels.csv" "$ws/w/inbox/"
	measure ingest_cancels "$bin" -c "$ws/m.yaml" ingest -q --date "$DAY"
	# The floors of these books (first run only), in the sqlite3 shell with
	# the same page cache: what a decision must write (its row and the five
	# indexes, every pending row in one UPDATE, no reads, no rules), on a
	# copy of the books as payments finds them …
	if [ "$run" = 1 ]; then
		cp "$ws/w/membership.db" "$work/floor.db"
		cp "$ws/w/membership.db" "$work/alt.db"
		measure floor_decide sqlite3 "$work/floor.db" "PRAGMA journal_mode=WAL;" \
			"PRAGMA synchronous=NORMAL;" "PRAGMA cache_size=-24576;" \
			"UPDATE memberships SET payment = 'APPROVED', status = 'ACTIVE', decided_on = $dnum, approved_on = $dnum, valid_from = $dnum, expires_on = $dnum + 365, decided_id = id + 100000000 WHERE payment = 'PENDING';"
		# The other design (bench/results.md, "the design that would reach
		# the payments target"): the membership row is never updated; a
		# decision is appended to a table of its own in queue order, its
		# queue entry deleted and its customer's facts upserted, and the
		# customer entries the timelines need are written by ingest
		# instead. Made untimed on a second copy of the books as payments
		# finds them (taken before floor_decide); then its three costs:
		# payments' writes, ingest's added entries, and a reader's join.
		sqlite3 "$work/alt.db" "PRAGMA journal_mode=WAL;" \
			"DROP INDEX memberships_pending; DROP INDEX memberships_customer;" \
			"CREATE TABLE queue (requested_at INT, request_id TEXT, membership_id INT, customer_id TEXT, product_id TEXT, PRIMARY KEY (requested_at, request_id)) WITHOUT ROWID;" \
			"INSERT INTO queue SELECT requested_at, request_id, id, customer_id, product_id FROM memberships WHERE payment = 'PENDING';" \
			"CREATE TABLE decisions (decided_id INTEGER PRIMARY KEY, membership_id INTEGER NOT NULL, payment TEXT, decided_on INT, valid_from INT, expires_on INT, reason TEXT);" \
			"CREATE INDEX decisions_membership ON decisions (membership_id);" \
			"CREATE TABLE facts (customer_id TEXT, product_id TEXT, expires_on INT, PRIMARY KEY (customer_id, product_id)) WITHOUT ROWID;" \
			"CREATE TABLE entries (customer_id TEXT, id INT, PRIMARY KEY (customer_id, id)) WITHOUT ROWID;" \
			"PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
		measure floor_alt_decide sqlite3 "$work/alt.db" "PRAGMA synchronous=NORMAL;" "PRAGMA cache_size=-24576;" \
			"INSERT INTO decisions (decided_id, membership_id, payment, decided_on, valid_from, expires_on) SELECT 100000000 + row_number() OVER (), membership_id, 'APPROVED', $dnum, $dnum, $dnum + 365 FROM queue ORDER BY requested_at, request_id;" \
			"INSERT OR REPLACE INTO facts SELECT customer_id, product_id, $dnum + 365 FROM queue ORDER BY requested_at, request_id;" \
			"DELETE FROM queue;"
		measure floor_alt_entries sqlite3 "$work/alt.db" "PRAGMA synchronous=NORMAL;" "PRAGMA cache_size=-24576;" \
			"INSERT INTO entries SELECT customer_id, id FROM memberships ORDER BY id;"
		# A customer's memberships as the customer files read them, on
		# each design's books: today's covering index, and the other's
		# entries joined to the row and its decision.
		sqlite3 "$work/floor.db" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
		sqlite3 "$work/alt.db" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
		measure floor_read sqlite3 -readonly "$work/floor.db" "PRAGMA cache_size=-24576;" ".mode csv" \
			"SELECT customer_id, request_id, product_id, amount, status, requested_at, valid_from, expires_on, refund_amount FROM memberships INDEXED BY memberships_customer WHERE payment != 'PENDING' ORDER BY customer_id, id;"
		measure floor_alt_read sqlite3 -readonly "$work/alt.db" "PRAGMA cache_size=-24576;" ".mode csv" \
			"SELECT m.customer_id, m.request_id, m.product_id, m.amount, d.payment, m.requested_at, d.valid_from, d.expires_on, m.refund_amount FROM entries e JOIN memberships m ON m.id = e.id LEFT JOIN decisions d ON d.membership_id = m.id ORDER BY e.customer_id, e.id;"
		rm -f "$work/floor.db" "$work/floor.db-wal" "$work/floor.db-shm" "$work/alt.db" "$work/alt.db-wal" "$work/alt.db-shm"
	fi
	for job in payments reconcile expire; do
		measure "$job" "$bin" -c "$ws/m.yaml" "$job" -q --date "$DAY"
	done
	# … and what SPEC §6 has report read: every membership by customer
	# (customer-progress.csv), then every customer's memberships and events
	# by customer (the customer files, here of every customer), as CSV.
	if [ "$run" = 1 ]; then
		measure floor_report sqlite3 -readonly "$ws/w/membership.db" "PRAGMA cache_size=-24576;" ".mode csv" \
			"SELECT customer_id, request_id, product_id, amount, status, requested_at, valid_from, expires_on, refund_amount FROM memberships INDEXED BY memberships_customer WHERE payment != 'PENDING' ORDER BY customer_id, id;" \
			"SELECT customer_id, requested_on, request_id, product_id, amount, status, decided_on FROM memberships INDEXED BY memberships_customer WHERE payment != 'PENDING' ORDER BY customer_id, id;" \
			"SELECT customer_id, business_date, event, request_id, product_id, amount, status, detail FROM events INDEXED BY events_customer ORDER BY customer_id, id;"
	fi
	# report's queries alone: a dry run builds every file in memory and
	# writes none.
	measure report_queries "$bin" -c "$ws/m.yaml" report -q --dry-run --date "$DAY"
	measure report "$bin" -c "$ws/m.yaml" report -q --date "$DAY"
	xlsx_bytes=$(stat -c %s "$ws/w/reports/$DAY/daily.xlsx" 2> /dev/null || echo 0)
	# The file system's share: as many files of the same mean size, made
	# the way report makes its customer files, on the same file system.
	cust=$ws/w/reports/$DAY/customers
	nfiles=$(find "$cust" -type f | wc -l)
	fsize=$(du -sb --apparent-size "$cust" | awk -v n="$nfiles" '{ print (n ? int($1 / n) : 0) }')
	# What daily.xlsx costs: the same report without it, into an empty
	# folder as the first (the first one's moved aside: replacing it would
	# time the removal of its files too).
	mv "$ws/w/reports/$DAY" "$ws/first-report"
	sed 's/^  per_customer: changed$/  per_customer: changed\n  workbook: false/' "$ws/m.yaml" > "$ws/nowb.yaml"
	measure report_no_workbook "$bin" -c "$ws/nowb.yaml" report -q --date "$DAY"
	measure files "$work/files" "$ws/yardstick" "$nfiles" "$fsize"
	# The script a shop would write instead (bench/peer.py), on the same
	# files: its own database, its report beside it; PEER_RUNS runs of it
	# (it takes minutes at 1M).
	[ "$run" -le "$PEER_RUNS" ] || continue
	peer=$ws/peer.db
	python3 bench/peer.py "$peer" ingest "$DAY" "$work/day/products.csv"
	measure peer:ingest python3 bench/peer.py "$peer" ingest "$DAY" "$rows_file"
	measure peer:ingest_cancels python3 bench/peer.py "$peer" ingest "$DAY" "$work/day/cancels.csv"
	measure peer:payments python3 bench/peer.py "$peer" payments "$DAY"
	measure peer:report python3 bench/peer.py "$peer" report "$DAY" "$ws/peer-reports"
done

# The same day on books that already hold a year of ordinary days
# (bench/year.sh, made once and kept in $work/year): what the size of the
# books adds to each job (YEAR=0 skips it).
if [ "${YEAR:-1}" != 0 ]; then
	sh bench/year.sh "$bin" "$work/year" "$DAY" "$ROWS"
	ws=$work/ws.year
	rm -rf "$ws"
	cp -a "$work/year" "$ws"
	cp "$rows_file" "$ws/w/inbox/"
	measure year:ingest "$bin" -c "$ws/m.yaml" ingest -q --date "$DAY"
	cp "$work/day/cancels.csv" "$ws/w/inbox/"
	measure year:ingest_cancels "$bin" -c "$ws/m.yaml" ingest -q --date "$DAY"
	for job in payments reconcile expire; do
		measure "year:$job" "$bin" -c "$ws/m.yaml" "$job" -q --date "$DAY"
	done
	measure year:report_queries "$bin" -c "$ws/m.yaml" report -q --dry-run --date "$DAY"
	measure year:report "$bin" -c "$ws/m.yaml" report -q --date "$DAY"
fi

rm -rf "$work"/ws.*

peak() { awk -v l="$1" '$1 == l && $3 > m { m = $3 } END { print m + 0 }' "$times"; }

imp=$(median import)
cycle=0
# The default day's figures are bench/results.md; another size's go beside
# it (bench/results-5000000.md for the growth check), so neither is lost.
out=$top/bench/results.md
[ "$ROWS" = 1000000 ] || out=$top/bench/results-$ROWS.md
# What was found and tried, written by hand from "## Findings" on, stays
# below the new figures.
notes=$(sed -n '/^## Findings/,$p' "$out" 2> /dev/null || true)
{
	echo "# Benchmark results"
	echo
	echo "Generated by \`make bench\` (ROWS=$ROWS, RUNS=$RUNS, medians) on $(date -u +%Y-%m-%d)."
	echo
	echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB, $(uname -sr), $(sqlite3 --version | cut -d' ' -f1) sqlite3."
	echo
	echo "| step | seconds | rows/s | × import | peak RSS MiB | peer.py seconds | peer.py RSS MiB | peer.py / membership |"
	echo "|---|---|---|---|---|---|---|---|"
	for l in import ingest ingest_cancels floor_decide payments reconcile expire floor_report report_queries report report_no_workbook files; do
		s=$(median $l)
		r=$(peak $l)
		n=$ROWS
		[ "$l" = ingest_cancels ] && n=$((ROWS / 10))
		[ "$l" = files ] && n=$nfiles
		ps=$(median "peer:$l")
		pr=$(peak "peer:$l")
		awk -v l="$l" -v s="$s" -v r="$r" -v n="$n" -v i="$imp" -v ps="$ps" -v pr="$pr" 'BEGIN {
			printf "| %s | %.2f | %.0f | %.2f | %.1f |", l, s, (s > 0 ? n / s : 0), (i > 0 ? s / i : 0), r / 1024
			if (ps > 0)
				printf " %.2f | %.1f | %.2f |\n", ps, pr / 1024, (s > 0 ? ps / s : 0)
			else
				printf " | | |\n" }'
	done
	total=$(for l in ingest ingest_cancels payments reconcile expire report; do median $l; done | awk '{ t += $1 } END { print t }')
	rss=$(for l in ingest ingest_cancels payments reconcile expire report_queries report; do peak $l; done | sort -n | tail -n 1)
	echo
	echo "Targets (the performance issue), as ratios of this run:"
	echo
	awk -v t="$total" -v i="$imp" -v pay="$(median payments)" -v q="$(median report_queries)" \
		-v pp="$(median peer:payments)" -v rss="$rss" 'BEGIN {
		printf "- payments / import: %.2f (target <= 2.5)\n", pay / i
		if (pp > 0)
			printf "- peer.py payments / membership payments: %.2f (target >= 3)\n", pp / pay
		printf "- report_queries / import: %.2f (target <= 3)\n", q / i
		printf "- whole cycle (ingest, cancels, payments, reconcile, expire, report) / import: %.2f (target <= 12)\n", t / i
		printf "- peak RSS of any job: %.1f MiB (target <= 64)\n", rss / 1024 }'
	awk -v i="$imp" -v d="$(median floor_decide)" -v r="$(median floor_report)" 'BEGIN {
		if (d > 0)
			printf "\nFloors (sqlite3 shell, same books, same page cache): a decision'"'"'s writes alone (floor_decide) / import: %.2f; report'"'"'s reads alone (floor_report) / import: %.2f\n", d / i, r / i }'
	awk -v i="$imp" -v d="$(median floor_decide)" -v ad="$(median floor_alt_decide)" -v ae="$(median floor_alt_entries)" \
		-v rd="$(median floor_read)" -v ar="$(median floor_alt_read)" 'BEGIN {
		if (ad > 0) {
			printf "\nThe other design'"'"'s floors (decisions appended, customer entries written by ingest; bench/results.md), / import:\n\n"
			printf "- payments'"'"' writes: %.2f (today'"'"'s floor_decide %.2f)\n", ad / i, d / i
			printf "- what ingest must add (the customer entries): %.2f\n", ae / i
			printf "- a customer'"'"'s memberships read as the customer files read them: %.2f (today'"'"'s index %.2f)\n", ar / i, rd / i
			printf "- net, these three against today'"'"'s two: %+.2f\n", (ad + ae + ar - d - rd) / i } }'
	ptotal=$(for l in ingest ingest_cancels payments report; do median "peer:$l"; done | awk '{ t += $1 } END { print t }')
	awk -v t="$ptotal" -v i="$imp" 'BEGIN { if (t > 0) printf "\npeer.py (ingest, cancels, payments, report) / import: %.2f\n", t / i }'
	# Growth: each job against the same job in the results of the next
	# smaller size, when that file is there (200 000 → 1 000 000 → 5 000 000).
	smaller=
	case $ROWS in
	1000000) smaller=$top/bench/results-200000.md ;;
	5000000) smaller=$top/bench/results.md ;;
	esac
	if [ -n "$smaller" ] && [ -f "$smaller" ]; then
		echo
		echo "Growth against $(basename "$smaller") (target <= 5.5 for 5 times the rows):"
		echo
		for l in ingest ingest_cancels payments reconcile report_queries report; do
			old=$(awk -F'|' -v l=" $l " '$2 == l { print $3 + 0; exit }' "$smaller")
			awk -v l="$l" -v s="$(median $l)" -v o="${old:-0}" 'BEGIN {
				if (o > 0) printf "- %s: %.2f s -> %.2f s, %.2f\n", l, o, s, s / o }'
		done
	fi
	if [ -n "$(median year:payments | grep -v '^0$')" ]; then
		echo
		echo "The same day on books holding a year of ordinary days (bench/year.sh:"
		echo "365 days of ${YEAR_ROWS:-10000} purchases; target: at most 1.20 times the fresh books' time):"
		echo
		echo "| step | fresh books s | year of books s | ratio | year peak RSS MiB |"
		echo "|---|---|---|---|---|"
		for l in ingest ingest_cancels payments reconcile expire report_queries report; do
			awk -v l="$l" -v s="$(median $l)" -v y="$(median year:$l)" -v r="$(peak year:$l)" 'BEGIN {
				printf "| %s | %.2f | %.2f | %.2f | %.1f |\n", l, s, y, (s > 0 ? y / s : 0), r / 1024 }'
		done
	fi
	echo
	echo "report_queries is report as a dry run: every query and every file built in"
	echo "memory, none written. files is the yardstick of the file system: $nfiles files"
	echo "of the customer files' mean size, created as report creates them, then one syncfs."
	awk -v r="$(median report)" -v q="$(median report_queries)" -v f="$(median files)" 'BEGIN {
		printf "\nreport / files: %.2f; report_queries / import: %.2f\n", (f > 0 ? r / f : 0), q / '"$imp"' }'
	echo
	awk -v r="$(median report)" -v n="$(median report_no_workbook)" -v pr="$(peak report)" \
		-v pn="$(peak report_no_workbook)" -v b="$xlsx_bytes" 'BEGIN {
		printf "daily.xlsx: %.2f s and %.1f MiB of peak RSS more than report_no_workbook (reports.workbook: false); %.1f MiB on disk\n",
			r - n, (pr - pn) / 1024, b / 1048576 }'
	echo
	echo "Exit codes seen: $(awk '{ print $1 "=" $4 }' "$times" | sort -u | tr '\n' ' ')"
	[ -z "$notes" ] || printf '\n%s\n' "$notes"
} > "$out"
cat "$out"
