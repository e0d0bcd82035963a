#!/bin/sh
# year.sh — the books of a year of ordinary days, made once and kept: 365
# business days before the bench's DAY, each of YEAR_ROWS purchases
# (default 10 000) by customers of the same pool as the big day's
# (C00000000 …, ROWS/4 of them), so that the big day meets customers who
# already hold memberships. Each day goes through ingest, payments and
# expire as a shop's nightly would (reports are not made: they do not
# change the books). The result is OUT/books.db with its config OUT/m.yaml;
# a book already there for the same ROWS and YEAR_ROWS is kept (it takes
# minutes to make). usage: year.sh BIN OUT DAY ROWS
set -eu
bin=$1 out=$2 day=$3 rows=$4
YEAR_ROWS=${YEAR_ROWS:-10000}
stamp="rows=$rows year_rows=$YEAR_ROWS day=$day script=$(cksum < "$0")"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
printf 'workspace: w\ntimezone: Asia/Seoul\ndatabase:\n  synchronous: normal\nreports:\n  per_customer: changed\n' > "$out/m.yaml"
"$bin" -c "$out/m.yaml" init -q
first=$(date -u -d "$day - 365 days" +%Y-%m-%d)
echo "year.sh: making a year of books ($YEAR_ROWS purchases a day from $first) in $out" >&2
for k in $(seq 0 364); do
	d=$(date -u -d "$first + $k days" +%Y-%m-%d)
	if [ "$k" = 0 ]; then
		cp "$(dirname "$0")/work/day/products.csv" "$out/w/inbox/"
	fi
	awk -v n="$YEAR_ROWS" -v k="$k" -v day="$d" -v pool="$rows" 'BEGIN {
		srand(1000 + k)
		customers = int(pool / 4); if (customers < 1) customers = 1
		print "request_id,customer_id,product_id,amount,requested_at"
		for (i = 0; i < n; i++) {
			c = int(rand() * customers); p = int(rand() * 50)
			printf "Y%03d%06d,C%08d,P%03d,%d,%sT%02d:%02d:%02d\n", k, i, c, p, 10000 + p * 1000, day,
				int(i * 86400 / n / 3600) % 24, int(i * 86400 / n / 60) % 60, int(i * 86400 / n) % 60
		}
	}' > "$out/w/inbox/purchases-$d.csv"
	for job in ingest payments expire; do
		"$bin" -c "$out/m.yaml" "$job" -q --date "$d"
	done
done
echo "$stamp" > "$out/stamp"
