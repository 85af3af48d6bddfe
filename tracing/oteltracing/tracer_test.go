package oteltracing_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

func newTracer(t *testing.T, env map[string]string, opts ...oteltracing.Option) (*oteltracing.Tracer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr := oteltracing.New(exp, append([]oteltracing.Option{oteltracing.WithLookupEnv(lookup(env))}, opts...)...)
	shutdown(t, tr)
	return tr, exp
}

func attr(s tracetest.SpanStub, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func byName(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q in %d spans", name, len(spans))
	return tracetest.SpanStub{}
}

func TestOutcomes(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		h       func(context.Context, order) (string, error)
		timeout time.Duration
		code    codes.Code
		desc    string
	}{
		{name: "ok", h: func(context.Context, order) (string, error) { return "ok", nil }, code: codes.Unset},
		{name: "error", h: func(context.Context, order) (string, error) { return "", boom }, code: codes.Error, desc: "boom"},
		{name: "panic", h: func(context.Context, order) (string, error) { panic("kaput") }, code: codes.Error, desc: "panic"},
		{name: "client error", h: func(ctx context.Context, _ order) (string, error) {
			tracing.SpanFromContext(ctx).SetStatus(tracing.ClientError, "bad request")
			return "", nil
		}, code: codes.Unset},
		{name: "ok status", h: func(ctx context.Context, _ order) (string, error) {
			tracing.SpanFromContext(ctx).SetStatus(tracing.OK, "")
			return "", nil
		}, code: codes.Ok},
		{name: "timeout", timeout: 150 * time.Millisecond, h: func(ctx context.Context, _ order) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}, code: codes.Error, desc: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, exp := newTracer(t, nil)
			h := wrap(tr, tt.h)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 3 * time.Second
			}
			ctx, cancel := invocation("req-1", testHeader, timeout)
			defer cancel()
			func() {
				defer func() { _ = recover() }()
				_, _ = h(ctx, order{})
			}()
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("%d spans exported before the wrapper returned, want 1", len(spans))
			}
			s := spans[0]
			if s.Status.Code != tt.code || s.Status.Description != tt.desc {
				t.Errorf("status %v %q, want %v %q", s.Status.Code, s.Status.Description, tt.code, tt.desc)
			}
			if s.SpanKind != trace.SpanKindServer || s.Name != "orders-fn" {
				t.Errorf("kind %v name %q", s.SpanKind, s.Name)
			}
		})
	}
}

func TestClientErrorOnClientSpan(t *testing.T) {
	tr, exp := newTracer(t, nil)
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	_, s := tracing.Start(ctx, "call", tracing.WithKind(tracing.KindClient))
	s.SetStatus(tracing.ClientError, "404")
	s.End()
	_, s = tracing.Start(ctx, "internal")
	s.SetStatus(tracing.ClientError, "404")
	s.End()
	_ = tr.Flush(context.Background())
	if got := byName(t, exp.GetSpans(), "call").Status.Code; got != codes.Error {
		t.Errorf("client span status %v, want Error", got)
	}
	if got := byName(t, exp.GetSpans(), "internal").Status.Code; got != codes.Unset {
		t.Errorf("internal span status %v, want Unset", got)
	}
}

func TestInvocationSpan(t *testing.T) {
	tr, exp := newTracer(t, nil)
	var header tracing.Header
	var traceID string
	h := wrap(tr, func(ctx context.Context, _ order) (string, error) {
		inv := tracing.SpanFromContext(ctx)
		header, traceID = inv.Header(), inv.TraceID()
		if got := trace.SpanFromContext(ctx).SpanContext(); got.SpanID().String() != header.Parent {
			t.Errorf("the OTel span in ctx is %s, want the invocation span %s", got.SpanID(), header.Parent)
		}
		return "", nil
	})
	for i := range 2 {
		ctx, cancel := invocation(fmt.Sprintf("req-%d", i), testHeader, time.Second)
		_, _ = h(ctx, order{})
		cancel()
	}
	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	first, second := spans[0], spans[1]
	if v, _ := attr(first, "faas.coldstart"); !v.AsBool() {
		t.Error("first invocation is not a cold start")
	}
	if v, _ := attr(second, "faas.coldstart"); v.AsBool() {
		t.Error("second invocation is a cold start")
	}
	if v, ok := attr(first, names.AttrInitDuration); !ok || v.AsFloat64() != 250 {
		t.Errorf("init duration %v on the first invocation", v.String())
	}
	if _, ok := attr(second, names.AttrInitDuration); ok {
		t.Error("init duration on the second invocation")
	}
	if v, _ := attr(second, "faas.invocation_id"); v.AsString() != "req-1" {
		t.Errorf("faas.invocation_id %q", v.String())
	}
	if v, _ := attr(second, "faas.trigger"); v.AsString() != "other" {
		t.Errorf("faas.trigger %q", v.String())
	}
	p := second.Parent
	if p.TraceID().String() != testTrace || p.SpanID().String() != testParent || !p.IsRemote() || !p.IsSampled() {
		t.Errorf("parent %v, want the X-Ray header's", p)
	}
	if header.Root != "1-5759e988-bd862e3fe1be46a994272793" || header.Parent != second.SpanContext.SpanID().String() || header.Sampled != tracing.SampledYes {
		t.Errorf("Header() = %+v", header)
	}
	if h, err := tracing.ParseHeader(header.String()); err != nil || h.Root != header.Root {
		t.Errorf("Header().String() = %q does not parse: %v", header.String(), err)
	}
	if traceID != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("TraceID() = %q", traceID)
	}
	if !second.StartTime.Before(second.EndTime) {
		t.Errorf("times %v %v", second.StartTime, second.EndTime)
	}
}

func TestUserSpans(t *testing.T) {
	tr, exp := newTracer(t, nil)
	remote := tracing.Header{Root: "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b", Parent: "00f067aa0ba902b7", Sampled: tracing.SampledYes}
	linked := tracing.Header{Root: "1-6745a0b2-4d0e3f9a2b5c6d7e8f9a0b1c", Parent: "11f067aa0ba902b8", Sampled: tracing.SampledYes}
	var innerHeader tracing.Header
	h := wrap(tr, func(ctx context.Context, _ order) (string, error) {
		ctx, outer := tracing.Start(ctx, "outer", tracing.WithAttributes(
			slog.String("s", "v"), slog.Int("i", 7), slog.Float64("f", 1.5), slog.Bool("b", true),
			slog.Duration("d", 1500*time.Millisecond), slog.Group("order", slog.String("id", "o-1"), slog.Int("items", 2)),
			slog.Any("tags", []string{"a", "b"}), slog.Any("err", errors.New("e")), slog.Any("m", map[string]int{"x": 1}),
			slog.String("", "dropped")))
		_, inner := tracing.Start(ctx, "inner")
		innerHeader = inner.Header()
		inner.SetMetadata("payload", map[string]any{"k": "v"})
		inner.SetMetadata("note", "plain")
		inner.End()
		outer.End()
		_, consumer := tracing.Start(ctx, "process message", tracing.WithKind(tracing.KindConsumer),
			tracing.WithRemoteParent(remote), tracing.WithLinks(linked, tracing.Header{Root: "bad"}))
		consumer.End()
		return "", nil
	})
	ctx, cancel := invocation("req-1", testHeader, time.Second)
	defer cancel()
	_, _ = h(ctx, order{})
	spans := exp.GetSpans()
	inv := byName(t, spans, "orders-fn")
	outer := byName(t, spans, "outer")
	inner := byName(t, spans, "inner")
	consumer := byName(t, spans, "process message")

	if outer.Parent.SpanID() != inv.SpanContext.SpanID() || inner.Parent.SpanID() != outer.SpanContext.SpanID() {
		t.Error("user spans are not children of the span in ctx")
	}
	for _, s := range []tracetest.SpanStub{outer, inner} {
		if s.SpanContext.TraceID().String() != testTrace {
			t.Errorf("%s: trace %s", s.Name, s.SpanContext.TraceID())
		}
	}
	if innerHeader.Parent != inner.SpanContext.SpanID().String() || innerHeader.Root != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("inner Header() = %+v", innerHeader)
	}
	wantAttrs := map[string]attribute.Value{
		"s": attribute.StringValue("v"), "i": attribute.Int64Value(7), "f": attribute.Float64Value(1.5),
		"b": attribute.BoolValue(true), "d": attribute.Int64Value(int64(1500 * time.Millisecond)),
		"order.id": attribute.StringValue("o-1"), "order.items": attribute.Int64Value(2),
		"tags": attribute.StringSliceValue([]string{"a", "b"}), "err": attribute.StringValue("e"),
		"m": attribute.StringValue(`{"x":1}`),
	}
	for k, want := range wantAttrs {
		if got, ok := attr(outer, k); !ok || got != want {
			t.Errorf("attribute %s = %v, want %v", k, got.String(), want.String())
		}
	}
	if len(outer.Attributes) != len(wantAttrs) {
		t.Errorf("attributes: %v", outer.Attributes)
	}
	if v, _ := attr(inner, "payload"); v.AsString() != `{"k":"v"}` {
		t.Errorf("metadata %q", v.String())
	}
	if v, _ := attr(inner, "note"); v.AsString() != "plain" {
		t.Errorf("string metadata %q", v.String())
	}

	if consumer.SpanKind != trace.SpanKindConsumer {
		t.Errorf("consumer kind %v", consumer.SpanKind)
	}
	if consumer.Parent.TraceID().String() != "6745a0b13c9d2e8f1a4b5c6d7e8f9a0b" || consumer.Parent.SpanID().String() != "00f067aa0ba902b7" ||
		consumer.SpanContext.TraceID() != consumer.Parent.TraceID() {
		t.Errorf("remote parent: span %v parent %v", consumer.SpanContext, consumer.Parent)
	}
	if len(consumer.Links) != 1 || consumer.Links[0].SpanContext.TraceID().String() != "6745a0b24d0e3f9a2b5c6d7e8f9a0b1c" ||
		consumer.Links[0].SpanContext.SpanID().String() != "11f067aa0ba902b8" {
		t.Errorf("links %+v", consumer.Links)
	}
}

func TestStartOutsideInvocation(t *testing.T) {
	tr, exp := newTracer(t, nil)
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	_, s := tracing.Start(ctx, "init work")
	if !s.IsRecording() {
		t.Fatal("root span not recording")
	}
	id := s.TraceID()
	s.End()
	if s.IsRecording() {
		t.Error("ended span still recording")
	}
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Parent.IsValid() {
		t.Fatalf("spans %+v", spans)
	}
	// X-Ray ids: the first 8 hex digits are the epoch seconds.
	tid := spans[0].SpanContext.TraceID().String()
	var secs int64
	_, _ = fmt.Sscanf(tid[:8], "%x", &secs)
	if d := time.Since(time.Unix(secs, 0)); d < 0 || d > time.Minute {
		t.Errorf("trace id %s is not X-Ray compatible (time %v)", tid, time.Unix(secs, 0))
	}
	if id != "1-"+tid[:8]+"-"+tid[8:] {
		t.Errorf("TraceID() %q for %s", id, tid)
	}
	if v, ok := spans[0].Resource.Set().Value("service.name"); !ok || v.AsString() != "orders-fn" {
		t.Errorf("service.name %q: the function name when nothing names a service", v.String())
	}
}

func TestHeaders(t *testing.T) {
	tests := []struct {
		name, header string
		recorded     bool
		trace        string // "" any
		parent       string // "" none
	}{
		{name: "sampled", header: testHeader, recorded: true, trace: testTrace, parent: testParent},
		{name: "not sampled", header: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"},
		{name: "no parent", header: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", recorded: true, trace: testTrace},
		{name: "none", header: "", recorded: true},
		{name: "malformed", header: "Root=garbage", recorded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, exp := newTracer(t, nil)
			var root tracing.Span
			h := wrap(tr, func(ctx context.Context, _ order) (string, error) {
				if got := tracing.SpanFromContext(ctx).IsRecording(); got != tt.recorded {
					t.Errorf("IsRecording = %v", got)
				}
				_, child := tracing.Start(ctx, "child")
				child.End()
				_, root = tracing.Start(context.Background(), "unrelated") // no tracer: no-op
				return "", nil
			})
			ctx, cancel := invocation("r", tt.header, time.Second)
			defer cancel()
			_, _ = h(ctx, order{})
			if root.IsRecording() {
				t.Error("a span started without a tracer in ctx records")
			}
			spans := exp.GetSpans()
			if !tt.recorded {
				if len(spans) != 0 {
					t.Errorf("Sampled=0 exported %d spans", len(spans))
				}
				return
			}
			if len(spans) != 2 {
				t.Fatalf("%d spans", len(spans))
			}
			inv := byName(t, spans, "orders-fn")
			if tt.trace != "" && inv.SpanContext.TraceID().String() != tt.trace {
				t.Errorf("trace %s, want %s", inv.SpanContext.TraceID(), tt.trace)
			}
			if got := inv.Parent.SpanID(); tt.parent == "" && got.IsValid() || tt.parent != "" && got.String() != tt.parent {
				t.Errorf("parent %s, want %q", got, tt.parent)
			}
			if child := byName(t, spans, "child"); child.SpanContext.TraceID() != inv.SpanContext.TraceID() {
				t.Error("child in another trace")
			}
		})
	}
}

func TestSampler(t *testing.T) {
	notSampled := "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
	for _, tt := range []struct {
		name string
		env  map[string]string
		opts []oteltracing.Option
		want int
	}{
		{name: "default follows Lambda", want: 0},
		{name: "option", opts: []oteltracing.Option{oteltracing.WithSampler(sdktrace.AlwaysSample())}, want: 1},
		{name: "env always_on", env: map[string]string{"OTEL_TRACES_SAMPLER": "always_on"}, want: 1},
		{name: "env ratio 1", env: map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1"}, want: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, exp := newTracer(t, tt.env, tt.opts...)
			h := wrap(tr, func(context.Context, order) (string, error) { return "", nil })
			ctx, cancel := invocation("r", notSampled, time.Second)
			defer cancel()
			_, _ = h(ctx, order{})
			spans := exp.GetSpans()
			if len(spans) != tt.want {
				t.Fatalf("%d spans, want %d", len(spans), tt.want)
			}
			if tt.want > 0 && spans[0].SpanContext.TraceID().String() != testTrace {
				t.Errorf("trace %s, want Lambda's", spans[0].SpanContext.TraceID())
			}
		})
	}
}

// attrSampler samples the spans whose start attributes hold keep=true, and
// keeps the keys it was given.
type attrSampler struct{ seen []string }

func (s *attrSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	d := sdktrace.Drop
	for _, a := range p.Attributes {
		s.seen = append(s.seen, string(a.Key))
		if a.Key == "keep" && a.Value.AsBool() {
			d = sdktrace.RecordAndSample
		}
	}
	return sdktrace.SamplingResult{Decision: d}
}

func (*attrSampler) Description() string { return "attrSampler" }

// A sampler of the caller's is given the attributes spans start with; with
// the SDK's plain samplers, which read none, spans get them once started,
// and end with the same attributes.
func TestSamplerAttributes(t *testing.T) {
	start := func(tr *oteltracing.Tracer, keep bool) {
		ctx, inv := tr.StartInvocation(tracing.ContextWithTracer(context.Background(), tr), tracing.Invocation{FunctionName: "f", TraceHeader: testHeader})
		_, s := tracing.Start(ctx, "work", tracing.WithAttributes(slog.Bool("keep", keep), slog.String("order.id", "o-1")))
		s.End()
		inv.End()
		_ = tr.Flush(context.Background())
	}
	custom := &attrSampler{}
	tr, exp := newTracer(t, nil, oteltracing.WithSampler(custom))
	start(tr, true)
	start(tr, false)
	if spans := exp.GetSpans(); len(spans) != 1 || spans[0].Name != "work" {
		t.Errorf("custom sampler kept %v, want the one work span with keep=true", spans)
	}
	if !slices.Contains(custom.seen, "keep") || !slices.Contains(custom.seen, "order.id") || !slices.Contains(custom.seen, "faas.coldstart") {
		t.Errorf("custom sampler saw %v", custom.seen)
	}
	for _, plain := range []sdktrace.Sampler{sdktrace.AlwaysSample(), sdktrace.TraceIDRatioBased(1), nil} {
		tr, exp := newTracer(t, nil, oteltracing.WithSampler(plain))
		start(tr, false)
		work, inv := byName(t, exp.GetSpans(), "work"), byName(t, exp.GetSpans(), "f")
		if got := attrs(work.Attributes); got["keep"] != false || got["order.id"] != "o-1" {
			t.Errorf("%v: work span attributes %v", plain, got)
		}
		if got := attrs(inv.Attributes); got["faas.trigger"] == nil || got["faas.coldstart"] == nil {
			t.Errorf("%v: invocation span attributes %v", plain, got)
		}
	}
}

// attrs returns kvs by key, as their Go values.
func attrs(kvs []attribute.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

func TestDisabled(t *testing.T) {
	for _, env := range []map[string]string{{"POWERTOOLS_TRACE_DISABLED": "true"}, {"OTEL_SDK_DISABLED": "TRUE"}} {
		tr, exp := newTracer(t, env)
		if tr.Enabled() {
			t.Errorf("%v: enabled", env)
		}
		h := wrap(tr, func(ctx context.Context, _ order) (string, error) {
			if s := tracing.SpanFromContext(ctx); s != tracing.SpanFromContext(context.Background()) {
				t.Errorf("invocation span %T, want tracing.SpanFromContext(context.Background())", s)
			}
			if _, s := tracing.Start(ctx, "x"); s != tracing.SpanFromContext(context.Background()) {
				t.Errorf("user span %T, want tracing.SpanFromContext(context.Background())", s)
			}
			return "", nil
		})
		ctx, cancel := invocation("r", testHeader, time.Second)
		_, _ = h(ctx, order{})
		cancel()
		if n := len(exp.GetSpans()); n != 0 {
			t.Errorf("%v: %d spans exported", env, n)
		}
		if _, ok := tr.TracerProvider().Tracer("x").Start(context.Background(), "y"); ok.IsRecording() {
			t.Error("disabled provider records")
		}
	}
	tr, _ := newTracer(t, nil, oteltracing.WithDisabled())
	if tr.Enabled() {
		t.Error("WithDisabled() does not disable")
	}
}

func TestServiceName(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		opts []oteltracing.Option
		inv  string // the service lambdawrap passes
		want string
	}{
		{name: "invocation", inv: "orders", want: "orders"},
		{name: "undefined invocation service", inv: "service_undefined", want: "orders-fn"},
		{name: "OTEL_SERVICE_NAME", env: map[string]string{"OTEL_SERVICE_NAME": "env-svc"}, inv: "orders", want: "env-svc"},
		{name: "OTEL_RESOURCE_ATTRIBUTES", env: map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=res-svc"}, inv: "orders", want: "res-svc"},
		{name: "option", env: map[string]string{"OTEL_SERVICE_NAME": "env-svc"}, opts: []oteltracing.Option{oteltracing.WithService("opt-svc")}, inv: "orders", want: "opt-svc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, exp := newTracer(t, tt.env, tt.opts...)
			h := wrap(tr, func(context.Context, order) (string, error) { return "", nil }, lambdawrap.WithService(tt.inv))
			ctx, cancel := invocation("r", testHeader, time.Second)
			defer cancel()
			_, _ = h(ctx, order{})
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("%d spans", len(spans))
			}
			if v, _ := spans[0].Resource.Set().Value("service.name"); v.AsString() != tt.want {
				t.Errorf("service.name %q, want %q", v.AsString(), tt.want)
			}
		})
	}
}

func TestResourceAttributes(t *testing.T) {
	tr, exp := newTracer(t, map[string]string{
		"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=prod,team=a%20b,cloud.region=override,novalue",
	}, oteltracing.WithService("s"), oteltracing.WithResourceAttributes(attribute.String("team", "c")),
		oteltracing.WithErrorHandler(func(error) {}))
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	_, s := tracing.Start(ctx, "x")
	s.End()
	_ = tr.Flush(context.Background())
	res := exp.GetSpans()[0].Resource.Set()
	for k, want := range map[string]string{"deployment.environment.name": "prod", "team": "c", "cloud.region": "override", "service.name": "s", "faas.name": "orders-fn"} {
		if v, _ := res.Value(attribute.Key(k)); v.AsString() != want {
			t.Errorf("%s = %q, want %q", k, v.String(), want)
		}
	}
	if _, ok := res.Value("novalue"); ok {
		t.Error("a pair without a value was kept")
	}
}

func TestAttributeValueLengthLimit(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tt := range []struct {
		name string
		env  map[string]string
		opts []oteltracing.Option
		want int
	}{
		{name: "default", want: 4096},
		{name: "env", env: map[string]string{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "100"}, want: 100},
		{name: "option", env: map[string]string{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "100"}, opts: []oteltracing.Option{oteltracing.WithAttributeValueLengthLimit(10)}, want: 10},
		{name: "unlimited", opts: []oteltracing.Option{oteltracing.WithAttributeValueLengthLimit(-1)}, want: 5000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, exp := newTracer(t, tt.env, append(tt.opts, oteltracing.WithService("s"))...)
			ctx := tracing.ContextWithTracer(context.Background(), tr)
			_, s := tracing.Start(ctx, "x", tracing.WithAttributes(slog.String("long", long)))
			s.SetMetadata("meta", long)
			s.End()
			_ = tr.Flush(context.Background())
			st := exp.GetSpans()[0]
			for _, k := range []string{"long", "meta"} {
				if v, _ := attr(st, k); len(v.AsString()) != tt.want {
					t.Errorf("%s: %d bytes, want %d", k, len(v.AsString()), tt.want)
				}
			}
		})
	}
}

// countingExporter counts exports and the goroutines that made them.
type countingExporter struct {
	mu      sync.Mutex
	batches []int
}

func (e *countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.batches = append(e.batches, len(spans))
	return nil
}

func (e *countingExporter) Shutdown(context.Context) error { return nil }

func (e *countingExporter) get() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int(nil), e.batches...)
}

func TestBatching(t *testing.T) {
	exp := &countingExporter{}
	tr := oteltracing.New(exp, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("s"), oteltracing.WithMaxExportBatchSize(3))
	shutdown(t, tr)
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	for range 4 {
		_, s := tracing.Start(ctx, "x")
		s.End()
	}
	if got := exp.get(); len(got) != 1 || got[0] != 3 {
		t.Errorf("before the flush: batches %v, want [3] (exported when 3 waited)", got)
	}
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := exp.get(); len(got) != 2 || got[1] != 1 {
		t.Errorf("after the flush: batches %v, want [3 1]", got)
	}
	if err := tr.Flush(context.Background()); err != nil || len(exp.get()) != 2 {
		t.Errorf("an empty flush exported: %v %v", exp.get(), err)
	}
}

// blockingExporter blocks each export until released.
type blockingExporter struct {
	countingExporter
	release chan struct{}
}

func (e *blockingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	select {
	case <-e.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return e.countingExporter.ExportSpans(ctx, spans)
}

func TestFlushBoundedByContext(t *testing.T) {
	exp := &blockingExporter{release: make(chan struct{})}
	var reported []error
	var mu sync.Mutex
	tr := oteltracing.New(exp, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("s"),
		oteltracing.WithErrorHandler(func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }))
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	_, s := tracing.Start(ctx, "x")
	s.End()
	fctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := tr.Flush(fctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Flush = %v, want the deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Flush took %v past its deadline", d)
	}
	mu.Lock()
	if len(reported) != 1 {
		t.Errorf("errors reported: %v", reported)
	}
	mu.Unlock()
	close(exp.release)
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestInvocationsConcurrentSafe runs invocations at once, as Lambda does
// with AWS_LAMBDA_MAX_CONCURRENCY > 1: each one's spans stay in its trace,
// children of its own invocation span.
func TestInvocationsConcurrentSafe(t *testing.T) {
	tr, exp := newTracer(t, nil)
	h := wrap(tr, func(ctx context.Context, o order) (string, error) {
		for i := range 5 {
			cctx, s := tracing.Start(ctx, o.ID, tracing.WithAttributes(slog.Int("i", i)))
			runtime.Gosched()
			_, g := tracing.Start(cctx, o.ID+"/grandchild")
			g.End()
			s.End()
		}
		return "", nil
	})
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			header := fmt.Sprintf("Root=1-5759e988-%024x;Parent=%016x;Sampled=1", i+1, i+1)
			ctx, cancel := invocation(fmt.Sprintf("req-%d", i), header, 3*time.Second)
			defer cancel()
			_, _ = h(ctx, order{ID: fmt.Sprintf("o-%d", i)})
		})
	}
	wg.Wait()
	spans := exp.GetSpans()
	if len(spans) != n*11 {
		t.Fatalf("%d spans, want %d", len(spans), n*11)
	}
	invByReq := map[string]tracetest.SpanStub{}
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = s
		if v, ok := attr(s, "faas.invocation_id"); ok {
			invByReq[v.AsString()] = s
		}
	}
	for i := range n {
		inv := invByReq[fmt.Sprintf("req-%d", i)]
		wantTrace := fmt.Sprintf("5759e988%024x", i+1)
		if inv.SpanContext.TraceID().String() != wantTrace || inv.Parent.SpanID().String() != fmt.Sprintf("%016x", i+1) {
			t.Errorf("req-%d: invocation span in trace %s parent %s", i, inv.SpanContext.TraceID(), inv.Parent.SpanID())
		}
	}
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindServer {
			continue
		}
		id, _, _ := strings.Cut(s.Name, "/")
		var i int
		_, _ = fmt.Sscanf(id, "o-%d", &i)
		inv := invByReq[fmt.Sprintf("req-%d", i)]
		if s.SpanContext.TraceID() != inv.SpanContext.TraceID() {
			t.Errorf("%s is in trace %s, want %s", s.Name, s.SpanContext.TraceID(), inv.SpanContext.TraceID())
		}
		p := byID[s.Parent.SpanID()]
		if !strings.HasSuffix(s.Name, "/grandchild") && p.SpanContext.SpanID() != inv.SpanContext.SpanID() {
			t.Errorf("%s has parent %q, want its invocation", s.Name, p.Name)
		}
		if strings.HasSuffix(s.Name, "/grandchild") && p.Name != id {
			t.Errorf("%s has parent %q, want %q", s.Name, p.Name, id)
		}
	}
}

// TestTracerProvider checks that OpenTelemetry instrumentation given the
// tracer's provider joins the invocation's trace and is flushed with it,
// even when the provider was taken before the first invocation.
func TestTracerProvider(t *testing.T) {
	tr, exp := newTracer(t, nil)
	otelTracer := tr.TracerProvider().Tracer("instrumentation")
	h := wrap(tr, func(ctx context.Context, _ order) (string, error) {
		_, s := otelTracer.Start(ctx, "DynamoDB.GetItem", trace.WithSpanKind(trace.SpanKindClient))
		s.End()
		return "", nil
	})
	ctx, cancel := invocation("r", testHeader, time.Second)
	defer cancel()
	_, _ = h(ctx, order{})
	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	call, inv := byName(t, spans, "DynamoDB.GetItem"), byName(t, spans, "orders-fn")
	if call.Parent.SpanID() != inv.SpanContext.SpanID() || call.InstrumentationScope.Name != "instrumentation" {
		t.Errorf("instrumentation span parent %s scope %q", call.Parent.SpanID(), call.InstrumentationScope.Name)
	}
	if v, _ := call.Resource.Set().Value("service.name"); v.AsString() != "orders" {
		t.Errorf("service.name %q: the provider taken early must still name the invocation's service", v.String())
	}
	if _, ok := tr.TracerProvider().(*sdktrace.TracerProvider); !ok {
		t.Errorf("after the first invocation TracerProvider() is %T, want the SDK's", tr.TracerProvider())
	}
}

// TestOTelSpanInTheContext: the context a span is started in carries the
// OpenTelemetry span too, for what the facade does not offer.
func TestOTelSpanInTheContext(t *testing.T) {
	tr, _ := newTracer(t, nil, oteltracing.WithService("s"))
	ctx, s := tr.Start(context.Background(), "x", tracing.StartConfig{})
	defer s.End()
	os := trace.SpanFromContext(ctx)
	if !os.IsRecording() || os.SpanContext().SpanID().String() != s.Header().Parent {
		t.Errorf("OpenTelemetry span in the context: %v, want the span %s", os.SpanContext(), s.Header().Parent)
	}
}
