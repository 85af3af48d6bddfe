package view

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

// sample is one value of a metric at a time.
type sample struct {
	t time.Time
	v float64
}

// line is one line of a metric widget: a series, or one metric a SEARCH
// expression found.
type line struct {
	label   string
	stat    string
	samples []sample
	points  []point // the samples aggregated per period
}

type point struct {
	t time.Time // start of the period
	v float64
}

// resolver finds the samples of a series in a capture, as CloudWatch would
// have received them.
type resolver struct {
	c      board.Capture
	single bool      // the dashboard draws one function
	origin time.Time // the time given to samples whose time is unknown
}

func newResolver(c board.Capture, d *board.Dashboard) *resolver {
	r := &resolver{c: c, single: d != nil && len(d.Functions) == 1}
	for _, t := range r.times() {
		if !t.IsZero() && (r.origin.IsZero() || t.Before(r.origin)) {
			r.origin = t
		}
	}
	if r.origin.IsZero() {
		r.origin = time.Unix(0, 0).UTC()
	}
	return r
}

func (r *resolver) times() []time.Time {
	var ts []time.Time
	for _, d := range r.c.Documents {
		ts = append(ts, d.Time)
	}
	for _, l := range r.c.Logs {
		ts = append(ts, l.Time)
	}
	for _, inv := range r.c.Invocations {
		ts = append(ts, inv.Time)
	}
	return ts
}

func (r *resolver) at(t time.Time) time.Time {
	if t.IsZero() {
		return r.origin
	}
	return t
}

// lines returns the lines of series s of widget w.
func (r *resolver) lines(w *board.Widget, s board.Series) []*line {
	stat := w.StatOf(s)
	if s.Namespace == names.LambdaNamespace {
		return []*line{{label: s.Label, stat: stat, samples: r.platform(s)}}
	}
	if !s.Search {
		l := &line{label: s.Label, stat: stat}
		for i := range r.c.Documents {
			d := &r.c.Documents[i]
			if r.matchExact(d, s) {
				for _, v := range d.Values(s.Metric) {
					l.samples = append(l.samples, sample{r.at(d.Time), v})
				}
			}
		}
		return []*line{l}
	}
	// A search: one line per dimension set and values.
	byKey := map[string]*line{}
	var order []string
	for i := range r.c.Documents {
		d := &r.c.Documents[i]
		for _, dir := range d.Directives {
			if dir.Namespace != s.Namespace || !dir.Defines(s.Metric) {
				continue
			}
			for _, set := range dir.Dimensions {
				key, label, ok := searchKey(d, set, s)
				if !ok {
					continue
				}
				l := byKey[key]
				if l == nil {
					if s.Label != "" {
						label = strings.TrimSpace(s.Label + " " + label)
					}
					if label == "" {
						label = s.Metric
					}
					l = &line{label: label, stat: stat}
					byKey[key] = l
					order = append(order, key)
				}
				for _, v := range d.Values(s.Metric) {
					l.samples = append(l.samples, sample{r.at(d.Time), v})
				}
			}
		}
	}
	out := make([]*line, len(order))
	for i, k := range order {
		out[i] = byKey[k]
	}
	return out
}

// matchExact reports whether d holds the metric of s with exactly its
// dimensions.
func (r *resolver) matchExact(d *board.Document, s board.Series) bool {
	for _, dir := range d.Directives {
		if dir.Namespace != s.Namespace || !dir.Defines(s.Metric) {
			continue
		}
		for _, set := range dir.Dimensions {
			if len(set) != len(s.Dimensions) {
				continue
			}
			ok := true
			for _, dim := range s.Dimensions {
				if !slices.Contains(set, dim.Name) || d.String(dim.Name) != dim.Value {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// searchKey returns the identity and label of the metric a search finds in
// dimension set set of d, or false when it does not match s.
func searchKey(d *board.Document, set []string, s board.Series) (key, label string, ok bool) {
	if s.Schema != nil {
		if len(set) != len(s.Schema) {
			return "", "", false
		}
		for _, n := range s.Schema {
			if !slices.Contains(set, n) {
				return "", "", false
			}
		}
	}
	for _, dim := range s.Dimensions {
		if !slices.Contains(set, dim.Name) || d.String(dim.Name) != dim.Value {
			return "", "", false
		}
	}
	// The label: the values that tell the lines apart, in the document's
	// order ("DynamoDB PutItem"); the key: every name and value, sorted.
	var k, l strings.Builder
	for _, n := range set {
		if !slices.ContainsFunc(s.Dimensions, func(dim board.Dimension) bool { return dim.Name == n }) {
			if l.Len() > 0 {
				l.WriteByte(' ')
			}
			l.WriteString(d.String(n))
		}
	}
	names := slices.Clone(set)
	sort.Strings(names)
	for _, n := range names {
		k.WriteString(strconv.Quote(n) + "=" + strconv.Quote(d.String(n)) + ";")
	}
	return k.String(), l.String(), true
}

// platform returns the samples of an AWS/Lambda metric: the invocations of
// the series' function, as Lambda would count them.
func (r *resolver) platform(s board.Series) []sample {
	var fn string
	for _, d := range s.Dimensions {
		if d.Name == names.LambdaFunctionName {
			fn = d.Value
		}
	}
	var out []sample
	for _, inv := range r.c.Invocations {
		if inv.Function != fn && (inv.Function != "" || !r.single) {
			continue
		}
		t := r.at(inv.Time)
		switch s.Metric {
		case names.LambdaInvocations:
			out = append(out, sample{t, 1})
		case names.LambdaErrors:
			v := 0.0
			if inv.Failed {
				v = 1
			}
			out = append(out, sample{t, v})
		case names.LambdaThrottles:
			out = append(out, sample{t, 0}) // an invocation that ran was not throttled
		case names.LambdaDuration:
			if inv.Reported {
				out = append(out, sample{t, inv.Duration})
			}
		}
	}
	return out
}

// aggregate computes the points of l: its statistic over each period that
// has values. Points whose value is not finite are left out.
func (l *line) aggregate(period time.Duration) {
	buckets := map[int64][]float64{}
	var keys []int64
	sec := int64(period / time.Second)
	if sec <= 0 {
		sec = 1
	}
	for _, s := range l.samples {
		k := floorDiv(s.t.Unix(), sec)
		if _, ok := buckets[k]; !ok {
			keys = append(keys, k)
		}
		buckets[k] = append(buckets[k], s.v)
	}
	slices.Sort(keys)
	l.points = l.points[:0]
	for _, k := range keys {
		v := statistic(l.stat, buckets[k])
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		l.points = append(l.points, point{time.Unix(k*sec, 0).UTC(), v})
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// statistic computes a CloudWatch statistic (Sum, Average, Minimum,
// Maximum, SampleCount or pNN) of values; percentiles are nearest-rank. It
// returns NaN for no values or an unknown statistic.
func statistic(stat string, values []float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	switch stat {
	case "Sum":
		s := 0.0
		for _, v := range values {
			s += v
		}
		return s
	case "Average":
		return statistic("Sum", values) / float64(len(values))
	case "Minimum":
		return slices.Min(values)
	case "Maximum":
		return slices.Max(values)
	case "SampleCount":
		return float64(len(values))
	}
	if !strings.HasPrefix(stat, "p") {
		return math.NaN()
	}
	p, err := strconv.ParseFloat(stat[1:], 64)
	if err != nil || p < 0 || p > 100 {
		return math.NaN()
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
