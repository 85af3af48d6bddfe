package oteltracing_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/xrayotlp"
)

// An invocation traced by oteltracing: the invocation span is a child of
// the span in Lambda's trace header, in its trace, and the span the handler
// starts is a child of the invocation span. (An in-memory exporter stands
// in for otlp or xrayotlp.)
func Example() {
	exp := tracetest.NewInMemoryExporter()
	tracer := oteltracing.New(exp, oteltracing.WithService("orders"))
	defer tracer.Shutdown(context.Background())

	handle := func(ctx context.Context, orderID string) (string, error) {
		_, span := tracing.Start(ctx, "charge-card", tracing.WithAttributes(slog.String("order.id", orderID)))
		defer span.End()
		return "charged", nil
	}
	h := lambdawrap.Wrap(handle,
		lambdawrap.WithTracer(tracer),
		lambdawrap.WithFunctionName("orders-fn"),
		lambdawrap.WithWriter(io.Discard), lambdawrap.WithoutDefaultLogger())

	// What Lambda puts in the context of an invocation.
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID:       "req-1",
		InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders-fn",
	})
	ctx = tracing.ContextWithHeader(ctx, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	if _, err := h(ctx, "o-1"); err != nil {
		panic(err)
	}

	// The wrapper flushed the tracer before returning.
	spans := exp.GetSpans()
	names := map[string]string{"53995c3f42cd8ad8": "Lambda's span"}
	for _, s := range spans {
		names[s.SpanContext.SpanID().String()] = s.Name
	}
	for _, s := range spans {
		fmt.Printf("%s (%s) in trace %s, child of %s\n", s.Name, s.SpanKind, s.SpanContext.TraceID(), names[s.Parent.SpanID().String()])
	}
	service, _ := spans[0].Resource.Set().Value("service.name")
	fmt.Println("service.name:", service.AsString())
	// Output:
	// charge-card (internal) in trace 5759e988bd862e3fe1be46a994272793, child of orders-fn
	// orders-fn (server) in trace 5759e988bd862e3fe1be46a994272793, child of Lambda's span
	// service.name: orders
}

// A function exporting to the OpenTelemetry or ADOT collector layer
// (OTLP/HTTP on 127.0.0.1:4318, or OTEL_EXPORTER_OTLP_ENDPOINT).
func ExampleNew_collector() {
	exp, err := otlp.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tracer := oteltracing.New(exp)
	_ = tracer // lambdawrap.Start(handle, lambdawrap.WithTracer(tracer))
}

// A function exporting straight to X-Ray, with no collector layer: requests
// are signed with the function's credentials, for AWS_REGION.
func ExampleNew_xray() {
	exp, err := xrayotlp.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tracer := oteltracing.New(exp)
	_ = tracer // lambdawrap.Start(handle, lambdawrap.WithTracer(tracer))
}

// Span.Header gives the X-Ray header of a span, to propagate it: here as
// the AWSTraceHeader of an SQS message the handler sends.
func ExampleTracer_Start_propagate() {
	tracer := oteltracing.New(nil, oteltracing.WithService("orders"))
	// lambdawrap does this for each invocation.
	ctx := tracing.ContextWithTracer(context.Background(), tracer)
	ctx, inv := tracer.StartInvocation(ctx, tracing.Invocation{FunctionName: "orders-fn",
		TraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"})
	defer inv.End()

	_, span := tracing.Start(ctx, "SQS.SendMessage", tracing.WithKind(tracing.KindProducer))
	defer span.End()
	h := span.Header() // MessageSystemAttributes["AWSTraceHeader"] = h.String()
	fmt.Println(h.Root, h.Sampled == tracing.SampledYes, len(h.Parent))
	// Output: 1-5759e988-bd862e3fe1be46a994272793 true 16
}
