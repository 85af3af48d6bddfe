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

// safe reports the bytes that need no escaping inside a JSON string and
// start no multi-byte sequence.
var safe = func() (s [256]bool) {
	for i := 0x20; i < utf8.RuneSelf; i++ {
		s[i] = i != '"' && i != '\\'
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
	i := 0
	// Eight bytes at a time while none needs escaping.
	for ; i+8 <= len(s); i += 8 {
		if hasUnsafe(word(s, i)) {
			break
		}
	}
	for i < len(s) && safe[s[i]] {
		i++
	}
	if i == len(s) {
		return append(dst, s...)
	}
	return appendEscaped(dst, s, i)
}

// Plain reports whether s is written as it is inside a JSON string: ASCII
// without control characters, quotes or backslashes. A plain string is
// valid UTF-8, and AppendString only quotes it.
func Plain(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if hasUnsafe(word(s, i)) {
			return false
		}
	}
	for ; i < len(s); i++ {
		if !safe[s[i]] {
			return false
		}
	}
	return true
}

// word returns the eight bytes of s at i as one little-endian word.
func word(s string, i int) uint64 {
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hasUnsafe reports whether a byte of x is below 0x20, is '"' or '\\', or
// has its high bit set (the start of a multi-byte sequence).
func hasUnsafe(x uint64) bool {
	less := (x - lsb*0x20) & ^x & msb
	quote := x ^ (lsb * '"')
	quote = (quote - lsb) & ^quote & msb
	back := x ^ (lsb * '\\')
	back = (back - lsb) & ^back & msb
	return (less | quote | back | x&msb) != 0
}

// appendEscaped appends s, of which s[:i] needs no escaping.
func appendEscaped(dst []byte, s string, i int) []byte {
	start := 0
	for i < len(s) {
		b := s[i]
		if safe[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
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

// AppendFloat appends f as encoding/json formats a float64. It reports false
// and appends nothing when f is NaN or infinite, which JSON cannot represent.
func AppendFloat(dst []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	if f == 0 {
		// Zero is common (counts of what did not happen) and needs no
		// search for digits.
		if math.Signbit(f) {
			return append(dst, '-', '0'), true
		}
		return append(dst, '0'), true
	}
	if f > -1e15 && f < 1e15 {
		if i := int64(f); float64(i) == f {
			return strconv.AppendInt(dst, i, 10), true
		}
	}
	abs := math.Abs(f)
	if out, ok := appendShortDecimal(dst, f, abs); ok {
		return out, true
	}
	return appendGeneral(dst, f, abs != 0 && (abs < 1e-6 || abs >= 1e21), 64), true
}

// AppendFloat32 appends f as encoding/json formats a float32, reporting
// false for NaN and ±Inf.
func AppendFloat32(dst []byte, f float32) ([]byte, bool) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dst, false
	}
	abs := float32(math.Abs(v))
	return appendGeneral(dst, v, abs != 0 && (abs < 1e-6 || abs >= 1e21), 32), true
}

// appendGeneral appends f with the shortest digits that read back as a
// float of bits bits, in exponent form when exp is set, the exponent
// written as encoding/json does (e-7, not e-07).
func appendGeneral(dst []byte, f float64, exp bool, bits int) []byte {
	if !exp {
		return strconv.AppendFloat(dst, f, 'f', -1, bits)
	}
	dst = strconv.AppendFloat(dst, f, 'e', -1, bits)
	n := len(dst)
	if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
		dst[n-2] = dst[n-1]
		dst = dst[:n-1]
	}
	return dst
}

var pow10 = [...]float64{1, 10, 100, 1000, 10000}

// appendShortDecimal formats the common case of a value with at most four
// decimals and a magnitude below 1e9 without strconv's shortest-digit
// search. It tries p = 0..4 decimals and accepts the first n = round(f·10^p)
// for which n/10^p, correctly rounded, is f again: that decimal is then the
// shortest that reads back as f, which is what strconv would print. At this
// magnitude the spacing of float64 values is far below 10^-4, so at most one
// n can read back as f for a given p.
func appendShortDecimal(dst []byte, f, abs float64) ([]byte, bool) {
	if abs == 0 || abs >= 1e9 || abs < 1e-4 {
		return dst, false
	}
	for p, scale := range pow10 {
		n := math.Round(abs * scale)
		if n/scale != abs {
			continue
		}
		u := uint64(n)
		if f < 0 {
			dst = append(dst, '-')
		}
		if p == 0 {
			return strconv.AppendUint(dst, u, 10), true
		}
		div := uint64(scale)
		dst = strconv.AppendUint(dst, u/div, 10)
		dst = append(dst, '.')
		frac := u % div
		for d := div / 10; d > 0; d /= 10 {
			dst = append(dst, byte('0'+frac/d%10))
		}
		return dst, true
	}
	return dst, false
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
	dst = append2(dst, year/100)
	dst = append2(dst, year%100)
	dst = append(dst, '-')
	dst = append2(dst, int(month))
	dst = append(dst, '-')
	dst = append2(dst, day)
	dst = append(dst, 'T')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, min)
	dst = append(dst, ':')
	dst = append2(dst, sec)
	dst = append(dst, '.', byte('0'+ms/100))
	dst = append2(dst, ms%100)
	return append(dst, 'Z', '"')
}

const digits2 = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

func append2(dst []byte, v int) []byte {
	return append(dst, digits2[2*v], digits2[2*v+1])
}
