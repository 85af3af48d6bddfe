#!/usr/bin/env bash
# Runs every fuzz target of every module for $FUZZTIME (default 10s) each.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fuzztime=${FUZZTIME:-10s}
export GOWORK=off
n=0
for mod in . dashboard/view cmd examples; do
	cd "$root/$mod"
	for pkg in $(go list ./...); do
		for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
			echo "fuzz $pkg $target ($fuzztime)"
			go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s "$pkg" >/tmp/fuzz.$$.log 2>&1 || {
				cat /tmp/fuzz.$$.log
				echo "fuzz target $target in $pkg failed; the failing input is in testdata/fuzz/$target"
				exit 1
			}
			n=$((n + 1))
		done
	done
done
rm -f /tmp/fuzz.$$.log
echo "fuzz: $n targets passed"
