package xraytracing_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	root1   = "1-5759e988-bd862e3fe1be46a994272793"
	parent1 = "53995c3f42cd8ad8"
	header1 = "Root=" + root1 + ";Parent=" + parent1 + ";Sampled=1"
	root2   = "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b"
	parent2 = "0123456789abcdef"
	header2 = "Root=" + root2 + ";Parent=" + parent2 + ";Sampled=1"
)

func noEnv(string) (string, bool) { return "", false }

// newTracer returns a tracer sending to d, with env as its whole environment.
func newTracer(t testing.TB, d *daemon, env map[string]string, opts ...xraytracing.Option) *xraytracing.Tracer {
	t.Helper()
	e := map[string]string{names.EnvAWSXRayDaemonAddress: d.addr()}
	for k, v := range env {
		e[k] = v
	}
	lookup := func(k string) (string, bool) { v, ok := e[k]; return v, ok }
	tr := xraytracing.New(append([]xraytracing.Option{xraytracing.WithLookupEnv(lookup)}, opts...)...)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// wrap wraps h with the tracer, as a fresh process (the first invocation is
// cold and reports an init duration of 12 ms).
func wrap[In, Out any](tr tracing.Tracer, h func(context.Context, In) (Out, error), opts ...lambdawrap.Option) func(context.Context, In) (Out, error) {
	all := []lambdawrap.Option{
		lambdawrap.WithTracer(tr),
		lambdawrap.WithWriter(io.Discard),
		lambdawrap.WithoutDefaultLogger(),
		lambdawrap.WithService("orders"),
		lambdawrap.WithLookupEnv(noEnv),
		hook.FreshProcess(int64(12 * time.Millisecond)).(lambdawrap.Option),
	}
	return lambdawrap.Wrap(h, append(all, opts...)...)
}

// invocation returns the context Lambda gives an invocation with header.
func invocation(t testing.TB, header, requestID string) context.Context {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders",
	})
	if header != "" {
		ctx = tracing.ContextWithHeader(ctx, header)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func handlerNode(t testing.TB, nodes map[string]node, trace string) node {
	t.Helper()
	for _, n := range byName(nodes, xraytracing.DefaultHandlerName) {
		if n.Trace == trace {
			return n
		}
	}
	t.Fatalf("no handler subsegment in trace %s; received %v", trace, nodeNames(nodes))
	return node{}
}

func TestInvocationSubsegment(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	h := wrap(tr, func(ctx context.Context, id string) (string, error) {
		ctx, charge := tracing.Start(ctx, "charge-card", tracing.WithAttributes(slog.String("card.brand", "visa"), slog.Int("amount_cents", 5990)))
		_, bank := tracing.Start(ctx, "call-bank", tracing.WithKind(tracing.KindClient))
		bank.SetMetadata("request", map[string]any{"id": id})
		bank.End()
		charge.End()
		return "ok", nil
	})
	if out, err := h(invocation(t, header1, "r-1"), "o-1"); out != "ok" || err != nil {
		t.Fatalf("handler returned %q, %v", out, err)
	}
	nodes := d.wait(t, "three nodes", func(n map[string]node) bool { return len(n) >= 3 })

	hn := handlerNode(t, nodes, root1)
	if !hn.Top || hn.Doc["type"] != "subsegment" || hn.Parent != parent1 {
		t.Errorf("handler: top %v type %v parent %q, want an independent subsegment of %s", hn.Top, hn.Doc["type"], hn.Parent, parent1)
	}
	if hn.annotation("ColdStart") != true || hn.annotation("Service") != "orders" || hn.annotation("InitDurationMs") != 12.0 {
		t.Errorf("handler annotations = %v", hn.Doc["annotations"])
	}
	if hn.Doc["fault"] != nil || hn.Doc["error"] != nil || hn.Doc["in_progress"] != nil {
		t.Errorf("successful handler flags: %v", hn.Doc)
	}
	charge := one(t, nodes, "charge-card")
	bank := one(t, nodes, "call-bank")
	if charge.Parent != hn.ID || bank.Parent != charge.ID || charge.Top || bank.Top {
		t.Errorf("tree: handler %s, charge-card parent %s (top %v), call-bank parent %s (top %v)", hn.ID, charge.Parent, charge.Top, bank.Parent, bank.Top)
	}
	if charge.annotation("card_brand") != "visa" || charge.annotation("amount_cents") != 5990.0 {
		t.Errorf("charge-card annotations = %v", charge.Doc["annotations"])
	}
	if bank.Doc["namespace"] != "remote" || fmt.Sprint(bank.metadata("orders", "request")) != "map[id:o-1]" {
		t.Errorf("call-bank = %v", bank.Doc)
	}
	if d.count() != 1 {
		t.Errorf("%d documents, want the handler's alone", d.count())
	}

	// The second invocation is warm and has no init duration.
	_, _ = h(invocation(t, header2, "r-2"), "o-2")
	nodes = d.wait(t, "second handler", func(n map[string]node) bool { return len(byName(n, xraytracing.DefaultHandlerName)) == 2 })
	hn = handlerNode(t, nodes, root2)
	if hn.annotation("ColdStart") != false || hn.annotation("InitDurationMs") != nil || hn.Parent != parent2 {
		t.Errorf("warm handler = %v", hn.Doc)
	}
}

func TestReturnedErrorIsAFault(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	errDeclined := errors.New("card declined")
	h := wrap(tr, func(ctx context.Context, _ string) (string, error) {
		return "", fmt.Errorf("charge: %w", errDeclined)
	})
	if _, err := h(invocation(t, header1, "r-1"), "o"); !errors.Is(err, errDeclined) {
		t.Fatalf("error = %v, want the handler's", err)
	}
	hn := handlerNode(t, d.wait(t, "handler", func(n map[string]node) bool { return len(n) > 0 }), root1)
	if hn.Doc["fault"] != true || hn.Doc["error"] != nil {
		t.Errorf("fault %v error %v, want a fault", hn.Doc["fault"], hn.Doc["error"])
	}
	ex := exceptions(hn)
	if len(ex) != 1 || ex[0]["message"] != "charge: card declined" || ex[0]["type"] != "fmt.wrapError" || ex[0]["stack"] == nil {
		t.Errorf("cause = %v", hn.Doc["cause"])
	}
	if m, _ := hn.metadata("orders", "error").(map[string]any); m["message"] != "charge: card declined" {
		t.Errorf("error metadata = %v", hn.metadata("orders", "error"))
	}
}

func exceptions(n node) []map[string]any {
	var out []map[string]any
	list, _ := sub(n.Doc, "cause")["exceptions"].([]any)
	for _, e := range list {
		out = append(out, e.(map[string]any))
	}
	return out
}

func TestClientErrorIsAnError(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	h := wrap(tr, func(ctx context.Context, _ string) (int, error) {
		_, v := tracing.Start(ctx, "validate")
		v.SetStatus(tracing.ClientError, "order id missing")
		v.End()
		// An API Gateway handler answering 400: not the function's fault.
		tracing.SpanFromContext(ctx).SetStatus(tracing.ClientError, "bad request")
		return 400, nil
	})
	_, _ = h(invocation(t, header1, "r-1"), "")
	nodes := d.wait(t, "handler", func(n map[string]node) bool { return len(n) >= 2 })
	for _, n := range []node{handlerNode(t, nodes, root1), one(t, nodes, "validate")} {
		if n.Doc["error"] != true || n.Doc["fault"] != nil {
			t.Errorf("%s: error %v fault %v, want an error", n.Name, n.Doc["error"], n.Doc["fault"])
		}
	}
	v := one(t, nodes, "validate")
	if ex := exceptions(v); len(ex) != 1 || ex[0]["message"] != "order id missing" || ex[0]["type"] != "ClientError" {
		t.Errorf("validate cause = %v", v.Doc["cause"])
	}
	if v.metadata("orders", "status") != "order id missing" {
		t.Errorf("status metadata = %v", v.Doc["metadata"])
	}
}

func TestCaptureErrorOff(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		opts []xraytracing.Option
	}{
		{name: "environment", env: map[string]string{names.EnvPowertoolsTracerCaptureError: "false"}},
		{name: "option", opts: []xraytracing.Option{xraytracing.WithoutCaptureError()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := startDaemon(t)
			tr := newTracer(t, d, tt.env, tt.opts...)
			h := wrap(tr, func(ctx context.Context, _ string) (string, error) { return "", errors.New("secret detail") })
			_, _ = h(invocation(t, header1, "r-1"), "")
			hn := handlerNode(t, d.wait(t, "handler", func(n map[string]node) bool { return len(n) > 0 }), root1)
			if hn.Doc["fault"] != true || hn.Doc["cause"] != nil || hn.Doc["metadata"] != nil {
				t.Errorf("handler = %v, want the fault flag alone", hn.Doc)
			}
		})
	}
}

func TestRemoteParentAndLinks(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	// The AWSTraceHeader of an SQS message, and another to link to.
	msg, _ := tracing.ParseHeader("Root=1-67891233-abcdef012345678912345678;Parent=1111111111111111;Sampled=1")
	other, _ := tracing.ParseHeader("Root=1-67891234-abcdef012345678912345679;Parent=2222222222222222;Sampled=1")
	var header tracing.Header
	h := wrap(tr, func(ctx context.Context, _ string) (string, error) {
		ctx, s := tracing.Start(ctx, "process-message", tracing.WithRemoteParent(msg), tracing.WithKind(tracing.KindConsumer), tracing.WithLinks(other))
		header = s.Header()
		_, c := tracing.Start(ctx, "save-order")
		c.End()
		s.End()
		return "ok", nil
	})
	_, _ = h(invocation(t, header1, "r-1"), "")
	nodes := d.wait(t, "both documents", func(n map[string]node) bool { return len(n) >= 3 })
	pm := one(t, nodes, "process-message")
	if !pm.Top || pm.Doc["type"] != nil || pm.Trace != msg.Root || pm.Parent != msg.Parent {
		t.Errorf("process-message: top %v type %v trace %s parent %s; want a segment in %s under %s", pm.Top, pm.Doc["type"], pm.Trace, pm.Parent, msg.Root, msg.Parent)
	}
	if header.Root != msg.Root || header.Parent != pm.ID || header.Sampled != tracing.SampledYes {
		t.Errorf("Header() = %+v", header)
	}
	if links, _ := pm.metadata("orders", "links").([]any); len(links) != 1 || links[0] != other.String() {
		t.Errorf("links = %v", pm.metadata("orders", "links"))
	}
	if s := one(t, nodes, "save-order"); s.Parent != pm.ID || s.Trace != msg.Root {
		t.Errorf("save-order parent %s trace %s", s.Parent, s.Trace)
	}
	hn := handlerNode(t, nodes, root1)
	if hn.Doc["subsegments"] != nil {
		t.Errorf("the remote span went into the invocation's document: %v", hn.Doc["subsegments"])
	}
}

func TestOversizedDocumentIsTruncatedNotDropped(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, map[string]string{names.EnvPowertoolsTracerCaptureResponse: "true"})
	big := strings.Repeat(`<"ü">`, 40000) // 200 kB of text that JSON escapes
	type receipt struct{ Lines []string }
	h := wrap(tr, func(ctx context.Context, _ string) (receipt, error) {
		_, s := tracing.Start(ctx, "render")
		s.SetMetadata("template", big)
		s.SetMetadata("small", "kept")
		s.End()
		// lambdawrap hands the response to the span (tracing.ResponseRecorder).
		return receipt{Lines: []string{big, big}}, nil
	})
	_, _ = h(invocation(t, header1, "r-1"), "")
	nodes := d.wait(t, "handler and render", func(n map[string]node) bool { return len(n) >= 2 })
	hn := handlerNode(t, nodes, root1)
	resp, _ := hn.metadata("orders", "response").(map[string]any)
	if resp["truncated"] != true || resp["size"].(float64) < 400000 {
		t.Errorf("response metadata = %.300v", resp)
	}
	if p, _ := resp["preview"].(string); !strings.HasPrefix(p, `{"Lines":["\u003c\"ü\"`) || !strings.Contains(p, "…[truncated ") {
		t.Errorf("response preview = %.100q…%.60q", p, p[max(0, len(p)-60):])
	}
	r := one(t, nodes, "render")
	if r.metadata("orders", "small") != "kept" {
		t.Errorf("small metadata lost: %v", r.Doc["metadata"])
	}
	if tm, _ := r.metadata("orders", "template").(map[string]any); tm["truncated"] != true {
		t.Errorf("template metadata = %.200v", tm)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range d.sizes {
		if n > xraytracing.MaxDatagramSize {
			t.Errorf("datagram of %d bytes", n)
		}
	}
	t.Logf("datagrams: %v bytes", d.sizes)
}

func TestManySubsegmentsAreSplitAcrossDocuments(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil, xraytracing.WithMaxDatagram(4000))
	const n = 60
	h := wrap(tr, func(ctx context.Context, _ string) (string, error) {
		for i := range n {
			ctx2, s := tracing.Start(ctx, fmt.Sprintf("step-%02d", i))
			_, c := tracing.Start(ctx2, "inner")
			c.SetMetadata("payload", strings.Repeat("x", 10*i))
			c.End()
			s.End()
		}
		return "ok", nil
	})
	_, _ = h(invocation(t, header1, "r-1"), "")
	nodes := d.wait(t, "every span", func(m map[string]node) bool { return len(m) == 2*n+1 })
	hn := handlerNode(t, nodes, root1)
	for i := range n {
		s := one(t, nodes, fmt.Sprintf("step-%02d", i))
		if s.Parent != hn.ID || s.Trace != root1 {
			t.Errorf("%s: parent %s trace %s", s.Name, s.Parent, s.Trace)
		}
	}
	for _, c := range byName(nodes, "inner") {
		if p, ok := nodes[c.Parent]; !ok || !strings.HasPrefix(p.Name, "step-") {
			t.Errorf("inner's parent %s is %v", c.Parent, p.Name)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.docs) < 5 {
		t.Errorf("%d documents; 121 spans cannot fit fewer than 5 of 4000 bytes", len(d.docs))
	}
	for _, s := range d.sizes {
		if s > 4000 {
			t.Errorf("datagram of %d bytes over the limit", s)
		}
	}
}

func TestInvocationsConcurrentSafe(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	h := wrap(tr, func(ctx context.Context, id string) (string, error) {
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 5 {
					_, s := tracing.Start(ctx, fmt.Sprintf("%s/g%d/%d", id, g, i))
					s.SetAttributes(slog.String("invocation", id))
					s.End()
				}
			})
		}
		wg.Wait()
		return id, nil
	})
	const invocations = 8
	traces := map[string]string{}
	var wg sync.WaitGroup
	for i := range invocations {
		root := fmt.Sprintf("1-6745a0b1-%024x", i+1)
		id := fmt.Sprintf("inv%d", i)
		traces[id] = root
		wg.Go(func() {
			_, _ = h(invocation(t, "Root="+root+";Parent="+parent1+";Sampled=1", id), id)
		})
	}
	wg.Wait()
	nodes := d.wait(t, "every span", func(m map[string]node) bool { return len(m) == invocations*21 })
	handlers := map[string]string{} // trace → handler id
	for _, n := range byName(nodes, xraytracing.DefaultHandlerName) {
		handlers[n.Trace] = n.ID
	}
	for _, n := range nodes {
		if n.Name == xraytracing.DefaultHandlerName {
			continue
		}
		id, _, _ := strings.Cut(n.Name, "/")
		if n.Trace != traces[id] || n.Parent != handlers[n.Trace] || n.annotation("invocation") != id {
			t.Errorf("%s is in trace %s under %s; want trace %s under its handler %s", n.Name, n.Trace, n.Parent, traces[id], handlers[traces[id]])
		}
	}
}

func TestTraceHeaderComesFromTheContext(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "Root=1-00000001-000000000000000000000001;Parent=1000000000000001;Sampled=1")
	d := startDaemon(t)
	tr := xraytracing.New(xraytracing.WithDaemonAddress(d.addr())) // the real environment
	defer tr.Close()
	h := wrap(tr, func(ctx context.Context, _ string) (string, error) {
		_, s := tracing.Start(ctx, "work")
		s.End()
		return "", nil
	})
	_, _ = h(invocation(t, header1, "r-1"), "")
	// A handler not wrapped by lambdawrap: tracing.Start with the tracer in
	// the context continues the trace Lambda put there.
	ctx := tracing.ContextWithTracer(invocation(t, header2, "r-2"), tr)
	_, s := tracing.Start(ctx, "plain")
	if s.TraceID() != root2 {
		t.Errorf("plain span trace id %s, want %s", s.TraceID(), root2)
	}
	s.End()
	nodes := d.wait(t, "all", func(n map[string]node) bool { return len(n) >= 3 })
	for _, n := range nodes {
		if n.Trace == "1-00000001-000000000000000000000001" || n.Parent == "1000000000000001" {
			t.Errorf("%s follows _X_AMZN_TRACE_ID", n.Name)
		}
	}
	hn := handlerNode(t, nodes, root1)
	if w := one(t, nodes, "work"); w.Parent != hn.ID || hn.Parent != parent1 {
		t.Errorf("work parent %s, handler parent %s", w.Parent, hn.Parent)
	}
	if p := one(t, nodes, "plain"); p.Trace != root2 || p.Parent != parent2 || p.Doc["type"] != "subsegment" {
		t.Errorf("plain = %v", p.Doc)
	}
}

func TestNotSampledRecordsNothing(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	var spanHeader tracing.Header
	var recording bool
	h := wrap(tr, func(ctx context.Context, _ string) (string, error) {
		ctx, s := tracing.Start(ctx, "work")
		spanHeader, recording = s.Header(), s.IsRecording()
		_, c := tracing.Start(ctx, "DynamoDB.GetItem", tracing.WithKind(tracing.KindClient), tracing.WithAttributes(awsCall("DynamoDB", "GetItem")...))
		c.End()
		s.End()
		return "", nil
	})
	for _, hdr := range []string{"Root=" + root1 + ";Parent=" + parent1 + ";Sampled=0", ""} {
		_, _ = h(invocation(t, hdr, "r"), "")
	}
	if recording || spanHeader.Root != "" || spanHeader.Parent != "" {
		t.Errorf("span without a header: recording %v, header %+v", recording, spanHeader)
	}
	_, _ = h(invocation(t, "Root="+root1+";Parent="+parent1+";Sampled=0", "r"), "")
	if spanHeader.Root != root1 || spanHeader.Sampled != tracing.SampledNo {
		t.Errorf("unsampled span header = %+v, want the trace, not sampled", spanHeader)
	}
	time.Sleep(50 * time.Millisecond)
	if n := d.count(); n != 0 {
		t.Errorf("%d documents sent for unsampled invocations", n)
	}
}

func TestDisabled(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"powertools": {names.EnvPowertoolsTraceDisabled: "true"},
		"sdk":        {names.EnvAWSXRaySDKDisabled: "TRUE"},
	} {
		t.Run(name, func(t *testing.T) {
			d := startDaemon(t)
			tr := newTracer(t, d, env)
			h := wrap(tr, func(ctx context.Context, _ string) (string, error) {
				_, s := tracing.Start(ctx, "work")
				if s.IsRecording() || tracing.SpanFromContext(ctx).IsRecording() {
					t.Error("disabled tracer made a span")
				}
				s.End()
				return "", nil
			})
			_, _ = h(invocation(t, header1, "r"), "")
			time.Sleep(20 * time.Millisecond)
			if n := d.count(); n != 0 {
				t.Errorf("%d documents sent", n)
			}
		})
	}
	d := startDaemon(t)
	tr := newTracer(t, d, nil, xraytracing.WithDisabled())
	_, s := tr.StartInvocation(context.Background(), tracing.Invocation{TraceHeader: header1})
	if s.IsRecording() {
		t.Error("WithDisabled() recorded")
	}
	s.End()
}

func TestTimeoutGuardSendsRunningSpans(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	release := make(chan struct{})
	h := wrap(tr, func(ctx context.Context, _ string) (string, error) {
		_, s := tracing.Start(ctx, "slow-call")
		<-release
		s.End()
		return "", nil
	}, lambdawrap.WithTimeoutMargin(100*time.Millisecond))
	ctx, cancel := context.WithTimeout(invocation(t, header1, "r"), 150*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = h(ctx, "")
	}()
	// Before the deadline the guard ends the handler's subsegment as a
	// fault and sends it, with the running call in progress.
	nodes := d.wait(t, "the guard's document", func(n map[string]node) bool { return len(n) >= 2 })
	hn := handlerNode(t, nodes, root1)
	if hn.Doc["fault"] != true || hn.Doc["in_progress"] != nil {
		t.Errorf("handler at the timeout = %v", hn.Doc)
	}
	if sc := one(t, nodes, "slow-call"); sc.Doc["in_progress"] != true || sc.Top {
		t.Errorf("slow-call at the timeout = %v", sc.Doc)
	}
	close(release)
	<-done
	nodes = d.wait(t, "slow-call's end", func(n map[string]node) bool {
		sc := byName(n, "slow-call")
		return len(sc) == 1 && sc[0].Doc["end_time"] != nil
	})
	if sc := one(t, nodes, "slow-call"); !sc.Top || sc.Doc["type"] != "subsegment" || sc.Parent != hn.ID || sc.Trace != root1 {
		t.Errorf("slow-call sent late = %v", sc.Doc)
	}
}

// awsCall returns the attributes awssdk starts the span of an SDK call
// with.
func awsCall(service, op string) []slog.Attr {
	return []slog.Attr{
		slog.String(names.AttrRPCSystem, names.RPCSystemAWS),
		slog.String(names.AttrRPCService, service),
		slog.String(names.AttrRPCMethod, op),
		slog.String(names.AttrCloudRegion, "eu-west-1"),
	}
}

// An AWS call's span is the subsegment X-Ray's service map reads: named
// after the service, namespace "aws", its attributes in "aws" and "http".
func TestAWSCallSubsegment(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	h := wrap(tr, func(ctx context.Context, _ string) (string, error) {
		for _, c := range []struct {
			service, op string
			attrs       []slog.Attr
			status      tracing.Code
		}{
			{"DynamoDB", "PutItem", []slog.Attr{slog.Any(names.AttrDynamoDBTableNames, []string{"orders"}), slog.Int(names.AttrHTTPStatusCode, 200), slog.String(names.AttrAWSRequestID, "REQ-1")}, tracing.OK},
			{"DynamoDB", "BatchGetItem", []slog.Attr{slog.Any(names.AttrDynamoDBTableNames, []string{"orders", "users"})}, tracing.Unset},
			{"SQS", "SendMessage", []slog.Attr{slog.String(names.AttrSQSQueueURL, "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"), slog.Int(names.AttrHTTPStatusCode, 429)}, tracing.ClientError},
			{"Lambda", "Invoke", []slog.Attr{slog.String(names.AttrFaaSInvokedName, "billing"), slog.Int(names.AttrHTTPStatusCode, 500), slog.String("api.error_code", "ServiceException")}, tracing.Error},
			{"SNS", "Publish", []slog.Attr{slog.String(names.AttrSNSTopicARN, "arn:aws:sns:eu-west-1:123456789012:orders")}, tracing.OK},
			{"SFN", "StartExecution", []slog.Attr{slog.String(names.AttrStateMachineARN, "arn:aws:states:eu-west-1:123456789012:stateMachine:ship")}, tracing.OK},
		} {
			_, s := tracing.Start(ctx, c.service+"."+c.op, tracing.WithKind(tracing.KindClient), tracing.WithAttributes(awsCall(c.service, c.op)...))
			s.SetAttributes(c.attrs...)
			s.SetStatus(c.status, "")
			s.End()
		}
		// A span that is not an AWS call keeps such attributes as annotations.
		_, s := tracing.Start(ctx, "plain", tracing.WithAttributes(slog.String(names.AttrCloudRegion, "eu-west-1")))
		s.End()
		return "", nil
	})
	_, _ = h(invocation(t, header1, "r"), "")
	nodes := d.wait(t, "the calls", func(n map[string]node) bool { return len(n) >= 8 })
	hn := handlerNode(t, nodes, root1)
	want := map[string]string{
		"PutItem":        `map[operation:PutItem region:eu-west-1 request_id:REQ-1 table_name:orders] map[response:map[status:200]] false false false`,
		"BatchGetItem":   `map[operation:BatchGetItem region:eu-west-1 table_names:[orders users]] <nil> false false false`,
		"SendMessage":    `map[operation:SendMessage queue_url:https://sqs.eu-west-1.amazonaws.com/123456789012/orders region:eu-west-1] map[response:map[status:429]] true false true`,
		"Invoke":         `map[function_name:billing operation:Invoke region:eu-west-1] map[response:map[status:500]] false true false`,
		"Publish":        `map[operation:Publish region:eu-west-1 topic_arn:arn:aws:sns:eu-west-1:123456789012:orders] <nil> false false false`,
		"StartExecution": `map[operation:StartExecution region:eu-west-1 state_machine_arn:arn:aws:states:eu-west-1:123456789012:stateMachine:ship] <nil> false false false`,
	}
	seen := 0
	for _, n := range nodes {
		a, ok := n.Doc["aws"].(map[string]any)
		if !ok {
			continue
		}
		seen++
		op := fmt.Sprint(a["operation"])
		got := fmt.Sprint(a, " ", n.Doc["http"], " ", n.Doc["error"] == true, " ", n.Doc["fault"] == true, " ", n.Doc["throttle"] == true)
		if got != want[op] {
			t.Errorf("%s:\n got %s\nwant %s", op, got, want[op])
		}
		if n.Doc["namespace"] != "aws" || n.Parent != hn.ID || n.Top {
			t.Errorf("%s: namespace %v, parent %s (handler %s)", op, n.Doc["namespace"], n.Parent, hn.ID)
		}
		if ann, _ := n.Doc["annotations"].(map[string]any); len(ann) != 0 && !(op == "Invoke" && len(ann) == 1 && ann["api_error_code"] == "ServiceException") {
			t.Errorf("%s: annotations %v", op, ann)
		}
	}
	if seen != len(want) || len(byName(nodes, "DynamoDB")) != 2 || len(byName(nodes, "SQS")) != 1 || len(byName(nodes, "Lambda")) != 1 {
		t.Errorf("AWS subsegments: %d, names %v", seen, nodeNames(nodes))
	}
	if p := one(t, nodes, "plain"); p.annotation("cloud_region") != "eu-west-1" || p.Doc["aws"] != nil {
		t.Errorf("plain = %v", p.Doc)
	}
	if n := d.count(); n != 1 {
		t.Errorf("%d datagrams, want the invocation's one", n)
	}
}

type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("boom") }

type badError struct{}

func (badError) Error() string { panic("no message") }

func TestNeverPanicsNeverFails(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil, xraytracing.WithCaptureResponse())
	h := wrap(tr, func(ctx context.Context, _ string) (any, error) {
		s := tracing.SpanFromContext(ctx)
		s.SetMetadata("chan", make(chan int))
		s.SetMetadata("nan", math.NaN())
		s.SetMetadata("panics", panicky{})
		s.SetMetadata("nil", nil)
		s.SetAttributes(slog.Float64("inf", math.Inf(1)), slog.Any("group", map[string]int{"a": 1}), slog.Group("g", slog.Int("x", 1)), slog.Duration("took", time.Second))
		s.RecordError(badError{})
		s.RecordError(nil)
		return func() {}, nil // a response JSON cannot encode
	})
	if out, err := h(invocation(t, header1, "r"), ""); out == nil || err != nil {
		t.Fatalf("handler returned %v, %v", out, err)
	}
	hn := handlerNode(t, d.wait(t, "handler", func(n map[string]node) bool { return len(n) > 0 }), root1)
	md := sub(sub(hn.Doc, "metadata"), "orders")
	for _, k := range []string{"chan", "nan", "panics", "response"} {
		if s, _ := md[k].(string); !strings.HasPrefix(s, "<") {
			t.Errorf("metadata %s = %v, want a string saying why it could not be encoded", k, md[k])
		}
	}
	if md["nil"] != nil || fmt.Sprint(md["g"]) != "map[x:1]" || fmt.Sprint(md["group"]) != "map[a:1]" {
		t.Errorf("metadata = %v", md)
	}
	if hn.annotation("inf") != "+Inf" || hn.annotation("took") != "1s" {
		t.Errorf("annotations = %v", hn.Doc["annotations"])
	}

	// No daemon at all: datagrams are lost, nothing else happens.
	gone := startDaemon(t)
	addr := gone.addr()
	gone.conn.Close()
	<-gone.done
	tr2 := xraytracing.New(xraytracing.WithDaemonAddress(addr), xraytracing.WithLookupEnv(noEnv))
	defer tr2.Close()
	h2 := wrap(tr2, func(ctx context.Context, _ string) (string, error) {
		_, s := tracing.Start(ctx, "x")
		s.End()
		return "ok", nil
	})
	for range 3 {
		if out, err := h2(invocation(t, header1, "r"), ""); out != "ok" || err != nil {
			t.Fatalf("without a daemon the handler returned %q, %v", out, err)
		}
	}
	// A malformed address falls back to the default; a closed tracer drops.
	tr3 := xraytracing.New(xraytracing.WithDaemonAddress("tcp:only:2000"), xraytracing.WithLookupEnv(noEnv))
	_ = tr3.Close()
	_, s := tr3.StartInvocation(context.Background(), tracing.Invocation{TraceHeader: header1})
	s.End()
	if err := tr3.Flush(context.Background()); err != nil {
		t.Errorf("Flush after Close = %v", err)
	}
	var nilTracer *xraytracing.Tracer
	_, s = nilTracer.Start(context.Background(), "x", tracing.StartConfig{})
	s.End()
}

func TestSpanAfterEnd(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	ctx, inv := tr.StartInvocation(context.Background(), tracing.Invocation{TraceHeader: header1, Service: "orders"})
	_, s := tracing.Start(tracing.ContextWithTracer(ctx, tr), "child")
	s.End()
	s.SetAttributes(slog.String("late", "x"))
	s.SetMetadata("late", 1)
	s.SetStatus(tracing.Error, "late")
	s.End()
	if s.IsRecording() {
		t.Error("an ended span is recording")
	}
	inv.End()
	inv.End()
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	nodes := d.wait(t, "child", func(n map[string]node) bool { return len(n) == 2 })
	c := one(t, nodes, "child")
	if c.Doc["annotations"] != nil || c.Doc["metadata"] != nil || c.Doc["fault"] != nil {
		t.Errorf("child changed after End: %v", c.Doc)
	}
	time.Sleep(20 * time.Millisecond)
	if d.count() != 1 {
		t.Errorf("%d documents, want 1 (End twice sends once)", d.count())
	}
}

func TestRootSpanOutsideAnInvocation(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, map[string]string{names.EnvPowertoolsServiceName: "batch"})
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	ctx, s := tracing.Start(ctx, "nightly job", tracing.WithKind(tracing.KindServer))
	_, c := tracing.Start(ctx, "step", tracing.WithKind(tracing.KindProducer))
	c.SetMetadata("k", "v")
	c.End()
	s.End()
	nodes := d.wait(t, "job", func(n map[string]node) bool { return len(n) == 2 })
	j := one(t, nodes, "nightly job")
	if !j.Top || j.Doc["type"] != nil || j.Parent != "" || j.Trace != s.TraceID() {
		t.Errorf("root span = %v", j.Doc)
	}
	if st := one(t, nodes, "step"); st.Parent != j.ID || st.metadata("batch", "k") != "v" || st.Doc["namespace"] != "remote" {
		t.Errorf("step = %v", st.Doc)
	}
}

func TestFlushRespectsContext(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.Flush(ctx); err != nil {
		t.Errorf("Flush with nothing pending = %v", err)
	}
}

func TestRecordErrorStackStartsAtTheCaller(t *testing.T) {
	d := startDaemon(t)
	tr := newTracer(t, d, nil)
	ctx, inv := tr.StartInvocation(context.Background(), tracing.Invocation{TraceHeader: header1})
	_, s := tr.Start(ctx, "work", tracing.StartConfig{})
	s.RecordError(errors.New("plain"))
	s.End()
	inv.End()
	w := one(t, d.wait(t, "work", func(n map[string]node) bool { return len(n) == 2 }), "work")
	ex := exceptions(w)
	stack, _ := ex[0]["stack"].([]any)
	if len(stack) == 0 || !strings.Contains(fmt.Sprint(stack[0]), "TestRecordErrorStackStartsAtTheCaller") || ex[0]["type"] != "errors.errorString" {
		t.Errorf("exception = %v", ex[0])
	}
}

// completeCounts returns, for each (sub)segment id received, how many
// times it arrived complete (with an end_time), in every document.
func (d *daemon) completeCounts() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]int{}
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		id, _ := m["id"].(string)
		if _, ok := m["end_time"].(float64); ok {
			out[id]++
		} else {
			out[id] += 0
		}
		subs, _ := m["subsegments"].([]any)
		for _, s := range subs {
			walk(s.(map[string]any))
		}
	}
	for _, doc := range d.docs {
		walk(doc)
	}
	return out
}

// Spans that outlive the document of their invocation (sent in progress at
// the timeout, say) are sent when they end, each complete exactly once:
// descendants that went out complete already are not sent again.
func TestLateSpansAreSentCompleteOnce(t *testing.T) {
	tests := []struct {
		name string
		run  func(ctx context.Context, endRoot func())
	}{
		{name: "child ended before the root's document", run: func(ctx context.Context, endRoot func()) {
			pctx, p := tracing.Start(ctx, "parent")
			_, c := tracing.Start(pctx, "child")
			c.End()
			endRoot()
			p.End()
		}},
		{name: "child ended after the root's document", run: func(ctx context.Context, endRoot func()) {
			pctx, p := tracing.Start(ctx, "parent")
			_, c := tracing.Start(pctx, "child")
			endRoot()
			c.End()
			p.End()
		}},
		{name: "three levels", run: func(ctx context.Context, endRoot func()) {
			pctx, p := tracing.Start(ctx, "parent")
			cctx, c := tracing.Start(pctx, "child")
			_, g := tracing.Start(cctx, "grandchild")
			_, done := tracing.Start(pctx, "done-early")
			done.End()
			endRoot()
			g.End()
			c.End()
			p.End()
		}},
		{name: "child ends after its parent", run: func(ctx context.Context, endRoot func()) {
			pctx, p := tracing.Start(ctx, "parent")
			_, c := tracing.Start(pctx, "child")
			endRoot()
			p.End()
			c.End()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := startDaemon(t)
			tr := newTracer(t, d, nil)
			ctx, root := tr.StartInvocation(tracing.ContextWithTracer(context.Background(), tr), tracing.Invocation{TraceHeader: header1})
			tt.run(ctx, root.End)
			// A last document, sent after the others on the same socket,
			// says when they have all arrived.
			_, last := tr.StartInvocation(context.Background(), tracing.Invocation{TraceHeader: header2})
			last.End()
			if err := tr.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			nodes := d.wait(t, "the last document", func(n map[string]node) bool {
				for _, x := range n {
					if x.Trace == root2 {
						return true
					}
				}
				return false
			})
			for _, x := range nodes {
				if x.Doc["end_time"] == nil {
					t.Errorf("%s never arrived complete", x.Name)
				}
			}
			for id, n := range d.completeCounts() {
				if n != 1 {
					t.Errorf("%s (%s) arrived complete %d times, want once", nodes[id].Name, id, n)
				}
			}
		})
	}
}
