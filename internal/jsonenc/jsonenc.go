// Package jsonenc appends JSON values to byte slices without reflection or
// allocation. The logger and the EMF encoder share it so both escape strings
// and format numbers the same way encoding/json does.
package jsonenc

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// safe reports the ASCII bytes that need no escaping inside a JSON string.
var safe = func() (s [utf8.RuneSelf]bool) {
	for i := range s {
		s[i] = i >= 0x20 && i != '"' && i != '\\'
	}
	return s
}()

// AppendString appends s as a quoted JSON string. Invalid UTF-8 becomes
// U+FFFD, control characters and U+2028/U+2029 are escaped; HTML characters
// are left alone, as in log/slog's JSON handler.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = AppendStringContents(dst, s)
	return append(dst, '"')
}

// AppendStringContents appends the escaped contents of s without quotes.
func AppendStringContents(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// AppendBytesString appends b as a quoted JSON string, escaped as AppendString does.
func AppendBytesString(dst, b []byte) []byte {
	// The conversion does not allocate: the compiler passes the bytes through.
	return AppendString(dst, string(b))
}

// AppendFloat appends f as encoding/json formats a float64. It reports false
// and appends nothing when f is NaN or infinite, which JSON cannot represent.
func AppendFloat(dst []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}

// AppendTime appends t in UTC as a quoted RFC 3339 timestamp with
// millisecond precision, e.g. "2026-11-26T15:04:05.123Z".
func AppendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	if year < 0 || year > 9999 {
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
		return append(dst, '"')
	}
	dst = append(dst, '"')
	dst = appendInt(dst, year, 4)
	dst = append(dst, '-')
	dst = appendInt(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendInt(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendInt(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, min, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendInt(dst, ms, 3)
	return append(dst, 'Z', '"')
}

func appendInt(dst []byte, v, width int) []byte {
	var b [4]byte
	for i := width - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, b[:width]...)
}
