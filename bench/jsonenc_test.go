package bench

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
)

// BenchmarkJSONString is what internal/jsonenc gains over encoding/json on
// the values a log line and an EMF document are made of: a typical string
// and a float, appended to a reused buffer (encoding/json cannot append,
// and escapes HTML unless told not to).
func BenchmarkJSONString(b *testing.B) {
	const s = "order o-1234567 processed for customer c-42 in eu-west-1"
	buf := make([]byte, 0, 256)
	b.Run("lambdaobs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = jsonenc.AppendString(buf[:0], s)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, _ := json.Marshal(s)
			buf = append(buf[:0], out...)
		}
	})
	b.Run("strconv_quote", func(b *testing.B) {
		// Not JSON (Go escapes), the floor of a quoting loop.
		b.ReportAllocs()
		for b.Loop() {
			buf = strconv.AppendQuote(buf[:0], s)
		}
	})
}

// BenchmarkJSONFloat: a metric value, formatted as encoding/json does.
func BenchmarkJSONFloat(b *testing.B) {
	const f = 1234.5678
	buf := make([]byte, 0, 64)
	b.Run("lambdaobs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = jsonenc.AppendFloat(buf[:0], f)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, _ := json.Marshal(f)
			buf = append(buf[:0], out...)
		}
	})
}
