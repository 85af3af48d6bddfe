// Command otellambda is the same function instrumented the way the
// OpenTelemetry Lambda docs show: otellambda with an OTLP/HTTP exporter.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func handle(_ context.Context, in map[string]any) (map[string]any, error) { return in, nil }

func main() {
	exp, err := otlptracehttp.New(context.Background())
	if err != nil {
		panic(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	h := otellambda.InstrumentHandler(handle, otellambda.WithTracerProvider(tp), otellambda.WithFlusher(tp))
	if os.Getenv("BENCH_EXIT_AFTER_INIT") == "1" {
		os.Exit(0)
	}
	lambda.Start(h)
}
