package stdout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

// Option configures an Exporter.
type Option interface{ apply(*Exporter) }

type optionFunc func(*Exporter)

func (f optionFunc) apply(e *Exporter) { f(e) }

// WithWriter writes the lines to w instead of os.Stdout. A nil w, or a nil
// pointer in w (which would panic at the first export), keeps os.Stdout,
// and New says so in one WARN line of slog's default logger.
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
// give it to oteltracing.New. Attributes under secret keys and secret values
// (see package redact) are redacted as the lines are encoded.
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
// Nil options are ignored.
func New(opts ...Option) *Exporter {
	e := &Exporter{w: os.Stdout}
	for _, o := range opts {
		if o != nil && !errinfo.IsNilPointer(o) {
			o.apply(e)
		}
	}
	if e.w == nil || errinfo.IsNilPointer(e.w) {
		slog.Default().LogAttrs(context.Background(), slog.LevelWarn,
			"stdout: the writer is a nil "+errinfo.Type(e.w)+": spans are written to os.Stdout",
			slog.String("writer", errinfo.Type(e.w)))
		e.w = os.Stdout
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

// ExportSpans writes one line per span, each in one Write. A writer that
// panics makes it return an error.
func (e *Exporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) (err error) {
	if e == nil {
		return errors.New("stdout: nil exporter")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			sc := scrub.Process()
			err = fmt.Errorf("stdout: export %d spans: panic: %s", len(spans), scrub.Text(&sc, errinfo.Sprint(r)))
		}
	}()
	if e.down {
		return fmt.Errorf("stdout: exporter is shut down")
	}
	sc := scrub.Process()
	for _, s := range spans {
		if s == nil {
			continue
		}
		e.buf.Reset()
		enc := json.NewEncoder(&e.buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(e.line(s, &sc)); err != nil {
			return fmt.Errorf("stdout: encode span %q: %w", s.Name(), err)
		}
		if _, err := e.w.Write(e.buf.Bytes()); err != nil {
			return fmt.Errorf("stdout: write: %w", err)
		}
	}
	return nil
}

// line is the line of s, redacted by scr.
func (e *Exporter) line(s sdktrace.ReadOnlySpan, scr *redact.Scrubber) line {
	sc := s.SpanContext()
	tid := sc.TraceID()
	l := line{
		Span:        scrub.Key(scr, s.Name()),
		Kind:        kind(s.SpanKind()),
		TraceID:     tid.String(),
		XRayTraceID: xrayid.FormatTraceID(tid),
		SpanID:      sc.SpanID().String(),
		Attributes:  attrMap(s.Attributes(), scr),
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
		l.Status, l.Message = "error", scrub.Text(scr, st.Description)
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
			l.Resource = attrMap(r.Attributes(), scr)
		}
	}
	for _, ev := range s.Events() {
		x := event{Name: scrub.Key(scr, ev.Name), Attributes: attrMap(ev.Attributes, scr)}
		if !e.noTime {
			t := ev.Time
			x.Time = &t
		}
		l.Events = append(l.Events, x)
	}
	for _, lk := range s.Links() {
		l.Links = append(l.Links, link{TraceID: lk.SpanContext.TraceID().String(), SpanID: lk.SpanContext.SpanID().String(), Attributes: attrMap(lk.Attributes, scr)})
	}
	return l
}

// Shutdown stops the exporter: later exports fail.
func (e *Exporter) Shutdown(context.Context) error {
	if e == nil {
		return nil
	}
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

// attrMap returns kvs as a map, redacted by sc: a value under a secret key
// is redact.Redacted; strings lose the secrets they hold.
func attrMap(kvs []attribute.KeyValue, sc *redact.Scrubber) map[string]any {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		key := string(kv.Key)
		if sc.Key(key) {
			m[scrub.Key(sc, key)] = redact.Redacted
			continue
		}
		m[scrub.Key(sc, key)] = value(kv.Value, sc)
	}
	return m
}

func value(v attribute.Value, sc *redact.Scrubber) any {
	switch v.Type() {
	case attribute.STRING:
		return scrub.Text(sc, v.AsString())
	case attribute.STRINGSLICE:
		ss := v.AsStringSlice()
		for i, s := range ss {
			ss[i] = scrub.Text(sc, s)
		}
		return ss
	case attribute.SLICE:
		vs := v.AsSlice()
		out := make([]any, len(vs))
		for i, x := range vs {
			out[i] = value(x, sc)
		}
		return out
	case attribute.BYTESLICE:
		return scrub.Bytes(sc, v.AsByteSlice())
	case attribute.MAP:
		return attrMap(v.AsMap(), sc)
	case attribute.FLOAT64:
		if f := v.AsFloat64(); f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308 {
			return v.String() // NaN and ±Inf are not JSON
		}
	}
	return v.AsInterface()
}
