package lambdaobstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// SpanData is a span the recording Tracer kept.
type SpanData struct {
	Name        string
	Kind        tracing.Kind
	Links       []tracing.Header
	TraceID     string // X-Ray form
	ID          string
	ParentID    string
	Invocation  *tracing.Invocation // set on invocation spans
	Attributes  map[string]any
	Metadata    map[string]any
	Errors      []string
	Status      tracing.Code
	Description string
	Start, End  time.Time
	Ended       bool
}

// Tracer is a tracing.Tracer that keeps spans in memory. It redacts what
// spans are given as the real backends do, with the invocation's scope:
// values under secret keys are "[REDACTED]" (and remembered for the
// invocation's other outputs), secret values are replaced in strings,
// error texts and status descriptions.
type Tracer struct {
	mu    sync.Mutex
	ended []*SpanData
}

var _ tracing.Tracer = (*Tracer)(nil)

// NewTracer returns an empty recording tracer.
func NewTracer() *Tracer { return &Tracer{} }

// Spans returns the spans ended so far, in the order they ended.
func (t *Tracer) Spans() []*SpanData {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*SpanData(nil), t.ended...)
}

func (t *Tracer) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.ended)
}

func (t *Tracer) since(i int) []*SpanData {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*SpanData(nil), t.ended[i:]...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// StartInvocation implements tracing.Tracer.
func (t *Tracer) StartInvocation(ctx context.Context, inv tracing.Invocation) (context.Context, tracing.Span) {
	d := &SpanData{Name: "## handler", Kind: tracing.KindServer, ID: randomHex(8), Start: inv.Start, Invocation: &inv,
		Attributes: map[string]any{names.AnnotationColdStart: inv.ColdStart, names.AnnotationService: inv.Service}}
	if h, err := tracing.ParseHeader(inv.TraceHeader); err == nil {
		d.TraceID, d.ParentID = h.Root, h.Parent
	} else {
		d.TraceID = fmt.Sprintf("1-%08x-%s", time.Now().Unix(), randomHex(12))
	}
	if inv.InitDuration > 0 {
		d.Attributes[names.AnnotationInitDuration] = float64(inv.InitDuration.Microseconds()) / 1e3
	}
	s := &span{t: t, d: d, sc: redact.FromContext(ctx).Scrubber()}
	return tracing.ContextWithSpan(ctx, s), s
}

// Start implements tracing.Tracer.
func (t *Tracer) Start(ctx context.Context, name string, cfg tracing.StartConfig) (context.Context, tracing.Span) {
	d := &SpanData{Name: name, Kind: cfg.Kind, ID: randomHex(8), Start: time.Now(), Attributes: map[string]any{}, Links: cfg.Links}
	if rp := cfg.RemoteParent; rp != nil {
		d.TraceID, d.ParentID = rp.Root, rp.Parent
	} else if p, ok := tracing.SpanFromContext(ctx).(*span); ok {
		d.TraceID, d.ParentID = p.d.TraceID, p.d.ID
	} else {
		d.TraceID = fmt.Sprintf("1-%08x-%s", time.Now().Unix(), randomHex(12))
	}
	s := &span{t: t, d: d, sc: redact.FromContext(ctx).Scrubber()}
	s.SetAttributes(cfg.Attributes...)
	return tracing.ContextWithSpan(ctx, s), s
}

// Flush implements tracing.Tracer.
func (t *Tracer) Flush(context.Context) error { return nil }

type span struct {
	t  *Tracer
	mu sync.Mutex
	d  *SpanData
	sc redact.Scrubber
}

// value returns v as the span keeps it, redacted.
func (s *span) value(key string, v any) any {
	if s.sc.Key(key) {
		if b, err := json.Marshal(v); err == nil {
			s.sc.RememberJSON(b)
		}
		return redact.Redacted
	}
	switch x := v.(type) {
	case string:
		t, _ := s.sc.Text(x)
		return t
	case int64, uint64, float64, int:
		if s.sc.Secret(fmt.Sprint(x)) {
			return redact.Redacted
		}
		return x
	case bool, nil, time.Duration, time.Time:
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(s.sc.AppendJSON(nil, b), &out) != nil {
		return v
	}
	return out
}

func (s *span) End() {
	s.mu.Lock()
	if s.d.Ended {
		s.mu.Unlock()
		return
	}
	s.d.Ended, s.d.End = true, time.Now()
	s.mu.Unlock()
	s.t.mu.Lock()
	s.t.ended = append(s.t.ended, s.d)
	s.t.mu.Unlock()
}

func (s *span) SetAttributes(attrs ...slog.Attr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.d.Ended {
		return
	}
	for _, a := range attrs {
		s.d.Attributes[a.Key] = s.value(a.Key, a.Value.Resolve().Any())
	}
}

func (s *span) SetMetadata(key string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.d.Ended {
		return
	}
	if s.d.Metadata == nil {
		s.d.Metadata = map[string]any{}
	}
	s.d.Metadata[key] = s.value(key, value)
}

func (s *span) RecordError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.d.Ended || err == nil {
		return
	}
	msg, _ := s.sc.Text(errinfo.Message(err))
	s.d.Errors = append(s.d.Errors, msg)
}

func (s *span) SetStatus(code tracing.Code, desc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.d.Ended {
		return
	}
	desc, _ = s.sc.Text(desc)
	s.d.Status, s.d.Description = code, desc
}

func (s *span) IsRecording() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.d.Ended
}

func (s *span) TraceID() string { return s.d.TraceID }

func (s *span) Header() tracing.Header {
	return tracing.Header{Root: s.d.TraceID, Parent: s.d.ID, Sampled: tracing.SampledYes}
}
