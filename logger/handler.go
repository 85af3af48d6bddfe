package logger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/internal/bufpool"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// Handler is a slog.Handler that writes each record as one JSON object on
// one line, in exactly one Write to its writer.
//
// Output rules, in order of the fields on a line:
//   - level, message and timestamp (RFC 3339, milliseconds, UTC) come first,
//     then service and sampling_rate (when a sample rate is set);
//   - then the invocation's fields, when ctx carries an Invocation (see
//     Handler.Begin), or the request id and ARN that aws-lambda-go put into
//     ctx otherwise; these are always at the top level, whatever groups
//     WithGroup opened;
//   - then attributes added to ctx with ContextWithAttrs, then those of
//     WithAttrs and of the record, inside the groups WithGroup opened;
//   - an attribute whose value is an error is written as its message, with a
//     "<key>_type" attribute naming its type;
//   - no key is written twice in one object: an attribute named like a
//     field the handler writes itself (level, message, timestamp, service,
//     cold_start, function_request_id, …) or like an attribute written
//     before it in the same object is written as "<key>_2" ("_3", …), so
//     that the handler's fields keep their meaning and nothing is lost;
//   - values under secret keys (see redact.DefaultKeys) are written as
//     "[REDACTED]", at any depth, also inside maps, structs, JSON, forms,
//     query strings and base64 bodies held in strings; secret values (the
//     function's credentials, values registered with redact.AddSecrets,
//     values redacted by key in the invocation, before or in the same line)
//     are replaced wherever they appear, while the line is encoded: a line
//     that learns a secret value by key after it wrote it (in its message, in
//     an attribute before) is encoded again;
//   - a value that cannot be encoded (a failing MarshalJSON or Error method,
//     NaN or ±Inf, a LogValuer that panics or loops) is written as a string
//     that begins with "!BADVALUE" and says what went wrong, redacted as any
//     string is (under a secret key, the value is written as "[REDACTED]"):
//     the line is always valid JSON.
//
// Handlers made by WithAttrs and WithGroup share one writer, and one mutex
// around it unless the writer serialises writes itself (an *os.File).
type Handler struct {
	c      *core
	pre    []byte   // encoded WithAttrs output, inside the groups it opened
	opened int      // how many of groups are opened inside pre
	groups []string // every group WithGroup opened, outermost first

	topKeys   []string    // the keys pre wrote at the top level
	innerKeys []string    // the keys pre wrote inside its innermost open group (topKeys when opened is 0)
	secrets   *redact.Set // values pre redacted by key, replaced wherever else they appear
	steps     *withStep   // the WithAttrs calls pre was made of
}

// withStep is one WithAttrs call, kept so that pre can be encoded again
// when a secret learnt after it was made shows up in it.
type withStep struct {
	parent *withStep
	groups int // how many groups WithGroup had opened
	attrs  []slog.Attr
}

var _ slog.Handler = (*Handler)(nil)

type core struct {
	mu       sync.Mutex
	lockFree bool // w needs no lock of ours (writesAtomically)
	w        io.Writer
	cfg      *config
	static   []byte // service and sampling rate, encoded once
	keyLvl   []byte // "level":"   with the leading comma when time comes first
	keyMsg   []byte
	keyTime  []byte
	clock    atomic.Pointer[secondCache]
	function atomic.Pointer[functionCache]
	reserved *reservedKeys                // the top-level keys the handler writes itself
	memo     keyMemo                      // the facts of the keys written
	lines    sync.Pool                    // of *lineState
	late     atomic.Pointer[atomic.Int64] // also counts late lines, when set (hook.CountLateLines)
}

// secondCache holds the formatted timestamp of one second, so lines in the
// same second copy the date instead of computing it.
type secondCache struct {
	unix   int64
	prefix []byte // `"2006-01-02T15:04:05.`
}

// appendTime appends t as jsonenc.AppendTime does, reusing the date of the
// second before when it is the same.
func (c *core) appendTime(b []byte, t time.Time) []byte {
	sec := t.Unix()
	sc := c.clock.Load()
	if sc == nil || sc.unix != sec {
		full := jsonenc.AppendTime(nil, t)
		if len(full) != len(`"2006-01-02T15:04:05.000Z"`) {
			return append(b, full...)
		}
		sc = &secondCache{unix: sec, prefix: full[:21]}
		c.clock.Store(sc)
	}
	ms := t.Nanosecond() / 1e6
	b = append(b, sc.prefix...)
	return append(b, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
}

// NewHandler returns a Handler writing to w. It writes at most a few warning
// lines to w at once when the environment is misconfigured (an unknown
// level, a level below what AWS_LAMBDA_LOG_LEVEL lets through).
func NewHandler(w io.Writer, opts ...Option) *Handler {
	cfg := newConfig(opts)
	c := &core{w: w, cfg: cfg, lockFree: writesAtomically(w)}
	s := cfg.scheme
	c.reserved = newReserved(&s)
	if s.Service != "" {
		c.static = appendKey(c.static, s.Service)
		c.static = jsonenc.AppendString(c.static, cfg.service)
	}
	if s.SamplingRate != "" && cfg.sampleRate > 0 {
		c.static = appendKey(c.static, s.SamplingRate)
		c.static, _ = jsonenc.AppendFloat(c.static, cfg.sampleRate)
	}
	c.keyLvl = appendKeyBytes(s.Level)
	c.keyMsg = appendKeyBytes(s.Message)
	c.keyTime = appendKeyBytes(s.Time)
	h := &Handler{c: c}
	for _, msg := range cfg.warnings {
		_ = h.Handle(context.Background(), slog.NewRecord(cfg.now(), slog.LevelWarn, msg, 0))
	}
	return h
}

// appendKeyBytes returns ,"key": (the comma is trimmed where the key comes first).
func appendKeyBytes(key string) []byte {
	if key == "" {
		return nil
	}
	return appendKey(nil, key)
}

func appendKey(dst []byte, key string) []byte {
	dst = append(dst, ',')
	dst = jsonenc.AppendString(dst, key)
	return append(dst, ':')
}

// Service returns the service name the handler writes: lambdawrap gives
// the same to the metrics and the spans of a handler the user made.
func (h *Handler) Service() string { return h.c.cfg.service }

// Enabled reports whether a record at level is written (or buffered) for ctx.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	if level >= h.c.cfg.level.Level() {
		return true
	}
	inv := FromContext(ctx)
	if inv == nil {
		return false
	}
	return inv.sampled || (h.c.cfg.buffer && level >= h.c.cfg.bufferLevel)
}

// WithAttrs returns a handler whose lines carry attrs, encoded once now.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.steps = &withStep{parent: h.steps, groups: len(h.groups), attrs: attrs}
	set := redact.NewSet(h.secrets)
	sc := h.scrubber(nil)
	sc.Sets[2], sc.Into = set, set
	h.appendWith(&h2, attrs, &sc)
	if set.Len() > 0 {
		h2.secrets = set
	}
	return &h2
}

// appendWith sets into's pre and keys to h's with attrs added, inside the
// groups opened since.
func (h *Handler) appendWith(into *Handler, attrs []slog.Attr, sc *redact.Scrubber) {
	pre := make([]byte, 0, len(h.pre)+64)
	pre = append(pre, h.pre...)
	e := encoder{c: h.c, sc: *sc}
	e.keys[0].seed(h.topKeys)
	e.depth = h.opened
	if h.opened > 0 {
		e.level().seed(h.innerKeys)
	}
	for _, g := range h.groups[h.opened:] {
		pre = e.openGroup(pre, g)
	}
	before := len(pre)
	for _, a := range attrs {
		pre = e.appendAttr(pre, a)
	}
	if len(pre) == before {
		// Nothing to write: the groups stay unopened.
		into.pre, into.opened, into.topKeys, into.innerKeys = h.pre, h.opened, h.topKeys, h.innerKeys
		return
	}
	into.pre, into.opened = pre, len(h.groups)
	into.topKeys = e.keys[0].list()
	into.innerKeys = into.topKeys
	if e.depth > 0 {
		into.innerKeys = e.level().list()
	}
}

// preFor returns pre and the keys it wrote at the top level and in its
// innermost open group, encoded again when a secret value learnt after it
// was made (in the invocation, or registered since) shows up in it: its
// keys are then the ones written, secret values replaced, so that the
// line's other keys are told apart from those.
func (h *Handler) preFor(sc *redact.Scrubber) (pre []byte, topKeys, innerKeys []string) {
	if len(h.pre) == 0 {
		return nil, h.topKeys, h.innerKeys
	}
	if _, found := sc.Values(bytesString(h.pre)); !found {
		return h.pre, h.topKeys, h.innerKeys
	}
	var steps []*withStep
	for st := h.steps; st != nil; st = st.parent {
		steps = append(steps, st)
	}
	base := &Handler{c: h.c}
	for i := len(steps) - 1; i >= 0; i-- {
		base.groups = h.groups[:steps[i].groups]
		base.appendWith(base, steps[i].attrs, sc)
	}
	return base.pre, base.topKeys, base.innerKeys
}

// WithGroup returns a handler that puts the attributes that follow into the
// group name. The Lambda fields stay at the top level.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = append(h.groups[:len(h.groups):len(h.groups)], name)
	return &h2
}

// Handle writes r as one JSON line, or buffers it (see WithDebugBuffer).
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	c := h.c
	inv := FromContext(ctx)
	buffered := false
	if r.Level < c.cfg.level.Level() {
		switch {
		case inv == nil:
			return nil
		case inv.sampled:
		case c.cfg.buffer && r.Level >= c.cfg.bufferLevel:
			buffered = true
		default:
			return nil
		}
	}
	if inv != nil && inv.closed.Load() {
		c.countLate(inv)
		return nil
	}
	if inv != nil && h.secrets != nil && inv.merged.Load() != h.secrets {
		// Values redacted in attributes bound with With are the
		// invocation's secrets from now on, in every output. A handler's
		// set never changes once made: merging it once is enough.
		inv.scope.Values.Merge(h.secrets)
		inv.merged.Store(h.secrets)
	}
	ln := c.getLine()
	defer c.putLine(ln)
	e := &ln.e
	if c.cfg.fixedClock {
		r.Time = c.cfg.now()
	}
	o := lineOptions{buffered: buffered}
	// The first line the invocation writes carries its init duration, in
	// every encoding of it below.
	o.initDuration = !buffered && inv != nil && inv.fields.InitDuration > 0 && c.cfg.scheme.InitDuration != "" &&
		inv.initPending.CompareAndSwap(true, false)
	b := h.encode(ln.b[:0], e, ctx, inv, r, &o)
	if max := c.cfg.maxLine; len(b) > max {
		// Too long for one CloudWatch Logs event: encode again with every
		// string value cut, smaller until the line fits.
		for o.limit = max / 8; len(b) > max && o.limit >= 64; o.limit /= 2 {
			b, _ = h.appendRecord(b[:0], e, ctx, inv, r, o)
		}
		if len(b) > max {
			b = h.appendMinimal(b[:0], e, ctx, inv, r, o)
		}
	}
	ln.b = b
	if buffered {
		if !inv.hold(b) {
			c.countLate(inv)
		}
		return nil
	}
	if inv != nil && r.Level >= slog.LevelError {
		inv.errored.Store(true)
		if err := inv.release(); err != nil {
			return err
		}
	}
	return c.write(b)
}

func (c *core) write(line []byte) error {
	if c.cfg.dev {
		var buf bytes.Buffer
		buf.Grow(len(line) * 2)
		if err := json.Indent(&buf, line, "", "  "); err == nil {
			line = buf.Bytes()
		}
	}
	if c.lockFree {
		_, err := c.w.Write(line)
		return err
	}
	c.mu.Lock()
	_, err := c.w.Write(line)
	c.mu.Unlock()
	return err
}

// writesAtomically reports writers whose Write is already safe to call from
// many goroutines, each call written whole: an *os.File serialises calls on
// its own descriptor lock (stdout, in Lambda), and io.Discard keeps nothing.
func writesAtomically(w io.Writer) bool {
	if w == io.Discard {
		return true
	}
	_, ok := w.(*os.File)
	return ok
}

// countLate counts a line logged with the context of an invocation that
// has ended.
func (c *core) countLate(inv *Invocation) {
	inv.late.Add(1)
	if n := c.late.Load(); n != nil {
		n.Add(1)
	}
}

// lineOptions are how one record is encoded.
type lineOptions struct {
	// limit > 0 cuts every string value longer than limit bytes (marking
	// it) and marks the line as truncated.
	limit int
	// buffered: the line goes to the debug buffer.
	buffered bool
	// initDuration: the line carries the invocation's init duration.
	initDuration bool
	// own holds the values the line redacted by key when no invocation
	// does, so that they are redacted wherever else they appear in it.
	own *redact.Set
}

// encode encodes r. When the encoding learnt a secret value (a value
// redacted by key) it may have written the value before (in the message,
// an attribute before the one redacted): r is encoded again, with the
// value known from the start. A line without an invocation learns into a
// set of its own, made only when the line redacts by key.
func (h *Handler) encode(b []byte, e *encoder, ctx context.Context, inv *Invocation, r slog.Record, o *lineOptions) []byte {
	for range 3 {
		var learnt bool
		b, learnt = h.appendRecord(b[:0], e, ctx, inv, r, *o)
		if !learnt {
			break
		}
		if inv == nil && o.own == nil {
			o.own = redact.NewSet(redact.Process())
		}
	}
	return b
}

// appendRecord encodes r with e, and reports whether it learnt a secret
// value: a value redacted by key that the invocation (or o.own) did not
// hold, or, when neither can hold one, whether it redacted anything.
func (h *Handler) appendRecord(b []byte, e *encoder, ctx context.Context, inv *Invocation, r slog.Record, o lineOptions) ([]byte, bool) {
	e.begin(h, inv, o.limit)
	if o.own != nil {
		e.sc.Sets[0], e.sc.Into = o.own, o.own
	}
	known := e.sc.Into.Len()
	b = h.appendHead(b, e, ctx, inv, r, o)
	dropPre := o.limit > 0 && len(h.pre) > 8*o.limit
	var pre []byte
	topKeys, innerKeys := h.topKeys, h.innerKeys
	if !dropPre {
		pre, topKeys, innerKeys = h.preFor(&e.sc)
	}
	e.keys[0].seed(topKeys)
	if ca, ok := ctx.Value(attrsKey{}).(*ctxAttrs); ok {
		b = ca.appendTo(b, e)
	}
	if dropPre {
		// Attributes bound with With do not fit either: leave them out.
		b = append(b, `,"`+names.KeyDroppedAttrs+`":true`...)
		return append(b, '}', '\n'), e.learnt(known)
	}
	b = append(b, pre...)
	b = h.appendAttrs(b, e, r, innerKeys)
	return append(b, '}', '\n'), e.learnt(known)
}

// appendHead opens the line and appends what the handler writes before
// any attribute: level, time, location, message, the static fields, the
// invocation's fields (or those the context carries outside one) and,
// on a shortened line, the truncation mark.
func (h *Handler) appendHead(b []byte, e *encoder, ctx context.Context, inv *Invocation, r slog.Record, o lineOptions) []byte {
	c := h.c
	s := &c.cfg.scheme
	b = append(b, '{')
	timeFirst := s.TimeFirst && c.keyTime != nil && !r.Time.IsZero()
	if timeFirst {
		b = append(b, c.keyTime[1:]...)
		b = c.appendTime(b, r.Time)
		b = append(b, c.keyLvl...)
	} else {
		b = append(b, c.keyLvl[1:]...)
	}
	b = appendLevel(b, r.Level)
	if c.cfg.location && r.PC != 0 && s.Location != "" {
		b = appendKey(b, s.Location)
		b = appendLocation(b, r.PC)
	}
	b = append(b, c.keyMsg...)
	b = e.str(b, r.Message)
	if !timeFirst && c.keyTime != nil && !r.Time.IsZero() {
		b = append(b, c.keyTime...)
		b = c.appendTime(b, r.Time)
	}
	b = append(b, c.static...)
	if inv != nil {
		if inv.owner == c || inv.owner.cfg.scheme == *s {
			b = append(b, inv.enc...)
		} else {
			b = inv.fields.appendTo(b, s)
		}
		if o.initDuration && s.InitDuration != "" {
			b = appendKey(b, s.InitDuration)
			b, _ = jsonenc.AppendFloat(b, durationMS(inv.fields.InitDuration))
		}
	} else {
		b = appendAmbient(b, ctx, s)
	}
	if o.limit > 0 {
		b = append(b, `,"`+names.KeyTruncated+`":true`...)
	}
	return b
}

// appendAttrs appends the record's own attributes inside the handler's
// groups, and closes the groups the handler opened; groups left empty
// are not written. innerKeys are the keys written in the innermost group
// the handler opened.
func (h *Handler) appendAttrs(b []byte, e *encoder, r slog.Record, innerKeys []string) []byte {
	open := h.opened
	if r.NumAttrs() > 0 {
		mark := len(b)
		e.depth = h.opened
		if h.opened > 0 {
			l := e.level()
			l.reset()
			l.seed(innerKeys)
		}
		for _, g := range h.groups[h.opened:] {
			b = e.openGroup(b, g)
		}
		before := len(b)
		r.Attrs(func(a slog.Attr) bool {
			b = e.appendAttr(b, a)
			return true
		})
		if len(b) == before {
			b = b[:mark]
		} else {
			open = len(h.groups)
		}
	}
	for range open {
		b = append(b, '}')
	}
	return b
}

// learnt reports whether the line learnt a secret value: its set holds
// more than the known values it started with, or, without a set, a value
// was redacted.
func (e *encoder) learnt(known int) bool {
	if e.sc.Into == nil {
		return e.redacted
	}
	return e.sc.Into.Len() != known
}

func durationMS(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}

func appendLevel(b []byte, l slog.Level) []byte {
	b = append(b, '"')
	b = append(b, levelName(l)...)
	return append(b, '"')
}

func appendLocation(b []byte, pc uintptr) []byte {
	frames := runtime.CallersFrames([]uintptr{pc})
	f, _ := frames.Next()
	dir, file := filepath.Split(f.File)
	loc := filepath.Base(dir) + "/" + file + ":" + strconv.Itoa(f.Line)
	return jsonenc.AppendString(b, loc)
}

// appendAmbient writes what aws-lambda-go itself put into ctx, for lines
// logged without an Invocation (a handler not wrapped by lambdawrap).
func appendAmbient(b []byte, ctx context.Context, s *fieldKeys) []byte {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		if s.FunctionARN != "" && lc.InvokedFunctionArn != "" {
			b = appendKey(b, s.FunctionARN)
			b = jsonenc.AppendString(b, lc.InvokedFunctionArn)
		}
		if s.RequestID != "" && lc.AwsRequestID != "" {
			b = appendKey(b, s.RequestID)
			b = jsonenc.AppendString(b, lc.AwsRequestID)
		}
		if s.TenantID != "" && lc.TenantID != "" {
			b = appendKey(b, s.TenantID)
			b = jsonenc.AppendString(b, lc.TenantID)
		}
	}
	if s.TraceID != "" {
		if hdr, ok := tracing.HeaderFromContext(ctx); ok {
			if root := tracing.Root(hdr); root != "" {
				b = appendKey(b, s.TraceID)
				b = jsonenc.AppendString(b, root)
			}
		}
	}
	return b
}

// encoder appends attributes by the handler's rules.
type encoder struct {
	c        *core
	limit    int             // cut string values longer than this (0: never)
	sc       redact.Scrubber // what may not be written, and where redacted values are remembered
	redacted bool            // a value was redacted (read only when Into is nil)
	depth    int             // the object being written: 0 is the line itself
	keys     [4]keySet       // the keys written in the objects open at each depth
	deep     []keySet        // deeper than keys holds
}

// begin readies e to encode a line of h: its keys forgotten, its
// scrubber the line's. The sets of deeper levels are reset as their
// objects are opened.
func (e *encoder) begin(h *Handler, inv *Invocation, limit int) {
	e.c, e.limit, e.redacted, e.depth = h.c, limit, false, 0
	e.sc = redact.Scrubber{}
	h.setScrubber(&e.sc, inv)
	e.keys[0].reset()
}

// lineState is what encoding one line needs, kept in the core's pool: a
// buffer and an encoder, whose key sets are large to zero on every line.
type lineState struct {
	b []byte
	e encoder
}

func (c *core) getLine() *lineState {
	if ln, ok := c.lines.Get().(*lineState); ok {
		return ln
	}
	return &lineState{b: make([]byte, 0, 1024)}
}

// putLine returns ln to the pool unless its buffer grew past
// bufpool.MaxPooled; what it refers to of the line is dropped.
func (c *core) putLine(ln *lineState) {
	if cap(ln.b) > bufpool.MaxPooled {
		return
	}
	ln.b = ln.b[:0]
	ln.e.sc = redact.Scrubber{}
	c.lines.Put(ln)
}

// level returns the keys of the object being written.
func (e *encoder) level() *keySet {
	if e.depth < len(e.keys) {
		return &e.keys[e.depth]
	}
	for len(e.deep) <= e.depth-len(e.keys) {
		e.deep = append(e.deep, keySet{})
	}
	return &e.deep[e.depth-len(e.keys)]
}

// key appends a member's key and its colon: secret values in it replaced,
// renamed "<key>_2", "_3", … when the object already has it or, at the top
// level, when the handler writes it itself.
func (e *encoder) key(b []byte, k string) []byte {
	return e.keyOf(b, k, e.c.keyFacts(k))
}

// keyOf is key for a key whose facts are known.
func (e *encoder) keyOf(b []byte, k string, f keyFacts) []byte {
	b = sep(b)
	if len(k) >= redact.MinSecretLen { // no secret value is shorter
		if t, ok := e.sc.Values(k); ok {
			k, f = t, e.c.factsOf(t)
		}
	}
	if !f.plain && !utf8.ValidString(k) {
		// As it is written, so that two keys that read the same are told apart.
		k = strings.ToValidUTF8(k, "\ufffd")
		f = e.c.factsOf(k)
	}
	l := e.level()
	if l.has(k) || e.depth == 0 && f.reserved {
		for n := 2; ; n++ {
			if alt := k + "_" + strconv.Itoa(n); !l.has(alt) && !(e.depth == 0 && e.c.reserved.has(alt)) {
				k = alt
				break
			}
		}
	}
	l.add(k)
	if f.plain { // k_2 is plain as well
		b = append(b, '"')
		b = append(b, k...)
		return append(b, '"', ':')
	}
	b = jsonenc.AppendString(b, k)
	return append(b, ':')
}

// openGroup opens an object for a group's attributes.
func (e *encoder) openGroup(b []byte, name string) []byte {
	b = e.key(b, name)
	e.depth++
	e.level().reset()
	return append(b, '{')
}

// str appends s as a JSON string, redacted, cut by the encoder's limit.
func (e *encoder) str(b []byte, s string) []byte {
	if t, ok := e.sc.Text(s); ok {
		s, e.redacted = t, true
	}
	return e.cut(b, s)
}

// cut appends s as a JSON string whose encoded contents are at most the
// encoder's limit, cut and marked when longer. The limit counts encoded
// bytes: an invalid or control byte takes six once escaped.
func (e *encoder) cut(b []byte, s string) []byte {
	mark := len(b)
	b = jsonenc.AppendString(b, s)
	if e.limit <= 0 || len(b)-mark-2 <= e.limit {
		return b
	}
	cut := min(len(s), e.limit)
	for {
		for cut > 0 && cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b = append(b[:mark], '"')
		b = jsonenc.AppendStringContents(b, s[:cut])
		if n := len(b) - mark - 1; n <= e.limit || cut == 0 {
			break
		} else {
			cut = cut * e.limit / n // fewer bytes: they escaped to more
		}
	}
	b = append(b, "…[truncated "...)
	b = strconv.AppendInt(b, int64(len(s)-cut), 10)
	return append(b, " bytes]\""...)
}

// number finishes a number appended at b[mark:]: one that is a secret value
// is written as Redacted.
func (e *encoder) number(b []byte, mark int) []byte {
	if e.sc.Secret(bytesString(b[mark:])) {
		return jsonenc.AppendString(b[:mark], redact.Redacted)
	}
	return b
}

// sep writes the separator an attribute needs at the end of b.
func sep(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '{' {
		return b
	}
	return append(b, ',')
}

// resolve calls LogValue until the value is not a LogValuer. It reports a
// LogValuer that panics or keeps returning LogValuers.
func resolve(v slog.Value) (out slog.Value, bad string) {
	defer func() {
		if r := recover(); r != nil {
			out, bad = slog.Value{}, fmt.Sprintf("LogValue panicked: %v", r)
		}
	}()
	for range 100 {
		if v.Kind() != slog.KindLogValuer {
			return v, ""
		}
		v = v.LogValuer().LogValue()
	}
	return slog.Value{}, "LogValue did not resolve after 100 calls"
}

func (e *encoder) appendAttr(b []byte, a slog.Attr) []byte {
	v := a.Value
	switch k := v.Kind(); k {
	case slog.KindString, slog.KindInt64, slog.KindFloat64, slog.KindBool:
		// The common kinds, without the checks below that cannot apply.
		f := e.c.keyFacts(a.Key)
		if f.secret {
			e.remember(v)
			return e.appendRedacted(b, a.Key)
		}
		b = e.keyOf(b, a.Key, f)
		switch k {
		case slog.KindString:
			return e.str(b, v.String())
		case slog.KindInt64:
			return e.number(strconv.AppendInt(b, v.Int64(), 10), len(b))
		case slog.KindFloat64:
			return e.number(appendFloatValue(b, v.Float64()), len(b))
		default:
			return strconv.AppendBool(b, v.Bool())
		}
	}
	if v.Kind() == slog.KindLogValuer {
		var bad string
		if v, bad = resolve(v); bad != "" {
			if e.sc.Key(a.Key) {
				return e.appendRedacted(b, a.Key)
			}
			b = e.key(b, a.Key)
			return e.bad(b, bad)
		}
	}
	if a.Key == "" && v.Kind() != slog.KindGroup {
		if v.Kind() == slog.KindAny && v.Any() == nil {
			return b // the empty Attr
		}
	}
	if v.Kind() == slog.KindGroup {
		return e.appendGroup(b, a.Key, v.Group())
	}
	if e.sc.Key(a.Key) {
		e.remember(v)
		return e.appendRedacted(b, a.Key)
	}
	b = e.key(b, a.Key)
	switch v.Kind() {
	case slog.KindString:
		return e.str(b, v.String())
	case slog.KindInt64:
		return e.number(strconv.AppendInt(b, v.Int64(), 10), len(b))
	case slog.KindUint64:
		return e.number(strconv.AppendUint(b, v.Uint64(), 10), len(b))
	case slog.KindFloat64:
		return e.number(appendFloatValue(b, v.Float64()), len(b))
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return strconv.AppendInt(b, int64(v.Duration()), 10)
	case slog.KindTime:
		b = append(b, '"')
		b = v.Time().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	return e.appendAny(b, a.Key, v.Any())
}

// appendGroup appends a group's attributes: inline when its key is empty,
// as an object otherwise, nothing when it has none.
func (e *encoder) appendGroup(b []byte, key string, attrs []slog.Attr) []byte {
	if len(attrs) == 0 {
		return b
	}
	if key == "" {
		for _, ga := range attrs {
			b = e.appendAttr(b, ga)
		}
		return b
	}
	if e.sc.Key(key) {
		e.remember(slog.GroupValue(attrs...))
		return e.appendRedacted(b, key)
	}
	mark := len(b)
	l := e.level()
	n, more := l.n, len(l.more)
	b = e.openGroup(b, key)
	before := len(b)
	for _, ga := range attrs {
		b = e.appendAttr(b, ga)
	}
	e.depth--
	if len(b) == before {
		// The group's key was not written. The set is looked up again:
		// opening the group may have moved the deeper levels' sets.
		e.level().truncate(n, more)
		return b[:mark]
	}
	return append(b, '}')
}

func (e *encoder) appendRedacted(b []byte, key string) []byte {
	b = e.key(b, key)
	return jsonenc.AppendString(b, redact.Redacted)
}

func appendFloatValue(b []byte, f float64) []byte {
	if out, ok := jsonenc.AppendFloat(b, f); ok {
		return out
	}
	switch {
	case math.IsNaN(f):
		return append(b, `"!BADVALUE NaN"`...)
	case f > 0:
		return append(b, `"!BADVALUE +Inf"`...)
	default:
		return append(b, `"!BADVALUE -Inf"`...)
	}
}

// bad appends the string that stands for a value that cannot be encoded:
// "!BADVALUE " and what went wrong, redacted (the text of a panic or of an
// error is the user's, and may quote a secret).
func (e *encoder) bad(b []byte, msg string) []byte {
	return e.str(b, "!BADVALUE "+msg)
}

func (e *encoder) appendAny(b []byte, key string, x any) []byte {
	switch x := x.(type) {
	case nil:
		return append(b, "null"...)
	case error:
		if msg, ok := errinfo.Text(x); ok {
			b = e.str(b, msg)
		} else {
			b = e.bad(b, msg)
		}
		b = e.key(b, key+"_type")
		b = jsonenc.AppendString(b, errinfo.Type(x))
		return e.appendErrorDetail(b, key, x)
	case []byte:
		return e.str(b, string(x))
	}
	out, err := safeMarshal(x)
	if err != nil {
		return e.bad(b, err.Error())
	}
	mark := len(b)
	b = e.sc.AppendJSON(b, out)
	if e.sc.Into == nil && !bytes.Equal(b[mark:], out) {
		e.redacted = true
	}
	if e.limit > 0 && len(b)-mark > e.limit {
		// Too big to keep as JSON: its text, cut.
		s := string(b[mark:])
		return e.cut(b[:mark], s)
	}
	return b
}

// appendErrorDetail writes the types of the errors err wraps (when it
// wraps any) as "<key>_chain", and the stack of the first that carries one
// as "<key>_stack" ("stack_trace" for the key "error").
func (e *encoder) appendErrorDetail(b []byte, key string, err error) []byte {
	if chain := errinfo.Chain(err); len(chain) > 1 {
		b = e.key(b, key+"_chain")
		b = append(b, '[')
		for i, t := range chain {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, t)
		}
		b = append(b, ']')
	}
	if st := errinfo.Stack(err); st != "" {
		k := key + "_stack"
		if key == names.KeyError {
			k = names.KeyStackTrace
		}
		b = e.key(b, k)
		b = e.str(b, st)
	}
	return b
}

func safeMarshal(x any) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("MarshalJSON panicked: %s", errinfo.Sprint(r))
		}
	}()
	return json.Marshal(x)
}

// bytesString views b as a string without copying; b must not change
// while the string is in use.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// appendMinimal is the last resort for a record that does not fit even with
// every value cut: its level, message (cut) and time with the invocation's
// fields, or without them when even those do not fit.
func (h *Handler) appendMinimal(b []byte, e *encoder, ctx context.Context, inv *Invocation, r slog.Record, o lineOptions) []byte {
	r2 := slog.NewRecord(r.Time, r.Level, r.Message, 0)
	h2 := &Handler{c: h.c, secrets: h.secrets}
	limit := h.c.cfg.maxLine
	o.limit = max(16, min(1024, limit/8))
	for _, in := range []*Invocation{inv, nil} {
		c := ctx
		if in == nil {
			c = context.Background()
			o.initDuration = false
		}
		b, _ = h2.appendRecord(b[:0], e, c, in, r2, o)
		b = b[:len(b)-2] // the closing brace and newline
		b = append(b, `,"`+names.KeyDroppedAttrs+`":true}`+"\n"...)
		if len(b) <= limit {
			return b
		}
	}
	// Not even that fits (a tiny limit, a huge service name): the level and
	// the fact alone.
	b = append(b[:0], '{')
	b = append(b, h.c.keyLvl[1:]...)
	b = appendLevel(b, r.Level)
	b = append(b, `,"`+names.KeyTruncated+`":true,"`+names.KeyDroppedAttrs+`":true}`+"\n"...)
	return b
}
