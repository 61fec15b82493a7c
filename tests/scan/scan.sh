#!/bin/sh
# scan.sh: `make scan`: sqlmap against every form it can reach, signed out and
# signed in (administrator, counselor), and wapiti against the whole site, on a
# throwaway portal behind the project's nginx on loopback.  Each pass is bounded
# in time (SCAN_MINUTES in all).  Fails on a finding above low: any injection
# sqlmap confirms, any wapiti vulnerability or anomaly of level medium or more.
# usage: tests/scan/scan.sh
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
minutes=${SCAN_MINUTES:-8}
t=$(mktemp -d "${TMPDIR:-/tmp}/portal-scan.XXXXXX")
db=$t/portal.db
portal_pid=
nginx_pid=
cleanup() {
	[ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null
	[ -n "$portal_pid" ] && kill -TERM "$portal_pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP_SCAN_DIR:-}" ] || rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
base=http://127.0.0.1:$port
password='scan password 12345'
# The key sealing the test database's personal data.
./portal keygen "$t/portal.key" >/dev/null
./portal --db "$db" --key-file "$t/portal.key" migrate >/dev/null
./portal --db "$db" --key-file "$t/portal.key" bootstrap --demo >/dev/null
./portal --db "$db" --key-file "$t/portal.key" user add --role admin --email scan-admin@example.org --name 'Scan Admin' \
	>/dev/null <<EOF
$password
EOF
./portal --db "$db" --key-file "$t/portal.key" user add --role counselor --school torrance --email scan-counselor@example.org \
	--name 'Scan Counselor' >/dev/null <<EOF
$password
EOF
./portal --db "$db" --key-file "$t/portal.key" --datadir "$root" serve --socket "$t/portal.sock" --threads 4 \
	--sendmail 'cat >/dev/null' 2>"$t/portal.log" &
portal_pid=$!
i=0
until [ -S "$t/portal.sock" ]; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done
sh etc/local-up.sh "$t/run" "$port" "$t/portal.sock" 2>"$t/nginx.log" &
nginx_pid=$!
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "scan: the portal did not come up"; exit 1; }; sleep 0.1
done

# Signs in with curl; prints the Cookie header of the session.
signin() {
	jar=$t/$1.jar
	csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
	code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode "email=$1" \
		--data-urlencode "password=$password" --data-urlencode "csrf=$csrf" "$base/login")
	[ "$code" = 303 ] || { echo "scan: sign-in of $1 answered $code" >&2; return 1; }
	awk -F '\t' 'NF >= 7 && ($1 !~ /^#/ || $1 ~ /^#HttpOnly_/) { printf "%s%s=%s", s, $6, $7; s = "; " }' "$jar"
}
admin_cookie=$(signin scan-admin@example.org) || exit 1
counselor_cookie=$(signin scan-counselor@example.org) || exit 1

# Two applications, so that the staff pages have applicants to open and move.
for n in 1 2; do
	jar=$t/apply$n.jar
	page=$(curl -s -c "$jar" -b "$jar" "$base/pip/apply")
	csrf=$(echo "$page" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
	class=$(echo "$page" | sed -n 's/.*name="class" value="\([0-9]*\)".*/\1/p' | head -n 1)
	curl -s -o /dev/null -c "$jar" -b "$jar" --data "csrf=$csrf&class=$class&first_name=Scan&last_name=Applicant$n&dob=1980-05-17&email=scan$n%40example.com&phone=310-555-0123&street=1+Main+Street&city=Torrance&zip=90503&affiliation=resident&emergency_name=Someone&emergency_phone=310-555-0100&ack_background=yes" "$base/pip/apply"
done
app=$(sqlite3 "$db" "SELECT id FROM applications ORDER BY id LIMIT 1")
class=$(sqlite3 "$db" "SELECT id FROM cohorts WHERE program = 'pip' ORDER BY id LIMIT 1")
# Where sqlmap starts, one run each (its crawler follows their links one step;
# in bulk mode, -m, it would crawl without the session cookie).
public_urls="$base/ $base/status $base/forgot $base/account/password?token=x"
admin_urls="$base/admin $base/admin/pip/classes/$class $base/admin/applications/${app:-1} $base/admin/users $base/admin/pages/home"
counselor_urls="$base/counselor $base/tap/nominate"
nurls=$(echo $public_urls $admin_urls $counselor_urls | wc -w)

# 70% of the time for sqlmap, shared by its start pages; 15% for each wapiti pass.
budget=$((minutes * 60))
per_url=$((budget * 70 / 100 / nurls))
[ "$per_url" -ge 15 ] || per_url=15
per_wapiti=$((budget * 15 / 100))
[ "$per_wapiti" -ge 40 ] || per_wapiti=40
# Signing out, disabling accounts and changing passwords would end the scan's own sessions.
exclude='logout|disable|/account/password'
findings=0

# sqlmap NAME "URL..." [COOKIE]: every form and parameter reachable from the URLs.
sqlmap_pass() {
	name=$1 urls=$2 cookie=${3:-}
	out=$t/sqlmap-$name.log
	: >"$out"
	stopped=0
	for url in $urls; do
		set -- -u "$url" --forms --crawl=2 --crawl-exclude="$exclude" --batch \
			--csrf-token=csrf --skip=csrf --technique=BEU --level=2 --risk=1 --timeout=10 \
			--disable-coloring --output-dir="$t/sqlmap" --skip-static
		# Signed in, the session cookie stays as given (a tampered one must not
		# replace it); the form tokens then hang on the session, not on a cookie.
		[ -n "$cookie" ] && set -- "$@" --cookie="$cookie" --drop-set-cookie
		timeout -k 5 "$per_url" sqlmap "$@" >>"$out" 2>&1
		[ $? = 124 ] && stopped=$((stopped + 1))
	done
	tested=$(grep -c "testing '" "$out")
	forms=$(grep '^POST http\|^GET http' "$out" | sort -u | wc -l)
	hints=$(grep -c 'might be injectable' "$out")
	if grep -q 'identified the following injection point\|is vulnerable\. Do you want' "$out"; then
		findings=$((findings + 1))
		echo "scan sqlmap $name: INJECTION FOUND (log kept: $out)"
		grep -A 12 'identified the following injection point' "$out" | head -n 40
		KEEP_SCAN_DIR=1
	else
		echo "scan sqlmap $name: no injection ($forms forms and addresses, $tested tests, $hints heuristic hints$( [ $stopped -gt 0 ] && echo ", $stopped of $(echo $urls | wc -w) runs stopped at ${per_url} s"))"
	fi
}

# wapiti NAME FOLDER [COOKIE]: the default modules (but ssrf, which needs the
# internet) on every page under FOLDER.  (wapiti 3.0.4's -x fails on Python 3.11,
# so a signed-in pass keeps off /logout by its folder instead.)
wapiti_pass() {
	name=$1 folder=$2 cookie=${3:-}
	report=$t/wapiti-$name.json
	set -- -u "$base$folder" --scope folder -m 'common,-ssrf' -f json -o "$report" \
		--max-scan-time "$((per_wapiti - 10))" --max-attack-time "$((per_wapiti / 6))" -d 4 -t 10 \
		--flush-session --store-session "$t/wapiti-session" --store-config "$t/wapiti-config" \
		--no-bugreport -v 1
	[ "$folder" = / ] || set -- "$@" -s "$base${folder%/}"
	[ -n "$cookie" ] && set -- "$@" -H "Cookie: $cookie"
	timeout -k 5 "$((per_wapiti + 30))" wapiti "$@" >"$t/wapiti-$name.log" 2>&1
	if [ ! -s "$report" ]; then
		findings=$((findings + 1))
		echo "scan wapiti $name: no report (see $t/wapiti-$name.log)"
		tail -n 20 "$t/wapiti-$name.log"
		KEEP_SCAN_DIR=1
		return
	fi
	# Every vulnerability and anomaly with its level (0 info, 1 low, 2 medium, 3 high, 4 critical).
	node -e '
		const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		let bad = 0, low = 0;
		for (const kind of ["vulnerabilities", "anomalies"]) {
			for (const [cat, list] of Object.entries(r[kind] || {})) {
				for (const v of list) {
					const level = Number(v.level);
					if (level >= 2) {
						bad++;
						console.log(`  ${kind} level ${level} ${cat}: ${v.method} ${v.path} ${v.parameter || ""} ${v.info}`);
					} else {
						low++;
					}
				}
			}
		}
		console.log(`RESULT ${bad} ${low}`);
	' "$report" >"$t/wapiti-$name.summary"
	# shellcheck disable=SC2046
	set -- $(sed -n 's/^RESULT //p' "$t/wapiti-$name.summary")
	if [ "${1:-1}" != 0 ]; then
		findings=$((findings + 1))
		echo "scan wapiti $name: ${1:-?} findings above low"
		grep -v '^RESULT' "$t/wapiti-$name.summary" | head -n 40
		KEEP_SCAN_DIR=1
	else
		echo "scan wapiti $name: nothing above low (${2:-0} low or info; $(grep -c '^\[+\] ' "$t/wapiti-$name.log") resources crawled)"
		grep -v '^RESULT' "$t/wapiti-$name.summary"
	fi
}

echo "scan: $base; sqlmap up to $per_url s per start page, wapiti up to $per_wapiti s per pass"
sqlmap_pass public "$public_urls"
sqlmap_pass admin "$admin_urls" "$admin_cookie"
sqlmap_pass counselor "$counselor_urls" "$counselor_cookie"
wapiti_pass public /
wapiti_pass admin /admin/ "$admin_cookie"
if grep -q 'AddressSanitizer\|runtime error' "$t/portal.log"; then
	findings=$((findings + 1))
	echo "scan: the portal reported a memory error"
fi
if [ -n "${KEEP_SCAN_DIR:-}" ]; then echo "scan: logs kept in $t"; fi
if [ "$findings" = 0 ]; then
	echo "scan: 1 passed, 0 failed"
	exit 0
fi
echo "scan: 0 passed, 1 failed ($findings passes with findings above low)"
exit 1
