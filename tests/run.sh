#!/bin/sh
# run.sh: every test: the C unit tests and the end-to-end tests against the
# normal build, then both again built with AddressSanitizer and UBSan.
# Ends with one line "N passed, N failed"; the exit status tells the truth.
# usage: tests/run.sh UNIT_TEST_NAME...
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds the counts of a "NAME: N passed, N failed" line or of node's TAP summary.
count() {
	p=$(sed -n 's/^.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p; s/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p; s/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# A suite that crashed or printed no summary counts as one failure.
	if [ "$1" != 0 ] && [ "${f:-0}" = 0 ]; then failed=$((failed + 1)); fi
}

suite() {
	flavour=$1
	for t in $UNITS; do
		echo "== unit $t ($flavour)"
		"build/$flavour/test_$t" >"$log" 2>&1
		rc=$?
		cat "$log"
		count $rc
	done
	echo "== end to end ($flavour)"
	PORTAL_BIN=$PWD/build/$flavour/portal
	[ "$flavour" = normal ] && PORTAL_BIN=$PWD/portal
	PORTAL_BIN=$PORTAL_BIN node --test --test-reporter=tap --test-concurrency=1 tests/e2e/ >"$log" 2>&1
	rc=$?
	grep -E '^(not ok|# (tests|pass|fail))|^ +(not ok|error:|expected|actual)' "$log" | head -n 200
	count $rc
}

UNITS="$*"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
suite normal
echo "== browser (normal)"
sh tests/browser/run.sh >"$log" 2>&1
rc=$?
grep -E '^(not ok|# (tests|pass|fail|skipped))|^browser: |^ +(not ok|error:)' "$log" | head -n 200
count $rc
suite asan
echo "== allocation failures (the first 60 of each request)"
OOM_MAX_N=60 node tests/oom/oom.js >"$log" 2>&1
rc=$?
grep -E '^(not ok|oom: )' "$log" | head -n 60
count $rc
echo "== fuzz (a few seconds per parser)"
make --no-print-directory fuzz-quick >"$log" 2>&1
rc=$?
grep -E '^fuzz|^==[0-9]+==ERROR|SUMMARY' "$log" | head -n 40
count $rc
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
