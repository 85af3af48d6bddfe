package xraytracing

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
	"github.com/lambdaobs/lambdaobs/tracing/internal/xrayid"
)

// maxExceptions bounds the exceptions one span keeps, so an error recorded
// in a loop cannot grow a span without bound.
const maxExceptions = 64

// span is a recording span: an X-Ray (sub)segment. lock guards seg; the
// tree of spans is guarded by the root's mu.
type span struct {
	lock     sync.Mutex
	seg      segment
	t        *Tracer
	root     *span   // the span whose document carries this one; itself for a root
	parent   *span   // nil for a root
	children []*span // guarded by root.mu
	ended    atomic.Bool
	awsCall  bool          // a call to an AWS service (names.RPCSystemAWS); guarded by lock
	done     bool          // sent complete, in a document already; guarded by root.mu
	lastErr  string        // message of the last error recorded, redacted; guarded by lock
	scope    *redact.Scope // what the span redacts (nil: the process's); a child takes its parent's

	// Of a root only.
	mu   sync.Mutex
	sent bool   // the document was sent; descendants ending later are sent alone
	ns   string // metadata namespace
}

var _ tracing.Span = (*span)(nil)

func (t *Tracer) initSeg(seg *segment, name, traceID, parentID string, start time.Time) {
	seg.TraceID = traceID
	seg.ID = newID()
	seg.Name = segmentName(name)
	seg.StartTime = seconds(start)
	seg.InProgress = true
	seg.ParentID = parentID
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
func setKind(seg *segment, k tracing.Kind) {
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
		s.SetMetadata(names.MetadataLinks, links)
	}
}

// End implements tracing.Span. Ending a root sends its document; ending a
// span whose document was already sent (it outlived the invocation, or the
// timeout guard sent the document) sends it alone, with those of its
// descendants not yet sent complete: each span is sent complete once.
func (s *span) End() {
	defer s.t.recoverAs("end span")
	now := s.t.cfg.now()
	s.lock.Lock()
	if s.ended.Load() {
		s.lock.Unlock()
		return
	}
	s.ended.Store(true)
	s.seg.EndTime = seconds(now)
	s.seg.InProgress = false
	s.lock.Unlock()
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
	if s == r {
		r.sent = true
	}
	return encodeTree(s, t.limit)
}

// SetAttributes implements tracing.Span: strings, numbers and booleans
// become annotations (keys made of letters, digits and '_', as X-Ray
// filters need; other characters become '_'); times and durations become
// string annotations; groups and other values become metadata under their
// key. A value under a secret key is annotated as redact.Redacted, and
// remembered by the span's scope; strings lose the secrets they hold.
//
// The attributes of an AWS call (rpc.system "aws-api" and the others
// package awssdk sets) go to the fields of the subsegment X-Ray's
// service map reads instead: the namespace "aws", the name (the service),
// "aws" (operation, region, request_id, table_name, queue_url,
// function_name, topic_arn, state_machine_arn) and the HTTP response
// status (429 sets the throttle flag).
func (s *span) SetAttributes(attrs ...slog.Attr) {
	if len(attrs) == 0 {
		return
	}
	var meta []slog.Attr
	sc := s.scope.Scrubber()
	s.lock.Lock()
	if s.ended.Load() {
		s.lock.Unlock()
		return
	}
	if !s.awsCall {
		for _, a := range attrs {
			if a.Key == names.AttrRPCSystem && a.Value.Kind() == slog.KindString && a.Value.String() == names.RPCSystemAWS {
				s.awsCall = true
				s.seg.Namespace = "aws"
			}
		}
	}
	for _, a := range attrs {
		if a.Key == "" {
			continue
		}
		v := a.Value.Resolve()
		if s.awsCall && s.setAWSLocked(a.Key, v, &sc) {
			continue
		}
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
	s.lock.Unlock()
	for _, a := range meta {
		s.SetMetadata(a.Key, attrValue(a.Value))
	}
}

// setAWSLocked records an attribute of an AWS call in the subsegment's
// fields, and reports whether key is one of those attributes. The caller
// holds s.lock.
func (s *span) setAWSLocked(key string, v slog.Value, sc *redact.Scrubber) bool {
	if s.seg.AWS == nil {
		s.seg.AWS = &awsData{}
	}
	a := s.seg.AWS
	var field *string
	switch key {
	case names.AttrRPCSystem:
		return true // the namespace says it
	case names.AttrRPCService:
		field = &s.seg.Name
	case names.AttrRPCMethod:
		field = &a.Operation
	case names.AttrCloudRegion:
		field = &a.Region
	case names.AttrAWSRequestID:
		field = &a.RequestID
	case names.AttrSQSQueueURL:
		field = &a.QueueURL
	case names.AttrFaaSInvokedName:
		field = &a.FunctionName
	case names.AttrSNSTopicARN:
		field = &a.TopicARN
	case names.AttrStateMachineARN:
		field = &a.StateMachineARN
	case names.AttrDynamoDBTableNames:
		var names []string
		switch x := v.Any().(type) {
		case []string:
			names = x
		case string:
			names = []string{x}
		}
		switch len(names) {
		case 0:
			return false
		case 1:
			a.TableName, a.TableNames = scrub.Text(sc, names[0]), nil
		default:
			out := make([]string, len(names))
			for i, n := range names {
				out[i] = scrub.Text(sc, n)
			}
			a.TableName, a.TableNames = "", out
		}
		return true
	case names.AttrHTTPStatusCode:
		var code int64
		switch v.Kind() {
		case slog.KindInt64:
			code = v.Int64()
		case slog.KindUint64:
			code = int64(min(v.Uint64(), math.MaxInt32))
		default:
			return false
		}
		if s.seg.HTTP == nil {
			s.seg.HTTP = &httpData{}
		}
		s.seg.HTTP.Response.Status = int(code)
		s.seg.Throttle = code == 429
		return true
	default:
		return false
	}
	if v.Kind() != slog.KindString {
		return false
	}
	str := scrub.Text(sc, v.String())
	if field == &s.seg.Name {
		str = segmentName(str)
	}
	*field = str
	return true
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
		scrub.Remember(&sc, key, value)
		mv = newMetaValue(redact.Redacted, s.t.limit, nil)
	} else {
		mv = newMetaValue(value, s.t.limit, &sc)
	}
	key = scrub.Key(&sc, key)
	s.lock.Lock()
	defer s.lock.Unlock()
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
	s.SetMetadata(names.MetadataResponse, v)
}

// RecordError implements tracing.Span: the error becomes an exception of the
// segment's cause (type, message and stack: the stack err carries, or its
// caller's; remote when err is an AWS service's error, with a request id)
// and the "error" metadata, its message redacted. An Error method that
// panics (a nil pointer in err, say) is described instead. It sets no
// flag; SetStatus does. With WithoutCaptureError it records nothing.
func (s *span) RecordError(err error) {
	if err == nil || !s.t.cfg.captureError || s.ended.Load() {
		return
	}
	defer s.t.recoverAs("record error")
	var ex exception
	if msg, ok := errinfo.Text(err); ok {
		ex = newException(err, msg, 3) // from the caller of RecordError
	} else {
		ex = exception{ID: newID(), Type: strings.ReplaceAll(errinfo.Type(err), "*", ""), Message: msg}
	}
	sc := s.scope.Scrubber()
	ex.Message = scrub.Text(&sc, ex.Message)
	mv := newMetaValue(errorMeta{Message: ex.Message, Type: ex.Type}, s.t.limit, nil)
	s.lock.Lock()
	defer s.lock.Unlock()
	if s.ended.Load() {
		return
	}
	cause := s.seg.cause()
	if len(cause.Exceptions) < maxExceptions {
		cause.Exceptions = append(cause.Exceptions, ex)
	}
	s.lastErr = ex.Message
	s.setMetaLocked(names.MetadataError, mv)
}

type errorMeta struct {
	Message string `json:"message"`
	Type    string `json:"type"`
}

// SetStatus implements tracing.Span: ClientError sets the segment's "error"
// flag, Error its "fault" flag, OK clears both. A description is kept as the
// "status" metadata, and as the cause when no error was recorded (unless
// WithoutCaptureError); it is redacted.
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
	s.lock.Lock()
	defer s.lock.Unlock()
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
		s.setMetaLocked(names.MetadataStatus, mv)
	}
	if c := s.seg.Cause; c == nil || len(c.Exceptions) == 0 {
		typ := "Fault"
		if code == tracing.ClientError {
			typ = "ClientError"
		}
		s.seg.cause().Exceptions = append(s.seg.cause().Exceptions, exception{ID: newID(), Type: typ, Message: description})
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

// HeaderIDs returns the ids of s's Header as bytes.
func (s *span) HeaderIDs() (h xrayid.HeaderIDs) {
	if len(s.seg.TraceID) != xrayid.TraceIDLen || len(s.seg.ID) != xrayid.SpanIDLen {
		return h
	}
	copy(h.IDs[:], s.seg.TraceID)
	copy(h.IDs[xrayid.TraceIDLen:], s.seg.ID)
	h.HasParent, h.Sampled, h.OK = true, true, true
	return h
}

// unsampled is the span of a trace that is not recorded (a header that is
// invalid, has no Parent, or does not say Sampled=1, or no header at all):
// it records nothing, and its children are itself, but it carries the
// trace for propagation.
type unsampled struct {
	t      *Tracer
	root   string
	parent string
}

func (t *Tracer) newUnsampled(root, parent string) *unsampled {
	return &unsampled{t: t, root: root, parent: parent}
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

// HeaderIDs returns the ids of u's Header as bytes.
func (u *unsampled) HeaderIDs() (h xrayid.HeaderIDs) {
	if len(u.root) != xrayid.TraceIDLen || (u.parent != "" && len(u.parent) != xrayid.SpanIDLen) {
		return h
	}
	copy(h.IDs[:], u.root)
	copy(h.IDs[xrayid.TraceIDLen:], u.parent)
	h.HasParent, h.OK = u.parent != "", true
	return h
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

// newID returns a random 64-bit id in 16 hex digits, never all zeros.
func newID() string { return xrayid.FormatSpanID(xrayid.NewSpanID()) }

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
