//go:build !race

package oteltracing_test

import (
	"context"
	"log/slog"
	"testing"

	iredact "github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

// TestSpanAllocs pins the cost of a span through the facade: the SDK's
// three allocations (span, context, snapshot at End) and two of ours (the
// facade's span and its context).
func TestSpanAllocs(t *testing.T) {
	tr := oteltracing.New(&countingExporter{}, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("s"))
	shutdown(t, tr)
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{FunctionName: "f", TraceHeader: testHeader})
	defer inv.End()
	n := testing.AllocsPerRun(1000, func() {
		_, s := tracing.Start(ctx, "work")
		s.End()
	})
	if n > 5 {
		t.Errorf("tracing.Start + End: %v allocations, want <= 5", n)
	}
	disabled := oteltracing.New(nil, oteltracing.WithDisabled())
	dctx := tracing.ContextWithTracer(context.Background(), disabled)
	if n := testing.AllocsPerRun(1000, func() {
		_, s := tracing.Start(dctx, "work")
		s.End()
	}); n != 0 {
		t.Errorf("disabled tracer: %v allocations, want 0", n)
	}
}

// TestSpanAttributesAllocs pins the cost of a handler's common span:
// started with two attributes, given two more, ended, in an invocation
// whose redaction scope is in the context. Redacting attributes that hold
// no secret allocates nothing: the count is the one of the span without
// redaction.
func TestSpanAttributesAllocs(t *testing.T) {
	tr := oteltracing.New(&countingExporter{}, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("s"))
	shutdown(t, tr)
	ctx := iredact.NewContext(tracing.ContextWithTracer(context.Background(), tr), iredact.NewScope(nil))
	ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{FunctionName: "f", TraceHeader: testHeader})
	defer inv.End()
	n := testing.AllocsPerRun(1000, func() {
		_, s := tracing.Start(ctx, "charge-card", tracing.WithAttributes(slog.String("order.id", "o-12345"), slog.Int("items", 3)))
		s.SetAttributes(slog.String("card.brand", "visa"), slog.Bool("retry", false))
		s.SetStatus(tracing.Error, "card declined by the issuing bank")
		s.End()
	})
	if n > 10 {
		t.Errorf("span with attributes: %v allocations, want <= 10", n)
	}
	// Attributes at the start cost the caller's slice and the span's
	// storage: the default sampler reads none, so the span gets them once
	// started, with no start option holding them (TestSamplerAttributes).
	for _, tt := range []struct {
		name string
		max  float64
		run  func()
	}{
		{name: "no attributes", max: 5, run: func() {
			_, s := tracing.Start(ctx, "x")
			s.End()
		}},
		{name: "attributes at the start", max: 8, run: func() {
			_, s := tracing.Start(ctx, "x", tracing.WithAttributes(slog.String("order.id", "o-12345"), slog.Int("items", 3)))
			s.End()
		}},
		{name: "attributes set", max: 7, run: func() {
			_, s := tracing.Start(ctx, "x")
			s.SetAttributes(slog.String("order.id", "o-12345"), slog.Int("items", 3))
			s.End()
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(1000, tt.run); n > tt.max {
				t.Errorf("%v allocations, want <= %v", n, tt.max)
			}
		})
	}
}
