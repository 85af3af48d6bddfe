package oteltracing

import (
	"sync/atomic"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/tracing"
)

var _ tracing.Deferred = (*Tracer)(nil)

// Reasons for dropping spans (tracing.Dropped.Reason).
const (
	dropBufferFull   = "buffer full"   // more spans waited than DeferExport allows
	dropExportFailed = "export failed" // the exporter failed or stalled: the spans are not tried again
)

// DeferExport implements tracing.Deferred: from now on spans are exported
// only by Flush, and at most maxSpans wait for it.
func (t *Tracer) DeferExport(maxSpans int) {
	if t == nil || t.proc == nil {
		return
	}
	t.proc.maxHeld.Store(int64(max(maxSpans, 1)))
	t.proc.deferred.Store(true)
}

// Pending implements tracing.Deferred.
func (t *Tracer) Pending() (spans, bytes int) {
	if t == nil || t.proc == nil {
		return 0, 0
	}
	p := t.proc
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.buf), int(p.bufBytes)
}

// TakeDropped implements tracing.Deferred.
func (t *Tracer) TakeDropped() []tracing.Dropped {
	if t == nil || t.proc == nil {
		return nil
	}
	var out []tracing.Dropped
	if n := t.proc.droppedFull.Swap(0); n > 0 {
		out = append(out, tracing.Dropped{Reason: dropBufferFull, Spans: int(n)})
	}
	if n := t.proc.droppedFailed.Swap(0); n > 0 {
		out = append(out, tracing.Dropped{Reason: dropExportFailed, Spans: int(n)})
	}
	return out
}

// deferState is the processor's state for deferred export.
type deferState struct {
	deferred      atomic.Bool
	maxHeld       atomic.Int64
	droppedFull   atomic.Int64
	droppedFailed atomic.Int64
	bufBytes      int64 // estimated export size of buf, under mu
}

// spanBytes estimates the encoded size of s: its fixed part and what each
// attribute, event and link adds, without reading their values.
func spanBytes(s sdktrace.ReadOnlySpan) int64 {
	return 160 + int64(len(s.Name())) + 48*int64(len(s.Attributes())) + 96*int64(len(s.Events())) + 48*int64(len(s.Links()))
}
