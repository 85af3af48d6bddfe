package logger

import (
	"log/slog"
	"strconv"

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
	c := h.c
	sc := redact.Scrubber{Keys: c.cfg.keys}
	if inv != nil {
		sc.Sets[0], sc.Into = inv.scope.Values, inv.scope.Values
	} else {
		sc.Sets[0] = redact.Process()
	}
	sc.Sets[1] = c.cfg.secrets
	sc.Sets[2] = h.secrets
	return sc
}

// remember keeps the value of an attribute redacted by key, so that it is
// replaced wherever else it appears (an error message quoting it).
func (e *encoder) remember(v slog.Value) {
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
			e.sc.Remember(errText(x))
		default:
			if out, err := safeMarshal(x); err == nil {
				e.sc.RememberJSON(out)
			}
		}
	}
}

// keySet is the keys written into one JSON object of a line, so that no key
// is written twice. Past indexFrom keys it keeps a map, so a record with
// thousands of attributes is not quadratic.
type keySet struct {
	n      int
	inline [8]string
	more   []string
	index  map[string]struct{}
}

const indexFrom = 32

func (k *keySet) has(key string) bool {
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
	k.n = 0
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
}

func (k *keySet) seed(keys []string) {
	for _, key := range keys {
		k.add(key)
	}
}

// reservedKeys are the top-level keys a handler writes itself, by length,
// so that an attribute of the same name is renamed instead of written twice.
type reservedKeys [24][]string

func newReserved(s *fieldKeys) *reservedKeys {
	var r reservedKeys
	for _, k := range []string{s.Level, s.Message, s.Time, s.Location, s.Service, s.SamplingRate,
		s.ColdStart, s.FunctionName, s.FunctionMemorySize, s.FunctionARN, s.RequestID,
		s.FunctionVersion, s.TraceID, s.TenantID, s.InitDuration,
		names.KeyTruncated, names.KeyDroppedAttrs} {
		if k != "" && len(k) < len(r) {
			r[len(k)] = append(r[len(k)], k)
		}
	}
	return &r
}

func (r *reservedKeys) has(key string) bool {
	if len(key) >= len(r) {
		return false
	}
	for _, k := range r[len(key)] {
		if k == key {
			return true
		}
	}
	return false
}
