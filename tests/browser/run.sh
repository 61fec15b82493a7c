#!/bin/sh
# run.sh: the browser tests (tests/browser/browser.test.js) against ./portal, or $PORTAL_BIN:
# Debian's Chromium, axe-core and the Nu HTML Checker (`make browser-deps` installs them).
# Prints node's TAP output (less the details of tests that passed), then one line "browser: N passed, N failed"; the exit status
# tells the truth.
set -u
cd "$(dirname "$0")/../.."
missing=
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium"
command -v java >/dev/null 2>&1 || missing="$missing java"
for f in playwright-core/package.json axe-core/axe.min.js vnu-jar/build/dist/vnu.jar; do
	[ -f "node_modules/$f" ] || { missing="$missing node_modules"; break; }
done
if [ -n "$missing" ]; then
	echo "browser: missing$missing: run 'make browser-deps'"
	echo "browser: 0 passed, 1 failed"
	exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
node --test --test-reporter=tap tests/browser/browser.test.js >"$log" 2>&1
rc=$?
# The TAP output without the details of the tests that passed (BROWSER_VERBOSE=1: all of it).
if [ "${BROWSER_VERBOSE:-0}" = 1 ]; then
	cat "$log"
else
	awk '/^ *ok / { skip = 1; print; next }
	/^ *not ok / { skip = 0; print; next }
	/^ *---$/ { block = 1; if (!skip) print; next }
	/^ *\.\.\.$/ && block { block = 0; if (!skip) print; next }
	{ if (!(block && skip)) print }' "$log"
fi
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$log" | tail -n 1)
p=${p:-0} f=${f:-0}
# A run that crashed or printed no summary counts as one failure.
if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
[ "${s:-0}" != 0 ] && echo "browser: ${s} skipped (see the # SKIP lines above)"
echo "browser: $p passed, $f failed"
[ "$rc" = 0 ] && [ "$f" = 0 ]
