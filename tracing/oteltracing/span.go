package oteltracing

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/tracing"
)

// span is a tracing.Span over an OpenTelemetry span.
type span struct {
	s    trace.Span
	kind tracing.Kind
}

var _ tracing.Span = (*span)(nil)

// OTelSpan returns the OpenTelemetry span behind s, when s was started by
// a Tracer of this package.
func OTelSpan(s tracing.Span) (trace.Span, bool) {
	if sp, ok := s.(*span); ok {
		return sp.s, true
	}
	return nil, false
}

func (s *span) End() { s.s.End() }

func (s *span) SetAttributes(attrs ...slog.Attr) {
	if len(attrs) == 0 || !s.s.IsRecording() {
		return
	}
	s.s.SetAttributes(attributes(make([]attribute.KeyValue, 0, len(attrs)), attrs)...)
}

// SetMetadata sets an attribute holding value: a string as it is,
// anything else as its JSON.
func (s *span) SetMetadata(key string, value any) {
	if key == "" || !s.s.IsRecording() {
		return
	}
	if str, ok := value.(string); ok {
		s.s.SetAttributes(attribute.String(key, str))
		return
	}
	s.s.SetAttributes(attribute.String(key, jsonString(value)))
}

func (s *span) RecordError(err error) {
	if err != nil {
		s.s.RecordError(err)
	}
}

// SetStatus maps the outcome to the OTel status: Error → Error, OK → Ok,
// ClientError → unset on server and internal spans (a 4xx is the caller's
// failure, not the function's) but Error on client spans, as the HTTP
// conventions say.
func (s *span) SetStatus(code tracing.Code, description string) {
	switch code {
	case tracing.Error:
		s.s.SetStatus(codes.Error, description)
	case tracing.OK:
		s.s.SetStatus(codes.Ok, "")
	case tracing.ClientError:
		if s.kind == tracing.KindClient {
			s.s.SetStatus(codes.Error, description)
		}
	}
}

func (s *span) IsRecording() bool { return s.s.IsRecording() }

func (s *span) TraceID() string { return XRayTraceID(s.s.SpanContext().TraceID()) }

// Header returns the span as an X-Ray trace header: Root = its trace,
// Parent = it, Sampled = its sampling decision.
func (s *span) Header() tracing.Header {
	sc := s.s.SpanContext()
	if !sc.IsValid() {
		return tracing.Header{}
	}
	h := tracing.Header{Root: XRayTraceID(sc.TraceID()), Parent: sc.SpanID().String(), Sampled: tracing.SampledNo}
	if sc.IsSampled() {
		h.Sampled = tracing.SampledYes
	}
	return h
}

// attributes appends attrs to dst as OTel attributes. Groups are
// flattened with dotted keys ("order.id"); durations are nanoseconds, as
// slog's JSON handler writes them; times are RFC 3339 strings; errors
// their message; slices of strings, ints, floats and bools become OTel
// slices; other values their JSON.
func attributes(dst []attribute.KeyValue, attrs []slog.Attr) []attribute.KeyValue {
	for _, a := range attrs {
		dst = appendAttr(dst, "", a)
	}
	return dst
}

func appendAttr(dst []attribute.KeyValue, prefix string, a slog.Attr) []attribute.KeyValue {
	v := a.Value.Resolve()
	key := a.Key
	if prefix != "" && key != "" {
		key = prefix + "." + key
	} else if prefix != "" {
		key = prefix
	}
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			dst = appendAttr(dst, key, g)
		}
		return dst
	}
	if a.Key == "" {
		return dst
	}
	k := attribute.Key(key)
	switch v.Kind() {
	case slog.KindString:
		return append(dst, k.String(v.String()))
	case slog.KindInt64:
		return append(dst, k.Int64(v.Int64()))
	case slog.KindUint64:
		if u := v.Uint64(); u <= math.MaxInt64 {
			return append(dst, k.Int64(int64(u)))
		}
		return append(dst, k.String(strconv.FormatUint(v.Uint64(), 10)))
	case slog.KindFloat64:
		return append(dst, k.Float64(v.Float64()))
	case slog.KindBool:
		return append(dst, k.Bool(v.Bool()))
	case slog.KindDuration:
		return append(dst, k.Int64(int64(v.Duration())))
	case slog.KindTime:
		return append(dst, k.String(v.Time().Format(time.RFC3339Nano)))
	}
	switch x := v.Any().(type) {
	case nil:
		return append(dst, k.String("<nil>"))
	case error:
		return append(dst, k.String(x.Error()))
	case []string:
		return append(dst, k.StringSlice(x))
	case []int:
		return append(dst, k.IntSlice(x))
	case []int64:
		return append(dst, k.Int64Slice(x))
	case []float64:
		return append(dst, k.Float64Slice(x))
	case []bool:
		return append(dst, k.BoolSlice(x))
	case []byte:
		return append(dst, k.String(string(x)))
	case attribute.Value:
		return append(dst, attribute.KeyValue{Key: k, Value: x})
	case fmt.Stringer:
		return append(dst, k.String(x.String()))
	default:
		return append(dst, k.String(jsonString(x)))
	}
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
