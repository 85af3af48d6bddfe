package tracing

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
// fields it does not know go to other when other is not nil. otherLen is
// their length, with a separator for each; bad is the field at fault.
func parse(header string, other *[]string) (h Header, otherLen int, bad string, e headerError) {
	rest := header
	for rest != "" {
		var part string
		part, rest = nextField(rest)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return Header{}, 0, part, headerNoEquals
		}
		switch key {
		case "Root":
			if !xrayid.ValidTraceID(val) {
				return Header{}, 0, val, headerBadRoot
			}
			h.Root = val
		case "Parent":
			if !xrayid.ValidSpanID(val) {
				return Header{}, 0, val, headerBadParent
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
			otherLen += 1 + len(part)
			if other != nil {
				*other = append(*other, part)
			}
		}
	}
	if h.Root == "" {
		return Header{}, 0, "", headerNoRoot
	}
	return h, otherLen, "", headerOK
}

// ParseHeader parses an X-Ray trace header. It accepts fields in any order,
// spaces around them, and unknown fields (kept in Other). It returns an
// error when Root is missing or malformed, or Parent is not 16 hex digits.
// It allocates only for the unknown fields it keeps, and for an error.
func ParseHeader(s string) (Header, error) {
	var other []string
	h, _, bad, e := parse(s, &other)
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
	h, _, _, e := parse(header, nil)
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
	h := SpanFromContext(ctx).Header()
	if h.Root != "" && !h.Valid() {
		h = Header{}
	}
	in, ok := HeaderFromContext(ctx)
	if !ok {
		return h
	}
	got, err := ParseHeader(in)
	if err != nil {
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
// allocation: from the span's ids, with the invocation's header read in
// place.
func outgoingString(ctx context.Context) (header string, other bool) {
	s, ok := SpanFromContext(ctx).(spanIDs)
	if !ok {
		return outgoingFallback(ctx)
	}
	ids := s.HeaderIDs()
	if !ids.OK {
		return outgoingFallback(ctx) // the invocation's header, if any
	}
	root := ids.IDs[:xrayid.TraceIDLen]
	in, otherLen := "", 0 // the invocation's header, when it has other fields to carry over
	if h, ok := HeaderFromContext(ctx); ok {
		if got, n, _, e := parse(h, nil); e == headerOK && n > 0 && got.Root == string(root) {
			in, otherLen = h, n
		}
	}
	n := len("Root=") + len(root) + len(";Sampled=1") + otherLen
	if ids.HasParent {
		n += len(";Parent=") + xrayid.SpanIDLen
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("Root=")
	b.Write(root)
	if ids.HasParent {
		b.WriteString(";Parent=")
		b.Write(ids.IDs[xrayid.TraceIDLen:])
	}
	if ids.Sampled {
		b.WriteString(";Sampled=1")
	} else {
		b.WriteString(";Sampled=0")
	}
	// The fields parse keeps in Other, as it reads them.
	for rest := in; rest != ""; {
		var part string
		part, rest = nextField(rest)
		if key, _, _ := strings.Cut(part, "="); part == "" || key == "Root" || key == "Parent" || key == "Sampled" {
			continue
		}
		b.WriteByte(';')
		b.WriteString(part)
		other = true
	}
	return b.String(), other
}

// outgoingFallback is outgoingString for any span.
func outgoingFallback(ctx context.Context) (string, bool) {
	h := OutgoingHeader(ctx)
	if h.Root == "" {
		return "", false
	}
	return h.String(), len(h.Other) > 0
}

// spanIDs is a span of lambdaobs's backends: HeaderIDs returns the ids of
// its Header as bytes, without allocating. A span from outside lambdaobs
// cannot have the method, whose result is of an internal type.
type spanIDs interface {
	HeaderIDs() xrayid.HeaderIDs
}

// nextField returns the first field of rest, the rest of a header, with
// the spaces around it trimmed, and what follows it.
func nextField(rest string) (field, after string) {
	field, after, _ = strings.Cut(rest, ";")
	return strings.TrimSpace(field), after
}

func init() { hook.OutgoingHeader = outgoingString }
