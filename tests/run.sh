#!/bin/sh
# run.sh — runs every test program (Check units, end-to-end scenarios,
# crash and concurrency tests) and ends with one line: "N passed, N failed".
# MEMBERSHIP_BIN picks the binary under test, UNIT_DIR the unit programs,
# MEMBERSHIP_VALGRIND=1 runs the unit and end-to-end suites under memcheck,
# TESTS=pattern runs only the scripts whose name matches.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${MEMBERSHIP_BIN:=$top/bin/membership}"
: "${UNIT_DIR:=$top/build/tests}"
: "${FAULT_BIN:=$top/build/faults/bin/membership}"
case "$MEMBERSHIP_BIN" in /*) ;; *) MEMBERSHIP_BIN=$top/$MEMBERSHIP_BIN ;; esac
case "$UNIT_DIR" in /*) ;; *) UNIT_DIR=$top/$UNIT_DIR ;; esac
export MEMBERSHIP_BIN FAULT_BIN
unset MEMBERSHIP_CONFIG MEMBERSHIP_FAULT_AT
log=$top/tests/tmp/run.log
mkdir -p "$top/tests/tmp"
: > "$log"

vg=""
if [ "${MEMBERSHIP_VALGRIND:-}" = 1 ]; then
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
	export CK_FORK=no MEMBERSHIP_VALGRIND
fi

run_one() {
	# $1: label; rest: command. Collects "N passed, N failed" lines.
	label=$1; shift
	out=$("$@" 2>&1); rc=$?
	printf '%s\n' "$out" >> "$log"
	line=$(printf '%s\n' "$out" | grep -E '^[a-z0-9_ -]+: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	if [ -z "$line" ]; then
		printf '%s\n' "$out" | tail -n 20
		echo "$label: 0 passed, 1 failed (no result line, exit $rc)"
		return
	fi
	if [ "$rc" != 0 ] && printf '%s' "$line" | grep -q ' 0 failed$'; then
		printf '%s\n' "$out" | tail -n 20
		echo "$label: 0 passed, 1 failed (exit $rc)"
		return
	fi
	if ! printf '%s' "$line" | grep -q ' 0 failed$'; then
		printf '%s\n' "$out" | grep -E 'FAIL|not ok|Failure|Error|error' | head -n 30
	fi
	echo "$line"
}

results=$top/tests/tmp/results
: > "$results"
for t in "$UNIT_DIR"/test_*; do
	[ -x "$t" ] || continue
	case "$(basename "$t")" in
	*"${TESTS:-}"*) ;;
	*) continue ;;
	esac
	run_one "unit $(basename "$t")" $vg "$t" | tee -a "$results"
done
# Under valgrind: the unit and end-to-end suites (the crash tests kill and
# time processes; memcheck has nothing to add there but hours).
scripts="tests/e2e/t_*.sh tests/crash/t_*.sh"
[ -n "$vg" ] && scripts="tests/e2e/t_*.sh"
for t in $scripts; do
	[ -f "$t" ] || continue
	case "$t" in
	*"${TESTS:-}"*) ;;
	*) continue ;;
	esac
	run_one "$t" sh "$t" | tee -a "$results"
done
awk '/^[a-z0-9_\/. -]+: [0-9]+ passed, [0-9]+ failed/ {
	for (i = 1; i <= NF; i++) { if ($i == "passed,") p += $(i-1); if ($i ~ /^failed/) f += $(i-1) }
} END { printf "%d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }' "$results"
