package oteltracing_test

import (
	"context"
	"errors"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

// failingExporter fails every export.
type failingExporter struct{ countingExporter }

func (e *failingExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error {
	return errors.New("collector unreachable")
}

func TestDeferredExportWaitsForFlushAndCountsWhatItDrops(t *testing.T) {
	exp := &countingExporter{}
	tr := oteltracing.New(exp, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("s"), oteltracing.WithMaxExportBatchSize(3))
	shutdown(t, tr)
	tr.DeferExport(5)
	ctx := tracing.ContextWithTracer(context.Background(), tr)
	for range 7 {
		_, s := tracing.Start(ctx, "x")
		s.End()
	}
	if got := exp.get(); len(got) != 0 {
		t.Errorf("exported before Flush: %v", got)
	}
	if spans, bytes := tr.Pending(); spans != 5 || bytes <= 0 {
		t.Errorf("Pending = %d spans, %d bytes", spans, bytes)
	}
	if d := tr.TakeDropped(); len(d) != 1 || d[0].Reason != oteltracing.DropBufferFull || d[0].Spans != 2 {
		t.Errorf("dropped %v", d)
	}
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := exp.get(); len(got) != 2 || got[0]+got[1] != 5 {
		t.Errorf("batches %v, want 5 spans in batches of at most 3", got)
	}
	if spans, _ := tr.Pending(); spans != 0 || len(tr.TakeDropped()) != 0 {
		t.Error("spans still waiting, or drops reported twice")
	}

	bad := oteltracing.New(&failingExporter{}, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("s"),
		oteltracing.WithErrorHandler(func(error) {}))
	shutdown(t, bad)
	bad.DeferExport(100)
	ctx = tracing.ContextWithTracer(context.Background(), bad)
	for range 4 {
		_, s := tracing.Start(ctx, "x")
		s.End()
	}
	if err := bad.Flush(context.Background()); err == nil {
		t.Error("a failed export is not Flush's error")
	}
	if d := bad.TakeDropped(); len(d) != 1 || d[0].Reason != oteltracing.DropExportFailed || d[0].Spans != 4 {
		t.Errorf("dropped %v", d)
	}
	if spans, _ := bad.Pending(); spans != 0 {
		t.Errorf("failed spans wait again: %d", spans)
	}
}
