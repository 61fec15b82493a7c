#!/bin/sh
# valgrind.sh: `make valgrind`: the end-to-end suite against a portal run under
# valgrind (lib.js prefixes the serve command with PORTAL_WRAP), then every
# valgrind log must show 0 errors and 0 bytes definitely lost.  A portal the
# tests killed (SIGKILL, or libfcgi's abort) is checked for errors only: its
# memory was never meant to be freed.  tests/valgrind.supp lists what is not
# counted (libfcgi's malloc of a negative size, which crash.test.js provokes).
# usage: tests/valgrind.sh [E2E_TEST_FILE...]
set -u
cd "$(dirname "$0")/.." || exit 1
dir=$(mktemp -d "${TMPDIR:-/tmp}/portal-valgrind.XXXXXX")
tests=${*:-tests/e2e/}
echo "valgrind: logs in $dir"
# shellcheck disable=SC2086
PORTAL_BIN=${PORTAL_BIN:-$PWD/portal} \
PORTAL_WRAP="valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=30 --suppressions=$PWD/tests/valgrind.supp --log-file=$dir/valgrind.%p.log" \
	node --test --test-reporter=tap --test-concurrency=1 --test-force-exit $tests >"$dir/tests.log" 2>&1
rc=$?
grep -E '^(not ok|# (tests|pass|fail|todo))' "$dir/tests.log"

procs=0 errors=0 lost=0 killed=0 bad=0
for log in "$dir"/valgrind.*.log; do
	[ -f "$log" ] || continue
	e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d , | tail -n 1)
	l=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -n 1)
	if [ -z "$e" ]; then
		# No summary: a child the portal forked to run sendmail (its parent has a
		# log of its own), or a portal the tests killed with SIGKILL.
		parent=$(sed -n 's/^==[0-9]*== Parent PID: \([0-9]*\)$/\1/p' "$log")
		[ -f "$dir/valgrind.$parent.log" ] && continue
		procs=$((procs + 1)) killed=$((killed + 1))
		continue
	fi
	procs=$((procs + 1))
	# A portal ended by a signal (libfcgi's abort) is checked for errors, not leaks.
	if grep -q 'Process terminating with default action of signal' "$log"; then
		killed=$((killed + 1))
		l=0
	fi
	e=${e:-0} l=${l:-0}
	errors=$((errors + e))
	lost=$((lost + l))
	if [ "$e" != 0 ] || [ "$l" != 0 ]; then
		bad=$((bad + 1))
		echo "== $log: $e errors, $l bytes definitely lost"
		grep -E '^==[0-9]+== (   (at|by) |[A-Z][a-z]|  [ A-Za-z])' "$log" | head -n 40
	fi
done
echo "valgrind: $procs portal processes ($killed killed by the tests), $errors errors, $lost bytes definitely lost"
# The end-to-end results are shown, but only valgrind's findings decide: under
# valgrind the portal is 20 to 50 times slower, and timing-bound tests may fail.
[ "$rc" = 0 ] || echo "valgrind: the end-to-end suite failed under valgrind (exit $rc): see $dir/tests.log"
if [ "$bad" = 0 ] && [ "$procs" -gt 0 ]; then
	[ "$rc" = 0 ] && rm -rf "$dir"
	echo "valgrind: $procs passed, 0 failed"
	exit 0
fi
echo "valgrind: $((procs - bad)) passed, $bad failed (logs kept in $dir)"
exit 1
