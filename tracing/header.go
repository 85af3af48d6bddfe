package tracing

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Header is an X-Ray trace header, as Lambda passes it in the context value
// "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".
// Fields it does not know (Lineage=…, Self=…) are kept in order and written
// back by String.
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

// ParseHeader parses an X-Ray trace header. It accepts fields in any order,
// spaces around them, and unknown fields (kept in Other). It returns an
// error when Root is missing or malformed, or Parent is not 16 hex digits.
func ParseHeader(s string) (Header, error) {
	var h Header
	rest := s
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ";")
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return Header{}, fmt.Errorf("tracing: trace header field %q has no '='", part)
		}
		switch key {
		case "Root":
			if err := checkRoot(val); err != nil {
				return Header{}, err
			}
			h.Root = val
		case "Parent":
			if !isHex(val, 16) {
				return Header{}, fmt.Errorf("tracing: trace header Parent %q is not 16 hex digits", val)
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
			h.Other = append(h.Other, part)
		}
	}
	if h.Root == "" {
		return Header{}, errors.New("tracing: trace header has no Root")
	}
	return h, nil
}

func checkRoot(root string) error {
	// 1-<8 hex digits of epoch seconds>-<24 hex digits>
	if len(root) != 35 || root[0] != '1' || root[1] != '-' || root[10] != '-' || !isHex(root[2:10], 8) || !isHex(root[11:], 24) {
		return fmt.Errorf("tracing: trace header Root %q is not 1-<8 hex>-<24 hex>", root)
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// String formats the header as X-Ray writes it: Root, Parent, Sampled, then
// the other fields.
func (h Header) String() string {
	var b strings.Builder
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
