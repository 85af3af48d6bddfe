package oteltracing_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

type order struct{ ID string }

// TestCollector sends an invocation's spans through a real OpenTelemetry
// Collector (OTLP/HTTP in, OTLP/JSON out to a capture server) and checks
// what arrives: the trace and parent taken from Lambda's X-Ray header, the
// FaaS and cloud attributes, the Error status of a returned error, and the
// user span as a child of the invocation span.
func TestCollector(t *testing.T) {
	col := testenv.StartCollector(t)
	exp, err := otlp.New(otlpEnv(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.Endpoint}))
	if err != nil {
		t.Fatal(err)
	}
	if exp.EndpointURL() != col.TracesURL {
		t.Fatalf("endpoint %q, want %q", exp.EndpointURL(), col.TracesURL)
	}
	tracer := oteltracing.New(exp, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithTrigger("pubsub"))
	shutdown(t, tracer)

	declined := errors.New("card declined")
	h := wrap(tracer, func(ctx context.Context, o order) (string, error) {
		_, span := tracing.Start(ctx, "charge-card", tracing.WithKind(tracing.KindClient),
			tracing.WithAttributes(slog.String("order.id", o.ID), slog.Int("items", 3)))
		span.RecordError(declined)
		span.End()
		return "", declined
	})
	ctx, cancel := invocation("req-1", testHeader, 3*time.Second)
	defer cancel()
	if _, err := h(ctx, order{ID: "o-1"}); !errors.Is(err, declined) {
		t.Fatalf("handler error = %v", err)
	}
	// The wrapper flushed before returning, and the collector exports
	// synchronously: the spans are there already.
	spans := col.Spans()
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2: %+v", len(spans), spans)
	}
	var inv, child testenv.Span
	for _, s := range spans {
		switch s.Name {
		case "orders-fn":
			inv = s
		case "charge-card":
			child = s
		}
	}
	if inv.Name == "" || child.Name == "" {
		t.Fatalf("spans: %+v", spans)
	}

	if inv.TraceID != testTrace || inv.ParentSpanID != testParent {
		t.Errorf("invocation span trace %s parent %s, want %s %s (from the X-Ray header)", inv.TraceID, inv.ParentSpanID, testTrace, testParent)
	}
	if inv.Kind != 2 {
		t.Errorf("invocation span kind %d, want 2 (server)", inv.Kind)
	}
	if inv.StatusCode != 2 || inv.StatusMessage != "card declined" {
		t.Errorf("invocation status %d %q, want 2 (error) %q", inv.StatusCode, inv.StatusMessage, "card declined")
	}
	want := map[string]any{
		"faas.invocation_id":         "req-1",
		"faas.coldstart":             true,
		"faas.trigger":               "pubsub",
		"cloud.resource_id":          testARN,
		"cloud.account.id":           "123456789012",
		"aws.lambda.invoked_arn":     testARN,
		"lambdaobs.init_duration_ms": 250.0,
	}
	for k, v := range want {
		if inv.Attributes[k] != v {
			t.Errorf("invocation attribute %s = %#v, want %#v", k, inv.Attributes[k], v)
		}
	}
	wantRes := map[string]any{
		"service.name":           "orders",
		"cloud.provider":         "aws",
		"cloud.platform":         "aws_lambda",
		"cloud.region":           "eu-west-1",
		"faas.name":              "orders-fn",
		"faas.version":           "$LATEST",
		"faas.max_memory":        int64(512 << 20),
		"faas.instance":          "2026/11/26/[$LATEST]0123456789abcdef",
		"telemetry.sdk.name":     "opentelemetry",
		"telemetry.sdk.language": "go",
	}
	for k, v := range wantRes {
		if inv.Resource[k] != v {
			t.Errorf("resource %s = %#v, want %#v", k, inv.Resource[k], v)
		}
	}
	if g, _ := inv.Resource["aws.log.group.names"].([]any); len(g) != 1 || g[0] != "/aws/lambda/orders-fn" {
		t.Errorf("aws.log.group.names = %#v", inv.Resource["aws.log.group.names"])
	}
	if inv.Scope != names.OTelScope {
		t.Errorf("scope %q", inv.Scope)
	}
	if len(inv.Events) != 1 || inv.Events[0].Name != "exception" || inv.Events[0].Attributes["exception.message"] != "card declined" {
		t.Errorf("invocation events: %+v", inv.Events)
	}
	if !inv.End.After(inv.Start) {
		t.Errorf("invocation span times %v .. %v", inv.Start, inv.End)
	}

	if child.TraceID != testTrace || child.ParentSpanID != inv.SpanID {
		t.Errorf("user span trace %s parent %s, want %s %s", child.TraceID, child.ParentSpanID, testTrace, inv.SpanID)
	}
	if child.Kind != 3 || child.Attributes["order.id"] != "o-1" || child.Attributes["items"] != int64(3) {
		t.Errorf("user span: %+v", child)
	}
	if child.StatusCode != 0 {
		t.Errorf("user span status %d: RecordError must not set it", child.StatusCode)
	}
	if strings.Repeat("0", 16) == child.SpanID || len(child.SpanID) != 16 {
		t.Errorf("user span id %q", child.SpanID)
	}
	if col.Requests() != 1 {
		t.Errorf("%d export requests, want 1 (one flush per invocation)", col.Requests())
	}
}
