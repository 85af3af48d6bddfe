package metrics

import (
	"time"

	"github.com/lambdaobs/lambdaobs/internal/hook"
)

func init() {
	hook.MetricsLookupEnv = func(lookup func(string) (string, bool)) any { return withLookupEnv(lookup) }
	hook.MetricsClock = func(now func() time.Time) any { return withClock(now) }
	hook.AddWith = addWith
}

// addWith implements hook.AddWith.
func addWith(rec any, dims [2]hook.Dimension, values [4]hook.Value) {
	r, _ := rec.(*Recorder)
	if r == nil {
		return
	}
	var arr [2]Dimension
	n := 0
	for _, d := range dims {
		if d.Name != "" {
			arr[n] = Dimension(d)
			n++
		}
	}
	m := r.With(arr[:n]...)
	st := m.begin()
	if st == nil {
		// Dropped (a closed recorder): begin counted one value; the others
		// are counted too, as Add counts each.
		named := 0
		for _, v := range values {
			if v.Name != "" {
				named++
			}
		}
		for range named - 1 {
			m.begin()
		}
		return
	}
	for _, v := range values {
		if v.Name != "" {
			st.addMetric(v.Name, v.Value, Unit(v.Unit), resStandard)
		}
	}
	m.mu.Unlock()
}
