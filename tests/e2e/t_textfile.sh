#!/bin/sh
# t_textfile.sh — monitoring.textfile (SPEC §8.3): after every writing job,
# a failed one too, the Prometheus textfile is rewritten whole (a new file
# renamed into place, mode 0644, no temporary left) with the metrics SPEC
# names, each with # HELP and # TYPE, valid by the text-format rules
# (promcheck.py); reading commands and dry runs leave it alone; a textfile
# that cannot be written is a warning, not the job's failure.
. "$(dirname "$0")/lib.sh"

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
at() {
	t=$1
	shift
	NO_FAKE_STAT=1 TZ=UTC faketime "$t" $VG "$MEMBERSHIP_BIN" -c "$CFG" "$@" > "$TMPROOT/.out" 2> "$TMPROOT/.err"
	RC=$?
	OUT=$(cat "$TMPROOT/.out")
	ERR=$(cat "$TMPROOT/.err")
}

ws_new main "monitoring:" "  textfile: prom/membership.prom"
PROM=$WS/prom/membership.prom
mkdir "$WS/prom"
# metric NAME{LABELS}: the value of that sample ("" when absent).
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$PROM"
}
valid() {
	python3 "$TOP/tests/e2e/promcheck.py" "$PROM" > "$TMPROOT/.prom" 2>&1
	check_eq "$1: valid text format" "$(cat "$TMPROOT/.prom")" ""
}

at '2026-05-01 03:00:00' init -q
check_rc "init" 0
check_eq "written after init" "$([ -f "$PROM" ] && echo yes)" yes
check_eq "mode 0644 (the exporter runs as another user)" "$(stat -c %a "$PROM")" 644
valid "after init"

products products-1.csv 'add,GOLD,Gold,1000,,'
purchases purchases-1.csv 'p1,ann,GOLD,1000,2026-05-01T09:00:00' 'p2,ben,GOLD,1000,2026-05-01T09:00:00' \
	'p3,cat,NOPE,1000,2026-05-01T09:00:00'
purchases purchases-2.csv 'p4,dan,GOLD,1000,2026-05-01T09:00:00'
inode_before=$(stat -c %i "$PROM")
at '2026-05-01 03:00:00' ingest --date 2026-05-01
check_rc "ingest" 0
valid "after ingest"
check_eq "a new file took the name (written whole, renamed)" "$([ "$(stat -c %i "$PROM")" != "$inode_before" ] && echo new)" new
check_eq "every metric SPEC names is there" \
	"$(for m in membership_last_run_timestamp_seconds membership_last_success_timestamp_seconds \
		membership_last_run_exit_code membership_last_run_duration_seconds membership_rows_total \
		membership_pending_purchases membership_pending_cancels membership_inbox_files \
		membership_open_business_day; do grep -c "^# TYPE $m " "$PROM"; done | tr -d '\n')" 111111111
check_eq "ingest: exit code 0" "$(metric 'membership_last_run_exit_code{job="ingest"}')" 0
# The faked clock runs on from 03:00:00 (and starts up to a second late), so
# a slow machine sees the run end a few seconds after it: within a minute.
t0=$(date -d '2026-05-01 03:00:00 UTC' +%s)
last_run=$(metric 'membership_last_run_timestamp_seconds{job="ingest"}')
check_eq "ingest: last run at the clock's time (within a minute of 03:00:00)" \
	"$([ -n "$last_run" ] && [ "$last_run" -ge "$t0" ] && [ "$last_run" -lt $((t0 + 60)) ] && echo yes || echo "$last_run")" yes
check_eq "ingest: last success = last run" "$(metric 'membership_last_success_timestamp_seconds{job="ingest"}')" \
	"$(metric 'membership_last_run_timestamp_seconds{job="ingest"}')"
check_eq "rows accepted" "$(metric 'membership_rows_total{job="ingest",outcome="accepted"}')" 4
check_eq "rows rejected" "$(metric 'membership_rows_total{job="ingest",outcome="rejected"}')" 1
check_eq "rows_total is a counter" "$(grep -c '^# TYPE membership_rows_total counter$' "$PROM")" 1
check_eq "pending purchases" "$(metric membership_pending_purchases)" 3
check_eq "pending cancels" "$(metric membership_pending_cancels)" 0
check_eq "inbox files" "$(metric membership_inbox_files)" 0
check_eq "open business day: the start of 2026-05-01 in Asia/Seoul" "$(metric membership_open_business_day)" \
	"$(TZ=Asia/Seoul date -d '2026-05-01 00:00:00' +%s)"
check_eq "no temporary file left" "$(ls -A "$WS/prom")" membership.prom

# A failed job rewrites it too: its exit code, the success kept from before.
products late.csv 'add,SILVER,Silver,500,,'
printf 'x\n' > "$WS/ws/archive/2026-05-02"
success_before=$(metric 'membership_last_success_timestamp_seconds{job="ingest"}')
at '2026-05-02 03:00:00' ingest --date 2026-05-02
check_rc "ingest fails (a file where archive/2026-05-02 goes)" 73
valid "after a failed job"
check_eq "failed: its exit code" "$(metric 'membership_last_run_exit_code{job="ingest"}')" 73
check_eq "failed: last success unchanged" "$(metric 'membership_last_success_timestamp_seconds{job="ingest"}')" "$success_before"
check_eq "failed: the inbox file counted" "$(metric membership_inbox_files)" 1
rm "$WS/ws/archive/2026-05-02"

# Reading commands and dry runs do not write it.
rm "$PROM"
at '2026-05-02 03:00:00' status
check_rc "status" 0
at '2026-05-02 03:00:00' payments --date 2026-05-02 --dry-run
check_rc "payments --dry-run" 0
check_eq "status and dry runs leave it alone" "$(ls -A "$WS/prom")" ""
at '2026-05-02 03:00:00' payments --date 2026-05-02
check_rc "payments" 0
valid "after payments"
check_eq "payments: decided, nothing pending" "$(metric membership_pending_purchases)" 0
check_eq "payments listed" "$(metric 'membership_last_run_exit_code{job="payments"}')" 0
check_eq "payments' duration is a number" "$(metric 'membership_last_run_duration_seconds{job="payments"}' | grep -c '^[0-9][0-9]*$')" 1

# A folder that cannot take it: the job is done all the same, with a warning.
rm -r "$WS/prom"
at '2026-05-02 03:00:00' reconcile --date 2026-05-02
check_rc "textfile folder missing: the job still succeeds" 0
check_grep "textfile folder missing: a warning names it" "^warning: .*monitoring textfile .*prom/membership.prom not written" "$ERR"
check_grep "textfile folder missing: the summary line still ends the run (SPEC 2)" \
	"^reconcile 2026-05-02: .*(run [0-9]*, " "$(printf '%s\n' "$ERR" | tail -n 1)"

finish
