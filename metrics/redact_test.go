package metrics

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// invocationContext returns a context carrying a fresh invocation scope,
// as lambdawrap and logger.Handler.Begin make one.
func invocationContext() (context.Context, *redact.Scope) {
	sc := redact.NewScope(nil)
	return redact.NewContext(context.Background(), sc), sc
}

func TestDocumentsAreRedacted(t *testing.T) {
	const awsKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY-metrics"
	redact.AddSecrets(awsKey) // as the process's credentials are
	ctx, sc := invocationContext()
	sc.Values.Add("learnt-in-the-logs-1") // redacted earlier in the invocation's log lines
	r, w, _ := newTest(t, WithNamespace("Shop"), WithService("orders"))
	r = r.Clone()
	ContextWithRecorder(ctx, r)
	r.SetProperty("password", "prop-secret-2")
	r.SetProperty("order", map[string]any{"id": "o-1", "token": "nested-secret-3", "note": "learnt-in-the-logs-1"})
	r.SetProperty("key", awsKey)
	r.SetProperty("dsn", "postgres://app:url-secret-4@db/orders")
	r.AddDimension("tenant", "t "+awsKey)
	r.AddDimension("api_key", "dim-secret-5")
	r.Count("Orders", 1)
	r.With(Dimension{"route", "learnt-in-the-logs-1"}).Count("Calls", 1)
	r.Single("One", 1, Count, Dimension{"secret", "single-secret-6"})
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	out := string(w.bytes())
	for _, s := range []string{awsKey, "learnt-in-the-logs-1", "prop-secret-2", "nested-secret-3", "url-secret-4", "dim-secret-5", "single-secret-6"} {
		if strings.Contains(out, s) {
			t.Errorf("%q written:\n%s", s, out)
		}
	}
	var doc map[string]any
	_ = json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &doc)
	if o, _ := doc["order"].(map[string]any); o["id"] != "o-1" || o["token"] != redact.Redacted {
		t.Errorf("what is not secret must stay: %v", doc)
	}
	// A value redacted by key in a document is the invocation's secret from
	// then on, for its log lines and spans too.
	scr := sc.Scrubber()
	if _, ok := scr.Values("echo prop-secret-2 dim-secret-5"); !ok {
		t.Error("values redacted by key were not remembered in the invocation's scope")
	}
}

func TestRecorderWithoutScopeRedactsTheProcessSecrets(t *testing.T) {
	redact.AddSecrets("process-secret-7")
	r, w, _ := newTest(t, WithNamespace("Shop"))
	r.SetProperty("detail", "key process-secret-7")
	r.SetProperty("client_secret", "x")
	r.Count("Orders", 1)
	_ = r.Flush()
	if out := string(w.bytes()); strings.Contains(out, "process-secret-7") || !strings.Contains(out, `"client_secret":"[REDACTED]"`) {
		t.Errorf("written:\n%s", out)
	}
}

func FuzzRedaction(f *testing.F) {
	f.Add("note", "value", "secret-value", "d")
	f.Add("token", `{"a":"b"}`, "\u003cabcdef\u003e", "api_key")
	f.Add("order", "user=1&password=x", "zzzzzz", "route")
	f.Fuzz(func(t *testing.T, key, value, secret, dim string) {
		ctx, sc := invocationContext()
		secret = "Sx" + secret + "yZ"
		if len(secret) < redact.MinSecretLen {
			t.Skip("shorter than a secret is kept") // it would scrub ordinary words
		}
		sc.Values.Add(secret)
		r, w, _ := newTest(t, WithNamespace("Fuzz"))
		r = r.Clone()
		ContextWithRecorder(ctx, r)
		r.SetProperty(key, value+secret)
		r.SetProperty("password", value)
		r.SetProperty("nested", map[string]string{key: secret, "k": value + " " + secret})
		r.AddDimension("d", "v"+secret)
		r.AddDimension(dim, value)
		r.Count("M", 1)
		r.Single("S", 1, Count, Dimension{"s", secret})
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(w.bytes())), "\n") {
			if line == "" {
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("invalid document %s: %v", line, err)
			}
			if strings.Contains(flatten(v), secret) && !strings.Contains(value, secret) && !strings.Contains(key, secret) && !strings.Contains(dim, secret) {
				t.Fatalf("secret %q written: %s", secret, line)
			}
		}
	})
}

// flatten returns every key and string of a decoded JSON value.
func flatten(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteByte(0)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				b.WriteString(k)
				b.WriteByte(0)
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}
