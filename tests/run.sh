#!/bin/sh
# run.sh — runs every test program (Check units, end-to-end scenarios,
# crash and concurrency tests) and ends with one line: "N passed, N failed".
# MEMBERSHIP_BIN picks the binary under test, UNIT_DIR the unit programs,
# MEMBERSHIP_VALGRIND=1 runs the unit and end-to-end suites under memcheck,
# TESTS=pattern runs only the scripts whose name matches.
# A suite that cannot run here says "<name>: skipped (why)" (skip_suite in
# tests/e2e/lib.sh): it is listed as skipped before the last line, never
# counted as passed; TESTS_REQUIRED=all (or a list of name patterns) makes
# a skip of the suites it names a failure. A suite that checked nothing
# ("0 passed, 0 failed") fails.
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

# required LABEL: whether TESTS_REQUIRED names the suite (all: every one).
required() {
	for r in ${TESTS_REQUIRED:-}; do
		[ "$r" = all ] && return 0
		case "$1" in *"$r"*) return 0 ;; esac
	done
	return 1
}

run_one() {
	# $1: label; rest: command. Collects "N passed, N failed" lines.
	label=$1; shift
	out=$("$@" 2>&1); rc=$?
	printf '%s\n' "$out" >> "$log"
	skipped=$(printf '%s\n' "$out" | grep -E '^[a-z0-9_ -]+: skipped \(' | tail -n 1)
	if [ -n "$skipped" ] && [ "$rc" = 0 ]; then
		why=${skipped#*: skipped }
		if required "$label"; then
			echo "$label: 0 passed, 1 failed (skipped $why, but TESTS_REQUIRED=$TESTS_REQUIRED)"
		else
			echo "$label: skipped $why"
		fi
		return
	fi
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
	if printf '%s' "$line" | grep -q ': 0 passed, 0 failed$'; then
		printf '%s\n' "$out" | tail -n 20
		echo "$label: 0 passed, 1 failed (it checked nothing: skip_suite says why)"
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
sk=$(grep -E ': skipped \(' "$results" | sed 's/: skipped (.*//' | tr '\n' ' ')
[ -n "$sk" ] && echo "skipped (not counted as passed): ${sk% }"
awk '/^[a-z0-9_\/. -]+: [0-9]+ passed, [0-9]+ failed/ {
	for (i = 1; i <= NF; i++) { if ($i == "passed,") p += $(i-1); if ($i ~ /^failed/) f += $(i-1) }
} END { printf "%d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }' "$results"
