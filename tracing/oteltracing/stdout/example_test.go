package stdout_test

import (
	"context"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/stdout"
)

func ExampleNew() {
	exp := stdout.New(stdout.WithWriter(os.Stdout), stdout.WithoutTimestamps())

	// The tracer hands the exporter ended spans; here, one made by hand.
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	parent, _ := trace.SpanIDFromHex("53995c3f42cd8ad8")
	span := tracetest.SpanStub{
		Name:        "charge-card",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}),
		Parent:      trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: parent}),
		SpanKind:    trace.SpanKindClient,
		StartTime:   time.Now(),
		EndTime:     time.Now(),
		Attributes:  []attribute.KeyValue{attribute.String("order.id", "o-1"), attribute.Int("items", 3)},
		Status:      sdktrace.Status{Code: codes.Error, Description: "card declined"},
		Resource:    resource.NewSchemaless(attribute.String("service.name", "orders")),
	}.Snapshot()

	_ = exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{span})
	// Output:
	// {"span":"charge-card","kind":"client","trace_id":"5759e988bd862e3fe1be46a994272793","xray_trace_id":"1-5759e988-bd862e3fe1be46a994272793","span_id":"00f067aa0ba902b7","parent_span_id":"53995c3f42cd8ad8","status":"error","status_message":"card declined","service":"orders","attributes":{"items":3,"order.id":"o-1"}}
}
