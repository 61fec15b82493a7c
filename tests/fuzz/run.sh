#!/bin/sh
# run.sh: runs each libFuzzer harness for SECONDS from its seeds; ends with
# "fuzz: N passed, N failed".  A crash is kept under build/fuzz/crashes/ and
# should then be copied into tests/fuzz/seeds/NAME/ as a regression input.
# usage: tests/fuzz/run.sh SECONDS NAME...
set -u
cd "$(dirname "$0")/../.." || exit 1
seconds=$1
shift
passed=0 failed=0
mkdir -p build/fuzz/crashes
for name in "$@"; do
	bin=build/fuzz/fuzz_$name
	corpus=build/fuzz/corpus/$name
	seeds=tests/fuzz/seeds/$name
	log=build/fuzz/$name.log
	mkdir -p "$corpus" "$seeds"
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict
	# The new inputs go to the build corpus; the seeds are read only.
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -max_len=16384 \
		-print_final_stats=1 -artifact_prefix="build/fuzz/crashes/$name-" $dict \
		"$corpus" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
		echo "fuzz $name: ok, ${runs:-?} runs, ${rate:-?} exec/s, ${cov:-cov: ?}"
	else
		failed=$((failed + 1))
		echo "fuzz $name: FAILED (exit $rc); log: $log"
		grep -E 'ERROR|SUMMARY|property failed|runtime error|Test unit written' "$log" | head -n 8
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
