package lambdawrap

import (
	"context"
	"encoding/json"
	"log/slog"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Wrap returns h observed: each invocation gets a context carrying its log
// fields, a metrics.Recorder and a span; errors, panics and timeouts are
// recorded; everything is flushed once before the returned function
// returns. The handler's output and error are returned unchanged, and a
// panic is re-raised after the flush, so aws-lambda-go reports it as before,
// with two exceptions that keep a secret or a crash from reaching the
// caller: an error whose text carries a secret value, or whose Error method
// panics (a nil *T returned as an error), is returned as a
// messages.InvokeResponse_Error with the redacted text and the original
// type name; a panic whose text carries a secret is re-raised as one.
//
//	lambda.Start(lambdawrap.Wrap(handle, lambdawrap.WithService("orders")))
//
// Wrap reads its configuration once, when called: call it in main (or at
// package init), not per invocation.
func Wrap[In, Out any](h func(context.Context, In) (Out, error), opts ...Option) func(context.Context, In) (Out, error) {
	w := newWrapper(opts)
	return func(ctx context.Context, in In) (Out, error) { return run(w, ctx, in, h) }
}

// WrapHandler is Wrap for a byte-level lambda.Handler.
func WrapHandler(h lambda.Handler, opts ...Option) lambda.Handler {
	return &byteHandler{w: newWrapper(opts), invoke: h.Invoke}
}

type byteHandler struct {
	w      *wrapper
	invoke func(context.Context, []byte) ([]byte, error)
}

// Invoke implements lambda.Handler.
func (b *byteHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return run(b.w, ctx, payload, b.invoke)
}

// Start wraps h and starts the Lambda runtime loop with it, as
// lambda.StartWithOptions does, with a SIGTERM hook that flushes the
// telemetry of invocations still running when Lambda shuts the
// environment down. Extra lambda options may be given with WithLambdaOptions.
//
// Asking for SIGTERM registers an internal extension, which some local
// emulators do not handle: after a panic they wait for it forever instead
// of starting the function again. LAMBDAOBS_DISABLE_SIGTERM=true in the
// function's environment keeps Start from asking.
//
// In Lambda, with a tracing backend whose export can wait (the
// OpenTelemetry one: tracing.Deferred), Start registers an internal
// extension and exports spans after the runtime has posted each result, so
// the caller never waits for the export (see WithoutPostResponseExport).
func Start[In, Out any](h func(context.Context, In) (Out, error), opts ...Option) {
	w := newWrapper(opts)
	var lopts []lambda.Option
	w.ext = w.startExtension() // its registration enables SIGTERM too
	if w.ext == nil && w.cfg.sigterm {
		lopts = append(lopts, lambda.WithEnableSIGTERM(w.onSIGTERM))
	}
	observed := func(ctx context.Context, in In) (Out, error) { return run(w, ctx, in, h) }
	lambda.StartWithOptions(observed, append(lopts, w.cfg.lambdaOpts...)...)
}

// WithoutPostResponseExport exports an invocation's spans before its
// result is posted, as Wrap does (Start only).
func WithoutPostResponseExport() Option {
	return optionFunc(func(c *config) { c.postResponse = false })
}

// WithLambdaOptions passes aws-lambda-go's own options to
// lambda.StartWithOptions (Start only): how events are decoded
// (lambda.WithUseNumber, lambda.WithDisallowUnknownFields), how results are
// encoded, the base context. Start asks for SIGTERM itself.
func WithLambdaOptions(opts ...lambda.Option) Option {
	return optionFunc(func(c *config) { c.lambdaOpts = append(c.lambdaOpts, opts...) })
}

// run is one observed invocation of h: begin, the handler, end. The end
// runs exactly once, whether h returns, panics or exits its goroutine.
func run[In, Out any](w *wrapper, ctx context.Context, in In, h func(context.Context, In) (Out, error)) (out Out, err error) {
	ctx, s := w.begin(ctx)
	returned := false
	defer func() {
		if returned {
			return
		}
		p := recover() // nil when the handler called runtime.Goexit
		var stack []byte
		if p != nil {
			stack = debug.Stack()
		}
		if v := s.end(outcome{panicked: p, stack: stack, aborted: p == nil}); p != nil {
			panic(v)
		}
	}()
	if w.cfg.logEvent {
		w.logEvent(ctx, in)
	}
	out, err = h(ctx, in)
	returned = true
	if err == nil {
		if rr := s.responseRecorder(); rr != nil { // checked first: out is boxed only for such a span
			s.setResponse(rr, out)
		}
	}
	if v := s.end(outcome{err: err}); v != nil {
		err = v.(error)
	}
	return out, err
}

// logEvent logs the invocation's event, redacted as every value is; the
// bytes of a byte-level handler are logged as the JSON they hold.
func (w *wrapper) logEvent(ctx context.Context, in any) {
	if p, ok := in.([]byte); ok {
		in = json.RawMessage(p)
	}
	w.self.LogAttrs(ctx, slog.LevelInfo, names.MsgEvent, slog.Any(names.KeyEvent, in))
}
