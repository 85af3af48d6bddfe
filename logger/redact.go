package logger

import (
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
)

// normalizeKeys lower-cases the keys and reads '-' and '.' as '_'.
func normalizeKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		var n []byte
		for i := 0; i < len(k); i++ {
			n = append(n, normByte(k[i]))
		}
		if len(n) > 0 {
			out = append(out, string(n))
		}
	}
	return out
}

func normByte(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	case c == '-' || c == '.' || c == ' ':
		return '_'
	}
	return c
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// redactor matches keys against the words to redact.
type redactor struct {
	words   []string
	byFirst [256][]string // words by their first byte, in both cases
}

func newRedactor(words []string) *redactor {
	r := &redactor{words: words}
	for _, w := range words {
		c := w[0]
		r.byFirst[c] = append(r.byFirst[c], w)
		if c >= 'a' && c <= 'z' {
			r.byFirst[c-'a'+'A'] = append(r.byFirst[c-'a'+'A'], w)
		}
	}
	return r
}

// secret reports whether one of the words appears in key as a whole word.
// Word starts are the start of the key, the byte after '_', '-', '.' or ' ',
// and an upper-case letter after a lower-case one (camelCase).
func (r *redactor) secret(key string) bool {
	if r == nil || len(r.words) == 0 {
		return false
	}
	for i := 0; i < len(key); i++ {
		cands := r.byFirst[key[i]]
		if cands == nil {
			continue
		}
		if i > 0 {
			p := key[i-1]
			boundary := p == '_' || p == '-' || p == '.' || p == ' ' || (isUpper(key[i]) && isLower(p))
			if !boundary {
				continue
			}
		}
		for _, w := range cands {
			if matchWordAt(key, i, w) {
				return true
			}
		}
	}
	return false
}

// matchWordAt reports whether w starts at key[i] and ends at a word end.
// A camelCase boundary inside key reads as an optional '_', so "apiKey"
// matches both "api_key" and "apikey".
func matchWordAt(key string, i int, w string) bool {
	k := i
	for j := 0; j < len(w); {
		if k >= len(key) {
			return false
		}
		c := key[k]
		if k > i && w[j] == '_' && isUpper(c) && isLower(key[k-1]) {
			j++
			continue
		}
		if normByte(c) != w[j] {
			return false
		}
		j++
		k++
	}
	if k == len(key) {
		return true
	}
	c, p := key[k], key[k-1]
	return c == '_' || c == '-' || c == '.' || c == ' ' || (isUpper(c) && isLower(p))
}

// redactJSON rewrites valid JSON, replacing the value of every object member
// whose key is secret with "[REDACTED]". It returns src unchanged when
// nothing matched.
func redactJSON(src []byte, secret func(string) bool) []byte {
	var out []byte
	last := 0 // src[last:] not yet copied to out
	// stack of container kinds: '{' or '['
	var stack [32]byte
	depth := 0
	expectKey := false
	i := 0
	for i < len(src) {
		c := src[i]
		switch c {
		case '{':
			if depth < len(stack) {
				stack[depth] = '{'
			}
			depth++
			expectKey = true
			i++
		case '[':
			if depth < len(stack) {
				stack[depth] = '['
			}
			depth++
			expectKey = false
			i++
		case '}', ']':
			depth--
			i++
			expectKey = false
		case ',':
			i++
			expectKey = depth > 0 && depth <= len(stack) && stack[depth-1] == '{'
		case '"':
			end := skipString(src, i)
			if expectKey {
				keyRaw := src[i+1 : end-1]
				// The colon and the value follow.
				j := end
				for j < len(src) && (src[j] == ':' || isSpace(src[j])) {
					j++
				}
				if secret(unescapeKey(keyRaw)) {
					vend := skipValue(src, j)
					out = append(out, src[last:j]...)
					out = jsonenc.AppendString(out, Redacted)
					last = vend
					i = vend
				} else {
					i = j
				}
				expectKey = false
				continue
			}
			i = end
		default:
			i++
		}
	}
	if out == nil {
		return src
	}
	return append(out, src[last:]...)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipString returns the index just past the string starting at src[i].
func skipString(src []byte, i int) int {
	i++
	for i < len(src) {
		switch src[i] {
		case '\\':
			i += 2
		case '"':
			return i + 1
		default:
			i++
		}
	}
	return len(src)
}

// skipValue returns the index just past the value starting at src[i].
func skipValue(src []byte, i int) int {
	if i >= len(src) {
		return i
	}
	switch src[i] {
	case '"':
		return skipString(src, i)
	case '{', '[':
		depth := 0
		for i < len(src) {
			switch src[i] {
			case '"':
				i = skipString(src, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(src) && src[i] != ',' && src[i] != '}' && src[i] != ']' {
		i++
	}
	return i
}

// unescapeKey returns the key as written; keys with escapes are read as is,
// which can only make a match less likely for keys no real program uses.
func unescapeKey(raw []byte) string {
	return string(raw)
}
