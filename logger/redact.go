package logger

import (
	"bytes"
	"encoding/json"
	"strings"

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
// whose key is secret with "[REDACTED]" and passing the string values it
// replaced to remember. A string value that holds JSON itself (the body of
// an API Gateway event) is redacted the same way. It returns src unchanged
// when nothing matched.
func redactJSON(src []byte, secret func(string) bool, remember func(string)) []byte {
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
				if secret(string(keyRaw)) {
					vend := skipValue(src, j)
					if j < len(src) && src[j] == '"' && remember != nil {
						var v string
						if json.Unmarshal(src[j:vend], &v) == nil {
							remember(v)
						}
					}
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
			if nested, ok := redactNested(src[i:end], secret, remember); ok {
				out = append(out, src[last:i]...)
				out = append(out, nested...)
				last = end
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

// redactNested redacts the JSON held in the JSON string lit, if it holds an
// object or array with something to redact.
func redactNested(lit []byte, secret func(string) bool, remember func(string)) ([]byte, bool) {
	if len(lit) < 4 || (lit[1] != '{' && lit[1] != '[') {
		return nil, false
	}
	var inner string
	if json.Unmarshal(lit, &inner) != nil || !json.Valid([]byte(inner)) {
		return nil, false
	}
	red := redactJSON([]byte(inner), secret, remember)
	if string(red) == inner {
		return nil, false
	}
	return jsonenc.AppendString(nil, string(red)), true
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

// minSecretLen is the shortest value remembered as a secret: shorter ones
// would scrub ordinary words from lines.
const minSecretLen = 6

// secretParts returns the pieces of a redacted value that may show up
// elsewhere on their own: the value, the credentials of "Bearer <token>",
// the values of "a=1; b=2" cookies.
func secretParts(v string) []string {
	parts := []string{v}
	if i := strings.LastIndexByte(v, ' '); i >= 0 && !strings.Contains(v, "=") {
		parts = append(parts, v[i+1:])
	}
	if strings.Contains(v, "=") {
		for _, kv := range strings.Split(v, ";") {
			if _, val, ok := strings.Cut(kv, "="); ok {
				parts = append(parts, strings.TrimSpace(val))
			}
		}
	}
	return parts
}

// scrub replaces, in a finished line, every secret value known to the
// handler (the function's credentials) or to the invocation (values that
// were redacted by key).
func (c *core) scrub(line []byte, inv *Invocation) []byte {
	for _, s := range c.cfg.secrets {
		line = replaceAll(line, s)
	}
	if inv != nil {
		if p := inv.secrets.Load(); p != nil {
			for _, s := range *p {
				line = replaceAll(line, s)
			}
		}
	}
	return line
}

func replaceAll(line []byte, s string) []byte {
	if !bytes.Contains(line, []byte(s)) {
		return line
	}
	return bytes.ReplaceAll(line, []byte(s), []byte(Redacted))
}
