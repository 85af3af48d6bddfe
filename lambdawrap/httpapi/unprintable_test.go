package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

// validatesToTypedNil's Validate method returns a nil *derefError.
type validatesToTypedNil struct {
	Name string `json:"name"`
}

func (validatesToTypedNil) Validate() error {
	var e *derefError
	return e
}

// decodesToTypedNil's UnmarshalJSON method returns a nil *derefError.
type decodesToTypedNil struct{ Name string }

func (*decodesToTypedNil) UnmarshalJSON([]byte) error {
	var e *derefError
	return e
}

// joinsTypedNil's Validate method wraps a field error and a typed nil.
type joinsTypedNil struct {
	Name string `json:"name"`
}

func (joinsTypedNil) Validate() error {
	var e *derefError
	return fmt.Errorf("%w; %w", httpapi.FieldError{Field: "name", Message: "is required"}, e)
}

// TestUnprintableErrors: an error that cannot print itself (a typed nil
// whose Error method dereferences it, an Error method that panics),
// wherever it comes from, is answered with the documented 500, never a
// panic or an invocation error (which API Gateway answers 502); the log
// line and the span say what it was, with both tracing backends recording.
func TestUnprintableErrors(t *testing.T) {
	typedNil := func(context.Context, struct{}) (string, error) {
		var e *derefError
		return "", e
	}
	typedNilError := func(context.Context, struct{}) (string, error) {
		var e *httpapi.Error
		return "", e
	}
	wrappedTypedNil := func(context.Context, struct{}) (string, error) {
		var e *derefError
		return "", fmt.Errorf("lookup: %w", e)
	}
	wrappedNilError := func(context.Context, struct{}) (string, error) {
		var e *httpapi.Error
		return "", fmt.Errorf("lookup: %w", e)
	}
	panicky := func(context.Context, struct{}) (string, error) { return "", panickyError{} }
	bearer := httpapi.WithMiddleware(httpapi.Bearer(func(context.Context, string) (string, error) {
		var e *derefError
		return "", e
	}))
	ok := func(context.Context, struct{}) (string, error) { return "ok", nil }
	typedNilMiddleware := httpapi.WithMiddleware(func(next httpapi.RequestHandler) httpapi.RequestHandler {
		return func(context.Context, *httpapi.Request) error {
			var e *derefError
			return e
		}
	})
	middleware := httpapi.WithMiddleware(func(next httpapi.RequestHandler) httpapi.RequestHandler {
		return func(context.Context, *httpapi.Request) error { return panickyError{} }
	})
	type source struct {
		name    string
		h       func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
		says    string // in the log line and the span
		errType string // the log line's error_type
	}
	sources := []source{
		{"handler typed nil", httpapi.HTTP(typedNil), "typed nil error: a nil *httpapi_test.derefError", "*httpapi_test.derefError"},
		{"handler nil *Error", httpapi.HTTP(typedNilError), "typed nil error: a nil *httpapi.Error", "*httpapi.Error"},
		{"handler wraps a typed nil", httpapi.HTTP(wrappedTypedNil), "lookup: <nil>", "*fmt.wrapError"},
		{"handler wraps a nil *Error", httpapi.HTTP(wrappedNilError, httpapi.WithErrorMapper(mapDomain)), "lookup: <nil *httpapi.Error>", "*fmt.wrapError"},
		{"handler Error panics", httpapi.HTTP(panicky), "httpapi_test.panickyError: Error method panicked: Error of " + secret, "httpapi_test.panickyError"},
		{"middleware typed nil", httpapi.HTTP(ok, typedNilMiddleware), "typed nil error", "*httpapi_test.derefError"},
		{"Bearer's verify typed nil", httpapi.HTTP(ok, bearer), "typed nil error", "*httpapi_test.derefError"},
		{"middleware Error panics", httpapi.HTTP(ok, middleware), "Error method panicked", "httpapi_test.panickyError"},
		{"Validate typed nil", httpapi.HTTP(func(context.Context, validatesToTypedNil) (string, error) { return "", nil }), "typed nil error", "*httpapi.Error"},
		{"Validate wraps a typed nil", httpapi.HTTP(func(context.Context, joinsTypedNil) (string, error) { return "", nil }), "typed nil error", "*httpapi.Error"},
		{"UnmarshalJSON typed nil", httpapi.HTTP(func(context.Context, decodesToTypedNil) (string, error) { return "", nil }), "typed nil error", "*httpapi.Error"},
	}
	backends := []struct {
		name   string
		tracer func(t *testing.T) (lambdawrap.Option, func() []string) // the option, and the errors recorded on the invocation span
	}{
		{"recording", func(t *testing.T) (lambdawrap.Option, func() []string) {
			return nil, nil // lambdaobstest's own
		}},
		{"oteltracing", func(t *testing.T) (lambdawrap.Option, func() []string) {
			exp := tracetest.NewInMemoryExporter()
			tr := oteltracing.New(exp, oteltracing.WithSampler(sdktrace.AlwaysSample()),
				hook.OTelLookupEnv(func(string) (string, bool) { return "", false }).(oteltracing.Option))
			t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
			return lambdawrap.WithTracer(tr), func() []string {
				var out []string
				for _, s := range exp.GetSpans() {
					if s.Status.Description != "" {
						out = append(out, "status: "+s.Status.Description)
					}
					for _, e := range s.Events {
						for _, a := range e.Attributes {
							if a.Key == "exception.message" {
								out = append(out, a.Value.AsString())
							}
						}
					}
				}
				return out
			}
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, s := range sources {
				t.Run(s.name, func(t *testing.T) {
					opt, recorded := b.tracer(t)
					opts := wrapOpts
					if opt != nil {
						opts = append(opts[:len(opts):len(opts)], opt)
					}
					f := lambdaobstest.New(t, s.h, opts...)
					e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
					e.Body = `{"name":"x"}`
					e.Headers["authorization"] = "Bearer tok-alice"
					r := f.Invoke(e, lambdaobstest.Request{})
					if r.Err != nil || r.Panic != nil {
						t.Fatalf("invocation error %v, panic %v", r.Err, r.Panic)
					}
					if r.Output.StatusCode != 500 || r.Output.Body != `{"error":"Internal server error","code":"INTERNAL_ERROR"}` {
						t.Errorf("%d %s", r.Output.StatusCode, r.Output.Body)
					}
					l := adapterLines(r.Logs)
					if len(l) != 1 || l[0]["message"] != names.MsgRequestFailed || !strings.Contains(fmt.Sprint(l[0][names.KeyError]), s.says) ||
						l[0][names.KeyErrorType] != s.errType {
						t.Errorf("want one %q line saying %q (%s), got %v", names.MsgRequestFailed, s.says, s.errType, l)
					}
					var errs []string
					if recorded != nil {
						errs = recorded()
					} else {
						sp := invocationSpan(t, r.Spans)
						if sp.Status != tracing.Error {
							t.Errorf("span status %v", sp.Status)
						}
						errs = append(sp.Errors, "status: "+sp.Description)
					}
					if n := strings.Count(strings.Join(errs, "\n"), s.says); n < 2 {
						t.Errorf("the span's error and status do not say %q: %q", s.says, errs)
					}
				})
			}
		})
	}
}

// TestErrorTypedNil: a nil *Error describes itself instead of panicking.
func TestErrorTypedNil(t *testing.T) {
	var e *httpapi.Error
	if got := e.Error(); got != "<nil *httpapi.Error>" {
		t.Errorf("%q", got)
	}
	if e.Unwrap() != nil || errors.Is(fmt.Errorf("x: %w", e), errOrderNotFound) {
		t.Error("a nil *Error unwraps to something")
	}
	var d *derefError
	c := httpapi.NotFound("").WithCause(d)
	if got := c.Error(); got != "404 NOT_FOUND: Not Found: typed nil error: a nil *httpapi_test.derefError was returned as an error" {
		t.Errorf("%q", got)
	}
}

// countedPanic is a panic value whose String method counts its calls.
type countedPanic struct{ calls *atomic.Int64 }

func (p countedPanic) String() string { p.calls.Add(1); return "counted panic" }

// countedError is an error whose Error method counts its calls, then
// panics: it cannot print itself.
type countedError struct{ calls *atomic.Int64 }

func (e countedError) Error() string { e.calls.Add(1); panic("no text") }

// TestAFailureIsDescribedOnce: the text of a 5xx's panic or error, which
// the span and the log line both carry, is read once: the user's String or
// Error method runs a single time.
func TestAFailureIsDescribedOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    func(calls *atomic.Int64) func(context.Context, struct{}) (string, error)
	}{
		{"panic", func(calls *atomic.Int64) func(context.Context, struct{}) (string, error) {
			return func(context.Context, struct{}) (string, error) { panic(countedPanic{calls}) }
		}},
		{"unprintable error", func(calls *atomic.Int64) func(context.Context, struct{}) (string, error) {
			return func(context.Context, struct{}) (string, error) { return "", countedError{calls} }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			f := lambdaobstest.New(t, httpapi.HTTP(tc.h(&calls)), wrapOpts...)
			e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
			r := f.Invoke(e, lambdaobstest.Request{})
			if r.Output.StatusCode != 500 {
				t.Fatalf("status %d", r.Output.StatusCode)
			}
			if sp := invocationSpan(t, r.Spans); sp.Status != tracing.Error {
				t.Errorf("span status %v", sp.Status)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("the method ran %d times, want 1", n)
			}
		})
	}
}
