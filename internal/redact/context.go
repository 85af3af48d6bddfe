package redact

import "context"

// Scope is what one invocation redacts: the secret keys of the function and
// the invocation's set of secret values, a child of Process() (or of the
// scope of an enclosing invocation) that grows with every value an output
// redacts by key. logger.Handler.Begin makes one per invocation with Init,
// inside the invocation it allocates anyway, and its context answers
// ScopeKey with it, so every output reads it from there.
type Scope struct {
	Keys   *Keys
	Values *Set
}

// NewScope returns a scope of its own allocation: keys (DefaultKeys when
// nil) and a new set whose parent is Process(), as Init makes in place.
// It stands for an invocation's scope where no logger.Handler begins one.
func NewScope(keys *Keys) *Scope {
	if keys == nil {
		keys = DefaultKeys()
	}
	return &Scope{Keys: keys, Values: NewSet(Process())}
}

// Init makes sc the scope of one invocation in place, with set as its
// (empty) set of values: a child of parent, or of Process() when parent is
// nil. It lets a package embed the scope in a value it allocates anyway.
func (sc *Scope) Init(keys *Keys, set *Set, parent *Set) {
	if keys == nil {
		keys = DefaultKeys()
	}
	if parent == nil {
		parent = Process()
	}
	set.parent = parent
	sc.Keys, sc.Values = keys, set
}

// Scrubber returns the scrubber of the scope: its keys, its values, and
// values redacted by key remembered into its set. A nil scope gives the
// process's scrubber: DefaultKeys and Process(), nothing remembered.
func (sc *Scope) Scrubber() Scrubber {
	if sc == nil {
		return Scrubber{Keys: DefaultKeys(), Sets: [3]*Set{Process()}}
	}
	return Scrubber{Keys: sc.Keys, Sets: [3]*Set{sc.Values}, Into: sc.Values}
}

// ScopeKey is the context key of the invocation's *Scope. Packages that
// keep the scope inside a context value of their own answer it from their
// Value method, so that an invocation costs one context allocation.
type ScopeKey struct{}

// NewContext returns ctx carrying sc.
func NewContext(ctx context.Context, sc *Scope) context.Context {
	return context.WithValue(ctx, ScopeKey{}, sc)
}

// FromContext returns the scope in ctx, or nil.
func FromContext(ctx context.Context) *Scope {
	if ctx == nil {
		return nil
	}
	sc, _ := ctx.Value(ScopeKey{}).(*Scope)
	return sc
}
