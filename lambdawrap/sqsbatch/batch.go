package sqsbatch

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/logger"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// source describes one kind of record to the shared core.
type source[R any] struct {
	system string                  // messaging.system
	key    string                  // log key of the record's id
	id     func(*R) string         // the record's id, logged and on its span
	item   func(*R) string         // the identifier a failure reports
	arn    func(*R) string         // event source ARN
	dest   func(arn string) string // destination name from the ARN
	region func(*R) string
	header func(*R) string // the producer's trace header, or ""
}

// processor runs a handler over batches of one kind of record.
type processor[R any] struct {
	src *source[R]
	cfg *config
	h   func(context.Context, *R) error
}

// result is the fate of one record.
type result uint8

const (
	pending result = iota // not attempted
	succeeded
	failed
)

// Deadline margin: no record starts later than this before the context's
// deadline, so that the response listing the records not started still
// reaches Lambda. It is 5 % of the time left when the batch starts, at
// least minMargin, at most maxMargin.
const (
	minMargin = 100 * time.Millisecond
	maxMargin = time.Second
)

// cutoff says when records stop being started: when ctx ends, or at its
// deadline minus the margin.
type cutoff struct {
	ctx  context.Context
	stop time.Time // zero: no deadline
}

func newCutoff(ctx context.Context) cutoff {
	c := cutoff{ctx: ctx}
	if deadline, ok := ctx.Deadline(); ok {
		c.stop = deadline.Add(-min(max(time.Until(deadline)/20, minMargin), maxMargin))
	}
	return c
}

// reached reports whether no more records may start.
func (c *cutoff) reached() bool {
	return c.ctx.Err() != nil || !c.stop.IsZero() && !time.Now().Before(c.stop)
}

// run processes recs and returns the indexes of the records to report
// failed, in order.
func (p *processor[R]) run(ctx context.Context, recs []R, ordered bool) []int {
	if len(recs) == 0 {
		return nil
	}
	stop := newCutoff(ctx)
	span := tracing.SpanFromContext(ctx)
	if span.IsRecording() {
		span.SetAttributes(slog.String(names.AttrMessagingSystem, p.src.system), slog.Int(names.AttrMessagingBatchMessageCount, len(recs)))
	}
	dest := p.src.dest(p.src.arn(&recs[0]))
	results := make([]result, len(recs))
	if ordered {
		for i := range recs {
			if stop.reached() {
				break
			}
			if !p.one(ctx, &recs[i], dest) {
				results[i] = failed
				break
			}
			results[i] = succeeded
		}
	} else {
		p.concurrent(ctx, &stop, recs, dest, results)
	}
	return p.report(ctx, recs, results, stop.reached())
}

// concurrent processes recs with at most cfg.concurrency at once. Records
// not started before the cutoff stay pending.
func (p *processor[R]) concurrent(ctx context.Context, stop *cutoff, recs []R, dest string, results []result) {
	n := min(p.cfg.concurrency, len(recs))
	if n == 1 {
		for i := range recs {
			if stop.reached() {
				return
			}
			results[i] = outcome(p.one(ctx, &recs[i], dest))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(recs) || stop.reached() {
					return
				}
				results[i] = outcome(p.one(ctx, &recs[i], dest))
			}
		})
	}
	wg.Wait()
}

func outcome(ok bool) result {
	if ok {
		return succeeded
	}
	return failed
}

// report logs and counts the batch's outcome and returns the indexes of
// the failed and pending records. late says the cutoff was reached.
func (p *processor[R]) report(ctx context.Context, recs []R, results []result, late bool) []int {
	var bad []int
	var nFailed, nSkipped int
	firstSkipped := -1
	for i, r := range results {
		switch r {
		case failed:
			nFailed++
			bad = append(bad, i)
		case pending:
			nSkipped++
			bad = append(bad, i)
			if firstSkipped < 0 {
				firstSkipped = i
			}
		}
	}
	l := p.cfg.logger()
	if nSkipped > 0 {
		l.LogAttrs(ctx, slog.LevelWarn, names.MsgRecordsSkipped,
			slog.Int(names.KeySkippedRecords, nSkipped),
			slog.String(names.KeyFirstSkipped, p.src.id(&recs[firstSkipped])),
			slog.Bool(names.KeyContextDone, late))
	}
	if len(bad) > 0 {
		l.LogAttrs(ctx, slog.LevelWarn, names.MsgBatchFailed,
			slog.Int(names.KeyRecords, len(recs)),
			slog.Int(names.KeyFailedRecords, len(bad)),
			slog.Int(names.KeySkippedRecords, nSkipped))
	}
	if m, _ := hook.Recorder(ctx).(*metrics.Recorder); m != nil {
		m.Count(names.MetricRecordsProcessed, float64(len(recs)-len(bad)))
		m.Count(names.MetricRecordsFailed, float64(len(bad)))
	}
	return bad
}

// one processes one record in a span of its own, continuing the producer's
// trace when the record carries it, and reports whether it succeeded.
func (p *processor[R]) one(ctx context.Context, r *R, dest string) (ok bool) {
	id := p.src.id(r)
	ctx = logger.ContextWithAttrs(ctx, slog.String(p.src.key, id))
	span := tracing.SpanFromContext(context.Background()) // no-op unless a tracer starts one
	if tracing.TracerFromContext(ctx) != nil {
		opts := make([]tracing.StartOption, 0, 3)
		opts = append(opts, tracing.WithKind(tracing.KindConsumer), tracing.WithAttributes(
			slog.String(names.AttrMessagingSystem, p.src.system),
			slog.String(names.AttrMessagingOperationType, "process"),
			slog.String(names.AttrMessagingOperationName, "process"),
			slog.String(names.AttrMessagingMessageID, id),
			slog.String(names.AttrMessagingDestinationName, dest),
			slog.String(names.AttrCloudRegion, p.src.region(r)),
		))
		if h := p.src.header(r); h != "" {
			if hdr, err := tracing.ParseHeader(h); err == nil {
				opts = append(opts, tracing.WithRemoteParent(hdr))
			}
		}
		name := "process"
		if dest != "" {
			name += " " + dest
		}
		ctx, span = tracing.Start(ctx, name, opts...)
	}
	defer span.End()

	panicked, stack, err := p.call(ctx, r)
	if err == nil && panicked == nil {
		return true
	}
	p.reportFailure(ctx, span, panicked, stack, err)
	return false
}

// reportFailure logs and traces a record that failed. The error's methods
// are user code: they are called guarded (a nil *T returned as an error
// panics in Error), so a failure is always reported, never a crash of the
// worker goroutine.
func (p *processor[R]) reportFailure(ctx context.Context, span tracing.Span, panicked any, stack []byte, err error) {
	l := p.cfg.logger()
	var undecodable *decodeError
	switch {
	case panicked != nil:
		text := errinfo.Sprint(panicked)
		l.LogAttrs(ctx, slog.LevelError, names.MsgRecordPanicked,
			slog.String(names.KeyPanic, text),
			slog.String(names.KeyErrorType, errinfo.Type(panicked)),
			slog.String(names.KeyStackTrace, string(stack)))
		span.RecordError(errors.New("panic: " + text))
		span.SetStatus(tracing.Error, "panic")
	case asDecodeError(err, &undecodable):
		msg := errinfo.Message(err)
		l.LogAttrs(ctx, slog.LevelError, names.MsgRecordUndecodable, slog.String(names.KeyError, errinfo.Message(undecodable.err)))
		span.RecordError(errors.New(msg))
		span.SetStatus(tracing.Error, msg)
	default:
		msg := errinfo.Message(err)
		l.LogAttrs(ctx, slog.LevelError, names.MsgRecordFailed,
			slog.String(names.KeyError, msg), slog.String(names.KeyErrorType, errinfo.Type(err)))
		span.RecordError(errors.New(msg))
		span.SetStatus(tracing.Error, msg)
	}
}

// asDecodeError is errors.As, guarded: a user error's Unwrap or As method
// may panic too.
func asDecodeError(err error, target **decodeError) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return errors.As(err, target)
}

// call runs the handler, turning a panic into a value.
func (p *processor[R]) call(ctx context.Context, r *R) (panicked any, stack []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			panicked, stack, err = v, debug.Stack(), nil
		}
	}()
	return nil, nil, p.h(ctx, r)
}

// decodeError is a record whose body JSON could not decode.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "sqsbatch: decode body: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// itemFailures lists the records of recs at the indexes bad as a
// response's batch item failures, made by failure from each one's
// identifier.
func itemFailures[R, F any](src *source[R], recs []R, bad []int, failure func(id string) F) []F {
	out := make([]F, 0, len(bad))
	for _, i := range bad {
		out = append(out, failure(src.item(&recs[i])))
	}
	return out
}

// afterLast returns what follows the last sep in s, or s.
func afterLast(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}
