package oteltracing_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	iredact "github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

// procSecret is registered for the whole test process, as a function
// registers the secrets it reads at start-up.
const procSecret = "proc-5ecret-Zq81x"

var registerOnce sync.Once

func registerSecrets() { registerOnce.Do(func() { redact.AddSecrets(procSecret) }) }

// Values that are secret only because of the key they are recorded under.
const (
	attrKeySecret   = "hunter2-pw-Kx7"
	groupKeySecret  = "cvv-998877"
	headerToken     = "tok-abcdef123"
	metaNested      = "meta-pw-4455"
	metaKeySecret   = "meta-secret-9911"
	errAssigned     = "err-pw-6677"
	queryToken      = "qs-tok-777"
	numberKeySecret = 97531864
)

var keySecrets = []string{attrKeySecret, groupKeySecret, headerToken, metaNested, metaKeySecret, errAssigned, queryToken, "97531864"}

// recordSecrets records, on s, everything the facade lets user code
// record, each holding a secret.
func recordSecrets(s tracing.Span) {
	s.SetAttributes(
		slog.String("password", attrKeySecret),
		slog.Int("pin_token", numberKeySecret),
		slog.Group("card", slog.String("secret", groupKeySecret), slog.String("brand", "visa")),
		slog.Any("headers", map[string]string{"Authorization": "Bearer " + headerToken, "Accept": "application/json"}),
		slog.String("url", "https://shop.example/pay?token="+queryToken+"&page=2"),
		slog.Any("tags", []string{"ok", "key " + procSecret}),
		slog.String("note", "signed with "+procSecret),
	)
	s.SetMetadata("request", map[string]any{"user": "ann", "credentials": map[string]string{"password": metaNested}, "echo": procSecret})
	s.SetMetadata("client_secret", metaKeySecret)
	s.RecordError(fmt.Errorf("login failed: password=%s for ann", errAssigned))
	// A value redacted by key earlier is a secret of the invocation.
	s.SetStatus(tracing.Error, "rejected "+attrKeySecret+" and "+procSecret)
}

func attrString(t *testing.T, s tracetest.SpanStub, key string) string {
	t.Helper()
	v, ok := attr(s, key)
	if !ok {
		t.Errorf("%s: no attribute %q", s.Name, key)
	}
	return v.String()
}

// everyString returns every string a span carries: name, attribute keys and
// values, events, status.
func everyString(s tracetest.SpanStub) []string {
	out := []string{s.Name, s.Status.Description}
	kvs := func(list []attribute.KeyValue) {
		for _, kv := range list {
			out = append(out, string(kv.Key), kv.Value.String())
		}
	}
	kvs(s.Attributes)
	for _, e := range s.Events {
		out = append(out, e.Name)
		kvs(e.Attributes)
	}
	for _, l := range s.Links {
		kvs(l.Attributes)
	}
	return out
}

func TestSpanRecordsAreRedacted(t *testing.T) {
	registerSecrets()
	tr, exp := newTracer(t, nil)
	scope := iredact.NewScope(nil)
	ctx := iredact.NewContext(tracing.ContextWithTracer(context.Background(), tr), scope)
	ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{FunctionName: "orders-fn", TraceHeader: testHeader})
	_, s := tracing.Start(ctx, "charge", tracing.WithAttributes(slog.String("api_key", "start-key-3141"), slog.String("order.id", "o-1")))
	recordSecrets(s)
	s.End()
	inv.End()
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	sp := byName(t, exp.GetSpans(), "charge")
	for key, want := range map[string]string{
		"api_key":       redact.Redacted,
		"order.id":      "o-1",
		"password":      redact.Redacted,
		"pin_token":     redact.Redacted,
		"card.secret":   redact.Redacted,
		"card.brand":    "visa",
		"headers":       `{"Accept":"application/json","Authorization":"[REDACTED]"}`,
		"url":           "https://shop.example/pay?token=[REDACTED]&page=2",
		"tags":          `["ok","key [REDACTED]"]`,
		"note":          "signed with [REDACTED]",
		"request":       `{"credentials":"[REDACTED]","echo":"[REDACTED]","user":"ann"}`,
		"client_secret": redact.Redacted,
	} {
		if got := attrString(t, sp, key); got != want {
			t.Errorf("attribute %s = %s, want %s", key, got, want)
		}
	}
	if len(sp.Events) != 1 || sp.Events[0].Name != "exception" {
		t.Fatalf("events %+v", sp.Events)
	}
	for _, kv := range sp.Events[0].Attributes {
		switch kv.Key {
		case "exception.message":
			if got := kv.Value.AsString(); !strings.HasPrefix(got, "login failed: ") || !strings.HasSuffix(got, "=[REDACTED] for ann") {
				t.Errorf("exception.message = %q", got)
			}
		case "exception.type":
			if got := kv.Value.AsString(); got != "*errors.errorString" {
				t.Errorf("exception.type = %q, want the SDK's name of the error's type", got)
			}
		}
	}
	if sp.Status.Code != codes.Error || sp.Status.Description != "rejected [REDACTED] and [REDACTED]" {
		t.Errorf("status %v %q", sp.Status.Code, sp.Status.Description)
	}
	for _, str := range everyString(sp) {
		for _, secret := range append(keySecrets, procSecret, "start-key-3141") {
			if strings.Contains(str, secret) {
				t.Errorf("%q holds the secret %q", str, secret)
			}
		}
	}

	// Values redacted by key are now secrets of the invocation: its log
	// lines and metrics scrub them too; the process's outputs do not know them.
	later := scope.Scrubber()
	process := (*iredact.Scope)(nil).Scrubber()
	for _, secret := range append(keySecrets, "start-key-3141") {
		if got, _ := later.Values("later line quoting " + secret); strings.Contains(got, secret) {
			t.Errorf("%q was not remembered by the invocation's scope", secret)
		}
		if _, changed := process.Values("quoting " + secret); changed {
			t.Errorf("%q leaked into the process's secrets", secret)
		}
	}
}

// A span started outside an invocation (no scope in its context) is
// redacted by the process's rules.
func TestSpanOutsideInvocationIsRedacted(t *testing.T) {
	registerSecrets()
	tr, exp := newTracer(t, nil)
	_, s := tracing.Start(tracing.ContextWithTracer(context.Background(), tr), "init")
	recordSecrets(s)
	s.End()
	_ = tr.Flush(context.Background())
	sp := byName(t, exp.GetSpans(), "init")
	if got := attrString(t, sp, "password"); got != redact.Redacted {
		t.Errorf("password = %q", got)
	}
	for _, str := range everyString(sp) {
		if strings.Contains(str, procSecret) || strings.Contains(str, metaNested) {
			t.Errorf("%q holds a secret", str)
		}
	}
}

type panicError struct{ msg *string }

func (e panicError) Error() string { return *e.msg }

// A nil pointer inside an error, an error whose Error method panics and a
// value whose MarshalJSON panics are described, not raised.
func TestSpanNeverPanics(t *testing.T) {
	tr, exp := newTracer(t, nil)
	_, s := tracing.Start(tracing.ContextWithTracer(context.Background(), tr), "bad values")
	var nilErr *errorT
	s.RecordError(nilErr)
	s.RecordError(panicError{})
	s.SetMetadata("m", panicky{})
	s.SetAttributes(slog.Any("err", panicError{}), slog.Any("j", panicky{}), slog.Any("s", badStringer{}))
	s.End()
	_ = tr.Flush(context.Background())
	sp := byName(t, exp.GetSpans(), "bad values")
	if len(sp.Events) != 2 {
		t.Errorf("events %+v", sp.Events)
	}
	if v := attrString(t, sp, "m"); !strings.Contains(v, "panic") {
		t.Errorf("m = %q", v)
	}
}

type errorT struct{ msg string }

func (e *errorT) Error() string { return e.msg }

type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("boom") }

type badStringer struct{}

func (badStringer) String() string { panic("no string") }

// TestCollectorRedactsSpans sends an invocation through a real
// OpenTelemetry Collector and checks that what arrives holds no secret:
// attributes, metadata, status and exception texts recorded through the
// facade, the error the handler returns (which the wrapper copies into the
// span's status and exception), and a span of OpenTelemetry
// instrumentation recorded on the TracerProvider directly.
func TestCollectorRedactsSpans(t *testing.T) {
	registerSecrets()
	col := testenv.StartCollector(t)
	exp, err := otlp.New(otlpEnv(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.Endpoint}))
	if err != nil {
		t.Fatal(err)
	}
	tracer := oteltracing.New(exp, oteltracing.WithLookupEnv(lookup(nil)))
	shutdown(t, tracer)
	h := wrap(tracer, func(ctx context.Context, o order) (string, error) {
		_, span := tracing.Start(ctx, "charge-card", tracing.WithAttributes(slog.String("api_key", "start-key-3141")))
		recordSecrets(span)
		span.End()
		// Instrumentation that knows nothing of the facade (otelhttp, otelsql).
		_, raw := tracer.TracerProvider().Tracer("instrumentation").Start(ctx, "DynamoDB.GetItem",
			trace.WithAttributes(attribute.String("aws.session_token", "raw-tok-24680"), attribute.String("db.statement", "key="+procSecret)))
		raw.RecordError(errors.New("denied for " + procSecret))
		raw.SetStatus(codes.Error, "denied for "+procSecret)
		raw.End()
		return "", fmt.Errorf("charge: upstream said password=%s, key %s", "ret-pw-1357", procSecret)
	})
	ctx, cancel := invocation("req-1", testHeader, 3*time.Second)
	defer cancel()
	if _, err := h(ctx, order{ID: "o-1"}); err == nil {
		t.Fatal("the handler's error was lost")
	}
	spans := col.Spans()
	if len(spans) != 3 {
		t.Fatalf("got %d spans, want 3: %+v", len(spans), spans)
	}
	secrets := append(keySecrets, procSecret, "start-key-3141", "raw-tok-24680", "ret-pw-1357")
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			for _, s := range secrets {
				if strings.Contains(v, s) {
					t.Errorf("%s = %q holds the secret %q", path, v, s)
				}
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), x)
			}
		case map[string]any:
			for k, x := range v {
				walk(path+"."+k, k)
				walk(path+"."+k, x)
			}
		}
	}
	for _, s := range spans {
		walk(s.Name+".name", s.Name)
		walk(s.Name+".status", s.StatusMessage)
		walk(s.Name+".attributes", s.Attributes)
		for _, e := range s.Events {
			walk(s.Name+".event."+e.Name, e.Attributes)
		}
		switch s.Name {
		case "charge-card":
			if s.Attributes["password"] != redact.Redacted || s.Attributes["card.brand"] != "visa" {
				t.Errorf("charge-card attributes %v", s.Attributes)
			}
		case "DynamoDB.GetItem":
			if s.Attributes["aws.session_token"] != redact.Redacted || s.Attributes["db.statement"] != "key="+redact.Redacted {
				t.Errorf("instrumentation span attributes %v", s.Attributes)
			}
		case "orders-fn":
			if s.StatusCode != 2 || !strings.Contains(s.StatusMessage, "=[REDACTED], key [REDACTED]") {
				t.Errorf("invocation status %d %q", s.StatusCode, s.StatusMessage)
			}
		}
	}
}

// describedErr describes another error, as lambdawrap records a returned
// one: the exception is recorded under the type it names.
type describedErr struct{ text, typ string }

func (e *describedErr) Error() string     { return e.text }
func (e *describedErr) ErrorType() string { return e.typ }

func TestRecordErrorNamesTheDescribedType(t *testing.T) {
	tr, exp := newTracer(t, nil)
	_, s := tracing.Start(tracing.ContextWithTracer(context.Background(), tr), "work")
	s.RecordError(&describedErr{text: "charge: card declined", typ: "*fmt.wrapError"})
	s.End()
	_ = tr.Flush(context.Background())
	sp := byName(t, exp.GetSpans(), "work")
	got := map[string]string{}
	for _, kv := range sp.Events[0].Attributes {
		got[string(kv.Key)] = kv.Value.AsString()
	}
	if got["exception.type"] != "*fmt.wrapError" || got["exception.message"] != "charge: card declined" {
		t.Errorf("exception %v", got)
	}
}

// valueStrings returns every string in v, bytes as their text, through
// slices and maps.
func valueStrings(v attribute.Value) []string {
	switch v.Type() {
	case attribute.STRING:
		return []string{v.AsString()}
	case attribute.STRINGSLICE:
		return v.AsStringSlice()
	case attribute.BYTESLICE:
		return []string{string(v.AsByteSlice())}
	case attribute.SLICE:
		var out []string
		for _, x := range v.AsSlice() {
			out = append(out, valueStrings(x)...)
		}
		return out
	case attribute.MAP:
		var out []string
		for _, kv := range v.AsMap() {
			out = append(out, string(kv.Key))
			out = append(out, valueStrings(kv.Value)...)
		}
		return out
	}
	return []string{v.String()}
}

// Attribute values given as such (slog.Any with an attribute.Value) are
// redacted all the way down: bytes, slices, maps and their keys.
func TestAttributeValuesAreRedacted(t *testing.T) {
	registerSecrets()
	tests := []struct {
		name string
		v    attribute.Value
	}{
		{name: "bytes", v: attribute.ByteSliceValue([]byte("key " + procSecret))},
		{name: "slice", v: attribute.SliceValue(attribute.StringValue("key "+procSecret), attribute.IntValue(1))},
		{name: "bytes in a slice", v: attribute.SliceValue(attribute.ByteSliceValue([]byte(procSecret)))},
		{name: "map value", v: attribute.MapValue(attribute.String("note", "key "+procSecret))},
		{name: "map secret key", v: attribute.MapValue(attribute.String("password", attrKeySecret))},
		{name: "map key", v: attribute.MapValue(attribute.String("k-"+procSecret, "v"))},
		{name: "map in a slice", v: attribute.SliceValue(attribute.MapValue(attribute.StringSlice("args", []string{"--key=" + procSecret})))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, exp := newTracer(t, nil)
			scope := iredact.NewScope(nil)
			ctx := iredact.NewContext(tracing.ContextWithTracer(context.Background(), tr), scope)
			_, s := tracing.Start(ctx, "v", tracing.WithAttributes(slog.Any("at.start", tt.v)))
			s.SetAttributes(slog.Any("later", tt.v))
			s.End()
			_ = tr.Flush(context.Background())
			sp := byName(t, exp.GetSpans(), "v")
			for _, key := range []string{"at.start", "later"} {
				v, ok := attr(sp, key)
				if !ok {
					t.Fatalf("no attribute %s", key)
				}
				if v.Type() != tt.v.Type() {
					t.Errorf("%s: type %v, want %v", key, v.Type(), tt.v.Type())
				}
				for _, str := range valueStrings(v) {
					if strings.Contains(str, procSecret) || strings.Contains(str, attrKeySecret) {
						t.Errorf("%s holds a secret: %q", key, str)
					}
				}
			}
		})
	}
}

// badJSON is a value encoding/json rejects.
type badJSON struct{ User, Password string }

func (badJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("not JSON") }

// A value under a secret key is remembered by the invocation's scope even
// when encoding/json rejects it: as the text fmt writes of it.
func TestUnencodableSecretIsRemembered(t *testing.T) {
	v := badJSON{User: "ann", Password: "unjson-pw-5521"}
	quoted := fmt.Sprint(v)
	tests := []struct {
		name   string
		record func(tracing.Span)
	}{
		{name: "metadata", record: func(s tracing.Span) { s.SetMetadata("password", v) }},
		{name: "attribute", record: func(s tracing.Span) { s.SetAttributes(slog.Any("password", v)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := newTracer(t, nil)
			scope := iredact.NewScope(nil)
			ctx := iredact.NewContext(tracing.ContextWithTracer(context.Background(), tr), scope)
			_, s := tracing.Start(ctx, "m")
			tt.record(s)
			s.End()
			sc := scope.Scrubber()
			if got, _ := sc.Values("later line quoting " + quoted); strings.Contains(got, v.Password) {
				t.Errorf("%q was not remembered by the invocation's scope: %q", quoted, got)
			}
		})
	}
}

// A span records through the scope of the context it is started from: a
// scope put in the context under its parent span wins over the parent's.
func TestChildTakesTheScopeOfItsContext(t *testing.T) {
	const secret = "scoped-pw-8080"
	tests := []struct {
		name      string
		layer     bool // a new scope between the parent span and the child
		wantOuter bool // the value is remembered by the parent's scope
	}{
		{name: "parent's context", layer: false, wantOuter: true},
		{name: "scope layered under the parent", layer: true, wantOuter: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := newTracer(t, nil)
			outer, inner := iredact.NewScope(nil), iredact.NewScope(nil)
			ctx := iredact.NewContext(tracing.ContextWithTracer(context.Background(), tr), outer)
			ctx, parent := tracing.Start(ctx, "parent")
			defer parent.End()
			if tt.layer {
				ctx = iredact.NewContext(ctx, inner)
			}
			_, child := tracing.Start(ctx, "child", tracing.WithAttributes(slog.String("password", secret)))
			child.End()
			o, i := outer.Scrubber(), inner.Scrubber()
			_, inOuter := o.Values("x " + secret)
			_, inInner := i.Values("x " + secret)
			if inOuter != tt.wantOuter || inInner == tt.wantOuter {
				t.Errorf("remembered by the parent's scope %v, by the layered one %v", inOuter, inInner)
			}
		})
	}
}
