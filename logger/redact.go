package logger

import (
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// scrubber returns the redaction of one line: the handler's keys; the
// secrets of the invocation (its scope, whose ancestor is the process's
// set) or of the process, of the handler (credentials its environment
// lookup named) and of the attributes bound with With; values redacted by
// key remembered into the invocation's scope.
func (h *Handler) scrubber(inv *Invocation) redact.Scrubber {
	var sc redact.Scrubber
	h.setScrubber(&sc, inv)
	return sc
}

// setScrubber sets *sc, a zero Scrubber, as scrubber returns it.
func (h *Handler) setScrubber(sc *redact.Scrubber, inv *Invocation) {
	c := h.c
	sc.Keys = c.cfg.keys
	if inv != nil {
		sc.Sets[0], sc.Into = inv.scope.Values, inv.scope.Values
	} else {
		sc.Sets[0] = redact.Process()
	}
	sc.Sets[1] = c.cfg.secrets
	sc.Sets[2] = h.secrets
}

// remember keeps the value of an attribute redacted by key, so that it is
// replaced wherever else it appears (an error message quoting it).
func (e *encoder) remember(v slog.Value) {
	e.redacted = true
	if e.sc.Into == nil {
		return
	}
	switch v.Kind() {
	case slog.KindString:
		e.sc.Remember(v.String())
	case slog.KindInt64:
		e.sc.Remember(strconv.FormatInt(v.Int64(), 10))
	case slog.KindUint64:
		e.sc.Remember(strconv.FormatUint(v.Uint64(), 10))
	case slog.KindFloat64:
		if b, ok := jsonenc.AppendFloat(nil, v.Float64()); ok {
			e.sc.Remember(string(b))
		}
	case slog.KindGroup:
		for _, a := range v.Group() {
			e.remember(a.Value)
		}
	case slog.KindLogValuer:
		if r, bad := resolve(v); bad == "" {
			e.remember(r)
		}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case []byte:
			e.sc.Remember(string(x))
		case error:
			e.sc.Remember(errinfo.Message(x))
		default:
			if out, err := safeMarshal(x); err == nil {
				e.sc.RememberJSON(out)
			}
		}
	}
}

// keySet is the keys written into one JSON object of a line, so that no key
// is written twice. Past indexFrom keys it keeps a map, so a record with
// thousands of attributes is not quadratic. A mask of the keys' hashes
// answers most lookups of a key not in the set without comparing strings.
type keySet struct {
	n      int
	mask   uint64 // bit keyHash(k) set for every key k in the set
	inline [8]string
	more   []string
	index  map[string]struct{}
}

const indexFrom = 32

// keyHash spreads keys over the 64 bits of keySet.mask.
func keyHash(key string) uint64 {
	if key == "" {
		return 1
	}
	return 1 << ((uint(len(key)) + 3*uint(key[0]) + 5*uint(key[len(key)-1])) & 63)
}

func (k *keySet) has(key string) bool {
	if k.mask&keyHash(key) == 0 {
		return false
	}
	if k.index != nil {
		_, ok := k.index[key]
		return ok
	}
	for i := range min(k.n, len(k.inline)) {
		if k.inline[i] == key {
			return true
		}
	}
	for _, m := range k.more {
		if m == key {
			return true
		}
	}
	return false
}

func (k *keySet) add(key string) {
	k.mask |= keyHash(key)
	if k.n < len(k.inline) {
		k.inline[k.n] = key
	} else {
		k.more = append(k.more, key)
	}
	k.n++
	switch {
	case k.index != nil:
		k.index[key] = struct{}{}
	case k.n > indexFrom:
		k.index = make(map[string]struct{}, 2*k.n)
		for _, key := range k.list() {
			k.index[key] = struct{}{}
		}
	}
}

// list returns the keys, for a handler to keep.
func (k *keySet) list() []string {
	out := make([]string, 0, k.n)
	out = append(out, k.inline[:min(k.n, len(k.inline))]...)
	return append(out, k.more...)
}

func (k *keySet) reset() {
	k.n, k.mask = 0, 0
	k.more = k.more[:0]
	k.index = nil
}

// truncate forgets the keys added after the set held n (more of them in more).
func (k *keySet) truncate(n, more int) {
	if k.index != nil {
		for _, key := range k.list()[n:] {
			delete(k.index, key)
		}
	}
	k.n, k.more = n, k.more[:more]
	k.mask = 0
	for _, key := range k.inline[:min(n, len(k.inline))] {
		k.mask |= keyHash(key)
	}
	for _, key := range k.more {
		k.mask |= keyHash(key)
	}
}

func (k *keySet) seed(keys []string) {
	for _, key := range keys {
		k.add(key)
	}
}

// reservedKeys are the top-level keys a handler writes itself, by length,
// so that an attribute of the same name is renamed instead of written twice.
type reservedKeys struct {
	byLen [24][]string
	// lens has bit n set for the first byte of a reserved key of length n:
	// most keys are told apart from every reserved key by one test.
	lens [256]uint32
}

func newReserved(s *fieldKeys) *reservedKeys {
	var r reservedKeys
	for _, k := range []string{s.Level, s.Message, s.Time, s.Location, s.Service, s.SamplingRate,
		s.ColdStart, s.FunctionName, s.FunctionMemorySize, s.FunctionARN, s.RequestID,
		s.FunctionVersion, s.TraceID, s.TenantID, s.InitDuration,
		names.KeyTruncated, names.KeyDroppedAttrs} {
		if k != "" && len(k) < len(r.byLen) {
			r.byLen[len(k)] = append(r.byLen[len(k)], k)
			r.lens[k[0]] |= 1 << len(k)
		}
	}
	return &r
}

func (r *reservedKeys) has(key string) bool {
	if len(key) >= len(r.byLen) || len(key) == 0 || r.lens[key[0]]&(1<<len(key)) == 0 {
		return false
	}
	for _, k := range r.byLen[len(key)] {
		if k == key {
			return true
		}
	}
	return false
}

// keyFacts is what the text of a key alone decides: whether its value is
// redacted (the handler's secret keys match it), whether the handler
// writes a top-level field of that name, whether it is written as it is
// (jsonenc.Plain).
type keyFacts struct {
	secret, reserved, plain bool
}

// factsOf works out the facts of k.
func (c *core) factsOf(k string) keyFacts {
	return keyFacts{secret: c.cfg.keys.Match(k), reserved: c.reserved.has(k), plain: jsonenc.Plain(k)}
}

// keyMemo remembers the facts of the keys a handler writes, by their
// text: most lines repeat the same few keys. A slot once filled is never
// replaced, so the memo allocates at most once per slot in the life of the
// handler, and a key that finds its slot taken by another is worked out
// each time.
type keyMemo struct {
	slots [128]atomic.Pointer[memoKey]
}

type memoKey struct {
	key   string
	facts keyFacts
}

// maxMemoKey is the longest key the memo keeps.
const maxMemoKey = 64

// keyFacts returns the facts of k, from the memo when it has them.
func (c *core) keyFacts(k string) keyFacts {
	if len(k) == 0 || len(k) > maxMemoKey {
		return c.factsOf(k)
	}
	slot := &c.memo.slots[(uint(len(k))*31+uint(k[0])*7+uint(k[len(k)/2])*3+uint(k[len(k)-1]))%uint(len(c.memo.slots))]
	if m := slot.Load(); m != nil && m.key == k {
		return m.facts
	}
	f := c.factsOf(k)
	if slot.Load() == nil {
		slot.CompareAndSwap(nil, &memoKey{key: strings.Clone(k), facts: f})
	}
	return f
}
