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

// cancellingExporter exports a batch, then ends the flush's context, as a
// flush whose time runs out during an export; an export given an ended
// context fails, as a real one does.
type cancellingExporter struct {
	countingExporter
	cancel context.CancelFunc
}

func (e *cancellingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := e.countingExporter.ExportSpans(ctx, spans)
	if e.cancel != nil {
		e.cancel()
	}
	return err
}

func TestFlushOutOfTimeKeepsTheRestForTheNextFlush(t *testing.T) {
	tests := []struct {
		name     string
		deferred bool
	}{
		{name: "deferred export", deferred: true},
		{name: "inline export", deferred: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := &cancellingExporter{}
			tr := oteltracing.New(exp, oteltracing.WithLookupEnv(lookup(nil)), oteltracing.WithService("s"),
				oteltracing.WithMaxExportBatchSize(2), oteltracing.WithErrorHandler(func(error) {}))
			shutdown(t, tr)
			if tt.deferred {
				tr.DeferExport(100)
			}
			ctx := tracing.ContextWithTracer(context.Background(), tr)
			// Inline export sends each pair as it ends: the last one waits.
			for range 5 {
				_, s := tracing.Start(ctx, "x")
				s.End()
			}
			before := len(exp.get())
			fctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			exp.mu.Lock()
			exp.cancel = cancel
			exp.mu.Unlock()
			err := tr.Flush(fctx)
			exp.mu.Lock()
			exp.cancel = nil
			exp.mu.Unlock()
			exported := 0
			for _, n := range exp.get() {
				exported += n
			}
			pending, _ := tr.Pending()
			if d := tr.TakeDropped(); len(d) != 0 {
				t.Errorf("dropped %v: spans not yet handed to the exporter must wait", d)
			}
			if exported+pending != 5 {
				t.Errorf("%d exported + %d pending, want 5 in all", exported, pending)
			}
			if tt.deferred && (len(exp.get()) != before+1 || pending != 3) {
				t.Errorf("batches %v, %d pending: want one batch sent, then the flush stopped", exp.get(), pending)
			}
			if pending > 0 && !errors.Is(err, context.Canceled) {
				t.Errorf("Flush = %v, want the context's error", err)
			}
			if err := tr.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			exported = 0
			for _, n := range exp.get() {
				exported += n
			}
			if pending, _ := tr.Pending(); exported != 5 || pending != 0 {
				t.Errorf("after the next flush: %d exported, %d pending; want 5, 0", exported, pending)
			}
		})
	}
}
