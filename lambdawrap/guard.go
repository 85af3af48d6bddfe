package lambdawrap

import (
	"sync"
	"sync/atomic"
	"time"
)

// guard is a timeout guard: a timer that calls onTimeout of the scope it is
// armed for. Guards are pooled, so an invocation costs no timer allocation.
type guard struct {
	t *time.Timer
	s atomic.Pointer[scope]
}

var guards = sync.Pool{New: func() any {
	g := &guard{}
	g.t = time.AfterFunc(time.Hour, g.fire)
	g.t.Stop()
	return g
}}

func armGuard(s *scope, d time.Duration) *guard {
	g := guards.Get().(*guard)
	g.s.Store(s)
	g.t.Reset(d)
	return g
}

func (g *guard) fire() {
	if s := g.s.Load(); s != nil {
		s.onTimeout()
	}
}

// disarm stops the guard and returns it to the pool, unless it fired: a
// fire under way may not have read its scope yet, so that guard is never
// armed again (its scope has ended, so the late fire does nothing).
func (g *guard) disarm() {
	if g.t.Stop() {
		g.s.Store(nil)
		guards.Put(g)
	}
}
