package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/hook"
)

// TestWithGrandchildren checks that recorders made by With on a recorder made
// by With are written with the root's flush, exactly once, with the
// dimensions of every With on the way and the properties of every recorder
// above them.
func TestWithGrandchildren(t *testing.T) {
	tenant := Dimension{"tenant", "t-1"}
	op := Dimension{"aws_operation", "PutItem"}
	tests := []struct {
		name     string
		record   func(r *Recorder)
		wantDocs int
		wantDims string
		wantVals map[string]int // metric: values written
		wantRoot map[string]any // top-level members of the last document
	}{
		{
			name: "grandchild",
			record: func(r *Recorder) {
				r.With(tenant).With(op).Count("Calls", 1)
			},
			wantDocs: 1,
			wantDims: "[[service tenant aws_operation]]",
			wantVals: map[string]int{"Calls": 1},
			wantRoot: map[string]any{"tenant": "t-1", "aws_operation": "PutItem", "function_request_id": "r-1"},
		},
		{
			name: "grandchild and child record",
			record: func(r *Recorder) {
				c := r.With(tenant)
				c.SetProperty("order_id", "o-1")
				c.Count("Orders", 1)
				c.With(op).Count("Calls", 2)
				c.With(op).Count("Calls", 3)
			},
			wantDocs: 2,
			wantDims: "[[service tenant aws_operation]]",
			wantVals: map[string]int{"Orders": 1, "Calls": 2},
			wantRoot: map[string]any{"order_id": "o-1", "function_request_id": "r-1"},
		},
		{
			name: "property of the child only",
			record: func(r *Recorder) {
				c := r.With(tenant)
				c.SetProperty("order_id", "o-2")
				c.With(op).Count("Calls", 1)
			},
			wantDocs: 1,
			wantDims: "[[service tenant aws_operation]]",
			wantVals: map[string]int{"Calls": 1},
			wantRoot: map[string]any{"order_id": "o-2", "function_request_id": "r-1"},
		},
		{
			name: "same dimensions by two paths share a document",
			record: func(r *Recorder) {
				r.With(tenant).With(op).Count("Calls", 1)
				r.With(tenant, op).Count("Calls", 2)
			},
			wantDocs: 1,
			wantDims: "[[service tenant aws_operation]]",
			wantVals: map[string]int{"Calls": 2},
		},
		{
			name: "a later value replaces an earlier one",
			record: func(r *Recorder) {
				r.With(tenant).With(Dimension{"tenant", "t-2"}).Count("Calls", 1)
				r.With(Dimension{"tenant", "t-2"}).Count("Calls", 2)
			},
			wantDocs: 1,
			wantDims: "[[service tenant]]",
			wantVals: map[string]int{"Calls": 2},
			wantRoot: map[string]any{"tenant": "t-2"},
		},
		{
			name: "great-grandchild",
			record: func(r *Recorder) {
				r.With(tenant).With(op).With(Dimension{"table", "orders"}).Count("Calls", 1)
			},
			wantDocs: 1,
			wantDims: "[[service tenant aws_operation table]]",
			wantVals: map[string]int{"Calls": 1},
			wantRoot: map[string]any{"table": "orders", "function_request_id": "r-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, w, s := newTest(t, WithNamespace("Shop"), WithService("orders"))
			r := tmpl.Clone()
			r.SetProperty("function_request_id", "r-1")
			tt.record(r)
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if errs := s.all(); len(errs) > 0 {
				t.Errorf("reported: %v", errs)
			}
			docs := w.decoded()
			if len(docs) != tt.wantDocs {
				t.Fatalf("%d documents, want %d: %s", len(docs), tt.wantDocs, w.bytes())
			}
			last := docs[len(docs)-1]
			if got := fmt.Sprint(last.Dimensions); got != tt.wantDims {
				t.Errorf("dimensions %s, want %s", got, tt.wantDims)
			}
			got := allValues(docs)
			for m, n := range tt.wantVals {
				if len(got[m]) != n {
					t.Errorf("%s: %d values, want %d: %s", m, len(got[m]), n, w.bytes())
				}
			}
			for k, v := range tt.wantRoot {
				if last.Root[k] != v {
					t.Errorf("%s = %v, want %v", k, last.Root[k], v)
				}
			}
		})
	}
}

// TestWithChildOfChild checks what With returns on a recorder made by With.
func TestWithChildOfChild(t *testing.T) {
	r, _, _ := newTest(t)
	c := r.With(Dimension{"a", "1"})
	if c.With() != c {
		t.Error("With() on a child returned another recorder")
	}
	g := c.With(Dimension{"b", "2"})
	if g == c || c.With(Dimension{"b", "2"}) != g || r.With(Dimension{"a", "1"}, Dimension{"b", "2"}) != g {
		t.Error("the same dimensions gave another recorder")
	}
	_ = r.Close()
	g.Count("Late", 1)
	if g.late.Load() != 1 {
		t.Error("a grandchild of a closed recorder took a value")
	}
}

// TestWithCloseConcurrentSafe records through recorders made by With while
// the invocation's recorder is closed: every value is either written or
// counted late, never lost.
func TestWithCloseConcurrentSafe(t *testing.T) {
	const rounds, goroutines, perG = 50, 4, 100
	var late atomic.Int64
	w := &valueCounter{metric: "V"}
	tmpl := New(w, WithNamespace("Shop"), withLookupEnv(env.Map(nil)), hook.CountLateMetrics(&late).(Option))
	for round := range rounds {
		r := tmpl.Clone()
		var wg sync.WaitGroup
		var calls atomic.Int64
		start := make(chan struct{})
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := range perG {
					calls.Add(1)
					d := Dimension{"k", strconv.Itoa(round) + "-" + strconv.Itoa(i)}
					if g%2 == 0 {
						r.With(d).Count("V", 1)
					} else {
						r.With(Dimension{"g", "x"}).With(d).Count("V", 1)
					}
				}
			}()
		}
		close(start)
		for calls.Load() < goroutines*perG/2 { // close while new dimensions keep coming
			runtime.Gosched()
		}
		_ = r.Close()
		wg.Wait()
	}
	written := int(w.n.Load())
	if total := rounds * goroutines * perG; written+int(late.Load()) != total {
		t.Errorf("%d values written, %d late, want %d in all", written, late.Load(), total)
	}
}

// valueCounter counts the values of one metric in the documents written to
// it (decoding only the value: many documents, no schema).
type valueCounter struct {
	metric string
	n      atomic.Int64
}

func (w *valueCounter) Write(p []byte) (int, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(p, &doc); err != nil {
		return 0, err
	}
	if v, ok := doc[w.metric]; ok {
		var vals []float64
		if err := json.Unmarshal(v, &vals); err != nil {
			vals = []float64{0}
		}
		w.n.Add(int64(len(vals)))
	}
	return len(p), nil
}

// TestWithAllocs pins the per-call path of the AWS SDK's metrics: With of
// dimensions that already have a recorder, then four values on it.
func TestWithAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	r := benchRecorder(io.Discard).Clone()
	service, operation := "DynamoDB", strings.Repeat("PutItem", 2)
	dims := [2]Dimension{{"aws_service", service}, {"aws_operation", operation}}
	r.With(dims[:]...).Count("Calls", 1)
	r.With(Dimension{"tenant", "t-1"}).With(dims[:]...).Count("Calls", 1)
	tests := []struct {
		name string
		f    func()
	}{
		{"With of an existing child", func() { _ = r.With(dims[:]...) }},
		{"With of an existing grandchild", func() { _ = r.With(Dimension{"tenant", "t-1"}).With(dims[:]...) }},
		{"Add", func() { r.With(dims[:]...).Add("Latency", 1.5, Milliseconds) }},
		{"Count", func() { r.With(dims[:]...).Count("Calls", 1) }},
		{"SDK call", func() {
			m := r.With(dims[:]...)
			m.Add("AWSCallLatency", 12.5, Milliseconds)
			m.Count("AWSCallAttempts", 1)
			m.Count("AWSCallErrors", 0)
			m.Count("AWSThrottles", 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f()
			_ = r.Flush()
			tt.f()
			if n := testing.AllocsPerRun(1000, tt.f); n != 0 {
				t.Errorf("%v allocs, want 0", n)
			}
		})
	}
}

// TestContextWithRecorderFirstScope checks that a recorder redacts with the
// scope of the first context it is attached to: it belongs to one
// invocation.
func TestContextWithRecorderFirstScope(t *testing.T) {
	first, sc1 := invocationContext()
	second, sc2 := invocationContext()
	sc1.Values.Add("first-scope-secret")
	sc2.Values.Add("second-scope-secret")
	tmpl, w, _ := newTest(t)
	r := tmpl.Clone()
	ContextWithRecorder(first, r)
	ContextWithRecorder(second, r)
	ContextWithRecorder(context.Background(), r)
	r.SetProperty("a", "first-scope-secret")
	r.SetProperty("b", "second-scope-secret")
	r.Count("C", 1)
	_ = r.Close()
	out := string(w.bytes())
	if strings.Contains(out, "first-scope-secret") || !strings.Contains(out, "second-scope-secret") {
		t.Errorf("want the first scope's redaction only:\n%s", out)
	}
}

type panickingError struct{}

func (panickingError) Error() string { panic("error text panic") }

type nilPointerError struct{ msg string }

func (e *nilPointerError) Error() string { return e.msg }

// TestPropertyErrorText checks that an error property is read as every
// package reads an error (internal/errinfo), an Error method that panics
// included.
func TestPropertyErrorText(t *testing.T) {
	tests := []struct {
		name  string
		value error
		want  string
	}{
		{"error", fmt.Errorf("wrapped: %w", io.EOF), `"wrapped: EOF"`},
		{"panicking Error", panickingError{}, `"!PANIC: metrics.panickingError: Error method panicked: error text panic"`},
		{"nil pointer", (*nilPointerError)(nil), `"!PANIC: *metrics.nilPointerError: Error method panicked: runtime error: invalid memory address or nil pointer dereference"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w, _ := newTest(t)
			r.SetProperty("err", tt.value)
			r.Count("C", 1)
			_ = r.Flush()
			if out := string(w.bytes()); !strings.Contains(out, `"err":`+tt.want) {
				t.Errorf("want %s in %s", tt.want, out)
			}
		})
	}
}

// BenchmarkWithSDKCall is the metrics of one AWS SDK call: With of the
// operation's dimensions, which have a recorder already, then four values.
func BenchmarkWithSDKCall(b *testing.B) {
	r := benchRecorder(io.Discard).Clone()
	dims := [2]Dimension{{"aws_service", "DynamoDB"}, {"aws_operation", "PutItem"}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m := r.With(dims[:]...)
		m.Add("AWSCallLatency", 12.5, Milliseconds)
		m.Count("AWSCallAttempts", 1)
		m.Count("AWSCallErrors", 0)
		m.Count("AWSThrottles", 0)
		if i%1000 == 999 {
			_ = r.Flush()
		}
	}
}

// TestWithReportsOnce checks that what the recorders made by With dropped
// reaches the error handler in the one report of the flush: one
// *RejectedError naming every item, ErrNoMetrics only when no recorder
// wrote anything.
func TestWithReportsOnce(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		record    func(r *Recorder)
		wantItems map[string]int // metric: values dropped
		wantEmpty bool
	}{
		{
			name: "rejections of root, child and grandchild",
			record: func(r *Recorder) {
				r.Add("A", nan, Count)
				c := r.With(Dimension{"d", "1"})
				c.Add("A", nan, Count)
				c.With(Dimension{"e", "2"}).Add("B", nan, Count)
				c.Count("OK", 1)
			},
			wantItems: map[string]int{"A": 2, "B": 1},
		},
		{
			name: "only a child wrote",
			record: func(r *Recorder) {
				r.With(Dimension{"d", "1"}).Count("OK", 1)
				r.With()
			},
		},
		{
			name: "nothing written",
			record: func(r *Recorder) {
				r.With(Dimension{"d", "1"})
				r.With()
			},
			wantEmpty: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, _, s := newTest(t, WithWarnOnEmpty())
			r := tmpl.Clone()
			tt.record(r)
			_ = r.Close()
			errs := s.all()
			if len(errs) > 1 {
				t.Fatalf("%d reports, want at most one: %v", len(errs), errs)
			}
			var err error
			if len(errs) == 1 {
				err = errs[0]
			}
			if got := errors.Is(err, ErrNoMetrics); got != tt.wantEmpty {
				t.Errorf("ErrNoMetrics %v, want %v: %v", got, tt.wantEmpty, err)
			}
			if err != nil && strings.Count(err.Error(), ErrNoMetrics.Error()) > 1 {
				t.Errorf("ErrNoMetrics more than once: %v", err)
			}
			var re *RejectedError
			errors.As(err, &re)
			got := map[string]int{}
			if re != nil {
				for _, it := range re.Items {
					got[it.Name] += it.Count
				}
				if len(got) != len(re.Items) {
					t.Errorf("an item named twice: %v", re.Items)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantItems) && (len(got) > 0 || len(tt.wantItems) > 0) {
				t.Errorf("rejected %v, want %v (%v)", got, tt.wantItems, err)
			}
		})
	}
}

// BenchmarkAddWithSDKCall is BenchmarkWithSDKCall through hook.AddWith, as
// the AWS SDK middleware records a call: one lookup, one lock.
func BenchmarkAddWithSDKCall(b *testing.B) {
	r := benchRecorder(io.Discard).Clone()
	dims := [2]hook.Dimension{{Name: "aws_service", Value: "DynamoDB"}, {Name: "aws_operation", Value: "PutItem"}}
	values := [4]hook.Value{{Name: "AWSCallLatency", Value: 12.5, Unit: string(Milliseconds)}, {Name: "AWSCallAttempts", Value: 1, Unit: string(Count)}, {Name: "AWSCallErrors", Value: 0, Unit: string(Count)}, {Name: "AWSThrottles", Value: 0, Unit: string(Count)}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		hook.AddWith(r, dims, values)
		if i%1000 == 999 {
			_ = r.Flush()
		}
	}
}

// TestAddWith checks hook.AddWith against what With and Add record: the
// same document, and after Close every value counted as dropped.
func TestAddWith(t *testing.T) {
	dims := [2]hook.Dimension{{Name: "aws_service", Value: "DynamoDB"}, {Name: "aws_operation", Value: "GetItem"}}
	values := [4]hook.Value{{Name: "AWSCallLatency", Value: 12.5, Unit: string(Milliseconds)}, {Name: "AWSCallAttempts", Value: 2, Unit: string(Count)}, {Name: "AWSCallErrors", Value: 0, Unit: string(Count)}}

	var late atomic.Int64
	r, w, _ := newTest(t, hook.CountLateMetrics(&late).(Option))
	hook.AddWith(r, dims, values)
	hook.AddWith(r, dims, values)
	want, ww, _ := newTest(t)
	m := want.With(Dimension{"aws_service", "DynamoDB"}, Dimension{"aws_operation", "GetItem"})
	for range 2 {
		m.Add("AWSCallLatency", 12.5, Milliseconds)
		m.Count("AWSCallAttempts", 2)
		m.Count("AWSCallErrors", 0)
	}
	_ = r.Flush()
	_ = want.Flush()
	if got, exp := string(w.bytes()), string(ww.bytes()); got != exp || exp == "" {
		t.Errorf("AddWith wrote\n%s\nWith and Add write\n%s", got, exp)
	}

	_ = r.Close()
	hook.AddWith(r, dims, values)
	if late.Load() != 3 {
		t.Errorf("after Close: %d values counted late, want 3", late.Load())
	}
	hook.AddWith((*Recorder)(nil), dims, values) // nothing, no panic
	hook.AddWith(nil, dims, values)
}
