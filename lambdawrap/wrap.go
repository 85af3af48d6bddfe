package lambdawrap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/logger"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// Wrap returns h observed: each invocation gets a context carrying its log
// fields, a metrics.Recorder and a span; errors, panics and timeouts are
// recorded; everything is flushed once before the returned function
// returns. The handler's output and error are returned unchanged, and a
// panic is re-raised after the flush, so aws-lambda-go reports it as before.
//
//	lambda.Start(lambdawrap.Wrap(handle, lambdawrap.WithService("orders")))
//
// Wrap reads its configuration once, when called: call it in main (or at
// package init), not per invocation.
func Wrap[In, Out any](h func(context.Context, In) (Out, error), opts ...Option) func(context.Context, In) (Out, error) {
	return observe(newWrapper(opts), h)
}

// observe returns h observed by w.
func observe[In, Out any](w *wrapper, h func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (out Out, err error) {
		ctx, s := w.begin(ctx)
		done := false
		defer func() {
			if done {
				return
			}
			r := recover()
			s.finish(nil, r, true)
			if r != nil {
				panic(r)
			}
		}()
		if w.cfg.logEvent {
			w.self.LogAttrs(ctx, slog.LevelInfo, MsgEvent, slog.Any(KeyEvent, in))
		}
		out, err = h(ctx, in)
		done = true
		if rr := s.responseRecorder(); rr != nil && err == nil {
			rr.SetResponse(out)
		}
		s.finish(err, nil, false)
		return out, err
	}
}

// WrapHandler is Wrap for a byte-level lambda.Handler.
func WrapHandler(h lambda.Handler, opts ...Option) lambda.Handler {
	return &byteHandler{h: h, w: newWrapper(opts)}
}

type byteHandler struct {
	h lambda.Handler
	w *wrapper
}

// Invoke implements lambda.Handler.
func (b *byteHandler) Invoke(ctx context.Context, payload []byte) (out []byte, err error) {
	ctx, s := b.w.begin(ctx)
	done := false
	defer func() {
		if done {
			return
		}
		r := recover()
		s.finish(nil, r, true)
		if r != nil {
			panic(r)
		}
	}()
	if b.w.cfg.logEvent {
		b.w.self.LogAttrs(ctx, slog.LevelInfo, MsgEvent, slog.Any(KeyEvent, json.RawMessage(payload)))
	}
	out, err = b.h.Invoke(ctx, payload)
	done = true
	if rr := s.responseRecorder(); rr != nil && err == nil {
		rr.SetResponse(out)
	}
	s.finish(err, nil, false)
	return out, err
}

// Start wraps h and starts the Lambda runtime loop with it, as
// lambda.StartWithOptions does, with a SIGTERM hook that flushes the
// telemetry of invocations still running when Lambda shuts the
// environment down. Extra lambda options may be given with WithLambdaOptions.
func Start[In, Out any](h func(context.Context, In) (Out, error), opts ...Option) {
	w := newWrapper(opts)
	var lopts []lambda.Option
	if w.cfg.sigterm {
		lopts = append(lopts, lambda.WithEnableSIGTERM(w.onSIGTERM))
	}
	lambda.StartWithOptions(observe(w, h), append(lopts, w.cfg.lambdaOpts...)...)
}

// WithoutSIGTERM does not ask Lambda for SIGTERM at shutdown (Start only).
// Asking registers an internal extension, which some local emulators do not
// handle: after a panic they wait for it forever instead of starting the
// function again. LAMBDAOBS_DISABLE_SIGTERM=true does the same.
func WithoutSIGTERM() Option {
	return optionFunc(func(c *config) { c.sigterm = false; c.sigtermSet = true })
}

// WithLambdaOptions passes options to lambda.StartWithOptions (Start only).
func WithLambdaOptions(opts ...lambda.Option) Option {
	return optionFunc(func(c *config) { c.lambdaOpts = append(c.lambdaOpts, opts...) })
}

// wrapper is what Wrap, WrapHandler and Start share: the configuration and
// the per-process pieces made once.
type wrapper struct {
	cfg      *config
	log      *logger.Handler
	self     *slog.Logger // the wrapper's own lines
	template *metrics.Recorder
	memory   int
	version  string

	mu       sync.Mutex
	inflight *scope    // invocations running, a list linked through scope.prev/next
	closed   [8]*scope // recently closed scopes, checked for late values
	next     int
}

func newWrapper(opts []Option) *wrapper {
	c := newConfig(opts)
	w := &wrapper{cfg: c}
	w.log = c.logHandler
	if w.log == nil {
		w.log = logger.NewHandler(c.out, c.loggerOptions()...)
		if c.setDefault {
			slog.SetDefault(slog.New(w.log))
		}
	}
	w.self = slog.New(w.log)
	if c.service == "" {
		c.service = w.log.Service()
	}
	w.template = metrics.New(c.out, c.metricsOptions(w.reportMetrics)...)
	w.memory, _ = strconv.Atoi(c.lookup.String("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
	w.version = c.lookup.String("AWS_LAMBDA_FUNCTION_VERSION")
	c.proc.markReady(c.now())
	return w
}

// reportMetrics logs what the metrics template reports outside an
// invocation (configuration it had to correct); what an invocation's
// recorders drop is logged by flushLocked, with the invocation's fields.
func (w *wrapper) reportMetrics(err error) {
	w.self.LogAttrs(context.Background(), slog.LevelWarn, MsgMetricsDropped, slog.Any(logger.KeyError, err))
}

// scope is one invocation in flight.
type scope struct {
	w        *wrapper
	ctx      context.Context
	start    time.Time
	deadline time.Time
	inv      *logger.Invocation
	rec      *metrics.Recorder
	life     *metrics.Recorder // the lifecycle document, made when needed
	span     tracing.Span
	guard    *guard

	prev, next *scope // in the wrapper's list of invocations running

	mu           sync.Mutex // serialises the timeout guard, SIGTERM and the end
	ended        bool
	timedOut     bool
	lateReported int64
}

var errTimeout = errors.New("lambdawrap: invocation about to time out")

func (w *wrapper) begin(ctx context.Context) (context.Context, *scope) {
	c := w.cfg
	now := c.now()
	s := &scope{w: w, start: now, span: tracing.Noop}
	lc, _ := lambdacontext.FromContext(ctx)
	var requestID, arn, tenant string
	if lc != nil {
		requestID, arn, tenant = lc.AwsRequestID, lc.InvokedFunctionArn, lc.TenantID
	}
	header, _ := tracing.HeaderFromContext(ctx)
	root := logger.TraceRoot(header)

	cold := isColdInitType(c.initType) && c.proc.coldTaken.CompareAndSwap(false, true)
	var initDur time.Duration
	first := c.proc.initTaken.CompareAndSwap(false, true)
	if first {
		initDur = c.proc.initDuration(now, cold)
	}

	ctx, s.inv = w.log.Begin(ctx, logger.Fields{
		RequestID:          requestID,
		FunctionName:       c.functionName,
		FunctionVersion:    w.version,
		FunctionARN:        arn,
		FunctionMemorySize: w.memory,
		ColdStart:          cold,
		XRayTraceID:        root,
		TenantID:           tenant,
		InitDuration:       initDur,
	})

	s.rec = w.template.Clone()
	s.rec.SetTimestamp(now)
	if requestID != "" {
		s.rec.SetProperty(PropRequestID, requestID)
	}
	if root != "" {
		s.rec.SetProperty(PropTraceID, root)
	}
	ctx = metrics.NewContext(ctx, s.rec)
	if cold {
		s.lifecycle().Count(MetricColdStart, 1)
	}
	if first && initDur > 0 {
		life := s.lifecycle()
		life.Duration(MetricInitDuration, initDur)
		initType := c.initType
		if initType == "" {
			initType = "on-demand"
		}
		life.SetProperty(PropInitType, initType)
	}

	if t := c.tracer; t != nil {
		ctx = tracing.NewContext(ctx, t)
		ctx, s.span = t.StartInvocation(ctx, tracing.Invocation{
			RequestID:    requestID,
			FunctionName: c.functionName,
			FunctionARN:  arn,
			Version:      w.version,
			Service:      c.service,
			TraceHeader:  header,
			ColdStart:    cold,
			InitDuration: initDur,
			Start:        now,
		})
	}
	s.ctx = ctx

	if deadline, ok := ctx.Deadline(); ok {
		s.deadline = deadline
		if margin := w.margin(deadline.Sub(now)); margin > 0 {
			s.guard = armGuard(s, max(deadline.Sub(now)-margin, 0))
		}
	}
	w.mu.Lock()
	s.next = w.inflight
	if w.inflight != nil {
		w.inflight.prev = s
	}
	w.inflight = s
	w.mu.Unlock()
	return ctx, s
}

// margin is how long before the deadline the guard fires.
func (w *wrapper) margin(budget time.Duration) time.Duration {
	if w.cfg.marginSet {
		return w.cfg.margin
	}
	return min(max(budget/20, 20*time.Millisecond), 500*time.Millisecond)
}

// lifecycle returns the recorder of the lifecycle document (service and
// function_name dimensions), made on first use.
func (s *scope) lifecycle() *metrics.Recorder {
	if s.life == nil {
		s.life = s.w.template.Clone()
		s.life.SetTimestamp(s.start)
		if fn := s.w.cfg.functionName; fn != "" {
			s.life.AddDimension(DimFunctionName, fn)
		}
		f := s.inv.Fields()
		if f.RequestID != "" {
			s.life.SetProperty(PropRequestID, f.RequestID)
		}
		if f.XRayTraceID != "" {
			s.life.SetProperty(PropTraceID, f.XRayTraceID)
		}
	}
	return s.life
}

// responseRecorder returns the invocation span when it keeps responses
// (checked first, so a response is boxed only for such a span).
func (s *scope) responseRecorder() tracing.ResponseRecorder {
	if rr, ok := s.span.(tracing.ResponseRecorder); ok && s.span.IsRecording() {
		return rr
	}
	return nil
}

// finish records the outcome and flushes, once.
func (s *scope) finish(err error, panicked any, aborted bool) {
	w := s.w
	s.mu.Lock()
	failed := err != nil || aborted
	switch {
	case panicked != nil:
		stack := string(debug.Stack())
		w.self.LogAttrs(s.ctx, slog.LevelError, MsgPanic,
			slog.String(KeyPanic, fmt.Sprint(panicked)),
			slog.String(logger.KeyErrorType, fmt.Sprintf("%T", panicked)),
			slog.String(logger.KeyStackTrace, stack))
		s.lifecycle().Count(MetricPanics, 1)
		s.span.RecordError(fmt.Errorf("panic: %v", panicked))
		s.span.SetStatus(tracing.Error, "panic")
	case aborted:
		// runtime.Goexit: the handler stopped without returning.
		w.self.LogAttrs(s.ctx, slog.LevelError, MsgFailed, slog.String(logger.KeyError, "handler exited without returning"))
		s.span.SetStatus(tracing.Error, "handler exited without returning")
	case err != nil:
		w.self.LogAttrs(s.ctx, slog.LevelError, MsgFailed, slog.Any(logger.KeyError, err))
		if w.cfg.errorMetric {
			s.lifecycle().Count(MetricErrors, 1)
		}
		s.span.RecordError(err)
		s.span.SetStatus(tracing.Error, err.Error())
	}
	s.reportLate()
	s.flushLocked(true, failed)
	s.ended = true
	s.mu.Unlock()
	if s.guard != nil {
		s.guard.disarm()
	}

	w.mu.Lock()
	if s.prev != nil {
		s.prev.next = s.next
	} else {
		w.inflight = s.next
	}
	if s.next != nil {
		s.next.prev = s.prev
	}
	s.prev, s.next = nil, nil
	w.closed[w.next] = s
	w.next = (w.next + 1) % len(w.closed)
	w.mu.Unlock()
}

// reportLate reports values that earlier invocations' goroutines recorded
// after those invocations ended.
func (s *scope) reportLate() {
	w := s.w
	var late int64
	w.mu.Lock()
	for _, old := range w.closed {
		if old == nil {
			continue
		}
		n := old.rec.Late() + old.inv.Late()
		if old.life != nil {
			n += old.life.Late()
		}
		if n > old.lateReported {
			late += n - old.lateReported
			old.lateReported = n
		}
	}
	w.mu.Unlock()
	if late > 0 {
		w.self.LogAttrs(s.ctx, slog.LevelWarn, MsgLate, slog.Int64("count", late))
		s.rec.Count(MetricLateValues, float64(late))
	}
}

// flushLocked writes what the invocation recorded. final closes the
// recorders and the log invocation; otherwise (timeout guard, SIGTERM) they
// stay open for what the handler still does.
func (s *scope) flushLocked(final, failed bool) {
	s.span.End()
	flush := (*metrics.Recorder).FlushReport
	if final {
		flush = (*metrics.Recorder).CloseReport
	}
	var dropped []error
	for _, r := range [2]*metrics.Recorder{s.life, s.rec} {
		if r == nil {
			continue
		}
		if d, _ := flush(r); d != nil {
			dropped = append(dropped, d)
		}
	}
	if len(dropped) > 0 {
		// Logged before the log invocation ends, with its fields.
		s.w.self.LogAttrs(s.ctx, slog.LevelWarn, MsgMetricsDropped, slog.Any(logger.KeyError, errors.Join(dropped...)))
	}
	if final {
		_ = s.inv.End(failed)
	} else {
		_ = s.inv.FlushBuffer()
	}
	if t := s.w.cfg.tracer; t != nil {
		s.flushTracer(t)
	}
}

// flushTracer flushes the backend, never past the invocation's deadline.
func (s *scope) flushTracer(t tracing.Tracer) {
	limit := s.w.cfg.flushDeadline
	if !s.deadline.IsZero() {
		if left := time.Until(s.deadline); left < limit {
			limit = max(left, time.Millisecond)
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), limit)
	defer cancel()
	_ = t.Flush(ctx)
}

// onTimeout runs when the deadline is about to pass with the handler still
// running: it records the timeout and flushes everything recorded so far.
func (s *scope) onTimeout() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.timedOut {
		return
	}
	s.timedOut = true
	now := s.w.cfg.now()
	s.w.self.LogAttrs(s.ctx, slog.LevelError, MsgTimeout,
		slog.Float64(KeyElapsedMS, ms(now.Sub(s.start))),
		slog.Float64(KeyRemainingMS, ms(s.deadline.Sub(now))))
	s.lifecycle().Count(MetricTimeouts, 1)
	s.span.RecordError(errTimeout)
	s.span.SetStatus(tracing.Error, "timeout")
	s.flushLocked(false, true)
}

// onSIGTERM flushes every invocation still running: Lambda is shutting the
// environment down and will not wait for them.
func (w *wrapper) onSIGTERM() {
	w.mu.Lock()
	var pending []*scope
	for s := w.inflight; s != nil; s = s.next {
		pending = append(pending, s)
	}
	w.mu.Unlock()
	for _, s := range pending {
		s.mu.Lock()
		if !s.ended {
			w.self.LogAttrs(s.ctx, slog.LevelWarn, MsgSIGTERM)
			s.flushLocked(false, true)
		}
		s.mu.Unlock()
	}
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1e3
}

// guard is a timeout guard: a timer that calls onTimeout of the scope it is
// armed for. Guards are pooled, so an invocation costs no timer allocation.
type guard struct {
	t *time.Timer
	s atomic.Pointer[scope]
}

var guards = sync.Pool{New: func() any {
	g := &guard{}
	g.t = time.AfterFunc(time.Hour, g.fire)
	g.t.Stop()
	return g
}}

func armGuard(s *scope, d time.Duration) *guard {
	g := guards.Get().(*guard)
	g.s.Store(s)
	g.t.Reset(d)
	return g
}

func (g *guard) fire() {
	if s := g.s.Load(); s != nil {
		s.onTimeout()
	}
}

// disarm stops the guard and returns it to the pool, unless it fired: a
// fire under way may not have read its scope yet, so that guard is never
// armed again (its scope has ended, so the late fire does nothing).
func (g *guard) disarm() {
	if g.t.Stop() {
		g.s.Store(nil)
		guards.Put(g)
	}
}
