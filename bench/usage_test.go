package bench

import (
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/usage"
)

// BenchmarkUsageRead is what the wrapper reads of the process's usage at
// each end of a sampled invocation: CPU time, GC statistics, the heap and
// the memory of the sandbox (its cgroup files, kept open) or the process.
func BenchmarkUsageRead(b *testing.B) {
	r := usage.NewReader("/sys/fs/cgroup")
	defer r.Close()
	var s usage.Snapshot
	b.Run("lambdaobs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.Read(&s)
		}
	})
}
