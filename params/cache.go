package params

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// kind tells apart the values a provider caches under one name.
type kind uint8

const (
	kindParameter kind = iota // one SSM parameter
	kindPath                  // the SSM parameters under a path
	kindSecret                // one Secrets Manager secret
)

// key identifies a cached value.
type key struct {
	name      string
	kind      kind
	decrypt   bool
	recursive bool
}

// variants is the number of (kind, decrypt, recursive) combinations.
const variants = 3 * 4

// variant numbers k's combination of kind, decrypt and recursive: each has
// a map of its own, keyed by the name alone, whose lookups are the fast
// ones of string keys.
func (k key) variant() int {
	v := int(k.kind) * 4
	if k.decrypt {
		v += 2
	}
	if k.recursive {
		v++
	}
	return v
}

// entry is the cache's slot for one key. Entries are never removed.
type entry struct {
	snap atomic.Pointer[snapshot] // the latest value fetched; nil before the first
	call *call                    // the fetch under way, nil when none (cache.mu)
}

// snapshot is a fetched value, never changed once published.
type snapshot struct {
	val     any
	fetched time.Time // when the fetch that got val started
}

// call is one fetch; the readers waiting for it read val and err once done
// is closed.
type call struct {
	done chan struct{}
	val  any
	err  error
}

// fetchFunc fetches the values of keys: vals[i] and errs[i] are those of
// keys[i]. One key is the common case.
type fetchFunc func(ctx context.Context, keys []key) (vals []any, errs []error)

// cache holds a provider's values. A read of a fresh value takes no lock
// and allocates nothing: the map of entries is replaced, never changed,
// when a key is added, and each entry publishes its value atomically. A
// missing or stale value is fetched by one reader while the others asking
// for it wait; mu guards the fetches under way. No lock is held while
// fetching.
type cache struct {
	entries [variants]atomic.Pointer[map[string]*entry]
	mu      sync.Mutex
	now     func() time.Time
	monoNow bool // now is time.Now: ages are read from the monotonic clock alone
	fetch   fetchFunc
}

func newCache(c config, fetch fetchFunc) *cache {
	ca := &cache{now: c.now, monoNow: !c.clockSet, fetch: fetch}
	for i := range ca.entries {
		m := map[string]*entry{}
		ca.entries[i].Store(&m)
	}
	return ca
}

// lookup returns the entry of k, or nil.
func (c *cache) lookup(k key) *entry { return (*c.entries[k.variant()].Load())[k.name] }

// entry returns the entry of k, adding it if needed. c.mu must be held.
func (c *cache) entry(k key) *entry {
	p := &c.entries[k.variant()]
	old := *p.Load()
	if e := old[k.name]; e != nil {
		return e
	}
	m := make(map[string]*entry, len(old)+1)
	maps.Copy(m, old)
	e := &entry{}
	m[k.name] = e
	p.Store(&m)
	return e
}

// fresh returns e's value if it is younger than maxAge.
func (c *cache) fresh(e *entry, maxAge time.Duration) (any, bool) {
	if e == nil {
		return nil, false
	}
	s := e.snap.Load()
	if s == nil {
		return nil, false
	}
	var age time.Duration
	if c.monoNow {
		age = time.Since(s.fetched)
	} else {
		age = c.now().Sub(s.fetched)
	}
	return s.val, age < maxAge
}

// get returns the value of k: from the cache when it is fresh enough for g,
// else from the fetch that is under way or one this call starts.
func (c *cache) get(ctx context.Context, k key, g getConfig) (any, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if !g.force {
		if v, ok := c.fresh(c.lookup(k), g.maxAge); ok {
			count(ctx, names.MetricParametersCacheHits, 1)
			return v, nil
		}
	}
	count(ctx, names.MetricParametersCacheMisses, 1)
	for {
		c.mu.Lock()
		e := c.entry(k)
		if !g.force {
			if v, ok := c.fresh(e, g.maxAge); ok { // fetched while this read took the lock
				c.mu.Unlock()
				return v, nil
			}
		}
		if cl := e.call; cl != nil {
			c.mu.Unlock()
			v, err, retry := wait(ctx, cl)
			if retry {
				continue
			}
			return v, err
		}
		cl := &call{done: make(chan struct{})}
		e.call = cl
		c.mu.Unlock()
		c.run(ctx, []key{k}, []*entry{e}, []*call{cl})
		return cl.val, cl.err
	}
}

// getMany returns the values of keys, each as get would, fetching those that
// need it in one call of the fetch function. vals[i] and errs[i] are those
// of keys[i]; keys must be distinct.
func (c *cache) getMany(ctx context.Context, keys []key, g getConfig) (vals []any, errs []error) {
	if ctx == nil {
		ctx = context.Background()
	}
	vals, errs = make([]any, len(keys)), make([]error, len(keys))
	todo := make([]int, len(keys))
	for i := range todo {
		todo[i] = i
	}
	first := true
	for len(todo) > 0 {
		var mine, waiting []int
		var mineEntries []*entry
		var mineCalls, waitCalls []*call
		hits := 0
		c.mu.Lock()
		for _, i := range todo {
			e := c.entry(keys[i])
			if v, ok := c.fresh(e, g.maxAge); ok && !g.force {
				vals[i] = v
				hits++
				continue
			}
			if e.call != nil {
				waiting, waitCalls = append(waiting, i), append(waitCalls, e.call)
				continue
			}
			cl := &call{done: make(chan struct{})}
			e.call = cl
			mine, mineEntries, mineCalls = append(mine, i), append(mineEntries, e), append(mineCalls, cl)
		}
		c.mu.Unlock()
		if first {
			count(ctx, names.MetricParametersCacheHits, hits)
			count(ctx, names.MetricParametersCacheMisses, len(todo)-hits)
			first = false
		}
		if len(mine) > 0 {
			ks := make([]key, len(mine))
			for j, i := range mine {
				ks[j] = keys[i]
			}
			c.run(ctx, ks, mineEntries, mineCalls)
			for j, i := range mine {
				vals[i], errs[i] = mineCalls[j].val, mineCalls[j].err
			}
		}
		todo = todo[:0]
		for j, i := range waiting {
			v, err, retry := wait(ctx, waitCalls[j])
			if retry {
				todo = append(todo, i)
				continue
			}
			vals[i], errs[i] = v, err
		}
	}
	return vals, errs
}

// wait waits for cl, or for ctx to end. retry is true when cl failed because
// the context of the reader that ran it ended while ctx has not: the waiter
// then fetches for itself.
func wait(ctx context.Context, cl *call) (v any, err error, retry bool) {
	select {
	case <-cl.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("params: waiting for a fetch: %w", context.Cause(ctx)), false
	}
	if cl.err != nil && isContextErr(cl.err) && ctx.Err() == nil {
		return nil, nil, true
	}
	return cl.val, cl.err, false
}

// run fetches keys, publishes what was got, and completes calls (calls[i]
// is the fetch of keys[i], into entries[i]) so that every waiter is
// released, also when the fetch function panics (the panic goes on after)
// or calls runtime.Goexit.
func (c *cache) run(ctx context.Context, keys []key, entries []*entry, calls []*call) {
	start := c.now()
	returned := false
	defer func() {
		if returned {
			return
		}
		r := recover()
		err := fmt.Errorf("params: fetch panicked: %v", r)
		if r == nil {
			err = errors.New("params: fetch did not return")
		}
		errs := make([]error, len(keys))
		for i := range errs {
			errs[i] = err
		}
		c.finish(entries, calls, make([]any, len(keys)), errs, start)
		if r != nil {
			panic(r)
		}
	}()
	vals, errs := c.fetch(ctx, keys)
	returned = true
	c.finish(entries, calls, vals, errs, start)
}

func (c *cache) finish(entries []*entry, calls []*call, vals []any, errs []error, start time.Time) {
	c.mu.Lock()
	for i, e := range entries {
		cl := calls[i]
		cl.val, cl.err = vals[i], errs[i]
		if cl.err == nil {
			e.snap.Store(&snapshot{val: cl.val, fetched: start})
		}
		if e.call == cl {
			e.call = nil
		}
	}
	c.mu.Unlock()
	for _, cl := range calls {
		close(cl.done)
	}
}

// count adds n to the named metric of the invocation's recorder, if ctx
// carries one. Outside an invocation nothing is recorded (and nothing warns,
// as a recorder from metrics.FromContext would on every read made at init).
func count(ctx context.Context, name string, n int) {
	if n == 0 {
		return
	}
	if r := recorder(ctx); r != nil {
		r.Count(name, float64(n))
	}
}

// recorder returns the recorder of the invocation ctx belongs to, or nil
// outside an invocation.
func recorder(ctx context.Context) *metrics.Recorder {
	r, _ := hook.Recorder(ctx).(*metrics.Recorder)
	return r
}
