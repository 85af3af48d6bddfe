package oteltracing_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

// BenchmarkSpanAttributes is the common span of a handler: started with
// attributes, given a few more, ended; none of them secret.
func BenchmarkSpanAttributes(b *testing.B) {
	tr := oteltracing.New(&countingExporter{}, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("s"))
	b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{FunctionName: "f", TraceHeader: testHeader})
	defer inv.End()
	b.ReportAllocs()
	for b.Loop() {
		_, s := tracing.Start(ctx, "charge-card", tracing.WithAttributes(slog.String("order.id", "o-12345"), slog.Int("items", 3)))
		s.SetAttributes(slog.String("card.brand", "visa"), slog.Bool("retry", false))
		s.End()
	}
}

// BenchmarkSpanError is a failed span: an error recorded and the status
// set with its message.
func BenchmarkSpanError(b *testing.B) {
	tr := oteltracing.New(&countingExporter{}, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("s"))
	b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{FunctionName: "f", TraceHeader: testHeader})
	defer inv.End()
	declined := errors.New("charge: card declined by the issuing bank")
	b.ReportAllocs()
	for b.Loop() {
		_, s := tracing.Start(ctx, "charge-card")
		s.RecordError(declined)
		s.SetStatus(tracing.Error, declined.Error())
		s.End()
	}
}
