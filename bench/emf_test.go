package bench

import (
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/prozz/aws-embedded-metrics-golang/emf"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// The document every EMF writer produces: namespace "Shop", one dimension set
// {service, env}, five metrics (three integers, two fractions), to a
// discarding writer, once per iteration as at the end of an invocation.

var emfTime = time.Date(2026, 11, 26, 15, 4, 5, 123e6, time.UTC)

func emfNoEnv(string) (string, bool) { return "", false }

func emfClock() time.Time { return emfTime }

// newEMFRecorder is the lambdaobs recorder of the benchmark and cross-check.
func newEMFRecorder(w io.Writer, opts ...metrics.Option) *metrics.Recorder {
	base := []metrics.Option{
		metrics.WithNamespace("Shop"),
		hook.MetricsClock(emfClock).(metrics.Option),
		hook.MetricsLookupEnv(emfNoEnv).(metrics.Option),
		metrics.WithDimensions(metrics.Dimension{Name: "service", Value: "orders"}, metrics.Dimension{Name: "env", Value: "prod"}),
	}
	return metrics.New(w, append(base, opts...)...)
}

// emfJSONDoc is the same document as a struct for encoding/json: the floor of
// a reflection-based writer that knows its metrics at compile time.
type emfJSONDoc struct {
	AWS struct {
		Timestamp         int64 `json:"Timestamp"`
		CloudWatchMetrics []emfJSONDirective
	} `json:"_aws"`
	Service       string  `json:"service"`
	Env           string  `json:"env"`
	OrdersPlaced  float64 `json:"OrdersPlaced"`
	ChargeLatency float64 `json:"ChargeLatency"`
	PayloadSize   float64 `json:"PayloadSize"`
	ItemsInCart   float64 `json:"ItemsInCart"`
	CacheHitRate  float64 `json:"CacheHitRate"`
}

type emfJSONDirective struct {
	Namespace  string
	Dimensions [][]string
	Metrics    []emfJSONDefinition
}

type emfJSONDefinition struct {
	Name string
	Unit string
}

var emfJSONDirectives = []emfJSONDirective{{
	Namespace:  "Shop",
	Dimensions: [][]string{{"service", "env"}},
	Metrics: []emfJSONDefinition{
		{"OrdersPlaced", "Count"}, {"ChargeLatency", "Milliseconds"}, {"PayloadSize", "Bytes"},
		{"ItemsInCart", "Count"}, {"CacheHitRate", "Percent"},
	},
}}

func BenchmarkEMF(b *testing.B) {
	b.Run("lambdaobs", func(b *testing.B) {
		r := newEMFRecorder(io.Discard)
		b.ReportAllocs()
		for b.Loop() {
			r.Count("OrdersPlaced", 1)
			r.Add("ChargeLatency", 123.4, metrics.Milliseconds)
			r.Add("PayloadSize", 2048, metrics.Bytes)
			r.Count("ItemsInCart", 42)
			r.Add("CacheHitRate", 87.5, metrics.Percent)
			if err := r.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("prozz", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			// prozz has no reset: a Logger is one document.
			emf.New(emf.WithWriter(io.Discard), emf.WithoutDimensions(), emf.WithTimestamp(emfTime)).
				Namespace("Shop").
				DimensionSet(emf.NewDimension("service", "orders"), emf.NewDimension("env", "prod")).
				MetricAs("OrdersPlaced", 1, emf.Count).
				MetricFloatAs("ChargeLatency", 123.4, emf.Milliseconds).
				MetricAs("PayloadSize", 2048, emf.Bytes).
				MetricAs("ItemsInCart", 42, emf.Count).
				MetricFloatAs("CacheHitRate", 87.5, emf.Percent).
				Log()
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		enc := json.NewEncoder(io.Discard)
		b.ReportAllocs()
		for b.Loop() {
			var d emfJSONDoc
			d.AWS.Timestamp = emfTime.UnixMilli()
			d.AWS.CloudWatchMetrics = emfJSONDirectives
			d.Service, d.Env = "orders", "prod"
			d.OrdersPlaced, d.ChargeLatency, d.PayloadSize, d.ItemsInCart, d.CacheHitRate = 1, 123.4, 2048, 42, 87.5
			if err := enc.Encode(&d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
