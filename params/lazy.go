package params

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// Lazy is a value made on first use: a database connection, a client of a
// service whose address is a parameter. The first Get runs the init
// function; Gets that come while it runs wait for that one attempt. A
// successful result is kept for the life of the process and later Gets
// return it at the cost of an atomic load. A failed attempt is not kept:
// its error goes to the Gets that waited for it, and the next Get tries
// again (unlike sync.OnceValues, which would return the first error
// forever).
//
// The first successful init is reported once: an INFO line "lazy value
// initialised" through slog's default logger with the context of the Get
// that ran it (keys lazy, the Lazy's name, and duration_ms), and the metric
// LazyInitDuration, dimension lazy, on that invocation's recorder (dropped
// when the init ran outside an invocation, at process init).
//
// The init function gets the context of the Get that runs it, usually an
// invocation's, with its deadline: a connection that must outlive the
// invocation should not keep it (context.WithoutCancel(ctx) keeps its
// values without its end).
//
// No lock is held while the init function runs. A Get made from within it,
// with the context it was given or one derived from it, returns an error
// matching ErrInitCycle at once instead of waiting for itself; a Get with an
// unrelated context waits as any other would, until its context ends. A Get
// whose context ends while it waits returns the context's error; the
// attempt goes on for the others. When the attempt fails because the
// context of the Get that ran it ended, the waiters whose own contexts are
// still live try again themselves.
type Lazy[T any] struct {
	name string
	init func(ctx context.Context) (T, error)
	now  func() time.Time
	val  atomic.Pointer[T]
	mu   sync.Mutex
	cur  *lazyAttempt // the attempt under way, nil when none
}

type lazyAttempt struct {
	done chan struct{}
	err  error
}

// lazyFrame marks the contexts given to init functions, so that a Get of
// a Lazy whose init is running on the same chain of calls is recognised.
type lazyFrame struct {
	owner  any
	parent *lazyFrame
}

type lazyKey struct{}

// NewLazy returns a Lazy whose value init makes. name identifies it in the
// log line and metric of its first init, and in its errors. It reads no
// environment variable and logs nothing, so it may run at package init.
func NewLazy[T any](name string, init func(ctx context.Context) (T, error)) *Lazy[T] {
	return newLazy(name, init, nil)
}

// newLazy is NewLazy with opts' clock. It reads no environment variable:
// a Lazy uses neither the max age nor the decryption setting, and is often
// made at package init.
func newLazy[T any](name string, init func(ctx context.Context) (T, error), opts []Option) *Lazy[T] {
	c := newBaseConfig(opts)
	return &Lazy[T]{name: name, init: init, now: c.now}
}

// Get returns the value, running the init function if no attempt has
// succeeded yet (see Lazy).
func (l *Lazy[T]) Get(ctx context.Context) (T, error) {
	if p := l.val.Load(); p != nil {
		return *p, nil
	}
	return l.slow(ctx)
}

func (l *Lazy[T]) slow(ctx context.Context) (T, error) {
	var zero T
	if l.init == nil {
		return zero, fmt.Errorf("params: lazy %q: no init function", l.name)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	for {
		l.mu.Lock()
		if p := l.val.Load(); p != nil {
			l.mu.Unlock()
			return *p, nil
		}
		a := l.cur
		if a == nil {
			a = &lazyAttempt{done: make(chan struct{})}
			l.cur = a
			l.mu.Unlock()
			return l.run(ctx, a)
		}
		l.mu.Unlock()
		if inInit(ctx, l) {
			return zero, fmt.Errorf("params: lazy %q: %w", l.name, ErrInitCycle)
		}
		select {
		case <-a.done:
		case <-ctx.Done():
			return zero, fmt.Errorf("params: lazy %q: waiting for init: %w", l.name, context.Cause(ctx))
		}
		if p := l.val.Load(); p != nil {
			return *p, nil
		}
		if isContextErr(a.err) && ctx.Err() == nil {
			continue
		}
		return zero, a.err
	}
}

// run makes one attempt, publishes its result and releases the waiters,
// also when init panics (the panic goes on after) or calls runtime.Goexit.
func (l *Lazy[T]) run(ctx context.Context, a *lazyAttempt) (v T, err error) {
	start := l.now()
	returned := false
	defer func() {
		if returned {
			return
		}
		r := recover()
		if r != nil {
			a.err = fmt.Errorf("params: lazy %q: init panicked: %v", l.name, r)
		} else {
			a.err = fmt.Errorf("params: lazy %q: init did not return", l.name)
		}
		l.finish(a, nil)
		if r != nil {
			panic(r)
		}
	}()
	frame := &lazyFrame{owner: l}
	if p, ok := ctx.Value(lazyKey{}).(*lazyFrame); ok {
		frame.parent = p
	}
	v, err = l.init(context.WithValue(ctx, lazyKey{}, frame))
	returned = true
	if err != nil {
		a.err = fmt.Errorf("params: lazy %q: %w", l.name, err)
		l.finish(a, nil)
		return v, a.err
	}
	l.finish(a, &v)
	d := l.now().Sub(start)
	slog.InfoContext(ctx, names.MsgLazyInit, names.KeyLazy, l.name, names.KeyDurationMS, float64(d.Microseconds())/1e3)
	if r := recorder(ctx); r != nil {
		r.With(metrics.Dimension{Name: names.DimLazy, Value: l.name}).Duration(names.MetricLazyInitDuration, d)
	}
	return v, nil
}

func (l *Lazy[T]) finish(a *lazyAttempt, v *T) {
	l.mu.Lock()
	if v != nil {
		l.val.Store(v)
	}
	l.cur = nil
	l.mu.Unlock()
	close(a.done)
}

// inInit reports whether ctx was given (directly or through derived
// contexts) to l's init function.
func inInit(ctx context.Context, owner any) bool {
	f, _ := ctx.Value(lazyKey{}).(*lazyFrame)
	for ; f != nil; f = f.parent {
		if f.owner == owner {
			return true
		}
	}
	return false
}
