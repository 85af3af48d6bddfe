package oteltracing

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
)

// inlineExportTimeout bounds an export made by End when the batch is full.
const inlineExportTimeout = 5 * time.Second

// processor keeps ended spans until ForceFlush, then exports them in the
// caller's goroutine. It starts no goroutine: when ForceFlush returns,
// nothing of the export runs any more, so Lambda may freeze the process.
// When maxBatch spans are waiting, the End that adds the last one exports
// them. Exports are serialised; a ForceFlush waits for one in progress,
// so the spans ended before it was called are sent when it returns. An
// exporter that panics never panics the caller: the panic becomes the
// export's error, given to onError and returned by ForceFlush.
type processor struct {
	exp      sdktrace.SpanExporter
	maxBatch int
	onError  func(error)

	sem   chan struct{} // held while exporting
	mu    sync.Mutex
	buf   []sdktrace.ReadOnlySpan
	spare []sdktrace.ReadOnlySpan // an exported batch's array, reused
	down  atomic.Bool

	deferState // DeferExport: only Flush exports
}

var _ sdktrace.SpanProcessor = (*processor)(nil)

func newProcessor(exp sdktrace.SpanExporter, maxBatch int, onError func(error)) *processor {
	return &processor{exp: exp, maxBatch: maxBatch, onError: onError, sem: make(chan struct{}, 1)}
}

func (p *processor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (p *processor) OnEnd(s sdktrace.ReadOnlySpan) {
	if p.exp == nil || p.down.Load() || !s.SpanContext().IsSampled() {
		return
	}
	deferred := p.deferred.Load()
	p.mu.Lock()
	if deferred && int64(len(p.buf)) >= p.maxHeld.Load() {
		p.mu.Unlock()
		p.droppedFull.Add(1)
		return
	}
	if p.buf == nil {
		p.buf, p.spare = p.spare, nil
	}
	p.buf = append(p.buf, s)
	p.bufBytes += spanBytes(s)
	full := !deferred && len(p.buf) >= p.maxBatch
	p.mu.Unlock()
	if full {
		ctx, cancel := context.WithTimeout(context.Background(), inlineExportTimeout)
		defer cancel()
		_ = p.flush(ctx)
	}
}

// ForceFlush exports every span ended so far and returns when they are
// sent, or when ctx ends: the spans not yet handed to the exporter then wait
// for the next flush, and ForceFlush returns ctx's error.
func (p *processor) ForceFlush(ctx context.Context) error {
	if p.exp == nil || p.down.Load() {
		return nil
	}
	return p.flush(ctx)
}

func (p *processor) flush(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.sem }()
	p.mu.Lock()
	all := p.buf
	p.buf, p.bufBytes = nil, 0
	p.mu.Unlock()
	var first error
	for batch := all; len(batch) > 0; {
		if err := ctx.Err(); err != nil {
			// Out of time: what was not handed to the exporter waits for
			// the next flush, ahead of the spans ended meanwhile.
			p.putBack(batch)
			all = nil // batch still holds its array
			if first == nil {
				first = err
			}
			break
		}
		n := min(len(batch), p.maxBatch)
		if err := p.export(ctx, batch[:n]); err != nil {
			// Not tried again: the request may have arrived, and a span is
			// exported once or counted as dropped, never twice.
			p.droppedFailed.Add(int64(n))
			p.report(err)
			if first == nil {
				first = err
			}
		}
		batch = batch[n:]
	}
	if cap(all) > 0 && cap(all) <= 4*p.maxBatch {
		clear(all) // the spans are exported: let them go
		p.mu.Lock()
		p.spare = all[:0]
		p.mu.Unlock()
	}
	return first
}

// putBack puts spans back at the front of the buffer.
func (p *processor) putBack(spans []sdktrace.ReadOnlySpan) {
	var n int64
	for _, s := range spans {
		n += spanBytes(s)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	buf := make([]sdktrace.ReadOnlySpan, 0, len(spans)+len(p.buf))
	p.buf = append(append(buf, spans...), p.buf...)
	p.bufBytes += n
}

// export hands batch to the exporter. A panic, or a nil pointer returned as
// the error, becomes an error saying so.
func (p *processor) export(ctx context.Context, batch []sdktrace.ReadOnlySpan) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = exporterPanic("export "+strconv.Itoa(len(batch))+" spans", p.exp, r)
		}
	}()
	return checked(p.exp, "ExportSpans", p.exp.ExportSpans(ctx, batch))
}

// report gives err to the error handler, which may not panic either.
func (p *processor) report(err error) {
	defer func() { _ = recover() }()
	p.onError(err)
}

// Shutdown flushes and shuts the exporter down.
func (p *processor) Shutdown(ctx context.Context) error {
	if p.exp == nil || p.down.Load() {
		return nil
	}
	err := p.flush(ctx)
	if p.down.CompareAndSwap(false, true) {
		if e := p.shutdownExporter(ctx); err == nil {
			err = e
		}
	}
	return err
}

func (p *processor) shutdownExporter(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = exporterPanic("shut down", p.exp, r)
			p.report(err)
		}
	}()
	return checked(p.exp, "Shutdown", p.exp.Shutdown(ctx))
}

// exporterPanic describes the panic r of exp while doing what; the panic
// value is redacted, as it may quote what the exporter was sending.
func exporterPanic(what string, exp sdktrace.SpanExporter, r any) error {
	sc := scrub.Process()
	return errorf("exporter %s panicked (%s): %s", errinfo.Type(exp), what, scrub.Text(&sc, errinfo.Sprint(r)))
}

// checked returns err, or an error saying that exp's method returned a nil
// pointer as its error (whose Error method would panic).
func checked(exp sdktrace.SpanExporter, method string, err error) error {
	if err != nil && errinfo.IsNilPointer(err) {
		return errorf("exporter %s: %s returned a nil %s as its error", errinfo.Type(exp), method, errinfo.Type(err))
	}
	return err
}
