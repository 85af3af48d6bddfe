package xraytracing

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/aws/aws-xray-sdk-go/v2/strategy/exception"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	pkgerrors "github.com/pkg/errors"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
)

// maxExceptions bounds the exceptions one span keeps, so an error recorded
// in a loop cannot grow a span without bound.
const maxExceptions = 64

// span is a recording span: an X-Ray (sub)segment. Its fields follow the
// SDK's conventions: the segment's lock guards the segment, so the SDK's own
// functions (xray.AddAnnotation, xray.BeginSubsegment, …) may be called on it
// from any goroutine. The tree of spans is guarded by the root's mu.
//
// Each segment is a root for the SDK (no SDK parent) and a facade: a
// subsegment the SDK begins under it (the AWS SDK instrumentation,
// xray.Capture) reaches the tracer's emitter when it closes, which keeps it
// for the root's document (see sdkEmitter).
//
// seg must stay the first field: spanOf finds the span from the segment the
// SDK hands the emitter.
type span struct {
	seg      xray.Segment
	t        *Tracer
	root     *span   // the span whose document carries this one; itself for a root
	parent   *span   // nil for a root
	children []*span // guarded by root.mu
	ended    atomic.Bool
	lastErr  string        // message of the last error recorded, redacted; guarded by seg's lock
	scope    *redact.Scope // what the span redacts (nil: the process's); a child takes its parent's

	// Of a root only.
	mu        sync.Mutex
	sent      bool      // the document was sent; descendants ending later are sent alone
	ns        string    // metadata namespace
	held      []heldSub // subsegments the SDK closed under spans of this document
	heldBytes int
}

// heldSub is the JSON of a subsegment the SDK closed under parent, as
// embedded in a document (no "type").
type heldSub struct {
	parent *span
	doc    []byte
}

var _ tracing.Span = (*span)(nil)

// The offset of span.seg is 0: spanOf depends on it. (The array has one
// element, so a non-zero offset does not compile.)
var _ = [1]struct{}{}[unsafe.Offsetof(span{}.seg)]

// spanOf returns the span whose segment seg is, or nil when seg is not a
// recording span of t. Only spans give their segment t's configuration
// with Sampled set and Dummy unset (unsampled ones are dummies).
func (t *Tracer) spanOf(seg *xray.Segment) *span {
	if seg == nil || seg.Configuration != t.xcfg || seg.Dummy || !seg.Sampled {
		return nil
	}
	return (*span)(unsafe.Pointer(seg))
}

func (t *Tracer) initSeg(seg *xray.Segment, name, traceID, parentID string, start time.Time) {
	seg.TraceID = traceID
	seg.ID = newID()
	seg.Name = segmentName(name)
	seg.StartTime = seconds(start)
	seg.InProgress = true
	seg.ParentID = parentID
	seg.ParentSegment = seg
	seg.Configuration = t.xcfg
	seg.Facade = true
	seg.Sampled = true
}

// newRoot starts a span sent as a document of its own: an independent
// subsegment of the Lambda facade (subsegment) or a segment.
func (t *Tracer) newRoot(name, traceID, parentID string, subsegment bool, ns string, start time.Time) *span {
	s := &span{t: t, ns: ns}
	s.root = s
	t.initSeg(&s.seg, name, traceID, parentID, start)
	if subsegment {
		s.seg.Type = "subsegment"
	}
	return s
}

func (t *Tracer) newChild(p *span, name string, kind tracing.Kind) *span {
	c := &span{t: t, root: p.root, parent: p, scope: p.scope}
	t.initSeg(&c.seg, name, p.seg.TraceID, p.seg.ID, t.cfg.now())
	setKind(&c.seg, kind)
	r := p.root
	r.mu.Lock()
	p.children = append(p.children, c)
	r.mu.Unlock()
	return c
}

// setKind marks calls to other services as X-Ray does: namespace "remote".
func setKind(seg *xray.Segment, k tracing.Kind) {
	if k == tracing.KindClient || k == tracing.KindProducer {
		seg.Namespace = "remote"
	}
}

// configure applies what Start was given.
func (s *span) configure(cfg tracing.StartConfig) {
	s.SetAttributes(cfg.Attributes...)
	if len(cfg.Links) > 0 {
		links := make([]string, len(cfg.Links))
		for i, l := range cfg.Links {
			links[i] = l.String()
		}
		s.SetMetadata(MetadataLinks, links)
	}
}

// End implements tracing.Span. Ending a root sends its document; ending a
// span whose document was already sent (it outlived the invocation, or the
// timeout guard sent the document) sends it alone, with its descendants.
func (s *span) End() {
	defer s.t.recoverAs("end span")
	now := s.t.cfg.now()
	s.seg.Lock()
	if s.ended.Load() {
		s.seg.Unlock()
		return
	}
	s.ended.Store(true)
	s.seg.EndTime = seconds(now)
	s.seg.InProgress = false
	s.seg.Unlock()
	if s.parent != nil {
		r := s.root
		r.mu.Lock()
		late := r.sent
		r.mu.Unlock()
		if !late {
			return
		}
	}
	s.t.emit(s)
}

// emit encodes s and its descendants and sends them.
func (t *Tracer) emit(s *span) {
	t.inflight.Add(1)
	defer t.inflight.Add(-1)
	t.send(t.encode(s))
}

func (t *Tracer) encode(s *span) [][]byte {
	defer t.recoverAs("encode document")
	r := s.root
	r.mu.Lock()
	defer r.mu.Unlock()
	var held []heldSub
	if s == r {
		r.sent = true
		held, r.held, r.heldBytes = r.held, nil, 0
	}
	return encodeTree(s, held, t.limit)
}

// SetAttributes implements tracing.Span: strings, numbers and booleans
// become annotations (keys made of letters, digits and '_', as X-Ray
// filters need; other characters become '_'); times and durations become
// string annotations; groups and other values become metadata under their
// key. A value under a secret key is annotated as redact.Redacted, and
// remembered by the span's scope; strings lose the secrets they hold.
func (s *span) SetAttributes(attrs ...slog.Attr) {
	if len(attrs) == 0 {
		return
	}
	var meta []slog.Attr
	sc := s.scope.Scrubber()
	s.seg.Lock()
	if s.ended.Load() {
		s.seg.Unlock()
		return
	}
	for _, a := range attrs {
		if a.Key == "" {
			continue
		}
		v := a.Value.Resolve()
		secret := sc.Key(a.Key)
		var val any
		switch v.Kind() {
		case slog.KindString:
			str := v.String()
			if !secret {
				str = scrub.Text(&sc, str)
			}
			val = str
		case slog.KindInt64:
			val = v.Int64()
		case slog.KindUint64:
			val = v.Uint64()
		case slog.KindFloat64:
			f := v.Float64()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				val = v.String() // JSON has no NaN or Inf
			} else {
				val = f
			}
		case slog.KindBool:
			val = v.Bool()
		case slog.KindDuration:
			val = v.Duration().String()
		case slog.KindTime:
			val = v.Time().Format(time.RFC3339Nano)
		default:
			meta = append(meta, slog.Attr{Key: a.Key, Value: v})
			continue
		}
		if secret {
			sc.Remember(v.String())
			val = redact.Redacted
		}
		if s.seg.Annotations == nil {
			s.seg.Annotations = make(map[string]any, len(attrs))
		}
		s.seg.Annotations[annotationKey(scrub.Key(&sc, a.Key))] = val
	}
	s.seg.Unlock()
	for _, a := range meta {
		s.SetMetadata(a.Key, attrValue(a.Value))
	}
}

// attrValue turns a resolved slog value into a value encoding/json encodes
// as the logger would: groups become objects.
func attrValue(v slog.Value) any {
	if v.Kind() != slog.KindGroup {
		return v.Any()
	}
	m := make(map[string]any)
	for _, a := range v.Group() {
		m[a.Key] = attrValue(a.Value.Resolve())
	}
	return m
}

// SetMetadata implements tracing.Span. The value is encoded to JSON at once
// (so later changes to it are not seen), and redacted: under a secret key it
// is redact.Redacted (and what it holds is remembered by the span's scope),
// and its members under secret keys and the secret values it holds are
// redacted too. A value encoding/json cannot encode is kept as a string
// saying why; a value larger than a datagram is cut and marked (see the
// package documentation).
func (s *span) SetMetadata(key string, value any) {
	if s.ended.Load() {
		return
	}
	sc := s.scope.Scrubber()
	var mv *metaValue
	if sc.Key(key) {
		scrub.RememberJSON(&sc, key, marshalValue(value))
		mv = newMetaValue(redact.Redacted, s.t.limit, nil)
	} else {
		mv = newMetaValue(value, s.t.limit, &sc)
	}
	key = scrub.Key(&sc, key)
	s.seg.Lock()
	defer s.seg.Unlock()
	if s.ended.Load() {
		return
	}
	s.setMetaLocked(key, mv)
}

func (s *span) setMetaLocked(key string, v *metaValue) {
	ns := s.root.ns
	if s.seg.Metadata == nil {
		s.seg.Metadata = make(map[string]map[string]any, 1)
	}
	m := s.seg.Metadata[ns]
	if m == nil {
		m = make(map[string]any, 2)
		s.seg.Metadata[ns] = m
	}
	m[key] = v
}

// SetResponse records v as the "response" metadata of the span when the
// tracer captures responses (WithCaptureResponse). The Lambda wrapper calls
// it with the handler's output; a []byte holding JSON (a byte-level
// handler's response) is kept as that JSON.
func (s *span) SetResponse(v any) {
	if !s.t.cfg.captureResponse {
		return
	}
	if b, ok := v.([]byte); ok {
		if json.Valid(b) {
			v = json.RawMessage(b)
		} else {
			v = string(b)
		}
	}
	s.SetMetadata(MetadataResponse, v)
}

// RecordError implements tracing.Span: the error becomes an exception of the
// segment's cause (message, type and stack, as the SDK's AddError records
// it) and the "error" metadata, its message redacted. An Error method that
// panics (a nil pointer in err, say) is described instead. It sets no flag;
// SetStatus does. With WithCaptureError(false) it records nothing.
func (s *span) RecordError(err error) {
	if err == nil || !s.t.cfg.captureError || s.ended.Load() {
		return
	}
	defer s.t.recoverAs("record error")
	var ex exception.Exception
	if msg, ok := errinfo.Text(err); ok {
		ex = s.t.exception(err)
	} else {
		ex = exception.Exception{ID: newID(), Type: strings.ReplaceAll(errinfo.Type(err), "*", ""), Message: msg}
	}
	sc := s.scope.Scrubber()
	ex.Message = scrub.Text(&sc, ex.Message)
	mv := newMetaValue(errorMeta{Message: ex.Message, Type: ex.Type}, s.t.limit, nil)
	s.seg.Lock()
	defer s.seg.Unlock()
	if s.ended.Load() {
		return
	}
	cause := s.seg.GetCause()
	if len(cause.Exceptions) < maxExceptions {
		cause.Exceptions = append(cause.Exceptions, ex)
	}
	s.lastErr = ex.Message
	s.setMetaLocked(MetadataError, mv)
}

// exception describes err as the SDK's AddError does, but with the stack of
// RecordError's caller when err carries none: the SDK skips a fixed number
// of frames tuned to its own call path, which here would drop the caller.
func (t *Tracer) exception(err error) exception.Exception {
	efs := t.xcfg.ExceptionFormattingStrategy
	var st exception.StackTracer
	var pst interface{ StackTrace() pkgerrors.StackTrace }
	if errors.As(err, &st) || errors.As(err, &pst) {
		return efs.ExceptionFromError(err)
	}
	pcs := make([]uintptr, 32)
	pcs = pcs[:runtime.Callers(3, pcs)] // from the caller of RecordError
	ex := efs.ExceptionFromError(&stackError{err, pcs})
	ex.Type = strings.ReplaceAll(fmt.Sprintf("%T", err), "*", "")
	var xe *exception.XRayError
	if errors.As(err, &xe) {
		ex.Type = xe.Type
	}
	if et, ok := err.(interface{ ErrorType() string }); ok {
		// An error describing another (lambdawrap's of a returned error).
		if typ := et.ErrorType(); typ != "" {
			ex.Type = strings.ReplaceAll(typ, "*", "")
		}
	}
	return ex
}

// stackError lends err a stack for the SDK's formatting strategy.
type stackError struct {
	error
	pcs []uintptr
}

func (e *stackError) StackTrace() []uintptr { return e.pcs }
func (e *stackError) Unwrap() error         { return e.error }

type errorMeta struct {
	Message string `json:"message"`
	Type    string `json:"type"`
}

// SetStatus implements tracing.Span: ClientError sets the segment's "error"
// flag, Error its "fault" flag, OK clears both. A description is kept as the
// "status" metadata, and as the cause when no error was recorded (unless
// WithCaptureError(false)); it is redacted.
func (s *span) SetStatus(code tracing.Code, description string) {
	if s.ended.Load() {
		return
	}
	var mv *metaValue
	if description != "" && s.t.cfg.captureError && (code == tracing.ClientError || code == tracing.Error) {
		sc := s.scope.Scrubber()
		description = scrub.Text(&sc, description)
		mv = newMetaValue(description, s.t.limit, nil)
	}
	s.seg.Lock()
	defer s.seg.Unlock()
	if s.ended.Load() {
		return
	}
	switch code {
	case tracing.OK:
		s.seg.Fault, s.seg.Error = false, false
	case tracing.ClientError:
		s.seg.Fault, s.seg.Error = false, true
	case tracing.Error:
		s.seg.Fault, s.seg.Error = true, false
	default:
		return
	}
	if mv == nil {
		return
	}
	if description != s.lastErr { // the wrapper repeats the error's message
		s.setMetaLocked(MetadataStatus, mv)
	}
	if c := s.seg.Cause; c == nil || len(c.Exceptions) == 0 {
		typ := "Fault"
		if code == tracing.ClientError {
			typ = "ClientError"
		}
		s.seg.GetCause().Exceptions = append(s.seg.GetCause().Exceptions, exception.Exception{ID: newID(), Type: typ, Message: description})
	}
}

// IsRecording implements tracing.Span: true until the span ends.
func (s *span) IsRecording() bool { return !s.ended.Load() }

// TraceID implements tracing.Span.
func (s *span) TraceID() string { return s.seg.TraceID }

// Header implements tracing.Span.
func (s *span) Header() tracing.Header {
	return tracing.Header{Root: s.seg.TraceID, Parent: s.seg.ID, Sampled: tracing.SampledYes}
}

// unsampled is the span of a trace that is not sampled (Sampled=0, or no
// trace header at all): it records nothing, and its children are itself,
// but it carries the trace for propagation, and a dummy segment for the
// X-Ray SDK so that SDK code in the handler sees an unsampled trace rather
// than a missing one.
type unsampled struct {
	seg    xray.Segment
	t      *Tracer
	root   string
	parent string
}

func (t *Tracer) newUnsampled(root, parent string) *unsampled {
	u := &unsampled{t: t, root: root, parent: parent}
	u.seg.TraceID = root
	u.seg.ID = parent
	u.seg.Dummy = true
	u.seg.ParentSegment = &u.seg
	u.seg.Configuration = t.xcfg
	return u
}

func (*unsampled) End()                       {}
func (*unsampled) SetAttributes(...slog.Attr) {}
func (*unsampled) SetMetadata(string, any)    {}
func (*unsampled) RecordError(error)          {}
func (*unsampled) SetStatus(tracing.Code, string) {
}
func (*unsampled) SetResponse(any)   {}
func (*unsampled) IsRecording() bool { return false }
func (u *unsampled) TraceID() string { return u.root }
func (u *unsampled) Header() tracing.Header {
	if u.root == "" {
		return tracing.Header{}
	}
	return tracing.Header{Root: u.root, Parent: u.parent, Sampled: tracing.SampledNo}
}

// recoverAs keeps a bug, or a panicking method of a value the tracer was
// given, from failing the invocation: telemetry is never worth a crash.
// The panic becomes an error that the next Flush returns.
func (t *Tracer) recoverAs(what string) {
	if r := recover(); r != nil {
		sc := scrub.Process()
		t.fail(fmt.Errorf("xraytracing: %s: panic: %s", what, scrub.Text(&sc, errinfo.Sprint(r))))
	}
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / float64(time.Second) }

// newID returns a random 64-bit id in 16 hex digits, never all zeros (the
// SDK's id for unsampled segments).
func newID() string {
	x := rand.Uint64()
	for x == 0 {
		x = rand.Uint64()
	}
	var b [8]byte
	for i := range b {
		b[i] = byte(x >> (56 - 8*i))
	}
	var out [16]byte
	hex.Encode(out[:], b[:])
	return string(out[:])
}

// newTraceID returns a new X-Ray trace id: 1-<epoch seconds>-<96 random bits>.
func newTraceID(now time.Time) string {
	var b [4 + 12]byte
	sec := uint32(now.Unix())
	b[0], b[1], b[2], b[3] = byte(sec>>24), byte(sec>>16), byte(sec>>8), byte(sec)
	x, y := rand.Uint64(), rand.Uint32()
	for i := range 8 {
		b[4+i] = byte(x >> (56 - 8*i))
	}
	b[12], b[13], b[14], b[15] = byte(y>>24), byte(y>>16), byte(y>>8), byte(y)
	var out [35]byte
	out[0], out[1], out[10] = '1', '-', '-'
	hex.Encode(out[2:10], b[:4])
	hex.Encode(out[11:], b[4:])
	return string(out[:])
}

// validRoot reports whether s is an X-Ray trace id: 1-<8 hex>-<24 hex>.
func validRoot(s string) bool {
	return len(s) == 35 && s[0] == '1' && s[1] == '-' && s[10] == '-' && isHex(s[2:10], 8) && isHex(s[11:], 24)
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// maxNameRunes is X-Ray's limit on segment names.
const maxNameRunes = 200

// segmentName returns name as X-Ray accepts it: at most 200 characters,
// Unicode letters, digits and spaces and _ . : / % & # = + \ - @; other
// characters become '_'. An empty name becomes "unnamed".
func segmentName(name string) string {
	if name == "" {
		return "unnamed"
	}
	ok := len(name) <= maxNameRunes
	for i := 0; ok && i < len(name); i++ {
		ok = name[i] < utf8.RuneSelf && nameByte[name[i]]
	}
	if ok {
		return name
	}
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == maxNameRunes {
			break
		}
		n++
		if r < utf8.RuneSelf && nameByte[r] || r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r)) && r != utf8.RuneError {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

var nameByte = func() (t [utf8.RuneSelf]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range " _.:/%&#=+\\-@" {
		t[c] = true
	}
	return t
}()

// annotationKey returns key with every character other than an ASCII
// letter, digit or '_' replaced by '_', as X-Ray's filter expressions need.
func annotationKey(key string) string {
	ok := true
	for i := 0; ok && i < len(key); i++ {
		ok = isKeyByte(key[i])
	}
	if ok {
		return key
	}
	b := []byte(key)
	for i, c := range b {
		if !isKeyByte(c) {
			b[i] = '_'
		}
	}
	return string(b)
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
