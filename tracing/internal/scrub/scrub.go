// Package scrub applies the redaction rules of internal/redact to what the
// tracing backends record and encode: span attributes, metadata, status
// and exception texts, and whole documents. It is shared by the X-Ray and
// OpenTelemetry backends and their exporters.
package scrub

import (
	"bytes"

	"github.com/lambdaobs/lambdaobs/internal/bufpool"
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

// RememberJSON remembers, into the scrubber's set, the strings and numbers
// of js, the JSON of a value held under key, a secret key: the value is
// redacted here, and must be wherever else it appears.
func RememberJSON(sc *redact.Scrubber, key string, js []byte) {
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
