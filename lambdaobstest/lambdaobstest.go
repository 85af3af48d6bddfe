// Package lambdaobstest invokes a handler wrapped by lambdawrap inside a
// test, with a realistic fake Lambda context, and returns what the
// invocation emitted as Go values: log records, EMF documents and spans.
//
//	f := lambdaobstest.New(t, handle, lambdawrap.WithService("orders"))
//	r := f.Invoke(OrderEvent{ID: "o-1"}, lambdaobstest.Request{})
//	// r.Logs, r.Metrics, r.Spans, r.Output, r.Err
//
// A Function installs the wrapper's logger as slog's default for the
// duration of the test (so slog.InfoContext in the handler is captured) and
// restores the previous default at the end: tests using it must not run in
// parallel with tests that log through slog's default.
package lambdaobstest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// Request is the fake Lambda context of one invocation. Zero fields get
// realistic defaults.
type Request struct {
	RequestID   string        // default "req-<n>"
	FunctionARN string        // default arn:aws:lambda:us-east-1:123456789012:function:<name>
	TraceHeader string        // the "x-amzn-trace-id" context value; none by default
	Timeout     time.Duration // time left at the start; default 3 s
	TenantID    string
	Context     context.Context // the parent context; default context.Background()
}

// Result is what one invocation returned and emitted.
type Result[Out any] struct {
	Output  Out
	Err     error
	Panic   any              // the value the handler panicked with, or nil
	Logs    []map[string]any // log lines, in order
	Metrics []map[string]any // EMF documents, in order
	Spans   []*SpanData      // spans that ended during the invocation
	Other   []string         // lines that are not JSON objects
	Raw     string           // everything written
}

// Function is a wrapped handler with its own process state: its first
// invocation is a cold start.
type Function[In, Out any] struct {
	t       testing.TB
	h       func(context.Context, In) (Out, error)
	out     *buffer
	tracer  *Tracer
	n       int
	mu      sync.Mutex
	name    string
	wrapped func(context.Context, In) (Out, error)
}

// New wraps h for tests with opts, writing to an in-memory buffer and
// tracing with a recording Tracer (a lambdawrap.WithTracer in opts wins).
// The function gets a Lambda environment of its own, never the process's:
// AWS_LAMBDA_FUNCTION_NAME test-function, AWS_LAMBDA_FUNCTION_VERSION
// $LATEST, AWS_LAMBDA_FUNCTION_MEMORY_SIZE 128 and AWS_REGION us-east-1,
// to which WithEnv adds (a lambdawrap.WithLookupEnv in opts replaces it
// all). Its first invocation is a cold start that reports no init
// duration.
func New[In, Out any](t testing.TB, h func(context.Context, In) (Out, error), opts ...lambdawrap.Option) *Function[In, Out] {
	t.Helper()
	env := defaultEnv()
	rest := make([]lambdawrap.Option, 0, len(opts))
	for _, o := range opts {
		if e, ok := o.(envOption); ok {
			maps.Copy(env, e.env)
		} else {
			rest = append(rest, o)
		}
	}
	f := &Function[In, Out]{t: t, h: h, out: &buffer{}, tracer: NewTracer(), name: env[names.EnvAWSLambdaFunctionName]}
	// The wrapper makes its handler slog's default and the log package's
	// output: both are put back when the test ends.
	prev, prevLog, prevFlags := slog.Default(), log.Writer(), log.Flags()
	t.Cleanup(func() {
		slog.SetDefault(prev)
		log.SetOutput(prevLog)
		log.SetFlags(prevFlags)
	})
	all := []lambdawrap.Option{
		lambdawrap.WithWriter(f.out),
		lambdawrap.WithLookupEnv(mapLookup(env)),
		lambdawrap.WithTracer(f.tracer),
		hook.FreshProcess(0).(lambdawrap.Option),
	}
	f.wrapped = lambdawrap.Wrap(h, append(all, rest...)...)
	return f
}

// WithEnv adds env to the environment New gives the function, over its
// defaults: POWERTOOLS_LOG_LEVEL, AWS_LAMBDA_INITIALIZATION_TYPE, a
// function name of your own. Several add up, the last winning. It is meant
// for New; given to lambdawrap.Wrap, it is a lambdawrap.WithLookupEnv of
// New's defaults and env.
func WithEnv(env map[string]string) lambdawrap.Option {
	all := defaultEnv()
	maps.Copy(all, env)
	return envOption{Option: lambdawrap.WithLookupEnv(mapLookup(all)), env: env}
}

// envOption is what WithEnv returns: New finds it among the options and
// merges env into the environment it gives the function.
type envOption struct {
	lambdawrap.Option
	env map[string]string
}

// defaultEnv returns the environment a Function starts from.
func defaultEnv() map[string]string {
	return map[string]string{
		names.EnvAWSLambdaFunctionName:       "test-function",
		names.EnvAWSLambdaFunctionVersion:    "$LATEST",
		names.EnvAWSLambdaFunctionMemorySize: "128",
		names.EnvAWSRegion:                   "us-east-1",
	}
}

// mapLookup returns env as an environment lookup.
func mapLookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// Tracer returns the recording tracer the function uses.
func (f *Function[In, Out]) Tracer() *Tracer { return f.tracer }

// Output returns everything the function wrote so far.
func (f *Function[In, Out]) Output() string { return f.out.String() }

// Context returns the fake Lambda context of req, as Invoke builds it, and
// its cancel function.
func (f *Function[In, Out]) Context(req Request) (context.Context, context.CancelFunc) {
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	if req.RequestID == "" {
		req.RequestID = fmt.Sprintf("req-%d", n)
	}
	if req.FunctionARN == "" {
		req.FunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:" + f.name
	}
	if req.Timeout == 0 {
		req.Timeout = 3 * time.Second
	}
	parent := req.Context
	if parent == nil {
		parent = context.Background()
	}
	ctx := lambdacontext.NewContext(parent, &lambdacontext.LambdaContext{
		AwsRequestID:       req.RequestID,
		InvokedFunctionArn: req.FunctionARN,
		TenantID:           req.TenantID,
	})
	if req.TraceHeader != "" {
		ctx = tracing.ContextWithHeader(ctx, req.TraceHeader)
	}
	return context.WithTimeout(ctx, req.Timeout)
}

// Invoke runs one invocation and returns what it returned and emitted. A
// panic in the handler is recovered here (after the wrapper flushed and
// re-raised it) and returned in Result.Panic.
func (f *Function[In, Out]) Invoke(in In, req Request) (r Result[Out]) {
	f.t.Helper()
	ctx, cancel := f.Context(req)
	defer cancel()
	startOut := f.out.Len()
	startSpans := f.tracer.count()
	defer func() {
		r.Panic = recover()
		raw := f.out.String()[startOut:]
		r.Raw = raw
		r.Logs, r.Metrics, r.Other = Parse(raw)
		r.Spans = f.tracer.since(startSpans)
	}()
	r.Output, r.Err = f.wrapped(ctx, in)
	return r
}

// Parse splits output into log records, EMF documents (objects with an
// "_aws" key) and other lines.
func Parse(output string) (logs, emf []map[string]any, other []string) {
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var m map[string]any
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := json.Unmarshal(line, &m); err != nil {
			other = append(other, string(line))
			continue
		}
		if _, ok := m["_aws"]; ok {
			emf = append(emf, m)
		} else {
			logs = append(logs, m)
		}
	}
	return logs, emf, other
}

// buffer is an in-memory writer safe for concurrent use.
type buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *buffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// MetricValues returns every value of the named metric across docs.
func MetricValues(docs []map[string]any, name string) []float64 {
	var out []float64
	for _, d := range docs {
		switch v := d[name].(type) {
		case float64:
			if isMetric(d, name) {
				out = append(out, v)
			}
		case []any:
			if isMetric(d, name) {
				for _, x := range v {
					if f, ok := x.(float64); ok {
						out = append(out, f)
					}
				}
			}
		}
	}
	return out
}

// isMetric reports whether a directive of doc defines the named metric.
func isMetric(doc map[string]any, name string) bool {
	return directive(doc, name) != nil
}

// directive returns the metric directive (an item of
// _aws.CloudWatchMetrics) of doc that defines the named metric, or nil.
// Parts of doc that are not of the shape EMF gives them are passed over.
func directive(doc map[string]any, name string) map[string]any {
	aws, _ := doc["_aws"].(map[string]any)
	dirs, _ := aws["CloudWatchMetrics"].([]any)
	for _, d := range dirs {
		dm, _ := d.(map[string]any)
		ms, _ := dm["Metrics"].([]any)
		for _, m := range ms {
			if mm, _ := m.(map[string]any); mm["Name"] == name {
				return dm
			}
		}
	}
	return nil
}

// Dimensions returns the dimension sets of the directive that defines the
// named metric in doc, nil when none does or it has no dimensions. In a
// malformed directive (Dimensions not an array of arrays of strings) the
// set it cannot read is replaced by a one-key set "malformed EMF: …" that
// says what is wrong, so that a comparison with the expected sets fails
// and shows why.
func Dimensions(doc map[string]any, name string) [][]string {
	dm := directive(doc, name)
	raw, present := dm["Dimensions"]
	if !present {
		return nil
	}
	ds, ok := raw.([]any)
	if !ok {
		return [][]string{{fmt.Sprintf("malformed EMF: Dimensions of %s is %T, not an array", name, raw)}}
	}
	var sets [][]string
	for i, set := range ds {
		items, ok := set.([]any)
		if !ok {
			sets = append(sets, []string{fmt.Sprintf("malformed EMF: dimension set %d of %s is %T, not an array", i, name, set)})
			continue
		}
		keys := make([]string, 0, len(items))
		for j, k := range items {
			s, ok := k.(string)
			if !ok {
				keys = []string{fmt.Sprintf("malformed EMF: key %d of dimension set %d of %s is %T, not a string", j, i, name, k)}
				break
			}
			keys = append(keys, s)
		}
		sets = append(sets, keys)
	}
	return sets
}
