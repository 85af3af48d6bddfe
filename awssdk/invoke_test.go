package awssdk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
)

// TestLambdaToLambdaUnderManagedInstances: function A invokes function B
// through the AWS SDK's Lambda client, both under the emulator's Lambda
// Managed Instances mode with AWS_LAMBDA_MAX_CONCURRENCY=4, where Lambda
// sets no _X_AMZN_TRACE_ID and passes the caller's X-Amzn-Trace-Id
// through, as Lambda does. Eight invocations of A run at once, each in a
// trace of its own, half invoking B with InvocationType Event, half with
// RequestResponse. B's log lines carry A's trace; with a backend, B's
// invocation span is the child of A's Invoke span. A client that is not
// instrumented loses the trace: the SDK's recursion detection has no
// _X_AMZN_TRACE_ID to copy.
//
// The emulator ignores X-Amz-Invocation-Type: it runs an Event invocation
// synchronously and answers 200 with its result where Lambda answers 202
// at once; the header B receives is the same either way. While every
// runtime of B is busy it answers 400 where Lambda answers 429, which A's
// client retries (see testdata/fn).
func TestLambdaToLambdaUnderManagedInstances(t *testing.T) {
	bootstrap := testenv.BuildBootstrap(t, "./awssdk/testdata/fn")
	for _, backend := range []string{"none", "otel", "xray"} {
		t.Run(backend, func(t *testing.T) {
			env := []string{"LAMBDAOBS_TEST_BACKEND=" + backend, "LAMBDAOBS_DISABLE_SIGTERM=true"}
			var col *testenv.Collector
			var daemon *testenv.XRayDaemon
			switch backend {
			case "otel":
				col = testenv.StartCollector(t)
				env = append(env, "OTEL_EXPORTER_OTLP_ENDPOINT="+col.Endpoint)
			case "xray":
				daemon = testenv.StartXRayDaemon(t)
				env = append(env, "AWS_XRAY_DAEMON_ADDRESS="+daemon.Addr)
			}
			b := testenv.StartManagedEmulator(t, bootstrap, 4, append(env, "AWS_LAMBDA_FUNCTION_NAME=callee")...)
			a := testenv.StartManagedEmulator(t, bootstrap, 4, append(env, "AWS_LAMBDA_FUNCTION_NAME=caller")...)
			// B initialised before A calls it: the emulator's answer while a
			// function initialises is an error the SDK does not retry.
			if code, body := b.Invoke(t, "warm-up", []byte(`{"role":"callee","id":"warm-up"}`)); code != http.StatusOK {
				t.Fatalf("warm-up: %d %s", code, body)
			}

			const n = 8
			roots := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				roots[i] = fmt.Sprintf("1-6745a0b1-%024x", i+1)
				typ := "Event"
				if i%2 == 1 {
					typ = "RequestResponse"
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					ev, _ := json.Marshal(map[string]string{"role": "caller", "id": fmt.Sprintf("call-%d", i), "target": b.Endpoint, "type": typ})
					h := http.Header{"X-Amzn-Trace-Id": {"Root=" + roots[i] + ";Parent=53995c3f42cd8ad8;Sampled=1"}}
					if code, body := a.InvokeWithHeader(t, fmt.Sprintf("a-%d", i), ev, h); code != http.StatusOK || !strings.Contains(string(body), `"status":200`) {
						t.Errorf("call-%d (%s): %d %s", i, typ, code, body)
					}
				}()
			}
			wg.Wait()
			// The control: an uninstrumented client, in a trace of its own.
			ev, _ := json.Marshal(map[string]string{"role": "plain-caller", "id": "plain", "target": b.Endpoint, "type": "RequestResponse"})
			h := http.Header{"X-Amzn-Trace-Id": {"Root=1-6745a0b1-ffffffffffffffffffffffff;Parent=53995c3f42cd8ad8;Sampled=1"}}
			if code, body := a.InvokeWithHeader(t, "a-plain", ev, h); code != http.StatusOK {
				t.Errorf("plain caller: %d %s", code, body)
			}

			// B's lines carry A's trace.
			lines := calleeLines(t, b, n+2)
			for i := range n {
				id := fmt.Sprintf("call-%d", i)
				if got := lines[id]["xray_trace_id"]; got != roots[i] {
					t.Errorf("%s: B's line has the trace %v, want A's %s", id, got, roots[i])
				}
			}
			if got, ok := lines["plain"]["xray_trace_id"]; ok {
				t.Errorf("the uninstrumented client passed a trace: %v", got)
			}

			switch backend {
			case "otel":
				checkOTelParents(t, col, roots)
			case "xray":
				checkXRayParents(t, daemon, roots)
			case "none":
				// The test as the caller: an instrumented client in an
				// invocation with no backend passes the invocation's header.
				cfg := baseConfig()
				awssdk.Instrument(&cfg)
				client := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(b.Endpoint) })
				f := lambdaobstest.New(t, func(ctx context.Context, _ string) (string, error) {
					_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("function"), Payload: []byte(`{"role":"callee","id":"from-test"}`)})
					return "", err
				}, lambdawrap.WithTracer(nil))
				if r := f.Invoke("x", lambdaobstest.Request{TraceHeader: "Root=1-6745a0b1-eeeeeeeeeeeeeeeeeeeeeeee;Parent=53995c3f42cd8ad8;Sampled=1"}); r.Err != nil {
					t.Fatal(r.Err)
				}
				if got := calleeLines(t, b, n+3)["from-test"]["xray_trace_id"]; got != "1-6745a0b1-eeeeeeeeeeeeeeeeeeeeeeee" {
					t.Errorf("B's line for the test's call has the trace %v", got)
				}
			}
		})
	}
}

// calleeLines waits for B's "callee invoked" lines and returns them by id.
func calleeLines(t *testing.T, b *testenv.Emulator, n int) map[string]map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		logs, _, _ := lambdaobstest.Parse(b.Proc.Output.String())
		lines := map[string]map[string]any{}
		for _, l := range logs {
			if l["message"] == "callee invoked" {
				id, _ := l["id"].(string)
				lines[id] = l
			}
		}
		if len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of B's lines after 20 s, want %d:\n%s", len(lines), n, b.Proc.Output.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkOTelParents checks, at the collector, that B's invocation span of
// each trace is the child of A's Lambda.Invoke span, itself the child of
// A's invocation span. It waits for the three spans of every trace: the
// collector also gets spans of other traces (B's warm-up, the control).
func checkOTelParents(t *testing.T, col *testenv.Collector, roots []string) {
	t.Helper()
	// Per trace: A's invocation span, its Invoke span, B's invocation span.
	find := func(spans []testenv.Span, root string) (invoke, callee, caller *testenv.Span) {
		tid := strings.ReplaceAll(root[2:], "-", "")
		for i := range spans {
			s := &spans[i]
			if s.TraceID != tid {
				continue
			}
			switch {
			case s.Attributes["rpc.method"] == "Invoke" && s.Attributes["rpc.service"] == "Lambda":
				invoke = s
			case s.Kind == 2 && s.Resource["faas.name"] == "callee":
				callee = s
			case s.Kind == 2 && s.Resource["faas.name"] == "caller":
				caller = s
			}
		}
		return invoke, callee, caller
	}
	complete := func(spans []testenv.Span) bool {
		for _, root := range roots {
			if invoke, callee, caller := find(spans, root); invoke == nil || callee == nil || caller == nil {
				return false
			}
		}
		return true
	}
	spans := col.WaitSpans(t, 3*len(roots), 20*time.Second)
	for deadline := time.Now().Add(20 * time.Second); !complete(spans) && time.Now().Before(deadline); spans = col.Spans() {
		time.Sleep(20 * time.Millisecond)
	}
	for _, root := range roots {
		invoke, callee, caller := find(spans, root)
		if invoke == nil || callee == nil || caller == nil {
			t.Errorf("trace %s: caller %v, Invoke %v, callee %v", root, caller != nil, invoke != nil, callee != nil)
			continue
		}
		if invoke.ParentSpanID != caller.SpanID || callee.ParentSpanID != invoke.SpanID || invoke.Kind != 3 || invoke.Attributes["faas.invoked_name"] != "function" {
			t.Errorf("trace %s: caller %s → Invoke %s (parent %s) → callee (parent %s); Invoke attributes %v",
				root, caller.SpanID, invoke.SpanID, invoke.ParentSpanID, callee.ParentSpanID, invoke.Attributes)
		}
	}
}

// checkXRayParents checks, at the X-Ray daemon, that B's "## handler"
// subsegment of each trace is the child of A's Lambda subsegment, an "aws"
// subsegment naming the function it invoked.
func checkXRayParents(t *testing.T, daemon *testenv.XRayDaemon, roots []string) {
	t.Helper()
	type node struct {
		seg    map[string]any
		parent string
	}
	collect := func(docs []map[string]any) map[string][]node {
		byTrace := map[string][]node{}
		var walk func(m map[string]any, trace, parent string)
		walk = func(m map[string]any, trace, parent string) {
			if p, ok := m["parent_id"].(string); ok {
				parent = p
			}
			byTrace[trace] = append(byTrace[trace], node{m, parent})
			subs, _ := m["subsegments"].([]any)
			id, _ := m["id"].(string)
			for _, s := range subs {
				if sm, ok := s.(map[string]any); ok {
					walk(sm, trace, id)
				}
			}
		}
		for _, d := range docs {
			trace, _ := d["trace_id"].(string)
			walk(d, trace, "")
		}
		return byTrace
	}
	docs := daemon.Wait(t, "the callee's and caller's documents", func(docs []map[string]any) bool {
		byTrace := collect(docs)
		for _, r := range roots {
			if len(byTrace[r]) < 3 {
				return false
			}
		}
		return true
	})
	byTrace := collect(docs)
	for _, root := range roots {
		var invoke, callee *node
		handlers := 0
		for i := range byTrace[root] {
			n := &byTrace[root][i]
			if n.seg["name"] == "Lambda" && n.seg["namespace"] == "aws" {
				invoke = n
			}
			if n.seg["name"] == "## handler" {
				handlers++
				if n.parent != "53995c3f42cd8ad8" {
					callee = n
				}
			}
		}
		if invoke == nil || callee == nil || handlers != 2 {
			t.Errorf("trace %s: Invoke %v, callee %v, %d handlers", root, invoke != nil, callee != nil, handlers)
			continue
		}
		a, _ := invoke.seg["aws"].(map[string]any)
		if callee.parent != invoke.seg["id"] || a["operation"] != "Invoke" || a["function_name"] != "function" || a["region"] != "us-east-1" {
			t.Errorf("trace %s: callee's parent %s, Invoke %v", root, callee.parent, invoke.seg)
		}
	}
}
