package metrics

import (
	"context"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// ctxKey is the key the recorder is stored under: hook.RecorderKey, so that
// code recording only inside an invocation (awssdk, params, the event-source
// adapters) reads it with hook.Recorder, without the warning FromContext's
// recorder gives.
type ctxKey = hook.RecorderKey

// ContextWithRecorder returns a copy of ctx carrying r. The Lambda wrapper
// attaches the invocation's recorder this way; tests can too. When ctx
// carries an invocation's redaction scope (lambdawrap's,
// logger.Handler.Begin's), r's documents redact with it: a value redacted
// in the invocation's log lines is redacted in its EMF documents too. A
// recorder belongs to one invocation: the first scope it is attached with
// stays its scope, and later contexts with other scopes do not change it
// (make one recorder per invocation with Clone). A recorder made by With
// and attached without a scope redacts with its parent's.
func ContextWithRecorder(ctx context.Context, r *Recorder) context.Context {
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
// first one, reports ErrNoRecorder through slog.Default() at level WARN.
// Each such recorder reports once: keep it in a variable rather than
// calling FromContext in a loop.
func FromContext(ctx context.Context) *Recorder {
	if ctx != nil {
		if r, ok := ctx.Value(ctxKey{}).(*Recorder); ok && r != nil {
			return r
		}
	}
	return &Recorder{}
}
