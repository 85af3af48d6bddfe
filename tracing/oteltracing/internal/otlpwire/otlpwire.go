// Package otlpwire encodes finished OpenTelemetry spans as an OTLP
// ExportTraceServiceRequest in the protobuf wire format, by hand, so that an
// exporter links neither the generated OTLP types nor the protobuf runtime
// (nor, through the collector service package, gRPC). Without a scrubber
// the output is what the OTel exporters' own transform produces; a test
// decodes it with the generated types and compares. With one, every
// attribute (of the resource, the spans, their events and links), span and
// event name and status message is redacted as it is encoded.
package otlpwire

import (
	"math"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
)

// Field numbers of opentelemetry/proto (v1).
const (
	reqResourceSpans = 1 // ExportTraceServiceRequest.resource_spans

	rsResource   = 1 // ResourceSpans
	rsScopeSpans = 2
	rsSchemaURL  = 3

	resAttributes = 1 // Resource

	ssScope     = 1 // ScopeSpans
	ssSpans     = 2
	ssSchemaURL = 3

	scopeName       = 1 // InstrumentationScope
	scopeVersion    = 2
	scopeAttributes = 3

	spanTraceID           = 1 // Span
	spanSpanID            = 2
	spanTraceState        = 3
	spanParentSpanID      = 4
	spanName              = 5
	spanKind              = 6
	spanStart             = 7
	spanEnd               = 8
	spanAttributes        = 9
	spanDroppedAttributes = 10
	spanEvents            = 11
	spanDroppedEvents     = 12
	spanLinks             = 13
	spanDroppedLinks      = 14
	spanStatus            = 15
	spanFlags             = 16

	eventTime              = 1 // Span.Event
	eventName              = 2
	eventAttributes        = 3
	eventDroppedAttributes = 4

	linkTraceID           = 1 // Span.Link
	linkSpanID            = 2
	linkTraceState        = 3
	linkAttributes        = 4
	linkDroppedAttributes = 5
	linkFlags             = 6

	statusMessage = 2 // Status
	statusCode    = 3

	kvKey   = 1 // KeyValue
	kvValue = 2

	anyString = 1 // AnyValue
	anyBool   = 2
	anyInt    = 3
	anyDouble = 4
	anyArray  = 5
	anyKVList = 6
	anyBytes  = 7

	arrayValues  = 1 // ArrayValue
	kvlistValues = 1 // KeyValueList

	flagHasIsRemote = 0x100 // SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK
	flagIsRemote    = 0x200 // SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK
)

type scopeGroup struct {
	scope instrumentation.Scope
	spans []sdktrace.ReadOnlySpan
}

type resourceGroup struct {
	res    *resource.Resource
	key    attribute.Distinct
	scopes []scopeGroup
}

// AppendRequest appends to b the ExportTraceServiceRequest carrying spans,
// grouped by resource and instrumentation scope in the order first seen,
// redacted by sc (nil: as they are): a value under a secret key is written
// as redact.Redacted, strings lose the secrets they hold.
func AppendRequest(b []byte, spans []sdktrace.ReadOnlySpan, sc *redact.Scrubber) []byte {
	var groups []resourceGroup
	for _, s := range spans {
		if s == nil {
			continue
		}
		groups = add(groups, s)
	}
	for i := range groups {
		g := &groups[i]
		b = appendMessage(b, reqResourceSpans, func(b []byte) []byte { return appendResourceSpans(b, g, sc) })
	}
	return b
}

func add(groups []resourceGroup, s sdktrace.ReadOnlySpan) []resourceGroup {
	res := s.Resource()
	var key attribute.Distinct
	if res != nil {
		key = res.Equivalent()
	}
	scope := s.InstrumentationScope()
	for i := range groups {
		g := &groups[i]
		if g.res != res && g.key != key {
			continue
		}
		for j := range g.scopes {
			if g.scopes[j].scope == scope {
				g.scopes[j].spans = append(g.scopes[j].spans, s)
				return groups
			}
		}
		g.scopes = append(g.scopes, scopeGroup{scope: scope, spans: []sdktrace.ReadOnlySpan{s}})
		return groups
	}
	return append(groups, resourceGroup{res: res, key: key, scopes: []scopeGroup{{scope: scope, spans: []sdktrace.ReadOnlySpan{s}}}})
}

func appendResourceSpans(b []byte, g *resourceGroup, sc *redact.Scrubber) []byte {
	if g.res != nil {
		b = appendMessage(b, rsResource, func(b []byte) []byte {
			iter := g.res.Iter()
			for iter.Next() {
				b = appendKeyValue(b, resAttributes, iter.Attribute(), sc)
			}
			return b
		})
	}
	for i := range g.scopes {
		sg := &g.scopes[i]
		b = appendMessage(b, rsScopeSpans, func(b []byte) []byte { return appendScopeSpans(b, sg, sc) })
	}
	if g.res != nil {
		b = appendString(b, rsSchemaURL, g.res.SchemaURL())
	}
	return b
}

func appendScopeSpans(b []byte, sg *scopeGroup, sc *redact.Scrubber) []byte {
	if sg.scope != (instrumentation.Scope{}) {
		b = appendMessage(b, ssScope, func(b []byte) []byte {
			b = appendString(b, scopeName, sg.scope.Name)
			b = appendString(b, scopeVersion, sg.scope.Version)
			iter := sg.scope.Attributes.Iter()
			for iter.Next() {
				b = appendKeyValue(b, scopeAttributes, iter.Attribute(), sc)
			}
			return b
		})
	}
	for _, s := range sg.spans {
		b = appendMessage(b, ssSpans, func(b []byte) []byte { return appendSpan(b, s, sc) })
	}
	return appendString(b, ssSchemaURL, sg.scope.SchemaURL)
}

func appendSpan(b []byte, s sdktrace.ReadOnlySpan, scr *redact.Scrubber) []byte {
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	b = appendBytes(b, spanTraceID, tid[:])
	b = appendBytes(b, spanSpanID, sid[:])
	b = appendString(b, spanTraceState, sc.TraceState().String())
	parent := s.Parent()
	if psid := parent.SpanID(); psid.IsValid() {
		b = appendBytes(b, spanParentSpanID, psid[:])
	}
	b = appendString(b, spanName, scrub.Key(scr, s.Name()))
	if k := kind(s.SpanKind()); k != 0 {
		b = protowire.AppendTag(b, spanKind, protowire.VarintType)
		b = protowire.AppendVarint(b, k)
	}
	b = appendFixed64(b, spanStart, unixNano(s.StartTime().UnixNano()))
	b = appendFixed64(b, spanEnd, unixNano(s.EndTime().UnixNano()))
	for _, kv := range s.Attributes() {
		b = appendKeyValue(b, spanAttributes, kv, scr)
	}
	b = appendUint32(b, spanDroppedAttributes, s.DroppedAttributes())
	for _, e := range s.Events() {
		b = appendMessage(b, spanEvents, func(b []byte) []byte {
			b = appendFixed64(b, eventTime, unixNano(e.Time.UnixNano()))
			b = appendString(b, eventName, scrub.Key(scr, e.Name))
			for _, kv := range e.Attributes {
				b = appendKeyValue(b, eventAttributes, kv, scr)
			}
			return appendUint32(b, eventDroppedAttributes, e.DroppedAttributeCount)
		})
	}
	b = appendUint32(b, spanDroppedEvents, s.DroppedEvents())
	for _, l := range s.Links() {
		b = appendMessage(b, spanLinks, func(b []byte) []byte {
			ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
			b = appendBytes(b, linkTraceID, ltid[:])
			b = appendBytes(b, linkSpanID, lsid[:])
			for _, kv := range l.Attributes {
				b = appendKeyValue(b, linkAttributes, kv, scr)
			}
			b = appendUint32(b, linkDroppedAttributes, l.DroppedAttributeCount)
			return appendFixed32(b, linkFlags, flags(l.SpanContext.TraceFlags(), l.SpanContext))
		})
	}
	b = appendUint32(b, spanDroppedLinks, s.DroppedLinks())
	st := s.Status()
	b = appendMessage(b, spanStatus, func(b []byte) []byte {
		b = appendString(b, statusMessage, scrub.Text(scr, st.Description))
		var c uint64
		switch st.Code {
		case codes.Ok:
			c = 1
		case codes.Error:
			c = 2
		}
		if c != 0 {
			b = protowire.AppendTag(b, statusCode, protowire.VarintType)
			b = protowire.AppendVarint(b, c)
		}
		return b
	})
	return appendFixed32(b, spanFlags, flags(sc.TraceFlags(), parent))
}

// flags is the W3C trace flags plus the "is remote is known" bit and, when
// the parent is remote, the "is remote" bit.
func flags(tf trace.TraceFlags, parent trace.SpanContext) uint32 {
	f := uint32(tf) | flagHasIsRemote
	if parent.IsRemote() {
		f |= flagIsRemote
	}
	return f
}

func kind(k trace.SpanKind) uint64 {
	switch k {
	case trace.SpanKindInternal, trace.SpanKindServer, trace.SpanKindClient, trace.SpanKindProducer, trace.SpanKindConsumer:
		return uint64(k)
	}
	return 0
}

func unixNano(n int64) uint64 {
	if n < 0 {
		return 0
	}
	return uint64(n)
}

func appendKeyValue(b []byte, field protowire.Number, kv attribute.KeyValue, sc *redact.Scrubber) []byte {
	key, v := string(kv.Key), kv.Value
	if sc.Key(key) {
		v = attribute.StringValue(redact.Redacted)
	}
	return appendMessage(b, field, func(b []byte) []byte {
		b = appendString(b, kvKey, scrub.Key(sc, key))
		return appendMessage(b, kvValue, func(b []byte) []byte { return appendValue(b, v, sc) })
	})
}

// appendValue appends the fields of an AnyValue, its strings redacted by
// sc. Every oneof member is written even when it holds its zero value: a
// oneof keeps its presence.
func appendValue(b []byte, v attribute.Value, sc *redact.Scrubber) []byte {
	switch v.Type() {
	case attribute.BOOL:
		b = protowire.AppendTag(b, anyBool, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeBool(v.AsBool()))
	case attribute.INT64:
		b = protowire.AppendTag(b, anyInt, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(v.AsInt64()))
	case attribute.FLOAT64:
		b = protowire.AppendTag(b, anyDouble, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(v.AsFloat64()))
	case attribute.STRING:
		str := scrub.Text(sc, v.AsString())
		if !utf8.ValidString(str) {
			str = strings.ToValidUTF8(str, "\uFFFD")
		}
		b = protowire.AppendTag(b, anyString, protowire.BytesType)
		b = protowire.AppendString(b, str)
	case attribute.BYTESLICE:
		b = protowire.AppendTag(b, anyBytes, protowire.BytesType)
		b = protowire.AppendBytes(b, scrub.Bytes(sc, v.AsByteSlice()))
	case attribute.BOOLSLICE:
		b = appendArray(b, func(b []byte) []byte {
			for _, x := range v.AsBoolSlice() {
				b = appendMessage(b, arrayValues, func(b []byte) []byte { return appendValue(b, attribute.BoolValue(x), nil) })
			}
			return b
		})
	case attribute.INT64SLICE:
		b = appendArray(b, func(b []byte) []byte {
			for _, x := range v.AsInt64Slice() {
				b = appendMessage(b, arrayValues, func(b []byte) []byte { return appendValue(b, attribute.Int64Value(x), nil) })
			}
			return b
		})
	case attribute.FLOAT64SLICE:
		b = appendArray(b, func(b []byte) []byte {
			for _, x := range v.AsFloat64Slice() {
				b = appendMessage(b, arrayValues, func(b []byte) []byte { return appendValue(b, attribute.Float64Value(x), nil) })
			}
			return b
		})
	case attribute.STRINGSLICE:
		b = appendArray(b, func(b []byte) []byte {
			for _, x := range v.AsStringSlice() {
				b = appendMessage(b, arrayValues, func(b []byte) []byte { return appendValue(b, attribute.StringValue(x), sc) })
			}
			return b
		})
	case attribute.SLICE:
		b = appendArray(b, func(b []byte) []byte {
			for _, x := range v.AsSlice() {
				b = appendMessage(b, arrayValues, func(b []byte) []byte { return appendValue(b, x, sc) })
			}
			return b
		})
	case attribute.MAP:
		b = appendMessage(b, anyKVList, func(b []byte) []byte {
			for _, kv := range v.AsMap() {
				b = appendKeyValue(b, kvlistValues, kv, sc)
			}
			return b
		})
	case attribute.EMPTY:
	default:
		b = protowire.AppendTag(b, anyString, protowire.BytesType)
		b = protowire.AppendString(b, "INVALID")
	}
	return b
}

func appendArray(b []byte, values func([]byte) []byte) []byte {
	return appendMessage(b, anyArray, values)
}

// appendMessage appends field as an embedded message whose fields body
// appends. The length is reserved as one byte and widened if needed, so the
// message is encoded once, in place.
func appendMessage(b []byte, field protowire.Number, body func([]byte) []byte) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	at := len(b)
	b = append(b, 0)
	b = body(b)
	n := len(b) - at - 1
	if n < 0x80 {
		b[at] = byte(n)
		return b
	}
	w := protowire.SizeVarint(uint64(n))
	b = append(b, make([]byte, w-1)...)
	copy(b[at+w:], b[at+1:at+1+n])
	protowire.AppendVarint(b[:at], uint64(n))
	return b
}

// Scalar fields are left out at their zero value, as proto3 does.

// appendString appends a string field. Invalid UTF-8 is replaced with
// U+FFFD: protobuf strings must be valid UTF-8, and a collector rejects the
// whole request (every span of the invocation) for one bad string.
func appendString(b []byte, field protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, field protowire.Number, p []byte) []byte {
	if len(p) == 0 {
		return b
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendBytes(b, p)
}

func appendFixed64(b []byte, field protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, field, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

func appendFixed32(b []byte, field protowire.Number, v uint32) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, field, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, v)
}

func appendUint32(b []byte, field protowire.Number, n int) []byte {
	if n <= 0 {
		return b
	}
	v := uint64(min(int64(n), math.MaxUint32))
	b = protowire.AppendTag(b, field, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// PartialSuccess decodes an ExportTraceServiceResponse and returns its
// partial_success: how many spans were rejected, and why. A response that
// does not decode reports nothing.
func PartialSuccess(resp []byte) (rejected int64, message string) {
	ps := fieldBytes(resp, 1)
	if ps == nil {
		return 0, ""
	}
	if v := field(ps, 1, protowire.VarintType); v != nil {
		n, _ := protowire.ConsumeVarint(v)
		rejected = int64(n)
	}
	return rejected, string(fieldBytes(ps, 2))
}

// StatusMessage returns the message of a google.rpc.Status, the body of an
// OTLP/HTTP error response, or "".
func StatusMessage(body []byte) string {
	return string(fieldBytes(body, 2))
}

func fieldBytes(b []byte, num protowire.Number) []byte {
	v := field(b, num, protowire.BytesType)
	if v == nil {
		return nil
	}
	p, n := protowire.ConsumeBytes(v)
	if n < 0 {
		return nil
	}
	return p
}

// field returns the last occurrence of field num (its value, still
// encoded), or nil.
func field(b []byte, num protowire.Number, typ protowire.Type) []byte {
	var out []byte
	for len(b) > 0 {
		n, t, l := protowire.ConsumeTag(b)
		if l < 0 {
			return nil
		}
		b = b[l:]
		vl := protowire.ConsumeFieldValue(n, t, b)
		if vl < 0 {
			return nil
		}
		if n == num && t == typ {
			out = b[:vl]
		}
		b = b[vl:]
	}
	return out
}
