// Command otel is the core function traced with lambdaobs' OpenTelemetry
// backend, exporting over OTLP/HTTP.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

func handle(ctx context.Context, in map[string]any) (map[string]any, error) {
	slog.InfoContext(ctx, "handled")
	metrics.FromContext(ctx).Count("Handled", 1)
	return in, nil
}

func main() {
	exp, err := otlp.New()
	if err != nil {
		panic(err)
	}
	h := lambdawrap.Wrap(handle, lambdawrap.WithService("bench"), lambdawrap.WithTracer(oteltracing.New(exp)))
	if os.Getenv("BENCH_EXIT_AFTER_INIT") == "1" {
		os.Exit(0)
	}
	lambda.Start(h)
}
