package oteltracing

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

// Propagator is an OpenTelemetry TextMapPropagator for the X-Ray trace
// header (tracing.HeaderName, X-Amzn-Trace-Id), the header AWS services
// and X-Ray instrumented callers read. Give it to OpenTelemetry
// instrumentation that makes requests (otelhttp.WithPropagators, or
// otel.SetTextMapPropagator beside the W3C one) so the services a function
// calls continue its trace. It parses and writes the header with package
// tracing, so Lambda's fields other than Root, Parent and Sampled (its
// Lineage) in the invocation's header travel on.
type Propagator struct{}

var _ propagation.TextMapPropagator = Propagator{}

// Inject writes the header of the span in ctx into carrier, when that span
// is valid.
func (Propagator) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return
	}
	h := tracing.Header{Root: xrayid.FormatTraceID(sc.TraceID()), Parent: sc.SpanID().String(), Sampled: tracing.SampledNo}
	if sc.IsSampled() {
		h.Sampled = tracing.SampledYes
	}
	if in, ok := tracing.HeaderFromContext(ctx); ok {
		if got, err := tracing.ParseHeader(in); err == nil && got.Root == h.Root {
			h.Other = got.Other
		}
	}
	carrier.Set(tracing.HeaderName, h.String())
}

// Extract returns ctx with the remote span the carrier's header names, or
// ctx as it is when there is none or it is malformed.
func (Propagator) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	v := carrier.Get(tracing.HeaderName)
	if v == "" {
		return ctx
	}
	h, err := tracing.ParseHeader(v)
	if err != nil {
		return ctx
	}
	sc, _, ok := spanContext(h)
	if !ok {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}

// Fields returns the header Inject sets.
func (Propagator) Fields() []string { return []string{tracing.HeaderName} }
