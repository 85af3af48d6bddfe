package oteltracing_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/stdout"
)

// captureWarnings makes slog's default logger write to a buffer for the
// test, and returns the buffer.
func captureWarnings(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return &buf
}

func warnLines(buf *bytes.Buffer) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.Contains(l, "level=WARN") {
			out = append(out, l)
		}
	}
	return out
}

// `exp, _ := otlp.New()` when New fails hands oteltracing.New a nil
// *otlp.Exporter: it is rejected at New with one WARN line, and the
// invocations run, flush and return their result.
func TestNilExporterIsRejectedAtNew(t *testing.T) {
	logs := captureWarnings(t)
	exp, err := otlp.New(otlpEnv(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}))
	if err == nil || exp != nil {
		t.Fatalf("otlp.New with grpc = %v, %v; want an error", exp, err)
	}
	tr := oteltracing.New(exp, oteltracing.WithLookupEnv(lookup(nil)))
	shutdown(t, tr)
	if w := warnLines(logs); len(w) != 1 || !strings.Contains(w[0], "*otlp.Exporter") {
		t.Errorf("WARN lines %q, want one naming the nil *otlp.Exporter", w)
	}
	h := wrap(tr, func(ctx context.Context, o order) (string, error) {
		_, s := tracing.Start(ctx, "work")
		s.End()
		return "receipt-" + o.ID, nil
	})
	for i := range 3 {
		ctx, cancel := invocation("r", testHeader, time.Second)
		out, err := h(ctx, order{ID: "o-1"})
		cancel()
		if out != "receipt-o-1" || err != nil {
			t.Fatalf("invocation %d returned %q, %v", i, out, err)
		}
	}
	if err := tr.Flush(context.Background()); err != nil {
		t.Errorf("Flush = %v", err)
	}
	if w := warnLines(logs); len(w) != 1 {
		t.Errorf("%d WARN lines after the invocations, want the one of New", len(w))
	}
}

// Nil pointers given as the sampler, as an option or as the stdout
// exporter's writer, and a nil *Tracer, never panic.
func TestNilPointersAreRejectedWhereGiven(t *testing.T) {
	logs := captureWarnings(t)
	var sampler *ratioSampler
	var opt oteltracing.Option
	tr, exp := newTracer(t, nil, oteltracing.WithSampler(sampler), opt, oteltracing.WithService("s"))
	_, s := tracing.Start(tracing.ContextWithTracer(context.Background(), tr), "sampled by the default")
	s.End()
	_ = tr.Flush(context.Background())
	if len(exp.GetSpans()) != 1 {
		t.Errorf("%d spans", len(exp.GetSpans()))
	}
	var w *bytes.Buffer
	out := stdout.New(stdout.WithWriter(w), nil)
	if err := out.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
	if got := warnLines(logs); len(got) != 2 || !strings.Contains(got[0], "*oteltracing_test.ratioSampler") || !strings.Contains(got[1], "*bytes.Buffer") {
		t.Errorf("WARN lines %q", got)
	}

	var nilTracer *oteltracing.Tracer
	if nilTracer.Enabled() {
		t.Error("a nil tracer is enabled")
	}
	ctx, inv := nilTracer.StartInvocation(context.Background(), tracing.Invocation{TraceHeader: testHeader})
	_, sp := nilTracer.Start(ctx, "x", tracing.StartConfig{})
	sp.End()
	inv.End()
	if err := nilTracer.Flush(ctx); err != nil || nilTracer.Shutdown(ctx) != nil {
		t.Errorf("nil tracer Flush = %v", err)
	}
	_ = nilTracer.TracerProvider().Tracer("x")
}

type ratioSampler struct{}

func (s *ratioSampler) ShouldSample(sdktrace.SamplingParameters) sdktrace.SamplingResult {
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
}
func (s *ratioSampler) Description() string { return "ratio" }

// panickingExporter panics on ExportSpans; typedNil returns a nil pointer
// as its error.
type panickingExporter struct{ typedNil bool }

type exportError struct{ msg string }

func (e *exportError) Error() string { return e.msg }

func (e panickingExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error {
	if e.typedNil {
		var err *exportError
		return err
	}
	panic("exporter bug: index out of range")
}

func (panickingExporter) Shutdown(context.Context) error { panic("shutdown bug") }

// An exporter that panics never panics the caller: Flush returns an error
// saying so, the error handler receives it, and the handler's result is
// returned.
func TestExporterPanicBecomesFlushError(t *testing.T) {
	for _, tt := range []struct {
		name string
		exp  panickingExporter
		want string
	}{
		{"panic", panickingExporter{}, "panicked (export 1 spans): exporter bug: index out of range"},
		{"nil error", panickingExporter{typedNil: true}, "ExportSpans returned a nil *oteltracing_test.exportError"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var reported []error
			tr := oteltracing.New(tt.exp, oteltracing.WithLookupEnv(lookup(nil)),
				oteltracing.WithErrorHandler(func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }))
			ctx := tracing.ContextWithTracer(context.Background(), tr)
			_, s := tracing.Start(ctx, "work")
			s.End()
			err := tr.Flush(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Flush = %v, want an error with %q", err, tt.want)
			}
			mu.Lock()
			if len(reported) != 1 || !errors.Is(reported[0], err) && reported[0].Error() != err.Error() {
				t.Errorf("reported %v", reported)
			}
			mu.Unlock()
			if err := tr.Shutdown(context.Background()); err == nil || !strings.Contains(err.Error(), "shutdown bug") {
				t.Errorf("Shutdown = %v", err)
			}

			// Through the wrapper: the handler's result is not lost.
			tr2 := oteltracing.New(tt.exp, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithErrorHandler(func(error) {}))
			h := wrap(tr2, func(context.Context, order) (string, error) { return "ok", nil })
			ictx, cancel := invocation("r", testHeader, time.Second)
			defer cancel()
			if out, err := h(ictx, order{}); out != "ok" || err != nil {
				t.Errorf("handler returned %q, %v", out, err)
			}
		})
	}
}
