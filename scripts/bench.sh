#!/usr/bin/env bash
# Runs the benchmarks of bench/ (lambdaobs beside its peers, one run) and
# prints benchstat medians; the raw results go to bench/RESULTS.raw.txt.
set -euo pipefail
cd "$(dirname "$0")/../bench"
count=${BENCHCOUNT:-6}
raw=RESULTS.raw.txt
go test -run '^$' -bench "${BENCH:-.}" -benchmem -count "$count" -timeout 30m . | tee "$raw"
echo
../.tools/bin/benchstat -col /lib "$raw" 2>/dev/null || ../.tools/bin/benchstat "$raw"
