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
[ $# -gt 0 ] || { echo "usage: sh bench/ab.sh REV [REV...]" >&2; exit 64; }
. bench/lib.sh
for r in "$@"; do
	[ "$r" = work ] && continue
	rm -rf "$work/ab-$r"
	mkdir -p "$work/ab-$r"
	git archive "$r" | tar -x -C "$work/ab-$r"
	make -s -C "$work/ab-$r" all > /dev/null
done
for round in $(seq 1 "$RUNS"); do
	for r in "$@"; do
		bin=$work/ab-$r/bin/membership
		[ "$r" = work ] && bin=$top/bin/membership
		ws=$work/abws.$r.$round
		new_ws "$ws" "$bin"
		cp "$work/day/purchases.csv" "$ws/w/inbox/"
		measure "$r:ingest" "$bin" -c "$ws/m.yaml" ingest -q --date "$DAY"
		cp "$work/day/cancels.csv" "$ws/w/inbox/"
		measure "$r:cancels" "$bin" -c "$ws/m.yaml" ingest -q --date "$DAY"
		measure "$r:payments" "$bin" -c "$ws/m.yaml" payments -q --date "$DAY"
		"$bin" -c "$ws/m.yaml" reconcile -q --date "$DAY"
		"$bin" -c "$ws/m.yaml" expire -q --date "$DAY"
		measure "$r:report_queries" "$bin" -c "$ws/m.yaml" report -q --dry-run --date "$DAY"
	done
done
rm -rf "$work"/abws.*
printf '| job |'; for r in "$@"; do printf ' %s |' "$r"; done; echo
printf '|---|'; for r in "$@"; do printf -- '---|'; done; echo
for job in ingest cancels payments report_queries; do
	printf '| %s |' "$job"
	for r in "$@"; do
		printf ' %.2f |' "$(median "$r:$job")"
	done
	echo
done
