// Command fn is the function TestWidgetsUseOnlyEmittedNames runs under the
// Runtime Interface Emulator, to see what lambdaobs writes only in Lambda:
// the export of spans after responses (to the OTLP endpoint of
// OTEL_EXPORTER_OTLP_ENDPOINT) and Lambda's reports from the Telemetry API.
// Its name, service and namespace come from the environment, as a deployed
// function's do.
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

func handle(ctx context.Context, _ json.RawMessage) (string, error) {
	_, span := tracing.Start(ctx, "work")
	span.End()
	return "ok", nil
}

func main() {
	exp, err := otlp.New()
	if err != nil {
		log.Fatalf("fn: %v", err)
	}
	lambdawrap.Start(handle, lambdawrap.WithTracer(oteltracing.New(exp)))
}
