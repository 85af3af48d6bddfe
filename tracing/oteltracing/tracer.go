package oteltracing

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

// Tracer is a tracing.Tracer on the OpenTelemetry SDK. Give it to
// lambdawrap.WithTracer: each invocation then gets a SERVER span, child of
// Lambda's trace header, and the spans user code starts with tracing.Start
// are its children. Ended spans wait in the tracer, which starts no
// goroutine: they are exported by Flush, in the goroutine that calls it
// (the wrapper's, before the handler's result is returned, or, when export
// is deferred (tracing.Deferred), the one that exports after the response),
// and, unless export is deferred, by the End that brings the spans waiting
// to the batch size (WithMaxExportBatchSize).
//
// A Tracer is safe for concurrent use by invocations running at once.
type Tracer struct {
	cfg  *config
	proc *processor
	res  resourceInfo

	mu    sync.Mutex
	state atomic.Pointer[sdkState]
}

// sdkState is the SDK's provider and tracer, made when the service name is
// known: at New, or at the first invocation.
type sdkState struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
}

var _ tracing.Tracer = (*Tracer)(nil)

// New returns a Tracer exporting through exporter (from the otlp, xrayotlp
// or stdout package, or any sdktrace.SpanExporter; nil exports nothing).
// The exporter is called only when the tracer flushes, or when
// WithMaxExportBatchSize spans are waiting, never from a goroutine of its
// own. A nil pointer given as the exporter (what `exp, _ := otlp.New()`
// holds when New failed) exports nothing either, and New says so in one
// WARN line of slog's default logger. An export that fails or panics is
// reported to WithErrorHandler's handler and returned by Flush, never
// raised.
//
// The environment it reads (options win): POWERTOOLS_TRACE_DISABLED and
// OTEL_SDK_DISABLED (true: every span is a no-op); OTEL_SERVICE_NAME;
// OTEL_RESOURCE_ATTRIBUTES; OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG;
// OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (or OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT)
// and the other OTEL_SPAN_*_LIMIT variables; and what Lambda sets:
// AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION,
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME and
// AWS_LAMBDA_LOG_STREAM_NAME for the resource. It never reads
// _X_AMZN_TRACE_ID: the trace header comes from each invocation's context.
func New(exporter sdktrace.SpanExporter, opts ...Option) *Tracer {
	c := newConfig(opts)
	t := &Tracer{cfg: c}
	if errinfo.IsNilPointer(exporter) {
		warn("oteltracing: the exporter is a nil "+errinfo.Type(exporter)+" (did the call that made it fail?): spans are not exported",
			slog.String("exporter", errinfo.Type(exporter)))
		exporter = nil
	}
	if c.disabled {
		return t
	}
	t.proc = newProcessor(exporter, c.batch, c.onError)
	t.res = c.resourceInfo()
	if t.res.service != "" {
		t.build("", "", "", "")
	}
	return t
}

// enabled reports whether the tracer records spans (it is not disabled by
// an option or POWERTOOLS_TRACE_DISABLED / OTEL_SDK_DISABLED). A nil
// *Tracer is a disabled one.
func (t *Tracer) enabled() bool { return t != nil && !t.cfg.disabled }

// noopSpan is the span a disabled tracer returns.
var noopSpan = tracing.SpanFromContext(context.Background())

// sdk returns the SDK's provider and tracer, making them if needed with
// what the first invocation says.
func (t *Tracer) sdk(service, region, fnName, fnVer string) *sdkState {
	if st := t.state.Load(); st != nil {
		return st
	}
	return t.build(service, region, fnName, fnVer)
}

func (t *Tracer) build(service, region, fnName, fnVer string) *sdkState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.state.Load(); st != nil {
		return st
	}
	if service == "" {
		service = t.cfg.lookup.Service()
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(t.res.build(service, region, fnName, fnVer)),
		sdktrace.WithSampler(t.cfg.sampler),
		sdktrace.WithIDGenerator(idGenerator{}),
		sdktrace.WithRawSpanLimits(t.cfg.spanLimits()),
		sdktrace.WithSpanProcessor(t.proc),
	)
	st := &sdkState{tp: tp, tracer: tp.Tracer(names.OTelScope, trace.WithSchemaURL(semconv.SchemaURL))}
	t.state.Store(st)
	return st
}

// TracerProvider returns the OpenTelemetry TracerProvider of the tracer,
// for OpenTelemetry instrumentation (otelhttp, otelsql, …): their spans
// join the invocation's trace and are flushed with it. Before the service
// name is known (no WithService, OTEL_SERVICE_NAME or service.name in
// OTEL_RESOURCE_ATTRIBUTES) it returns a provider that makes the SDK's at
// its first use, so that the first invocation can still name the service.
// A disabled tracer returns a no-op provider.
func (t *Tracer) TracerProvider() trace.TracerProvider {
	if !t.enabled() {
		return noop.NewTracerProvider()
	}
	if st := t.state.Load(); st != nil {
		return st.tp
	}
	return &lazyProvider{t: t}
}

// StartInvocation implements tracing.Tracer: it starts the SERVER span of
// one invocation, child of the span in inv.TraceHeader (Lambda's), with
// the FaaS attributes. What the span records is redacted by the scope in
// ctx (see internal/redact), which the spans started under it inherit.
func (t *Tracer) StartInvocation(ctx context.Context, inv tracing.Invocation) (context.Context, tracing.Span) {
	if !t.enabled() {
		return ctx, noopSpan
	}
	arn := parseARN(inv.FunctionARN)
	st := t.sdk(inv.Service, arn.region, inv.FunctionName, inv.Version)

	parent := ctx
	forced := false
	opts := make([]trace.SpanStartOption, 0, 4)
	if sc, tid, ok := headerContext(inv.TraceHeader); ok {
		// The remote span is shadowed by the new one in the returned context.
		parent = trace.ContextWithRemoteSpanContext(ctx, sc)
	} else if tid.IsValid() {
		// A Root without a Parent: keep the trace id, as a new root span.
		parent = context.WithValue(ctx, traceIDKey{}, tid)
		forced = true
		opts = append(opts, trace.WithNewRoot())
	} else {
		opts = append(opts, trace.WithNewRoot())
	}

	attrs := make([]attribute.KeyValue, 0, 8)
	if inv.RequestID != "" {
		attrs = append(attrs, semconv.FaaSInvocationID(inv.RequestID))
	}
	attrs = append(attrs, semconv.FaaSColdstart(inv.ColdStart), semconv.FaaSTriggerKey.String(t.cfg.trigger))
	if inv.FunctionARN != "" {
		attrs = append(attrs, semconv.AWSLambdaInvokedARN(inv.FunctionARN), semconv.CloudResourceID(arn.resourceID(inv.Version)))
		if arn.account != "" {
			attrs = append(attrs, semconv.CloudAccountID(arn.account))
		}
	}
	if inv.InitDuration > 0 {
		attrs = append(attrs, attribute.Float64(names.AttrInitDuration, float64(inv.InitDuration.Microseconds())/1e3))
	}
	opts, late := t.startAttributes(append(opts, kindOptions[trace.SpanKindServer]), attrs)
	if !inv.Start.IsZero() {
		opts = append(opts, trace.WithTimestamp(inv.Start))
	}
	name := inv.FunctionName
	if name == "" {
		name = "handler"
	}
	ctx2, s := st.tracer.Start(parent, name, opts...)
	setLate(s, late)
	if forced {
		// Root spans started from the handler's context get trace ids of
		// their own.
		ctx2 = trace.ContextWithSpan(ctx, s)
	}
	sp := &span{s: s, kind: tracing.KindServer, scope: redact.FromContext(ctx)}
	return sp.context(ctx2)
}

// Start implements tracing.Tracer: it starts a child of the span in ctx
// (an OpenTelemetry span there, started by this tracer or by OTel
// instrumentation), or of cfg.RemoteParent, or a root span. What the span
// records is redacted by the scope in ctx: the invocation's.
func (t *Tracer) Start(ctx context.Context, name string, cfg tracing.StartConfig) (context.Context, tracing.Span) {
	if !t.enabled() {
		return ctx, noopSpan
	}
	scope := scopeOf(ctx)
	st := t.state.Load()
	if st == nil {
		st = t.sdk("", "", "", "")
	}
	parent := ctx
	if rp := cfg.RemoteParent; rp != nil {
		if sc, _, ok := spanContext(*rp); ok {
			parent = trace.ContextWithRemoteSpanContext(ctx, sc)
		}
	}
	if cfg.Kind == tracing.KindInternal && len(cfg.Attributes) == 0 && len(cfg.Links) == 0 {
		// No options: nothing more to allocate.
		ctx2, s := st.tracer.Start(parent, name)
		sp := &span{s: s, scope: scope}
		return sp.context(ctx2)
	}
	// The options and the attributes live in a pooled buffer: the SDK
	// copies the attributes into the span before Start returns. Only the
	// option carrying the attributes is allocated.
	buf := getBuf()
	defer putBuf(buf)
	opts := buf.opts[:0]
	if cfg.Kind != tracing.KindInternal {
		opts = append(opts, kindOptions[spanKind(cfg.Kind)])
	}
	var late []attribute.KeyValue
	if len(cfg.Attributes) > 0 {
		sc := scope.Scrubber()
		buf.attrs = attributes(buf.attrs[:0], cfg.Attributes, &sc)
		opts, late = t.startAttributes(opts, buf.attrs)
	}
	if len(cfg.Links) > 0 {
		links := make([]trace.Link, 0, len(cfg.Links))
		for _, h := range cfg.Links {
			if sc, _, ok := spanContext(h); ok {
				links = append(links, trace.Link{SpanContext: sc})
			}
		}
		opts = append(opts, trace.WithLinks(links...))
	}
	// In the returned context the new span shadows a remote parent.
	ctx2, s := st.tracer.Start(parent, name, opts...)
	setLate(s, late)
	sp := &span{s: s, kind: cfg.Kind, scope: scope}
	return sp.context(ctx2)
}

// startAttributes adds the start option holding attrs to opts when the
// sampler may read them (config.samplerAttrs); otherwise it returns attrs,
// for setLate once the span has started.
func (t *Tracer) startAttributes(opts []trace.SpanStartOption, attrs []attribute.KeyValue) ([]trace.SpanStartOption, []attribute.KeyValue) {
	if t.cfg.samplerAttrs {
		return append(opts, trace.WithAttributes(attrs...)), nil
	}
	return opts, attrs
}

// setLate sets the attributes a span starts with on s once it has started,
// when the sampler does not read them: the SDK then copies them once, into
// the span, where a start option has them copied into the option and the
// span's configuration first.
func setLate(s trace.Span, attrs []attribute.KeyValue) {
	if len(attrs) > 0 {
		s.SetAttributes(attrs...)
	}
}

// scopeOf returns the redaction scope of ctx. When ctx is the very context
// Start or StartInvocation returned with a span of this tracer, the scope is
// that span's (nothing was added to the context since, so it holds no
// other), found without walking up the context chain.
func scopeOf(ctx context.Context) *redact.Scope {
	if p, ok := tracing.SpanFromContext(ctx).(*span); ok && p.ctx == ctx {
		return p.scope
	}
	return redact.FromContext(ctx)
}

// attrBuf is what a span hands the SDK when it starts or sets attributes:
// the options and the attributes, which the SDK copies before returning.
type attrBuf struct {
	opts  [3]trace.SpanStartOption
	attrs []attribute.KeyValue
}

// maxPooledAttrs bounds the attributes a pooled buffer keeps room for.
const maxPooledAttrs = 64

// attrBufs holds the buffers of the spans being started, so that starting
// one allocates neither its options nor its attributes.
var attrBufs = sync.Pool{New: func() any { return new(attrBuf) }}

func getBuf() *attrBuf { return attrBufs.Get().(*attrBuf) }

// putBuf lets b's values go and returns it to the pool.
func putBuf(b *attrBuf) {
	clear(b.opts[:])
	clear(b.attrs)
	if cap(b.attrs) > maxPooledAttrs {
		b.attrs = nil
	}
	b.attrs = b.attrs[:0]
	attrBufs.Put(b)
}

// Flush implements tracing.Tracer: it exports the spans ended so far and
// returns when they are sent, or when ctx ends (the spans not yet handed to
// the exporter then wait for the next Flush, and ctx's error is returned).
// Nothing of the export is
// left running when it returns. An export that failed or panicked is
// returned as an error, after it was given to the error handler.
func (t *Tracer) Flush(ctx context.Context) error {
	if !t.enabled() || t.proc == nil {
		return nil
	}
	return t.proc.ForceFlush(ctx)
}

// Shutdown flushes, then shuts the provider and the exporter down (the
// exporters of this module close their idle connections). Spans ended
// afterwards are dropped. Lambda rarely gives a process the chance to call
// it; tests and local runs do.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if !t.enabled() || t.proc == nil {
		return nil
	}
	if st := t.state.Load(); st != nil {
		return st.tp.Shutdown(ctx) // shuts the processor down too
	}
	return t.proc.Shutdown(ctx)
}

// kindOptions holds the option of each span kind, by its value, made once:
// trace.WithSpanKind allocates one at every call.
var kindOptions = [...]trace.SpanStartOption{
	trace.SpanKindUnspecified: trace.WithSpanKind(trace.SpanKindUnspecified),
	trace.SpanKindInternal:    trace.WithSpanKind(trace.SpanKindInternal),
	trace.SpanKindServer:      trace.WithSpanKind(trace.SpanKindServer),
	trace.SpanKindClient:      trace.WithSpanKind(trace.SpanKindClient),
	trace.SpanKindProducer:    trace.WithSpanKind(trace.SpanKindProducer),
	trace.SpanKindConsumer:    trace.WithSpanKind(trace.SpanKindConsumer),
}

func spanKind(k tracing.Kind) trace.SpanKind {
	switch k {
	case tracing.KindServer:
		return trace.SpanKindServer
	case tracing.KindClient:
		return trace.SpanKindClient
	case tracing.KindProducer:
		return trace.SpanKindProducer
	case tracing.KindConsumer:
		return trace.SpanKindConsumer
	}
	return trace.SpanKindInternal
}

// headerContext parses an X-Ray trace header into the remote span context
// it names. Without a Parent it returns only the trace id.
func headerContext(header string) (trace.SpanContext, trace.TraceID, bool) {
	if header == "" {
		return trace.SpanContext{}, trace.TraceID{}, false
	}
	h, err := tracing.ParseHeader(header)
	if err != nil {
		return trace.SpanContext{}, trace.TraceID{}, false
	}
	return spanContext(h)
}

// spanContext converts h; ok is false when h has no valid Root and Parent
// (the trace id is still returned when the Root is valid).
func spanContext(h tracing.Header) (trace.SpanContext, trace.TraceID, bool) {
	id, ok := xrayid.ParseTraceID(h.Root)
	if !ok {
		return trace.SpanContext{}, trace.TraceID{}, false
	}
	tid := trace.TraceID(id)
	sid, ok := xrayid.ParseSpanID(h.Parent)
	if !ok {
		return trace.SpanContext{}, tid, false
	}
	var flags trace.TraceFlags
	if h.Sampled == tracing.SampledYes {
		flags = trace.FlagsSampled
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID(sid), TraceFlags: flags, Remote: true}), tid, true
}

// arn is the parts of a Lambda function ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]).
type arn struct {
	full, region, account, qualifier string
	unqualified                      string
}

func parseARN(s string) arn {
	a := arn{full: s, unqualified: s}
	parts := strings.Split(s, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "lambda" {
		return a
	}
	a.region, a.account = parts[3], parts[4]
	if len(parts) >= 8 {
		a.qualifier = parts[7]
		a.unqualified = strings.Join(parts[:7], ":")
	}
	return a
}

// resourceID is cloud.resource_id: the function's ARN, with an alias
// replaced by the version that runs (the semantic conventions' rule, as one
// process may be invoked through several aliases).
func (a arn) resourceID(version string) string {
	if a.qualifier == "" || version == "" || version == "$LATEST" || a.qualifier == version {
		return a.full
	}
	return a.unqualified + ":" + version
}

// traceIDKey carries, for the id generator, the trace id a root span must
// take (an X-Ray header with a Root and no Parent).
type traceIDKey struct{}

// idGenerator makes X-Ray compatible ids (the first 4 bytes of a trace id
// are its epoch seconds, so X-Ray accepts it), keeping a trace id given in
// the context.
type idGenerator struct{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if forced, ok := ctx.Value(traceIDKey{}).(trace.TraceID); ok && forced.IsValid() {
		return forced, xrayid.NewSpanID()
	}
	return xrayid.NewTraceID(time.Now()), xrayid.NewSpanID()
}

func (idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	return xrayid.NewSpanID()
}

// lazyProvider is the TracerProvider handed out before the SDK's exists.
type lazyProvider struct {
	embedded.TracerProvider
	t *Tracer
}

func (p *lazyProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return &lazyTracer{t: p.t, name: name, opts: opts}
}

type lazyTracer struct {
	embedded.Tracer
	t    *Tracer
	name string
	opts []trace.TracerOption
	real atomic.Pointer[trace.Tracer]
}

func (l *lazyTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	tr := l.real.Load()
	if tr == nil {
		x := l.t.sdk("", "", "", "").tp.Tracer(l.name, l.opts...)
		l.real.Store(&x)
		tr = &x
	}
	return (*tr).Start(ctx, name, opts...)
}
