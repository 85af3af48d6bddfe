package metrics

import "context"

type ctxKey struct{}

// NewContext returns a copy of ctx carrying r. The Lambda wrapper attaches the
// invocation's recorder this way; tests can too.
func NewContext(ctx context.Context, r *Recorder) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, ctxKey{}, r)
}

// FromContext returns the recorder ctx carries, never nil. Without one (code
// running outside an invocation, or a context not derived from the
// invocation's) it returns a new recorder that drops every value, counts them
// in Late, and on the first one reports ErrNoRecorder through slog.Default()
// at level WARN. Each such recorder reports once: keep it in a variable rather
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
// (code running outside an invocation). Unlike FromContext it never makes a
// recorder that reports.
func Lookup(ctx context.Context) (*Recorder, bool) {
	if ctx == nil {
		return nil, false
	}
	r, ok := ctx.Value(ctxKey{}).(*Recorder)
	return r, ok && r != nil
}
