#!/bin/sh
# local-up.sh: writes the loopback nginx configuration into RUNDIR and starts
# nginx in the foreground.  Used by `make run`, the tests and the benchmarks.
# usage: local-up.sh RUNDIR PORT SOCKET
set -eu
rundir=$1 port=$2 socket=$3
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$rundir"
user=
# Started as root, nginx's workers would run as nobody, who cannot reach the
# socket (mode 0660): keep them as this user instead.
if [ "$(id -u)" = 0 ]; then user="user $(id -un) $(id -gn);"; fi
sed -e "s|@USER@|$user|" -e "s|@RUNDIR@|$rundir|g" -e "s|@PORT@|$port|g" \
    -e "s|@ROOT@|$root|g" -e "s|@SOCKET@|$socket|g" \
    "$root/etc/nginx-local.conf.in" >"$rundir/nginx.conf"
exec nginx -p "$rundir" -c "$rundir/nginx.conf" -e stderr
