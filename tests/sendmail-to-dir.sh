#!/bin/sh
# sendmail-to-dir.sh DIR: a stand-in for sendmail that stores each message it is
# given on standard input as a file in DIR (used by `make run` and the tests).
set -eu
dir=$1
mkdir -p "$dir"
tmp=$(mktemp "$dir/.msg.XXXXXX")
cat >"$tmp"
mv "$tmp" "$dir/$(date +%Y%m%dT%H%M%S)-$$-$(basename "$tmp" | cut -d. -f3).eml"
