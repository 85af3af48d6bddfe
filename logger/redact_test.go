package logger

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"unsafe"

	"github.com/lambdaobs/lambdaobs/internal/redact"
)

type secretPanicValuer struct{ msg string }

func (v secretPanicValuer) LogValue() slog.Value { panic(v.msg) }

type secretPanicErr struct{ msg string }

func (e secretPanicErr) Error() string { panic(e.msg) }

type secretMarshalErr struct{ msg string }

func (m secretMarshalErr) MarshalJSON() ([]byte, error) { return nil, errors.New(m.msg) }

type secretMarshalPanic struct{ msg string }

func (m secretMarshalPanic) MarshalJSON() ([]byte, error) { panic(m.msg) }

func TestBadValuesAreRedacted(t *testing.T) {
	const known = "known-secret-1"
	tests := []struct {
		name   string
		attr   slog.Attr
		secret string
	}{
		{"LogValue panics with a known secret", slog.Any("v", secretPanicValuer{"bad " + known}), known},
		{"LogValue panics with an assignment", slog.Any("v", secretPanicValuer{"password=pv-secret-2"}), "pv-secret-2"},
		{"Error panics", slog.Any("err", secretPanicErr{"token: ep-secret-3"}), "ep-secret-3"},
		{"MarshalJSON fails", slog.Any("m", secretMarshalErr{"api_key=mj-secret-4"}), "mj-secret-4"},
		{"MarshalJSON panics", slog.Any("m", secretMarshalPanic{"bad " + known}), known},
		{"LogValue panics under a secret key", slog.Any("password", secretPanicValuer{"sk-secret-5"}), "sk-secret-5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := NewHandler(&buf, withLookupEnv(noEnv))
			ctx, inv := h.Begin(context.Background(), invocationFields())
			inv.AddSecrets(known)
			slog.New(h).LogAttrs(ctx, slog.LevelInfo, "m", tt.attr)
			_ = inv.End(false)
			out := buf.String()
			if strings.Contains(out, tt.secret) {
				t.Errorf("secret written: %s", out)
			}
			m := lines(t, out)[0]
			v, _ := m[tt.attr.Key].(string)
			if tt.attr.Key == "password" {
				if v != redact.Redacted {
					t.Errorf("%s = %q, want %s", tt.attr.Key, v, redact.Redacted)
				}
			} else if !strings.HasPrefix(v, "!BADVALUE") {
				t.Errorf("%s = %q, want a !BADVALUE string", tt.attr.Key, v)
			}
		})
	}
}

func TestSecretsRedactedByKeyAreRedactedEarlierInTheLine(t *testing.T) {
	const pw = "hunter22x"
	tests := []struct {
		name   string
		invoke bool
		ctx    []slog.Attr
		msg    string
		args   []any
	}{
		{"message", true, nil, "login " + pw + " failed", []any{"password", pw}},
		{"earlier attribute", true, nil, "login", []any{"user", pw, "password", pw}},
		{"earlier group", true, nil, "login", []any{slog.Group("req", "note", "was "+pw), "password", pw}},
		{"inside a later group", true, nil, "login " + pw, []any{slog.Group("req", "password", pw)}},
		{"number", true, nil, "pin 9876543", []any{"pin_token", 9876543}},
		{"JSON value", true, nil, "login " + pw, []any{"body", map[string]string{"password": pw}}},
		{"assignment in a later string", true, nil, "login " + pw, []any{"note", "password=" + pw}},
		{"context attribute", true, []slog.Attr{slog.String("who", pw)}, "m", []any{"password", pw}},
		{"no invocation: message", false, nil, "login " + pw + " failed", []any{"password", pw}},
		{"no invocation: earlier attribute", false, nil, "login", []any{"user", pw, "password", pw}},
		{"no invocation: JSON value", false, nil, "login " + pw, []any{"body", map[string]string{"password": pw}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := NewHandler(&buf, withLookupEnv(noEnv))
			ctx := context.Background()
			var inv *Invocation
			if tt.invoke {
				ctx, inv = h.Begin(ctx, invocationFields())
			}
			if tt.ctx != nil {
				ctx = ContextWithAttrs(ctx, tt.ctx...)
			}
			slog.New(h).InfoContext(ctx, tt.msg, tt.args...)
			if inv != nil {
				_ = inv.End(false)
			}
			out := buf.String()
			lines(t, out)
			for _, s := range []string{pw, "9876543"} {
				if strings.Contains(out, s) {
					t.Errorf("secret %q written: %s", s, out)
				}
			}
		})
	}
	t.Run("no invocation: nothing is remembered for later lines", func(t *testing.T) {
		var buf bytes.Buffer
		l := slog.New(NewHandler(&buf, withLookupEnv(noEnv)))
		l.Info("first", "password", pw)
		l.Info("second " + pw)
		if ls := lines(t, buf.String()); ls[1]["message"] != "second "+pw {
			t.Errorf("a line without an invocation learnt from another: %v", ls[1])
		}
	})
}

func TestBoundSecretsAreMergedOnce(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	bound := slog.New(h).With("token", "bound-secret-1")
	bh := bound.Handler().(*Handler)
	bound.InfoContext(ctx, "one")
	if inv.merged.Load() != bh.secrets {
		t.Fatal("the bound secrets are not recorded as merged")
	}
	if sc := inv.scope.Scrubber(); !sc.Secret("bound-secret-1") {
		t.Error("the bound secret is not the invocation's")
	}
	slog.New(h).InfoContext(ctx, "later bound-secret-1")
	_ = inv.End(false)
	if strings.Contains(buf.String(), "bound-secret-1") {
		t.Errorf("secret written: %s", buf.String())
	}
}

func TestKeyFactsFollowTheKeyText(t *testing.T) {
	// A key may be a view of bytes that change between lines: what the
	// handler remembers of a key is looked up by its text.
	var buf bytes.Buffer
	l := slog.New(NewHandler(&buf, withLookupEnv(noEnv)))
	text := []byte("public")
	key := unsafe.String(&text[0], len(text))
	l.Info("one", key, "visible")
	copy(text, "secret")
	l.Info("two", key, "hidden-value-1")
	ls := lines(t, buf.String())
	if ls[0]["public"] != "visible" || ls[1]["secret"] != redact.Redacted {
		t.Errorf("lines: %v", ls)
	}
}
