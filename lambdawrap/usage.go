package lambdawrap

import (
	"math"
	"runtime/debug"
	"sync/atomic"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/usage"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// defaultUsageSample is how many invocations share one set of usage
// metrics in Lambda unless WithUsageMetrics or LAMBDAOBS_USAGE_METRICS says
// otherwise (outside Lambda, where AWS_LAMBDA_RUNTIME_API is not set, they
// are off): they add about 550 bytes to the sampled invocation's log
// output (the lifecycle document, written for it if nothing else was).
const defaultUsageSample = 10

// WithUsageMetrics records what invocations used (CPUTime, GCCycles,
// GCPause, HeapInUse, MemoryUsed, MemoryPeak, MemoryUtilization) on one
// invocation in every (1: all of them; 0: none). It wins over
// LAMBDAOBS_USAGE_METRICS. In Lambda the default is one in 10; outside
// Lambda (AWS_LAMBDA_RUNTIME_API unset) it is none. Each sampled
// invocation costs two reads of about a microsecond and no allocation.
func WithUsageMetrics(every int) Option {
	return optionFunc(func(c *config) { c.usageEvery, c.usageSet = max(every, 0), true })
}

// usageMeter samples invocations and reads their usage.
type usageMeter struct {
	every  int64
	n      atomic.Int64 // invocations begun
	reader *usage.Reader
	memory float64 // the function's memory size, in MB, 0 when unknown
}

func newUsageMeter(every int, memoryMB int) *usageMeter {
	if every <= 0 {
		return nil
	}
	return &usageMeter{every: int64(every), reader: usage.NewReader("/sys/fs/cgroup"), memory: float64(memoryMB)}
}

// begin reports whether the invocation is sampled, and reads its start.
func (u *usageMeter) begin(at *usage.Snapshot) bool {
	if u == nil || (u.n.Add(1)-1)%u.every != 0 {
		return false
	}
	u.reader.Read(at)
	return true
}

// record writes the invocation's usage since start on life. shared says
// another invocation ran beside it: the process's counters are then not
// its own, and only the gauges are written.
func (u *usageMeter) record(life *metrics.Recorder, start *usage.Snapshot, shared bool) {
	var end usage.Snapshot
	u.reader.Read(&end)
	if !shared {
		life.Duration(names.MetricCPUTime, end.CPU-start.CPU)
		life.Count(names.MetricGCCycles, float64(end.GCCycles-start.GCCycles))
		life.Duration(names.MetricGCPause, end.GCPause-start.GCPause)
	}
	life.Add(names.MetricHeapInUse, mb(end.HeapInUse), metrics.Megabytes)
	life.Add(names.MetricMemoryUsed, mb(end.MemoryCurrent), metrics.Megabytes)
	life.Add(names.MetricMemoryPeak, mb(end.MemoryPeak), metrics.Megabytes)
	if u.memory > 0 {
		life.Add(names.MetricMemoryUtilization, min(100, 100*mb(end.MemoryPeak)/u.memory), metrics.Percent)
	}
}

func mb(b uint64) float64 {
	return float64(b*1000/(1<<20)) / 1000 // three decimals
}

// memoryLimitShare is the share of the function's memory
// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE) the wrapper gives the Go runtime as its
// soft memory limit (debug.SetMemoryLimit) when GOMEMLIMIT is not set: the
// garbage collector then works harder as the heap nears it instead of the
// sandbox being killed out of memory, and the rest stays for what is not
// the Go heap's (stacks, the runtime, extensions).
const memoryLimitShare = 0.8

// WithoutMemoryLimit leaves the Go runtime's memory limit alone. Without
// it, when GOMEMLIMIT is not set, the wrapper sets the limit to 80 % of the
// function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE).
func WithoutMemoryLimit() Option {
	return optionFunc(func(c *config) { c.memoryLimit = false })
}

// setMemoryLimit sets the runtime's memory limit from the function's
// memory, once per process, unless GOMEMLIMIT or code already set one.
func (p *process) setMemoryLimit(memoryMB int, gomemlimit string) {
	if memoryMB <= 0 || gomemlimit != "" || !p.limitTaken.CompareAndSwap(false, true) {
		return
	}
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return // set by the program itself
	}
	debug.SetMemoryLimit(int64(float64(int64(memoryMB)<<20) * memoryLimitShare))
}
