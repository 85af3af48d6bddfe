package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lambdaobs/lambdaobs/internal/env"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// testTime is the fixed clock of every test: 2026-11-26T15:04:05.123Z.
var testTime = time.Date(2026, 11, 26, 15, 4, 5, 123e6, time.UTC)

func fixedClock() time.Time { return testTime }

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// emfSchema compiles testdata/emf-schema.json, AWS's published schema, as
// draft-07 (the metaschema of the default draft 2020-12 rejects it).
func emfSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(filepath.Join("testdata", "emf-schema.json"))
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft7)
		const url = "https://lambdaobs.test/emf-schema.json"
		if err := c.AddResource(url, doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile(url)
	})
	if schemaErr != nil {
		t.Fatalf("compile EMF schema: %v", schemaErr)
	}
	return schema
}

var namespaceRE = regexp.MustCompile(`^[a-zA-Z0-9._#:/ -]{1,256}$`)

// doc is a decoded document.
type doc struct {
	Namespace  string
	Dimensions [][]string
	Metrics    []def
	Timestamp  int64
	Root       map[string]any // every top-level member but _aws, numbers as json.Number
}

type def struct {
	Name              string
	Unit              string
	StorageResolution int
}

// values returns the values of metric name in d.
func (d doc) values(name string) []float64 {
	switch v := d.Root[name].(type) {
	case json.Number:
		f, _ := v.Float64()
		return []float64{f}
	case []any:
		out := make([]float64, 0, len(v))
		for _, x := range v {
			n, _ := x.(json.Number)
			f, _ := n.Float64()
			out = append(out, f)
		}
		return out
	}
	return nil
}

// checkDoc checks one written document against the EMF schema and the rules
// CloudWatch applies beyond it, reporting with t.Errorf (safe from any
// goroutine), and returns it decoded.
func checkDoc(t testing.TB, line []byte) doc {
	t.Helper()
	var d doc
	if len(line) == 0 || line[len(line)-1] != '\n' || bytes.IndexByte(line, '\n') != len(line)-1 {
		t.Errorf("document is not one line ending in \\n: %.200q", line)
		return d
	}
	if len(line) > maxDocumentSize {
		t.Errorf("document of %d bytes exceeds maxDocumentSize", len(line))
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		t.Errorf("invalid JSON: %v: %.300s", err, line)
		return d
	}
	if err := emfSchema(t).Validate(inst); err != nil {
		t.Errorf("schema: %v\n%.500s", err, line)
	}
	// Duplicate top-level keys are valid JSON but ambiguous for CloudWatch.
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	seen := map[string]bool{}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Errorf("not an object: %.100s", line)
		return d
	}
	d.Root = map[string]any{}
	var aws struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []def
		}
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Errorf("token: %v", err)
			return d
		}
		key := tok.(string)
		if seen[key] {
			t.Errorf("duplicate top-level key %q", key)
		}
		seen[key] = true
		if key == "_aws" {
			if err := dec.Decode(&aws); err != nil {
				t.Errorf("_aws: %v", err)
			}
			continue
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Errorf("member %q: %v", key, err)
		}
		d.Root[key] = v
	}
	if len(aws.CloudWatchMetrics) != 1 {
		t.Errorf("want one metric directive, got %d", len(aws.CloudWatchMetrics))
		return d
	}
	dir := aws.CloudWatchMetrics[0]
	d.Namespace, d.Dimensions, d.Metrics, d.Timestamp = dir.Namespace, dir.Dimensions, dir.Metrics, aws.Timestamp
	if !namespaceRE.MatchString(d.Namespace) {
		t.Errorf("namespace %q", d.Namespace)
	}
	dimKeys := map[string]bool{}
	for _, set := range d.Dimensions {
		if len(set) > maxDimensionsPerSet {
			t.Errorf("dimension set of %d keys", len(set))
		}
		for _, k := range set {
			dimKeys[k] = true
			v, ok := d.Root[k].(string)
			switch {
			case !ok:
				t.Errorf("dimension %q is not a top-level string: %v", k, d.Root[k])
			case checkDimensionName(k) != "" || checkDimensionValue(v) != "":
				t.Errorf("invalid dimension %q=%q", k, v)
			}
		}
	}
	if len(d.Metrics) == 0 || len(d.Metrics) > maxMetricsPerDirective {
		t.Errorf("%d metric definitions", len(d.Metrics))
	}
	names := map[string]bool{}
	for _, m := range d.Metrics {
		if names[m.Name] {
			t.Errorf("metric %q defined twice", m.Name)
		}
		names[m.Name] = true
		if dimKeys[m.Name] {
			t.Errorf("metric %q is also a dimension", m.Name)
		}
		if r, _ := checkMetricName(m.Name); r != "" || !Unit(m.Unit).Valid() || m.Unit == "" {
			t.Errorf("invalid definition %+v", m)
		}
		if r := m.StorageResolution; r != 0 && r != 1 && r != 60 {
			t.Errorf("metric %q: StorageResolution %d", m.Name, r)
		}
		switch v := d.Root[m.Name].(type) {
		case json.Number:
		case []any:
			if len(v) == 0 || len(v) > maxValuesPerMetric {
				t.Errorf("metric %q has %d values", m.Name, len(v))
			}
			for _, x := range v {
				if _, ok := x.(json.Number); !ok {
					t.Errorf("metric %q: value %v is not a number", m.Name, x)
				}
			}
		default:
			t.Errorf("metric %q: no numeric top-level member (%v)", m.Name, v)
		}
	}
	return d
}

// docWriter is an io.Writer that takes each Write as one document, checks it
// and keeps it, raw and decoded.
type docWriter struct {
	t    testing.TB
	mu   sync.Mutex
	docs [][]byte
	dec  []doc
}

func (w *docWriter) Write(p []byte) (int, error) {
	d := checkDoc(w.t, p)
	w.mu.Lock()
	w.docs = append(w.docs, bytes.Clone(p))
	w.dec = append(w.dec, d)
	w.mu.Unlock()
	return len(p), nil
}

// decoded returns the documents written so far.
func (w *docWriter) decoded() []doc {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]doc(nil), w.dec...)
}

func (w *docWriter) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Join(w.docs, nil)
}

// errSink collects what the error handler receives.
type errSink struct {
	mu   sync.Mutex
	errs []error
}

func (s *errSink) handle(err error) {
	s.mu.Lock()
	s.errs = append(s.errs, err)
	s.mu.Unlock()
}

func (s *errSink) all() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// rejections returns every Rejection received so far.
func (s *errSink) rejections() []Rejection {
	var out []Rejection
	for _, err := range s.all() {
		var re *RejectedError
		if errors.As(err, &re) {
			out = append(out, re.Items...)
		}
	}
	return out
}

// newTest returns a recorder with a fixed clock, an empty environment, a
// checking writer and a collecting error handler. opts come last and win.
func newTest(t testing.TB, opts ...Option) (*Recorder, *docWriter, *errSink) {
	w := &docWriter{t: t}
	s := &errSink{}
	base := []Option{withClock(fixedClock), withLookupEnv(env.Map(nil)), WithErrorHandler(s.handle)}
	return New(w, append(base, opts...)...), w, s
}

// allValues returns every value of every metric across docs, by name, sorted.
func allValues(docs []doc) map[string][]float64 {
	out := map[string][]float64{}
	for _, d := range docs {
		for _, m := range d.Metrics {
			out[m.Name] = append(out[m.Name], d.values(m.Name)...)
		}
	}
	for _, v := range out {
		sort.Float64s(v)
	}
	return out
}

// golden compares the documents in out, indented inside a JSON array, with
// testdata/<name>.golden.json, or rewrites it under -update. Indentation only
// adds whitespace, so the comparison is as strict as comparing the bytes.
func golden(t *testing.T, name string, out []byte) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("[")
	for i, line := range bytes.SplitAfter(out, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  ")
		if err := json.Indent(&b, bytes.TrimSuffix(line, []byte("\n")), "  ", "  "); err != nil {
			t.Fatalf("indent: %v", err)
		}
	}
	b.WriteString("\n]\n")
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("%s differs from the output (run go test -update to accept it):\n got: %s\nwant: %s", path, b.Bytes(), want)
	}
}

// rejected reports whether rs holds an item of kind for name whose reason
// contains reason.
func rejected(rs []Rejection, kind Kind, name, reason string) bool {
	for _, r := range rs {
		if r.Kind == kind && r.Name == name && strings.Contains(r.Reason, reason) {
			return true
		}
	}
	return false
}

func fmtValues(v []float64) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// TestExampleOutputs checks the documents the Example functions print.
func TestExampleOutputs(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(src), "\n") {
		if doc, ok := strings.CutPrefix(strings.TrimSpace(line), "// {"); ok {
			checkDoc(t, []byte("{"+doc+"\n"))
			n++
		}
	}
	if n < 5 {
		t.Errorf("found %d example documents", n)
	}
}

// addWithResolution records v at storage resolution res, which no exported
// method takes: the recorder's check of it is tested through here.
func addWithResolution(r *Recorder, name string, v float64, u Unit, res resolution) {
	if st := r.begin(); st != nil {
		st.addMetric(name, v, u, res)
		r.mu.Unlock()
	}
}
