package otlpwire

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/lambdaobs/lambdaobs/internal/redact"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// captureClient is an otlptrace.Client keeping what the official transform made.
type captureClient struct{ got []*tracepb.ResourceSpans }

func (c *captureClient) Start(context.Context) error { return nil }
func (c *captureClient) Stop(context.Context) error  { return nil }
func (c *captureClient) UploadTraces(_ context.Context, rs []*tracepb.ResourceSpans) error {
	c.got = append(c.got, rs...)
	return nil
}

func reference(t *testing.T, spans []sdktrace.ReadOnlySpan) *collpb.ExportTraceServiceRequest {
	t.Helper()
	c := &captureClient{}
	exp := otlptrace.NewUnstarted(c)
	if err := exp.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	return &collpb.ExportTraceServiceRequest{ResourceSpans: c.got}
}

func decode(t *testing.T, b []byte) *collpb.ExportTraceServiceRequest {
	t.Helper()
	var req collpb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		t.Fatalf("our encoding does not decode: %v", err)
	}
	return &req
}

func stubs() []sdktrace.ReadOnlySpan {
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	sid, _ := trace.SpanIDFromHex("53995c3f42cd8ad8")
	child, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ts, _ := trace.ParseTraceState("rojo=00f067aa0ba902b7")
	res := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.43.0",
		attribute.String("service.name", "orders"), attribute.String("cloud.provider", "aws"),
		attribute.Int("faas.max_memory", 128<<20))
	other := resource.NewSchemaless(attribute.String("service.name", "other"))
	start := time.Date(2026, 11, 26, 10, 30, 0, 123456789, time.UTC)
	long := strings.Repeat("x", 300) // forces multi-byte lengths
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true})
	ss := tracetest.SpanStubs{
		{
			Name:        "orders",
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: child, TraceFlags: trace.FlagsSampled, TraceState: ts}),
			Parent:      parent,
			SpanKind:    trace.SpanKindServer,
			StartTime:   start,
			EndTime:     start.Add(1500 * time.Microsecond),
			Attributes: []attribute.KeyValue{
				attribute.String("faas.invocation_id", "req-1"),
				attribute.Bool("faas.coldstart", true),
				attribute.Bool("f", false),
				attribute.Int64("zero", 0),
				attribute.Int64("neg", -42),
				attribute.Float64("pi", math.Pi),
				attribute.Float64("fzero", 0),
				attribute.String("empty", ""),
				attribute.String("long", long),
				attribute.StringSlice("ss", []string{"a", "", "c"}),
				attribute.Int64Slice("is", []int64{1, 0, -1}),
				attribute.Float64Slice("fs", []float64{1.5}),
				attribute.BoolSlice("bs", []bool{true, false}),
				attribute.StringSlice("none", nil),
			},
			Events: []sdktrace.Event{{Name: "exception", Time: start.Add(time.Millisecond),
				Attributes: []attribute.KeyValue{attribute.String("exception.message", "boom")}, DroppedAttributeCount: 2}},
			Links:             []sdktrace.Link{{SpanContext: parent, Attributes: []attribute.KeyValue{attribute.String("k", "v")}, DroppedAttributeCount: 1}},
			Status:            sdktrace.Status{Code: codes.Error, Description: "boom"},
			DroppedAttributes: 3, DroppedEvents: 4, DroppedLinks: 5, ChildSpanCount: 1,
			Resource:             res,
			InstrumentationScope: instrumentation.Scope{Name: "github.com/lambdaobs/lambdaobs/tracing/oteltracing", Version: "0.1.0", SchemaURL: "https://opentelemetry.io/schemas/1.43.0", Attributes: attribute.NewSet(attribute.String("a", "b"))},
		},
		{
			Name:        "charge-card " + long,
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}),
			Parent:      trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: child}),
			SpanKind:    trace.SpanKindClient,
			StartTime:   start, EndTime: start.Add(time.Second),
			Status:               sdktrace.Status{Code: codes.Ok},
			Resource:             res,
			InstrumentationScope: instrumentation.Scope{Name: "github.com/lambdaobs/lambdaobs/tracing/oteltracing", Version: "0.1.0", SchemaURL: "https://opentelemetry.io/schemas/1.43.0", Attributes: attribute.NewSet(attribute.String("a", "b"))},
		},
		{Name: "other-scope", SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}), Resource: res, SpanKind: trace.SpanKindUnspecified},
		{Name: "other-resource", SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}), Resource: other, SpanKind: trace.SpanKindInternal},
	}
	return ss.Snapshots()
}

func TestMatchesOfficialTransform(t *testing.T) {
	spans := stubs()
	want := reference(t, spans)
	got := decode(t, AppendRequest(nil, spans, nil))
	// The official transform orders resources by map iteration; compare per resource.
	if len(got.ResourceSpans) != len(want.ResourceSpans) {
		t.Fatalf("got %d resource spans, want %d", len(got.ResourceSpans), len(want.ResourceSpans))
	}
	for _, g := range got.ResourceSpans {
		found := false
		for _, w := range want.ResourceSpans {
			if proto.Equal(g, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("resource spans differ from the official transform:\ngot  %v\nwant %v", g, want.ResourceSpans)
		}
	}
	if got := AppendRequest(nil, nil, nil); len(got) != 0 {
		t.Errorf("no spans: %x", got)
	}
}

func TestInvalidUTF8(t *testing.T) {
	stub := tracetest.SpanStub{Name: "bad\xffname", Attributes: []attribute.KeyValue{attribute.String("k\xfe", "v\xff"), attribute.StringSlice("s", []string{"\xc3"})}}
	var got collpb.ExportTraceServiceRequest
	if err := proto.Unmarshal(AppendRequest(nil, []sdktrace.ReadOnlySpan{stub.Snapshot()}, nil), &got); err != nil {
		t.Fatalf("a span with invalid UTF-8 does not decode: %v", err)
	}
	sp := got.ResourceSpans[0].ScopeSpans[0].Spans[0]
	if sp.Name != "bad\uFFFDname" || sp.Attributes[0].Key != "k\uFFFD" || sp.Attributes[0].Value.GetStringValue() != "v\uFFFD" {
		t.Errorf("got %v", sp)
	}
}

func TestPartialSuccess(t *testing.T) {
	resp, err := proto.Marshal(&collpb.ExportTraceServiceResponse{PartialSuccess: &collpb.ExportTracePartialSuccess{RejectedSpans: 3, ErrorMessage: "too old"}})
	if err != nil {
		t.Fatal(err)
	}
	n, msg := PartialSuccess(resp)
	if n != 3 || msg != "too old" {
		t.Errorf("PartialSuccess = %d, %q", n, msg)
	}
	if n, msg := PartialSuccess(nil); n != 0 || msg != "" {
		t.Errorf("empty response: %d %q", n, msg)
	}
	if n, _ := PartialSuccess([]byte{0xff, 0xff}); n != 0 {
		t.Errorf("garbage: %d", n)
	}
	// google.rpc.Status{code=3, message="bad"}
	st := protowire.AppendTag(nil, 1, protowire.VarintType)
	st = protowire.AppendVarint(st, 3)
	st = protowire.AppendTag(st, 2, protowire.BytesType)
	st = protowire.AppendString(st, "bad")
	if got := StatusMessage(st); got != "bad" {
		t.Errorf("StatusMessage = %q", got)
	}
}

// BenchmarkAppendRequest encodes two spans as the exporters do, redacted
// by the process's rules.
func BenchmarkAppendRequest(b *testing.B) {
	spans := stubs()[:2]
	buf := make([]byte, 0, 8192)
	sc := (*redact.Scope)(nil).Scrubber()
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRequest(buf[:0], spans, &sc)
	}
}

// FuzzAppendRequest checks that any span encodes to a request the
// generated OTLP types decode to the same span the official transform
// makes.
func FuzzAppendRequest(f *testing.F) {
	f.Add("charge-card", "order.id", "o-1", int64(42), 1.5, true, strings.Repeat("x", 200))
	f.Add("", "", "", int64(-1), math.Inf(1), false, "\xff\xfe")
	f.Fuzz(func(t *testing.T, name, key, sval string, ival int64, fval float64, bval bool, long string) {
		if math.IsNaN(fval) {
			fval = 0 // NaN != NaN: proto.Equal would differ on it
		}
		tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
		stub := tracetest.SpanStub{
			Name:        name,
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled}),
			Attributes: []attribute.KeyValue{
				attribute.String(key, sval), attribute.Int64(key+"i", ival), attribute.Float64(key+"f", fval),
				attribute.Bool(key+"b", bval), attribute.StringSlice(key+"s", []string{long, sval}),
			},
			Events:   []sdktrace.Event{{Name: long}},
			Status:   sdktrace.Status{Code: codes.Error, Description: long},
			Resource: resource.NewSchemaless(attribute.String("service.name", sval)),
		}
		spans := []sdktrace.ReadOnlySpan{stub.Snapshot()}
		want := reference(t, spans)
		b := AppendRequest(nil, spans, nil)
		var got collpb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &got); err != nil {
			t.Fatalf("decode: %v", err) // invalid UTF-8 included: it is replaced
		}
		if _, err := proto.Marshal(want); err != nil {
			return // invalid UTF-8: the official encoding fails, ours does not
		}
		if !proto.Equal(&got, want) {
			t.Fatalf("differs from the official transform:\ngot  %v\nwant %v", &got, want)
		}
	})
}

// TestAppendRequestRedacts encodes a span recorded without the facade (as
// OpenTelemetry instrumentation records them) with a scrubber: every
// attribute under a secret key, and every secret value in a name, a key,
// a string, an event, a link or the status, is redacted as it is encoded.
func TestAppendRequestRedacts(t *testing.T) {
	const secret = "sk-live-0123456789"
	set := redact.NewSet(nil)
	set.Add(secret)
	sc := &redact.Scrubber{Keys: redact.DefaultKeys(), Sets: [3]*redact.Set{set}}
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	stub := tracetest.SpanStub{
		Name:        "call " + secret,
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled}),
		Attributes: []attribute.KeyValue{
			attribute.String("http.request.header.authorization", "Bearer abc.def"),
			attribute.Int("api_key", 42),
			attribute.String("url.full", "https://h/p?token=tok123456&x=1"),
			attribute.String("body", `{"user":"ann","password":"p4ss-word"}`),
			attribute.StringSlice("args", []string{"ok", "--key=" + secret}),
			attribute.String("k-"+secret, "v"),
			{Key: "m", Value: attribute.SliceValue(attribute.StringValue(secret), attribute.IntValue(1))},
			{Key: "raw", Value: attribute.ByteSliceValue([]byte("key " + secret))},
			{Key: "raws", Value: attribute.SliceValue(attribute.ByteSliceValue([]byte(secret)))},
		},
		Events: []sdktrace.Event{{Name: "exception", Attributes: []attribute.KeyValue{
			attribute.String("exception.message", "auth failed for "+secret), attribute.String("exception.type", "*errors.errorString")}}},
		Links:    []sdktrace.Link{{Attributes: []attribute.KeyValue{attribute.String("secret", "x")}}},
		Status:   sdktrace.Status{Code: codes.Error, Description: "rejected password=p4ss-word"},
		Resource: resource.NewSchemaless(attribute.String("service.name", "orders"), attribute.String("deploy.token", "t0k3n-42")),
	}
	var got collpb.ExportTraceServiceRequest
	req := AppendRequest(nil, []sdktrace.ReadOnlySpan{stub.Snapshot()}, sc)
	if bytes.Contains(req, []byte(secret)) {
		t.Errorf("the request holds the secret")
	}
	if err := proto.Unmarshal(req, &got); err != nil {
		t.Fatal(err)
	}
	rs := got.ResourceSpans[0]
	sp := rs.ScopeSpans[0].Spans[0]
	attrs := map[string]string{}
	for _, kv := range sp.Attributes {
		attrs[kv.Key] = protojsonValue(kv.Value)
	}
	want := map[string]string{
		"http.request.header.authorization": redact.Redacted,
		"api_key":                           redact.Redacted,
		"url.full":                          "https://h/p?token=[REDACTED]&x=1",
		"body":                              `{"user":"ann","password":"[REDACTED]"}`,
		"args":                              "[ok --key=[REDACTED]]",
		"k-[REDACTED]":                      "v",
		"m":                                 "[[REDACTED] 1]",
		"raw":                               "bytes:key [REDACTED]",
		"raws":                              "[bytes:[REDACTED]]",
	}
	for k, v := range want {
		if attrs[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs[k], v)
		}
	}
	if sp.Name != "call [REDACTED]" || sp.Status.Message != "rejected password=[REDACTED]" {
		t.Errorf("name %q, status %q", sp.Name, sp.Status.Message)
	}
	if m := sp.Events[0].Attributes[0].Value.GetStringValue(); m != "auth failed for [REDACTED]" {
		t.Errorf("exception.message = %q", m)
	}
	if v := sp.Links[0].Attributes[0].Value.GetStringValue(); v != redact.Redacted {
		t.Errorf("link attribute = %q", v)
	}
	for _, kv := range rs.Resource.Attributes {
		if kv.Key == "deploy.token" && kv.Value.GetStringValue() != redact.Redacted {
			t.Errorf("resource attribute %s = %v", kv.Key, kv.Value)
		}
	}
	// Without a scrubber, nothing changes.
	var plain collpb.ExportTraceServiceRequest
	_ = proto.Unmarshal(AppendRequest(nil, []sdktrace.ReadOnlySpan{stub.Snapshot()}, nil), &plain)
	if plain.ResourceSpans[0].ScopeSpans[0].Spans[0].Name != stub.Name {
		t.Error("a nil scrubber changed the span")
	}
}

// protojsonValue formats an AnyValue for comparison.
func protojsonValue(v *commonpb.AnyValue) string {
	switch x := v.Value.(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_ArrayValue:
		parts := make([]string, len(x.ArrayValue.Values))
		for i, e := range x.ArrayValue.Values {
			parts[i] = protojsonValue(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case *commonpb.AnyValue_BytesValue:
		return "bytes:" + string(x.BytesValue)
	}
	return v.String()
}
