package stdout_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/redact"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/stdout"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The exporter writes no secret: attributes under secret keys, the
// process's secret values wherever they are, status and exception texts.
func TestExportRedacts(t *testing.T) {
	const secret = "stdout-secret-4812"
	redact.AddSecrets(secret)
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	stub := tracetest.SpanStub{
		Name:        "charge-card",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled}),
		Attributes: []attribute.KeyValue{
			attribute.String("order.id", "o-1"),
			attribute.String("db.password", "hunter22"),
			attribute.String("note", "key "+secret),
			attribute.StringSlice("args", []string{"--token=abc123456", "x"}),
			attribute.ByteSlice("raw", []byte("key "+secret)),
			{Key: "raws", Value: attribute.SliceValue(attribute.ByteSliceValue([]byte(secret)))},
		},
		Events:   []sdktrace.Event{{Name: "exception", Attributes: []attribute.KeyValue{attribute.String("exception.message", "denied: "+secret)}}},
		Links:    []sdktrace.Link{{Attributes: []attribute.KeyValue{attribute.String("api_key", "lnk-key")}}},
		Status:   sdktrace.Status{Code: codes.Error, Description: "login password=hunter22 failed"},
		Resource: resource.NewSchemaless(attribute.String("service.name", "orders")),
	}
	var buf bytes.Buffer
	exp := stdout.New(stdout.WithWriter(&buf), stdout.WithoutTimestamps(), stdout.WithResource())
	if err := exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{stub.Snapshot()}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("invalid line %s: %v", out, err)
	}
	for _, s := range []string{secret, "hunter22", "abc123456", "lnk-key"} {
		if strings.Contains(out, s) {
			t.Errorf("the line holds %q: %s", s, out)
		}
	}
	attrs, _ := line["attributes"].(map[string]any)
	// Bytes are written as base64, as encoding/json writes them.
	raw, _ := base64.StdEncoding.DecodeString(fmt.Sprint(attrs["raw"]))
	raws, _ := attrs["raws"].([]any)
	var rawInSlice []byte
	if len(raws) == 1 {
		rawInSlice, _ = base64.StdEncoding.DecodeString(fmt.Sprint(raws[0]))
	}
	if string(raw) != "key "+redact.Redacted || string(rawInSlice) != redact.Redacted {
		t.Errorf("bytes written as %q and %q", raw, rawInSlice)
	}
	if attrs["db.password"] != redact.Redacted || attrs["order.id"] != "o-1" || attrs["note"] != "key "+redact.Redacted {
		t.Errorf("attributes %v", attrs)
	}
	if line["status_message"] != "login password=[REDACTED] failed" {
		t.Errorf("status_message %v", line["status_message"])
	}
}

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("disk on fire") }

// A writer that panics makes the export fail, not the caller.
func TestWriterPanicIsAnError(t *testing.T) {
	stub := tracetest.SpanStub{Name: "x"}
	exp := stdout.New(stdout.WithWriter(panicWriter{}))
	err := exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{stub.Snapshot()})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("ExportSpans = %v", err)
	}
	var nilExp *stdout.Exporter
	if err := nilExp.ExportSpans(context.Background(), nil); err == nil {
		t.Error("a nil exporter exported")
	}
}
