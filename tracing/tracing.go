// Package tracing is the small facade user code calls to trace: Start a span
// from a context, set attributes, record errors, End it. It does not export
// anything itself; a backend does (tracing/xraytracing for AWS X-Ray,
// tracing/oteltracing for OpenTelemetry), chosen once in main and carried to
// every invocation in its context by lambdawrap. Without a backend every
// span is a no-op that costs nothing.
package tracing

import (
	"context"
	"log/slog"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
)

// Code is the outcome of a span.
type Code int

const (
	// Unset leaves the outcome to the backend (success unless an error was recorded).
	Unset Code = iota
	// OK marks the span as successful.
	OK
	// ClientError marks a failure caused by the caller (an HTTP 4xx): an
	// "error" in X-Ray; OpenTelemetry leaves a server span's status unset.
	ClientError
	// Error marks a failure of the function itself (an error returned, a
	// panic, a timeout, an HTTP 5xx): a "fault" in X-Ray, status Error in
	// OpenTelemetry.
	Error
)

// Kind is the role of a span, as in OpenTelemetry.
type Kind int

// Span kinds.
const (
	KindInternal Kind = iota
	KindServer
	KindClient
	KindProducer
	KindConsumer
)

// Span is one timed operation.
type Span interface {
	// End completes the span. Calls after the first do nothing.
	End()
	// SetAttributes sets indexed attributes (X-Ray annotations; OTel
	// attributes). X-Ray indexes only strings, numbers and booleans.
	SetAttributes(attrs ...slog.Attr)
	// SetMetadata records a value that is kept but not indexed (X-Ray
	// metadata; an OTel attribute holding its JSON).
	SetMetadata(key string, value any)
	// RecordError records err on the span, its message redacted; it does
	// not change the status. An err with an ErrorType() string method (an
	// error that describes another, as lambdawrap records a returned error)
	// is recorded under the type that method names.
	RecordError(err error)
	// SetStatus sets the outcome.
	SetStatus(code Code, description string)
	// IsRecording reports whether the span records anything.
	IsRecording() bool
	// TraceID returns the span's trace id in X-Ray form ("1-…-…"), or "".
	TraceID() string
	// Header returns the span as an X-Ray trace header (Root, Parent = this
	// span, Sampled), to propagate it: the AWSTraceHeader of an SQS message,
	// an outgoing HTTP header. The no-op span returns the zero Header.
	Header() Header
}

// Invocation describes the invocation a backend starts its span for.
type Invocation struct {
	RequestID    string
	FunctionName string
	FunctionARN  string
	Version      string
	Service      string
	// TraceHeader is the X-Ray trace header Lambda passed in the context.
	TraceHeader  string
	ColdStart    bool
	InitDuration time.Duration // set on the first invocation of a process
	Start        time.Time
}

// Tracer is what a backend implements. lambdawrap calls StartInvocation and
// Flush; Start serves the facade.
type Tracer interface {
	// StartInvocation starts the span of one invocation, parented by the
	// Lambda trace header, and returns the context the handler receives.
	StartInvocation(ctx context.Context, inv Invocation) (context.Context, Span)
	// Start starts a child of the span in ctx (or a root span).
	Start(ctx context.Context, name string, cfg StartConfig) (context.Context, Span)
	// Flush sends what is pending. It returns when done or when ctx ends.
	Flush(ctx context.Context) error
}

// StartConfig is what StartOptions set.
type StartConfig struct {
	Kind       Kind
	Attributes []slog.Attr
	// RemoteParent, when set, makes the span a child of that remote span
	// (say, the producer of an SQS message) in its trace, instead of a child
	// of the span in the context.
	RemoteParent *Header
	// Links relate the span to other traces (OTel links; X-Ray keeps them as
	// metadata).
	Links []Header
}

// StartOption configures a span at its start.
type StartOption interface{ apply(StartConfig) StartConfig }

// startOptionFunc works on a copy of the configuration, so that Start's
// StartConfig stays on the stack (a pointer passed to an interface method
// would move it to the heap on every call).
type startOptionFunc func(StartConfig) StartConfig

func (f startOptionFunc) apply(c StartConfig) StartConfig { return f(c) }

// WithKind sets the span kind.
func WithKind(k Kind) StartOption {
	return startOptionFunc(func(c StartConfig) StartConfig { c.Kind = k; return c })
}

// WithAttributes sets attributes at the start of the span.
func WithAttributes(attrs ...slog.Attr) StartOption { return attrsOption(attrs) }

// attrsOption is WithAttributes's option. The first one gives its slice to
// the configuration as it is (capped, so a later one's append copies it):
// a span started with attributes allocates only the option.
type attrsOption []slog.Attr

func (o attrsOption) apply(c StartConfig) StartConfig {
	if len(c.Attributes) == 0 {
		c.Attributes = o[:len(o):len(o)]
	} else {
		c.Attributes = append(c.Attributes, o...)
	}
	return c
}

// WithRemoteParent makes the span a child of the remote span h, in h's
// trace: a consumer continuing the trace of the message it processes.
func WithRemoteParent(h Header) StartOption {
	return startOptionFunc(func(c StartConfig) StartConfig { c.RemoteParent = &h; return c })
}

// WithLinks links the span to the spans of other traces.
func WithLinks(hs ...Header) StartOption {
	return startOptionFunc(func(c StartConfig) StartConfig { c.Links = append(c.Links, hs...); return c })
}

type tracerKey struct{}

type spanKey struct{}

// ContextWithTracer returns ctx carrying the tracer that Start uses
// (lambdawrap puts the backend there for each invocation). A nil t, or a
// nil pointer in t (a backend whose constructor failed), is no tracer: ctx
// is returned as it is, and Start makes no-op spans.
func ContextWithTracer(ctx context.Context, t Tracer) context.Context {
	if t == nil || errinfo.IsNilPointer(t) {
		return ctx
	}
	return context.WithValue(ctx, tracerKey{}, t)
}

// TracerFromContext returns the tracer in ctx, or nil.
func TracerFromContext(ctx context.Context) Tracer {
	t, _ := ctx.Value(tracerKey{}).(Tracer)
	return t
}

// ContextWithSpan returns ctx carrying s as the current span; backends use it.
func ContextWithSpan(ctx context.Context, s Span) context.Context {
	return context.WithValue(ctx, spanKey{}, s)
}

// SpanFromContext returns the current span in ctx, or the no-op span, which
// records nothing (SpanFromContext(context.Background()) is that one). It
// never returns nil.
func SpanFromContext(ctx context.Context) Span {
	if s, ok := ctx.Value(spanKey{}).(Span); ok && s != nil {
		return s
	}
	return noop
}

// Start starts a span named name as a child of the span in ctx, with the
// tracer in ctx. Without a tracer it returns ctx and a no-op span, and
// allocates nothing.
func Start(ctx context.Context, name string, opts ...StartOption) (context.Context, Span) {
	t := TracerFromContext(ctx)
	if t == nil {
		return ctx, noop
	}
	var cfg StartConfig
	for _, o := range opts {
		cfg = o.apply(cfg)
	}
	return t.Start(ctx, name, cfg)
}

// noop is the span that records nothing.
var noop Span = noopSpan{}

type noopSpan struct{}

func (noopSpan) End()                       {}
func (noopSpan) SetAttributes(...slog.Attr) {}
func (noopSpan) SetMetadata(string, any)    {}
func (noopSpan) RecordError(error)          {}
func (noopSpan) SetStatus(Code, string)     {}
func (noopSpan) IsRecording() bool          { return false }
func (noopSpan) TraceID() string            { return "" }
func (noopSpan) Header() Header             { return Header{} }
