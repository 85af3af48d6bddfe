package logger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
)

func TestLongLinesAreTruncatedAndStayValid(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, withLookupEnv(noEnv))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	huge := strings.Repeat("é", 200_000) // 400 000 bytes
	slog.New(h).With("bound", "small").InfoContext(ctx, "huge payload", "payload", huge, "n", 7, "m", map[string]string{"big": huge})
	_ = inv.End(false)
	if buf.Len() > defaultMaxLineSize {
		t.Fatalf("line of %d bytes, limit %d", buf.Len(), defaultMaxLineSize)
	}
	ls := lines(t, buf.String())
	if len(ls) != 1 {
		t.Fatalf("want one line, got %d", len(ls))
	}
	m := ls[0]
	if m[names.KeyTruncated] != true || m["n"] != 7.0 || m["bound"] != "small" || m[names.KeyRequestID] == nil {
		t.Errorf("truncated line lost its fields: %v", keys(m))
	}
	p, _ := m["payload"].(string)
	if !strings.Contains(p, "…[truncated ") || !strings.HasPrefix(p, "éé") {
		t.Errorf("payload not marked as truncated: %.80q…", p)
	}

	// So many attributes that even cut values do not fit: the minimal line.
	buf.Reset()
	args := make([]any, 0, 40000)
	for i := range 20000 {
		args = append(args, fmt.Sprintf("key_%d", i), strings.Repeat("x", 100))
	}
	h2 := NewHandler(&buf, withLookupEnv(noEnv), WithMaxLineSize(10_000))
	slog.New(h2).Info("many", args...)
	ls = lines(t, buf.String())
	if len(ls) != 1 || buf.Len() > 10_000 || ls[0][names.KeyDroppedAttrs] != true || ls[0][names.KeyMessage] != "many" {
		t.Errorf("minimal line: %d bytes, %v", buf.Len(), keys(ls[0]))
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestSecretsAreNeverWritten(t *testing.T) {
	const (
		awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		session   = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
		bearer    = "eyJhbGciOiJIUzI1NiJ9.secret-jwt"
		password  = "hunter2-correct-horse"
		cookie    = "sess-0123456789abcdef"
	)
	var buf bytes.Buffer
	h := NewHandler(&buf, envOf(map[string]string{"AWS_SECRET_ACCESS_KEY": awsSecret, "AWS_SESSION_TOKEN": session}))
	ctx, inv := h.Begin(context.Background(), invocationFields())
	l := slog.New(h)
	event := map[string]any{
		"headers": map[string]string{"Authorization": "Bearer " + bearer, "Cookie": "session=" + cookie + "; theme=dark"},
		"body":    `{"user":"ann","password":"` + password + `"}`,
	}
	l.InfoContext(ctx, "event", "event", event)
	l.ErrorContext(ctx, "login failed", "error", fmt.Errorf("user ann with password %s and token %s: %w", password, bearer, errors.New("denied")))
	l.WarnContext(ctx, "cookie "+cookie+" expired")
	l.InfoContext(ctx, "credentials in use", "detail", "key "+awsSecret+" session "+session)
	_ = inv.End(false)
	out := buf.String()
	for _, s := range []string{awsSecret, session, bearer, password, cookie} {
		if strings.Contains(out, s) {
			t.Errorf("secret %q written:\n%s", s, out)
		}
	}
	if n := strings.Count(out, redact.Redacted); n < 6 {
		t.Errorf("want the secrets marked %s, found %d:\n%s", redact.Redacted, n, out)
	}
	if ls := lines(t, out); len(ls) != 4 || !strings.Contains(fmt.Sprint(ls[0]["event"]), `\"user\":\"ann\"`) && !strings.Contains(fmt.Sprint(ls[0]["event"]), `"user":"ann"`) {
		t.Errorf("the event body lost what is not secret: %v", ls)
	}
}
