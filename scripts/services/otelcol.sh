#!/usr/bin/env bash
# Builds the OpenTelemetry Collector the oteltracing integration tests run
# (receivers: otlp; exporters: otlphttp, debug) with the collector builder,
# from tools/otelcol/manifest.yaml, into $TOOLS/bin/otelcol-lambdaobs.
# Idempotent: nothing is rebuilt while the binary exists and the manifest
# (with the builder version) is unchanged. About a minute cold.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${TOOLS:-$ROOT/.tools}
BUILDER_VERSION=v0.165.0
MANIFEST=$ROOT/tools/otelcol/manifest.yaml
BIN=$TOOLS/bin/otelcol-lambdaobs
STAMP=$TOOLS/otelcol-lambdaobs.sha256

mkdir -p "$TOOLS/bin"
want=$( (echo "$BUILDER_VERSION"; cat "$MANIFEST") | sha256sum | cut -d' ' -f1)
if [[ -x $BIN && -f $STAMP && $(cat "$STAMP") == "$want" ]]; then
	echo "otelcol-lambdaobs is up to date"
	exit 0
fi

start=$(date +%s)
if [[ ! -x $TOOLS/bin/builder ]] || ! "$TOOLS/bin/builder" version 2>/dev/null | grep -q "${BUILDER_VERSION#v}"; then
	GOBIN=$TOOLS/bin go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
fi
# The builder takes its output folder from the manifest only. The generated
# sources stay out of the repository (gofmt -l . would walk into them).
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT
sed "s|^dist:|dist:\n  output_path: $BUILD/src|" "$MANIFEST" >"$BUILD/manifest.yaml"
rm -f "$STAMP"
(cd "$BUILD" && CGO_ENABLED=0 "$TOOLS/bin/builder" --config "$BUILD/manifest.yaml" --ldflags='-s -w')
install -m 0755 "$BUILD/src/otelcol-lambdaobs" "$BIN"
echo "$want" >"$STAMP"
echo "built $BIN in $(($(date +%s) - start)) s"
