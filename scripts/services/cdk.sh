#!/usr/bin/env bash
# Installs aws-cdk-lib (AWS's own CloudWatch dashboard and alarm constructs)
# and constructs, pinned by dashboard/testdata/cdk/package-lock.json, into
# $TOOLS/cdk: the dashboard tests synthesize the same dashboard and alarms
# with them and compare. Only those two packages, without dev dependencies.
# Does nothing when the installed lock matches.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${TOOLS:-$root/.tools}
src=$root/dashboard/testdata/cdk
dest=$TOOLS/cdk
want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "$want" ] && [ -f "$dest/node_modules/aws-cdk-lib/package.json" ]; then
	exit 0
fi
command -v npm >/dev/null || { echo "npm is needed (Node.js 20 or later) to install aws-cdk-lib" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
(cd "$dest" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
echo "$want" > "$dest/.installed"
echo "installed aws-cdk-lib into $dest"
