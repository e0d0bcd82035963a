#!/bin/sh
# ab.sh — the same generated day through the binaries of several revisions,
# alternated, RUNS rounds (default 3): on a shared, noisy machine only
# figures taken side by side in one run can be compared. Prints each job's
# median wall seconds per revision (ingest, cancels, payments, report's
# queries as a dry run). usage: sh bench/ab.sh REV [REV…] ("work" is the
# working tree's bin/membership). Each revision is built into
# bench/work/ab-REV from `git archive`. A benchmark, not a test.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
DAY=2026-11-23
work=$top/bench/work
[ $# -gt 0 ] || { echo "usage: sh bench/ab.sh REV [REV...]" >&2; exit 64; }
mkdir -p "$work"
sh bench/gen.sh "$ROWS" "$work/day" "$DAY"
for r in "$@"; do
	[ "$r" = work ] && continue
	rm -rf "$work/ab-$r"
	mkdir -p "$work/ab-$r"
	git archive "$r" | tar -x -C "$work/ab-$r"
	make -s -C "$work/ab-$r" all > /dev/null
done
times=$work/ab.times
: > "$times"
for round in $(seq 1 "$RUNS"); do
	for r in "$@"; do
		bin=$work/ab-$r/bin/membership
		[ "$r" = work ] && bin=$top/bin/membership
		ws=$work/abws.$r.$round
		rm -rf "$ws"
		mkdir -p "$ws"
		printf 'workspace: w\ntimezone: Asia/Seoul\ndatabase:\n  synchronous: normal\n' > "$ws/m.yaml"
		"$bin" -c "$ws/m.yaml" init -q
		cp "$work/day/products.csv" "$ws/w/inbox/"
		"$bin" -c "$ws/m.yaml" ingest -q --date "$DAY" || true
		t() { label=$1; shift; /usr/bin/time -f "$r $label %e" -a -o "$times" "$@" || true; }
		cp "$work/day/purchases.csv" "$ws/w/inbox/"
		t ingest "$bin" -c "$ws/m.yaml" ingest -q --date "$DAY"
		cp "$work/day/cancels.csv" "$ws/w/inbox/"
		t cancels "$bin" -c "$ws/m.yaml" ingest -q --date "$DAY"
		t payments "$bin" -c "$ws/m.yaml" payments -q --date "$DAY"
		"$bin" -c "$ws/m.yaml" reconcile -q --date "$DAY"
		"$bin" -c "$ws/m.yaml" expire -q --date "$DAY"
		t report_queries "$bin" -c "$ws/m.yaml" report -q --dry-run --date "$DAY"
	done
done
rm -rf "$work"/abws.*
printf '| job |'; for r in "$@"; do printf ' %s |' "$r"; done; echo
printf '|---|'; for r in "$@"; do printf -- '---|'; done; echo
for job in ingest cancels payments report_queries; do
	printf '| %s |' "$job"
	for r in "$@"; do
		awk -v r="$r" -v j="$job" '$1 == r && $2 == j { print $3 }' "$times" | sort -n |
			awk '{ v[NR] = $1 } END { printf " %.2f |", NR ? v[int((NR + 1) / 2)] : 0 }'
	done
	echo
done
