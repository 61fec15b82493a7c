#!/bin/sh
# deps.sh: installs the Debian packages named as arguments when they are missing
# (as root), or prints the exact command to run.
set -eu
missing=
for p in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "These Debian packages are missing:$missing"
	echo "Install them with:"
	echo "  sudo apt-get update && sudo apt-get install -y$missing"
	exit 1
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
