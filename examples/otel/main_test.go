package main

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
)

// TestRunsLocally runs the example as `go run` does: JSON lines only, and
// for each of the three invocations three spans in the trace of its X-Ray
// header, the declined card's with status error.
func TestRunsLocally(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/otel")
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("otel example: %v", err)
	}
	lines, _, other := lambdaobstest.Parse(string(out))
	if len(other) != 0 {
		t.Errorf("lines that are not JSON: %q", other)
	}
	var spans []map[string]any
	for _, l := range lines {
		if _, ok := l["span"]; ok {
			spans = append(spans, l)
		}
	}
	if len(spans) != 9 {
		t.Fatalf("%d spans, want 9:\n%s", len(spans), out)
	}
	traces := map[string]int{}
	for _, s := range spans {
		traces[s["xray_trace_id"].(string)]++
		if s["span"] == "orders-otel" && s["parent_span_id"] != "53995c3f42cd8ad8" {
			t.Errorf("invocation span parent %v, want the header's", s["parent_span_id"])
		}
	}
	for _, id := range []string{"1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b", "1-6745a0b2-4d0e3f9a2b5c6d7e8f9a0b1c", "1-6745a0b3-5e1f4a0b3c6d7e8f9a0b1c2d"} {
		if traces[id] != 3 {
			t.Errorf("trace %s has %d spans, want 3", id, traces[id])
		}
	}
	if last := spans[len(spans)-1]; last["span"] != "orders-otel" || last["status"] != "error" {
		t.Errorf("declined order's invocation span: %v", last)
	}
}

// TestUnderEmulator runs the example as a real function under the Lambda
// Runtime Interface Emulator, exporting to a real collector through
// OTEL_EXPORTER_OTLP_ENDPOINT.
func TestUnderEmulator(t *testing.T) {
	col := testenv.StartCollector(t)
	bin := testenv.BuildBootstrap(t, "./examples/otel")
	emu := testenv.StartEmulator(t, bin, "AWS_LAMBDA_FUNCTION_TIMEOUT=3", "LAMBDAOBS_DISABLE_SIGTERM=true",
		"OTEL_EXPORTER_OTLP_ENDPOINT="+col.Endpoint)
	code, body := emu.Invoke(t, "otel-1", []byte(`{"id":"ord-1","customer":"c-1","items":2,"total":20.5,"card":"4242"}`))
	var r Receipt
	if code != 200 || json.Unmarshal(body, &r) != nil || r.OrderID != "ord-1" {
		t.Fatalf("status %d body %s", code, body)
	}
	emu.WaitOutput(t, regexp.MustCompile(`END RequestId: otel-1`), 5*time.Second)
	spans := col.WaitSpans(t, 3, 5*time.Second)
	var inv testenv.Span
	for _, s := range spans {
		if s.Kind == 2 {
			inv = s
		}
	}
	if inv.Attributes["faas.invocation_id"] != "otel-1" || inv.Attributes["faas.coldstart"] != true {
		t.Errorf("invocation span attributes %v", inv.Attributes)
	}
	if inv.Resource["service.name"] != "orders" || inv.Resource["faas.name"] != "test-function" {
		t.Errorf("resource %v", inv.Resource)
	}
	// The receipt carries the charge span's header, in the same trace.
	if !strings.Contains(r.TraceHeader, "Root=1-"+inv.TraceID[:8]+"-"+inv.TraceID[8:]) {
		t.Errorf("receipt header %q, invocation trace %s", r.TraceHeader, inv.TraceID)
	}
}
