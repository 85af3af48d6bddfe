package redact

import (
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/lambdaobs/lambdaobs/internal/names"
)

// MinSecretLen is the shortest value kept as a secret: a shorter one would
// scrub ordinary words and numbers from every output. Values under secret
// keys are redacted whatever their length.
const MinSecretLen = 6

// Set is a growing set of secret values, safe for concurrent use. Reading
// it takes no lock: Add publishes a new sorted copy.
type Set struct {
	parent   *Set
	mu       sync.Mutex
	vals     atomic.Pointer[[]string] // sorted by length, shortest first
	shortest atomic.Int64             // the length of vals[0]; 0: none
}

// NewSet returns an empty set that also holds parent's values (parent may be nil).
func NewSet(parent *Set) *Set { return &Set{parent: parent} }

var process = sync.OnceValue(func() *Set {
	s := NewSet(nil)
	s.Add(os.Getenv(names.EnvAWSSecretAccessKey), os.Getenv(names.EnvAWSSessionToken))
	return s
})

// Process returns the set of the process: the function's AWS credentials
// (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and every value AddSecrets
// registered. Each invocation's set is its child.
func Process() *Set { return process() }

// AddSecrets registers values as secret for the whole process.
func AddSecrets(values ...string) { Process().Add(values...) }

// Add adds values, and the pieces of them that may show up alone (see
// secretParts). Values shorter than MinSecretLen are ignored.
func (s *Set) Add(values ...string) {
	if s == nil {
		return
	}
	var parts [8]string
	for _, v := range values {
		if len(v) < MinSecretLen {
			continue
		}
		s.add(secretParts(v, parts[:0]))
	}
}

func (s *Set) add(parts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur []string
	if p := s.vals.Load(); p != nil {
		cur = *p
	}
	next := cur
	for _, v := range parts {
		if len(v) < MinSecretLen || s.parentHas(v) || slices.Contains(next, v) {
			continue
		}
		if len(next) == len(cur) {
			next = append(make([]string, 0, len(cur)+len(parts)), cur...)
		}
		next = append(next, strings.Clone(v))
	}
	if len(next) == len(cur) {
		return
	}
	slices.SortStableFunc(next, func(a, b string) int { return len(a) - len(b) })
	s.vals.Store(&next)
	s.shortest.Store(int64(len(next[0])))
}

func (s *Set) parentHas(v string) bool {
	for p := s.parent; p != nil; p = p.parent {
		if l := p.vals.Load(); l != nil && slices.Contains(*l, v) {
			return true
		}
	}
	return false
}

// Merge adds the values of o and its ancestors.
func (s *Set) Merge(o *Set) {
	if s == nil {
		return
	}
	for ; o != nil; o = o.parent {
		if p := o.vals.Load(); p != nil {
			s.add(*p)
		}
	}
}

// Len returns how many values the set holds itself (not its parent's).
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	if p := s.vals.Load(); p != nil {
		return len(*p)
	}
	return 0
}

// secretParts appends v and the pieces of it that are credentials on their
// own, so that they are redacted also when written alone; nothing else of
// v is, so that its ordinary words (a host name, a cookie's name) stay
// readable everywhere:
//   - the credentials of an Authorization value: "Bearer <token>",
//     "Basic <credentials>";
//   - the values of a cookie header: "name=value" pairs separated by "; "
//     (one pair alone too; a Set-Cookie value's attributes are skipped);
//   - the value of each "name=value" pair whose name DefaultKeys matches, in
//     pairs separated by ';', '&' or spaces: the password of a connection
//     string, the secret of a form.
func secretParts(v string, parts []string) []string {
	parts = append(parts, v)
	if scheme, cred, ok := strings.Cut(v, " "); ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Basic")) {
		if cred = strings.TrimSpace(cred); cred != "" && !strings.ContainsAny(cred, " \t\r\n") {
			parts = append(parts, cred)
		}
		return parts
	}
	if strings.IndexByte(v, '=') < 0 {
		return parts
	}
	parts = cookieValues(v, parts)
	for pair := range strings.FieldsFuncSeq(v, pairSep) {
		if name, val, ok := strings.Cut(pair, "="); ok && val != "" && defaultKeys.Match(formKey(name)) {
			parts = append(parts, val)
		}
	}
	return parts
}

// pairSep reports the separators of "name=value" pairs.
func pairSep(r rune) bool {
	return r == ';' || r == '&' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
}

// cookieValues appends the values of v when v is a cookie header (see
// secretParts), and appends nothing when it is not.
func cookieValues(v string, parts []string) []string {
	n := len(parts)
	for seg := range strings.SplitSeq(v, "; ") {
		name, val, ok := strings.Cut(seg, "=")
		switch {
		case !cookieToken(name):
			return parts[:n]
		case cookieAttribute(name) && len(parts) > n:
			continue // Path=/, Expires=…, HttpOnly after a Set-Cookie pair
		case !ok:
			return parts[:n]
		}
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		for i := 0; i < len(val); i++ {
			if c := val[i]; c <= ' ' || c == '"' || c == ',' || c == ';' || c == '\\' || c >= 0x7f {
				return parts[:n]
			}
		}
		parts = append(parts, val)
	}
	return parts
}

// cookieToken reports whether name may be a cookie's name.
func cookieToken(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// cookieAttribute reports the attribute names of a Set-Cookie value.
func cookieAttribute(name string) bool {
	for _, a := range [...]string{"Expires", "Max-Age", "Domain", "Path", "Secure", "HttpOnly", "SameSite", "Partitioned"} {
		if strings.EqualFold(name, a) {
			return true
		}
	}
	return false
}

// span is a part of a string to replace.
type span struct{ start, end int }

// spans collects the places of secret values in a string, merged where they
// overlap, so that one secret inside another is never half replaced.
type spans struct{ list []span }

func (sp *spans) add(start, end int) { sp.list = append(sp.list, span{start, end}) }

// contains reports whether a value of set (or its ancestors) occurs in v.
func contains(set *Set, v string) bool {
	for ; set != nil; set = set.parent {
		p := set.vals.Load()
		if p == nil {
			continue
		}
		for _, sec := range *p {
			if len(sec) > len(v) {
				break // sorted: the rest are longer
			}
			if strings.Contains(v, sec) {
				return true
			}
		}
	}
	return false
}

// find adds the places where the values of set (and its ancestors) occur in v.
func (sp *spans) find(set *Set, v string) {
	for ; set != nil; set = set.parent {
		p := set.vals.Load()
		if p == nil {
			continue
		}
		for _, sec := range *p {
			if len(sec) > len(v) {
				break
			}
			for off := 0; off <= len(v)-len(sec); {
				i := strings.Index(v[off:], sec)
				if i < 0 {
					break
				}
				sp.add(off+i, off+i+len(sec))
				off += i + 1
			}
		}
	}
}

// apply returns v with the spans replaced by Redacted.
func (sp *spans) apply(v string) string {
	l := sp.list
	slices.SortFunc(l, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	b.Grow(len(v))
	pos := 0
	for i := 0; i < len(l); {
		start, end := l[i].start, l[i].end
		for i++; i < len(l) && l[i].start < end; i++ {
			end = max(end, l[i].end)
		}
		b.WriteString(v[pos:start])
		b.WriteString(Redacted)
		pos = end
	}
	b.WriteString(v[pos:])
	return b.String()
}

// exact reports whether v is one of the values of set or its ancestors.
func exact(set *Set, v string) bool {
	for ; set != nil; set = set.parent {
		if p := set.vals.Load(); p != nil {
			for _, sec := range *p {
				if len(sec) > len(v) {
					break
				}
				if sec == v {
					return true
				}
			}
		}
	}
	return false
}

// bytesString views b as a string without copying; b must not change while
// the string is in use.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// stringBytes views s as bytes without copying; they must not be changed.
func stringBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
