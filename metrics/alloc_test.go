package metrics

import (
	"io"
	"testing"
	"time"
)

// benchRecord records the benchmark's document: 5 metrics on 2 dimensions.
func benchRecord(r *Recorder) {
	r.Count("OrdersPlaced", 1)
	r.Add("ChargeLatency", 123.4, Milliseconds)
	r.Add("PayloadSize", 2048, Bytes)
	r.Count("ItemsInCart", 42)
	r.Add("CacheHitRate", 87.5, Percent)
}

func benchRecorder(w io.Writer) *Recorder {
	return New(w, WithNamespace("Shop"), withClock(fixedClock), withLookupEnv(func(string) (string, bool) { return "", false }),
		WithDimensions(Dimension{"service", "orders"}, Dimension{"env", "prod"}))
}

// TestBenchDocument checks the document the allocation tests and benchmarks
// write to io.Discard.
func TestBenchDocument(t *testing.T) {
	w := &docWriter{t: t}
	r := benchRecorder(w)
	benchRecord(r)
	r.SetTimestamp(testTime)
	r.SetProperty("request_id", "7f9c-42")
	r.SetProperty("attempt", 2)
	r.Duration("Latency", 1500*time.Microsecond)
	r.Single("ColdStart", 1, Count, Dimension{"function_name", "fn"})
	_ = r.Close()
	if docs := w.decoded(); len(docs) != 2 || len(docs[0].Metrics) != 6 || len(docs[0].Dimensions[0]) != 2 {
		t.Errorf("documents %+v", docs)
	}
}

func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	r := benchRecorder(io.Discard)
	benchRecord(r)
	_ = r.Flush()
	if n := testing.AllocsPerRun(1000, func() {
		benchRecord(r)
		_ = r.Flush()
	}); n != 0 {
		t.Errorf("record + flush of one document: %v allocs, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { r.Count("OrdersPlaced", 1) }); n != 0 {
		t.Errorf("Add: %v allocs, want 0", n)
	}
	_ = r.Flush()
	r.SetTimestamp(testTime)
	if n := testing.AllocsPerRun(1000, func() {
		r.SetTimestamp(testTime)
		r.SetProperty("request_id", "7f9c-42")
		r.SetProperty("attempt", 2)
		r.Duration("Latency", 1500*time.Microsecond)
		r.Single("ColdStart", 1, Count, Dimension{"function_name", "fn"})
		_ = r.Flush()
	}); n != 0 {
		t.Errorf("properties, duration, single, flush: %v allocs, want 0", n)
	}
}

func TestCloneAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	tmpl := benchRecorder(io.Discard)
	if n := testing.AllocsPerRun(1000, func() { _ = tmpl.Clone() }); n > 2 {
		t.Errorf("Clone: %v allocs, want ≤ 2", n)
	}
	// One invocation: clone, record, close. The state returns to the pool at
	// Close, so only the Recorder itself is allocated.
	cycle := func() {
		r := tmpl.Clone()
		r.SetTimestamp(testTime)
		benchRecord(r)
		_ = r.Close()
	}
	cycle()
	if n := testing.AllocsPerRun(1000, cycle); n > 1 {
		t.Errorf("clone + record + close: %v allocs, want ≤ 1", n)
	}
}

func BenchmarkFlush(b *testing.B) {
	r := benchRecorder(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		benchRecord(r)
		_ = r.Flush()
	}
}

func BenchmarkAdd(b *testing.B) {
	r := benchRecorder(io.Discard)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Count("OrdersPlaced", 1)
		if i%1000 == 999 {
			_ = r.Flush()
		}
	}
}

func BenchmarkInvocation(b *testing.B) {
	tmpl := benchRecorder(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		r := tmpl.Clone()
		r.SetTimestamp(testTime)
		benchRecord(r)
		_ = r.Close()
	}
}
