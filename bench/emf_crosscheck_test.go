package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/prozz/aws-embedded-metrics-golang/emf"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// emfMetric is one value to record in both libraries.
type emfMetric struct {
	name  string
	value float64
	unit  metrics.Unit
}

// emfView is what CloudWatch extracts from a set of documents: per metric its
// namespace, dimension sets with their values, unit and values. Documents are
// merged, so a split into several documents compares equal to one document.
type emfView map[string]emfViewMetric

type emfViewMetric struct {
	Namespace  string
	Dimensions []map[string]string
	Unit       string
	Values     []float64
}

var emfSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open("../metrics/testdata/emf-schema.json")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7) // AWS's schema is draft-07
	const url = "https://lambdaobs.test/emf-schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

// validateEMF checks every document in out against AWS's EMF schema.
func validateEMF(t *testing.T, out []byte) {
	t.Helper()
	sch, err := emfSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
		if err == nil {
			err = sch.Validate(inst)
		}
		if err != nil {
			t.Errorf("schema: %v\n%.300s", err, line)
		}
	}
}

// decodeEMF decodes newline-separated documents into an emfView.
func decodeEMF(t *testing.T, out []byte) emfView {
	t.Helper()
	view := emfView{}
	for _, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
		var root map[string]json.RawMessage
		if err := json.Unmarshal(line, &root); err != nil {
			t.Fatalf("invalid document %s: %v", line, err)
		}
		var aws struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		}
		if err := json.Unmarshal(root["_aws"], &aws); err != nil {
			t.Fatalf("_aws: %v", err)
		}
		for _, dir := range aws.CloudWatchMetrics {
			var dims []map[string]string
			for _, set := range dir.Dimensions {
				m := map[string]string{}
				for _, k := range set {
					var v string
					if err := json.Unmarshal(root[k], &v); err != nil {
						t.Fatalf("dimension %q: %s", k, root[k])
					}
					m[k] = v
				}
				dims = append(dims, m)
			}
			for _, def := range dir.Metrics {
				var vals []float64
				if err := json.Unmarshal(root[def.Name], &vals); err != nil {
					var v float64
					if err := json.Unmarshal(root[def.Name], &v); err != nil {
						t.Fatalf("metric %q: %s", def.Name, root[def.Name])
					}
					vals = []float64{v}
				}
				m := view[def.Name]
				m.Namespace, m.Dimensions, m.Unit = dir.Namespace, dims, def.Unit
				m.Values = append(m.Values, vals...)
				sort.Float64s(m.Values)
				view[def.Name] = m
			}
		}
	}
	return view
}

func TestEMFCrossCheck(t *testing.T) {
	many := make([]emfMetric, 150)
	for i := range many {
		many[i] = emfMetric{"M" + strconv.Itoa(i), float64(i) * 1.25, metrics.Count}
	}
	all := []metrics.Unit{
		metrics.Seconds, metrics.Microseconds, metrics.Milliseconds,
		metrics.Bytes, metrics.Kilobytes, metrics.Megabytes, metrics.Gigabytes, metrics.Terabytes,
		metrics.Bits, metrics.Kilobits, metrics.Megabits, metrics.Gigabits, metrics.Terabits,
		metrics.Percent, metrics.Count,
		metrics.BytesPerSecond, metrics.KilobytesPerSecond, metrics.MegabytesPerSecond, metrics.GigabytesPerSecond, metrics.TerabytesPerSecond,
		metrics.BitsPerSecond, metrics.KilobitsPerSecond, metrics.MegabitsPerSecond, metrics.GigabitsPerSecond, metrics.TerabitsPerSecond,
		metrics.CountPerSecond, metrics.None,
	}
	units := make([]emfMetric, 0, len(all))
	for i, u := range all {
		units = append(units, emfMetric{"In" + string(u), float64(i), u})
	}
	tests := []struct {
		name    string
		metrics []emfMetric
		sets    [][]metrics.Dimension // extra dimension sets
	}{
		{name: "benchmark document", metrics: []emfMetric{
			{"OrdersPlaced", 1, metrics.Count}, {"ChargeLatency", 123.4, metrics.Milliseconds},
			{"PayloadSize", 2048, metrics.Bytes}, {"ItemsInCart", 42, metrics.Count}, {"CacheHitRate", 87.5, metrics.Percent},
		}},
		{name: "every unit", metrics: units},
		{name: "awkward values", metrics: []emfMetric{
			{"Tiny", 1e-9, metrics.Seconds}, {"Huge", 1.5e300, metrics.Bytes}, {"Negative", -0.001, metrics.None},
			{"Third", 1.0 / 3, metrics.Percent}, {"Zero", 0, metrics.Count}, {"MaxInt", math.MaxInt64, metrics.Count},
			{"Fraction", 0.1 + 0.2, metrics.Seconds}, {"Big", 1e21, metrics.Bits},
		}},
		{name: "two dimension sets", metrics: []emfMetric{{"Calls", 3, metrics.Count}},
			sets: [][]metrics.Dimension{{{Name: "region", Value: "eu-west-1"}, {Name: "az", Value: "eu-west-1a"}}}},
		{name: "150 metrics split by lambdaobs", metrics: many},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ours bytes.Buffer
			r := newEMFRecorder(&ours, metrics.WithErrorHandler(func(err error) { t.Errorf("lambdaobs reported: %v", err) }))
			for _, set := range tt.sets {
				r.AddDimensionSet(set...)
			}
			for _, m := range tt.metrics {
				r.Add(m.name, m.value, m.unit)
			}
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}

			var theirs bytes.Buffer
			l := emf.New(emf.WithWriter(&theirs), emf.WithoutDimensions(), emf.WithTimestamp(emfTime)).
				Namespace("Shop").
				DimensionSet(emf.NewDimension("service", "orders"), emf.NewDimension("env", "prod"))
			for _, set := range tt.sets {
				ds := make([]emf.Dimension, len(set))
				for i, d := range set {
					ds[i] = emf.NewDimension(d.Name, d.Value)
				}
				l.DimensionSet(ds...)
			}
			for _, m := range tt.metrics {
				l.MetricFloatAs(m.name, m.value, emf.MetricUnit(m.unit))
			}
			l.Log()

			validateEMF(t, ours.Bytes())
			got, want := decodeEMF(t, ours.Bytes()), decodeEMF(t, theirs.Bytes())
			if len(got) != len(tt.metrics) {
				t.Errorf("lambdaobs wrote %d metrics, want %d", len(got), len(tt.metrics))
			}
			if !reflect.DeepEqual(got, want) {
				for name := range want {
					if !reflect.DeepEqual(got[name], want[name]) {
						t.Errorf("metric %q:\nlambdaobs %+v\n    prozz %+v", name, got[name], want[name])
					}
				}
				t.Fatalf("views differ (%d vs %d metrics)", len(got), len(want))
			}
			if n := bytes.Count(ours.Bytes(), []byte("\n")); n != (len(tt.metrics)+99)/100 {
				t.Errorf("lambdaobs wrote %d documents for %d metrics", n, len(tt.metrics))
			}
		})
	}
}

// TestEMFCrossCheckPrecision records values whose shortest decimal forms are
// awkward in both libraries and checks they decode to the same float64 bits.
func TestEMFCrossCheckPrecision(t *testing.T) {
	vals := []float64{0.1, 0.7, 1.005, 2.675, 123.456, 999999.999, 1e-6, 123456789.123, 4503599627370497, -42.042}
	var ms []emfMetric
	for i, v := range vals {
		ms = append(ms, emfMetric{fmt.Sprintf("V%d", i), v, metrics.None})
	}
	var ours, theirs bytes.Buffer
	r := newEMFRecorder(&ours)
	l := emf.New(emf.WithWriter(&theirs), emf.WithoutDimensions(), emf.WithTimestamp(emfTime)).Namespace("Shop").
		DimensionSet(emf.NewDimension("service", "orders"), emf.NewDimension("env", "prod"))
	for _, m := range ms {
		r.Add(m.name, m.value, m.unit)
		l.MetricFloatAs(m.name, m.value, emf.MetricUnit(m.unit))
	}
	_ = r.Flush()
	l.Log()
	validateEMF(t, ours.Bytes())
	got, want := decodeEMF(t, ours.Bytes()), decodeEMF(t, theirs.Bytes())
	for i, v := range vals {
		name := fmt.Sprintf("V%d", i)
		if g := got[name].Values; len(g) != 1 || math.Float64bits(g[0]) != math.Float64bits(v) || !reflect.DeepEqual(got[name], want[name]) {
			t.Errorf("%s = %v: lambdaobs %v, prozz %v", name, v, got[name].Values, want[name].Values)
		}
	}
}

// TestEMFWhereProzzDiffers pins the cases the cross-check leaves out because
// prozz writes documents CloudWatch does not accept: no dimensions
// ("Dimensions": null, against the schema's minItems 1) and a metric recorded
// twice (two definitions of one name, the first value lost).
func TestEMFWhereProzzDiffers(t *testing.T) {
	sch, err := emfSchema()
	if err != nil {
		t.Fatal(err)
	}
	valid := func(out []byte) bool {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bytes.TrimSuffix(out, []byte("\n"))))
		return err == nil && sch.Validate(inst) == nil
	}

	var ours, theirs bytes.Buffer
	r := metrics.New(&ours, metrics.WithNamespace("Shop"), hook.MetricsClock(emfClock).(metrics.Option), hook.MetricsLookupEnv(emfNoEnv).(metrics.Option))
	r.Count("Calls", 1)
	_ = r.Flush()
	emf.New(emf.WithWriter(&theirs), emf.WithoutDimensions(), emf.WithTimestamp(emfTime)).Namespace("Shop").
		MetricAs("Calls", 1, emf.Count).Log()
	if !valid(ours.Bytes()) || valid(theirs.Bytes()) {
		t.Errorf("no dimensions: lambdaobs valid %v (%s), prozz valid %v (%s)",
			valid(ours.Bytes()), ours.Bytes(), valid(theirs.Bytes()), theirs.Bytes())
	}

	ours.Reset()
	theirs.Reset()
	r.Count("Calls", 1)
	r.Count("Calls", 2)
	_ = r.Flush()
	emf.New(emf.WithWriter(&theirs), emf.WithoutDimensions(), emf.WithTimestamp(emfTime)).Namespace("Shop").
		DimensionSet(emf.NewDimension("service", "orders")).
		MetricAs("Calls", 1, emf.Count).MetricAs("Calls", 2, emf.Count).Log()
	if got := decodeEMF(t, ours.Bytes())["Calls"].Values; !reflect.DeepEqual(got, []float64{1, 2}) {
		t.Errorf("lambdaobs Calls = %v, want [1 2]", got)
	}
	if n := bytes.Count(theirs.Bytes(), []byte(`"Name":"Calls"`)); n != 2 {
		t.Errorf("prozz defined Calls %d times; the difference this test pins is gone", n)
	}
}
