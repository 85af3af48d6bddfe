package lambdawrap_test

import (
	"context"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
)

func TestUsageMetricsSampleInvocations(t *testing.T) {
	f := lambdaobstest.New(t, func(ctx context.Context, s string) (string, error) { return s, nil },
		lambdaobstest.WithEnv(map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"}), lambdawrap.WithUsageMetrics(2))
	var sampled []int
	for i := range 5 {
		r := f.Invoke("x", lambdaobstest.Request{})
		if len(lambdaobstest.MetricValues(r.Metrics, names.MetricMemoryPeak)) == 1 {
			sampled = append(sampled, i)
			for _, name := range []string{names.MetricCPUTime, names.MetricGCCycles, names.MetricGCPause,
				names.MetricHeapInUse, names.MetricMemoryUsed, names.MetricMemoryUtilization} {
				if got := lambdaobstest.MetricValues(r.Metrics, name); len(got) != 1 {
					t.Errorf("invocation %d: %s = %v", i, name, got)
				}
			}
		}
	}
	if len(sampled) != 3 || sampled[0] != 0 || sampled[1] != 2 || sampled[2] != 4 {
		t.Errorf("sampled invocations %v, want every second from the first", sampled)
	}
}

func TestUsageOfInvocationsRunningAtOnceIsNotAttributed(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	f := lambdaobstest.New(t, func(ctx context.Context, s string) (string, error) {
		started <- struct{}{}
		<-release
		return s, nil
	}, lambdawrap.WithUsageMetrics(1))
	done := make(chan struct{}, 2)
	for _, id := range []string{"a", "b"} {
		go func() { f.Invoke("x", lambdaobstest.Request{RequestID: id}); done <- struct{}{} }()
	}
	<-started
	<-started
	close(release)
	<-done
	<-done
	_, docs, _ := lambdaobstest.Parse(f.Output())
	for _, id := range []string{"a", "b"} {
		var mine []map[string]any
		for _, d := range docs {
			if d[names.PropRequestID] == id {
				mine = append(mine, d)
			}
		}
		if got := lambdaobstest.MetricValues(mine, names.MetricCPUTime); len(got) != 0 {
			t.Errorf("%s: CPUTime of an invocation that shared the process: %v", id, got)
		}
		if got := lambdaobstest.MetricValues(mine, names.MetricMemoryPeak); len(got) != 1 {
			t.Errorf("%s: MemoryPeak = %v", id, got)
		}
	}
}
