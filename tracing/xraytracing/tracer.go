package xraytracing

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/bufpool"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

// maxDatagramSize is the largest datagram the tracer sends, the daemon's
// header line included. UDP carries at most 65 507 bytes over IPv4; a
// larger document fails with "message too long" and is lost, so documents
// are fitted under this size instead (see the package documentation).
const maxDatagramSize = 64000

// daemonHeader starts every datagram: the X-Ray daemon drops those without
// it.
const daemonHeader = `{"format": "json", "version": 1}` + "\n"

// Tracer is the X-Ray backend of package tracing. It is safe for concurrent
// use by any number of invocations and goroutines: all per-invocation state
// lives in the spans, which the context carries.
type Tracer struct {
	cfg   *config
	limit int          // largest document, the header line excluded
	conn  *net.UDPConn // nil when the address could not be used: datagrams are dropped

	closeOnce sync.Once
	closed    atomic.Bool
	inflight  atomic.Int64          // documents being encoded or sent
	failed    atomic.Pointer[error] // the first panic recovered since the last Flush
}

var _ tracing.Tracer = (*Tracer)(nil)

// noopSpan is the span a disabled tracer returns.
var noopSpan = tracing.SpanFromContext(context.Background())

// New returns a Tracer sending to the X-Ray daemon over UDP. It reads its
// configuration once, when called: call it in main.
//
// New never fails: when the daemon's address cannot be used, the tracer
// records spans as usual and drops the datagrams, as UDP would if no daemon
// listened. It keeps no global state: several tracers coexist.
func New(opts ...Option) *Tracer {
	c := newConfig(opts)
	t := &Tracer{cfg: c, limit: c.maxDatagram - len(daemonHeader)}
	if c.disabled {
		return t
	}
	addr := udpAddress(c.daemonAddr)
	if addr == "" {
		addr = defaultDaemonAddress
	}
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		raddr, err = net.ResolveUDPAddr("udp", defaultDaemonAddress)
	}
	if err == nil {
		t.conn, _ = net.DialUDP("udp", nil, raddr)
	}
	return t
}

// Close releases the tracer's socket. Spans keep working afterwards but send
// nothing. Lambda functions need not call it.
func (t *Tracer) Close() error {
	if t == nil {
		return nil
	}
	var err error
	t.closeOnce.Do(func() {
		t.closed.Store(true)
		if t.conn != nil {
			err = t.conn.Close()
		}
	})
	return err
}

// StartInvocation implements tracing.Tracer. It starts the invocation's
// subsegment (named "## handler" unless WithHandlerName says otherwise) as a
// child of the segment Lambda records for the function, which the trace
// header in inv names (Root and Parent), and annotates it with ColdStart,
// Service and, on the first invocation of a process, InitDurationMs.
//
// The header is inv.TraceHeader, which the wrapper took from the context;
// the _X_AMZN_TRACE_ID environment variable is never read. The span records
// something only when the header is valid, names a Parent and says
// Sampled=1. Otherwise (no header or an invalid one, no Parent, Sampled=0,
// Sampled=? or no Sampled) it records nothing, and carries the header's
// Root and Parent, when it is valid, for propagation.
//
// The subsegment and its descendants are sent as one document when the span
// ends (split if it would not fit one datagram). What they record is
// redacted by the scope in ctx (see internal/redact), which every span
// started under the invocation's inherits.
func (t *Tracer) StartInvocation(ctx context.Context, inv tracing.Invocation) (context.Context, tracing.Span) {
	if t == nil || t.cfg.disabled {
		return ctx, noopSpan
	}
	h, err := tracing.ParseHeader(inv.TraceHeader)
	if err != nil || h.Parent == "" || h.Sampled != tracing.SampledYes {
		if err != nil {
			h = tracing.Header{}
		}
		u := t.newUnsampled(h.Root, h.Parent)
		return tracing.ContextWithSpan(ctx, u), u
	}
	start := inv.Start
	if start.IsZero() {
		start = t.cfg.now()
	}
	s := t.newRoot(t.cfg.handlerName, h.Root, h.Parent, true, t.namespace(inv.Service), start)
	s.scope = redact.FromContext(ctx)
	seg := &s.seg
	seg.Annotations = make(map[string]any, 3)
	seg.Annotations[names.AnnotationColdStart] = inv.ColdStart
	if inv.Service != "" {
		seg.Annotations[names.AnnotationService] = inv.Service
	}
	if inv.InitDuration > 0 {
		seg.Annotations[names.AnnotationInitDuration] = float64(inv.InitDuration.Microseconds()) / 1e3
	}
	return tracing.ContextWithSpan(ctx, s), s
}

// Start implements tracing.Tracer. The span is a subsegment of the span in
// ctx, sent with the document of the invocation. Without a span of this
// tracer in ctx it continues the trace in the context's Lambda trace header
// (a handler not wrapped by lambdawrap), or starts a new trace.
//
// With cfg.RemoteParent the span is a new segment in the remote trace, the
// child of the remote span (say, the producer of an SQS message), sent when
// it ends; it records when the remote header says Sampled=1, or leaves the
// decision to the span in ctx. Links are kept as metadata ("links").
// Client and producer spans get the namespace "remote"; a client span
// with the attributes of an AWS call (rpc.system "aws-api", as package
// awssdk records every SDK call) is an
// "aws" subsegment named after the service, its attributes in the fields
// X-Ray's service map reads: aws.operation, region, request_id,
// table_name (table_names for several), queue_url, function_name,
// topic_arn, state_machine_arn, and http.response.status.
func (t *Tracer) Start(ctx context.Context, name string, cfg tracing.StartConfig) (context.Context, tracing.Span) {
	if t == nil || t.cfg.disabled {
		return ctx, noopSpan
	}
	cur := tracing.SpanFromContext(ctx)
	if rp := cfg.RemoteParent; rp != nil && rp.Valid() {
		sampled := rp.Sampled == tracing.SampledYes || rp.Sampled == tracing.SampledUnknown && cur.IsRecording()
		return t.startRoot(ctx, name, cfg, rp.Root, rp.Parent, false, sampled, t.nsOf(cur))
	}
	switch p := cur.(type) {
	case *span:
		if p.t == t {
			c := t.newChild(p, name, cfg.Kind)
			c.configure(cfg)
			return tracing.ContextWithSpan(ctx, c), c
		}
	case *unsampled:
		if p.t == t {
			return ctx, p
		}
	}
	// A span of another backend: continue its trace as a remote parent.
	if h := cur.Header(); h.Parent != "" && h.Valid() {
		return t.startRoot(ctx, name, cfg, h.Root, h.Parent, false, h.Sampled == tracing.SampledYes, t.nsOf(cur))
	}
	// The trace Lambda passed in the context: a subsegment of its facade.
	if hs, ok := tracing.HeaderFromContext(ctx); ok {
		if h, err := tracing.ParseHeader(hs); err == nil && h.Parent != "" {
			return t.startRoot(ctx, name, cfg, h.Root, h.Parent, true, h.Sampled == tracing.SampledYes, t.namespace(""))
		}
	}
	return t.startRoot(ctx, name, cfg, xrayid.FormatTraceID(xrayid.NewTraceID(t.cfg.now())), "", false, true, t.namespace(""))
}

func (t *Tracer) startRoot(ctx context.Context, name string, cfg tracing.StartConfig, root, parent string, subsegment, sampled bool, ns string) (context.Context, tracing.Span) {
	if !sampled {
		u := t.newUnsampled(root, parent)
		return tracing.ContextWithSpan(ctx, u), u
	}
	s := t.newRoot(name, root, parent, subsegment, ns, t.cfg.now())
	s.scope = redact.FromContext(ctx)
	if p, ok := tracing.SpanFromContext(ctx).(*span); ok && s.scope == nil {
		s.scope = p.scope
	}
	setKind(&s.seg, cfg.Kind)
	s.configure(cfg)
	return tracing.ContextWithSpan(ctx, s), s
}

// Flush implements tracing.Tracer. Documents are sent synchronously when
// their span ends, so Flush only waits for those being encoded or sent by
// other goroutines at the time of the call. It returns ctx's error if ctx
// ends first; otherwise the first panic the tracer recovered since the last
// Flush (in a span's methods, while encoding, or in a value's MarshalJSON
// or Error method), as an error, or nil. A daemon that is not there is not
// an error.
func (t *Tracer) Flush(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if t.inflight.Load() > 0 {
		tick := time.NewTicker(50 * time.Microsecond)
		defer tick.Stop()
		for t.inflight.Load() > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	}
	if t.failed.Load() == nil {
		return nil
	}
	if p := t.failed.Swap(nil); p != nil {
		return *p
	}
	return nil
}

// fail keeps err for the next Flush, unless an earlier one waits.
func (t *Tracer) fail(err error) { t.failed.CompareAndSwap(nil, &err) }

// namespace is the metadata namespace of a document: the service, as
// Powertools does.
func (t *Tracer) namespace(service string) string {
	switch {
	case service != "":
		return service
	case t.cfg.service != "":
		return t.cfg.service
	}
	return "default"
}

func (t *Tracer) nsOf(cur tracing.Span) string {
	if p, ok := cur.(*span); ok && p.t == t {
		return p.root.ns
	}
	return t.namespace("")
}

// send writes each document as one datagram, header line first. Errors are
// ignored: UDP to an absent daemon loses the datagram and nothing else.
func (t *Tracer) send(docs [][]byte) {
	if t.conn == nil || t.closed.Load() {
		return
	}
	bp := bufpool.Get()
	for _, d := range docs {
		if len(d) > t.limit {
			continue // cannot happen: encode fits every document
		}
		*bp = append(append((*bp)[:0], daemonHeader...), d...)
		_, _ = t.conn.Write(*bp)
	}
	bufpool.Put(bp)
}
