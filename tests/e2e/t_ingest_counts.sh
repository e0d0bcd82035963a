#!/bin/sh
# t_ingest_counts.sh — the counts of a day's run records add up after a
# crash (SPEC §7 "the counts in the run record add up", issue 21): whatever
# step a run dies at, the ingest runs of the day (the killed one included)
# count each file's rows exactly once: their sums equal the files' rows.
. "$(dirname "$0")/lib.sh"
. "$TOP/fixtures/ingest/helpers.sh"
LC_ALL=C
export LC_ALL

if [ ! -x "$FAULT_BIN" ]; then
	not_ok "fault-injection binary $FAULT_BIN missing"
	finish
	exit 1
fi

# sums: files, rows, accepted, rejected of the day's ingest runs, then of its files.
sums() {
	sql "SELECT sum(files) || ' ' || sum(rows_read) || ' ' || sum(accepted) || ' ' || sum(rejected)
	  FROM runs WHERE job = 'ingest' AND business_date = (SELECT max(business_date) FROM files)"
	sql "SELECT count(*) || ' ' || sum(rows_read) || ' ' || sum(accepted) || ' ' || sum(rejected) FROM files"
}

n=1
while [ $n -le 12 ]; do
	ws_new counts_$n
	products a.csv 'add,GOLD,Gold,100,,' 'add,SILVER,Silver,50,,' 'bogus,X,x,1,,'
	purchases b.csv 'q1,c1,GOLD,100,2026-03-10T10:00:00' 'q2,c2,NOPE,1,2026-03-10T10:00:00'
	printf 'foo\n1\n' | drop c.csv
	purchases d.csv 'q3,c3,SILVER,50,2026-03-10T11:00:00'
	fault_ingest $n $D
	[ "$RC" = 137 ] || break
	mb ingest --date $D
	case $RC in 0 | 65) ok "killed at $n: rerun exits $RC" ;; *) not_ok "killed at $n: rerun exits $RC: $ERR" ;; esac
	s=$(sums)
	check_eq "killed at $n: the day's runs add up to its files (files rows accepted rejected)" \
		"$(printf '%s\n' "$s" | sed -n 1p)" "$(printf '%s\n' "$s" | sed -n 2p)"
	check_eq "killed at $n: the files hold every row" "$(printf '%s\n' "$s" | sed -n 2p)" "4 6 4 2"
	n=$((n + 1))
done
check_eq "the sweep met several fault points" "$([ $n -gt 4 ] && echo yes)" yes
finish
