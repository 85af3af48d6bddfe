package lambdawrap_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/logger"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// nilErr is an error whose Error method dereferences its receiver, as most
// do: returned as a nil *nilErr it is a non-nil error that panics.
type nilErr struct{ op string }

func (e *nilErr) Error() string { return e.op + " failed" }

func TestTypedNilErrorIsRecordedNotAPanic(t *testing.T) {
	h := func(ctx context.Context, _ string) (string, error) {
		metrics.FromContext(ctx).Count("Done", 1)
		var e *nilErr
		return "out", e
	}
	f := lambdaobstest.New(t, h)
	r := f.Invoke("x", lambdaobstest.Request{})
	if r.Panic != nil {
		t.Fatalf("panicked: %v", r.Panic)
	}
	var ire messages.InvokeResponse_Error
	if !errors.As(r.Err, &ire) || ire.Type != "nilErr" || !strings.Contains(ire.Message, "Error method panicked") {
		t.Fatalf("err = %#v, want an InvokeResponse_Error naming nilErr", r.Err)
	}
	l := logWith(r.Logs, names.MsgInvocationFailed)
	if l == nil || !strings.Contains(fmt.Sprint(l["error"]), "Error method panicked") || l["error_type"] != "*lambdawrap_test.nilErr" {
		t.Errorf("error line = %v", l)
	}
	for _, name := range []string{names.MetricErrors, "Done"} {
		if got := lambdaobstest.MetricValues(r.Metrics, name); len(got) != 1 {
			t.Errorf("%s = %v", name, got)
		}
	}
	if s := r.Spans[0]; s.Status != tracing.Error || len(s.Errors) != 1 {
		t.Errorf("span %+v", s)
	}
	// Nothing was left locked: another invocation ends normally.
	if r := f.Invoke("y", lambdaobstest.Request{}); r.Panic != nil {
		t.Fatal(r.Panic)
	}
}

type panickyErr struct{}

func (panickyErr) Error() string { panic("Error exploded") }

func TestErrorsThatCarrySecretsAreRedactedForTheCaller(t *testing.T) {
	const password = "pw-9f8e7d6c"
	h := func(ctx context.Context, mode string) (string, error) {
		slog.InfoContext(ctx, "login", "password", password)
		switch mode {
		case "panicky":
			return "", panickyErr{}
		case "panic":
			panic("login with " + password + " failed")
		}
		return "", fmt.Errorf("login with %q failed: %w", password, errDeclined)
	}
	f := lambdaobstest.New(t, h)
	r := f.Invoke("secret", lambdaobstest.Request{})
	var ire messages.InvokeResponse_Error
	if !errors.As(r.Err, &ire) || strings.Contains(ire.Message, password) || ire.Type != "wrapError" {
		t.Fatalf("err = %#v", r.Err)
	}
	r2 := f.Invoke("panicky", lambdaobstest.Request{})
	if !errors.As(r2.Err, &ire) || ire.Type != "panickyErr" {
		t.Errorf("panicky err = %#v", r2.Err)
	}
	r3 := f.Invoke("panic", lambdaobstest.Request{})
	if p, ok := r3.Panic.(messages.InvokeResponse_Error); !ok || strings.Contains(p.Message, password) || !p.ShouldExit {
		t.Errorf("re-raised %#v", r3.Panic)
	}
	for _, r := range []string{r.Raw, r2.Raw, r3.Raw} {
		if strings.Contains(r, password) {
			t.Errorf("secret written:\n%s", r)
		}
	}
	for _, s := range append(append(r.Spans, r2.Spans...), r3.Spans...) {
		if strings.Contains(s.Description, password) || strings.Contains(fmt.Sprint(s.Errors), password) {
			t.Errorf("secret on a span: %+v", s)
		}
	}
}

func TestTimeoutIsTakenBackWhenTheHandlerReturnsInTime(t *testing.T) {
	h := func(ctx context.Context, _ string) (string, error) {
		deadline, _ := ctx.Deadline()
		time.Sleep(time.Until(deadline) - 60*time.Millisecond) // inside the margin, yet in time
		return "ok", nil
	}
	f := lambdaobstest.New(t, h, lambdawrap.WithTimeoutMargin(300*time.Millisecond))
	r := f.Invoke("x", lambdaobstest.Request{Timeout: 600 * time.Millisecond})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	got := lambdaobstest.MetricValues(r.Metrics, names.MetricTimeouts)
	if len(got) != 2 || sum(got) != 0 {
		t.Errorf("Timeouts = %v, want a count taken back (sum 0)", got)
	}
	if logWith(r.Logs, names.MsgInvocationTimeout) == nil || logWith(r.Logs, names.MsgReturnedInTime) == nil {
		t.Errorf("logs: %v", r.Logs)
	}
	// Both documents carry the invocation's start: CloudWatch sums them in
	// the same minute.
	var ts []any
	for _, d := range r.Metrics {
		if _, ok := d[names.MetricTimeouts]; ok {
			ts = append(ts, d["_aws"].(map[string]any)["Timestamp"])
		}
	}
	if len(ts) != 2 || ts[0] != ts[1] {
		t.Errorf("timestamps %v", ts)
	}
}

func TestNilTracerAndWriterAreRefused(t *testing.T) {
	var tr *lambdaobstest.Tracer // what `tr, _ := newTracer()` holds when it failed
	f := lambdaobstest.New(t, func(ctx context.Context, s string) (string, error) {
		_, span := tracing.Start(ctx, "child")
		span.End()
		return s, nil
	}, lambdawrap.WithTracer(tr))
	r := f.Invoke("x", lambdaobstest.Request{})
	if r.Panic != nil || r.Output != "x" {
		t.Fatalf("%v %v", r.Output, r.Panic)
	}
	if !strings.Contains(f.Output(), "WithTracer was given a nil *lambdaobstest.Tracer") {
		t.Errorf("no warning:\n%s", f.Output())
	}

	var w *strings.Builder
	stdout := captureStdout(t, func() {
		h := lambdawrap.Wrap(func(ctx context.Context, s string) (string, error) { return s, nil },
			lambdawrap.WithWriter(w), lambdawrap.WithoutDefaultLogger(),
			lambdawrap.WithLookupEnv(func(k string) (string, bool) { return "true", k == "POWERTOOLS_METRICS_DISABLED" }))
		if out, err := h(context.Background(), "y"); out != "y" || err != nil {
			t.Fatalf("%v %v", out, err)
		}
	})
	if !strings.Contains(stdout, "WithWriter was given a nil *strings.Builder") {
		t.Errorf("no warning on stdout: %s", stdout)
	}
}

// TestNilOptionIsIgnored: a nil Option (an option variable never set)
// changes nothing, as nil options do in the adapters.
func TestNilOptionIsIgnored(t *testing.T) {
	var unset lambdawrap.Option
	f := lambdaobstest.New(t, func(ctx context.Context, s string) (string, error) { return s, nil },
		unset, lambdawrap.WithService("orders"))
	r := f.Invoke("x", lambdaobstest.Request{})
	if r.Panic != nil || r.Err != nil || r.Output != "x" {
		t.Fatalf("%v %v %v", r.Output, r.Err, r.Panic)
	}
}

// captureStdout returns what f wrote to os.Stdout.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		read <- b
	}()
	func() {
		prev := os.Stdout
		os.Stdout = w
		defer func() {
			os.Stdout = prev
			_ = w.Close()
		}()
		f()
	}()
	b := <-read
	_ = r.Close()
	return string(b)
}

// failingTracer is a backend whose Flush fails, then panics.
type failingTracer struct {
	*lambdaobstest.Tracer
	calls int
}

func (f *failingTracer) Flush(context.Context) error {
	f.calls++
	if f.calls%2 == 1 {
		return errors.New("exporter unreachable")
	}
	panic("exporter bug")
}

func TestTelemetryFailuresAreLoggedAndCounted(t *testing.T) {
	ft := &failingTracer{Tracer: lambdaobstest.NewTracer()}
	f := lambdaobstest.New(t, func(ctx context.Context, s string) (string, error) { return s, nil }, lambdawrap.WithTracer(ft))
	r1 := f.Invoke("a", lambdaobstest.Request{})
	r2 := f.Invoke("b", lambdaobstest.Request{})
	r3 := f.Invoke("c", lambdaobstest.Request{})
	if r2.Panic != nil || r2.Output != "b" {
		t.Fatalf("a panicking tracer failed the invocation: %v", r2.Panic)
	}
	for i, r := range []lambdaobstest.Result[string]{r1, r2} {
		if l := logWith(r.Logs, names.MsgTelemetryFailed); l == nil || l["component"] != "tracer.Flush" {
			t.Errorf("invocation %d: no telemetry failure line: %v", i+1, r.Logs)
		}
	}
	// The flush comes after the invocation's documents: its failures are
	// counted with the next invocation's.
	if got := lambdaobstest.MetricValues(r2.Metrics, names.MetricTelemetryErrors); len(got) != 1 || got[0] != 1 {
		t.Errorf("TelemetryErrors in the next invocation = %v", got)
	}
	if got := lambdaobstest.MetricValues(r3.Metrics, names.MetricTelemetryErrors); len(got) != 1 {
		t.Errorf("TelemetryErrors = %v", got)
	}
}

func TestLogPackageLinesCarryTheInvocation(t *testing.T) {
	f := lambdaobstest.New(t, func(ctx context.Context, s string) (string, error) {
		log.Printf("legacy %s", s)
		return s, errors.New("declined for " + s)
	})
	r := f.Invoke("o-1", lambdaobstest.Request{RequestID: "req-log"})
	if l := logWith(r.Logs, "legacy o-1"); l == nil || l["function_request_id"] != "req-log" {
		t.Errorf("log.Printf line: %v", r.Logs)
	}
	// What aws-lambda-go logs after the handler returned: its error
	// response, through the log package.
	payload, _ := json.Marshal(messages.InvokeResponse_Error{Message: "declined for o-1", Type: "errorString"})
	before := len(f.Output())
	log.Printf("%s", payload)
	logs, _, _ := lambdaobstest.Parse(f.Output()[before:])
	if len(logs) != 1 || logs[0]["function_request_id"] != "req-log" || logs[0]["message"] != string(payload) {
		t.Errorf("aws-lambda-go's report: %v", logs)
	}
	log.Printf("%s", payload) // reported once only: the second is not the invocation's
	logs, _, _ = lambdaobstest.Parse(f.Output()[before:])
	if len(logs) != 2 || logs[1]["function_request_id"] != nil {
		t.Errorf("second report: %v", logs)
	}
}

func chargeCard() error {
	return logger.Stack(fmt.Errorf("charge: %w", errDeclined))
}

func TestReturnedErrorsAreLoggedWithChainAndStack(t *testing.T) {
	f := lambdaobstest.New(t, func(ctx context.Context, s string) (string, error) { return "", chargeCard() })
	r := f.Invoke("x", lambdaobstest.Request{})
	if !errors.Is(r.Err, errDeclined) {
		t.Fatalf("err = %v, want it unchanged", r.Err)
	}
	l := logWith(r.Logs, names.MsgInvocationFailed)
	if fmt.Sprint(l["error_chain"]) != "[*fmt.wrapError *errors.errorString]" || l["error_type"] != "*fmt.wrapError" {
		t.Errorf("error_chain = %v", l["error_chain"])
	}
	if st, _ := l["stack_trace"].(string); !strings.Contains(st, "lambdawrap_test.chargeCard") {
		t.Errorf("stack_trace = %q", l["stack_trace"])
	}
}

// TestLateValuesAreReportedHoweverLate: a goroutine of the first
// invocation records after many others ended; the next one to end reports
// it.
func TestLateValuesAreReportedHoweverLate(t *testing.T) {
	release, done := make(chan struct{}), make(chan struct{})
	f := lambdaobstest.New(t, func(ctx context.Context, mode string) (string, error) {
		if mode == "leave" {
			go func() {
				defer close(done)
				<-release
				metrics.FromContext(ctx).Count("LateMetric", 1)
				slog.InfoContext(ctx, "late line")
			}()
		}
		return mode, nil
	})
	f.Invoke("leave", lambdaobstest.Request{})
	for range 20 {
		f.Invoke("other", lambdaobstest.Request{})
	}
	close(release)
	<-done
	r := f.Invoke("last", lambdaobstest.Request{RequestID: "last"})
	if got := lambdaobstest.MetricValues(r.Metrics, names.MetricLateValues); len(got) != 1 || got[0] != 2 {
		t.Errorf("LateValues = %v", got)
	}
}
