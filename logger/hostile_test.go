package logger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
)

// uniqueKeys fails unless line is one JSON object whose objects, at every
// depth, never have the same key twice.
func uniqueKeys(t testing.TB, line []byte) {
	t.Helper()
	if err := testenv.UniqueKeys(line); err != nil {
		t.Fatalf("%v in %s", err, line)
	}
}

func TestKeysAreNeverWrittenTwice(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv), WithService("orders"))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	ctx = ContextWithAttrs(ctx, slog.String("level", "ctx"), slog.String("dup", "ctx"))
	l := slog.New(h).With("message", "with", "dup", "with", "g", 1).WithGroup("g").With("x", 1)
	l.InfoContext(ctx, "real message", "x", 2, "x", 3)
	slog.New(h).InfoContext(ctx, "m", "level", "DEBUG", "timestamp", "never", "service", "users",
		"cold_start", "no", "function_request_id", "forged", "err", errors.New("boom"), "err_type", "mine",
		slog.Group("grp", "a", 1, "a", 2), "grp", "again")
	_ = inv.End(false)
	ls := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte{'\n'})
	if len(ls) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	for _, line := range ls {
		uniqueKeys(t, line)
	}
	var m map[string]any
	_ = json.Unmarshal(ls[1], &m)
	for k, want := range map[string]any{
		"level": "INFO", "message": "m", "service": "orders", "cold_start": true,
		"function_request_id": invocationFields().RequestID,
		"level_2":             "ctx", "level_3": "DEBUG", "timestamp_2": "never", "service_2": "users",
		"function_request_id_2": "forged", "err": "boom", "err_type": "*errors.errorString", "err_type_2": "mine",
		"grp_2": "again",
	} {
		if m[k] != want {
			t.Errorf("%s = %#v, want %#v (line %s)", k, m[k], want, ls[1])
		}
	}
	var first map[string]any
	_ = json.Unmarshal(ls[0], &first)
	// Context attributes are written before those bound with With, and give
	// way to them.
	if first["message"] != "real message" || first["message_2"] != "with" || first["dup"] != "with" || first["dup_2"] != "ctx" {
		t.Errorf("first line: %s", ls[0])
	}
	if g, _ := first["g_2"].(map[string]any); g["x"] != float64(1) || g["x_2"] != float64(2) || g["x_3"] != float64(3) {
		t.Errorf("group: %s", ls[0])
	}
}

// Keys bound with With that hold a secret value are told apart from the
// line's other keys as they are written, secret replaced: a group of the
// same name is renamed, whether the value was known before the line or
// learnt in it.
func TestKeysRedactedInWithAreNeverWrittenTwice(t *testing.T) {
	for _, known := range []bool{true, false} {
		var buf bytes.Buffer
		h := NewHandler(&buf, withLookupEnv(noEnv))
		ctx, inv := h.Begin(context.Background(), invocationFields())
		if known {
			inv.AddSecrets("000000")
		}
		l := slog.New(h).With("000000", errors.New("x")).WithGroup("000000")
		l.InfoContext(ctx, "m", "b", 2, "password", "000000")
		_ = inv.End(false)
		line := bytes.TrimSpace(buf.Bytes())
		uniqueKeys(t, line)
		var m map[string]any
		_ = json.Unmarshal(line, &m)
		if g, _ := m[redact.Redacted+"_2"].(map[string]any); m[redact.Redacted] != "x" || g["b"] != float64(2) || strings.Contains(string(line), "000000") {
			t.Errorf("known before the line %v: %s", known, line)
		}
	}
}

func TestInitDurationSurvivesDebugBuffering(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv), WithDebugBuffer(0))
	f := invocationFields()
	f.InitDuration = 12 * time.Millisecond
	ctx, inv := h.Begin(context.Background(), f)
	l := slog.New(h)
	l.DebugContext(ctx, "held, then dropped")
	l.InfoContext(ctx, "written")
	_ = inv.End(false)
	ls := lines(t, buf.String())
	if len(ls) != 1 || ls[0][names.KeyInitDurationMS] != float64(12) {
		t.Errorf("the first written line must carry %s: %v", names.KeyInitDurationMS, ls)
	}
}

func TestSecretsNeverBreakALine(t *testing.T) {
	const short = "100000" // a secret that is also part of numbers and escapes
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	inv.AddSecrets(short, `u00100`)
	l := slog.New(h)
	l.InfoContext(ctx, "amounts", "amount_cents", 1100000, "ratio", 1.1000001, "text", "\x10 done", "big", uint64(1100000))
	l.InfoContext(ctx, "exact", "n", 100000, "f", 100000.0)
	_ = inv.End(false)
	ls := lines(t, buf.String())
	if len(ls) != 2 {
		t.Fatalf("lines: %q", buf.String())
	}
	if ls[0]["amount_cents"] != float64(1100000) || ls[0]["text"] != "\x10 done" {
		t.Errorf("numbers and escapes changed: %v", ls[0])
	}
	if ls[1]["n"] != redact.Redacted || ls[1]["f"] != redact.Redacted {
		t.Errorf("a number that is a secret is written: %v", ls[1])
	}
}

func TestScrubbingNeverPushesALinePastTheLimit(t *testing.T) {
	const limit = 2000
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv), WithMaxLineSize(limit))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	inv.AddSecrets("abcdef") // six bytes, written as ten
	slog.New(h).InfoContext(ctx, "m", "blob", strings.Repeat("abcdef", 300))
	_ = inv.End(false)
	if n := len(buf.Bytes()); n > limit {
		t.Fatalf("line of %d bytes over %d", n, limit)
	}
	if strings.Contains(buf.String(), "abcdef") {
		t.Error("secret written")
	}
	lines(t, buf.String())
}

func TestValuesRedactedByKeyAreRememberedEverywhere(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	bound := slog.New(h).With("api_token", "with-bound-123")
	bound.InfoContext(ctx, "bound")
	l := slog.New(h)
	l.InfoContext(ctx, "kinds",
		"password", []byte("bytes-secret-1"),
		slog.Group("secret", "inner", "grouped-secret-2", "pin", 987654),
		"token", 918273645,
		"auth_token", "a<b>&c-secret")
	l.InfoContext(ctx, "quoted: with-bound-123 bytes-secret-1 grouped-secret-2 987654 918273645 a<b>&c-secret",
		"also", "with-bound-123 a<b>&c-secret", "n", 918273645)
	_ = inv.End(false)
	out := buf.String()
	for _, s := range []string{"with-bound-123", "bytes-secret-1", "grouped-secret-2", "987654", "918273645", "a<b>&c-secret", `a\u003cb\u003e\u0026c-secret`} {
		if strings.Contains(out, s) {
			t.Errorf("%q written:\n%s", s, out)
		}
	}
	lines(t, out)
}

func TestPluralSecretKeys(t *testing.T) {
	var buf bytes.Buffer
	slog.New(NewHandler(&buf, withLookupEnv(noEnv))).Info("m", "tokens", "t1", "passwords", []string{"p1"}, "secrets", "s", "api_keys", "k", "apiKeys", "k2")
	m := lines(t, buf.String())[0]
	for _, k := range []string{"tokens", "passwords", "secrets", "api_keys", "apiKeys"} {
		if m[k] != redact.Redacted {
			t.Errorf("%s = %v", k, m[k])
		}
	}
}

func TestDeepEventsAreRedacted(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	deepObj := strings.Repeat(`{"a":`, 40) + `{"password":"deep-secret-1"}` + strings.Repeat(`}`, 40)
	deepArr := strings.Repeat(`[`, 40) + `{"token":"deep-secret-2"}` + strings.Repeat(`]`, 40)
	event := `{"o":` + deepObj + `,"l":` + deepArr + `}`
	slog.New(h).InfoContext(ctx, "event", "event", json.RawMessage(event))
	_ = inv.End(false)
	if out := buf.String(); strings.Contains(out, "deep-secret") {
		t.Errorf("deep secret written: %s", out)
	}
	lines(t, buf.String())
}

func TestEventContentThatIsNotJSONIsRedacted(t *testing.T) {
	form := "user=bob&password=form-secret-1&remember=1"
	b64JSON := base64.StdEncoding.EncodeToString([]byte(`{"user":"bob","password":"b64-secret-2"}`))
	b64Form := base64.StdEncoding.EncodeToString([]byte("user=bob&password=b64-secret-3"))
	event := map[string]any{
		"body":                  form,
		"rawQueryString":        "page=2&token=query-secret-4",
		"path":                  "/login?api_key=url-secret-5",
		"isBase64Encoded":       true,
		"encodedBody":           b64JSON,
		"encodedForm":           b64Form,
		"queryStringParameters": map[string]string{"token": "qsp-secret-6"},
	}
	raw, _ := json.Marshal(event)
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	l := slog.New(h)
	l.InfoContext(ctx, "event", "event", json.RawMessage(raw))
	l.InfoContext(ctx, "later", "echo", "form-secret-1 b64-secret-2 query-secret-4")
	_ = inv.End(false)
	out := buf.String()
	for i := 1; i <= 6; i++ {
		if strings.Contains(out, fmt.Sprintf("secret-%d", i)) {
			t.Errorf("secret-%d written:\n%s", i, out)
		}
	}
	m := lines(t, out)[0]["event"].(map[string]any)
	if !strings.Contains(m["body"].(string), "user=bob") || m["rawQueryString"] != "page=2&token="+redact.Redacted {
		t.Errorf("what is not secret must stay: %v", m)
	}
	dec, err := base64.StdEncoding.DecodeString(m["encodedBody"].(string))
	if err != nil || !strings.Contains(string(dec), `"user":"bob"`) {
		t.Errorf("base64 body: %q %v", dec, err)
	}
}

func TestInitDurationSurvivesTruncation(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv), WithMaxLineSize(2000))
	f := invocationFields()
	f.InitDuration = 12 * time.Millisecond
	ctx, inv := h.Begin(context.Background(), f)
	l := slog.New(h)
	l.InfoContext(ctx, "too long", "blob", strings.Repeat("x", 5000))
	l.InfoContext(ctx, "second")
	_ = inv.End(false)
	ls := lines(t, buf.String())
	if len(ls) != 2 || ls[0][names.KeyTruncated] != true || ls[0][names.KeyInitDurationMS] != float64(12) {
		t.Errorf("the first line, truncated, must carry %s: %v", names.KeyInitDurationMS, ls)
	}
	if _, ok := ls[1][names.KeyInitDurationMS]; ok {
		t.Errorf("only the first line carries %s: %v", names.KeyInitDurationMS, ls[1])
	}
}

func TestEmptyDeepGroupsFreeTheirKeys(t *testing.T) {
	tests := []struct {
		name  string
		depth int
	}{{"shallow", 1}, {"at the inline depth", 3}, {"past the inline depth", 4}, {"deeper", 7}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			inner := []slog.Attr{slog.Group("e", slog.Attr{}), slog.Int("e", 1)}
			for i := range tt.depth {
				inner = []slog.Attr{{Key: fmt.Sprintf("g%d", i), Value: slog.GroupValue(inner...)}}
			}
			slog.New(NewHandler(&buf, withLookupEnv(noEnv))).LogAttrs(context.Background(), slog.LevelInfo, "m", inner...)
			uniqueKeys(t, bytes.TrimSpace(buf.Bytes()))
			if !strings.Contains(buf.String(), `{"e":1}`) {
				t.Errorf("the empty group's key is still taken: %s", buf.String())
			}
		})
	}
}
