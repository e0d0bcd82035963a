#!/bin/sh
# t_completion — completion/membership, driven as bash drives it (COMP_WORDS,
# COMP_CWORD): commands, each command's options, --date (today in the shop's
# zone and the open business day), and the customer ids of `progress` read
# from the books while another job holds the workspace lock.
. "$(dirname "$0")/lib.sh"
if ! command -v bash > /dev/null; then
	skip_suite "no bash"
fi
# complete WORD…: the candidates for the last word, one line, sorted.
complete_words() {
	bash -c '. "$1/completion/membership"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _membership
		printf "%s\n" "${COMPREPLY[@]}"' bash "$TOP" "$MEMBERSHIP_BIN" "$@" 2> "$TMPROOT/comp.err" |
		sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}

check_grep "registered for membership" "_membership membership" \
	"$(bash -c '. "$1/completion/membership"; complete -p membership' bash "$TOP")"

cmds=$("$MEMBERSHIP_BIN" --help | sed -n -e '/^options/q' -e 's/^  \([a-z][a-z]*\)  .*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
check_eq "commands of --help" "$(complete_words "")" "$cmds"
check_eq "a command's prefix" "$(complete_words st)" "status"
check_eq "options" "$(complete_words -)" "--config --date --dry-run --help --quiet --verbose --version -c -h -q -v"
check_eq "status options" "$(complete_words status --c)" "--check --config"
check_eq "init takes no --date" "$(complete_words init --d)" "--dry-run"
check_eq "report takes --date" "$(complete_words report --d)" "--date --dry-run"
check_eq "nothing on stderr" "$(cat "$TMPROOT/comp.err")" ""

ws_new shop "timezone: Pacific/Kiritimati"
products p.csv "add,GOLD,Gold,1000,,"
purchases q.csv "r1,kang,GOLD,1000,2026-11-22T10:00:00" "r2,kim,GOLD,1000,2026-11-22T10:00:00" \
	"r3,lee,GOLD,1000,2026-11-22T10:00:00" "r4,kang,GOLD,1000,2026-11-22T11:00:00"
mb -q nightly --date 2026-11-23
check_rc "nightly" 0

# --date: today in the configured zone (+14:00, not the host's), and the open day.
today=$(TZ=Pacific/Kiritimati date +%F)
check_eq "--date: today in the shop's zone" "$(complete_words -c "$CFG" --date "")" "$today"
mb -q nightly
check_rc "nightly for today" 0
want=$today
# the open business day is tomorrow once nightly closed today (SPEC §5.1)
closed=$(sql "SELECT date(max(business_date) * 86400, 'unixepoch') FROM runs WHERE job = 'nightly' AND outcome = 'ok'")
[ "$closed" = "$today" ] && want="$today $(TZ=Pacific/Kiritimati date -d "$today + 1 day" +%F)"
check_eq "--date: today and the open business day" "$(complete_words -c "$CFG" report --date "")" "$want"

# progress: the customer ids, read while a job holds the lock.
if command -v sqlite3 > /dev/null && command -v flock > /dev/null; then
	sh -c 'exec 9>> "$1" && flock 9 && echo $$ > "$2" && exec sleep 60' sh \
		"$WS/ws/membership.lock" "$TMPROOT/holder.pid" &
	while ! [ -s "$TMPROOT/holder.pid" ]; do sleep 0.1; done
	holder=$(cat "$TMPROOT/holder.pid")
	check_eq "ids with a prefix, lock held" "$(complete_words -c "$CFG" progress k)" "kang kim"
	check_eq "every id, --config=" "$(complete_words --config="$CFG" progress "")" "kang kim lee"
	check_eq "config from \$MEMBERSHIP_CONFIG" "$(MEMBERSHIP_CONFIG=$CFG complete_words progress l)" "lee"
	check_eq "a quote never reaches the query" "$(complete_words -c "$CFG" progress "k'")" ""
	check_eq "still nothing on stderr" "$(cat "$TMPROOT/comp.err")" ""
	kill "$holder" 2> /dev/null
	wait
else
	echo "$NAME: customer ids skipped (no sqlite3 or flock)"
fi
check_eq "no workspace, no ids" "$(complete_words -c "$TMPROOT/none.yaml" progress "")" ""
finish
