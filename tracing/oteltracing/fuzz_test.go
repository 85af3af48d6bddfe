package oteltracing_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"

	iredact "github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/internal/otlpwire"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/stdout"
)

// fuzzVocabulary is every fixed string the fuzzed spans carry: a secret
// inside one of them would be found there, and is not worth a check.
var fuzzVocabulary = []string{
	"fuzz", "raw", "password", "note", "meta", "exception", "exception.message", "exception.type",
	"aws.session_token", "db.statement", "instrumentation", iredact.Redacted,
}

// checkable reports whether the fuzz target can tell that secret leaked:
// it is long enough to be kept as a secret, holds no part of the text that
// replaces secrets (so no replacement can form it), and is no part of a
// fixed string of the span.
func checkable(secret string) bool {
	if len(secret) < iredact.MinSecretLen || strings.ContainsAny(secret, "[]") {
		return false
	}
	for _, v := range fuzzVocabulary {
		if strings.Contains(v, secret) {
			return false
		}
	}
	return true
}

// userStrings returns the strings of a value recorded from user input:
// itself, or, when it is a JSON object or array (metadata), its keys and
// strings.
func userStrings(s string) []string {
	if len(s) > 0 && (s[0] == '{' || s[0] == '[') && json.Valid([]byte(s)) {
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			var out []string
			var walk func(any)
			walk = func(v any) {
				switch v := v.(type) {
				case string:
					out = append(out, v)
				case []any:
					for _, x := range v {
						walk(x)
					}
				case map[string]any:
					for k, x := range v {
						out = append(out, k)
						walk(x)
					}
				}
			}
			walk(v)
			return out
		}
	}
	return []string{s}
}

func anyStrings(v *commonpb.AnyValue) []string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return userStrings(x.StringValue)
	case *commonpb.AnyValue_BytesValue:
		return userStrings(string(x.BytesValue))
	case *commonpb.AnyValue_ArrayValue:
		var out []string
		for _, e := range x.ArrayValue.Values {
			out = append(out, anyStrings(e)...)
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		var out []string
		for _, kv := range x.KvlistValue.Values {
			out = append(out, kv.Key)
			out = append(out, anyStrings(kv.Value)...)
		}
		return out
	}
	return nil
}

// FuzzSpanRedaction records spans whose keys, values, metadata and error
// texts are random, holding a secret of the invocation and one of the
// process, and checks what the OTLP encoder and the stdout exporter write:
// both stay valid, neither holds a secret, a value under a secret key is
// redact.Redacted. One span goes through the facade (redacted by the
// invocation's scope), one through the TracerProvider directly (redacted
// by the encoders alone, which know the process's secrets).
func FuzzSpanRedaction(f *testing.F) {
	f.Add("order.id", "o-1", `{"password":"p4ss-word","a":[1,"x"]}`, "failed: token=abc123", "sk-live-0123456789", "hunter22")
	f.Add("X-Api-Key", "k-1234567", "meta", "Bearer sk-live-0123456789", "sk-live-0123456789", "pw")
	f.Add("note", "secret is sk-live-0123456789", `"quoted"`, "", "sk-live-0123456789", "sk-live-0123456789")
	f.Add("dbPassword", "{\"a\":\"\\u003cb\\u003e\"}", "dXNlcj1hbm4mcGFzc3dvcmQ9aHVudGVyMjI=", "user=ann&password=hunter22", "ann-secret-1", "x=1; y=2")
	registerSecrets()
	mem := tracetest.NewInMemoryExporter()
	tr := oteltracing.New(mem, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("fuzz"),
		oteltracing.WithAttributeValueLengthLimit(-1))
	f.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	f.Fuzz(func(t *testing.T, key, value, meta, errText, secret, password string) {
		mem.Reset()
		scope := iredact.NewScope(nil)
		scope.Values.Add(secret)
		ctx := iredact.NewContext(tracing.ContextWithTracer(context.Background(), tr), scope)

		_, s := tracing.Start(ctx, "fuzz")
		s.SetAttributes(slog.String("password", password), slog.String(key, value))
		s.SetAttributes(slog.String("note", value+" "+secret+" "+procSecret+" "+password))
		// Attribute values given as such: bytes, slices and maps.
		s.SetAttributes(slog.Any("bytes.note", attribute.ByteSliceValue([]byte(value+secret+procSecret))), slog.Any("av", attribute.SliceValue(
			attribute.StringValue(value+secret),
			attribute.MapValue(attribute.String("password", password), attribute.String(key, procSecret+value)),
		)))
		s.SetMetadata("meta", map[string]any{"m": meta, "v": value + secret, key: []string{meta, procSecret}})
		s.RecordError(errors.New(errText + " " + secret + " " + password))
		s.SetStatus(tracing.Error, errText+" "+value+" "+procSecret)
		s.End()
		_, raw := tr.TracerProvider().Tracer("instrumentation").Start(ctx, "raw", trace.WithAttributes(
			attribute.String("aws.session_token", value), attribute.String("db.statement", meta+procSecret), attribute.String(key, procSecret+value),
			attribute.ByteSlice("bytes.raw", []byte(meta+procSecret))))
		raw.RecordError(errors.New(errText + procSecret))
		raw.SetStatus(codes.Error, procSecret+errText)
		raw.End()
		if err := tr.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		spans := mem.GetSpans().Snapshots()
		if len(spans) != 2 {
			t.Fatalf("%d spans", len(spans))
		}

		// What must not appear: in the facade's span, the invocation's
		// secret and what it redacted by key; in both, the process's.
		var facadeSecrets []string
		for _, sec := range []string{secret, password} {
			if checkable(sec) {
				facadeSecrets = append(facadeSecrets, sec)
			}
		}
		if iredact.DefaultKeys().Match(key) && checkable(value) {
			facadeSecrets = append(facadeSecrets, value)
		}
		processSecrets := []string{procSecret}
		check := func(where string, strs []string, secrets []string) {
			t.Helper()
			for _, str := range strs {
				for _, sec := range secrets {
					if strings.Contains(str, sec) {
						t.Fatalf("%s: %q holds the secret %q", where, str, sec)
					}
				}
			}
		}

		sc := scrub.Process()
		var req collpb.ExportTraceServiceRequest
		if err := proto.Unmarshal(otlpwire.AppendRequest(nil, spans, &sc), &req); err != nil {
			t.Fatalf("the OTLP request does not decode: %v", err)
		}
		for _, sp := range req.ResourceSpans[0].ScopeSpans {
			for _, x := range sp.Spans {
				secrets := processSecrets
				if x.Name == "fuzz" {
					secrets = append(secrets, facadeSecrets...)
				}
				var strs []string
				for _, kv := range x.Attributes {
					strs = append(strs, kv.Key)
					strs = append(strs, anyStrings(kv.Value)...)
					if (kv.Key == "password" || kv.Key == "aws.session_token") && kv.Value.GetStringValue() != iredact.Redacted {
						t.Fatalf("OTLP %s: %s = %v", x.Name, kv.Key, kv.Value)
					}
				}
				for _, e := range x.Events {
					for _, kv := range e.Attributes {
						if kv.Key != "exception.type" {
							strs = append(strs, anyStrings(kv.Value)...)
						}
					}
				}
				strs = append(strs, x.Status.GetMessage())
				check("OTLP "+x.Name, strs, secrets)
			}
		}

		var buf bytes.Buffer
		if err := stdout.New(stdout.WithWriter(&buf)).ExportSpans(context.Background(), spans); err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
			var line struct {
				Span       string         `json:"span"`
				Message    string         `json:"status_message"`
				Attributes map[string]any `json:"attributes"`
				Events     []struct {
					Attributes map[string]any `json:"attributes"`
				} `json:"events"`
			}
			if err := json.Unmarshal(l, &line); err != nil {
				t.Fatalf("invalid stdout line %s: %v", l, err)
			}
			secrets := processSecrets
			if line.Span == "fuzz" {
				secrets = append(secrets, facadeSecrets...)
			}
			strs := []string{line.Message}
			for k, v := range line.Attributes {
				strs = append(strs, k)
				strs = append(strs, jsonStrings(v)...)
				if b64, ok := v.(string); ok && strings.HasPrefix(k, "bytes.") {
					// Bytes are written as base64, as encoding/json writes them.
					b, err := base64.StdEncoding.DecodeString(b64)
					if err != nil {
						t.Fatalf("stdout %s: %s = %q is not base64", line.Span, k, b64)
					}
					strs = append(strs, userStrings(string(b))...)
				}
			}
			for _, e := range line.Events {
				for k, v := range e.Attributes {
					if k != "exception.type" {
						strs = append(strs, jsonStrings(v)...)
					}
				}
			}
			check("stdout "+line.Span, strs, secrets)
		}
	})
}

func jsonStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return userStrings(v)
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, jsonStrings(x)...)
		}
		return out
	case map[string]any:
		var out []string
		for k, x := range v {
			out = append(out, k)
			out = append(out, jsonStrings(x)...)
		}
		return out
	}
	return nil
}
