#!/bin/sh
# smoke.sh — builds the libFuzzer harnesses (make fuzz-build) and runs each
# for ${FUZZ_SECONDS:-60} seconds on a copy of its seed corpus in
# tests/fuzz/corpus/<name>/ (the seeds, regression inputs included, run
# first). Any crash, sanitizer report, leak or timeout fails the run; the
# input that did it is kept as tests/tmp/fuzz/<name>-crash-* (or -leak-,
# -timeout-, -oom-) and the last lines of the log are shown.
# FUZZ_ONLY=name runs one harness; FUZZ_JOBS=N runs N processes each.
# Ends with "fuzz smoke: N passed, N failed".
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
names="csvin config timestamp amount ingest"
[ -n "${FUZZ_ONLY:-}" ] && names=$FUZZ_ONLY

if ! command -v "${FUZZ_CC:-clang}" > /dev/null 2>&1; then
	echo "fuzz smoke: ${FUZZ_CC:-clang} not found (clang with libFuzzer is needed)"
	echo "fuzz smoke: 0 passed, 1 failed"
	exit 1
fi
mkdir -p "$top/tests/tmp"
if ! make --no-print-directory fuzz-build > "$top/tests/tmp/fuzz-build.log" 2>&1; then
	tail -n 30 "$top/tests/tmp/fuzz-build.log"
	echo "fuzz smoke: 0 passed, 1 failed (build)"
	exit 1
fi

work=$top/tests/tmp/fuzz
mkdir -p "$work"
pass=0
fail=0
for name in $names; do
	bin=$top/build/fuzz/fuzz_$name
	corpus=$work/$name-corpus
	rm -rf "$corpus"
	rm -f "$work/$name"-crash-* "$work/$name"-leak-* "$work/$name"-timeout-* \
		"$work/$name"-oom-* "$work/$name"-slow-unit-*
	cp -r "$top/tests/fuzz/corpus/$name" "$corpus"
	case $name in
	csvin | ingest) maxlen=16384 ;;
	config) maxlen=32768 ;;
	*) maxlen=64 ;;
	esac
	dict=""
	[ -f "$top/tests/fuzz/$name.dict" ] && dict="-dict=$top/tests/fuzz/$name.dict"
	log=$work/$name.log
	# -timeout: one input taking longer is a failure (slow parsing of
	# hostile input is a denial of service); -rss_limit_mb bounds memory.
	if [ "$jobs" -gt 1 ]; then
		par="-jobs=$jobs -workers=$jobs"
	else
		par=""
	fi
	rm -f "$work"/fuzz-[0-9]*.log
	# (in $work: with -jobs the workers log to fuzz-N.log in the current folder)
	(cd "$work" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=$maxlen \
		-print_final_stats=1 -artifact_prefix="$work/$name-" $dict $par \
		"$corpus" > "$log" 2>&1)
	rc=$?
	for f in "$work"/fuzz-[0-9]*.log; do
		[ -f "$f" ] && { cat "$f" >> "$log"; rm -f "$f"; }
	done
	found=$(ls "$work/$name"-crash-* "$work/$name"-leak-* "$work/$name"-timeout-* \
		"$work/$name"-oom-* 2> /dev/null)
	if [ "$rc" = 0 ] && [ -z "$found" ]; then
		pass=$((pass + 1))
		execs=$(grep -E 'stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
		echo "ok - fuzz_$name: ${secs} s, $execs inputs, no crash"
	else
		fail=$((fail + 1))
		echo "not ok - fuzz_$name (exit $rc)"
		grep -E 'ERROR|runtime error|SUMMARY|fuzz_[a-z]+: |Test unit written|#[0-9]+ 0x' "$log" | head -n 30 | sed 's/^/  /'
		[ -n "$found" ] && printf '  input kept: %s\n' $found
	fi
done
echo "fuzz smoke: $pass passed, $fail failed"
[ "$fail" = 0 ]
