package oteltracing

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

// span is a tracing.Span over an OpenTelemetry span. What it records goes
// through the redaction scope of the context it was started in (the
// invocation's, or the process's outside one): values under secret keys
// are redacted and remembered into the scope, so the invocation's logs and
// metrics scrub them too; strings, metadata, error messages and status
// descriptions lose the secrets they hold.
type span struct {
	s     trace.Span
	kind  tracing.Kind
	scope *redact.Scope   // nil: the process's
	ctx   context.Context // the context returned with the span
}

// context returns ctx with s as its span, and s; s keeps that context, so
// a child started from it finds the scope without a walk (see scopeOf).
func (s *span) context(ctx context.Context) (context.Context, tracing.Span) {
	s.ctx = tracing.ContextWithSpan(ctx, s)
	return s.ctx, s
}

var _ tracing.Span = (*span)(nil)

func (s *span) End() { s.s.End() }

func (s *span) SetAttributes(attrs ...slog.Attr) {
	if len(attrs) == 0 || !s.s.IsRecording() {
		return
	}
	sc := s.scope.Scrubber()
	buf := getBuf()
	defer putBuf(buf)
	buf.attrs = attributes(buf.attrs[:0], attrs, &sc)
	s.s.SetAttributes(buf.attrs...)
}

// SetMetadata sets an attribute holding value: a string as it is,
// anything else as its JSON (a value encoding/json rejects: a JSON string
// saying why). Under a secret key the attribute is redact.Redacted, and
// what value holds is remembered by the span's scope.
func (s *span) SetMetadata(key string, value any) {
	if key == "" || !s.s.IsRecording() {
		return
	}
	sc := s.scope.Scrubber()
	k := scrub.Key(&sc, key)
	str, isString := value.(string)
	if sc.Key(key) {
		if isString {
			sc.Remember(str)
		} else {
			scrub.Remember(&sc, key, value)
		}
		s.s.SetAttributes(attribute.String(k, redact.Redacted))
		return
	}
	if !isString {
		str = string(scrub.MarshalJSON(value))
	}
	s.s.SetAttributes(attribute.String(k, scrub.Text(&sc, str)))
}

// RecordError adds the "exception" event of err, as the SDK's RecordError
// does, with its message redacted. An Error method that panics (a nil
// pointer in err, say) is described instead.
func (s *span) RecordError(err error) {
	if err == nil || !s.s.IsRecording() {
		return
	}
	msg, _ := errinfo.Text(err)
	sc := s.scope.Scrubber()
	s.s.AddEvent(semconv.ExceptionEventName, trace.WithAttributes(
		semconv.ExceptionType(typeStr(err)),
		semconv.ExceptionMessage(scrub.Text(&sc, msg)),
	))
}

// typeStr names the type of err as the SDK's RecordError does, or returns
// what its ErrorType method says (an error describing another).
func typeStr(err error) string {
	if typ := describedType(err); typ != "" {
		return typ
	}
	t := reflect.TypeOf(err)
	if t.PkgPath() == "" && t.Name() == "" {
		return t.String()
	}
	return t.PkgPath() + "." + t.Name()
}

// describedType returns what err's ErrorType method says, or "" (also when
// the method panics).
func describedType(err error) (typ string) {
	et, ok := err.(interface{ ErrorType() string })
	if !ok {
		return ""
	}
	defer func() {
		if recover() != nil {
			typ = ""
		}
	}()
	return et.ErrorType()
}

// SetStatus maps the outcome to the OTel status: Error → Error, OK → Ok,
// ClientError → unset on server and internal spans (a 4xx is the caller's
// failure, not the function's) but Error on client spans, as the HTTP
// conventions say. The description is redacted.
func (s *span) SetStatus(code tracing.Code, description string) {
	if description != "" && (code == tracing.Error || code == tracing.ClientError && s.kind == tracing.KindClient) {
		sc := s.scope.Scrubber()
		description = scrub.Text(&sc, description)
	}
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

func (s *span) TraceID() string { return xrayid.FormatTraceID(s.s.SpanContext().TraceID()) }

// Header returns the span as an X-Ray trace header: Root = its trace,
// Parent = it, Sampled = its sampling decision.
// It allocates once: Root and Parent share one string.
func (s *span) Header() tracing.Header {
	h := s.HeaderIDs()
	if !h.OK {
		return tracing.Header{}
	}
	ids := string(h.IDs[:])
	out := tracing.Header{Root: ids[:xrayid.TraceIDLen], Parent: ids[xrayid.TraceIDLen:], Sampled: tracing.SampledNo}
	if h.Sampled {
		out.Sampled = tracing.SampledYes
	}
	return out
}

// HeaderIDs returns the ids of s's Header as bytes, without allocating:
// the header of every AWS SDK call is written from them.
func (s *span) HeaderIDs() (h xrayid.HeaderIDs) {
	sc := s.s.SpanContext()
	if !sc.IsValid() {
		return h
	}
	tid, sid := sc.TraceID(), sc.SpanID()
	h.IDs[0], h.IDs[1], h.IDs[10] = '1', '-', '-'
	hex.Encode(h.IDs[2:10], tid[:4])
	hex.Encode(h.IDs[11:xrayid.TraceIDLen], tid[4:])
	hex.Encode(h.IDs[xrayid.TraceIDLen:], sid[:])
	h.HasParent, h.Sampled, h.OK = true, sc.IsSampled(), true
	return h
}

// attributes appends attrs to dst as OTel attributes, redacted by sc (nil:
// as they are). Groups are flattened with dotted keys ("order.id");
// durations are nanoseconds, as slog's JSON handler writes them; times are
// RFC 3339 strings; errors their message; slices of strings, ints, floats
// and bools become OTel slices; other values their JSON. A value under a
// secret key is written as redact.Redacted and remembered by sc.
func attributes(dst []attribute.KeyValue, attrs []slog.Attr, sc *redact.Scrubber) []attribute.KeyValue {
	for _, a := range attrs {
		dst = appendAttr(dst, "", a, sc)
	}
	return dst
}

func appendAttr(dst []attribute.KeyValue, prefix string, a slog.Attr, sc *redact.Scrubber) []attribute.KeyValue {
	v := a.Value.Resolve()
	key := a.Key
	if prefix != "" && key != "" {
		key = prefix + "." + key
	} else if prefix != "" {
		key = prefix
	}
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			dst = appendAttr(dst, key, g, sc)
		}
		return dst
	}
	if a.Key == "" {
		return dst
	}
	if sc.Key(key) {
		remember(sc, key, v)
		return append(dst, attribute.String(scrub.Key(sc, key), redact.Redacted))
	}
	k := attribute.Key(scrub.Key(sc, key))
	switch v.Kind() {
	case slog.KindString:
		return append(dst, k.String(scrub.Text(sc, v.String())))
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
		msg, _ := errinfo.Text(x)
		return append(dst, k.String(scrub.Text(sc, msg)))
	case []string:
		ss, _ := scrub.Texts(sc, x)
		return append(dst, k.StringSlice(ss))
	case []int:
		return append(dst, k.IntSlice(x))
	case []int64:
		return append(dst, k.Int64Slice(x))
	case []float64:
		return append(dst, k.Float64Slice(x))
	case []bool:
		return append(dst, k.BoolSlice(x))
	case []byte:
		return append(dst, k.String(scrub.Text(sc, string(x))))
	case attribute.Value:
		return append(dst, attribute.KeyValue{Key: k, Value: scrubValue(sc, x)})
	case fmt.Stringer:
		return append(dst, k.String(scrub.Text(sc, errinfo.Sprint(x))))
	default:
		return append(dst, k.String(scrub.Text(sc, string(scrub.MarshalJSON(x)))))
	}
}

// scrubValue redacts an attribute value given as such: its strings and
// bytes lose the secrets they hold, through slices and maps; in a map, a
// key loses the secret values in it, and a value under a secret key is
// redact.Redacted and remembered by sc.
func scrubValue(sc *redact.Scrubber, v attribute.Value) attribute.Value {
	out, _ := scrubbed(sc, v)
	return out
}

// scrubbed is scrubValue, and whether the value changed.
func scrubbed(sc *redact.Scrubber, v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		if t, ok := sc.Text(v.AsString()); ok {
			return attribute.StringValue(t), true
		}
	case attribute.STRINGSLICE:
		if out, ok := scrub.Texts(sc, v.AsStringSlice()); ok {
			return attribute.StringSliceValue(out), true
		}
	case attribute.BYTESLICE:
		if t, ok := sc.Text(string(v.AsByteSlice())); ok {
			return attribute.ByteSliceValue([]byte(t)), true
		}
	case attribute.SLICE:
		vs := v.AsSlice() // a copy
		changed := false
		for i, x := range vs {
			if y, ok := scrubbed(sc, x); ok {
				vs[i], changed = y, true
			}
		}
		if changed {
			return attribute.SliceValue(vs...), true
		}
	case attribute.MAP:
		kvs := v.AsMap() // a copy
		changed := false
		for i, kv := range kvs {
			key := string(kv.Key)
			nv, ok := kv.Value, false
			if sc.Key(key) {
				rememberValue(sc, kv.Value)
				nv, ok = attribute.StringValue(redact.Redacted), true
			} else {
				nv, ok = scrubbed(sc, nv)
			}
			if nk, kok := sc.Values(key); kok {
				key, ok = nk, true
			}
			if ok {
				kvs[i], changed = attribute.KeyValue{Key: attribute.Key(key), Value: nv}, true
			}
		}
		if changed {
			return attribute.MapValue(kvs...), true
		}
	}
	return v, false
}

// rememberValue remembers the strings, bytes and numbers of v, a value
// under a secret key, through slices and maps.
func rememberValue(sc *redact.Scrubber, v attribute.Value) {
	if sc == nil || sc.Into == nil {
		return
	}
	switch v.Type() {
	case attribute.STRINGSLICE:
		for _, s := range v.AsStringSlice() {
			sc.Remember(s)
		}
	case attribute.BYTESLICE:
		sc.Remember(string(v.AsByteSlice()))
	case attribute.SLICE:
		for _, x := range v.AsSlice() {
			rememberValue(sc, x)
		}
	case attribute.MAP:
		for _, kv := range v.AsMap() {
			rememberValue(sc, kv.Value)
		}
	case attribute.BOOL, attribute.BOOLSLICE, attribute.EMPTY:
	default:
		sc.Remember(v.String())
	}
}

// remember keeps the value under a secret key as a secret of the scope, so
// that it is replaced wherever else it appears.
func remember(sc *redact.Scrubber, key string, v slog.Value) {
	if sc == nil || sc.Into == nil {
		return
	}
	switch v.Kind() {
	case slog.KindString:
		sc.Remember(v.String())
		return
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64:
		sc.Remember(v.String())
		return
	case slog.KindDuration:
		sc.Remember(strconv.FormatInt(int64(v.Duration()), 10))
		return
	case slog.KindTime:
		sc.Remember(v.Time().Format(time.RFC3339Nano))
		return
	case slog.KindBool:
		return
	}
	switch x := v.Any().(type) {
	case nil:
	case error:
		sc.Remember(errinfo.Message(x))
	case []string:
		for _, s := range x {
			sc.Remember(s)
		}
	case []byte:
		sc.Remember(string(x))
	case attribute.Value:
		rememberValue(sc, x)
	case fmt.Stringer:
		sc.Remember(errinfo.Sprint(x))
	default:
		scrub.Remember(sc, key, x)
	}
}
