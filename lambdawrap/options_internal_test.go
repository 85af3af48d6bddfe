package lambdawrap

import (
	"context"
	"strings"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// TestTheWrappersServiceWinsForMetrics: a service passed to the recorders
// through WithMetricsOptions does not split the metrics from the log lines.
func TestTheWrappersServiceWinsForMetrics(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"WithService", []Option{WithService("orders"), WithMetricsOptions(metrics.WithService("other"))}, "orders"},
		{"the default", []Option{WithMetricsOptions(metrics.WithService("other"))}, names.DefaultService},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := &syncBuffer{}
			w := testWrapper(t, nil, out, tc.opts...)
			ctx, s := w.begin(context.Background())
			metrics.FromContext(ctx).Count("Orders", 1)
			w.self.InfoContext(ctx, "line")
			s.end(outcome{})
			seen := 0
			for _, o := range out.objects(t) {
				if o["service"] != tc.want {
					t.Errorf("service %v, want %q: %v", o["service"], tc.want, o)
				}
				seen++
			}
			if seen < 2 {
				t.Errorf("%d objects written", seen)
			}
		})
	}
}

// TestABadUsageSettingNamesWhatIsInEffect: the warning about an invalid
// LAMBDAOBS_USAGE_METRICS says what the wrapper does instead.
func TestABadUsageSettingNamesWhatIsInEffect(t *testing.T) {
	for _, tc := range []struct {
		name, runtimeAPI, want string
		every                  int
	}{
		{"in Lambda", "127.0.0.1:9001", "one invocation in 10 is sampled", 10},
		{"outside Lambda", "", "usage metrics are off", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{names.EnvLambdaobsUsageMetrics: "often", names.EnvAWSLambdaRuntimeAPI: tc.runtimeAPI}
			c := newConfig([]Option{WithLookupEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok && v != "" })})
			if c.usageEvery != tc.every {
				t.Errorf("usageEvery = %d, want %d", c.usageEvery, tc.every)
			}
			if len(c.warnings) != 1 || !strings.HasSuffix(c.warnings[0], tc.want) {
				t.Errorf("warnings %q, want one ending %q", c.warnings, tc.want)
			}
		})
	}
}
