#!/usr/bin/env bash
# make bench: every benchmark of bench/ in one run, the cold-start binaries
# and the end-to-end latencies under the emulator; writes bench/RESULTS.md
# and prints it.
set -euo pipefail
cd "$(dirname "$0")/../bench"
export BENCHCOUNT=${BENCHCOUNT:-6}
raw=RESULTS.raw.txt
# Each comparison runs in a process of its own, so what one leaves behind
# (heap, pools, GC pacing) does not weigh on the next; its rows run side by
# side in that process.
: > "$raw"
for b in $(go test -list '^Benchmark' . | grep '^Benchmark' | grep -E "${BENCH:-.}"); do
	go test -run '^$' -bench "^${b}\$" -benchmem -count "$BENCHCOUNT" -timeout 30m . | tee -a "$raw"
done
../.tools/bin/benchstat "$raw" > RESULTS.benchstat.txt
variants="bare core"
for v in xray otel otellambda xraysdk; do [ -d "coldstart/$v" ] && variants="$variants $v"; done
go run ./cmd/coldstart -runs "${COLDSTART_RUNS:-40}" -o coldstart.json $variants
go run ./cmd/e2e -n "${E2E_N:-1000}" -rie ../.tools/bin/aws-lambda-rie -o e2e.json
go run ./cmd/report -raw "$raw" -coldstart coldstart.json -e2e e2e.json -benchstat RESULTS.benchstat.txt > RESULTS.md
rm -f coldstart.json e2e.json
cat RESULTS.md
