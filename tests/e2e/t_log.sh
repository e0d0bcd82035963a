#!/bin/sh
# t_log.sh — log levels (SPEC §8.3): warnings and errors start with
# "warning:" / "error:" and name the job and date; when stderr is the
# journal's stream ($JOURNAL_STREAM = its device:inode) each such line
# starts with its syslog priority (<3> error, <4> warning, <6> info); when
# stderr is anything else, no prefix.
. "$(dirname "$0")/lib.sh"

D=2026-05-01
ws_new main
mb init -q
products products-1.csv 'add,GOLD,Gold,1000,,'
printf 'x\n' > "$WS/ws/archive/$D"

# jmb STREAM ARGS…: the program with stderr into $TMPROOT/.jerr and
# JOURNAL_STREAM=STREAM ("self": that file's own device:inode).
jmb() {
	s=$1
	shift
	: > "$TMPROOT/.jerr"
	[ "$s" = self ] && s=$(stat -c '%d:%i' "$TMPROOT/.jerr")
	JOURNAL_STREAM=$s $VG "$MEMBERSHIP_BIN" -c "$CFG" "$@" > /dev/null 2>> "$TMPROOT/.jerr"
	RC=$?
	ERR=$(cat "$TMPROOT/.jerr")
}

mb ingest --date $D
check_rc "ingest fails (a file where archive/$D goes)" 73
check_grep "an error starts with error: and names the job and date" "^error: ingest $D: .*archive/$D" "$ERR"
mb ingest --date $D -q
check_grep "-q keeps errors" "^error: ingest $D: " "$ERR"

jmb self ingest --date $D
check_rc "under the journal: still 73" 73
check_grep "under the journal: <3> before the error" "^<3>error: ingest $D: " "$ERR"
jmb 1:1 ingest --date $D
check_grep "another stream: no prefix" "^error: ingest $D: " "$ERR"
jmb nonsense ingest --date $D
check_grep "a malformed JOURNAL_STREAM: no prefix" "^error: ingest $D: " "$ERR"
rm "$WS/ws/archive/$D"

# A warning (reconcile repairs a counter changed behind the program's back:
# the one write to the books a test makes) and an info line, under the journal.
mb ingest -q --date $D
purchases purchases-1.csv "p1,ann,GOLD,1000,${D}T09:00:00"
mb ingest -q --date $D
mb payments -q --date $D
sql "UPDATE products SET sold_count = 9 WHERE product_id = 'GOLD'"
jmb self nightly --date $D
check_rc "nightly" 0
check_grep "under the journal: <4> before a warning naming the step and date" \
	"^<4>warning: reconcile $D: product GOLD: sold_count was 9" "$ERR"
check_eq "every warning or error line has its priority" \
	"$(printf '%s\n' "$ERR" | grep -c '^\(warning\|error\):')" 0
check_grep "under the journal: <6> before a job's summary line" "^<6>payments $D: " "$ERR"
check_eq "every line has its priority" "$(printf '%s\n' "$ERR" | grep -vc '^<[0-7]>')" 0
mb progress nobody --date $D -v
jmb self progress nobody --date $D
check_grep "under the journal: <6> before an info line" "^<6>membership: progress: customer nobody" "$ERR"

finish
