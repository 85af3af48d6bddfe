package lambdawrap_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type order struct {
	ID    string  `json:"id"`
	Total float64 `json:"total"`
	Mode  string  `json:"mode"`
}

type receipt struct {
	OrderID string `json:"order_id"`
}

var errDeclined = errors.New("card declined")

func handle(ctx context.Context, o order) (receipt, error) {
	slog.InfoContext(ctx, "order received", "order_id", o.ID)
	m := metrics.FromContext(ctx)
	m.Count("OrdersPlaced", 1)
	m.Add("OrderValue", o.Total, metrics.None)
	switch o.Mode {
	case "error":
		return receipt{OrderID: o.ID}, errDeclined
	case "panic":
		var p *order
		_ = p.ID // nil dereference
	case "sleep":
		time.Sleep(400 * time.Millisecond)
	}
	return receipt{OrderID: o.ID}, nil
}

func logWith(logs []map[string]any, msg string) map[string]any {
	for _, l := range logs {
		if l["message"] == msg {
			return l
		}
	}
	return nil
}

func sum(vs []float64) float64 {
	var s float64
	for _, v := range vs {
		s += v
	}
	return s
}

func TestColdStartAndInitDuration(t *testing.T) {
	f := lambdaobstest.New(t, handle, hook.FreshProcess(int64(12*time.Millisecond)).(lambdawrap.Option),
		lambdawrap.WithService("orders"), lambdawrap.WithNamespace("Shop"))

	r1 := f.Invoke(order{ID: "o-1", Total: 10}, lambdaobstest.Request{RequestID: "first"})
	if r1.Err != nil {
		t.Fatal(r1.Err)
	}
	l := logWith(r1.Logs, "order received")
	if l == nil || l["cold_start"] != true || l["function_request_id"] != "first" || l["service"] != "orders" {
		t.Fatalf("first line = %v", l)
	}
	if l["init_duration_ms"] != 12.0 {
		t.Errorf("init_duration_ms on the first line = %v, want 12", l["init_duration_ms"])
	}
	if got := lambdaobstest.MetricValues(r1.Metrics, names.MetricColdStart); len(got) != 1 || got[0] != 1 {
		t.Errorf("ColdStart = %v, want [1]", got)
	}
	if got := lambdaobstest.MetricValues(r1.Metrics, names.MetricInitDuration); len(got) != 1 || got[0] != 12 {
		t.Errorf("InitDuration = %v, want [12]", got)
	}
	for _, d := range r1.Metrics {
		if _, ok := d[names.MetricColdStart]; ok {
			dims := lambdaobstest.Dimensions(d, names.MetricColdStart)
			if fmt.Sprint(dims) != "[[service function_name]]" || d["function_name"] != "test-function" || d[names.PropInitType] != "on-demand" {
				t.Errorf("ColdStart document: dims %v, doc %v", dims, d)
			}
			if _, mixed := d["OrdersPlaced"]; mixed {
				t.Error("ColdStart shares a document with custom metrics")
			}
		}
		if _, ok := d["OrdersPlaced"]; ok && d[names.PropRequestID] != "first" {
			t.Errorf("invocation document without request id property: %v", d)
		}
	}
	if s := r1.Spans; len(s) != 1 || s[0].Attributes["ColdStart"] != true || s[0].Invocation.InitDuration != 12*time.Millisecond {
		t.Errorf("invocation span = %+v", s)
	}

	r2 := f.Invoke(order{ID: "o-2", Total: 5}, lambdaobstest.Request{})
	l = logWith(r2.Logs, "order received")
	if l["cold_start"] != false || l["init_duration_ms"] != nil {
		t.Errorf("second line = %v", l)
	}
	if len(lambdaobstest.MetricValues(r2.Metrics, names.MetricColdStart)) != 0 || len(lambdaobstest.MetricValues(r2.Metrics, names.MetricInitDuration)) != 0 {
		t.Errorf("second invocation has lifecycle metrics: %v", r2.Metrics)
	}
	if got := sum(lambdaobstest.MetricValues(r2.Metrics, "OrdersPlaced")); got != 1 {
		t.Errorf("OrdersPlaced = %v", got)
	}
}

func TestInitTypesThatAreNotCold(t *testing.T) {
	for _, it := range []string{"provisioned-concurrency", "snap-start", "lambda-managed-instances"} {
		t.Run(it, func(t *testing.T) {
			f := lambdaobstest.New(t, handle, lambdaobstest.WithEnv(map[string]string{"AWS_LAMBDA_INITIALIZATION_TYPE": it}),
				hook.FreshProcess(int64(5*time.Millisecond)).(lambdawrap.Option))
			r := f.Invoke(order{ID: "o"}, lambdaobstest.Request{})
			if l := logWith(r.Logs, "order received"); l["cold_start"] != false {
				t.Errorf("cold_start = %v", l["cold_start"])
			}
			if len(lambdaobstest.MetricValues(r.Metrics, names.MetricColdStart)) != 0 {
				t.Error("ColdStart recorded")
			}
			if got := lambdaobstest.MetricValues(r.Metrics, names.MetricInitDuration); len(got) != 1 {
				t.Errorf("InitDuration = %v: it is reported whatever the init type", got)
			}
			for _, d := range r.Metrics {
				if _, ok := d[names.MetricInitDuration]; ok && d[names.PropInitType] != it {
					t.Errorf("init_type = %v", d[names.PropInitType])
				}
			}
		})
	}
}

func TestReturnedErrorIsRecordedAndReturnedUnchanged(t *testing.T) {
	f := lambdaobstest.New(t, handle)
	r := f.Invoke(order{ID: "o-9", Mode: "error"}, lambdaobstest.Request{})
	if r.Err != errDeclined || r.Output.OrderID != "o-9" {
		t.Fatalf("got %v, %v; want the handler's output and error unchanged", r.Output, r.Err)
	}
	l := logWith(r.Logs, names.MsgInvocationFailed)
	if l == nil || l["level"] != "ERROR" || l["error"] != "card declined" || l["error_type"] != "*errors.errorString" {
		t.Errorf("error line = %v", l)
	}
	if got := lambdaobstest.MetricValues(r.Metrics, names.MetricErrors); len(got) != 1 {
		t.Errorf("Errors = %v", got)
	}
	if got := lambdaobstest.MetricValues(r.Metrics, "OrdersPlaced"); len(got) != 1 {
		t.Errorf("metrics recorded before the error lost: %v", got)
	}
	if s := r.Spans[0]; s.Status != tracing.Error || len(s.Errors) != 1 {
		t.Errorf("span status %v errors %v", s.Status, s.Errors)
	}

	f2 := lambdaobstest.New(t, handle, lambdawrap.WithoutErrorMetric())
	r = f2.Invoke(order{Mode: "error"}, lambdaobstest.Request{})
	if got := lambdaobstest.MetricValues(r.Metrics, names.MetricErrors); len(got) != 0 {
		t.Errorf("Errors with WithoutErrorMetric = %v", got)
	}
}

func TestPanicIsFlushedThenReraised(t *testing.T) {
	f := lambdaobstest.New(t, handle)
	r := f.Invoke(order{ID: "o-p", Total: 3, Mode: "panic"}, lambdaobstest.Request{})
	if r.Panic == nil {
		t.Fatal("panic not re-raised")
	}
	l := logWith(r.Logs, names.MsgInvocationPanicked)
	if l == nil || !strings.Contains(l["stack_trace"].(string), "handle") || !strings.Contains(l["panic"].(string), "nil pointer") {
		t.Errorf("panic line = %v", l)
	}
	if got := lambdaobstest.MetricValues(r.Metrics, names.MetricPanics); len(got) != 1 {
		t.Errorf("Panics = %v", got)
	}
	if got := lambdaobstest.MetricValues(r.Metrics, "OrderValue"); len(got) != 1 || got[0] != 3 {
		t.Errorf("metrics recorded before the panic = %v", got)
	}
	if s := r.Spans[0]; s.Status != tracing.Error {
		t.Errorf("span status = %v", s.Status)
	}
}

func TestTimeoutGuardFlushesBeforeTheDeadline(t *testing.T) {
	f := lambdaobstest.New(t, handle, lambdawrap.WithTimeoutMargin(150*time.Millisecond))
	ctx, cancel := f.Context(lambdaobstest.Request{Timeout: 250 * time.Millisecond})
	defer cancel()
	// Watch the output while the handler sleeps past the deadline.
	seen := make(chan string, 1)
	go func() {
		deadline, _ := ctx.Deadline()
		time.Sleep(time.Until(deadline) - 10*time.Millisecond)
		seen <- f.Output()
	}()
	r := f.Invoke(order{ID: "o-t", Total: 7, Mode: "sleep"}, lambdaobstest.Request{Timeout: 250 * time.Millisecond})
	before := <-seen
	logs, docs, _ := lambdaobstest.Parse(before)
	l := logWith(logs, names.MsgInvocationTimeout)
	if l == nil || l["level"] != "ERROR" || l["elapsed_ms"] == nil || l["remaining_ms"] == nil {
		t.Fatalf("no timeout line before the deadline:\n%s", before)
	}
	if got := lambdaobstest.MetricValues(docs, names.MetricTimeouts); len(got) != 1 {
		t.Errorf("Timeouts before the deadline = %v", got)
	}
	if got := lambdaobstest.MetricValues(docs, "OrderValue"); len(got) != 1 || got[0] != 7 {
		t.Errorf("metrics recorded before the sleep, flushed before the deadline = %v", got)
	}
	// The handler returned later: nothing is written twice.
	if got := lambdaobstest.MetricValues(r.Metrics, "OrderValue"); len(got) != 1 {
		t.Errorf("OrderValue written %d times", len(got))
	}
	if got := lambdaobstest.MetricValues(r.Metrics, names.MetricTimeouts); len(got) != 1 {
		t.Errorf("Timeouts written %d times", len(got))
	}
	if len(r.Spans) != 1 || r.Spans[0].Status != tracing.Error || r.Spans[0].Description != "timeout" {
		t.Errorf("span = %+v", r.Spans)
	}
}

func TestMiddlewareOrderAndObservedRejection(t *testing.T) {
	var order_ []string
	mw := func(name string) lambdawrap.Middleware[order, receipt] {
		return func(next lambdawrap.HandlerFunc[order, receipt]) lambdawrap.HandlerFunc[order, receipt] {
			return func(ctx context.Context, o order) (receipt, error) {
				order_ = append(order_, name)
				if name == "auth" && o.ID == "" {
					slog.WarnContext(ctx, "rejected: no id")
					return receipt{}, errors.New("unauthorized")
				}
				return next(ctx, o)
			}
		}
	}
	f := lambdaobstest.New(t, lambdawrap.Chain(handle, mw("auth"), mw("validate")))
	f.Invoke(order{ID: "x"}, lambdaobstest.Request{})
	if strings.Join(order_, ",") != "auth,validate" {
		t.Errorf("middleware order = %v", order_)
	}
	r := f.Invoke(order{}, lambdaobstest.Request{RequestID: "rej"})
	if l := logWith(r.Logs, "rejected: no id"); l == nil || l["function_request_id"] != "rej" {
		t.Errorf("middleware line without invocation fields: %v", r.Logs)
	}
	if logWith(r.Logs, names.MsgInvocationFailed) == nil || len(lambdaobstest.MetricValues(r.Metrics, names.MetricErrors)) != 1 {
		t.Error("the observability layer did not see the middleware's error")
	}
}

func TestTraceHeaderComesFromTheContext(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=1")
	f := lambdaobstest.New(t, handle)
	r := f.Invoke(order{ID: "o"}, lambdaobstest.Request{TraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"})
	if l := logWith(r.Logs, "order received"); l["xray_trace_id"] != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("xray_trace_id = %v", l["xray_trace_id"])
	}
	if s := r.Spans[0]; s.TraceID != "1-5759e988-bd862e3fe1be46a994272793" || s.ParentID != "53995c3f42cd8ad8" {
		t.Errorf("span trace %s parent %s", s.TraceID, s.ParentID)
	}
	for _, d := range r.Metrics {
		if d[names.PropTraceID] != "1-5759e988-bd862e3fe1be46a994272793" {
			t.Errorf("EMF document without the trace id: %v", d)
		}
	}
}

func TestUserSpansAreChildrenOfTheInvocation(t *testing.T) {
	h := func(ctx context.Context, _ struct{}) (string, error) {
		ctx, s := tracing.Start(ctx, "charge-card", tracing.WithAttributes(slog.String("card", "visa")))
		_, inner := tracing.Start(ctx, "call-bank")
		inner.End()
		s.End()
		return "ok", nil
	}
	f := lambdaobstest.New(t, h)
	r := f.Invoke(struct{}{}, lambdaobstest.Request{})
	if len(r.Spans) != 3 {
		t.Fatalf("spans = %d", len(r.Spans))
	}
	inner, outer, inv := r.Spans[0], r.Spans[1], r.Spans[2]
	if inner.ParentID != outer.ID || outer.ParentID != inv.ID || outer.Attributes["card"] != "visa" || inner.TraceID != inv.TraceID {
		t.Errorf("span tree wrong: %+v %+v %+v", inner, outer, inv)
	}
}

func TestLateValuesAreDroppedAndReported(t *testing.T) {
	release := make(chan struct{})
	done := make(chan struct{})
	h := func(ctx context.Context, mode string) (string, error) {
		if mode == "leave" {
			go func() {
				defer close(done)
				<-release
				metrics.FromContext(ctx).Count("LateMetric", 1)
				slog.InfoContext(ctx, "late line")
			}()
		}
		return mode, nil
	}
	f := lambdaobstest.New(t, h)
	r1 := f.Invoke("leave", lambdaobstest.Request{RequestID: "one"})
	close(release)
	<-done
	r2 := f.Invoke("next", lambdaobstest.Request{RequestID: "two"})
	for _, r := range []lambdaobstest.Result[string]{r1, r2} {
		if strings.Contains(r.Raw, "LateMetric") || strings.Contains(r.Raw, "late line") {
			t.Errorf("late values leaked into the output:\n%s", r.Raw)
		}
	}
	l := logWith(r2.Logs, names.MsgLateValues)
	if l == nil || l["count"] != 2.0 || l["function_request_id"] != "two" {
		t.Errorf("late report = %v", l)
	}
	if got := lambdaobstest.MetricValues(r2.Metrics, names.MetricLateValues); len(got) != 1 || got[0] != 2 {
		t.Errorf("LateValues = %v", got)
	}
}

func TestInvocationsConcurrentSafe(t *testing.T) {
	h := func(ctx context.Context, id string) (string, error) {
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					slog.InfoContext(ctx, "work", "g", g, "i", i, "id", id)
					metrics.FromContext(ctx).Count("Work", 1)
				}
			}()
		}
		wg.Wait()
		return id, nil
	}
	f := lambdaobstest.New(t, h)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("inv-%d", i)
			ctx, cancel := f.Context(lambdaobstest.Request{RequestID: id})
			defer cancel()
			_ = ctx
			f.Invoke(id, lambdaobstest.Request{RequestID: id})
		}()
	}
	wg.Wait()
	logs, docs, other := lambdaobstest.Parse(f.Output())
	if len(other) != 0 {
		t.Fatalf("non-JSON output: %q", other)
	}
	work := 0
	for _, l := range logs {
		if l["message"] == "work" {
			work++
			if l["function_request_id"] != l["id"] {
				t.Fatalf("line of %v carries request id %v", l["id"], l["function_request_id"])
			}
		}
	}
	if work != 8*100 {
		t.Errorf("work lines = %d, want 800", work)
	}
	perID := map[any]float64{}
	for _, d := range docs {
		if v, ok := d["Work"]; ok {
			perID[d[names.PropRequestID]] += sum(lambdaobstest.MetricValues([]map[string]any{d}, "Work"))
			_ = v
		}
	}
	for i := range 8 {
		if got := perID[fmt.Sprintf("inv-%d", i)]; got != 100 {
			t.Errorf("inv-%d Work = %v, want 100 (all: %v)", i, got, perID)
		}
	}
}

type echoHandler struct{}

func (echoHandler) Invoke(ctx context.Context, p []byte) ([]byte, error) {
	slog.InfoContext(ctx, "bytes", "n", len(p))
	if string(p) == `"fail"` {
		return nil, errors.New("byte handler failed")
	}
	return p, nil
}

func TestWrapHandlerAndOtherShapes(t *testing.T) {
	var buf strings.Builder
	prev := slog.Default()
	defer slog.SetDefault(prev)
	h := lambdawrap.WrapHandler(echoHandler{}, lambdawrap.WithWriter(&buf))
	out, err := h.Invoke(context.Background(), []byte(`{"a":1}`))
	if err != nil || string(out) != `{"a":1}` {
		t.Fatalf("Invoke = %s, %v", out, err)
	}
	if _, err := h.Invoke(context.Background(), []byte(`"fail"`)); err == nil {
		t.Fatal("error lost")
	}
	logs, _, _ := lambdaobstest.Parse(buf.String())
	if logWith(logs, "bytes") == nil || logWith(logs, names.MsgInvocationFailed) == nil {
		t.Errorf("byte handler lines missing: %s", buf.String())
	}

	// Handlers without a context, without a result or without input, as
	// lambda.Start accepts them, adapted to the shape Wrap takes.
	noCtx := lambdawrap.NoContext(func(s string) (int, error) { return len(s), nil })
	noRes := lambdawrap.NoResult(func(ctx context.Context, s string) error { return nil })
	noIn := lambdawrap.NoInput(func(ctx context.Context) (string, error) { return "hi", nil })
	for name, hh := range map[string]lambda.Handler{
		"no context": lambda.NewHandler(lambdawrap.Wrap(noCtx, lambdawrap.WithWriter(&buf))),
		"no result":  lambda.NewHandler(lambdawrap.Wrap(noRes, lambdawrap.WithWriter(&buf))),
		"no input":   lambda.NewHandler(lambdawrap.Wrap(noIn, lambdawrap.WithWriter(&buf))),
	} {
		out, err := hh.Invoke(context.Background(), []byte(`"abc"`))
		want := map[string]string{"no context": "3", "no result": "null", "no input": `"hi"`}[name]
		if err != nil || string(out) != want {
			t.Errorf("%s: %s, %v; want %s", name, out, err, want)
		}
	}
}

func TestMetricsRejectionsAreLogged(t *testing.T) {
	h := func(ctx context.Context, _ string) (string, error) {
		m := metrics.FromContext(ctx)
		m.Add("Good", 1, metrics.Count)
		m.Add("Bad", nanValue(), metrics.Count)
		return "", nil
	}
	f := lambdaobstest.New(t, h)
	r := f.Invoke("", lambdaobstest.Request{})
	if got := lambdaobstest.MetricValues(r.Metrics, "Good"); len(got) != 1 {
		t.Errorf("valid metric lost: %v", r.Metrics)
	}
	var warned bool
	for _, l := range r.Logs {
		if l["level"] == "WARN" && strings.Contains(fmt.Sprint(l["error"]), "Bad") {
			warned = true
		}
	}
	if !warned {
		b, _ := json.Marshal(r.Logs)
		t.Errorf("no WARN line naming the dropped metric: %s", b)
	}
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}
