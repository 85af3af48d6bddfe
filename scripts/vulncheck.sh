#!/usr/bin/env bash
# govulncheck with a vulnerability database built offline from the pinned
# golang.org/x/vulndb module (the public database host is not reachable):
# fails when a vulnerability in a required module or in the standard library
# of the Go release (GOTOOLCHAIN, set by the Makefile) is reachable from the
# library's code.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${TOOLS:-$root/.tools}
vulndb=golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018
db=$TOOLS/vulndb/${vulndb##*@}
if [ ! -f "$db/index/db.json" ] && [ ! -f "$db/index/db.json.gz" ]; then
	src=$(cd "$root/tools" && go mod download -json "$vulndb" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
	(cd "$src" && GOFLAGS=-mod=mod go build -o "$TOOLS/bin/vulndb-indexdb" ./cmd/indexdb)
	rm -rf "$db.tmp" && mkdir -p "$(dirname "$db")"
	"$TOOLS/bin/vulndb-indexdb" -vulns "$src/data/osv" -out "$db.tmp"
	mv "$db.tmp" "$db"
fi
cd "$root"
# The library's module: what users link. Its test helpers are not; the
# examples, the CLI, the view and bench are modules of their own.
pkgs=$(GOWORK=off go list ./... | grep -v -e /internal/testenv -e /internal/soak -e /internal/examplestest)
"$TOOLS/bin/govulncheck" -db "file://$db" -format json $pkgs | (cd tools && go run ./vulnfilter)
