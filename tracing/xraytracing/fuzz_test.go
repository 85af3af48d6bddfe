package xraytracing

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// fuzzProcSecret is registered for the whole test process.
const fuzzProcSecret = "xray-fuzz-proc-7Hq2"

var fuzzRegister sync.Once

// fuzzVocabulary is every fixed string of the fuzzed documents' parts that
// are checked: a secret inside one of them would be found there.
var fuzzVocabulary = []string{
	"fuzz", "orders", "default", "password", "note", "meta", "session_token", "SQS", "queue_url", "operation", "region", "SendMessage",
	names.MetadataError, names.MetadataStatus, "message", "type", redact.Redacted,
}

// checkable reports whether the fuzz target can tell that secret leaked
// (see the OpenTelemetry backend's FuzzSpanRedaction).
func checkable(secret string) bool {
	if len(secret) < redact.MinSecretLen || strings.ContainsAny(secret, "[]") {
		return false
	}
	for _, v := range fuzzVocabulary {
		if strings.Contains(v, secret) {
			return false
		}
	}
	return true
}

// strs returns the keys and strings of a decoded JSON value.
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, strs(x)...)
		}
		return out
	case map[string]any:
		var out []string
		for k, x := range v {
			out = append(out, k)
			out = append(out, strs(x)...)
		}
		return out
	}
	return nil
}

// FuzzSpanRedaction records a span whose keys, values, metadata and error
// texts are random, holding a secret of the invocation and one of the
// process, and an AWS call's span beside it, then checks the invocation's
// documents: each is valid JSON within the datagram limit, the span holds
// neither secret nor a value under a secret key, and the call's AWS fields
// hold no secret of the process.
func FuzzSpanRedaction(f *testing.F) {
	f.Add("order.id", "o-1", `{"password":"p4ss-word","a":[1,"x"]}`, "failed: token=abc123", "sk-live-0123456789", "hunter22")
	f.Add("X-Api-Key", "k-1234567", "meta", "Bearer sk-live-0123456789", "sk-live-0123456789", "pw")
	f.Add("note", "secret is sk-live-0123456789", `"quoted"`, "", "sk-live-0123456789", "sk-live-0123456789")
	f.Add("dbPassword", "{\"a\":\"\\u003cb\\u003e\"}", "dXNlcj1hbm4mcGFzc3dvcmQ9aHVudGVyMjI=", "user=ann&password=hunter22", "ann-secret-1", "x=1; y=2")
	fuzzRegister.Do(func() { redact.AddSecrets(fuzzProcSecret) })
	tr := New(WithLookupEnv(func(string) (string, bool) { return "", false }), WithClock(testNow), WithMaxDatagram(8000))
	_ = tr.Close() // documents are encoded here, never sent
	f.Fuzz(func(t *testing.T, key, value, meta, errText, secret, password string) {
		scope := redact.NewScope(nil)
		scope.Values.Add(secret)
		ctx := redact.NewContext(tracing.ContextWithTracer(context.Background(), tr), scope)
		ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{Service: "orders",
			TraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"})
		_, s := tracing.Start(ctx, "fuzz")
		s.SetAttributes(slog.String("password", password), slog.String(key, value))
		s.SetAttributes(slog.String("note", value+" "+secret+" "+fuzzProcSecret+" "+password))
		s.SetMetadata("meta", map[string]any{"m": meta, "v": value + secret, key: []string{meta, fuzzProcSecret}})
		s.RecordError(errors.New(errText + " " + secret + " " + password))
		s.SetStatus(tracing.Error, errText+" "+value+" "+fuzzProcSecret)
		s.End()
		_, c := tracing.Start(ctx, "SQS.SendMessage", tracing.WithKind(tracing.KindClient), tracing.WithAttributes(
			slog.String(names.AttrRPCSystem, names.RPCSystemAWS), slog.String(names.AttrRPCService, "SQS"), slog.String(names.AttrRPCMethod, "SendMessage")))
		c.SetAttributes(slog.String(names.AttrSQSQueueURL, meta+fuzzProcSecret), slog.String(names.AttrCloudRegion, value+fuzzProcSecret),
			slog.String("session_token", value), slog.String("note", fuzzProcSecret+value))
		c.End()
		root := inv.(*span)
		docs := tr.encode(root)

		var spanSecrets []string
		for _, sec := range []string{secret, password} {
			if checkable(sec) {
				spanSecrets = append(spanSecrets, sec)
			}
		}
		if redact.DefaultKeys().Match(key) && checkable(value) {
			spanSecrets = append(spanSecrets, value)
		}
		check := func(where string, list []string, secrets []string) {
			t.Helper()
			for _, str := range list {
				for _, sec := range secrets {
					if strings.Contains(str, sec) {
						t.Fatalf("%s: %q holds the secret %q", where, str, sec)
					}
				}
			}
		}
		var walk func(m map[string]any)
		walk = func(m map[string]any) {
			name, _ := m["name"].(string)
			secrets := []string{fuzzProcSecret}
			if name == "fuzz" {
				secrets = append(secrets, spanSecrets...)
			}
			var list []string
			if a, ok := m["annotations"].(map[string]any); ok {
				list = append(list, strs(a)...)
				for _, k := range []string{"password", "session_token"} {
					if v, ok := a[k]; ok && v != redact.Redacted {
						t.Fatalf("%s: annotation %s = %v", name, k, v)
					}
				}
			}
			if a, ok := m["aws"].(map[string]any); ok {
				list = append(list, strs(a)...)
			}
			if md, ok := m["metadata"].(map[string]any); ok {
				for _, ns := range md {
					list = append(list, strs(ns)...)
				}

			}
			if c, ok := m["cause"].(map[string]any); ok {
				exs, _ := c["exceptions"].([]any)
				for _, e := range exs {
					if em, ok := e.(map[string]any); ok {
						list = append(list, strs(em["message"])...)
					}
				}
			}
			check(name, list, secrets)
			subs, _ := m["subsegments"].([]any)
			for _, sub := range subs {
				if sm, ok := sub.(map[string]any); ok {
					walk(sm)
				}
			}
		}
		for _, d := range docs {
			if len(d) > tr.limit {
				t.Fatalf("document of %d bytes, limit %d", len(d), tr.limit)
			}
			var m map[string]any
			if err := json.Unmarshal(d, &m); err != nil {
				t.Fatalf("invalid document %s: %v", d, err)
			}
			walk(m)
		}
		inv.End()
	})
}
