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
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/internal/bufpool"
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
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
//   - values under secret keys (see DefaultRedactKeys) are written as
//     "[REDACTED]", at any depth, also inside maps and structs;
//   - a value that cannot be encoded (a failing MarshalJSON or Error method,
//     NaN or ±Inf, a LogValuer that panics or loops) is written as a string
//     that begins with "!BADVALUE" and says what went wrong: the line is
//     always valid JSON.
//
// Handlers made by WithAttrs and WithGroup share one writer, and one mutex
// around it unless the writer serialises writes itself (an *os.File).
type Handler struct {
	c      *core
	pre    []byte   // encoded WithAttrs output, inside the groups it opened
	opened int      // how many of groups are opened inside pre
	groups []string // every group WithGroup opened, outermost first
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

// Level returns the handler's minimum level.
func (h *Handler) Level() slog.Level { return h.c.cfg.level.Level() }

// Service returns the service name the handler writes.
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
	pre := make([]byte, 0, len(h.pre)+64)
	pre = append(pre, h.pre...)
	mark := len(pre)
	opened := h.opened
	for _, g := range h.groups[h.opened:] {
		pre = openGroup(pre, g)
		opened++
	}
	before := len(pre)
	e := encoder{c: h.c, inv: nil}
	for _, a := range attrs {
		pre = e.appendAttr(pre, a)
	}
	if len(pre) == before {
		pre = pre[:mark]
		opened = h.opened
	}
	h2.pre = pre
	h2.opened = opened
	return &h2
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
		inv.late.Add(1)
		return nil
	}
	bp := bufpool.Get()
	defer bufpool.Put(bp)
	if c.cfg.fixedClock {
		r.Time = c.cfg.now()
	}
	b := h.appendRecord((*bp)[:0], ctx, inv, r, 0)
	if max := c.cfg.maxLine; len(b) > max {
		// Too long for one CloudWatch Logs event: encode again with every
		// string value cut, smaller until the line fits.
		for limit := max / 8; len(b) > max && limit >= 64; limit /= 2 {
			b = h.appendRecord(b[:0], ctx, inv, r, limit)
		}
		if len(b) > max {
			b = h.appendMinimal(b[:0], ctx, inv, r)
		}
	}
	b = c.scrub(b, inv)
	*bp = b
	if buffered {
		inv.hold(b)
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

// appendRecord encodes r. A limit > 0 cuts every string value longer than
// limit bytes (marking it) and marks the line as truncated.
func (h *Handler) appendRecord(b []byte, ctx context.Context, inv *Invocation, r slog.Record, limit int) []byte {
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
	e := encoder{c: c, inv: inv, limit: limit}
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
		if inv.fields.InitDuration > 0 && s.InitDuration != "" && inv.initPending.CompareAndSwap(true, false) {
			b = appendKey(b, s.InitDuration)
			b, _ = jsonenc.AppendFloat(b, durationMS(inv.fields.InitDuration))
		}
	} else {
		b = appendAmbient(b, ctx, s)
	}
	if limit > 0 {
		b = append(b, `,"`+KeyTruncated+`":true`...)
	}
	if ca, ok := ctx.Value(attrsKey{}).(*ctxAttrs); ok {
		b = ca.appendTo(b, &e)
	}
	if limit > 0 && len(h.pre) > 8*limit {
		// Attributes bound with With do not fit either: leave them out.
		b = append(b, `,"`+KeyDroppedAttrs+`":true`...)
		return append(b, '}', '\n')
	}
	b = append(b, h.pre...)
	open := h.opened
	if r.NumAttrs() > 0 {
		mark := len(b)
		for _, g := range h.groups[h.opened:] {
			b = openGroup(b, g)
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
	return append(b, '}', '\n')
}

func durationMS(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}

func appendLevel(b []byte, l slog.Level) []byte {
	b = append(b, '"')
	switch l {
	case slog.LevelDebug:
		b = append(b, "DEBUG"...)
	case slog.LevelInfo:
		b = append(b, "INFO"...)
	case slog.LevelWarn:
		b = append(b, "WARN"...)
	case slog.LevelError:
		b = append(b, "ERROR"...)
	case LevelTrace:
		b = append(b, "TRACE"...)
	case LevelCritical:
		b = append(b, "CRITICAL"...)
	default:
		b = append(b, l.String()...)
	}
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
func appendAmbient(b []byte, ctx context.Context, s *Scheme) []byte {
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
		if hdr, ok := ctx.Value("x-amzn-trace-id").(string); ok {
			if root := TraceRoot(hdr); root != "" {
				b = appendKey(b, s.TraceID)
				b = jsonenc.AppendString(b, root)
			}
		}
	}
	return b
}

// TraceRoot returns the Root= part of an X-Ray trace header
// ("Root=1-…;Parent=…;Sampled=1"), or "" when it has none.
func TraceRoot(header string) string {
	for len(header) > 0 {
		part := header
		if i := indexByte(header, ';'); i >= 0 {
			part, header = header[:i], header[i+1:]
		} else {
			header = ""
		}
		for len(part) > 0 && part[0] == ' ' {
			part = part[1:]
		}
		if len(part) > 5 && part[:5] == "Root=" {
			return part[5:]
		}
	}
	return ""
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// encoder appends attributes by the handler's rules.
type encoder struct {
	c     *core
	inv   *Invocation // where values redacted by key are remembered
	limit int         // cut string values longer than this (0: never)
}

// str appends s as a JSON string whose encoded contents are at most the
// encoder's limit, cut and marked when longer. The limit counts encoded
// bytes: an invalid or control byte takes six once escaped.
func (e *encoder) str(b []byte, s string) []byte {
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

func openGroup(b []byte, name string) []byte {
	b = sep(b)
	b = jsonenc.AppendString(b, name)
	return append(b, ':', '{')
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
		if e.secret(a.Key) {
			if k == slog.KindString {
				e.inv.remember(v.String())
			}
			return e.appendRedacted(b, a.Key)
		}
		b = sep(b)
		b = jsonenc.AppendString(b, a.Key)
		b = append(b, ':')
		switch k {
		case slog.KindString:
			return e.str(b, v.String())
		case slog.KindInt64:
			return strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindFloat64:
			return appendFloatValue(b, v.Float64())
		default:
			return strconv.AppendBool(b, v.Bool())
		}
	}
	if v.Kind() == slog.KindLogValuer {
		var bad string
		if v, bad = resolve(v); bad != "" {
			b = sep(b)
			b = jsonenc.AppendString(b, a.Key)
			b = append(b, ':')
			return appendBad(b, bad)
		}
	}
	if a.Key == "" && v.Kind() != slog.KindGroup {
		if v.Kind() == slog.KindAny && v.Any() == nil {
			return b // the empty Attr
		}
	}
	if v.Kind() == slog.KindGroup {
		attrs := v.Group()
		if len(attrs) == 0 {
			return b
		}
		if a.Key == "" {
			for _, ga := range attrs {
				b = e.appendAttr(b, ga)
			}
			return b
		}
		if e.secret(a.Key) {
			return e.appendRedacted(b, a.Key)
		}
		mark := len(b)
		b = sep(b)
		b = jsonenc.AppendString(b, a.Key)
		b = append(b, ':', '{')
		before := len(b)
		for _, ga := range attrs {
			b = e.appendAttr(b, ga)
		}
		if len(b) == before {
			return b[:mark]
		}
		return append(b, '}')
	}
	if e.secret(a.Key) {
		e.inv.rememberValue(v)
		return e.appendRedacted(b, a.Key)
	}
	b = sep(b)
	b = jsonenc.AppendString(b, a.Key)
	b = append(b, ':')
	switch v.Kind() {
	case slog.KindString:
		return e.str(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		return appendFloatValue(b, v.Float64())
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

func (e *encoder) appendRedacted(b []byte, key string) []byte {
	b = sep(b)
	b = jsonenc.AppendString(b, key)
	b = append(b, ':')
	return jsonenc.AppendString(b, Redacted)
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

func appendBad(b []byte, msg string) []byte {
	return jsonenc.AppendString(b, "!BADVALUE "+msg)
}

func (e *encoder) appendAny(b []byte, key string, x any) []byte {
	switch x := x.(type) {
	case nil:
		return append(b, "null"...)
	case error:
		msg, ok := safeError(x)
		if !ok {
			b = appendBad(b, msg)
		} else {
			b = e.str(b, msg)
		}
		b = append(b, ',')
		b = jsonenc.AppendString(b, key+"_type")
		b = append(b, ':')
		return jsonenc.AppendString(b, errorType(x))
	case []byte:
		return jsonenc.AppendBytesString(b, x)
	case float32:
		return appendFloatValue(b, float64(x))
	}
	out, err := safeMarshal(x)
	if err != nil {
		return appendBad(b, err.Error())
	}
	if e.c.cfg.redact != nil && len(e.c.cfg.redact.words) > 0 {
		out = redactJSON(out, e.secret, e.inv.remember)
	}
	if e.limit > 0 && len(out) > e.limit {
		// Too big to keep as JSON: its text, cut.
		return e.str(b, string(out))
	}
	return append(b, out...)
}

func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t == nil {
		return "<nil>"
	}
	return t.String()
}

// safeError returns err.Error(), or a description of the panic it raised.
func safeError(err error) (msg string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, ok = fmt.Sprintf("Error method panicked: %v", r), false
		}
	}()
	return err.Error(), true
}

func safeMarshal(x any) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("MarshalJSON panicked: %v", r)
		}
	}()
	return json.Marshal(x)
}

func (e *encoder) secret(key string) bool {
	return e.c.cfg.redact.secret(key)
}

// appendMinimal is the last resort for a record that does not fit even with
// every value cut: its level, message (cut) and time with the invocation's
// fields, or without them when even those do not fit.
func (h *Handler) appendMinimal(b []byte, ctx context.Context, inv *Invocation, r slog.Record) []byte {
	r2 := slog.NewRecord(r.Time, r.Level, r.Message, 0)
	h2 := &Handler{c: h.c}
	limit := h.c.cfg.maxLine
	for _, in := range []*Invocation{inv, nil} {
		c := ctx
		if in == nil {
			c = context.Background()
		}
		b = h2.appendRecord(b[:0], c, in, r2, max(16, min(1024, limit/8)))
		b = b[:len(b)-2] // the closing brace and newline
		b = append(b, `,"`+KeyDroppedAttrs+`":true}`+"\n"...)
		if len(b) <= limit {
			return b
		}
	}
	// Not even that fits (a tiny limit, a huge service name): the level and
	// the fact alone.
	b = append(b[:0], '{')
	b = append(b, h.c.keyLvl[1:]...)
	b = appendLevel(b, r.Level)
	b = append(b, `,"`+KeyTruncated+`":true,"`+KeyDroppedAttrs+`":true}`+"\n"...)
	return b
}
