package tracing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

// Header is an X-Ray trace header, as Lambda passes it in the context value
// "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".
// Fields it does not know (Lineage=…, Self=…) are kept in order and written
// back by String.
//
// It is the one parser of the header in lambdaobs: the backends, the logger
// (through Root), the AWS SDK instrumentation and the event-source adapters
// all read it here.
type Header struct {
	Root    string // "1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx"
	Parent  string // 16 hex digits, or ""
	Sampled Sampling
	Other   []string // other "Key=Value" fields, in order
}

// Sampling is the sampling decision in a header.
type Sampling int8

// Sampling decisions.
const (
	SampledUnknown Sampling = iota // no Sampled field, or Sampled=?
	SampledYes
	SampledNo
)

// headerError is what parse found wrong, described by ParseHeader only:
// Root, which needs no description, allocates nothing.
type headerError int8

const (
	headerOK headerError = iota
	headerNoEquals
	headerBadRoot
	headerBadParent
	headerNoRoot
)

// parse reads header's fields, in any order, with spaces around them;
// fields it does not know go to other when other is not nil. bad is the
// field at fault.
func parse(header string, other *[]string) (h Header, bad string, e headerError) {
	rest := header
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ";")
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return Header{}, part, headerNoEquals
		}
		switch key {
		case "Root":
			if !xrayid.ValidTraceID(val) {
				return Header{}, val, headerBadRoot
			}
			h.Root = val
		case "Parent":
			if !xrayid.ValidSpanID(val) {
				return Header{}, val, headerBadParent
			}
			h.Parent = val
		case "Sampled":
			switch val {
			case "1":
				h.Sampled = SampledYes
			case "0":
				h.Sampled = SampledNo
			default:
				h.Sampled = SampledUnknown
			}
		default:
			if other != nil {
				*other = append(*other, part)
			}
		}
	}
	if h.Root == "" {
		return Header{}, "", headerNoRoot
	}
	return h, "", headerOK
}

// ParseHeader parses an X-Ray trace header. It accepts fields in any order,
// spaces around them, and unknown fields (kept in Other). It returns an
// error when Root is missing or malformed, or Parent is not 16 hex digits.
// It allocates only for the unknown fields it keeps, and for an error.
func ParseHeader(s string) (Header, error) {
	var other []string
	h, bad, e := parse(s, &other)
	switch e {
	case headerNoEquals:
		return Header{}, fmt.Errorf("tracing: trace header field %q has no '='", bad)
	case headerBadRoot:
		return Header{}, fmt.Errorf("tracing: trace header Root %q is not 1-<8 hex>-<24 hex>", bad)
	case headerBadParent:
		return Header{}, fmt.Errorf("tracing: trace header Parent %q is not 16 hex digits", bad)
	case headerNoRoot:
		return Header{}, errors.New("tracing: trace header has no Root")
	}
	h.Other = other
	return h, nil
}

// Root returns the trace id of an X-Ray trace header (its Root field, the
// xray_trace_id of log lines and metrics), or "" when ParseHeader would
// refuse the header. It allocates nothing.
func Root(header string) string {
	if header == "" {
		return ""
	}
	h, _, e := parse(header, nil)
	if e != headerOK {
		return ""
	}
	return h.Root
}

// Valid reports whether h is a header ParseHeader would return: Root a
// trace id in X-Ray form, Parent empty or 16 hex digits. Backends check
// the headers they are given as values (WithRemoteParent, WithLinks) with
// it.
func (h Header) Valid() bool {
	return xrayid.ValidTraceID(h.Root) && (h.Parent == "" || xrayid.ValidSpanID(h.Parent))
}

// String formats the header as X-Ray writes it: Root, Parent, Sampled, then
// the other fields. It allocates once.
func (h Header) String() string {
	n := len("Root=") + len(h.Root) + len(";Sampled=1")
	if h.Parent != "" {
		n += len(";Parent=") + len(h.Parent)
	}
	for _, o := range h.Other {
		n += 1 + len(o)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("Root=")
	b.WriteString(h.Root)
	if h.Parent != "" {
		b.WriteString(";Parent=")
		b.WriteString(h.Parent)
	}
	switch h.Sampled {
	case SampledYes:
		b.WriteString(";Sampled=1")
	case SampledNo:
		b.WriteString(";Sampled=0")
	}
	for _, o := range h.Other {
		b.WriteByte(';')
		b.WriteString(o)
	}
	return b.String()
}

// HeaderName is the HTTP header that carries the X-Ray trace header from a
// caller to the service it calls; AWS services that continue X-Ray traces
// (Lambda, Step Functions, SNS, API Gateway, …) read it. Code that calls a
// service over HTTP without awssdk or OpenTelemetry's instrumentation sets
// it to OutgoingHeader(ctx).String().
const HeaderName = names.HeaderTraceID

// lambdaTraceKey is the context key aws-lambda-go stores the trace header
// under; it is a plain string there, so it is one here too.
const lambdaTraceKey = "x-amzn-trace-id"

// ContextWithHeader returns ctx carrying header the way aws-lambda-go puts
// it there, for tests and local runs.
func ContextWithHeader(ctx context.Context, header string) context.Context {
	//lint:ignore SA1029 the key is aws-lambda-go's, a plain string.
	return context.WithValue(ctx, lambdaTraceKey, header)
}

// HeaderFromContext returns the trace header Lambda put into ctx (the value
// "x-amzn-trace-id"), never the _X_AMZN_TRACE_ID environment variable, which
// aws-lambda-go leaves unset when a process runs several invocations at once.
func HeaderFromContext(ctx context.Context) (string, bool) {
	s, ok := ctx.Value(lambdaTraceKey).(string)
	return s, ok && s != ""
}

// OutgoingHeader returns the trace header a call made with ctx should
// carry to the service it calls (the X-Amzn-Trace-Id of a request, the
// AWSTraceHeader of an SQS message), so the callee continues the trace:
// the current span's (Parent = that span), or, when no backend records
// one, the invocation's own header as Lambda passed it (HeaderFromContext;
// Parent = the function's segment). Fields other than Root, Parent and
// Sampled in the invocation's header (Lambda's Lineage, which its
// recursive loop detection counts) are carried over when the span is in
// the same trace. The zero Header means there is no trace to continue.
func OutgoingHeader(ctx context.Context) Header {
	h := outgoing(ctx)
	h.Other = slices.Clone(h.Other) // the caller's to change
	return h
}

// outgoing is OutgoingHeader, whose Other may be shared with other calls:
// read only.
func outgoing(ctx context.Context) Header {
	h := SpanFromContext(ctx).Header()
	if h.Root != "" && !h.Valid() {
		h = Header{}
	}
	in, ok := HeaderFromContext(ctx)
	if !ok {
		return h
	}
	got, ok := parseIncoming(in)
	if !ok {
		return h
	}
	if h.Root == "" {
		return got
	}
	if h.Root == got.Root {
		h.Other = got.Other
	}
	return h
}

// outgoingString is OutgoingHeader(ctx).String(), "" when there is no
// trace to continue, and whether the header has fields besides Root,
// Parent and Sampled (which are hex ids and digits, with nothing to
// escape). With a span of lambdaobs's backends it is written with one
// allocation, and no id checked again.
func outgoingString(ctx context.Context) (header string, other bool) {
	s, ok := SpanFromContext(ctx).(headerIDs)
	if !ok {
		return outgoingFallback(ctx)
	}
	ids, hasParent, sampled, ok := s.HeaderIDs()
	if !ok {
		return outgoingFallback(ctx) // the invocation's header, if any
	}
	root := ids[:xrayid.TraceIDLen]
	var others []string
	if in, ok := HeaderFromContext(ctx); ok {
		if got, ok := parseIncoming(in); ok && string(root) == got.Root {
			others = got.Other
		}
	}
	n := len("Root=") + len(root) + len(";Sampled=1")
	if hasParent {
		n += len(";Parent=") + xrayid.SpanIDLen
	}
	for _, o := range others {
		n += 1 + len(o)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("Root=")
	b.Write(root)
	if hasParent {
		b.WriteString(";Parent=")
		b.Write(ids[xrayid.TraceIDLen:])
	}
	if sampled {
		b.WriteString(";Sampled=1")
	} else {
		b.WriteString(";Sampled=0")
	}
	for _, o := range others {
		b.WriteByte(';')
		b.WriteString(o)
	}
	return b.String(), len(others) > 0
}

// outgoingFallback is outgoingString for any span.
func outgoingFallback(ctx context.Context) (string, bool) {
	h := outgoing(ctx)
	if h.Root == "" {
		return "", false
	}
	return h.String(), len(h.Other) > 0
}

// headerIDs is a span of lambdaobs's backends. HeaderIDs returns the
// trace id and the span's id of its Header, valid ids, in one array (the
// span id after the trace id, unless hasParent is false), and whether it
// is sampled; ok is false when Header returns the zero Header. The array
// is returned by value, so that nothing escapes to the heap.
type headerIDs interface {
	HeaderIDs() (ids [xrayid.TraceIDLen + xrayid.SpanIDLen]byte, hasParent, sampled, ok bool)
}

// incoming is an invocation's trace header as ParseHeader parsed it.
type incoming struct {
	in string
	h  Header // Other shared by every call that reads it
}

// lastIncoming is the invocation header parsed last: the calls of an
// invocation read the same header, which is parsed once for them all.
var lastIncoming atomic.Pointer[incoming]

// parseIncoming is ParseHeader for the header Lambda gave an invocation,
// reporting whether it is valid. The Other of what it returns is shared:
// read only.
func parseIncoming(in string) (Header, bool) {
	if last := lastIncoming.Load(); last != nil && last.in == in {
		return last.h, true
	}
	h, err := ParseHeader(in)
	if err != nil {
		return Header{}, false
	}
	h.Other = slices.Clip(h.Other)
	lastIncoming.Store(&incoming{in: in, h: h})
	return h, true
}

func init() { hook.OutgoingHeader = outgoingString }
