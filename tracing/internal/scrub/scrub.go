// Package scrub applies the redaction rules of internal/redact to what the
// tracing backends record and encode: span attributes, metadata, status
// and exception texts, and whole documents. It is shared by the X-Ray and
// OpenTelemetry backends and their exporters.
package scrub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/lambdaobs/lambdaobs/internal/bufpool"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// Process returns the scrubber of the process: the default secret keys and
// the process's secret values (the function's AWS credentials and the
// values registered with redact.AddSecrets). Encoders apply it to every span
// they write, whichever way the span was recorded.
func Process() redact.Scrubber { return (*redact.Scope)(nil).Scrubber() }

// Text returns s as it may be written (see redact.Scrubber.Text). It
// allocates only when s changes.
func Text(sc *redact.Scrubber, s string) string {
	if t, ok := sc.Text(s); ok {
		return t
	}
	return s
}

// Bytes returns b with the secrets its text holds replaced, as Text does
// for a string: b itself when nothing in it is secret.
func Bytes(sc *redact.Scrubber, b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	if t, ok := sc.Text(string(b)); ok {
		return []byte(t)
	}
	return b
}

// Texts returns ss with each string redacted by sc, and whether one
// changed; ss itself when none does.
func Texts(sc *redact.Scrubber, ss []string) ([]string, bool) {
	var out []string
	for i, s := range ss {
		if t, ok := sc.Text(s); ok {
			if out == nil {
				out = slices.Clone(ss)
			}
			out[i] = t
		}
	}
	if out == nil {
		return ss, false
	}
	return out, true
}

// Key returns key with the secret values in it replaced: a key is written
// as well as its value.
func Key(sc *redact.Scrubber, key string) string {
	if k, ok := sc.Values(key); ok {
		return k
	}
	return key
}

// JSON returns the JSON document b with every rule applied (see
// redact.Scrubber.AppendJSON): b itself, without allocating, when nothing in
// it is secret.
func JSON(sc *redact.Scrubber, b []byte) []byte {
	if sc == nil || len(b) == 0 {
		return b
	}
	bp := bufpool.Get()
	out := sc.AppendJSON(*bp, b)
	if bytes.Equal(out, b) {
		*bp = out
		bufpool.Put(bp)
		return b
	}
	// The pool's buffer now belongs to the caller.
	return out
}

// rememberJSON remembers, into the scrubber's set, the strings and numbers
// of js, the JSON of a value held under key.
func rememberJSON(sc *redact.Scrubber, key string, js []byte) {
	if sc == nil || sc.Into == nil || len(js) == 0 {
		return
	}
	// AppendJSON remembers what it redacts by key: show it the value under
	// its key.
	doc := make([]byte, 0, len(key)+len(js)+8)
	doc = append(jsonenc.AppendString(append(doc, '{'), key), ':')
	doc = append(append(doc, js...), '}')
	_ = sc.AppendJSON(nil, doc)
}

// MarshalJSON encodes v as JSON, never failing and never panicking: an
// error is its message; a json.RawMessage is compacted (or, when it is not
// JSON, a string of its text); a value encoding/json rejects, or whose
// MarshalJSON, String or Error method panics, is a JSON string saying why
// ("<chan int: json: unsupported type: chan int>").
func MarshalJSON(v any) []byte {
	b, _ := marshal(v)
	return b
}

// marshal is MarshalJSON, and whether v was encoded as it is (false: b
// says why it could not be).
func marshal(v any) (b []byte, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			b, _ = json.Marshal(fmt.Sprintf("<%s: panic while encoding: %s>", errinfo.Type(v), errinfo.Sprint(r)))
			ok = false
		}
	}()
	switch x := v.(type) {
	case nil:
		return []byte("null"), true
	case json.RawMessage:
		var buf bytes.Buffer
		if json.Compact(&buf, x) == nil {
			return buf.Bytes(), true
		}
		v = string(x)
	case error:
		v = errinfo.Message(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprintf("<%T: %v>", v, err))
		return b, false
	}
	return b, true
}

// Remember remembers, into the scrubber's set, what v holds: v is held
// under key, a secret key, so it is redacted there and must be wherever
// else it appears. The strings and numbers of its JSON are remembered; a
// value encoding/json rejects is remembered as the text fmt writes of it.
func Remember(sc *redact.Scrubber, key string, v any) {
	if sc == nil || sc.Into == nil {
		return
	}
	b, ok := marshal(v)
	if !ok {
		sc.Remember(errinfo.Sprint(v))
		return
	}
	rememberJSON(sc, key, b)
}
