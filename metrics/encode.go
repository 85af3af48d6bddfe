package metrics

import (
	"strconv"

	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// The fixed pieces of a document:
//
//	{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"ns","Dimensions":[["a"]],"Metrics":[
//	  {"Name":"m","Unit":"Count"}, ...
//	]}]},"a":"x","property":"v","m":1}
const (
	metricsOpen    = `,"Metrics":[`
	directiveClose = `]}]}`
	docClose       = "}\n"
)

// encode appends every document of st to out, recording the end of each in
// ends. Items dropped on the way are added to st.rejects.
//
// Values pass through sc on the way: a property or dimension under a secret
// key is written as redact.Redacted, and secret values are replaced wherever
// they appear in property and dimension values.
func (st *state) encode(c *config, sc *redact.Scrubber, ms int64, out []byte, ends []int) ([]byte, []int) {
	if len(st.metrics) > 0 {
		out, ends = st.encodeMetrics(c, sc, ms, out, ends)
	}
	for i := range st.singles {
		out, ends = st.encodeSingle(c, sc, ms, &st.singles[i], out, ends)
	}
	return out, ends
}

func appendHead(dst []byte, c *config, ms int64) []byte {
	dst = append(dst, `{"_aws":{"Timestamp":`...)
	dst = strconv.AppendInt(dst, ms, 10)
	dst = append(dst, `,"CloudWatchMetrics":[{"Namespace":`...)
	return append(dst, c.nsJSON...)
}

// encodeMetrics writes the recorded metrics in as few documents as the limits
// allow: each document takes, in order, up to 100 values of each metric that
// still has values, up to 100 metrics, and stops early when the next value
// would take it over maxDocumentSize.
func (st *state) encodeMetrics(c *config, sc *redact.Scrubber, ms int64, out []byte, ends []int) ([]byte, []int) {
	active := st.dropCollisions(c)
	if active == 0 {
		return out, ends
	}
	// The first document is written straight into out; later ones copy its
	// head (everything before the first metric definition).
	headStart := len(out)
	out = appendHead(out, c, ms)
	if st.dimsChanged {
		out = appendDimensions(out, st.dims, st.setKeys, st.setEnds)
	} else {
		out = append(out, c.dimsJSON...)
	}
	out = append(out, metricsOpen...)
	headEnd := len(out)
	root := st.rootMembers(c, sc, headEnd-headStart)
	for docStart := headStart; active > 0; docStart = len(out) {
		if docStart != headStart {
			out = append(out, out[headStart:headEnd]...)
		}
		var n int
		out, n, active = st.appendMetrics(out, docStart, len(root), active)
		if n == 0 {
			if docStart == headStart {
				// Nothing fitted in the first document: drop its head, and
				// let no later document copy it.
				return out[:headStart], ends
			}
			out = out[:docStart]
			continue
		}
		out = append(out, directiveClose...)
		out = append(out, root...)
		out = append(out, st.vals...)
		out = append(out, docClose...)
		ends = append(ends, len(out))
	}
	return out, ends
}

// dropCollisions drops the metrics named like a dimension and the
// properties named like either (each would make a key twice), and returns
// how many metrics have values to write.
func (st *state) dropCollisions(c *config) (active int) {
	dims := st.docDims(c)
	for i := range st.metrics {
		m := &st.metrics[i]
		m.off = 0
		if dimNamed(dims, m.name) {
			st.reject(KindMetric, m.name, reasonDimCollision, len(m.values))
			m.off = len(m.values)
			continue
		}
		active++
	}
	for i := range st.props {
		p := &st.props[i]
		p.skip = false
		if dimNamed(dims, p.key) {
			p.skip = true
			st.reject(KindProperty, p.key, reasonPropDim, 1)
		} else if j := st.lookup(p.key); j >= 0 && st.metrics[j].off == 0 {
			p.skip = true
			st.reject(KindProperty, p.key, reasonPropMetric, 1)
		}
	}
	return active
}

func dimNamed(dims []dim, name string) bool {
	for i := range dims {
		if dims[i].name == name {
			return true
		}
	}
	return false
}

// rootMembers returns the dimensions and properties written after the
// directive of every document. It leaves room for the largest metric with
// one value (its name escaped at worst six-fold, twice, plus syntax) beside
// a head of headLen bytes: the largest properties are dropped first.
func (st *state) rootMembers(c *config, sc *redact.Scrubber, headLen int) []byte {
	if !st.dimsChanged && len(st.props) == 0 {
		return c.rootDims
	}
	root := st.root[:0]
	if st.dimsChanged {
		root = appendRootDimensions(root, st.dims, sc)
	} else {
		root = append(root, c.rootDims...)
	}
	rootDims := len(root)
	root = st.appendProps(root, sc)
	for headLen+len(directiveClose)+len(root)+len(docClose)+12*st.maxName+128 > maxDocumentSize {
		k := st.largestProp()
		if k < 0 {
			break
		}
		st.props[k].skip = true
		st.reject(KindProperty, st.props[k].key, reasonPropTooLarge, 1)
		root = st.appendProps(root[:rootDims], sc)
	}
	st.root = root
	return root
}

// appendMetrics appends the definitions of the next document, whose head
// starts at docStart, to out, and their values to st.vals: up to 100
// values of each metric with values left, up to 100 metrics, as many as
// fit beside rootLen bytes of root members. It returns how many metrics
// the document holds and how many still have values.
func (st *state) appendMetrics(out []byte, docStart, rootLen, active int) ([]byte, int, int) {
	vals := st.vals[:0]
	n := 0
	for i := range st.metrics {
		m := &st.metrics[i]
		if m.off == len(m.values) {
			continue
		}
		if n == maxMetricsPerDirective {
			break
		}
		outMark, valsMark := len(out), len(vals)
		if n > 0 {
			out = append(out, ',')
		}
		out = appendDefinition(out, m.name, m.plain, m.unit, m.res)
		room := maxDocumentSize - (len(out) - docStart) - len(directiveClose) - rootLen - len(docClose)
		var w int
		vals, w = appendValues(vals, m, room)
		if w == 0 {
			out, vals = out[:outMark], vals[:valsMark]
			if n > 0 {
				break // the next document starts with this metric
			}
			st.reject(KindMetric, m.name, reasonTooLarge, len(m.values)-m.off)
			m.off = len(m.values)
			active--
			continue
		}
		full := w < min(len(m.values)-m.off, maxValuesPerMetric)
		m.off += w
		n++
		if m.off == len(m.values) {
			active--
		}
		if full {
			break // the document is full
		}
	}
	st.vals = vals
	return out, n, active
}

// appendValues appends `,"name":value` or `,"name":[values…]` for the next
// values of m, as many as keep vals (the document's values so far) within
// room bytes (at most 100), and returns how many it wrote; none leaves vals
// as it was.
func appendValues(vals []byte, m *metric, room int) ([]byte, int) {
	mark := len(vals)
	vals = append(vals, ',')
	vals = appendName(vals, m.name, m.plain)
	vals = append(vals, ':')
	k := min(len(m.values)-m.off, maxValuesPerMetric)
	bracket := 0
	if k > 1 {
		vals = append(vals, '[')
		bracket = 1
	}
	start := len(vals)
	w := 0
	for ; w < k; w++ {
		vmark := len(vals)
		if w > 0 {
			vals = append(vals, ',')
		}
		vals = appendValue(vals, m.values[m.off+w])
		if len(vals) > room-bracket {
			vals = vals[:vmark]
			break
		}
	}
	if w == 0 || len(vals) == start {
		return vals[:mark], 0
	}
	if bracket == 1 {
		vals = append(vals, ']')
	}
	return vals, w
}

// appendName appends name as a JSON string; plain names are copied as they are.
func appendName(dst []byte, name string, plain bool) []byte {
	if plain {
		dst = append(dst, '"')
		dst = append(dst, name...)
		return append(dst, '"')
	}
	return jsonenc.AppendString(dst, name)
}

// appendProps appends the properties not marked skip as top-level members,
// redacted by sc.
func (st *state) appendProps(dst []byte, sc *redact.Scrubber) []byte {
	for i := range st.props {
		p := &st.props[i]
		if p.skip {
			continue
		}
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, p.key)
		dst = append(dst, ':')
		v := st.propBuf[p.start:p.end]
		if sc.Key(p.key) {
			sc.RememberJSON(v)
			dst = jsonenc.AppendString(dst, redact.Redacted)
			continue
		}
		dst = sc.AppendJSON(dst, v)
	}
	return dst
}

// appendDimValue appends a dimension's value, redacted by sc.
func appendDimValue(dst []byte, name, value string, sc *redact.Scrubber) []byte {
	if sc.Key(name) {
		sc.Remember(value)
		return jsonenc.AppendString(dst, redact.Redacted)
	}
	return sc.AppendString(dst, value)
}

// largestProp returns the index of the largest property not yet skipped, or -1.
func (st *state) largestProp() int {
	k, size := -1, -1
	for i := range st.props {
		p := &st.props[i]
		if s := len(p.key) + p.end - p.start; !p.skip && s > size {
			k, size = i, s
		}
	}
	return k
}

func (st *state) encodeSingle(c *config, sc *redact.Scrubber, ms int64, s *single, out []byte, ends []int) ([]byte, []int) {
	start := len(out)
	dims := st.singleDims[s.d0:s.d1]
	out = appendHead(out, c, ms)
	out = append(out, `,"Dimensions":[[`...)
	for i := range dims {
		if i > 0 {
			out = append(out, ',')
		}
		out = jsonenc.AppendString(out, dims[i].Name)
	}
	out = append(out, `]]`...)
	out = append(out, metricsOpen...)
	out = appendDefinition(out, s.name, false, s.unit, resStandard)
	out = append(out, directiveClose...)
	for i := range dims {
		out = append(out, ',')
		out = jsonenc.AppendString(out, dims[i].Name)
		out = append(out, ':')
		out = appendDimValue(out, dims[i].Name, dims[i].Value, sc)
	}
	out = append(out, ',')
	out = jsonenc.AppendString(out, s.name)
	out = append(out, ':')
	out = appendValue(out, s.value)
	out = append(out, docClose...)
	if len(out)-start > maxDocumentSize {
		st.reject(KindMetric, s.name, reasonTooLarge, 1)
		return out[:start], ends
	}
	return out, append(ends, len(out))
}

// appendDefinition appends one MetricDefinition. Standard resolution is
// CloudWatch's default and is left out.
func appendDefinition(dst []byte, name string, plain bool, unit Unit, res resolution) []byte {
	dst = append(dst, `{"Name":`...)
	dst = appendName(dst, name, plain)
	dst = append(dst, `,"Unit":"`...)
	dst = append(dst, unit...)
	if res == resHigh {
		return append(dst, `","StorageResolution":1}`...)
	}
	return append(dst, `"}`...)
}

// appendDimensions appends `,"Dimensions":[...]`: the default set (the dims
// marked def) when it is not empty or when there is no other set, then each
// extra set that differs from it. No dimensions at all is [[]], which the
// EMF schema requires.
func appendDimensions(dst []byte, dims []dim, setKeys, setEnds []int32) []byte {
	dst = append(dst, `,"Dimensions":[`...)
	ndef := 0
	for i := range dims {
		if dims[i].def {
			ndef++
		}
	}
	wrote := false
	if ndef > 0 || len(setEnds) == 0 {
		dst = append(dst, '[')
		first := true
		for i := range dims {
			if dims[i].def {
				if !first {
					dst = append(dst, ',')
				}
				first = false
				dst = jsonenc.AppendString(dst, dims[i].name)
			}
		}
		dst = append(dst, ']')
		wrote = true
	}
	from := int32(0)
	for _, end := range setEnds {
		set := setKeys[from:end]
		from = end
		if ndef > 0 && len(set) == ndef {
			same := true
			for _, k := range set {
				same = same && dims[k].def
			}
			if same {
				continue
			}
		}
		if wrote {
			dst = append(dst, ',')
		}
		wrote = true
		dst = append(dst, '[')
		for i, k := range set {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonenc.AppendString(dst, dims[k].name)
		}
		dst = append(dst, ']')
	}
	return append(dst, ']')
}

// appendRootDimensions appends `,"name":"value"` for each dimension,
// redacted by sc.
func appendRootDimensions(dst []byte, dims []dim, sc *redact.Scrubber) []byte {
	for i := range dims {
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, dims[i].name)
		dst = append(dst, ':')
		dst = appendDimValue(dst, dims[i].name, dims[i].value, sc)
	}
	return dst
}

// appendValue appends a finite value as encoding/json writes it.
func appendValue(dst []byte, v float64) []byte {
	dst, _ = jsonenc.AppendFloat(dst, v)
	return dst
}
