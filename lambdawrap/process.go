package lambdawrap

import (
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/procstart"
)

// process is the state one Lambda execution environment shares across
// invocations: whether the cold start and the init duration are still to be
// reported, whether the memory limit was considered, and when the process
// started. Besides it, the process shares the set of secrets every output
// redacts and, unless WithoutDefaultLogger, slog's default logger and the
// log package's output, which the wrapper replaces.
type process struct {
	coldTaken  atomic.Bool // the cold start was claimed by an invocation
	initTaken  atomic.Bool // the init duration was reported
	limitTaken atomic.Bool // the memory limit was considered
	ready      atomic.Int64
	start      atomic.Int64  // unix nanoseconds; 0 until estimated
	fixed      time.Duration // for tests: the init duration to report
}

var theProcess process

// markReady records the moment the first wrapper is ready, and estimates
// the process start from /proc once. Later wrappers keep the first values.
func (p *process) markReady(now time.Time) {
	if !p.ready.CompareAndSwap(0, now.UnixNano()) {
		return
	}
	if est, err := procstart.Read(now); err == nil {
		p.start.Store(est.Start.UnixNano())
	}
}

// initDuration returns the init duration the first invocation reports, or
// 0 when the process start is unknown.
//
// For an on-demand init (a cold start) the first invocation arrives the
// moment the runtime asks for it, so the init ends when that invocation
// begins: the figure then includes the runtime client's own start, as
// Lambda's Init Duration does. Other init types (provisioned concurrency,
// SnapStart, managed instances) initialise ahead of any invocation: the
// init ends when the first wrapper was ready, and the runtime client's
// start (about a millisecond) is not included.
func (p *process) initDuration(firstBegin time.Time, cold bool) time.Duration {
	if p.fixed > 0 {
		return p.fixed
	}
	start, end := p.start.Load(), p.ready.Load()
	if cold {
		end = firstBegin.UnixNano()
	}
	if start == 0 || end <= start {
		return 0
	}
	return time.Duration(end - start)
}

// isColdInitType reports whether an initialisation type can produce a cold
// start the caller waits for. Provisioned concurrency and SnapStart
// initialise (or restore) before any request arrives, and Lambda Managed
// Instances keep warm environments: the first invocation of such a process
// does not pay the init, so it is not cold.
func isColdInitType(t string) bool {
	return t == "" || t == "on-demand"
}

func init() {
	hook.FreshProcess = func(initDuration int64) any {
		return optionFunc(func(c *config) {
			p := &process{}
			p.ready.Store(-1) // never estimate from /proc
			if initDuration > 0 {
				p.fixed = time.Duration(initDuration)
			}
			c.proc = p
		})
	}
}
