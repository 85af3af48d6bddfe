package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/contrib/propagators/aws/xray"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

// A span started and ended under an invocation span, with the
// OpenTelemetry backend: through the tracing facade (what user code calls)
// and with the SDK's tracer directly, on the same provider; then the SDK
// with its own span processors, for the choice of processor.

const otelBenchHeader = "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1"

type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// otelInvocation returns a context under an invocation span of tr.
func otelInvocation(b *testing.B, tr *oteltracing.Tracer) context.Context {
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	ctx, inv := tr.StartInvocation(ctx, tracing.Invocation{FunctionName: "bench", RequestID: "r-1", TraceHeader: otelBenchHeader})
	b.Cleanup(func() {
		inv.End()
		_ = tr.Shutdown(context.Background())
	})
	return ctx
}

func newBenchTracer(exp sdktrace.SpanExporter) *oteltracing.Tracer {
	return oteltracing.New(exp, oteltracing.WithService("bench"), hook.OTelLookupEnv(noEnvLookup).(oteltracing.Option))
}

func runOTelSDK(b *testing.B, tp trace.TracerProvider) {
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0x67, 0x45, 0xa0, 0xb1, 1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled, Remote: true}))
	tr := tp.Tracer("bench")
	ctx, parent := tr.Start(ctx, "bench", trace.WithSpanKind(trace.SpanKindServer))
	defer parent.End()
	b.ReportAllocs()
	for b.Loop() {
		_, s := tr.Start(ctx, "work")
		s.End()
	}
}

// BenchmarkSpan starts and ends one span through the facade beside the
// backend's SDK used directly: the OpenTelemetry rows here, the X-Ray rows
// from xray_test.go.
func BenchmarkSpan(b *testing.B) {
	for _, bm := range xrayBenchmarks {
		b.Run(bm.name, bm.fn)
	}
	b.Run("otel_lambdaobs", func(b *testing.B) {
		ctx := otelInvocation(b, newBenchTracer(discardExporter{}))
		b.ReportAllocs()
		for b.Loop() {
			_, s := tracing.Start(ctx, "work")
			s.End()
		}
	})
	b.Run("otel_sdk", func(b *testing.B) {
		tr := newBenchTracer(discardExporter{})
		b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
		runOTelSDK(b, tr.TracerProvider())
	})
	b.Run("otel_sdk_batchprocessor", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(xray.NewIDGenerator()), sdktrace.WithBatcher(discardExporter{}))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		runOTelSDK(b, tp)
	})
	b.Run("otel_sdk_simpleprocessor", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(xray.NewIDGenerator()), sdktrace.WithSyncer(discardExporter{}))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		runOTelSDK(b, tp)
	})
}

// BenchmarkOTelExport is one invocation's export: 10 spans ended, then the
// flush, to an OTLP/HTTP receiver on 127.0.0.1, with lambdaobs's processor
// (one request at the flush) and with the SDK's simple (one request per
// span) and batch (a goroutine, woken by ForceFlush) processors, all with
// the otlp exporter.
func BenchmarkOTelExport(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	newExp := func(b *testing.B) sdktrace.SpanExporter {
		exp, err := otlp.New(hook.OTLPLookupEnv(noEnvLookup).(otlp.Option), otlp.WithEndpointURL(srv.URL+"/v1/traces"))
		if err != nil {
			b.Fatal(err)
		}
		return exp
	}
	invoke := func(b *testing.B, tp trace.TracerProvider, flush func(context.Context) error) {
		tr := tp.Tracer("bench")
		b.ReportAllocs()
		for b.Loop() {
			ctx, inv := tr.Start(context.Background(), "invocation", trace.WithSpanKind(trace.SpanKindServer))
			for range 9 {
				_, s := tr.Start(ctx, "work")
				s.End()
			}
			inv.End()
			if err := flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("lambdaobs", func(b *testing.B) {
		tr := newBenchTracer(newExp(b))
		defer tr.Shutdown(context.Background())
		invoke(b, tr.TracerProvider(), tr.Flush)
	})
	b.Run("sdk_simple", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(xray.NewIDGenerator()), sdktrace.WithSyncer(newExp(b)))
		defer tp.Shutdown(context.Background())
		invoke(b, tp, tp.ForceFlush)
	})
	b.Run("sdk_batch", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(xray.NewIDGenerator()), sdktrace.WithBatcher(newExp(b)))
		defer tp.Shutdown(context.Background())
		invoke(b, tp, tp.ForceFlush)
	})
}
