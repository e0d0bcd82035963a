# lib.sh — what bench/run.sh and bench/ab.sh share: the settings, the
# generated day, the stopwatch and the workspace a run starts from.
# Sourced from the top of the tree (the scripts cd there first).
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
DAY=2026-11-23
work=$top/bench/work
mkdir -p "$work"
cc -O2 -o "$work/rusage" bench/rusage.c
sh bench/gen.sh "$ROWS" "$work/day" "$DAY"
times=$work/times
: > "$times"

# measure LABEL CMD… : appends "LABEL SECONDS RSS_KIB EXIT" to $times
measure() {
	label=$1; shift
	"$work/rusage" "$@" 2> "$work/last.err" > /dev/null || true
	tail -n 1 "$work/last.err" | sed "s/^/$label /" >> "$times"
}

# median LABEL: the median seconds of LABEL's runs (0 if none)
median() {
	awk -v l="$1" '$1 == l { print $2 }' "$times" | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'
}

# new_ws DIR BIN: a fresh workspace in DIR (config DIR/m.yaml) holding the
# day's products, made by BIN.
new_ws() {
	rm -rf "$1"
	mkdir -p "$1"
	printf 'workspace: w\ntimezone: Asia/Seoul\ndatabase:\n  synchronous: normal\nreports:\n  per_customer: changed\n' > "$1/m.yaml"
	"$2" -c "$1/m.yaml" init -q
	cp "$work/day/products.csv" "$1/w/inbox/"
	"$2" -c "$1/m.yaml" ingest -q --date "$DAY" || true
}
