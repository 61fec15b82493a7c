#!/bin/sh
# bench.sh: `make bench`: wrk against nginx on loopback, in one run:
#   nginx serving a saved copy of the /pip/apply page from disk (the ceiling),
#   the bare libfcgi responder (tests/bench/bare.c) serving it from memory,
#   the portal's GET /pip/apply, GET /, a staff applicant list and POST /pip/apply,
#   the bare responder inserting one row per POST (WAL, synchronous=FULL),
# then the list, the home page and apply at 100, 10,000 and 100,000 stored
# applications, the coordinator's desk (desk_bench) at 10,000, and
# nginx's fastcgi_keep_conn with an upstream keepalive pool.  Prints requests/s,
# p50 and p99 latency, the portal's resident memory and ratios.  A benchmark
# never fails: only a broken set-up makes this exit non-zero.
# and GET / alone and while 16 clients sign in continuously.
# usage: tests/bench/bench.sh   (BENCH_SECONDS, BENCH_THREADS, BENCH_CONNECTIONS, BENCH_ONLY=apply, desk or signin)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
secs=${BENCH_SECONDS:-5}
wthreads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-32}
pthreads=${PORTAL_THREADS:-4}
t=$(mktemp -d "${TMPDIR:-/tmp}/portal-bench.XXXXXX")
db=$t/portal.db
pids=
nginx_pid=
portal_pid=
cleanup() {
	# nginx first: it holds kept FastCGI connections the responders wait on.
	[ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null && sleep 0.3
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
	[ -n "${KEEP_BENCH_DIR:-}" ] || rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
port2=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
base=http://127.0.0.1:$port
base2=http://127.0.0.1:$port2

# ---- the portal, its data and a staff account ----
# sqlite3 waits for the portal's writers instead of failing with "database is locked".
sq() { sqlite3 -cmd '.timeout 30000' "$db" "$@"; }
# The key sealing the test database's personal data.
./portal keygen "$t/portal.key" >/dev/null
./portal --db "$db" --key-file "$t/portal.key" migrate >/dev/null
start=$(sq "SELECT date('now', '+60 days')")
class=$(sq "INSERT INTO cohorts (program, number, start_date, capacity,
	registration_open, created_at) VALUES ('pip', 77, '$start', 1000000, 1, 0) RETURNING id")
sq "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 10)
	INSERT INTO cohort_sessions (cohort_id, number, date, topic)
	SELECT $class, k, date('$start', '+' || ((k - 1) * 7) || ' days'), 'Session ' || k FROM n"
password='bench password 12345'
printf '%s\n' "$password" | ./portal --db "$db" --key-file "$t/portal.key" user add --role staff \
	--email bench@example.org --name 'Bench Staff' >/dev/null

# Fills the class up to n applications (each with an affiliation) with one SQL statement.
fill() {
	sq "
	BEGIN IMMEDIATE;
	WITH RECURSIVE c(x) AS (
		SELECT (SELECT count(*) FROM applications) + 1
		UNION ALL SELECT x + 1 FROM c WHERE x < $1)
	INSERT INTO applications (ref, cohort_id, status, submitted_at, status_at, first_name,
		last_name, dob, email, phone, street, city, zip, emergency_name, emergency_phone,
		accommodations, referral)
	SELECT printf('B-%04X-%04X', x / 65536, x % 65536), $class, 'submitted',
		1700000000 + x, 1700000000 + x, 'Fill', 'Person' || x, '1980-05-17',
		'fill' || x || '@example.com', '3105550123', '1 Main Street', 'Torrance', '90503',
		'Contact', '3105550199', '', ''
	FROM c WHERE (SELECT count(*) FROM applications) < $1;
	INSERT INTO affiliations (application_id, kind, detail)
	SELECT id, 'resident', '' FROM applications a
	WHERE NOT EXISTS (SELECT 1 FROM affiliations f WHERE f.application_id = a.id);
	COMMIT;"
	sq "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
}
stored() { sq "SELECT count(*) FROM applications"; }

./portal --db "$db" --key-file "$t/portal.key" --datadir "$root" serve --socket "$t/portal.sock" --threads "$pthreads" \
	--sendmail 'cat >/dev/null' 2>"$t/portal.log" &
portal_pid=$!
pids="$pids $portal_pid"

# ---- nginx: the portal and the bare responders, plain and with kept connections ----
mkdir -p "$t/www"
user=
if [ "$(id -u)" = 0 ]; then user="user $(id -un) $(id -gn);"; fi
fcgi_params='fastcgi_param REQUEST_METHOD $request_method;
			fastcgi_param REQUEST_URI $request_uri;
			fastcgi_param QUERY_STRING $query_string;
			fastcgi_param CONTENT_TYPE $content_type;
			fastcgi_param CONTENT_LENGTH $content_length;
			fastcgi_param HTTP_COOKIE $http_cookie;
			fastcgi_param REMOTE_ADDR $remote_addr;'
cat >"$t/nginx.conf" <<EOF
$user
worker_processes 1;
daemon off;
pid $t/nginx.pid;
error_log $t/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	server_tokens off;
	client_body_temp_path $t/client_body;
	fastcgi_temp_path $t/fastcgi;
	proxy_temp_path $t/proxy;
	uwsgi_temp_path $t/uwsgi;
	scgi_temp_path $t/scgi;
	types { text/html html; }
	sendfile on;
	upstream portal_pool { server unix:$t/portal.sock; keepalive $pthreads; }
	upstream bare_pool { server unix:$t/bare-page.sock; keepalive $pthreads; }
	server {
		listen 127.0.0.1:$port;
		location = /static/apply.html { root $t/www; rewrite ^ /apply.html break; }
		location = /bare/page { fastcgi_pass unix:$t/bare-page.sock; $fcgi_params }
		location = /bare/insert { fastcgi_pass unix:$t/bare-insert.sock; $fcgi_params }
		location / { fastcgi_pass unix:$t/portal.sock; $fcgi_params }
	}
	server {
		listen 127.0.0.1:$port2;
		fastcgi_keep_conn on;
		location = /bare/page { fastcgi_pass bare_pool; $fcgi_params }
		location / { fastcgi_pass portal_pool; $fcgi_params }
	}
}
EOF
nginx -p "$t" -c "$t/nginx.conf" -e "$t/nginx-error.log" &
nginx_pid=$!
pids="$pids $nginx_pid"
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "bench: the portal did not come up"; cat "$t/portal.log"; exit 1; }
	sleep 0.1
done

# The saved copy of the form page, served by nginx and by the bare responder.
curl -sf "$base/pip/apply" -o "$t/www/apply.html"
build/bench/bare page "$t/www/apply.html" "$t/bare-page.sock" "$pthreads" &
pids="$pids $!"
build/bench/bare insert "$t/bare.db" "$t/bare-insert.sock" "$pthreads" &
pids="$pids $!"

# A staff session, signed in with curl.
jar=$t/staff.jar
csrf=$(curl -sf -c "$jar" -b "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
	--data-urlencode "email=bench@example.org" --data-urlencode "password=$password" \
	--data-urlencode "csrf=$csrf" "$base/login")
[ "$code" = 303 ] || { echo "bench: staff sign-in answered $code"; exit 1; }
cookies() { awk -F '\t' 'NF >= 7 && ($1 !~ /^#/ || $1 ~ /^#HttpOnly_/) { printf "%s%s=%s", s, $6, $7; s = "; " }' "$1"; }
staff_cookie=$(cookies "$jar")
# One applicant's csrf cookie and token, reused for every POST.
ajar=$t/apply.jar
apply_csrf=$(curl -sf -c "$ajar" -b "$ajar" "$base/pip/apply" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
apply_cookie=$(cookies "$ajar")
i=0
until [ -S "$t/bare-page.sock" ] && [ -S "$t/bare-insert.sock" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || { echo "bench: bare responders did not start"; exit 1; }; sleep 0.1
done

# ---- measuring ----
results=$t/results
: >"$results"
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$portal_pid/status"; }
# bench KEY LABEL URL [VAR=VALUE...]: one wrk run; its figures go to $results.
bench() {
	key=$1 label=$2 url=$3
	shift 3
	line=$(env "$@" BENCH_RUN="$key$(date +%s)" wrk -t"$wthreads" -c"$conns" -d"${secs}s" \
		--timeout 5s -s tests/bench/bench.lua "$url" 2>&1 | grep '^BENCH' || true)
	[ -n "$line" ] || line="BENCH 0 0 0 0 0"
	echo "$key|$label|$line" >>"$results"
	echo "$line" | awk -v l="$label" '{ printf "  %-44s %9.0f req/s  p50 %7.2f ms  p99 %8.2f ms%s\n", l, $2, $3, $4, ($5 + $6 ? sprintf("  (%d HTTP errors, %d socket errors)", $5, $6) : "") }'
}
staff_list=$base/admin/pip/classes/$class

# ---- the coordinator's desk ----
# desk_bench: the applicant list of a class of 10,000, as staff see it with its
# checkboxes (by time, by name, one status, a search), and a bulk accept of 200
# in one request (its audit rows and e-mails included), timed by curl.  Called
# at 10,000 stored; BENCH_ONLY=desk runs only this.  The figures go to
# $results under desk_* keys; desk_table prints them.
desk_bench() {
	n=$(sq "SELECT count(*) FROM applications WHERE cohort_id = $class")
	echo "bench: the coordinator's desk, a class of $n"
	# The page really carries one checkbox per row shown.
	boxes=$(curl -sf -b "$staff_cookie" "$staff_list" | grep -c 'type="checkbox" name="id"' || true)
	echo "  the list shows $boxes checkboxes a page"
	bench desk_list "desk list, by time" "$staff_list" BENCH_COOKIE="$staff_cookie"
	bench desk_name "desk list, by name, page 100" "$staff_list?sort=name&page=100" BENCH_COOKIE="$staff_cookie"
	bench desk_status "desk list, received only" "$staff_list?status=submitted" BENCH_COOKIE="$staff_cookie"
	bench desk_search "desk list, a search" "$staff_list?q=Person4242" BENCH_COOKIE="$staff_cookie"
	# Without queueing behind 32 connections on a small machine: one staff
	# member, and one connection per portal thread.
	saved="$conns $wthreads"
	conns=1 wthreads=1
	bench desk_one "desk list, one staff member" "$staff_list" BENCH_COOKIE="$staff_cookie"
	conns=$pthreads
	bench desk_four "desk list, $pthreads connections" "$staff_list" BENCH_COOKIE="$staff_cookie"
	bench desk_name4 "desk list by name, page 100, $pthreads conn." "$staff_list?sort=name&page=100" BENCH_COOKIE="$staff_cookie"
	set -- $saved
	conns=$1 wthreads=$2
	# A bulk accept of the first 200 received, as the form posts it.
	token=$(curl -sf -b "$staff_cookie" "$staff_list" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
	sq "SELECT 'id=' || id FROM applications WHERE cohort_id = $class AND status = 'submitted'
		ORDER BY id LIMIT 200" | tr '\n' '&' >"$t/bulk.body"
	printf 'status=accepted&note=Bench&csrf=%s' "$token" >>"$t/bulk.body"
	mails=$(sq "SELECT count(*) FROM outbox")
	out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -b "$staff_cookie" \
		-H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$t/bulk.body" "$staff_list/decide")
	moved=$(sq "SELECT count(*) FROM applications WHERE cohort_id = $class AND status = 'accepted'")
	audits=$(sq "SELECT count(*) FROM audit WHERE to_status = 'accepted' AND note = 'Bench'")
	mails=$(( $(sq "SELECT count(*) FROM outbox") - mails ))
	echo "$out" | awk -v m="$moved" -v a="$audits" -v e="$mails" '{ printf "  %-44s %9.0f ms  (HTTP %s; %d accepted, %d audit rows, %d e-mails)\n", "desk bulk accept of 200, one request", $2 * 1000, $1, m, a, e }'
	echo "desk_bulk|bulk accept of 200|BENCH 0 $(echo "$out" | awk '{ printf "%.2f %.2f 0 0", $2 * 1000, $2 * 1000 }')" >>"$results"
}
# desk_table: the desk's figures against their targets.
desk_table() {
	awk -F '|' '
	{ split($3, f, " "); rps[$1] = f[2]; p99[$1] = f[4]; label[$1] = $2 }
	END {
		if (!("desk_list" in rps)) exit
		printf "\n%-40s %9s %9s %s\n", "the coordinator'"'"'s desk (10,000)", "req/s", "p99 ms", "target"
		n = split("desk_list desk_name desk_status desk_search desk_one desk_four desk_name4", k, " ")
		for (i = 1; i <= n; i++)
			printf "%-40s %9.0f %9.2f %s\n", label[k[i]], rps[k[i]], p99[k[i]], "p99 < 10 ms"
		printf "%-40s %9s %9.0f %s\n", label["desk_bulk"], "-", p99["desk_bulk"], "< 1000 ms"
	}' "$results"
}
apply_env="BENCH_POST=apply BENCH_CLASS=$class BENCH_CSRF=$apply_csrf BENCH_COOKIE=$apply_cookie"

echo "bench: ${secs} s per run, wrk $wthreads threads, $conns connections; portal and bare responders with $pthreads threads"
# GET / while 16 clients sign in without pause (Argon2id, 64 MiB and tens of ms a hash):
# the hashing gate keeps a worker for the other pages (src/auth.c), so GET / must stay
# fast; refused sign-ins (503, Retry-After) are counted as HTTP errors of the sign-in run.
signin_load() {
	for k in $(seq 1 16); do
		printf '%s\n' "$password" | ./portal --db "$db" --key-file "$t/portal.key" user add \
			--role staff --email "bench$k@example.org" --name "Bench $k" >/dev/null 2>&1 || true
	done
	ljar=$t/login.jar
	login_csrf=$(curl -sf -c "$ljar" -b "$ljar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
	login_cookie=$(cookies "$ljar")
	bench home_quiet "GET / alone (8 connections)" "$base/" 2>/dev/null
	BENCH_POST=login BENCH_CSRF=$login_csrf BENCH_COOKIE=$login_cookie BENCH_PASSWORD=$password \
		wrk -t16 -c16 -d"$((secs + 2))s" --timeout 10s -s tests/bench/bench.lua "$base/login" \
		>"$t/signin.out" 2>&1 &
	wpid=$!
	sleep 1
	bench home_signin "GET / while 16 clients sign in" "$base/"
	wait "$wpid" || true
	grep '^BENCH' "$t/signin.out" | awk '{ printf "  %-44s %9.1f req/s  p50 %7.2f ms  p99 %8.2f ms  (%d refused with 503 or 429)\n", "the 16 sign-in clients", $2, $3, $4, $5 }'
}

# BENCH_ONLY=signin: only GET / under continuous sign-ins.
if [ "${BENCH_ONLY:-}" = signin ]; then
	conns=8
	signin_load
	exit 0
fi
# BENCH_ONLY=apply: only the durable POST at 10,000 stored, against the bare insert.
if [ "${BENCH_ONLY:-}" = apply ]; then
	fill 10000
	echo "bench: $(stored) stored applications"
	# shellcheck disable=SC2086
	bench apply10k "portal POST /pip/apply (durable)" "$base/pip/apply" $apply_env
	bench bare_insert "bare insert per POST (WAL, sync=FULL)" "$base/bare/insert" BENCH_POST=bare
	exit 0
fi
if [ "${BENCH_ONLY:-}" = desk ]; then
	fill 10000
	desk_bench
	desk_table
	exit 0
fi
echo "bench: 100 stored applications"
fill 100
# shellcheck disable=SC2086
bench list100 "staff list, 100 stored" "$staff_list" BENCH_COOKIE="$staff_cookie"
bench home100 "GET /, 100 stored" "$base/"
n100=$(stored)
# shellcheck disable=SC2086
bench apply100 "POST /pip/apply, 100 stored" "$base/pip/apply" $apply_env

fill 10000
rss_before=$(rss)
echo "bench: $(stored) stored applications"
bench static "nginx static copy of /pip/apply" "$base/static/apply.html"
bench bare "bare libfcgi page from memory" "$base/bare/page"
bench get_apply "portal GET /pip/apply" "$base/pip/apply"
bench get_apply_ja "portal GET /pip/apply in Japanese" "$base/pip/apply?lang=ja"
bench get_home "portal GET /" "$base/"
bench list10k "portal staff list, 10,000 stored" "$staff_list" BENCH_COOKIE="$staff_cookie"
n10k=$(stored)
# shellcheck disable=SC2086
bench apply10k "portal POST /pip/apply (durable)" "$base/pip/apply" $apply_env
bench bare_insert "bare insert per POST (WAL, sync=FULL)" "$base/bare/insert" BENCH_POST=bare
rss_after=$(rss)
applied=$(sq "SELECT count(*) FROM applications WHERE ref NOT LIKE 'B-%'")
desk_bench

fill 100000
echo "bench: $(stored) stored applications"
n100k=$(stored)
bench list100k "staff list, 100,000 stored" "$staff_list" BENCH_COOKIE="$staff_cookie"
bench home100k "GET /, 100,000 stored" "$base/"
# shellcheck disable=SC2086
bench apply100k "POST /pip/apply, 100,000 stored" "$base/pip/apply" $apply_env

echo "bench: sign-ins under way"
conns_all=$conns
conns=8
signin_load
conns=$conns_all

echo "bench: nginx fastcgi_keep_conn on, upstream keepalive $pthreads"
bench keep_bare "bare page, kept connections" "$base2/bare/page"
bench keep_apply "portal GET /pip/apply, kept connections" "$base2/pip/apply"
rss_end=$(rss)

# ---- the table ----
echo
awk -F '|' -v b="$rss_before" -v a="$rss_after" -v e="$rss_end" -v applied="$applied" \
	-v n100="$n100" -v n10k="$n10k" -v n100k="$n100k" '
function fig(k) { split(row[k], f, " "); return f[2] + 0 }
function p50(k) { split(row[k], f, " "); return f[3] }
function p99(k) { split(row[k], f, " "); return f[4] }
function errs(k) { split(row[k], f, " "); return f[5] + f[6] }
function ratio(x, y) { return y > 0 ? sprintf("%.3f", x / y) : "-" }
function line(k, vs_bare) {
	printf "%-40s %9.0f %8.2f %9.2f %6d %9s %9s\n", label[k], fig(k), p50(k), p99(k), errs(k),
		ratio(fig(k), fig("static")), vs_bare == "" ? "-" : ratio(fig(k), fig(vs_bare))
}
{ row[$1] = $3; label[$1] = $2 }
END {
	printf "%-40s %9s %8s %9s %6s %9s %9s\n", "run", "req/s", "p50 ms", "p99 ms", "errors", "/static", "/bare"
	line("static", ""); line("bare", "")
	line("get_apply", "bare"); line("get_apply_ja", "bare"); line("get_home", "bare"); line("list10k", "bare")
	line("apply10k", "bare_insert"); line("bare_insert", "")
	line("keep_bare", "bare"); line("keep_apply", "bare")
	printf "\nportal resident memory (VmRSS): %.1f MB before, %.1f MB after the runs above, %.1f MB at the end\n", b / 1024, a / 1024, e / 1024
	printf "applications stored by the POST runs: %d (every 303 is one durable row)\n", applied
	printf "\n%-26s %14s %14s %14s\n", "stored applications", n100, n10k, n100k
	printf "%-26s %14.0f %14.0f %14.0f\n", "staff list req/s", fig("list100"), fig("list10k"), fig("list100k")
	printf "%-26s %14s %14s %14s\n", "staff list p99 ms", p99("list100"), p99("list10k"), p99("list100k")
	printf "%-26s %14.0f %14.0f %14.0f\n", "GET / req/s", fig("home100"), fig("get_home"), fig("home100k")
	printf "%-26s %14s %14s %14s\n", "GET / p99 ms", p99("home100"), p99("get_home"), p99("home100k")
	printf "%-26s %14.0f %14.0f %14.0f\n", "POST /pip/apply req/s", fig("apply100"), fig("apply10k"), fig("apply100k")
	printf "%-26s %14s %14s %14s\n", "POST /pip/apply p99 ms", p99("apply100"), p99("apply10k"), p99("apply100k")
	printf "\nGET /pip/apply in Japanese: %s times the requests per second of the English page\n", ratio(fig("get_apply_ja"), fig("get_apply"))
	printf "\nGET / p99 ms, 8 connections: %s alone, %s while 16 clients sign in continuously\n", p99("home_quiet"), p99("home_signin")
	printf "\nfastcgi_keep_conn: bare page %s, portal GET /pip/apply %s of the same without kept connections\n", ratio(fig("keep_bare"), fig("bare")), ratio(fig("keep_apply"), fig("get_apply"))
}' "$results"
desk_table
grep -c 'upstream timed out\|prematurely closed\|reset by peer' "$t/nginx-error.log" |
	awk '$1 > 0 { printf "nginx logged %d upstream errors (timeouts, resets) during the runs\n", $1 }'
exit 0
