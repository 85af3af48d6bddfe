package metrics

import (
	"time"

	"github.com/lambdaobs/lambdaobs/internal/hook"
)

func init() {
	hook.MetricsLookupEnv = func(lookup func(string) (string, bool)) any { return withLookupEnv(lookup) }
	hook.MetricsClock = func(now func() time.Time) any { return withClock(now) }
}
