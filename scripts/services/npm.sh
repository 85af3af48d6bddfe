#!/usr/bin/env bash
# Installs the Node.js servers the integration tests use (dynalite for
# DynamoDB, local-aws-sqs for SQS), pinned by tools/npm/package-lock.json,
# into $TOOLS/node. Does nothing when the installed lock matches.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${TOOLS:-$root/.tools}
dest=$TOOLS/node
want=$(cat "$root/tools/npm/package.json" "$root/tools/npm/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "$want" ] && [ -f "$dest/node_modules/dynalite/cli.js" ]; then
	exit 0
fi
command -v npm >/dev/null || { echo "npm is needed (Node.js) to install dynalite and local-aws-sqs" >&2; exit 1; }
mkdir -p "$dest"
cp "$root/tools/npm/package.json" "$root/tools/npm/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
echo "$want" > "$dest/.installed"
echo "installed dynalite and local-aws-sqs into $dest"
