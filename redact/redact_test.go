package redact_test

import (
	"testing"

	"go.uber.org/goleak"

	iredact "github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/redact"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestAddSecretsRegistersCredentialsNotWords(t *testing.T) {
	redact.AddSecrets(
		"host=db-primary.internal;user=orders_app;password=pw-0123456789",
		"Bearer tok-abcdef0123",
		"correct horse battery staple",
	)
	sc := (*iredact.Scope)(nil).Scrubber() // the process's set
	for _, c := range []struct{ in, want string }{
		{"dial db-primary.internal as orders_app", "dial db-primary.internal as orders_app"},
		{"auth with pw-0123456789 failed", "auth with [REDACTED] failed"},
		{"token tok-abcdef0123 expired", "token [REDACTED] expired"},
		{"Bearer tok-abcdef0123", "[REDACTED]"},
		{"the staple of the battery", "the staple of the battery"},
		{"said correct horse battery staple", "said [REDACTED]"},
	} {
		t.Run(c.in, func(t *testing.T) {
			if got, _ := sc.Values(c.in); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
