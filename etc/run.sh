#!/bin/sh
# run.sh: `make run`: the portal (restarted if it dies) and nginx in the
# foreground on 127.0.0.1:$PORT; Ctrl-C or SIGTERM stops both.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rundir=$root/var/run
socket=$rundir/portal.sock
mkdir -p "$rundir" "$rundir/mail"
sendmail=${SENDMAIL:-}
if [ -z "$sendmail" ]; then
	sendmail="$root/tests/sendmail-to-dir.sh $root/var/mail"
	echo "E-mail is not sent: each message is written to var/mail/ (set SENDMAIL=CMD to send)."
fi

stopping=0
portal_pid= nginx_pid=
stop() {
	stopping=1
	[ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null
	[ -n "$portal_pid" ] && kill -TERM "$portal_pid" 2>/dev/null
}
trap stop INT TERM

# The supervisor: libfcgi can be made to abort by a crafted record, so a
# portal that dies is started again.
(
	trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' INT TERM
	while :; do
		./portal --db "$DB" --key-file "$KEY" serve --socket "$socket" --threads "$THREADS" \
			--sendmail "$sendmail" &
		child=$!
		wait $child
		echo "portal exited ($?); starting it again in 1 second" >&2
		sleep 1
	done
) &
portal_pid=$!
i=0
while [ ! -S "$socket" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sh etc/local-up.sh "$rundir" "$PORT" "$socket" &
nginx_pid=$!
sleep 0.3
echo "The portal is at http://127.0.0.1:$PORT/ (Ctrl-C stops it)"
while [ $stopping = 0 ] && kill -0 "$nginx_pid" 2>/dev/null; do
	wait
done
stop
wait 2>/dev/null
echo "stopped"
