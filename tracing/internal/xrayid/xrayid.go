// Package xrayid makes, checks and converts X-Ray trace and span ids: the
// one place the tracing packages handle their forms. A trace id is
// "1-<8 hex digits: epoch seconds>-<24 hex digits: random>", 16 bytes once
// decoded (what OpenTelemetry calls a trace id); a span id is 16 hex
// digits, 8 bytes.
package xrayid

import (
	"encoding/hex"
	"math/rand/v2"
	"time"
)

// TraceIDLen is the length of a trace id in X-Ray form, SpanIDLen the
// length of a span (segment) id.
const (
	TraceIDLen = 35
	SpanIDLen  = 16
)

// HeaderIDs are the ids of a span's trace header, as bytes: the trace id,
// then the span id unless HasParent is false. OK is false when the span
// has no trace header of its own; Sampled is its sampling decision. The
// backends' spans give them, valid, so that the header of an AWS SDK call
// is written without formatting them as strings first.
type HeaderIDs struct {
	IDs                    [TraceIDLen + SpanIDLen]byte
	HasParent, Sampled, OK bool
}

// ValidTraceID reports whether s is a trace id in X-Ray form.
func ValidTraceID(s string) bool {
	return len(s) == TraceIDLen && s[0] == '1' && s[1] == '-' && s[10] == '-' && IsHex(s[2:10], 8) && IsHex(s[11:], 24)
}

// ValidSpanID reports whether s is 16 hex digits.
func ValidSpanID(s string) bool { return IsHex(s, SpanIDLen) }

// IsHex reports whether s is n hex digits, of either case.
func IsHex(s string, n int) bool {
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

// NewTraceID returns a new trace id: the epoch seconds of now, then 96
// random bits.
func NewTraceID(now time.Time) [16]byte {
	var b [16]byte
	sec := uint32(now.Unix())
	b[0], b[1], b[2], b[3] = byte(sec>>24), byte(sec>>16), byte(sec>>8), byte(sec)
	x, y := rand.Uint64(), rand.Uint32()
	for i := range 8 {
		b[4+i] = byte(x >> (56 - 8*i))
	}
	b[12], b[13], b[14], b[15] = byte(y>>24), byte(y>>16), byte(y>>8), byte(y)
	return b
}

// NewSpanID returns a random span id, never all zeros (an invalid id for
// OpenTelemetry, an unsampled segment's for the X-Ray SDKs).
func NewSpanID() [8]byte {
	x := rand.Uint64()
	for x == 0 {
		x = rand.Uint64()
	}
	var b [8]byte
	for i := range b {
		b[i] = byte(x >> (56 - 8*i))
	}
	return b
}

// FormatTraceID returns id in X-Ray form
// ("1-5759e988-bd862e3fe1be46a994272793"), or "" for the zero id, which is
// no trace.
func FormatTraceID(id [16]byte) string {
	if id == [16]byte{} {
		return ""
	}
	var out [TraceIDLen]byte
	out[0], out[1], out[10] = '1', '-', '-'
	hex.Encode(out[2:10], id[:4])
	hex.Encode(out[11:], id[4:])
	return string(out[:])
}

// ParseTraceID decodes a trace id in X-Ray form; ok is false when s is not
// one, or is all zeros.
func ParseTraceID(s string) (id [16]byte, ok bool) {
	if !ValidTraceID(s) {
		return id, false
	}
	_, _ = hex.Decode(id[:4], []byte(s[2:10]))
	_, _ = hex.Decode(id[4:], []byte(s[11:]))
	return id, id != [16]byte{}
}

// FormatSpanID returns id as 16 lower-case hex digits.
func FormatSpanID(id [8]byte) string {
	var out [16]byte
	hex.Encode(out[:], id[:])
	return string(out[:])
}

// ParseSpanID decodes 16 hex digits; ok is false when s is not that, or is
// all zeros.
func ParseSpanID(s string) (id [8]byte, ok bool) {
	if !ValidSpanID(s) {
		return id, false
	}
	_, _ = hex.Decode(id[:], []byte(s))
	return id, id != [8]byte{}
}
