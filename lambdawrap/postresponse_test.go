package lambdawrap_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
)

// TestSpansAreExportedAfterTheResponse runs a traced function under the
// emulator, behind a proxy of its Runtime API, exporting to a real
// collector through a recorder of export requests: each invocation's spans
// are exported after its result was posted (a timeout's and a panic's
// before, on their own path), and every span arrives exactly once, also
// those of the last invocations when the sandbox shuts down (SIGTERM).
func TestSpansAreExportedAfterTheResponse(t *testing.T) {
	bootstrap := testenv.BuildBootstrap(t, "./lambdawrap/testdata/fn")
	col := testenv.StartCollector(t)
	rec := testenv.StartExportRecorder(t, col.Endpoint)
	emu, rapi := testenv.StartEmulatorBehindProxy(t, bootstrap, "AWS_LAMBDA_FUNCTION_TIMEOUT=2",
		"OTEL_EXPORTER_OTLP_ENDPOINT="+rec.Endpoint, "OTEL_EXPORTER_OTLP_COMPRESSION=none")
	const n = 240
	mode := func(i int) string {
		switch {
		case i == 100:
			return "panic"
		case i == 150:
			return "sleep" // past the 2 s timeout
		case i%10 == 3:
			return "error"
		}
		return "ok"
	}
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("post-%03d", i)
		if i >= 200 && i < 210 {
			time.Sleep(300 * time.Millisecond) // sparse for a while: one export after each response
		}
		code, body := emu.Invoke(t, ids[i], []byte(fmt.Sprintf(`{"mode":%q}`, mode(i))))
		if want := map[string]int{"panic": http.StatusBadGateway}[mode(i)]; want != 0 && code != want || want == 0 && code != http.StatusOK {
			t.Fatalf("%s: status %d %s", ids[i], code, body)
		}
	}
	emu.WaitOutput(t, regexp.MustCompile(`END RequestId: `+ids[n-1]), 10*time.Second)
	// The sandbox shuts down: what still waits goes out at SIGTERM.
	_ = emu.Proc.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-time.After(10 * time.Second):
		t.Fatal("the emulator did not stop")
	case <-procDone(emu.Proc):
	}

	spans := col.WaitSpans(t, 2*n, 30*time.Second)
	perID := map[string]int{}
	for _, s := range spans {
		if id, ok := s.Attributes["faas.invocation_id"].(string); ok {
			perID[id]++
		}
	}
	posted := map[string]time.Time{}
	for _, e := range rapi.Events() {
		if e.Kind == "response" || e.Kind == "error" {
			posted[e.RequestID] = e.At
		}
	}
	late, early := 0, 0
	for i, id := range ids {
		if perID[id] != 1 {
			t.Errorf("%s (%s): its invocation span arrived %d times", id, mode(i), perID[id])
		}
		at, exports := rec.FirstWith(id)
		if exports != 1 {
			t.Errorf("%s: in %d export requests", id, exports)
		}
		if m := mode(i); m == "panic" || m == "sleep" {
			continue // exported before the process dies, on their own path
		}
		if p, ok := posted[id]; !ok || !at.After(p) {
			early++
			t.Errorf("%s: exported at %v, its result posted at %v", id, at.Format(time.StampMicro), p.Format(time.StampMicro))
		} else {
			late++
		}
	}
	t.Logf("%d invocations exported after their response, %d before; %d export requests for %d spans", late, early, len(rec.Exports()), len(spans))
	if !registered.MatchString(emu.Proc.Output.String()) {
		t.Error("the internal extension did not register")
	}
}

// registered matches the emulator's line for the wrapper's extension, in
// either mode's format.
var registered = regexp.MustCompile(`Internal agent (lambdaobs|registered.*agentName=lambdaobs)`)

// procDone returns a channel closed when p has exited.
func procDone(p *testenv.Process) <-chan struct{} {
	c := make(chan struct{})
	go func() {
		for !p.Exited() {
			time.Sleep(10 * time.Millisecond)
		}
		close(c)
	}()
	return c
}

// TestSpansUnderManagedInstances: one process serves four invocations at
// once and is never frozen; its spans go out from a background exporter,
// each invocation's child span under its own invocation span and trace.
func TestSpansUnderManagedInstances(t *testing.T) {
	bootstrap := testenv.BuildBootstrap(t, "./lambdawrap/testdata/fn")
	col := testenv.StartCollector(t)
	emu := testenv.StartManagedEmulator(t, bootstrap, 4, "OTEL_EXPORTER_OTLP_ENDPOINT="+col.Endpoint)
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := http.Header{"X-Amzn-Trace-Id": {fmt.Sprintf("Root=1-5759e988-%024x;Parent=53995c3f42cd8ad8;Sampled=1", i+1)}}
			if code, body := emu.InvokeWithHeader(t, fmt.Sprintf("mi-span-%02d", i), []byte(`{"mode":"nap"}`), h); code != http.StatusOK {
				t.Errorf("status %d %s", code, body)
			}
		}()
	}
	wg.Wait()
	spans := col.WaitSpans(t, 2*n, 60*time.Second)
	byID := map[string]testenv.Span{}
	for _, s := range spans {
		byID[s.SpanID] = s
	}
	invocations := 0
	for _, s := range spans {
		if s.Name != "work" {
			if id, _ := s.Attributes["faas.invocation_id"].(string); id != "" {
				invocations++
			}
			continue
		}
		parent, ok := byID[s.ParentSpanID]
		if !ok || parent.TraceID != s.TraceID {
			t.Errorf("work span %s without its invocation span", s.SpanID)
			continue
		}
		var i int
		if _, err := fmt.Sscanf(parent.Attributes["faas.invocation_id"].(string), "mi-span-%d", &i); err != nil || s.TraceID != fmt.Sprintf("5759e988%024x", i+1) {
			t.Errorf("work span of %v in trace %s", parent.Attributes["faas.invocation_id"], s.TraceID)
		}
	}
	if !registered.MatchString(emu.Proc.Output.String()) {
		t.Error("the internal extension did not register")
	}
	if invocations != n || len(spans) != 2*n {
		t.Errorf("%d invocation spans, %d spans, want %d and %d", invocations, len(spans), n, 2*n)
	}
}

// TestAStalledExporterIsBounded: an OTLP endpoint that never answers (a
// home-made listener, the last resort: nothing else stalls on purpose)
// holds each export after a response for at most the cap, never a
// response; its spans are counted as dropped, in the next lifecycle
// document and a WARN line.
func TestAStalledExporterIsBounded(t *testing.T) {
	stall := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-stall }))
	t.Cleanup(func() { close(stall); srv.Close() })
	bootstrap := testenv.BuildBootstrap(t, "./lambdawrap/testdata/fn")
	emu, rapi := testenv.StartEmulatorBehindProxy(t, bootstrap, "AWS_LAMBDA_FUNCTION_TIMEOUT=5",
		"OTEL_EXPORTER_OTLP_ENDPOINT="+srv.URL, "OTEL_EXPORTER_OTLP_TIMEOUT=60000")
	start := time.Now()
	for i := range 3 {
		if code, body := emu.Invoke(t, fmt.Sprintf("stall-%d", i), []byte(`{"mode":"ok"}`)); code != http.StatusOK {
			t.Fatalf("status %d %s", code, body)
		}
	}
	// Each export after a response is cut at the cap (2 s): three
	// invocations, two of them waiting behind a stalled export.
	if d := time.Since(start); d > 9*time.Second {
		t.Errorf("3 invocations took %v behind a stalled exporter", d)
	}
	for id, d := range rapi.ResponseLatency() {
		if d > 500*time.Millisecond {
			t.Errorf("%s: the caller waited %v", id, d)
		}
	}
	emu.WaitOutput(t, regexp.MustCompile(`END RequestId: stall-2`), 10*time.Second)
	logs, docs, _ := lambdaobstest.Parse(emu.Proc.Output.String())
	if got := lambdaobstest.MetricValues(docs, names.MetricSpansDropped); len(got) == 0 {
		t.Errorf("no SpansDropped after stalled exports")
	}
	if logWith(logs, names.MsgSpansDropped) == nil {
		t.Errorf("no %q line", names.MsgSpansDropped)
	}
}
