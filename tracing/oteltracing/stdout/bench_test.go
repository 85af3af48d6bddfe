package stdout_test

import (
	"context"
	"io"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/stdout"
)

// BenchmarkExportSpans writes ten spans with a few attributes.
func BenchmarkExportSpans(b *testing.B) {
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	start := time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)
	stub := tracetest.SpanStub{
		Name:        "charge-card",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled}),
		StartTime:   start, EndTime: start.Add(time.Millisecond),
		Attributes: []attribute.KeyValue{attribute.String("order.id", "o-12345"), attribute.Int("items", 3), attribute.String("card.brand", "visa")},
		Status:     sdktrace.Status{Code: codes.Error, Description: "card declined"},
		Resource:   resource.NewSchemaless(attribute.String("service.name", "orders")),
	}
	spans := make([]sdktrace.ReadOnlySpan, 10)
	for i := range spans {
		spans[i] = stub.Snapshot()
	}
	exp := stdout.New(stdout.WithWriter(io.Discard))
	b.ReportAllocs()
	for b.Loop() {
		if err := exp.ExportSpans(context.Background(), spans); err != nil {
			b.Fatal(err)
		}
	}
}
