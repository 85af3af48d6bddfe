package metrics

import (
	"errors"
	"math"
	"strconv"
	"testing"
	"time"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		opts   []Option
		record func(r *Recorder)
		docs   int
		check  func(t *testing.T, docs []doc, s *errSink)
	}{
		{
			name: "basic",
			opts: []Option{WithNamespace("Shop"), WithService("orders")},
			record: func(r *Recorder) {
				r.Count("OrdersPlaced", 1)
				r.Duration("ChargeLatency", 12500*time.Microsecond)
				r.Add("PayloadSize", 2048, Bytes)
				r.Count("OrdersPlaced", 2)
				r.AddDimension("payment", "card")
				r.SetProperty("request_id", "7f9c-42")
				r.SetProperty("retries", 3)
			},
			docs: 1,
		},
		{
			name: "high_resolution",
			opts: []Option{WithNamespace("Shop"), WithService("orders")},
			record: func(r *Recorder) {
				r.AddHighResolution("QueueDepth", 7, Count)
				r.AddHighResolution("QueueDepth", 9, Count)
				r.Add("Throughput", 1.5, MegabytesPerSecond)
			},
			docs: 1,
			check: func(t *testing.T, docs []doc, _ *errSink) {
				if m := docs[0].Metrics; m[0].StorageResolution != 1 || m[1].StorageResolution != 0 {
					t.Errorf("resolutions %+v", m)
				}
			},
		},
		{
			name: "dimension_sets",
			opts: []Option{WithNamespace("Shop"), WithService("orders")},
			record: func(r *Recorder) {
				r.AddDimensionSet(Dimension{"region", "eu-west-1"}, Dimension{"az", "eu-west-1a"})
				r.AddDimensionSet(Dimension{"region", "eu-west-1"})
				r.AddDimensionSet(Dimension{"az", "eu-west-1a"}, Dimension{"region", "eu-west-1"}) // repeat
				r.AddDimensionSet()                                                                // the aggregate
				r.Count("OrdersPlaced", 1)
			},
			docs: 1,
			check: func(t *testing.T, docs []doc, _ *errSink) {
				if got := len(docs[0].Dimensions); got != 4 {
					t.Errorf("%d dimension sets, want 4: %v", got, docs[0].Dimensions)
				}
			},
		},
		{
			name: "single",
			opts: []Option{WithNamespace("Shop"), WithService("orders")},
			record: func(r *Recorder) {
				r.Count("OrdersPlaced", 1)
				r.SetProperty("request_id", "7f9c-42")
				r.Single("ColdStart", 1, Count, Dimension{"function_name", "orders-fn"}, Dimension{"service", "orders"})
				r.Single("Unscoped", 3, "")
			},
			docs: 3,
			check: func(t *testing.T, docs []doc, _ *errSink) {
				if _, ok := docs[1].Root["request_id"]; ok {
					t.Error("a Single document carries the recorder's properties")
				}
				if len(docs[2].Dimensions) != 1 || len(docs[2].Dimensions[0]) != 0 {
					t.Errorf("dimensions %v, want [[]]", docs[2].Dimensions)
				}
			},
		},
		{
			name: "metrics_150",
			opts: []Option{WithNamespace("Shop"), WithService("orders")},
			record: func(r *Recorder) {
				r.SetProperty("request_id", "7f9c-42")
				for i := range 150 {
					r.Count("M"+strconv.Itoa(i), float64(i))
				}
			},
			docs: 2,
			check: func(t *testing.T, docs []doc, _ *errSink) {
				if len(docs[0].Metrics) != 100 || len(docs[1].Metrics) != 50 {
					t.Errorf("split %d + %d, want 100 + 50", len(docs[0].Metrics), len(docs[1].Metrics))
				}
				for _, d := range docs {
					if d.Root["service"] != "orders" || d.Root["request_id"] != "7f9c-42" {
						t.Errorf("document without dimensions or properties: %v", d.Root)
					}
				}
			},
		},
		{
			name: "values_150",
			opts: []Option{WithNamespace("Shop"), WithService("orders")},
			record: func(r *Recorder) {
				for i := range 150 {
					r.Duration("Latency", time.Duration(i)*time.Millisecond)
				}
				r.Count("Calls", 150)
			},
			docs: 2,
			check: func(t *testing.T, docs []doc, _ *errSink) {
				if a, b := len(docs[0].values("Latency")), len(docs[1].values("Latency")); a != 100 || b != 50 {
					t.Errorf("split %d + %d, want 100 + 50", a, b)
				}
				if len(docs[1].Metrics) != 1 {
					t.Errorf("second document metrics %v, want only Latency", docs[1].Metrics)
				}
			},
		},
		{
			name: "no_dimensions",
			opts: []Option{WithNamespace("Shop")},
			record: func(r *Recorder) {
				r.Count("OrdersPlaced", 1)
			},
			docs: 1,
			check: func(t *testing.T, docs []doc, _ *errSink) {
				if len(docs[0].Dimensions) != 1 || len(docs[0].Dimensions[0]) != 0 {
					t.Errorf("dimensions %v, want [[]]", docs[0].Dimensions)
				}
			},
		},
		{
			name: "rejected",
			opts: []Option{WithNamespace("Shop"), WithService("orders")},
			record: func(r *Recorder) {
				r.Count("Good", 1)
				r.Add("Bad", math.NaN(), Count)
				r.Add("Bad", math.Inf(1), Count)
				r.Add("Bad", math.Inf(-1), Count)
				r.Add("Good", 2, Milliseconds) // unit conflict
				r.Add("Furlongs", 1, "Furlongs")
				r.Add("", 1, Count)
				r.Count("service", 1) // collides with a dimension
				r.AddDimension("region", "")
				r.SetProperty("Good", "shadowed") // collides with a metric
				r.SetProperty("ratio", math.NaN())
				r.Add("Latency", 3.25, Milliseconds)
			},
			docs: 1,
			check: func(t *testing.T, docs []doc, s *errSink) {
				errs := s.all()
				if len(errs) != 1 {
					t.Fatalf("handler called %d times, want once: %v", len(errs), errs)
				}
				var re *RejectedError
				if !errors.As(errs[0], &re) {
					t.Fatalf("error %T, want *RejectedError", errs[0])
				}
				want := []struct {
					kind   Kind
					name   string
					reason string
				}{
					{KindMetric, "Bad", reasonNaN},
					{KindMetric, "Bad", reasonInf},
					{KindMetric, "Good", reasonUnitConflict},
					{KindMetric, "Furlongs", reasonUnit},
					{KindMetric, "", reasonEmptyName},
					{KindMetric, "service", reasonDimCollision},
					{KindDimension, "region", reasonDimValueEmpty},
					{KindProperty, "Good", reasonPropMetric},
					{KindProperty, "ratio", reasonPropValue},
				}
				for _, w := range want {
					if !rejected(re.Items, w.kind, w.name, w.reason) {
						t.Errorf("no rejection %s %q: %s in %v", w.kind, w.name, w.reason, re)
					}
				}
				if len(re.Items) != len(want) {
					t.Errorf("%d rejections, want %d: %v", len(re.Items), len(want), re)
				}
				const msg = `metrics: dropped 10 items: metric "Bad": value is NaN; metric "Bad": value is infinite (×2); ` +
					`metric "Good": unit differs from the unit this metric was first recorded with; metric "Furlongs": unit is not a CloudWatch unit; ` +
					`metric "": name is empty; dimension "region": value is empty; property "ratio": value is NaN or infinite; ` +
					`metric "service": name is also a dimension; property "Good": key is also a metric name`
				if re.Error() != msg {
					t.Errorf("message\n got %s\nwant %s", re.Error(), msg)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w, s := newTest(t, tt.opts...)
			tt.record(r)
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			docs := w.decoded()
			if len(docs) != tt.docs {
				t.Fatalf("%d documents, want %d", len(docs), tt.docs)
			}
			if tt.check != nil {
				tt.check(t, docs, s)
			} else if errs := s.all(); len(errs) > 0 {
				t.Errorf("unexpected report: %v", errs)
			}
			golden(t, tt.name, w.bytes())
		})
	}
}
