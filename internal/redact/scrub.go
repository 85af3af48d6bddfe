package redact

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
)

// Scrubber applies both rules for one output. The zero Scrubber redacts
// nothing; a nil *Scrubber neither.
type Scrubber struct {
	// Keys are the secret keys; nil: none.
	Keys *Keys
	// Sets hold the values never written (nil entries are skipped): the
	// invocation's set (whose ancestor is Process()), or Process() alone.
	Sets [3]*Set
	// Into, when set, remembers the values redacted by key, so that they
	// are replaced wherever else they appear (in this output and in the
	// others that consult the same set).
	Into *Set
}

// Key reports whether the value under key is redacted.
func (s *Scrubber) Key(key string) bool { return s != nil && s.Keys.Match(key) }

// mayHold reports whether a set of s holds a value short enough for a
// string of n bytes to contain it.
func (s *Scrubber) mayHold(n int) bool {
	for _, set := range s.Sets {
		for ; set != nil; set = set.parent {
			if l := set.shortest.Load(); l != 0 && l <= int64(n) {
				return true
			}
		}
	}
	return false
}

// Values returns v with every secret value replaced by Redacted, and
// whether it changed. It allocates only when it changes v.
func (s *Scrubber) Values(v string) (string, bool) {
	if s == nil || len(v) < MinSecretLen || !s.mayHold(len(v)) {
		return v, false
	}
	return s.values(v)
}

// values is Values once a set may hold a value found in v.
func (s *Scrubber) values(v string) (string, bool) {
	found := false
	for _, set := range s.Sets {
		if set != nil && contains(set, v) {
			found = true
			break
		}
	}
	if !found {
		return v, false
	}
	var sp spans
	for _, set := range s.Sets {
		if set != nil {
			sp.find(set, v)
		}
	}
	return sp.apply(v), true
}

// Secret reports whether v is itself a secret value.
func (s *Scrubber) Secret(v string) bool {
	if s == nil || len(v) < MinSecretLen {
		return false
	}
	for _, set := range s.Sets {
		if set != nil && exact(set, v) {
			return true
		}
	}
	return false
}

// Remember keeps v as a secret of the output's invocation (see Into).
func (s *Scrubber) Remember(v string) {
	if s != nil && s.Into != nil {
		s.Into.Add(v)
	}
}

// Text returns the string value v as it may be written, and whether it
// changed: secrets assigned in it ("password=…", "token: …", a form or
// query string), JSON held in it, a base64 body holding JSON or a form,
// and every secret value, are redacted.
func (s *Scrubber) Text(v string) (string, bool) {
	if s == nil || v == "" {
		return v, false
	}
	if s.Keys.Empty() || plain(v, s.Keys.minBase64) {
		return s.Values(v)
	}
	out, changed := v, false
	// A secret value replaced may take a quote or a separator that the key
	// rule read ("pw:\"0\"<secret…>"): the structure is read again after it,
	// so that redacting the result again changes nothing. Each round only
	// redacts more, and is bounded: FuzzText checks what three rounds leave.
	for range 3 {
		if t, ok := s.structured(out); ok {
			out, changed = t, true
		}
		t, ok := s.Values(out)
		if !ok {
			break
		}
		out, changed = t, true
	}
	return out, changed
}

// AppendString appends v as a JSON string, redacted by Text.
func (s *Scrubber) AppendString(dst []byte, v string) []byte {
	if t, ok := s.Text(v); ok {
		v = t
	}
	return jsonenc.AppendString(dst, v)
}

// structured redacts what v holds when it is JSON, base64 or text with
// assignments in it.
func (s *Scrubber) structured(v string) (string, bool) {
	if s.Keys.Empty() {
		return v, false
	}
	switch v[0] {
	case '{', '[':
		if src := stringBytes(v); json.Valid(src) {
			out := s.AppendJSON(nil, src)
			if string(out) != v {
				return string(out), true
			}
			return v, false
		}
	}
	if t, ok := s.assignments(v); ok {
		return t, true
	}
	return s.base64(v)
}

// plain reports whether v holds nothing the key rule looks into: it does
// not start as JSON does, holds no '=' or ':' (the only bytes at which
// assignments and URL credentials are looked for) and is not a base64 body
// of at least minBase64 bytes (hex digits alone are an id, never decoded).
// Most values of a log line are plain: an id, a region, a sentence, a name
// such as "DynamoDB" that only looks like base64.
func plain(v string, minBase64 int) bool {
	if c := v[0]; c == '{' || c == '[' {
		return false
	}
	if strings.IndexByte(v, '=') >= 0 || strings.IndexByte(v, ':') >= 0 {
		return false
	}
	return !base64Shaped(v, minBase64) || isHex(v)
}

// base64Shaped reports whether v may be a base64 body that holds a secret:
// at least minBase64 bytes (Keys.minBase64), a multiple of 4, the base64
// alphabet and at most two '=' at its end.
func base64Shaped(v string, minBase64 int) bool {
	if len(v) < minBase64 || len(v)%4 != 0 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' && i >= len(v)-2) {
			return false
		}
	}
	return true
}

// keyByte reports bytes that may make up a key in free text or a form.
func keyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == '%' || c == '[' || c == ']'
}

// valueEnd reports the bytes that end an unquoted value in free text.
func valueEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '&', ';', ',', '"', '\'', '<', '>', '}', ')':
		return true
	}
	return false
}

// assignments redacts the values of secret keys assigned in free text:
// "password=…", "token: …", "&api_key=…" in a form or a URL's query,
// `"secret":"…"` in JSON that is cut or embedded in a message.
func (s *Scrubber) assignments(v string) (string, bool) {
	var b []byte     // nil until something is redacted
	last := 0        // v[last:] not yet copied to b
	eq, co := -1, -1 // the next '=' and ':' at or after i, found by IndexByte
	short := len(v) <= 128
	for i := 0; i < len(v); i++ {
		if short { // a call of IndexByte costs more than a short scan
			for i < len(v) && v[i] != '=' && v[i] != ':' {
				i++
			}
		} else {
			if eq < i {
				eq = nextByte(v, i, '=')
			}
			if co < i {
				co = nextByte(v, i, ':')
			}
			i = min(eq, co)
		}
		if i == len(v) {
			break
		}
		start, end, ok := s.assignedAt(v, i)
		if !ok {
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(v)+len(Redacted))
		}
		b = append(b, v[last:start]...)
		b = append(b, Redacted...)
		last = end
		i = end - 1
	}
	if b == nil {
		return v, false
	}
	return string(append(b, v[last:]...)), true
}

// assignedAt looks at the '=' or ':' at v[i]: when a secret key is
// assigned there (or it starts a URL with a password), it remembers the
// value and returns where it is.
func (s *Scrubber) assignedAt(v string, i int) (start, end int, ok bool) {
	if v[i] == ':' && strings.HasPrefix(v[i:], "://") {
		start, end, ok = userPassword(v, i+3)
	} else if k := keyBefore(v, i); len(k) >= s.Keys.minLen && s.Keys.Match(formKey(k)) {
		start, end = valueAfter(v, i)
		ok = end > start && v[start:end] != Redacted
	}
	if !ok {
		return 0, 0, false
	}
	val := v[start:end]
	s.Remember(val)
	if d, err := url.QueryUnescape(val); err == nil && d != val {
		s.Remember(d)
	}
	d := val
	for strings.IndexByte(d, '\\') >= 0 { // escaped as JSON, once or more
		var u string
		if json.Unmarshal([]byte(`"`+d+`"`), &u) != nil || u == d {
			break
		}
		s.Remember(u)
		d = u
	}
	if d[0] == '{' || d[0] == '[' {
		s.RememberJSON(stringBytes(d))
	}
	return start, end, true
}

// keyBefore returns the key assigned at v[i]: the run of key bytes before
// it, past one closing quote, escaped or not (`\"password\":` in JSON that
// a message quotes).
func keyBefore(v string, i int) string {
	k := i
	if k > 0 && (v[k-1] == '"' || v[k-1] == '\'') {
		k--
		for k > 0 && v[k-1] == '\\' {
			k--
		}
	}
	kend := k
	for k > 0 && keyByte(v[k-1]) {
		k--
	}
	return v[k:kend]
}

// valueAfter returns where the value assigned at v[i] is: after spaces,
// quoted (also with a quote escaped once or more, as in JSON that a message
// quotes) or up to a value end; empty for a path (":/").
func valueAfter(v string, i int) (start, end int) {
	j := i + 1
	if v[i] == ':' && j < len(v) && v[j] == '/' {
		return j, j
	}
	for j < len(v) && (v[j] == ' ' || v[j] == '\t') {
		j++
	}
	n := 0 // backslashes escaping an opening quote
	for j+n < len(v) && v[j+n] == '\\' {
		n++
	}
	if j+n < len(v) && (v[j+n] == '"' || v[j+n] == '\'') {
		start = j + n + 1
		end, _ = closingQuote(v, start, v[j+n], n)
		return start, end
	}
	if j < len(v) && (v[j] == '{' || v[j] == '[') {
		return j, containerEnd(v, j)
	}
	end = j
	for end < len(v) && !valueEnd(v[end]) {
		end++
	}
	return j, end
}

// containerEnd returns the index just past the object or array that starts
// at v[i], in JSON a message holds (its quotes escaped or not): the bracket
// that closes it, strings skipped; len(v) when none does.
func containerEnd(v string, i int) int {
	depth := 0
	for ; i < len(v); i++ {
		switch v[i] {
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		case '"':
			r := 0 // the backslashes escaping the opening quote
			for r < i && v[i-r-1] == '\\' {
				r++
			}
			_, i = closingQuote(v, i+1, '"', r)
			i-- // the loop steps past the closing quote
		}
	}
	return len(v)
}

// closingQuote returns where the string value starting at v[start] ends
// (end) and the index just past its closing quote (next): the quote q that
// closes it, written with the n backslashes that escaped its opening quote,
// not counting backslashes that are part of the value (an escaped quote or
// backslash inside it); len(v) for both when no quote does. Escaping text
// that holds JSON doubles its backslashes and adds one to each quote, so at
// n backslashes a closing quote is preceded by n plus a multiple of 2(n+1)
// of them; a run shorter than n closes the text around the value.
func closingQuote(v string, start int, q byte, n int) (end, next int) {
	for p := start; p < len(v); p++ {
		if v[p] != q {
			continue
		}
		r := 0
		for p-r > start && v[p-r-1] == '\\' {
			r++
		}
		switch {
		case r < n:
			return p - r, p + 1
		case (r-n)%(2*(n+1)) == 0:
			return p - n, p + 1
		}
	}
	return len(v), len(v)
}

// userPassword returns where the password is in the user information of a
// URL whose authority starts at v[i] ("user:password@host").
func userPassword(v string, i int) (start, end int, ok bool) {
	at := -1
	for j := i; j < len(v); j++ {
		c := v[j]
		if c == '@' {
			at = j
		}
		if c == '/' || c == '?' || c == '#' || c == ' ' || c == '"' || c == '\n' {
			break
		}
	}
	if at < 0 {
		return 0, 0, false
	}
	colon := strings.IndexByte(v[i:at], ':')
	if colon < 0 || i+colon+1 == at || v[i+colon+1:at] == Redacted {
		return 0, 0, false
	}
	return i + colon + 1, at, true
}

// nextByte returns the index of the first c in v at or after i, or len(v).
func nextByte(v string, i int, c byte) int {
	if j := strings.IndexByte(v[i:], c); j >= 0 {
		return i + j
	}
	return len(v)
}

// formKey returns a form key as written in a form, decoded when it is
// percent-encoded.
func formKey(k string) string {
	if strings.IndexByte(k, '%') < 0 {
		return k
	}
	if d, err := url.QueryUnescape(k); err == nil {
		return d
	}
	return k
}

// base64 redacts a base64 body (API Gateway's isBase64Encoded) that holds
// JSON or a form, and writes it back encoded.
func (s *Scrubber) base64(v string) (string, bool) {
	if !base64Shaped(v, s.Keys.minBase64) || isHex(v) {
		return v, false // not base64, or hex digits alone: an id, not a body
	}
	// The first six bytes tell whether decoding the rest is worth it: JSON
	// or a form starts with text.
	var head [6]byte
	if n, err := base64.StdEncoding.Decode(head[:], []byte(v[:8])); err != nil || n < 6 {
		return v, false
	}
	form := true
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c > 0x7e {
			return v, false
		}
		form = form && (keyByte(c) || c == '=' || c == '&' || c == '+')
	}
	if !(head[0] == '{' || head[0] == '[' || head[0] == ' ' || head[0] == '\n' || form) {
		return v, false
	}
	dec, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(dec) == 0 {
		return v, false
	}
	inner := string(dec)
	t, ok := s.structured(strings.TrimSpace(inner))
	if !ok {
		return v, false
	}
	return base64.StdEncoding.EncodeToString([]byte(t)), true
}

// isHex reports whether v holds hex digits only.
func isHex(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// frame is one open container of a JSON walk.
type frame struct {
	kind    byte     // '{' or '['
	renamed int      // keys of this object replaced for holding a secret value
	odd     []string // keys of this object holding U+FFFD, which invalid UTF-8 may have made equal
}

// unique returns key, or key with a number when the object already has a
// key that is written the same.
func (f *frame) unique(key string) string {
	out := key
	for n := 2; slices.Contains(f.odd, out); n++ {
		out = key + "_" + strconv.Itoa(n)
	}
	f.odd = append(f.odd, strings.Clone(out))
	return out
}

// AppendJSON appends src, valid JSON, to dst with every rule applied:
// values under secret keys (at any depth) become Redacted, string values
// are redacted as Text does, numbers that are secret values become
// Redacted, and keys that hold a secret value are replaced (numbered, so
// that the keys of an object stay unique). Invalid JSON is copied as far as
// it can be read, never past src.
func (s *Scrubber) AppendJSON(dst, src []byte) []byte {
	if s == nil {
		return append(dst, src...)
	}
	w := jsonWalk{src: src, dst: dst}
	var inline [32]frame
	stack := inline[:0]
	expectKey := false
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '{' || c == '[':
			stack = append(stack, frame{kind: c})
			expectKey = c == '{'
			i++
		case c == '}' || c == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			expectKey = false
			i++
		case c == ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1].kind == '{'
			i++
		case c == '"' && expectKey:
			expectKey = false
			var top *frame
			if len(stack) > 0 {
				top = &stack[len(stack)-1]
			}
			i = w.member(s, i, top)
		case c == '"':
			end := skipString(src, i)
			if t, ok := s.Text(jsonString(src[i:end])); ok {
				w.replace(i, end, t)
			}
			i = end
		case c == '-' || c >= '0' && c <= '9':
			j := i
			for j < len(src) && !isSpace(src[j]) && src[j] != ',' && src[j] != '}' && src[j] != ']' {
				j++
			}
			if s.Secret(bytesString(src[i:j])) {
				w.replace(i, j, Redacted)
			}
			i = j
		default:
			i++
		}
	}
	return append(w.dst, src[w.last:]...)
}

// jsonWalk is the state of AppendJSON.
type jsonWalk struct {
	src, dst []byte
	last     int // src[last:] not yet copied to dst
}

// replace writes v, as a JSON string, in place of src[i:end].
func (w *jsonWalk) replace(i, end int, v string) {
	w.dst = append(w.dst, w.src[w.last:i]...)
	w.dst = jsonenc.AppendString(w.dst, v)
	w.last = end
}

// member handles the member of object f whose key starts at src[i], and returns where
// the walk goes on: past the value when the key is secret (the value is
// redacted), past the key otherwise (the key is replaced when it holds a
// secret value, or numbered when invalid UTF-8 made it equal to another).
func (w *jsonWalk) member(s *Scrubber, i int, f *frame) int {
	src := w.src
	end := skipString(src, i)
	key := jsonString(src[i:end])
	j := end
	for j < len(src) && (src[j] == ':' || isSpace(src[j])) {
		j++
	}
	if s.Key(key) {
		vend := skipValue(src, j)
		s.RememberJSON(src[j:vend])
		w.replace(j, vend, Redacted)
		return vend
	}
	if f == nil {
		return end
	}
	if _, ok := s.Values(key); ok {
		f.renamed++
		w.replace(i, end, Redacted+"_"+strconv.Itoa(f.renamed))
	} else if strings.Contains(key, "\ufffd") {
		if alt := f.unique(key); alt != key {
			w.replace(i, end, alt)
		}
	}
	return end
}

// RememberJSON remembers the strings and numbers of v, a JSON value that
// is being redacted by key (see Into).
func (s *Scrubber) RememberJSON(v []byte) {
	if s == nil || s.Into == nil || len(v) == 0 {
		return
	}
	switch v[0] {
	case '"':
		s.Remember(jsonString(v))
	case '{', '[':
		for i := 0; i < len(v); {
			switch c := v[i]; {
			case c == '"':
				end := skipString(v, i)
				j := end
				for j < len(v) && isSpace(v[j]) {
					j++
				}
				if j >= len(v) || v[j] != ':' { // a value, not a member's name
					s.Remember(jsonString(v[i:end]))
				}
				i = end
			case c == '-' || c >= '0' && c <= '9':
				j := i
				for j < len(v) && (v[j] == '-' || v[j] == '+' || v[j] == '.' || v[j] == 'e' || v[j] == 'E' || v[j] >= '0' && v[j] <= '9') {
					j++
				}
				s.Remember(string(v[i:j]))
				i = j
			default:
				i++
			}
		}
	case 't', 'f', 'n':
	default:
		s.Remember(string(v))
	}
}

// jsonString returns the value of the JSON string literal lit (quotes
// included), without allocating when it holds no escape.
func jsonString(lit []byte) string {
	if len(lit) < 2 {
		return ""
	}
	inner := lit[1 : len(lit)-1]
	for _, c := range inner {
		if c == '\\' {
			var out string
			if json.Unmarshal(lit, &out) == nil {
				return out
			}
			return string(inner)
		}
	}
	return bytesString(inner)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipString returns the index just past the string starting at src[i].
func skipString(src []byte, i int) int {
	for i++; i < len(src); {
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
		return len(src)
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
		return len(src)
	}
	for i < len(src) && src[i] != ',' && src[i] != '}' && src[i] != ']' {
		i++
	}
	return i
}
