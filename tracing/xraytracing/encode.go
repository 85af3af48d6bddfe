package xraytracing

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/lambdaobs/lambdaobs/internal/bufpool"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"github.com/lambdaobs/lambdaobs/internal/redact"
	"github.com/lambdaobs/lambdaobs/tracing/internal/scrub"
)

// Documents are segments encoded by encoding/json, one per span; a parent
// carries its children in "subsegments" as far as the datagram allows, and
// the rest are sent as independent subsegments, as the X-Ray SDKs'
// streaming strategy does, but by size rather than by count.

// typeField turns an embedded subsegment into an independent one (its
// trace_id and parent_id are always set).
const typeField = `"type":"subsegment",`

// encodeTree returns the documents of s and its descendants: s's own
// document, fitted to limit bytes, and one for each descendant that did not
// fit in it. A span sent complete already (embedded in an earlier document)
// is left out, with its descendants: those that were in progress then send
// themselves when they end. The caller holds s.root.mu.
func encodeTree(s *span, limit int) [][]byte {
	if s.done {
		return nil
	}
	e := encoder{limit: limit}
	if s.parent == nil {
		return append(e.docs, e.node(s, limit))
	}
	// A descendant sent after its root: an independent subsegment.
	return append(e.docs, independent(e.node(s, limit-len(typeField))))
}

type encoder struct {
	limit int
	docs  [][]byte // descendants sent apart
}

// node returns the JSON of s with as many of its descendants embedded as
// fit in budget bytes; the others go to e.docs. Descendants sent complete
// already are left out; s, if complete, is marked sent complete.
func (e *encoder) node(s *span, budget int) []byte {
	own, complete := ownJSON(s, budget)
	if complete {
		s.done = true
	}
	kids := make([][]byte, 0, len(s.children))
	for _, c := range s.children {
		if !c.done {
			kids = append(kids, e.node(c, e.limit-len(typeField)))
		}
	}
	if len(kids) == 0 {
		return own
	}
	const open, closing = `,"subsegments":[`, `]`
	size := len(own) + len(open) + len(closing) + len(kids) - 1
	for _, k := range kids {
		size += len(k)
	}
	if size > budget {
		// Smallest first, so as many as possible stay embedded.
		slices.SortFunc(kids, func(a, b []byte) int { return len(a) - len(b) })
		size = len(own) + len(open) + len(closing)
		n := 0
		for _, k := range kids {
			add := len(k)
			if n > 0 {
				add++
			}
			if size+add > budget {
				e.docs = append(e.docs, independent(k))
				continue
			}
			kids[n] = k
			n++
			size += add
		}
		kids = kids[:n]
		if n == 0 {
			return own
		}
	}
	out := make([]byte, 0, size)
	out = append(out, own[:len(own)-1]...) // own is a JSON object: drop its '}'
	out = append(out, open...)
	for i, k := range kids {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, k...)
	}
	return append(out, closing+"}"...)
}

// independent inserts "type":"subsegment" into a subsegment's JSON.
func independent(doc []byte) []byte {
	out := make([]byte, 0, len(doc)+len(typeField))
	out = append(out, '{')
	out = append(out, typeField...)
	return append(out, doc[1:]...)
}

// ownJSON returns the JSON of s without descendants, and whether s is
// complete in it (not in progress).
func ownJSON(s *span, budget int) ([]byte, bool) {
	s.lock.Lock()
	defer s.lock.Unlock()
	return segJSON(&s.seg, budget), !s.seg.InProgress
}

// segJSON returns the JSON of seg without descendants, at most budget bytes
// long. The caller holds the lock of seg's span.
func segJSON(seg *segment, budget int) []byte {
	b, err := marshalSeg(seg)
	if err == nil && len(b) <= budget {
		return b
	}
	return fitSeg(seg, budget)
}

// marshalSeg encodes seg, redacted by the process's rules (see scrubSeg).
// The caller holds the lock of seg's span.
func marshalSeg(seg *segment) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("xraytracing: encode segment: panic: %s", errinfo.Sprint(r))
		}
	}()
	bp := bufpool.Get()
	defer bufpool.Put(bp)
	*bp = appendSegment((*bp)[:0], scrubSeg(seg))
	return bytes.Clone(*bp), nil
}

// scrubSeg returns seg, or, when the process's rules (the default secret
// keys, the process's secret values) redact something in it, a copy with
// that redacted: its name, annotations, metadata, exception messages and
// AWS data. What the spans recorded is redacted already, by the scope of
// the invocation; this is the encoder's own pass, which every document
// goes through whatever recorded it. Ids and times are left alone. It
// allocates only when something is redacted. The caller holds the lock of
// seg's span.
func scrubSeg(seg *segment) *segment {
	sc := scrub.Process()
	var cp *segment
	clone := func() *segment {
		if cp == nil {
			cp = copySeg(seg)
			for ns, m := range seg.Metadata {
				cp.Metadata[ns] = m
			}
		}
		return cp
	}
	if n, ok := sc.Values(seg.Name); ok {
		clone().Name = n
	}
	if a, ok := scrubMap(&sc, seg.Annotations); ok {
		clone().Annotations = a
	}
	for ns, m := range seg.Metadata {
		if mm, ok := scrubMap(&sc, m); ok {
			clone().Metadata[ns] = mm
		}
	}
	if a := seg.AWS; a != nil {
		var cpa *awsData
		a.fields(func(name string, v *string) {
			if t, ok := sc.Text(*v); ok {
				if cpa == nil {
					c := *a
					cpa = &c
				}
				switch name {
				case "operation":
					cpa.Operation = t
				case "region":
					cpa.Region = t
				case "request_id":
					cpa.RequestID = t
				case "table_name":
					cpa.TableName = t
				case "queue_url":
					cpa.QueueURL = t
				case "function_name":
					cpa.FunctionName = t
				case "topic_arn":
					cpa.TopicARN = t
				case "state_machine_arn":
					cpa.StateMachineARN = t
				}
			}
		})
		if names, ok := scrub.Texts(&sc, a.TableNames); ok {
			if cpa == nil {
				c := *a
				cpa = &c
			}
			cpa.TableNames = names
		}
		if cpa != nil {
			clone().AWS = cpa
		}
	}
	if c := seg.Cause; c != nil {
		for i, ex := range c.Exceptions {
			if t, ok := sc.Text(ex.Message); ok {
				cl := clone()
				if cl.Cause == c {
					cc := *c
					cc.Exceptions = slices.Clone(c.Exceptions)
					cl.Cause = &cc
				}
				cl.Cause.Exceptions[i].Message = t
			}
		}
	}
	if cp == nil {
		return seg
	}
	return cp
}

// scrubMap returns m redacted by sc (a value under a secret key is
// redact.Redacted; strings lose their secrets; other values are encoded
// and redacted as JSON, those the tracer encoded already are kept) and
// true, or m and false when nothing in it is secret.
func scrubMap(sc *redact.Scrubber, m map[string]any) (map[string]any, bool) {
	var out map[string]any
	for k, v := range m {
		nk, nv, changed := k, v, false
		if t, ok := sc.Values(k); ok {
			nk, changed = t, true
		}
		switch x := v.(type) {
		case nil, bool, *metaValue:
		case string:
			if t, ok := sc.Text(x); ok {
				nv, changed = t, true
			}
		case int, int64, uint64, float64, float32, int32, uint32:
		default:
			b := scrub.MarshalJSON(x)
			if r := scrub.JSON(sc, b); !bytes.Equal(r, b) {
				nv, changed = &metaValue{raw: r, size: len(r)}, true
			}
		}
		if sc.Key(k) {
			if s, ok := nv.(string); !ok || s != redact.Redacted {
				nv, changed = redact.Redacted, true
			}
		}
		if !changed {
			continue
		}
		if out == nil {
			out = maps.Clone(m)
		}
		delete(out, k)
		out[nk] = nv
	}
	if out == nil {
		return m, false
	}
	return out, true
}

// fitSeg encodes a copy of seg cut down to budget bytes, giving up the
// least useful data first:
//
//  1. the largest metadata values, one at a time, each replaced by
//     {"truncated":true,"size":N,"preview":"<its JSON>…[truncated M bytes]"}
//     with as long a preview as fits;
//  2. the stacks of the exceptions in the cause;
//  3. all metadata, each namespace replaced by {"truncated":true};
//  4. everything but the ids, name, times, flags, annotations, AWS and
//     HTTP data and the first exception's type and message (cut to 1 KiB);
//     then the annotations and the AWS data.
//
// The segment itself is not changed.
func fitSeg(seg *segment, budget int) []byte {
	cp := copySeg(seg)
	entries := metaEntries(seg, cp, budget)
	// 1. Shrink the largest metadata value until the document fits.
	if b, ok := shrinkMetadata(cp, entries, budget); ok {
		return b
	}
	// 2. Exceptions without their stacks.
	if cp.Cause != nil && len(cp.Cause.Exceptions) > 0 {
		c := *cp.Cause
		c.Exceptions = slices.Clone(c.Exceptions)
		for i := range c.Exceptions {
			c.Exceptions[i].Stack = nil
		}
		cp.Cause = &c
		if b, err := marshalSeg(cp); err == nil && len(b) <= budget {
			return b
		}
	}
	// 3. No metadata, but the mark that there was some.
	if len(cp.Metadata) > 0 {
		for ns := range cp.Metadata {
			cp.Metadata[ns] = map[string]any{"truncated": true}
		}
		if b, err := marshalSeg(cp); err == nil && len(b) <= budget {
			return b
		}
	}
	// 4. The bare segment.
	return fitBare(seg, budget)
}

// metaEntry is one metadata value of the copy fitSeg cuts down.
type metaEntry struct {
	ns, key string
	v       *metaValue
	enc     int  // encoded length
	final   bool // as small as it gets
}

// metaEntries fills cp's metadata with seg's, each value encoded, and lists
// them.
func metaEntries(seg, cp *segment, budget int) []metaEntry {
	var entries []metaEntry
	for ns, m := range seg.Metadata {
		cm := make(map[string]any, len(m))
		for k, v := range m {
			mv, ok := v.(*metaValue)
			if !ok {
				// Not encoded when it was set: redacted now, as scrubSeg
				// skips metaValues.
				sc := scrub.Process()
				mv = newMetaValue(v, budget, &sc)
			}
			cm[k] = mv
			entries = append(entries, metaEntry{ns: ns, key: k, v: mv, enc: mv.encodedLen()})
		}
		cp.Metadata[ns] = cm
	}
	return entries
}

// shrinkMetadata shrinks the largest metadata value of cp, one at a time,
// until cp encodes to at most budget bytes, and returns the encoding; false
// when no value can shrink further.
func shrinkMetadata(cp *segment, entries []metaEntry, budget int) ([]byte, bool) {
	for {
		b, err := marshalSeg(cp)
		if err != nil {
			return nil, false
		}
		if len(b) <= budget {
			return b, true
		}
		over := len(b) - budget
		i := -1
		for j := range entries {
			if !entries[j].final && (i < 0 || entries[j].enc > entries[i].enc) {
				i = j
			}
		}
		if i < 0 {
			return nil, false
		}
		en := &entries[i]
		target := en.enc - over
		nv := en.v.shrink(target)
		n := nv.encodedLen()
		if n >= en.enc {
			en.final = true
			continue
		}
		cp.Metadata[en.ns][en.key] = nv
		en.final = n > target // it could not make room enough: as small as it gets
		en.v, en.enc = nv, n
	}
}

// fitBare encodes seg's ids, name, times, flags, annotations, AWS and HTTP
// data and its first exception's type and message (cut to 1 KiB), dropping
// the annotations and the AWS data, then the exception, when that is still
// more than budget bytes.
func fitBare(seg *segment, budget int) []byte {
	bare := &segment{
		TraceID: seg.TraceID, ID: seg.ID, Name: seg.Name, StartTime: seg.StartTime, EndTime: seg.EndTime,
		InProgress: seg.InProgress, ParentID: seg.ParentID, Fault: seg.Fault, Error: seg.Error,
		Throttle: seg.Throttle, Type: seg.Type, Namespace: seg.Namespace, HTTP: seg.HTTP, AWS: seg.AWS,
		Metadata: map[string]map[string]any{"default": {"truncated": true}},
	}
	if seg.Cause != nil && len(seg.Cause.Exceptions) > 0 {
		ex := seg.Cause.Exceptions[0]
		bare.Cause = &causeData{Exceptions: []exception{{ID: ex.ID, Type: clip(ex.Type, 256), Message: clip(ex.Message, 1024), Remote: ex.Remote}}}
	}
	bare.Annotations = seg.Annotations
	if b, err := marshalSeg(bare); err == nil && len(b) <= budget {
		return b
	}
	bare.Annotations, bare.AWS = nil, nil
	if b, err := marshalSeg(bare); err == nil && len(b) <= budget {
		return b
	}
	bare.Cause = nil
	b, _ := marshalSeg(bare)
	return b
}

// copySeg copies the fields of seg that are encoded; Metadata is a new map
// for fitSeg to fill.
func copySeg(seg *segment) *segment {
	cp := *seg
	cp.Metadata = nil
	if len(seg.Metadata) > 0 {
		cp.Metadata = make(map[string]map[string]any, len(seg.Metadata))
	}
	return &cp
}

// clip cuts s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// metaValue is a metadata value encoded once, when it was set. A value
// whose JSON is longer than the limit keeps only the first bytes of it and
// encodes as a truncation marker (see marker).
type metaValue struct {
	raw  []byte // the JSON, or its first bytes when cut
	size int    // length of the whole JSON
	cut  int    // when > 0: the value encodes as a marker of at most cut bytes
}

// newMetaValue encodes v, redacted by sc (nil: as it is), and cuts it to
// limit bytes.
func newMetaValue(v any, limit int, sc *redact.Scrubber) *metaValue {
	b := scrub.JSON(sc, scrub.MarshalJSON(v))
	if len(b) <= limit {
		return &metaValue{raw: b, size: len(b)}
	}
	return &metaValue{raw: bytes.Clone(b[:runeStart(b, limit)]), size: len(b), cut: limit}
}

// MarshalJSON implements json.Marshaler.
func (m *metaValue) MarshalJSON() ([]byte, error) {
	if m.cut == 0 {
		return m.raw, nil
	}
	return marker(m.raw, m.size, m.cut), nil
}

func (m *metaValue) encodedLen() int {
	if m.cut == 0 {
		return len(m.raw)
	}
	return len(marker(m.raw, m.size, m.cut))
}

// shrink returns m encoding to at most target bytes, or to its smallest
// marker.
func (m *metaValue) shrink(target int) *metaValue {
	return &metaValue{raw: m.raw, size: m.size, cut: max(target, 1)}
}

// marker returns the JSON standing for a value of size bytes whose JSON
// starts with prefix, in at most target bytes when possible:
//
//	{"truncated":true,"size":N,"preview":"<prefix, cut>…[truncated M bytes]"}
//
// where M is what the preview leaves out; without room for a preview,
// {"truncated":true,"size":N}.
func marker(prefix []byte, size, target int) []byte {
	head := `{"truncated":true,"size":` + strconv.Itoa(size)
	const previewKey, ellipsis, bytesClose = `,"preview":"`, "…[truncated ", ` bytes]"}`
	avail := target - len(head) - len(previewKey) - len(ellipsis) - len(strconv.Itoa(size)) - len(bytesClose)
	if avail <= 0 || len(prefix) == 0 {
		return append([]byte(head), '}')
	}
	k := runeStart(prefix, min(len(prefix), avail))
	var esc []byte
	for {
		esc = jsonenc.AppendStringContents(esc[:0], string(prefix[:k]))
		if len(esc) <= avail || k == 0 {
			break
		}
		nk := k * avail / len(esc)
		if nk >= k {
			nk = k - 1
		}
		k = runeStart(prefix, nk)
	}
	out := make([]byte, 0, target)
	out = append(out, head...)
	out = append(out, previewKey...)
	out = append(out, esc...)
	out = append(out, ellipsis...)
	out = strconv.AppendInt(out, int64(size-k), 10)
	return append(out, bytesClose...)
}

// runeStart moves n back to the start of a character of b.
func runeStart(b []byte, n int) int {
	for n > 0 && n < len(b) && !utf8.RuneStart(b[n]) {
		n--
	}
	return n
}
