// Command xray is the core function traced with lambdaobs' X-Ray backend.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

func handle(ctx context.Context, in map[string]any) (map[string]any, error) {
	slog.InfoContext(ctx, "handled")
	metrics.FromContext(ctx).Count("Handled", 1)
	return in, nil
}

func main() {
	h := lambdawrap.Wrap(handle, lambdawrap.WithService("bench"), lambdawrap.WithTracer(xraytracing.New()))
	if os.Getenv("BENCH_EXIT_AFTER_INIT") == "1" {
		os.Exit(0)
	}
	lambda.Start(h)
}
