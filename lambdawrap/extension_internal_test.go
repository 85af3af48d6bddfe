package lambdawrap

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// heldTracer is a backend whose spans wait for Flush (tracing.Deferred):
// pending says how many wait, and Flush, while stalled, blocks until
// released or its context ends.
type heldTracer struct {
	pending atomic.Int64
	flushes atomic.Int64
	stalled chan struct{} // nil: Flush returns at once
	entered chan struct{} // receives when a stalled Flush begins
}

func (h *heldTracer) StartInvocation(ctx context.Context, _ tracing.Invocation) (context.Context, tracing.Span) {
	return ctx, noSpan
}

func (h *heldTracer) Start(ctx context.Context, _ string, _ tracing.StartConfig) (context.Context, tracing.Span) {
	return ctx, noSpan
}

func (h *heldTracer) Flush(ctx context.Context) error {
	h.flushes.Add(1)
	if h.stalled != nil {
		h.entered <- struct{}{}
		select {
		case <-h.stalled:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	h.pending.Store(0)
	return nil
}

func (h *heldTracer) DeferExport(int)                {}
func (h *heldTracer) Pending() (spans, bytes int)    { return int(h.pending.Load()), 0 }
func (h *heldTracer) TakeDropped() []tracing.Dropped { return nil }

// syncBuffer is a writer safe for concurrent use; it fails the writes of
// EMF documents while failEMF is set.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	failEMF atomic.Bool
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	if b.failEMF.Load() && bytes.Contains(p, []byte(`"_aws"`)) {
		return 0, errors.New("disk full")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// objects returns what was written, one JSON object a line.
func (b *syncBuffer) objects(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %s", sc.Bytes())
		}
		out = append(out, m)
	}
	return out
}

func testWrapper(t *testing.T, tr tracing.Tracer, out *syncBuffer, opts ...Option) *wrapper {
	t.Helper()
	return newWrapper(append([]Option{
		WithWriter(out), WithoutDefaultLogger(), WithTracer(tr), WithUsageMetrics(0),
		WithLookupEnv(func(string) (string, bool) { return "", false }),
		hook.FreshProcess(int64(time.Millisecond)).(Option),
	}, opts...))
}

func testExtension(w *wrapper, tr *heldTracer, managed bool) *extension {
	return &extension{w: w, deferred: tr, managed: managed, posted: make(chan string, 64)}
}

// TestBeginDoesNotWaitForAnExport: while an export stalls, invocations
// begin and end without waiting for it, under Managed Instances (exports
// on a timer) and after the response alike.
func TestBeginDoesNotWaitForAnExport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		managed bool
	}{{"managed instances", true}, {"after the response", false}} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &heldTracer{stalled: make(chan struct{}), entered: make(chan struct{}, 1)}
			tr.pending.Store(1)
			w := testWrapper(t, tr, &syncBuffer{})
			w.ext = testExtension(w, tr, tc.managed)
			exported := make(chan struct{})
			go func() {
				defer close(exported)
				if tc.managed {
					w.ext.exportNow(exportCap)
				} else {
					w.ext.afterResponse(true)
				}
			}()
			<-tr.entered
			done := make(chan struct{})
			go func() {
				defer close(done)
				var wg sync.WaitGroup
				for range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, s := w.begin(context.Background())
						s.end(outcome{})
					}()
				}
				wg.Wait()
			}()
			select {
			case <-done:
			case <-time.After(time.Second):
				t.Error("invocations waited for a stalled export")
			}
			close(tr.stalled)
			<-done
			<-exported
		})
	}
}

// TestNothingWaitingIsNotExported: with no span waiting, the Managed
// Instances exporter neither exports nor records an export time, so no
// lifecycle document is written for it.
func TestNothingWaitingIsNotExported(t *testing.T) {
	tr := &heldTracer{}
	out := &syncBuffer{}
	w := testWrapper(t, tr, out)
	w.ext = testExtension(w, tr, true)
	for range 3 {
		w.ext.exportNow(exportCap)
	}
	if n := tr.flushes.Load(); n != 0 {
		t.Errorf("%d exports with nothing waiting", n)
	}
	_, s := w.begin(context.Background())
	s.end(outcome{})
	for _, o := range out.objects(t) {
		if _, ok := o[names.MetricTraceExportDuration]; ok {
			t.Errorf("a document with %s: %v", names.MetricTraceExportDuration, o)
		}
	}
	tr.pending.Store(2)
	w.ext.exportNow(exportCap)
	if n := tr.flushes.Load(); n != 1 {
		t.Errorf("%d exports of 2 waiting spans, want 1", n)
	}
}

// TestAFailedExtensionFallsBackToTheSynchronousFlush: once Lambda's
// Extensions API fails, the spans that wait are exported and every later
// invocation flushes its own before it returns.
func TestAFailedExtensionFallsBackToTheSynchronousFlush(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing answers there: event/next fails
	tr := &heldTracer{}
	out := &syncBuffer{}
	w := testWrapper(t, tr, out)
	w.ext = testExtension(w, tr, false)
	w.ext.base = "http://" + addr + "/2020-01-01/extension/"
	w.ext.client = &http.Client{Timeout: 2 * time.Second}
	tr.pending.Store(3) // handed over by earlier invocations
	w.ext.loop()
	if w.ext.exporting() {
		t.Fatal("still exporting after the response with its loop stopped")
	}
	if n := tr.flushes.Load(); n != 1 {
		t.Errorf("%d exports of what waited when the loop stopped, want 1", n)
	}
	_, s := w.begin(context.Background())
	tr.pending.Store(1)
	s.end(outcome{})
	if n := tr.flushes.Load(); n != 2 || tr.pending.Load() != 0 {
		t.Errorf("after an invocation: %d exports, %d spans waiting; want 2 and 0", n, tr.pending.Load())
	}
	var failed bool
	for _, o := range out.objects(t) {
		failed = failed || o["message"] == names.MsgExtensionFailed
	}
	if !failed {
		t.Errorf("no %q line", names.MsgExtensionFailed)
	}
}

// TestSIGTERMFlushesTheTracerOnce: at SIGTERM, the telemetry of every
// invocation still running is written, then the spans go out in one
// export, with or without the extension.
func TestSIGTERMFlushesTheTracerOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		ext  bool
	}{{"aws-lambda-go's hook", false}, {"the extension", true}} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &heldTracer{}
			out := &syncBuffer{}
			w := testWrapper(t, tr, out)
			if tc.ext {
				w.ext = testExtension(w, tr, false)
			}
			var running []*scope
			for range 3 {
				_, s := w.begin(context.Background())
				running = append(running, s)
			}
			tr.pending.Store(3)
			flushes := tr.flushes.Load()
			if tc.ext {
				signals := make(chan os.Signal, 1)
				signals <- syscall.SIGTERM
				w.ext.onSignal(signals)
			} else {
				w.onSIGTERM()
			}
			if n := tr.flushes.Load() - flushes; n != 1 {
				t.Errorf("%d exports at SIGTERM, want 1", n)
			}
			warned := 0
			for _, o := range out.objects(t) {
				if o["message"] == names.MsgSIGTERM {
					warned++
				}
			}
			if warned != len(running) {
				t.Errorf("%d %q lines, want %d", warned, names.MsgSIGTERM, len(running))
			}
			for _, s := range running {
				s.end(outcome{})
			}
		})
	}
}

// TestFailedWritesAreReported: an EMF document the writer refuses is a
// telemetry failure: a WARN line now, counted in the next lifecycle
// document.
func TestFailedWritesAreReported(t *testing.T) {
	out := &syncBuffer{}
	w := testWrapper(t, nil, out)
	out.failEMF.Store(true)
	_, s := w.begin(context.Background())
	s.rec.Count("Orders", 1)
	s.end(outcome{})
	out.failEMF.Store(false)
	_, s = w.begin(context.Background())
	s.end(outcome{})
	var warned bool
	var counted float64
	for _, o := range out.objects(t) {
		if o["message"] == names.MsgTelemetryFailed && o["component"] == "metrics.Flush" {
			warned = true
		}
		if v, ok := o[names.MetricTelemetryErrors].(float64); ok {
			counted += v
		}
	}
	if !warned {
		t.Errorf("no %q line for the refused document: %s", names.MsgTelemetryFailed, out.buf.String())
	}
	if counted != 2 { // the first invocation's two documents: lifecycle (init duration) and its own
		t.Errorf("TelemetryErrors = %v, want 2", counted)
	}
}

// TestAReportThatCannotBeWrittenSaysWhy: a Lambda report whose document
// the writer refuses is logged with the writer's error.
func TestAReportThatCannotBeWrittenSaysWhy(t *testing.T) {
	out := &syncBuffer{}
	w := testWrapper(t, nil, out)
	tm := &telemetry{w: w, every: 1, awaiting: map[string]bool{}}
	tm.arrived = sync.NewCond(&tm.mu)
	out.failEMF.Store(true)
	tm.report(platformEvent{Type: "platform.report", Record: json.RawMessage(`{"requestId":"r-1","status":"success","metrics":{"durationMs":12.5}}`)}, false)
	var said any
	for _, o := range out.objects(t) {
		if o["message"] == names.MsgMetricsDropped {
			said = o[names.KeyError]
		}
	}
	if s, _ := said.(string); !strings.Contains(s, "disk full") {
		t.Errorf("the %q line says %v, want the writer's error", names.MsgMetricsDropped, said)
	}
}
