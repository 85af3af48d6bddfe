package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

func TestRecorderConcurrentSafe(t *testing.T) {
	const goroutines, perG = 8, 10_000
	r, w, s := newTest(t, WithNamespace("Shop"), WithService("orders"))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	flushed := make(chan struct{})
	go func() { // flush while values arrive: each value still lands exactly once
		defer close(flushed)
		for {
			select {
			case <-stop:
				return
			default:
				if err := r.Flush(); err != nil {
					t.Error(err)
				}
				time.Sleep(time.Millisecond)
			}
		}
	}()
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := "G" + strconv.Itoa(g)
			for i := range perG {
				v := float64(g*perG + i)
				r.Add("Shared", v, Count)
				r.Add(own, v, Count)
				if i%1000 == 0 {
					r.SetProperty("last_"+own, i)
					r.AddDimension("worker", "w")
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-flushed
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if errs := s.all(); len(errs) > 0 {
		t.Fatalf("reported: %v", errs)
	}
	got := allValues(w.decoded())
	shared := got["Shared"]
	if len(shared) != goroutines*perG {
		t.Fatalf("Shared has %d values, want %d", len(shared), goroutines*perG)
	}
	for i, v := range shared {
		if v != float64(i) {
			t.Fatalf("Shared value %d is %v: a value is missing or repeated", i, v)
		}
	}
	for g := range goroutines {
		vals := got["G"+strconv.Itoa(g)]
		if len(vals) != perG || vals[0] != float64(g*perG) || vals[perG-1] != float64(g*perG+perG-1) {
			t.Errorf("G%d: %d values", g, len(vals))
		}
	}
}

func TestFromContext(t *testing.T) {
	r, w, _ := newTest(t)
	ctx := ContextWithRecorder(context.Background(), r)
	if FromContext(ctx) != r {
		t.Fatal("FromContext did not return the attached recorder")
	}
	FromContext(ctx).Count("Hits", 1)
	_ = r.Flush()
	if len(w.decoded()) != 1 {
		t.Error("value recorded through the context was not written")
	}
}

func TestHookRecorder(t *testing.T) {
	r, _, _ := newTest(t)
	if got, _ := hook.Recorder(ContextWithRecorder(context.Background(), r)).(*Recorder); got != r {
		t.Errorf("hook.Recorder = %v, want the attached recorder", got)
	}
	for _, ctx := range []context.Context{context.Background(), nil, ContextWithRecorder(context.Background(), nil)} {
		if got, _ := hook.Recorder(ctx).(*Recorder); got != nil {
			t.Errorf("hook.Recorder(%v) = %v, want no recorder", ctx, got)
		}
	}
}

func TestFromContextWithoutRecorder(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(old)

	for _, ctx := range []context.Context{context.Background(), nil, ContextWithRecorder(context.Background(), nil)} {
		logs.Reset()
		r := FromContext(ctx)
		if r == nil {
			t.Fatal("FromContext returned nil")
		}
		for i := range 5 {
			r.Count("Orphan", float64(i))
			r.SetProperty("k", "v")
			r.AddDimension("d", "v")
			r.Single("S", 1, Count)
		}
		if err := r.Flush(); err != nil {
			t.Error(err)
		}
		if err := r.Close(); err != nil {
			t.Error(err)
		}
		if got := r.late.Load(); got != 20 {
			t.Errorf("late = %d, want 20", got)
		}
		if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
			t.Errorf("%d warnings, want exactly 1:\n%s", n, logs.String())
		}
		if !strings.Contains(logs.String(), "no Recorder in the context") {
			t.Errorf("warning does not say why: %s", logs.String())
		}
		if r.Clone() == nil {
			t.Error("orphan accessors")
		}
	}
}

func TestNilAndZeroRecorder(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(old)
	for _, r := range []*Recorder{nil, new(Recorder)} {
		r.Add("A", 1, Count)
		r.AddHighResolution("A", 1, Count)
		addWithResolution(r, "A", 1, Count, resHigh)
		r.Count("A", 1)
		r.Duration("A", time.Second)
		r.SetProperty("k", struct{}{})
		r.AddDimension("d", "v")
		r.AddDimensionSet(Dimension{"d", "v"})
		r.Single("S", 1, Count)
		r.SetTimestamp(testTime)
		if r.Flush() != nil || r.Close() != nil {
			t.Error("Flush/Close of a nil or zero recorder returned an error")
		}
		_ = r.Clone()
	}
}

func TestCloseThenLate(t *testing.T) {
	tmpl, w, s := newTest(t, WithNamespace("Shop"))
	r := tmpl.Clone()
	r.Count("InTime", 1)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// A goroutine the invocation left running.
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Count("TooLate", 1)
		r.Add("TooLate", 2, Count)
		r.SetProperty("late", true)
		r.AddDimension("late", "yes")
		r.AddDimensionSet(Dimension{"late", "yes"})
		r.Single("TooLate", 1, Count)
		r.Duration("TooLate", time.Millisecond)
		r.SetTimestamp(time.Now())
	}()
	<-done
	if got := r.late.Load(); got != 8 {
		t.Errorf("Late() = %d, want 8", got)
	}
	if err := r.Flush(); err != nil {
		t.Error(err)
	}
	if err := r.Close(); err != nil {
		t.Error(err)
	}
	docs := w.decoded()
	if len(docs) != 1 || len(docs[0].Metrics) != 1 || docs[0].Metrics[0].Name != "InTime" {
		t.Errorf("documents after Close: %+v", docs)
	}
	if errs := s.all(); len(errs) > 0 {
		t.Errorf("reported: %v", errs)
	}
	// The next invocation's recorder is fresh.
	next := tmpl.Clone()
	next.Count("Next", 1)
	_ = next.Close()
	if got := allValues(w.decoded()); len(got["Next"]) != 1 || len(got["TooLate"]) != 0 {
		t.Errorf("values %v", got)
	}
}

// TestFlushWritesOnce checks that a Flush clears the values it wrote and
// keeps what describes the unit of work: properties and added dimensions
// stay on later documents (a timeout flush, then the final one, both carry
// the request id).
func TestFlushWritesOnce(t *testing.T) {
	r, w, _ := newTest(t, WithNamespace("Shop"))
	r.Count("A", 1)
	r.SetProperty("p", 1)
	r.AddDimension("d", "v")
	r.SetTimestamp(testTime.Add(-time.Minute))
	_ = r.Flush()
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := len(w.decoded()); n != 1 {
		t.Fatalf("second Flush wrote: %d documents in all", n)
	}
	r.Count("B", 1)
	_ = r.Flush()
	docs := w.decoded()
	if docs[0].Timestamp != testTime.Add(-time.Minute).UnixMilli() || docs[1].Timestamp != testTime.UnixMilli() {
		t.Errorf("timestamps %d, %d", docs[0].Timestamp, docs[1].Timestamp)
	}
	if _, ok := docs[1].Root["A"]; ok {
		t.Errorf("second document repeats the first one's metric: %+v", docs[1])
	}
	if fmt.Sprint(docs[1].Root["p"]) != "1" || docs[1].Root["d"] != "v" {
		t.Errorf("second document lost the property or dimension: %+v", docs[1])
	}
}

func TestWithChildren(t *testing.T) {
	r, w, _ := newTest(t, WithNamespace("Shop"), WithService("orders"))
	r.SetProperty("function_request_id", "r-1")
	r.Count("Own", 1)
	put := r.With(Dimension{"Service", "DynamoDB"}, Dimension{"Operation", "PutItem"})
	if r.With(Dimension{"Service", "DynamoDB"}, Dimension{"Operation", "PutItem"}) != put {
		t.Error("With returned another recorder for the same dimensions")
	}
	put.Add("AWSCallLatency", 12.5, Milliseconds)
	put.Add("AWSCallLatency", 7, Milliseconds)
	r.With(Dimension{"Service", "SQS"}, Dimension{"Operation", "SendMessage"}).Count("AWSCallErrors", 1)
	_ = r.Close()
	docs := w.decoded()
	if len(docs) != 3 {
		t.Fatalf("want 3 documents, got %d", len(docs))
	}
	d := docs[1]
	if fmt.Sprint(d.Dimensions) != "[[service Service Operation]]" || d.Root["Operation"] != "PutItem" || d.Root["function_request_id"] != "r-1" {
		t.Errorf("child document: %+v", d)
	}
	if _, mixed := docs[0].Root["AWSCallLatency"]; mixed {
		t.Error("the child's metric is in the parent's document")
	}
	put.Count("Late", 1)
	if put.late.Load() != 1 {
		t.Errorf("a child of a closed recorder took a value")
	}
	var nilRec *Recorder
	if nilRec.With(Dimension{"a", "b"}) != nil {
		t.Error("With on nil")
	}
}

func TestWarnOnEmpty(t *testing.T) {
	r, w, s := newTest(t, WithWarnOnEmpty())
	_ = r.Flush()
	r.SetProperty("only", "a property")
	_ = r.Flush()
	r.Add("Bad", math.NaN(), Count)
	_ = r.Close()
	errs := s.all()
	if len(errs) != 3 || !errors.Is(errs[0], ErrNoMetrics) || !errors.Is(errs[1], ErrNoMetrics) || !errors.Is(errs[2], ErrNoMetrics) {
		t.Fatalf("errors %v, want ErrNoMetrics three times", errs)
	}
	var re *RejectedError
	if !errors.As(errs[2], &re) || !rejected(re.Items, KindMetric, "Bad", reasonNaN) {
		t.Errorf("third error %v does not name the NaN", errs[2])
	}
	if len(w.decoded()) != 0 {
		t.Error("wrote documents")
	}
	// A Close after a Flush that wrote something does not report.
	r3, _, s3 := newTest(t, WithWarnOnEmpty())
	r3.Count("A", 1)
	_ = r3.Flush()
	_ = r3.Close()
	if len(s3.all()) != 0 {
		t.Errorf("reported after a written flush: %v", s3.all())
	}
	// Without the option an empty flush is silent.
	r2, _, s2 := newTest(t)
	_ = r2.Flush()
	if len(s2.all()) != 0 {
		t.Error("empty flush reported without WithWarnOnEmpty")
	}
}

func TestEnvironment(t *testing.T) {
	environ := env.Map(map[string]string{
		names.EnvPowertoolsMetricsNamespace: "FromEnv",
		names.EnvPowertoolsServiceName:      "env-service",
		names.EnvPowertoolsMetricsDisabled:  "false",
	})
	r, w, _ := newTest(t, withLookupEnv(environ))
	r.Count("A", 1)
	_ = r.Flush()
	d := w.decoded()[0]
	if d.Namespace != "FromEnv" || d.Root["service"] != "env-service" {
		t.Errorf("from env: %+v", d)
	}

	r, w, _ = newTest(t, withLookupEnv(environ), WithNamespace("Opt"), WithService("opt-service"))
	r.Count("A", 1)
	_ = r.Flush()
	d = w.decoded()[0]
	if d.Namespace != "Opt" || d.Root["service"] != "opt-service" {
		t.Errorf("options do not win: %+v", d)
	}

	r, w, _ = newTest(t, withLookupEnv(env.Map(nil)))
	r.Count("A", 1)
	_ = r.Flush()
	d = w.decoded()[0]
	if d.Namespace != names.DefaultNamespace || len(d.Dimensions[0]) != 0 {
		t.Errorf("defaults: %+v", d)
	}

	disabled := env.Map(map[string]string{names.EnvPowertoolsMetricsDisabled: "TRUE"})
	r, w, s := newTest(t, withLookupEnv(disabled), WithWarnOnEmpty())
	r.Count("A", 1)
	r.Add("B", math.NaN(), Count)
	_ = r.Flush()
	if len(w.decoded()) != 0 || len(s.all()) != 0 {
		t.Error("POWERTOOLS_METRICS_DISABLED=true still wrote or reported")
	}
	r, w, _ = newTest(t, WithDisabled())
	r.Count("A", 1)
	_ = r.Close()
	if len(w.decoded()) != 0 {
		t.Error("WithDisabled() wrote")
	}
}

func TestNewReportsBadConfiguration(t *testing.T) {
	r, w, s := newTest(t,
		WithNamespace("Shop!π"),
		WithService("café"),
		WithDimensions(Dimension{"env", "prod"}, Dimension{"env", "prod"}, Dimension{"env", "dev"}, Dimension{":x", "y"}, Dimension{"ok", ""}))
	errs := s.all()
	if len(errs) != 1 {
		t.Fatalf("New reported %d errors, want 1: %v", len(errs), errs)
	}
	var re *RejectedError
	if !errors.As(errs[0], &re) {
		t.Fatalf("%T", errs[0])
	}
	for _, want := range []struct {
		kind         Kind
		name, reason string
	}{
		{KindNamespace, "Shop!π", `using "Shop__"`},
		{KindDimension, "service", reasonDimValueASCII},
		{KindDimension, "env", reasonDimConflict1},
		{KindDimension, ":x", reasonColon},
		{KindDimension, "ok", reasonDimValueEmpty},
	} {
		if !rejected(re.Items, want.kind, want.name, want.reason) {
			t.Errorf("missing %s %q %s in %v", want.kind, want.name, want.reason, re)
		}
	}
	r.Count("A", 1)
	_ = r.Flush()
	d := w.decoded()[0]
	if d.Namespace != "Shop__" || len(d.Dimensions[0]) != 1 || d.Root["env"] != "prod" {
		t.Errorf("document %+v", d)
	}
}

func TestSanitizeNamespace(t *testing.T) {
	long := strings.Repeat("a", 300)
	for _, tt := range []struct{ in, want string }{
		{"Shop", "Shop"},
		{"My App/v2:x#1 _.-", "My App/v2:x#1 _.-"},
		{"a*b", "a_b"},
		{"日本", "__"},
		{"   ", names.DefaultNamespace},
		{long, long[:256]},
	} {
		got, changed := sanitizeNamespace(tt.in)
		if got != tt.want || changed != (tt.in != tt.want) {
			t.Errorf("sanitizeNamespace(%q) = %q, %v; want %q", tt.in, got, changed, tt.want)
		}
	}
}

func TestNames(t *testing.T) {
	long := strings.Repeat("x", 1025)
	for _, tt := range []struct {
		name, reason string
	}{
		{"Latency", ""},
		{"p99 latency (ms)", ""},
		{`quote"and\backslash`, ""},
		{"ünïcödé", ""},
		{strings.Repeat("é", 1024), ""},
		{"", reasonEmptyName},
		{"_aws", reasonReserved},
		{"   ", reasonBlankName},
		{"\u3000", reasonBlankName},
		{"tab\there", reasonControl},
		{"del\x7f", reasonControl},
		{"c1\u0085", reasonControl},
		{"bad\xff", reasonUTF8},
		{long, reasonMetricLong},
	} {
		if got, _ := checkMetricName(tt.name); got != tt.reason {
			t.Errorf("checkMetricName(%.20q) = %q, want %q", tt.name, got, tt.reason)
		}
	}
	r, w, s := newTest(t)
	r.Count(`quote"and\backslash`, 1)
	r.Count("ünïcödé", 2)
	r.Count(long, 3)
	_ = r.Flush()
	got := allValues(w.decoded())
	if len(got[`quote"and\backslash`]) != 1 || len(got["ünïcödé"]) != 1 || len(got) != 2 {
		t.Errorf("values %v", got)
	}
	if !rejected(s.rejections(), KindMetric, long, reasonMetricLong) {
		t.Errorf("long name not reported: %v", s.all())
	}
	if msg := s.all()[0].Error(); !strings.Contains(msg, "xxxx…") || len(msg) > 300 {
		t.Errorf("long name not shortened in %q", msg)
	}
}

func TestDimensions(t *testing.T) {
	t.Run("AddDimension replaces", func(t *testing.T) {
		r, w, s := newTest(t, WithService("orders"))
		r.AddDimension("service", "payments")
		r.AddDimension("region", "eu")
		r.AddDimension("region", "us")
		r.Count("A", 1)
		_ = r.Flush()
		d := w.decoded()[0]
		if d.Root["service"] != "payments" || d.Root["region"] != "us" || len(d.Dimensions) != 1 || len(d.Dimensions[0]) != 2 {
			t.Errorf("%+v", d)
		}
		if len(s.all()) > 0 {
			t.Error(s.all())
		}
	})
	t.Run("limits", func(t *testing.T) {
		r, w, s := newTest(t)
		for i := range 31 {
			r.AddDimension("d"+strconv.Itoa(i), "v")
		}
		big := make([]Dimension, 31)
		for i := range big {
			big[i] = Dimension{"e" + strconv.Itoa(i), "v"}
		}
		r.AddDimensionSet(big...)
		r.AddDimensionSet(big[:30]...)
		r.AddDimension(strings.Repeat("n", 251), "v")
		r.AddDimension("n", strings.Repeat("v", 1025))
		r.AddDimension("n", "\tv")
		r.AddDimension("_aws", "v")
		r.AddDimensionSet(Dimension{"d0", "other"}) // conflicts with d0=v
		r.AddDimensionSet(Dimension{"x", "1"}, Dimension{"x", "2"})
		r.AddDimensionSet(Dimension{"x", "1"}, Dimension{"x", "1"}, Dimension{"y", ""})
		r.Count("A", 1)
		_ = r.Flush()
		d := w.decoded()[0]
		if len(d.Dimensions) != 2 || len(d.Dimensions[0]) != 30 || len(d.Dimensions[1]) != 30 {
			t.Errorf("dimension sets %v", d.Dimensions)
		}
		rs := s.rejections()
		for _, want := range []struct {
			name, reason string
		}{
			{"d30", reasonDefaultFull},
			{"e0", reasonSetTooMany},
			{strings.Repeat("n", 251), reasonDimNameLong},
			{"n", reasonDimValueLong},
			{"n", reasonDimValueASCII},
			{"_aws", reasonReserved},
			{"d0", reasonDimConflict},
			{"x", reasonDimConflict},
			{"y", reasonDimValueEmpty},
		} {
			if !rejected(rs, KindDimension, want.name, want.reason) {
				t.Errorf("missing rejection %.20q %q in %v", want.name, want.reason, rs)
			}
		}
	})
	t.Run("AddDimension to a key of another set", func(t *testing.T) {
		r, w, s := newTest(t)
		r.AddDimensionSet(Dimension{"region", "eu"})
		r.AddDimension("region", "us") // conflict: one value per document
		r.AddDimension("region", "eu") // joins the default set
		r.Count("A", 1)
		_ = r.Flush()
		d := w.decoded()[0]
		if len(d.Dimensions) != 1 || d.Dimensions[0][0] != "region" || d.Root["region"] != "eu" {
			t.Errorf("%+v", d)
		}
		if !rejected(s.rejections(), KindDimension, "region", reasonDimConflict1) {
			t.Error(s.all())
		}
	})
	t.Run("metric named like a dimension", func(t *testing.T) {
		r, w, s := newTest(t)
		r.Count("region", 1)
		r.Count("region", 2)
		r.Count("ok", 1)
		r.AddDimension("region", "eu")
		_ = r.Flush()
		if got := allValues(w.decoded()); len(got) != 1 || len(got["ok"]) != 1 {
			t.Errorf("values %v", got)
		}
		if rs := s.rejections(); !rejected(rs, KindMetric, "region", reasonDimCollision) || rs[0].Count != 2 {
			t.Errorf("rejections %v", rs)
		}
	})
}

func TestSingle(t *testing.T) {
	r, w, s := newTest(t, WithNamespace("Shop"), WithService("orders"))
	r.Single("ColdStart", 1, Count, Dimension{"function_name", "fn"}, Dimension{"function_name", "fn"})
	r.Single("Bad", math.NaN(), Count)
	r.Single("Bad2", 1, "Parsecs")
	r.Single("function_name", 1, Count, Dimension{"function_name", "fn"})
	r.Single("Bad3", 1, Count, Dimension{"d", ""})
	r.Single("Bad4", 1, Count, Dimension{"d", "1"}, Dimension{"d", "2"})
	many := make([]Dimension, 31)
	for i := range many {
		many[i] = Dimension{"d" + strconv.Itoa(i), "v"}
	}
	r.Single("Bad5", 1, Count, many...)
	_ = r.Flush()
	docs := w.decoded()
	if len(docs) != 1 || len(docs[0].Dimensions[0]) != 1 || docs[0].Root["service"] != nil {
		t.Fatalf("documents %+v", docs)
	}
	rs := s.rejections()
	if len(rs) != 6 {
		t.Errorf("rejections %v", rs)
	}
	for _, name := range []string{"Bad", "Bad2", "function_name", "Bad5"} {
		if !rejected(rs, KindMetric, name, "") {
			t.Errorf("%s not rejected: %v", name, rs)
		}
	}
	for _, name := range []string{"d"} {
		if !rejected(rs, KindDimension, name, `single metric "Bad3" dropped`) || !rejected(rs, KindDimension, name, `single metric "Bad4" dropped`) {
			t.Errorf("%s not rejected: %v", name, rs)
		}
	}
}

func TestProperties(t *testing.T) {
	r, w, s := newTest(t)
	type point struct{ X, Y int }
	r.SetProperty("string", "a \"quoted\"\nline")
	r.SetProperty("int", -7)
	r.SetProperty("int8", int8(-8))
	r.SetProperty("uint64", uint64(math.MaxUint64))
	r.SetProperty("float", 0.5)
	r.SetProperty("float32", float32(0.1))
	r.SetProperty("tiny32", float32(1e-7))
	r.SetProperty("bool", true)
	r.SetProperty("nil", nil)
	r.SetProperty("error", errors.New("boom"))
	r.SetProperty("struct", point{1, 2})
	r.SetProperty("map", map[string]int{"a": 1})
	r.SetProperty("failing", failingMarshaler{})
	r.SetProperty("panicking", panickingMarshaler{})
	r.SetProperty("marshalerError", marshalerError{})
	r.SetProperty("nan", math.NaN())
	r.SetProperty("inf32", float32(math.Inf(1)))
	r.SetProperty("replaced", "old")
	r.SetProperty("replaced", "new")
	r.SetProperty("", "empty key")
	r.SetProperty("_aws", "reserved")
	r.SetProperty("bad\xffkey", 1)
	r.Count("A", 1)
	_ = r.Flush()
	d := w.decoded()[0]
	want := map[string]string{
		"string":         `"a \"quoted\"\nline"`,
		"int":            "-7",
		"int8":           "-8",
		"uint64":         "18446744073709551615",
		"float":          "0.5",
		"float32":        "0.1",
		"tiny32":         "1e-7",
		"bool":           "true",
		"nil":            "null",
		"error":          `"boom"`,
		"struct":         `{"X":1,"Y":2}`,
		"map":            `{"a":1}`,
		"panicking":      `"!PANIC: marshal panic"`,
		"marshalerError": `"marshaler wins"`,
		"replaced":       `"new"`,
	}
	raw := string(w.bytes())
	for k, v := range want {
		if !strings.Contains(raw, strconv.Quote(k)+":"+v) {
			t.Errorf("property %s: want %s in %s", k, v, raw)
		}
	}
	// encoding/json names the type with or without its pointer depending on
	// the Go release; the marker and the method's own error are what count.
	failing := regexp.MustCompile(`"failing":"!ERROR: json: error calling MarshalJSON for type \*?metrics\.failingMarshaler: no"`)
	if !failing.MatchString(raw) {
		t.Errorf("property failing: want %s in %s", failing, raw)
	}
	if len(d.Root) != len(want)+2 {
		t.Errorf("%d top-level members, want %d: %v", len(d.Root), len(want)+2, d.Root)
	}
	rs := s.rejections()
	for _, k := range []string{"nan", "inf32", "", "_aws", "bad\xffkey"} {
		if !rejected(rs, KindProperty, k, "") {
			t.Errorf("property %q not rejected: %v", k, rs)
		}
	}
	// Setting one key in a loop does not grow without bound.
	for i := range 100_000 {
		r.SetProperty("counter", strings.Repeat("x", i%100))
	}
	r.mu.Lock()
	size := cap(r.st.propBuf)
	r.mu.Unlock()
	if size > 64<<10 {
		t.Errorf("property buffer grew to %d bytes", size)
	}
}

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

type panickingMarshaler struct{}

func (panickingMarshaler) MarshalJSON() ([]byte, error) { panic("marshal panic") }

type marshalerError struct{}

func (marshalerError) MarshalJSON() ([]byte, error) { return []byte(`"marshaler wins"`), nil }
func (marshalerError) Error() string                { return "error text" }

func TestDocumentSize(t *testing.T) {
	t.Run("huge properties are dropped", func(t *testing.T) {
		r, w, s := newTest(t, WithService("orders"))
		r.SetProperty("small", "kept")
		r.SetProperty("big", strings.Repeat("b", 200_000))
		r.SetProperty("bigger", strings.Repeat("c", 255_000))
		r.Count("A", 1)
		_ = r.Flush()
		d := w.decoded()
		if len(d) != 1 || d[0].Root["small"] != "kept" || d[0].Root["bigger"] != nil {
			t.Fatalf("documents %d", len(d))
		}
		if !rejected(s.rejections(), KindProperty, "bigger", reasonPropTooLarge) {
			t.Errorf("rejections %v", s.all())
		}
		if d[0].Root["big"] == nil {
			t.Error("a property that fits beside the metrics was dropped")
		}
	})
	t.Run("long names split by size", func(t *testing.T) {
		// 100 metrics with 1000-character names and 1000 values each are
		// about 1.9 MB: eight documents at least.
		r, w, s := newTest(t)
		r.SetProperty("request_id", "r-1")
		want := map[string][]float64{}
		for i := range 100 {
			name := fmt.Sprintf("%04d%s", i, strings.Repeat("n", 996))
			for j := range 1000 {
				v := float64(i*1000+j) + 0.123456789
				r.Add(name, v, Count)
				want[name] = append(want[name], v)
			}
		}
		_ = r.Flush()
		docs := w.decoded()
		if len(docs) < 8 {
			t.Errorf("only %d documents", len(docs))
		}
		got := allValues(docs)
		for name, vals := range want {
			if fmtValues(got[name]) != fmtValues(vals) {
				t.Fatalf("%.8s…: %d values, want %d", name, len(got[name]), len(vals))
			}
		}
		for _, d := range docs {
			if d.Root["request_id"] != "r-1" {
				t.Error("a split document lacks the properties")
			}
		}
		if len(s.all()) > 0 {
			t.Error(s.all())
		}
	})
	t.Run("escaped names", func(t *testing.T) {
		// Control characters are refused, but '"' and '\' double in size.
		r, w, _ := newTest(t)
		name := strings.Repeat(`"\`, 512)
		for j := range 150 {
			r.Add(name, float64(j), Count)
		}
		_ = r.Flush()
		if got := allValues(w.decoded()); len(got[name]) != 150 {
			t.Errorf("%d values", len(got[name]))
		}
	})
	t.Run("dimensions alone too large", func(t *testing.T) {
		r, w, s := newTest(t)
		// 30 keys of 250 characters, each in its own dimension set repeated:
		// the dimension lists alone exceed maxDocumentSize.
		dims := make([]Dimension, 30)
		for i := range dims {
			dims[i] = Dimension{fmt.Sprintf("%03d%s", i, strings.Repeat("k", 247)), strings.Repeat("v", 1024)}
		}
		for i := range 30 {
			r.AddDimensionSet(append(append([]Dimension(nil), dims[:i]...), dims[i+1:]...)...)
		}
		for i := range 29 {
			r.AddDimensionSet(dims[i : i+2]...)
		}
		for i := range 28 {
			r.AddDimensionSet(dims[i : i+3]...)
		}
		r.Count("A", 1)
		r.Single("S", 1, Count, dims...)
		_ = r.Flush()
		for _, d := range w.decoded() {
			if _, ok := d.Root["A"]; ok {
				t.Error("a document over the limit was written")
			}
		}
		if !rejected(s.rejections(), KindMetric, "A", reasonTooLarge) {
			t.Errorf("rejections %v", s.rejections())
		}
	})
}

func TestUnitsAndResolution(t *testing.T) {
	r, w, s := newTest(t)
	units := []Unit{
		Seconds, Microseconds, Milliseconds,
		Bytes, Kilobytes, Megabytes, Gigabytes, Terabytes,
		Bits, Kilobits, Megabits, Gigabits, Terabits,
		Percent, Count,
		BytesPerSecond, KilobytesPerSecond, MegabytesPerSecond, GigabytesPerSecond, TerabytesPerSecond,
		BitsPerSecond, KilobitsPerSecond, MegabitsPerSecond, GigabitsPerSecond, TerabitsPerSecond,
		CountPerSecond, None,
	}
	for i, u := range units {
		if !u.Valid() {
			t.Errorf("%q not valid", u)
		}
		r.Add("M"+strconv.Itoa(i), 1, u)
	}
	r.Add("Empty", 1, "")
	addWithResolution(r, "Res", 1, Count, 5)
	r.AddHighResolution("Hi", 1, Count)
	r.Add("Hi", 2, Count)
	_ = r.Flush()
	d := w.decoded()[0]
	if len(d.Metrics) != 29 {
		t.Errorf("%d metrics", len(d.Metrics))
	}
	for _, m := range d.Metrics {
		if m.Name == "Empty" && m.Unit != "None" {
			t.Errorf("empty unit written as %q", m.Unit)
		}
	}
	rs := s.rejections()
	if !rejected(rs, KindMetric, "Res", reasonResolution) || !rejected(rs, KindMetric, "Hi", reasonResConflict) {
		t.Errorf("rejections %v", rs)
	}
	if resolution(5).valid() || !resStandard.valid() || !resHigh.valid() || Unit("count").Valid() {
		t.Error("Valid")
	}
}

func TestManyMetricsUseIndex(t *testing.T) {
	r, w, _ := newTest(t)
	for round := range 3 {
		for i := range 40 {
			r.Count("M"+strconv.Itoa(i), float64(round))
		}
	}
	_ = r.Flush()
	for round := range 2 { // the slots and index are reused
		for i := range 40 {
			r.Count("N"+strconv.Itoa(39-i), float64(round))
		}
	}
	_ = r.Flush()
	got := allValues(w.decoded())
	if len(got) != 80 || len(got["M7"]) != 3 || len(got["N0"]) != 2 {
		t.Errorf("%d metrics %v", len(got), got["M7"])
	}
}

type errWriter struct {
	t     testing.TB
	n     int
	calls int
}

func (w *errWriter) Write(p []byte) (int, error) {
	checkDoc(w.t, p)
	w.calls++
	if w.calls == w.n {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	w := &errWriter{t: t, n: 1}
	s := &errSink{}
	r := New(w, withClock(fixedClock), withLookupEnv(env.Map(nil)), WithErrorHandler(s.handle))
	for i := range 150 {
		r.Count("M"+strconv.Itoa(i), 1)
	}
	r.Single("S", 1, Count)
	err := r.Flush()
	if !errors.Is(err, io.ErrShortWrite) || !strings.HasPrefix(err.Error(), "metrics: write: ") {
		t.Errorf("Flush() = %v", err)
	}
	if w.calls != 3 {
		t.Errorf("%d Write calls, want 3 (every document is tried)", w.calls)
	}
	if len(s.all()) != 0 {
		t.Error("write error sent to the handler")
	}
}

func TestRejectedErrorMessage(t *testing.T) {
	e := &RejectedError{Items: []Rejection{{Kind: KindMetric, Name: "A", Reason: "r", Count: 1}}}
	if got := e.Error(); got != `metrics: dropped 1 item: metric "A": r` {
		t.Errorf("%q", got)
	}
	var items []Rejection
	for i := range 25 {
		items = append(items, Rejection{Kind: KindProperty, Name: strconv.Itoa(i), Reason: "r", Count: 2})
	}
	e = &RejectedError{Items: items, Omitted: 7}
	got := e.Error()
	if !strings.HasPrefix(got, "metrics: dropped 57 items: ") || !strings.HasSuffix(got, "; and 5 more; 7 more not listed") {
		t.Errorf("%q", got)
	}
	// Past 100 distinct items, the rest is counted.
	r, _, s := newTest(t)
	for i := range 150 {
		r.Add("M"+strconv.Itoa(i), math.NaN(), Count)
	}
	_ = r.Flush()
	var re *RejectedError
	if !errors.As(s.all()[0], &re) || len(re.Items) != maxRejections || re.Omitted != 50 {
		t.Errorf("items %d omitted %d", len(re.Items), re.Omitted)
	}
}

func TestErrorHandlerAfterUnlock(t *testing.T) {
	// A handler that records into the same recorder must not deadlock.
	var r *Recorder
	r = New(&docWriter{t: t}, withLookupEnv(env.Map(nil)), WithErrorHandler(func(error) { r.Count("Reported", 1) }))
	r.Add("Bad", math.NaN(), Count)
	done := make(chan struct{})
	go func() { _ = r.Flush(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Flush deadlocked calling the error handler")
	}
}

func TestDefaultErrorHandler(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(old)
	r := New(&docWriter{t: t}, withLookupEnv(env.Map(nil)), WithErrorHandler(nil), withClock(nil), withLookupEnv(nil), nil)
	r.Add("Bad", math.Inf(1), Count)
	_ = r.Flush()
	if !strings.Contains(logs.String(), `level=WARN msg=metrics error="metrics: dropped 1 item: metric \"Bad\": value is infinite"`) {
		t.Errorf("log: %s", logs.String())
	}
}

func TestNewNilWriterIsStdout(t *testing.T) {
	r := New(nil, withLookupEnv(env.Map(nil)))
	if r.cfg.w == nil {
		t.Error("nil writer kept")
	}
}
