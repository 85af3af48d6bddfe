package metrics

import (
	"context"

	"github.com/lambdaobs/lambdaobs/internal/redact"
)

type ctxKey struct{}

// NewContext returns a copy of ctx carrying r. The Lambda wrapper attaches the
// invocation's recorder this way; tests can too. When ctx carries an
// invocation's redaction scope (lambdawrap's, logger.Handler.Begin's), r's
// documents redact with it: a value redacted in the invocation's log lines
// is redacted in its EMF documents too.
func NewContext(ctx context.Context, r *Recorder) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if sc := redact.FromContext(ctx); sc != nil && r != nil {
		r.scope.CompareAndSwap(nil, sc)
	}
	return context.WithValue(ctx, ctxKey{}, r)
}

// FromContext returns the recorder ctx carries, never nil. Without one (code
// running outside an invocation, or a context not derived from the
// invocation's) it returns a new recorder that drops every value and, on the
// first one, reports ErrNoRecorder through slog.Default() at level WARN. Each such recorder reports once: keep it in a variable rather
// than calling FromContext in a loop.
func FromContext(ctx context.Context) *Recorder {
	if ctx != nil {
		if r, ok := ctx.Value(ctxKey{}).(*Recorder); ok && r != nil {
			return r
		}
	}
	return &Recorder{}
}

// Lookup returns the recorder ctx carries, and false when it carries none
// (code running outside an invocation). It is for code that runs both in
// invocations and outside them (an AWS SDK middleware, a cache, an HTTP
// adapter) and records only into an invocation's recorder: unlike
// FromContext it never makes a recorder that drops values and reports
// ErrNoRecorder.
func Lookup(ctx context.Context) (*Recorder, bool) {
	if ctx == nil {
		return nil, false
	}
	r, ok := ctx.Value(ctxKey{}).(*Recorder)
	return r, ok && r != nil
}
