#!/bin/sh
# t_shops — several shops on one host (SPEC §8.1, the template units): two
# shops, each with its own config and workspace, run their full cycles at the
# same time; each ends with the same books and byte-identical reports and
# files as the same shop run alone. Each shop's lock is its own: a job of one
# shop runs while the other shop's lock is held.
. "$(dirname "$0")/lib.sh"
DAYS="2026-11-23 2026-11-24 2026-11-25"

# feed SHOP DAY: that shop's inbox files of that day, into $INBOX.
feed() {
	case "$1.$2" in
	seoul.2026-11-23)
		products s-p1.csv 'add,GOLD,Gold,1000,,' 'add,LTD,Limited,500,2026-11-24,1'
		purchases s-q1.csv 'a1,ann,GOLD,1000,2026-11-23T09:00:00' 'a2,ben,LTD,500,2026-11-23T09:30:00' \
			'a3,cat,LTD,500,2026-11-23T10:00:00' 'a4,dan,NOPE,1,2026-11-23T10:00:00'
		;;
	seoul.2026-11-24)
		cancels s-c1.csv 'c1,ann,a1,2026-11-24T08:00:00,changed mind'
		purchases s-q2.csv 'a5,eve,GOLD,1000,2026-11-24T12:00:00' 'a6,ann,GOLD,1000,2026-11-24T13:00:00'
		;;
	seoul.2026-11-25)
		products s-p2.csv 'update,GOLD,,1200,,'
		purchases s-q3.csv 'a7,fay,GOLD,1200,2026-11-25T09:00:00' 'a8,gus,LTD,500,2026-11-25T09:00:00'
		;;
	paris.2026-11-23)
		products p-p1.csv 'add,SILVER,Argent,20.00,,' 'add,BRONZE,Bronze,5.50,,'
		purchases p-q1.csv 'b1,zoe,SILVER,20.00,2026-11-23T18:00:00' 'b2,yan,BRONZE,5.50,2026-11-23T19:00:00'
		;;
	paris.2026-11-24)
		purchases p-q2.csv 'b3,xia,SILVER,20.00,2026-11-24T08:00:00' 'b4,zoe,BRONZE,5.50,2026-11-24T08:00:00'
		cancels p-c1.csv 'c9,yan,b2,2026-11-24T09:00:00,'
		;;
	paris.2026-11-25)
		products p-p2.csv 'delete,BRONZE,,,,'
		purchases p-q3.csv 'b5,wim,SILVER,20.00,2026-11-25T23:00:00' 'b6,vic,BRONZE,5.50,2026-11-25T10:00:00'
		;;
	esac
}

# shop SHOP WORKSPACE-NAME: a workspace for that shop ($WS, $CFG, $INBOX).
shop() {
	case $1 in
	seoul) ws_new "$2" "timezone: Asia/Seoul" ;;
	paris) ws_new "$2" "timezone: Europe/Paris" "currency:" "  code: EUR" "  minor_digits: 2" ;;
	esac
}

# cycle SHOP: that shop's days, one after the other (feed, nightly), in its
# own workspace; the exit codes go to $WS/rcs.
cycle() {
	: > "$WS/rcs"
	for d in $DAYS; do
		feed "$1" "$d"
		"$MEMBERSHIP_BIN" -q -c "$CFG" nightly --date "$d" 2>> "$WS/err"
		echo "$d $?" >> "$WS/rcs"
	done
}

# snapshot SHOP-WS: books, reports, file trees, minus the run records.
snapshot() {
	WS=$TMPROOT/$1
	crash_snapshot "$1"
}

# Each shop alone.
for s in seoul paris; do
	shop $s alone-$s
	cycle $s
	snapshot alone-$s
done

# Both at once: each cycle in the background, in its own workspace.
shop seoul both-seoul
cycle seoul &
a=$!
shop paris both-paris
cycle paris &
b=$!
wait $a
wait $b

for s in seoul paris; do
	want="2026-11-23 0;2026-11-24 0;2026-11-25 0;"
	check_eq "$s alone: exit codes" "$(tr '\n' ';' < "$TMPROOT/alone-$s/rcs")" "$want"
	check_eq "$s with the other: exit codes" "$(tr '\n' ';' < "$TMPROOT/both-$s/rcs")" "$want"
	check_eq "$s: no error" "$(cat "$TMPROOT/both-$s/err")" ""
	snapshot both-$s
	for k in books reports files; do
		crash_same "$s: $k as when alone" "$TMPROOT/both-$s.$k" "$TMPROOT/alone-$s.$k"
	done
	check_eq "$s: reports of every day" "$(ls "$TMPROOT/both-$s/ws/reports" | tr '\n' ' ')" "2026-11-23 2026-11-24 2026-11-25 "
done
# The shops did differ (so equal snapshots mean something).
if cmp -s "$TMPROOT/both-seoul.reports" "$TMPROOT/both-paris.reports"; then not_ok "the shops' reports differ"; else ok "the shops' reports differ"; fi
check_grep "seoul sales" "GOLD" "$(cat "$TMPROOT/both-seoul/ws/reports/2026-11-25/sales.csv")"
check_grep "paris sales" "SILVER,Argent,20.00" "$(cat "$TMPROOT/both-paris/ws/reports/2026-11-25/sales.csv")"

# One shop's lock held: the other shop's jobs run, without waiting.
WS=$TMPROOT/both-seoul
sh -c 'exec 9>> "$1" && flock 9 && echo $$ > "$2" && exec sleep 60' sh \
	"$WS/ws/membership.lock" "$TMPROOT/holder.pid" &
while ! [ -s "$TMPROOT/holder.pid" ]; do sleep 0.1; done
holder=$(cat "$TMPROOT/holder.pid")
printf 'lock:\n  wait_seconds: 0\n' >> "$TMPROOT/both-seoul/membership.yaml"
printf 'lock:\n  wait_seconds: 0\n' >> "$TMPROOT/both-paris/membership.yaml"
CFG=$TMPROOT/both-seoul/membership.yaml
mb -q report --date 2026-11-25
check_rc "seoul, its lock held: waits no longer than configured" 75
WS=$TMPROOT/both-paris
CFG=$WS/membership.yaml
mb -q report --date 2026-11-25
check_rc "paris runs while seoul's lock is held" 0
kill "$holder" 2> /dev/null
wait
finish
