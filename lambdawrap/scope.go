package lambdawrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/internal/usage"
	"github.com/lambdaobs/lambdaobs/logger"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// wrapper is what Wrap, WrapHandler and Start share: the configuration and
// the per-process pieces made once.
type wrapper struct {
	cfg      *config
	log      *logger.Handler
	self     *slog.Logger // the wrapper's own lines
	template *metrics.Recorder
	memory   int
	version  string
	bridge   *logBridge  // the log package's output, when the wrapper made slog's default
	usage    *usageMeter // nil: usage metrics off
	ext      *extension  // exports after responses (Start, in Lambda, with a tracing.Deferred backend), or nil

	// carried counts telemetry failures that came after their invocation's
	// documents were written (its tracer's flush): the next invocation's
	// lifecycle document carries them.
	carried atomic.Int64
	// exported is the time spent exporting after responses, droppedSpans
	// the spans dropped, both since the last lifecycle document.
	exported     atomic.Int64
	droppedSpans atomic.Int64

	// late counts what goroutines of ended invocations logged or recorded
	// (dropped): the next invocation to end reports it.
	late atomic.Int64

	mu       sync.Mutex
	inflight *scope // invocations running, a list linked through scope.prev/next
}

func newWrapper(opts []Option) *wrapper {
	c := newConfig(opts)
	w := &wrapper{cfg: c}
	w.log = logger.NewHandler(c.out, c.loggerOptions()...)
	if c.setDefault {
		slog.SetDefault(slog.New(w.log))
		w.bridge = installLogBridge(w)
	}
	hook.CountLateLines(w.log, &w.late)
	w.self = slog.New(w.log)
	for _, msg := range c.warnings {
		w.self.LogAttrs(context.Background(), slog.LevelWarn, msg)
	}
	w.template = metrics.New(c.out, append(c.metricsOptions(w.reportMetrics), hook.CountLateMetrics(&w.late).(metrics.Option))...)
	w.memory, _ = strconv.Atoi(c.lookup.String(names.EnvAWSLambdaFunctionMemorySize))
	w.version = c.lookup.String(names.EnvAWSLambdaFunctionVersion)
	w.usage = newUsageMeter(c.usageEvery, w.memory)
	if c.memoryLimit {
		c.proc.setMemoryLimit(w.memory, c.lookup.String(names.EnvGoMemLimit))
	}
	c.proc.markReady(c.now())
	return w
}

// reportMetrics logs what the metrics template reports outside an
// invocation (configuration it had to correct); what an invocation's
// recorders drop is logged by flushLocked, with the invocation's fields.
func (w *wrapper) reportMetrics(err error) {
	w.self.LogAttrs(context.Background(), slog.LevelWarn, names.MsgMetricsDropped, slog.Any(names.KeyError, err))
}

// scope is one invocation in flight. Its life:
//
//	begin ──► running ──(handler returns, panics or exits)──► ended
//	              │
//	              └─(timeout guard, SIGTERM)─► flushed early, still running
//
// Every change of state happens under mu, which is never held while user
// code runs (an Error or MarshalJSON method, an exporter): what needs user
// code is prepared before the lock is taken.
type scope struct {
	w        *wrapper
	id       identity
	origin   context.Context // the context aws-lambda-go gave: it ends once the result is posted
	ctx      context.Context
	start    time.Time
	deadline time.Time
	inv      *logger.Invocation
	rec      *metrics.Recorder
	life     *metrics.Recorder // the lifecycle document, made when needed
	span     tracing.Span
	guard    *guard

	prev, next *scope // in the wrapper's list of invocations running

	failures atomic.Int64 // telemetry failures caught during the invocation
	written  atomic.Bool  // its documents are written and its log invocation ended

	sampled    bool           // its usage is recorded (WithUsageMetrics)
	usageStart usage.Snapshot // the process's usage when it began
	shared     atomic.Bool    // another invocation ran beside it

	mu       sync.Mutex // serialises the timeout guard, SIGTERM and the end
	ended    bool
	timedOut bool
}

var errTimeout = errors.New("lambdawrap: invocation about to time out")

// noSpan is the span of an invocation without a tracer: it records nothing.
var noSpan = tracing.SpanFromContext(context.Background())

func (w *wrapper) begin(ctx context.Context) (context.Context, *scope) {
	now := w.cfg.now()
	s := &scope{w: w, origin: ctx, start: now, span: noSpan, id: w.identify(ctx, now)}
	w.ext.noteStart(now)
	ctx = s.beginLog(ctx)
	ctx = s.beginMetrics(ctx)
	s.ctx = ctx
	if t := w.cfg.tracer; t != nil {
		ctx = s.startSpan(tracing.ContextWithTracer(ctx, t), t)
	}
	s.ctx = ctx
	if deadline, ok := ctx.Deadline(); ok {
		s.deadline = deadline
		if margin := w.margin(deadline.Sub(now)); margin > 0 {
			s.guard = armGuard(s, max(deadline.Sub(now)-margin, 0))
		}
	}
	s.sampled = w.usage.begin(&s.usageStart)
	w.track(s)
	return ctx, s
}

// identity is what the wrapper derives once for an invocation and hands to
// the logger, the recorders and the tracer.
type identity struct {
	requestID, arn, tenant string
	header, root           string // Lambda's trace header, and its trace id
	cold, first            bool   // a cold start; the first invocation of the process
	initDur                time.Duration
}

func (w *wrapper) identify(ctx context.Context, now time.Time) identity {
	c := w.cfg
	var id identity
	if lc, _ := lambdacontext.FromContext(ctx); lc != nil {
		id.requestID, id.arn, id.tenant = lc.AwsRequestID, lc.InvokedFunctionArn, lc.TenantID
	}
	id.header, _ = tracing.HeaderFromContext(ctx)
	id.root = tracing.Root(id.header)
	id.cold = isColdInitType(c.initType) && c.proc.coldTaken.CompareAndSwap(false, true)
	if id.first = c.proc.initTaken.CompareAndSwap(false, true); id.first {
		id.initDur = c.proc.initDuration(now, id.cold)
	}
	return id
}

// beginLog begins the log invocation, which also carries the redaction
// scope every output of the invocation shares (redact.FromContext).
func (s *scope) beginLog(ctx context.Context) context.Context {
	w, id := s.w, &s.id
	ctx, s.inv = w.log.Begin(ctx, logger.Fields{
		RequestID:          id.requestID,
		FunctionName:       w.cfg.functionName,
		FunctionVersion:    w.version,
		FunctionARN:        id.arn,
		FunctionMemorySize: w.memory,
		ColdStart:          id.cold,
		XRayTraceID:        id.root,
		TenantID:           id.tenant,
		InitDuration:       id.initDur,
	})
	return ctx
}

// beginMetrics makes the invocation's recorder, and records the cold start
// and the init duration in the lifecycle document.
func (s *scope) beginMetrics(ctx context.Context) context.Context {
	w, id := s.w, &s.id
	s.rec = w.template.Clone()
	s.rec.SetTimestamp(s.start)
	if id.requestID != "" {
		s.rec.SetProperty(names.PropRequestID, id.requestID)
	}
	if id.root != "" {
		s.rec.SetProperty(names.PropTraceID, id.root)
	}
	if id.cold {
		s.lifecycle().Count(names.MetricColdStart, 1)
	}
	if id.first && id.initDur > 0 {
		life := s.lifecycle()
		life.Duration(names.MetricInitDuration, id.initDur)
		initType := w.cfg.initType
		if initType == "" {
			initType = "on-demand"
		}
		life.SetProperty(names.PropInitType, initType)
	}
	return metrics.ContextWithRecorder(ctx, s.rec)
}

// track adds s to the invocations running; when another runs beside it,
// neither one's process-wide usage is its own.
func (w *wrapper) track(s *scope) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s.next = w.inflight
	if w.inflight != nil {
		w.inflight.prev = s
		s.shared.Store(true)
		for o := w.inflight; o != nil; o = o.next {
			o.shared.Store(true)
		}
	}
	w.inflight = s
}

// untrack removes s from the invocations running.
func (w *wrapper) untrack(s *scope) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.prev != nil {
		s.prev.next = s.next
	} else {
		w.inflight = s.next
	}
	if s.next != nil {
		s.next.prev = s.prev
	}
	s.prev, s.next = nil, nil
}

// startSpan starts the invocation's span; a backend that panics leaves the
// invocation with a no-op span and a reported failure.
func (s *scope) startSpan(ctx context.Context, t tracing.Tracer) (out context.Context) {
	defer func() {
		if r := recover(); r != nil {
			s.telemetryFailed("tracer.StartInvocation", fmt.Errorf("panicked: %s", errinfo.Sprint(r)))
			out = ctx
		}
	}()
	w, id := s.w, &s.id
	out, s.span = t.StartInvocation(ctx, tracing.Invocation{
		RequestID:    id.requestID,
		FunctionName: w.cfg.functionName,
		FunctionARN:  id.arn,
		Version:      w.version,
		Service:      w.cfg.service,
		TraceHeader:  id.header,
		ColdStart:    id.cold,
		InitDuration: id.initDur,
		Start:        s.start,
	})
	if s.span == nil {
		s.span = noSpan
	}
	return out
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
		s.life = s.w.lifecycleDocument(s.id.requestID)
		s.life.SetTimestamp(s.start)
		if s.id.root != "" {
			s.life.SetProperty(names.PropTraceID, s.id.root)
		}
	}
	return s.life
}

// lifecycleDocument returns a new recorder with the lifecycle dimensions
// (service and function_name) and the request id, when known: an
// invocation's lifecycle document, or one of Lambda's reports.
func (w *wrapper) lifecycleDocument(requestID string) *metrics.Recorder {
	r := w.template.Clone()
	if fn := w.cfg.functionName; fn != "" {
		r.AddDimension(names.DimFunctionName, fn)
	}
	if requestID != "" {
		r.SetProperty(names.PropRequestID, requestID)
	}
	return r
}

// responseRecorder returns the invocation span when it keeps responses.
func (s *scope) responseRecorder() tracing.ResponseRecorder {
	if rr, ok := s.span.(tracing.ResponseRecorder); ok && s.span.IsRecording() {
		return rr
	}
	return nil
}

// setResponse gives a successful handler's response to rr.
func (s *scope) setResponse(rr tracing.ResponseRecorder, out any) {
	defer s.recoverTelemetry("span.SetResponse")
	rr.SetResponse(out)
}

// telemetryFailed reports a failure of lambdaobs itself or of a backend:
// one WARN line now, and the TelemetryErrors metric at the flush. The
// invocation goes on.
func (s *scope) telemetryFailed(component string, err error) {
	if s.written.Load() {
		// After the invocation's documents: the next invocation counts it,
		// and the line is logged with the fields of this one.
		s.carryFailure(component, err)
		return
	}
	s.failures.Add(1)
	s.w.logTelemetryFailure(s.ctx, component, err)
}

// carryFailure reports a failure that came once the invocation's log
// invocation had ended: the line is logged with its fields again, and the
// next invocation's lifecycle document counts it.
func (s *scope) carryFailure(component string, err error) {
	s.w.carried.Add(1)
	ctx, inv := s.reopen()
	s.w.logTelemetryFailure(ctx, component, err)
	_ = inv.End(false)
}

// logTelemetryFailure writes the WARN line of a telemetry failure.
func (w *wrapper) logTelemetryFailure(ctx context.Context, component string, err error) {
	w.self.LogAttrs(ctx, slog.LevelWarn, names.MsgTelemetryFailed,
		slog.String(names.KeyComponent, component), slog.String(names.KeyError, errinfo.Message(err)))
}

// reopen returns a context to log with the fields of an invocation whose
// own log invocation has ended, and the redaction it learnt.
func (s *scope) reopen() (context.Context, *logger.Invocation) {
	f := s.inv.Fields()
	f.InitDuration = 0
	return s.w.log.Begin(s.ctx, f)
}

// recoverTelemetry, deferred, turns a panic of telemetry code into a
// reported failure.
func (s *scope) recoverTelemetry(component string) {
	if r := recover(); r != nil {
		s.telemetryFailed(component, fmt.Errorf("panicked: %s", errinfo.Sprint(r)))
	}
}

// end records the outcome and flushes, once, and returns what the handler's
// caller gets in place of its error or panic value (nil: unchanged).
func (s *scope) end(o outcome) any {
	w := s.w
	d := s.describe(o) // runs the user's Error and String methods, guarded, before any lock
	s.logOutcome(&d)
	s.traceOutcome(&d)

	s.mu.Lock()
	now := w.cfg.now()
	switch {
	case d.panicked:
		s.lifecycle().Count(names.MetricPanics, 1)
	case d.failed && !d.aborted && w.cfg.errorMetric:
		s.lifecycle().Count(names.MetricErrors, 1)
	}
	if s.timedOut && now.Before(s.deadline) {
		// The guard counted a timeout that did not happen: take it back, in
		// the same minute (the lifecycle document keeps the invocation's
		// start as its timestamp), so the sum is zero.
		w.self.LogAttrs(s.ctx, slog.LevelInfo, names.MsgReturnedInTime,
			slog.Float64(names.KeyElapsedMS, ms(now.Sub(s.start))),
			slog.Float64(names.KeyRemainingMS, ms(s.deadline.Sub(now))))
		s.lifecycle().Count(names.MetricTimeouts, -1)
	}
	if s.sampled {
		w.usage.record(s.lifecycle(), &s.usageStart, s.shared.Load())
	}
	s.reportLate()
	s.flushLocked(true, d.failed)
	s.ended = true
	s.written.Store(true)
	s.mu.Unlock()
	switch {
	case !w.ext.exporting():
		s.flushTracer()
	case d.panicked:
		w.ext.exportNow(s.exportLimit()) // the process exits after the panic is reported
	default:
		w.ext.onPosted(s.origin, s.id.requestID) // exported after the response
	}
	if w.ext != nil {
		w.ext.tm.ended(s.id.requestID)
	}
	if s.guard != nil {
		s.guard.disarm()
	}
	if w.bridge != nil && d.failed && !d.aborted {
		w.bridge.expect(d.reported, s)
	}

	w.untrack(s)
	return d.handBack
}

// logOutcome writes the wrapper's line for a failed invocation.
func (s *scope) logOutcome(d *described) {
	switch {
	case d.panicked:
		s.w.self.LogAttrs(s.ctx, slog.LevelError, names.MsgInvocationPanicked,
			slog.String(names.KeyPanic, d.text),
			slog.String(names.KeyErrorType, d.typ),
			slog.String(names.KeyStackTrace, d.stack))
	case d.aborted:
		s.w.self.LogAttrs(s.ctx, slog.LevelError, names.MsgInvocationFailed, slog.String(names.KeyError, d.text))
	case d.failed:
		// The handler writes the error (guarded, redacted) with its type,
		// the types it wraps and the stack of any that carries one.
		s.w.self.LogAttrs(s.ctx, slog.LevelError, names.MsgInvocationFailed, slog.Any(names.KeyError, d.err))
	}
}

// traceOutcome sets the span's status and records the error on it, with
// the redacted text (never the error itself: its methods are user code).
func (s *scope) traceOutcome(d *described) {
	if !d.failed || !s.span.IsRecording() {
		return
	}
	defer s.recoverTelemetry("span status")
	switch {
	case d.panicked:
		s.span.RecordError(errors.New("panic: " + d.text))
		s.span.SetStatus(tracing.Error, "panic")
	case d.aborted:
		s.span.SetStatus(tracing.Error, d.text)
	default:
		s.span.RecordError(&describedError{text: d.text, typ: d.typ})
		s.span.SetStatus(tracing.Error, d.text)
	}
}

// reportLate reports values that goroutines of ended invocations logged or
// recorded (and that were dropped), however long after their end.
func (s *scope) reportLate() {
	if late := s.w.late.Swap(0); late > 0 {
		s.w.self.LogAttrs(s.ctx, slog.LevelWarn, names.MsgLateValues, slog.Int64(names.KeyCount, late))
		s.rec.Count(names.MetricLateValues, float64(late))
	}
}

// flushLocked writes what the invocation recorded. final closes the
// recorders and the log invocation; otherwise (timeout guard, SIGTERM) they
// stay open for what the handler still does. The tracer is flushed by the
// caller once the lock is released.
func (s *scope) flushLocked(final, failed bool) {
	s.endSpan()
	n := s.failures.Swap(0)
	if final {
		n += s.w.carried.Swap(0)
		if d := s.w.exported.Swap(0); d > 0 {
			s.lifecycle().Duration(names.MetricTraceExportDuration, time.Duration(d))
		}
		if d := s.w.droppedSpans.Swap(0); d > 0 {
			s.lifecycle().Count(names.MetricSpansDropped, float64(d))
		}
	}
	if n > 0 {
		s.lifecycle().Count(names.MetricTelemetryErrors, float64(n))
	}
	if s.life != nil {
		s.life.SetTimestamp(s.start)
	}
	flush := (*metrics.Recorder).FlushReport
	if final {
		flush = (*metrics.Recorder).CloseReport
	}
	var dropped, failures []error
	for _, r := range [2]*metrics.Recorder{s.life, s.rec} {
		if r == nil {
			continue
		}
		d, err := flush(r)
		if d != nil {
			dropped = append(dropped, d)
		}
		if err != nil {
			failures = append(failures, err)
		}
	}
	// Logged before the log invocation ends, with its fields. A failed
	// write comes after the lifecycle document: the next one counts it.
	if len(dropped) > 0 {
		s.w.self.LogAttrs(s.ctx, slog.LevelWarn, names.MsgMetricsDropped, slog.Any(names.KeyError, errors.Join(dropped...)))
	}
	if len(failures) > 0 {
		s.w.carried.Add(int64(len(failures)))
		s.w.logTelemetryFailure(s.ctx, "metrics.Flush", errors.Join(failures...))
	}
	if !final {
		if err := s.inv.FlushBuffer(); err != nil {
			s.w.carried.Add(1)
			s.w.logTelemetryFailure(s.ctx, "logger.FlushBuffer", err)
		}
		return
	}
	if err := s.inv.End(failed); err != nil {
		s.carryFailure("logger.End", err)
	}
}

func (s *scope) endSpan() {
	defer s.recoverTelemetry("span.End")
	s.span.End()
}

// flushTracer flushes the backend, never past the invocation's deadline. A
// failure is reported (a WARN line now; it is counted with the next
// invocation's lifecycle document when this one has been written).
func (s *scope) flushTracer() {
	t := s.w.cfg.tracer
	if t == nil {
		return
	}
	if s.w.ext.holding() {
		s.w.ext.exportNow(s.exportLimit())
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), s.exportLimit())
	defer cancel()
	if err := flushGuarded(ctx, t); err != nil {
		s.telemetryFailed("tracer.Flush", err)
	}
}

// exportLimit is how long an export on the invocation's path may take:
// never past its deadline.
func (s *scope) exportLimit() time.Duration {
	limit := s.w.cfg.flushDeadline
	if !s.deadline.IsZero() {
		if left := time.Until(s.deadline); left < limit {
			limit = max(left, time.Millisecond)
		}
	}
	return limit
}

// onTimeout runs when the deadline is about to pass with the handler still
// running: it records the timeout and flushes everything recorded so far.
// If the handler returns in time after all, end takes the count back.
func (s *scope) onTimeout() {
	s.mu.Lock()
	if s.ended || s.timedOut {
		s.mu.Unlock()
		return
	}
	s.timedOut = true
	now := s.w.cfg.now()
	s.w.self.LogAttrs(s.ctx, slog.LevelError, names.MsgInvocationTimeout,
		slog.Float64(names.KeyElapsedMS, ms(now.Sub(s.start))),
		slog.Float64(names.KeyRemainingMS, ms(s.deadline.Sub(now))))
	s.lifecycle().Count(names.MetricTimeouts, 1)
	s.traceTimeout()
	s.flushLocked(false, true)
	s.mu.Unlock()
	s.flushTracer()
}

func (s *scope) traceTimeout() {
	defer s.recoverTelemetry("span status")
	s.span.RecordError(errTimeout)
	s.span.SetStatus(tracing.Error, "timeout")
}

// onSIGTERM flushes every invocation still running, then the tracer once:
// Lambda is shutting the environment down and will not wait for them. It
// is aws-lambda-go's SIGTERM hook when the wrapper has no extension.
func (w *wrapper) onSIGTERM() {
	if s := w.flushRunning(); s != nil {
		s.flushTracer()
	}
}

// flushRunning writes what every invocation still running recorded, each
// under its own lock, and returns the one whose deadline comes first (the
// tracer's flush must end by then), or nil when none was running.
func (w *wrapper) flushRunning() *scope {
	w.mu.Lock()
	var pending []*scope
	for s := w.inflight; s != nil; s = s.next {
		pending = append(pending, s)
	}
	w.mu.Unlock()
	var first *scope
	for _, s := range pending {
		s.mu.Lock()
		if !s.ended {
			w.self.LogAttrs(s.ctx, slog.LevelWarn, names.MsgSIGTERM)
			s.flushLocked(false, true)
			if first == nil || s.exportLimit() < first.exportLimit() {
				first = s
			}
		}
		s.mu.Unlock()
	}
	return first
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1e3
}

// scrubber returns the redaction of the invocation's outputs.
func (s *scope) scrubber() redact.Scrubber {
	return redact.FromContext(s.ctx).Scrubber()
}
