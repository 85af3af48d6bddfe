package params

import "context"

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
