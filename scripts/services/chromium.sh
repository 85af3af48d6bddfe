#!/usr/bin/env bash
# Installs Debian's chromium, which the dashboard view tests drive headless
# (cmd/lambdaobs renders its HTML in it and takes a screenshot). Idempotent:
# nothing happens while /usr/bin/chromium exists. Needs root (or sudo) and
# no interaction; the package lists are refreshed once, only when apt cannot
# find the package. About 10 s on a fresh machine.
set -euo pipefail
BIN=/usr/bin/chromium
if [[ -x $BIN ]]; then
	echo "chromium is installed: $("$BIN" --version 2>/dev/null || echo "$BIN")"
	exit 0
fi
SUDO=
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || { echo "chromium.sh: not root and no sudo: install chromium by hand" >&2; exit 1; }
	SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
apt_install() {
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
}
start=$(date +%s)
if ! apt-cache show chromium >/dev/null 2>&1 || ! apt_install; then
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
	apt_install
fi
test -x "$BIN"
echo "installed $("$BIN" --version 2>/dev/null) in $(($(date +%s) - start)) s"
