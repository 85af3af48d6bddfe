package stdout

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Option configures an Exporter.
type Option interface{ apply(*Exporter) }

type optionFunc func(*Exporter)

func (f optionFunc) apply(e *Exporter) { f(e) }

// WithWriter writes the lines to w instead of os.Stdout.
func WithWriter(w io.Writer) Option {
	return optionFunc(func(e *Exporter) { e.w = w })
}

// WithResource adds the resource attributes of each span ("resource": {…}).
// Only service.name is written otherwise ("service").
func WithResource() Option {
	return optionFunc(func(e *Exporter) { e.resource = true })
}

// WithoutTimestamps leaves start, end and duration_ms out, for output
// that does not change from run to run (examples, golden files).
func WithoutTimestamps() Option {
	return optionFunc(func(e *Exporter) { e.noTime = true })
}

// Exporter writes spans as JSON lines. It implements sdktrace.SpanExporter;
// give it to oteltracing.New.
type Exporter struct {
	w        io.Writer
	resource bool
	noTime   bool

	mu   sync.Mutex
	buf  bytes.Buffer
	down bool
}

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// New returns an exporter writing to os.Stdout, or where WithWriter says.
func New(opts ...Option) *Exporter {
	e := &Exporter{w: os.Stdout}
	for _, o := range opts {
		o.apply(e)
	}
	return e
}

type line struct {
	Span         string         `json:"span"`
	Kind         string         `json:"kind"`
	TraceID      string         `json:"trace_id"`
	XRayTraceID  string         `json:"xray_trace_id"`
	SpanID       string         `json:"span_id"`
	ParentSpanID string         `json:"parent_span_id,omitempty"`
	Start        *time.Time     `json:"start,omitempty"`
	End          *time.Time     `json:"end,omitempty"`
	DurationMS   *float64       `json:"duration_ms,omitempty"`
	Status       string         `json:"status"`
	Message      string         `json:"status_message,omitempty"`
	Service      string         `json:"service,omitempty"`
	Attributes   map[string]any `json:"attributes,omitempty"`
	Events       []event        `json:"events,omitempty"`
	Links        []link         `json:"links,omitempty"`
	Resource     map[string]any `json:"resource,omitempty"`
	Dropped      int            `json:"dropped_attributes,omitempty"`
}

type event struct {
	Name       string         `json:"name"`
	Time       *time.Time     `json:"time,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

type link struct {
	TraceID    string         `json:"trace_id"`
	SpanID     string         `json:"span_id"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// ExportSpans writes one line per span, each in one Write.
func (e *Exporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.down {
		return fmt.Errorf("stdout: exporter is shut down")
	}
	for _, s := range spans {
		e.buf.Reset()
		enc := json.NewEncoder(&e.buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(e.line(s)); err != nil {
			return fmt.Errorf("stdout: encode span %q: %w", s.Name(), err)
		}
		if _, err := e.w.Write(e.buf.Bytes()); err != nil {
			return fmt.Errorf("stdout: write: %w", err)
		}
	}
	return nil
}

func (e *Exporter) line(s sdktrace.ReadOnlySpan) line {
	sc := s.SpanContext()
	tid := sc.TraceID()
	l := line{
		Span:        s.Name(),
		Kind:        kind(s.SpanKind()),
		TraceID:     tid.String(),
		XRayTraceID: xrayID(tid),
		SpanID:      sc.SpanID().String(),
		Attributes:  attrMap(s.Attributes()),
		Dropped:     s.DroppedAttributes(),
	}
	if p := s.Parent(); p.SpanID().IsValid() {
		l.ParentSpanID = p.SpanID().String()
	}
	if !e.noTime {
		start, end := s.StartTime(), s.EndTime()
		d := float64(end.Sub(start).Microseconds()) / 1e3
		l.Start, l.End, l.DurationMS = &start, &end, &d
	}
	switch st := s.Status(); st.Code {
	case codes.Error:
		l.Status, l.Message = "error", st.Description
	case codes.Ok:
		l.Status = "ok"
	default:
		l.Status = "unset"
	}
	if r := s.Resource(); r != nil {
		if v, ok := r.Set().Value("service.name"); ok {
			l.Service = v.String()
		}
		if e.resource {
			l.Resource = attrMap(r.Attributes())
		}
	}
	for _, ev := range s.Events() {
		x := event{Name: ev.Name, Attributes: attrMap(ev.Attributes)}
		if !e.noTime {
			t := ev.Time
			x.Time = &t
		}
		l.Events = append(l.Events, x)
	}
	for _, lk := range s.Links() {
		l.Links = append(l.Links, link{TraceID: lk.SpanContext.TraceID().String(), SpanID: lk.SpanContext.SpanID().String(), Attributes: attrMap(lk.Attributes)})
	}
	return l
}

// Shutdown stops the exporter: later exports fail.
func (e *Exporter) Shutdown(context.Context) error {
	e.mu.Lock()
	e.down = true
	e.mu.Unlock()
	return nil
}

func kind(k trace.SpanKind) string {
	switch k {
	case trace.SpanKindServer:
		return "server"
	case trace.SpanKindClient:
		return "client"
	case trace.SpanKindProducer:
		return "producer"
	case trace.SpanKindConsumer:
		return "consumer"
	}
	return "internal"
}

func xrayID(tid trace.TraceID) string {
	if !tid.IsValid() {
		return ""
	}
	h := hex.EncodeToString(tid[:])
	return "1-" + h[:8] + "-" + h[8:]
}

func attrMap(kvs []attribute.KeyValue) map[string]any {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = value(kv.Value)
	}
	return m
}

func value(v attribute.Value) any {
	switch v.Type() {
	case attribute.SLICE:
		vs := v.AsSlice()
		out := make([]any, len(vs))
		for i, x := range vs {
			out[i] = value(x)
		}
		return out
	case attribute.MAP:
		return attrMap(v.AsMap())
	case attribute.FLOAT64:
		if f := v.AsFloat64(); f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308 {
			return v.String() // NaN and ±Inf are not JSON
		}
	}
	return v.AsInterface()
}
