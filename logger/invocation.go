package logger

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// Fields are the Lambda fields of one invocation, written at the top level
// of every line logged with its context. Empty fields are not written.
type Fields struct {
	RequestID          string
	FunctionName       string
	FunctionVersion    string
	FunctionARN        string
	FunctionMemorySize int // in MB
	ColdStart          bool
	// XRayTraceID is the trace id (the Root= part of the trace header).
	XRayTraceID string
	TenantID    string
	// InitDuration, when set, is written as init_duration_ms on the first
	// line the invocation writes.
	InitDuration time.Duration
}

func appendStringField(b []byte, key, v string) []byte {
	if key == "" || v == "" {
		return b
	}
	b = appendKey(b, key)
	return jsonenc.AppendString(b, v)
}

func (f *Fields) appendTo(b []byte, s *fieldKeys) []byte {
	b = f.appendColdStart(b, s)
	b = f.appendFunction(b, s)
	return f.appendRequest(b, s)
}

func (f *Fields) appendColdStart(b []byte, s *fieldKeys) []byte {
	if s.ColdStart == "" {
		return b
	}
	b = appendKey(b, s.ColdStart)
	return strconv.AppendBool(b, f.ColdStart)
}

// appendFunction writes the fields that describe the function, the same for
// every invocation of a process but for rare alias changes.
func (f *Fields) appendFunction(b []byte, s *fieldKeys) []byte {
	b = appendStringField(b, s.FunctionName, f.FunctionName)
	if s.FunctionMemorySize != "" && f.FunctionMemorySize > 0 {
		b = appendKey(b, s.FunctionMemorySize)
		b = strconv.AppendInt(b, int64(f.FunctionMemorySize), 10)
	}
	b = appendStringField(b, s.FunctionARN, f.FunctionARN)
	return appendStringField(b, s.FunctionVersion, f.FunctionVersion)
}

// appendRequest writes the fields of one invocation.
func (f *Fields) appendRequest(b []byte, s *fieldKeys) []byte {
	str := appendStringField
	b = str(b, s.RequestID, f.RequestID)
	b = str(b, s.TraceID, f.XRayTraceID)
	b = str(b, s.TenantID, f.TenantID)
	return b
}

// functionCache holds the encoded function fields of the last invocation,
// which the next one almost always shares.
type functionCache struct {
	name, version, arn string
	memory             int
	enc                []byte
}

// appendFields encodes f by the handler's scheme, reusing the function
// fields encoded for the invocation before when they are the same.
func (c *core) appendFields(b []byte, f *Fields) []byte {
	s := &c.cfg.scheme
	b = f.appendColdStart(b, s)
	fc := c.function.Load()
	if fc == nil || fc.name != f.FunctionName || fc.version != f.FunctionVersion || fc.arn != f.FunctionARN || fc.memory != f.FunctionMemorySize {
		fc = &functionCache{name: f.FunctionName, version: f.FunctionVersion, arn: f.FunctionARN, memory: f.FunctionMemorySize}
		fc.enc = f.appendFunction(nil, s)
		c.function.Store(fc)
	}
	b = append(b, fc.enc...)
	return f.appendRequest(b, s)
}

// Invocation is one invocation's logging state: its fields, encoded once,
// the debug sampling decision and the debug buffer. Begin makes one; End
// closes it. It is safe for use by many goroutines.
type Invocation struct {
	owner   *core
	fields  Fields
	enc     []byte
	sampled bool

	initPending atomic.Bool
	errored     atomic.Bool
	closed      atomic.Bool
	late        atomic.Int64
	merged      atomic.Pointer[redact.Set] // the bound secrets (Handler.secrets) merged into set last

	mu      sync.Mutex
	held    []byte // buffered lines, each ending in '\n'
	dropped int

	// scope is what the invocation redacts, shared with the other outputs
	// through the context (redact.FromContext): the handler's keys and a set
	// of secret values that grows with every value redacted by key.
	scope redact.Scope
	set   redact.Set

	arr [384]byte // backing store of enc for the common case
}

type invocationKey struct{}

// Begin starts an invocation: it encodes f once and decides debug sampling,
// and returns ctx carrying the Invocation. Lines logged with the returned
// context, by this handler or any derived from it, carry f.
//
// The returned context also carries the invocation's redaction scope
// (secret keys and the secret values learnt so far), which the EMF encoder
// and the tracing backends read from it, so that a value redacted in one
// output is redacted in all of them.
func (h *Handler) Begin(ctx context.Context, f Fields) (context.Context, *Invocation) {
	c := h.c
	inv := &Invocation{owner: c, fields: f}
	var parent *redact.Set
	if outer := redact.FromContext(ctx); outer != nil {
		parent = outer.Values
	}
	inv.scope.Init(c.cfg.keys, &inv.set, parent)
	inv.enc = c.appendFields(inv.arr[:0], &f)
	inv.initPending.Store(f.InitDuration > 0)
	if r := c.cfg.sampleRate; r > 0 {
		inv.sampled = c.cfg.rand() < r
	}
	return &invContext{Context: ctx, inv: inv}, inv
}

// invContext is the context of an invocation: it answers both the
// Invocation and its redaction scope, in one allocation.
type invContext struct {
	context.Context
	inv *Invocation
}

func (c *invContext) Value(key any) any {
	switch key.(type) {
	case invocationKey:
		return c.inv
	case redact.ScopeKey:
		return &c.inv.scope
	}
	return c.Context.Value(key)
}

// FromContext returns the Invocation in ctx (see Handler.Begin), or nil.
func FromContext(ctx context.Context) *Invocation {
	if ctx == nil {
		return nil
	}
	inv, _ := ctx.Value(invocationKey{}).(*Invocation)
	return inv
}

// Fields returns the invocation's fields: the wrapper logs with them again
// after End, and adapters read the function's name from them.
func (inv *Invocation) Fields() Fields { return inv.fields }

// End closes the invocation. Buffered debug lines are written when failed
// is true or the invocation logged an ERROR, and dropped otherwise. Lines
// logged with its context afterwards are dropped and counted.
// End returns the writer's error, if any.
func (inv *Invocation) End(failed bool) error {
	// Closed first: a line that passed the check in Handle before this and
	// reaches hold after it is counted as late, never held and lost.
	inv.closed.Store(true)
	var err error
	if failed || inv.errored.Load() {
		err = inv.release()
	}
	inv.mu.Lock()
	inv.held, inv.dropped = nil, 0
	inv.mu.Unlock()
	return err
}

// FlushBuffer writes the buffered debug lines now, as if the invocation had
// failed, and keeps the invocation open: the timeout guard calls it while
// the handler is still running.
func (inv *Invocation) FlushBuffer() error {
	inv.errored.Store(true)
	return inv.release()
}

// AddSecrets makes the invocation replace values in every output it
// writes (log lines, EMF documents, spans), wherever they appear: tokens
// and passwords the handler knows of. Values shorter than
// redact.MinSecretLen are ignored.
func (inv *Invocation) AddSecrets(values ...string) {
	inv.scope.Values.Add(values...)
}

// hold buffers one encoded line, dropping the oldest lines past the bound.
// It reports false, holding nothing, once the invocation is closed: the
// line is late.
func (inv *Invocation) hold(line []byte) bool {
	limit := inv.owner.cfg.bufferSize
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.closed.Load() {
		return false
	}
	if len(line) > limit {
		inv.dropped++
		return true
	}
	if inv.held == nil {
		inv.held = make([]byte, 0, min(limit, 4<<10))
	}
	for len(inv.held)+len(line) > limit && len(inv.held) > 0 {
		i := indexNewline(inv.held)
		inv.held = append(inv.held[:0], inv.held[i+1:]...)
		inv.dropped++
	}
	inv.held = append(inv.held, line...)
	return true
}

// indexNewline returns the end of the first line of b (each held line ends
// in '\n'; the last byte when none does).
func indexNewline(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return i
	}
	return len(b) - 1
}

// release writes the buffered lines, one Write each, preceded by a line
// that counts the ones dropped for room.
func (inv *Invocation) release() error {
	inv.mu.Lock()
	held, dropped := inv.held, inv.dropped
	inv.held, inv.dropped = nil, 0
	inv.mu.Unlock()
	c := inv.owner
	var first error
	if dropped > 0 {
		r := slog.NewRecord(c.cfg.now(), slog.LevelWarn, "debug log buffer was full: oldest lines dropped", 0)
		r.AddAttrs(slog.Int(names.KeyDroppedLines, dropped))
		h := &Handler{c: c}
		var e encoder
		b, _ := h.appendRecord(nil, &e, context.Background(), inv, r, lineOptions{})
		first = c.write(b)
	}
	for len(held) > 0 {
		i := indexNewline(held)
		if err := c.write(held[:i+1]); err != nil && first == nil {
			first = err
		}
		held = held[i+1:]
	}
	return first
}

type attrsKey struct{}

type ctxAttrs struct {
	parent *ctxAttrs
	attrs  []slog.Attr
}

func (ca *ctxAttrs) appendTo(b []byte, e *encoder) []byte {
	if ca.parent != nil {
		b = ca.parent.appendTo(b, e)
	}
	for _, a := range ca.attrs {
		b = e.appendAttr(b, a)
	}
	return b
}

// ContextWithAttrs returns ctx whose lines carry attrs at the top level,
// beside the invocation's fields: a correlation id, the message id of the
// record a batch handler is processing.
func ContextWithAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	if len(attrs) == 0 {
		return ctx
	}
	parent, _ := ctx.Value(attrsKey{}).(*ctxAttrs)
	return context.WithValue(ctx, attrsKey{}, &ctxAttrs{parent: parent, attrs: attrs})
}

// ContextWithCorrelationID returns ctx whose lines carry id as
// correlation_id.
func ContextWithCorrelationID(ctx context.Context, id string) context.Context {
	return ContextWithAttrs(ctx, slog.String(names.KeyCorrelationID, id))
}

func init() {
	hook.CountLateLines = func(h any, late *atomic.Int64) {
		if h, ok := h.(*Handler); ok && h != nil {
			h.c.late.Store(late)
		}
	}
}
