package params

import (
	"context"

	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// What the tests reach that users do not: a fake clock and a map for the
// environment.
var (
	WithClock     = withClock
	WithLookupEnv = withLookupEnv
)

// LoadEnvWith is LoadEnv with options (WithLookupEnv).
func LoadEnvWith(dst any, opts ...Option) error { return loadEnv(dst, opts) }

// NewLazyWith is NewLazy with options (WithClock).
func NewLazyWith[T any](name string, init func(ctx context.Context) (T, error), opts ...Option) *Lazy[T] {
	return newLazy(name, init, opts)
}

// IsProcessSecret reports whether v is registered as a secret of the
// process.
func IsProcessSecret(v string) bool {
	s := redact.Scrubber{Sets: [3]*redact.Set{redact.Process()}}
	return s.Secret(v)
}
