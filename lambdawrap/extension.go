package lambdawrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// The export after the response (Start, in Lambda, with a backend that
// implements tracing.Deferred). Lambda freezes a sandbox only when the
// runtime and every extension have asked for their next event, so an
// internal extension subscribed to INVOKE can export an invocation's spans
// after the runtime posted its result: billed, but never waited for by the
// caller. The steps of one invocation:
//
//	extension: INVOKE event ─────────────── wait ──────────┐
//	runtime:   handler → flush logs and EMF → post result ─┤ (the invocation's context ends)
//	extension:                                 export spans, then ask for the next event
//
// When invocations are frequent, the spans of several go out together,
// after a response, bounded by age, count and bytes. A timeout (the guard),
// a panic and SIGTERM export whatever waits right away, on their own path.
// Under Lambda Managed Instances, where a process serves several
// invocations and is never frozen between them, a goroutine exports on a
// timer instead.
const (
	// maxHeldSpans is how many ended spans may wait; more are dropped and counted.
	maxHeldSpans = 4096
	// batchSpans, batchBytes and batchAge bound what waits for a later
	// response while invocations are frequent.
	batchSpans = 512
	batchBytes = 512 << 10
	batchAge   = time.Second
	// steadyGap: invocations starting less than this apart, four times in
	// a row, are frequent.
	steadyGap = 250 * time.Millisecond
	// exportCap bounds one export after a response: a stalled exporter
	// delays the freeze (and the next invocation) at most that long.
	exportCap = 2 * time.Second
	// backgroundEvery is how often the Managed Instances exporter runs.
	backgroundEvery = time.Second
)

// extension is the wrapper's internal extension.
type extension struct {
	w        *wrapper
	base     string
	client   *http.Client
	id       string
	managed  bool
	deferred tracing.Deferred // the backend, when its export waits; nil otherwise
	tm       *telemetry       // Lambda's reports, when subscribed; nil otherwise

	posted chan string // request ids whose result the runtime posted

	// dead is set when the loop stopped (Lambda's Extensions API failed):
	// spans are no longer exported after the response, the wrapper flushes
	// them on the invocation's path.
	dead atomic.Bool

	// mu serialises exports. The extension's own goroutines and the
	// off-path flushes (timeout guard, panic, SIGTERM) take it, and, once
	// the loop stopped, the synchronous flush at an invocation's end;
	// never an invocation's begin.
	mu        sync.Mutex
	heldSince time.Time // when spans first waited for a later response

	startsMu sync.Mutex // guards starts; never held across an export
	starts   [5]time.Time
	nstarts  int
}

// startExtension registers the wrapper's internal extension with Lambda's
// Extensions API, which also makes Lambda send SIGTERM at shutdown, and
// starts its loop, when there is work for it: a tracing backend whose
// export can wait (it implements tracing.Deferred), or Lambda's reports to
// read from the Telemetry API (usage metrics on). It returns nil outside
// Lambda, with nothing to do, or when the extension cannot register: the
// wrapper then flushes synchronously.
func (w *wrapper) startExtension() *extension {
	api := w.cfg.lookup.String(names.EnvAWSLambdaRuntimeAPI)
	if api == "" {
		return nil
	}
	d, deferrable := w.cfg.tracer.(tracing.Deferred)
	export := deferrable && w.cfg.postResponse
	// Without an INVOKE subscription, the emulator's standard mode waits for
	// the extension forever after a panic: LAMBDAOBS_DISABLE_SIGTERM keeps
	// such an extension away, as it keeps aws-lambda-go's.
	reports := w.cfg.usageEvery > 0 && w.cfg.sigterm
	if !export && !reports {
		return nil
	}
	e := &extension{
		w:       w,
		base:    "http://" + api + "/2020-01-01/extension/",
		client:  &http.Client{},
		managed: w.cfg.lookup.String(names.EnvAWSLambdaMaxConcurrency) != "",
		posted:  make(chan string, 64),
	}
	var events []string
	if export && !e.managed { // Managed Instances allow internal extensions no event
		events = []string{"INVOKE"}
	}
	id, err := e.register(events)
	if err != nil {
		w.self.LogAttrs(context.Background(), slog.LevelWarn, names.MsgExtensionFailed, slog.String(names.KeyError, err.Error()))
		return nil
	}
	e.id = id
	if reports {
		if e.tm, err = e.subscribe(w.cfg.usageEvery); err != nil {
			w.self.LogAttrs(context.Background(), slog.LevelWarn, names.MsgTelemetryUnavailable, slog.String(names.KeyError, err.Error()))
		}
	}
	if export {
		e.deferred = d
		d.DeferExport(maxHeldSpans)
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM)
	go e.onSignal(signals)
	if e.managed && export {
		go e.background()
	}
	go e.loop()
	return e
}

// exporting reports whether spans are exported after the response.
func (e *extension) exporting() bool { return e != nil && e.deferred != nil && !e.dead.Load() }

// holding reports whether the backend keeps ended spans until the
// extension exports them (tracing.Deferred.DeferExport was called).
func (e *extension) holding() bool { return e != nil && e.deferred != nil }

func (e *extension) register(events []string) (string, error) {
	if events == nil {
		events = []string{}
	}
	body, _ := json.Marshal(map[string][]string{"events": events})
	req, err := http.NewRequest(http.MethodPost, e.base+"register", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Lambda-Extension-Name", "lambdaobs")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := e.client.Do(req.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("lambdawrap: register the extension: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("lambdawrap: register the extension: %s %s", resp.Status, msg)
	}
	return resp.Header.Get("Lambda-Extension-Identifier"), nil
}

// next asks for the next event: it returns when Lambda sends one, which,
// without a subscription, is never (the call still tells Lambda that the
// extension is ready).
func (e *extension) next() (event, error) {
	var ev event
	req, err := http.NewRequest(http.MethodGet, e.base+"event/next", nil)
	if err != nil {
		return ev, err
	}
	req.Header.Set("Lambda-Extension-Identifier", e.id)
	resp, err := e.client.Do(req)
	if err != nil {
		return ev, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return ev, fmt.Errorf("%s %s", resp.Status, msg)
	}
	err = json.NewDecoder(resp.Body).Decode(&ev)
	return ev, err
}

// event is what the Extensions API sends.
type event struct {
	EventType  string `json:"eventType"`
	RequestID  string `json:"requestId"`
	DeadlineMS int64  `json:"deadlineMs"`
}

// loop waits for each invocation's result to be posted, then does what
// comes after the response, then asks for the next event.
func (e *extension) loop() {
	for {
		ev, err := e.next()
		if err != nil {
			e.w.self.LogAttrs(context.Background(), slog.LevelWarn, names.MsgExtensionFailed, slog.String(names.KeyError, err.Error()))
			e.stop()
			return
		}
		if ev.EventType != "INVOKE" {
			continue
		}
		e.waitPosted(ev.RequestID, time.UnixMilli(ev.DeadlineMS))
		e.afterResponse(false)
	}
}

// stop is called when the loop cannot go on: from then on the wrapper
// flushes spans on the invocation's path, and what waits is exported now.
// Under Managed Instances the background exporter goes on as before.
func (e *extension) stop() {
	if e.deferred == nil || e.managed {
		return
	}
	e.dead.Store(true)
	e.exportNow(exportCap)
}

// waitPosted returns once the runtime posted the result of invocation id,
// or at its deadline.
func (e *extension) waitPosted(id string, deadline time.Time) {
	t := time.NewTimer(max(time.Until(deadline), 0))
	defer t.Stop()
	for {
		select {
		case got := <-e.posted:
			if got == id {
				return
			}
		case <-t.C:
			return
		}
	}
}

// onPosted is called once the runtime has posted the result of the
// invocation whose original context is ctx (aws-lambda-go ends that context
// right after the post).
func (e *extension) onPosted(ctx context.Context, id string) {
	if !e.exporting() || e.managed {
		return
	}
	context.AfterFunc(ctx, func() {
		select {
		case e.posted <- id:
		default: // nobody is waiting for so many: the deadline frees the loop
		}
	})
}

// noteStart records that an invocation began, for the batching decision
// after a response (not made under Managed Instances, which export on a
// timer). It never waits for an export.
func (e *extension) noteStart(t time.Time) {
	if e == nil || e.deferred == nil || e.managed {
		return
	}
	e.startsMu.Lock()
	e.starts[e.nstarts%len(e.starts)] = t
	e.nstarts++
	e.startsMu.Unlock()
}

// steady reports whether invocations are frequent: the last ones started
// less than steadyGap apart.
func (e *extension) steady() bool {
	e.startsMu.Lock()
	defer e.startsMu.Unlock()
	n := len(e.starts)
	if e.nstarts < n {
		return false
	}
	for i := 1; i < n; i++ {
		a, b := e.starts[(e.nstarts-i-1)%n], e.starts[(e.nstarts-i)%n]
		if b.Sub(a) > steadyGap {
			return false
		}
	}
	return true
}

// afterResponse exports what waits, unless invocations are frequent and
// what waits is young and small: it then goes with a later response.
// force exports regardless (timeout, panic, SIGTERM).
func (e *extension) afterResponse(force bool) {
	if e == nil || e.deferred == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	spans, size := e.deferred.Pending()
	now := time.Now()
	if spans == 0 {
		e.heldSince = time.Time{}
		e.reportDropped()
		return
	}
	if e.heldSince.IsZero() {
		e.heldSince = now
	}
	if !force && e.steady() && spans < batchSpans && size < batchBytes && now.Sub(e.heldSince) < batchAge {
		return // with a later response
	}
	e.exportLocked(exportCap)
	e.heldSince = time.Time{}
}

// exportLocked flushes the backend within limit, and records what it took
// and what was dropped, for the next invocation's lifecycle document.
func (e *extension) exportLocked(limit time.Duration) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	err := flushGuarded(ctx, e.w.cfg.tracer)
	cancel()
	e.w.exported.Add(int64(time.Since(start)))
	if err != nil {
		e.w.carried.Add(1)
		e.w.logTelemetryFailure(context.Background(), "tracer.Flush", err)
	}
	e.reportDropped()
}

// reportDropped logs and counts the spans the backend dropped.
func (e *extension) reportDropped() {
	for _, d := range e.deferred.TakeDropped() {
		e.w.droppedSpans.Add(int64(d.Spans))
		e.w.self.LogAttrs(context.Background(), slog.LevelWarn, names.MsgSpansDropped,
			slog.Int(names.KeyCount, d.Spans), slog.String(names.KeyReason, d.Reason))
	}
}

// exportNow exports everything that waits, within limit: the timeout
// guard, a panic and SIGTERM call it on their own goroutines, the Managed
// Instances exporter on its timer. With nothing waiting it exports nothing
// and records no export time; it still reports what the backend dropped.
func (e *extension) exportNow(limit time.Duration) {
	if e == nil || e.deferred == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.heldSince = time.Time{}
	if spans, _ := e.deferred.Pending(); spans == 0 {
		e.reportDropped()
		return
	}
	e.exportLocked(limit)
}

// background exports on a timer, for Lambda Managed Instances.
func (e *extension) background() {
	t := time.NewTicker(backgroundEvery)
	defer t.Stop()
	for range t.C {
		e.exportNow(exportCap)
	}
}

// onSignal flushes everything at SIGTERM: Lambda is shutting the sandbox
// down, within about 300 ms for a runtime with internal extensions. The
// invocations still running first, then the spans in one export, then the
// reports Lambda still has to deliver.
func (e *extension) onSignal(signals <-chan os.Signal) {
	<-signals
	s := e.w.flushRunning()
	switch {
	case e.holding():
		e.exportNow(200 * time.Millisecond)
	case s != nil:
		s.flushTracer()
	}
	e.tm.drain(80 * time.Millisecond)
}

// flushGuarded flushes t, turning a panic into an error.
func flushGuarded(ctx context.Context, t tracing.Tracer) (err error) {
	if t == nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("panicked: " + errinfo.Sprint(r))
		}
	}()
	return t.Flush(ctx)
}
