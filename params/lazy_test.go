package params_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/params"
)

type conn struct{ id int64 }

func TestLazyConcurrentFirstUsersShareOneAttemptConcurrentSafe(t *testing.T) {
	quietLog(t, nil)
	var calls atomic.Int64
	release := make(chan struct{})
	l := params.NewLazy("db", func(ctx context.Context) (*conn, error) {
		n := calls.Add(1)
		<-release
		return &conn{id: n}, nil
	})
	const n = 50
	var started, wg sync.WaitGroup
	started.Add(n)
	got := make([]*conn, n)
	for i := range n {
		wg.Go(func() {
			started.Done()
			c, err := l.Get(context.Background())
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		})
	}
	started.Wait()
	time.Sleep(10 * time.Millisecond) // let them reach Get; the result does not depend on it
	close(release)
	wg.Wait()
	if c := calls.Load(); c != 1 {
		t.Errorf("init ran %d times, want 1", c)
	}
	for i, c := range got {
		if c != got[0] {
			t.Fatalf("Get %d returned %p, Get 0 %p", i, c, got[0])
		}
	}
}

func TestLazyRetriesAfterAFailedAttempt(t *testing.T) {
	quietLog(t, nil)
	attempts := 0
	boom := errors.New("connection refused")
	l := params.NewLazy("db", func(ctx context.Context) (*conn, error) {
		attempts++
		if attempts < 3 {
			return nil, boom
		}
		return &conn{id: int64(attempts)}, nil
	})
	for i := 1; i <= 2; i++ {
		_, err := l.Get(context.Background())
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), `lazy "db"`) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	for range 3 {
		c, err := l.Get(context.Background())
		if err != nil || c.id != 3 {
			t.Fatalf("Get = %+v, %v", c, err)
		}
	}
	if attempts != 3 {
		t.Errorf("%d attempts, want 3: a success is kept", attempts)
	}
}

func TestLazyReentrantGetFailsInsteadOfDeadlocking(t *testing.T) {
	quietLog(t, nil)
	var self *params.Lazy[int]
	var inner error
	self = params.NewLazy("self", func(ctx context.Context) (int, error) {
		_, inner = self.Get(ctx)
		return 7, nil
	})
	v, err := self.Get(context.Background())
	if err != nil || v != 7 {
		t.Fatalf("Get = %v, %v", v, err)
	}
	if !errors.Is(inner, params.ErrInitCycle) {
		t.Errorf("re-entrant Get: %v, want ErrInitCycle", inner)
	}

	// Through another Lazy, on the same chain of contexts.
	var a, b *params.Lazy[int]
	a = params.NewLazy("a", func(ctx context.Context) (int, error) { v, err := b.Get(ctx); return v + 1, err })
	b = params.NewLazy("b", func(ctx context.Context) (int, error) { return a.Get(ctx) })
	if _, err := a.Get(context.Background()); !errors.Is(err, params.ErrInitCycle) {
		t.Errorf("a → b → a: %v, want ErrInitCycle", err)
	}

	// A Lazy that uses another in its init is no cycle.
	inner2 := params.NewLazy("inner", func(context.Context) (int, error) { return 1, nil })
	outer := params.NewLazy("outer", func(ctx context.Context) (int, error) { v, err := inner2.Get(ctx); return v + 1, err })
	if v, err := outer.Get(context.Background()); err != nil || v != 2 {
		t.Errorf("outer = %v, %v", v, err)
	}
}

func TestLazyWaitersRetryWhenTheRunnersContextEnds(t *testing.T) {
	quietLog(t, nil)
	var calls atomic.Int64
	started := make(chan struct{})
	l := params.NewLazy("db", func(ctx context.Context) (int, error) {
		if calls.Add(1) == 1 {
			close(started)
			<-ctx.Done() // the first caller's invocation times out
			return 0, ctx.Err()
		}
		return 42, nil
	})
	ctx1, cancel1 := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := l.Get(ctx1); errc <- err }()
	<-started
	res := make(chan int, 1)
	go func() {
		v, err := l.Get(context.Background())
		if err != nil {
			t.Error(err)
		}
		res <- v
	}()
	time.Sleep(10 * time.Millisecond) // the second Get waits for the first attempt
	cancel1()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("first Get: %v", err)
	}
	if v := <-res; v != 42 {
		t.Errorf("waiter got %v, want 42 from its own attempt", v)
	}
	// A waiter whose own context ends stops waiting.
	block, running := make(chan struct{}), make(chan struct{})
	l2 := params.NewLazy("slow", func(ctx context.Context) (int, error) { close(running); <-block; return 1, nil })
	go func() { _, _ = l2.Get(context.Background()) }()
	<-running
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l2.Get(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter with a deadline: %v", err)
	}
	close(block)
	if v, err := l2.Get(context.Background()); err != nil || v != 1 {
		t.Errorf("after the attempt: %v, %v", v, err)
	}
}

func TestLazyPanicReleasesWaiters(t *testing.T) {
	quietLog(t, nil)
	calls := 0
	l := params.NewLazy("p", func(context.Context) (int, error) {
		calls++
		if calls == 1 {
			panic("driver bug")
		}
		return 5, nil
	})
	func() {
		defer func() {
			if r := recover(); r != "driver bug" {
				t.Errorf("recovered %v", r)
			}
		}()
		_, _ = l.Get(context.Background())
	}()
	if v, err := l.Get(context.Background()); err != nil || v != 5 {
		t.Errorf("after a panic: %v, %v", v, err)
	}
}

func TestLazyBadInput(t *testing.T) {
	quietLog(t, nil)
	var nilInit *params.Lazy[int] = params.NewLazy[int]("none", nil)
	if _, err := nilInit.Get(context.Background()); err == nil || !strings.Contains(err.Error(), "no init function") {
		t.Errorf("nil init: %v", err)
	}
	l := params.NewLazy("x", func(context.Context) (int, error) { return 3, nil })
	//lint:ignore SA1012 a nil context is bad input that must not panic
	if v, err := l.Get(nil); err != nil || v != 3 {
		t.Errorf("nil context: %v, %v", v, err)
	}
}

// TestLazyReportsItsFirstInit checks the log line and the metric of the
// first successful init, in an invocation.
func TestLazyReportsItsFirstInit(t *testing.T) {
	clk := newClock()
	var fail atomic.Bool
	fail.Store(true)
	l := params.NewLazyWith("orders-db", func(ctx context.Context) (string, error) {
		clk.Advance(1500 * time.Microsecond)
		if fail.Load() {
			return "", errors.New("refused")
		}
		return "connected", nil
	}, params.WithClock(clk.Now))
	f := lambdaobstest.New(t, func(ctx context.Context, _ struct{}) (string, error) {
		return l.Get(ctx)
	}, lambdawrap.WithService("orders"))

	r := f.Invoke(struct{}{}, lambdaobstest.Request{})
	if r.Err == nil || len(lambdaobstest.MetricValues(r.Metrics, names.MetricLazyInitDuration)) != 0 {
		t.Fatalf("a failed init: err %v, metrics %v", r.Err, r.Metrics)
	}
	fail.Store(false)
	r = f.Invoke(struct{}{}, lambdaobstest.Request{})
	if r.Err != nil || r.Output != "connected" {
		t.Fatalf("%q, %v", r.Output, r.Err)
	}
	var line map[string]any
	for _, l := range r.Logs {
		if l["message"] == names.MsgLazyInit {
			line = l
		}
	}
	if line == nil || line[names.KeyLazy] != "orders-db" || line[names.KeyDurationMS] != 1.5 || line["function_request_id"] != "req-2" {
		t.Errorf("init line %v in %v", line, r.Logs)
	}
	vals := lambdaobstest.MetricValues(r.Metrics, names.MetricLazyInitDuration)
	if len(vals) != 1 || vals[0] != 1.5 {
		t.Errorf("%s = %v, want [1.5]", names.MetricLazyInitDuration, vals)
	}
	for _, d := range r.Metrics {
		if _, ok := d[names.MetricLazyInitDuration]; ok && d[names.DimLazy] != "orders-db" {
			t.Errorf("dimension %s = %v", names.DimLazy, d[names.DimLazy])
		}
	}
	r = f.Invoke(struct{}{}, lambdaobstest.Request{})
	if len(lambdaobstest.MetricValues(r.Metrics, names.MetricLazyInitDuration)) != 0 {
		t.Errorf("reported again on a later invocation")
	}
	for _, l := range r.Logs {
		if l["message"] == names.MsgLazyInit {
			t.Errorf("logged again: %v", l)
		}
	}
}

// TestLazyOutsideAnInvocation checks that an init at process start logs
// through slog's default and records no metric (nor warns about it).
func TestLazyOutsideAnInvocation(t *testing.T) {
	var buf bytes.Buffer
	quietLog(t, &buf)
	l := params.NewLazy("cache", func(context.Context) (int, error) { return 1, nil })
	if _, err := l.Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, names.MsgLazyInit) || !strings.Contains(out, `"lazy":"cache"`) {
		t.Errorf("output %q", out)
	}
}

// TestLazyReadsNoEnvironment: a Lazy uses no Parameters setting, so making
// one (at package init, usually) reads no environment variable and, with
// bad values in them, warns about nothing.
func TestLazyReadsNoEnvironment(t *testing.T) {
	init := func(context.Context) (int, error) { return 1, nil }
	t.Run("lookups", func(t *testing.T) {
		var read []string
		params.NewLazyWith("db", init, params.WithLookupEnv(func(k string) (string, bool) {
			read = append(read, k)
			return "", false
		}))
		if len(read) != 0 {
			t.Errorf("read %v", read)
		}
	})
	t.Run("bad values", func(t *testing.T) {
		t.Setenv(names.EnvPowertoolsParametersMaxAge, "1m")
		t.Setenv(names.EnvPowertoolsParametersSSMDecrypt, "maybe")
		var logged bytes.Buffer
		quietLog(t, &logged)
		params.NewLazy("db", init)
		if logged.Len() != 0 {
			t.Errorf("NewLazy logged %s", logged.String())
		}
	})
}
