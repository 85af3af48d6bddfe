package metrics

import (
	"strconv"
	"sync"

	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
)

// state is the mutable part of a Recorder, pooled between invocations so that
// recording allocates nothing once the slices have grown.
type state struct {
	metrics []metric
	index   map[string]int // name → metrics index, used past linearMax metrics
	maxName int            // longest metric name, for the size check

	dims        []dim // the document's dimensions when dimsChanged, else config.dims
	dimsChanged bool
	setKeys     []int32 // extra dimension sets: indices into dims, flattened
	setEnds     []int32 // end of each extra set in setKeys

	props       []prop
	propBuf     []byte // encoded property values
	propGarbage int    // bytes of propBuf no longer referenced

	singles    []single
	singleDims []Dimension
	dimScratch []Dimension // addDimensionSet's distinct dimensions

	rejects []Rejection
	omitted int

	root, vals []byte // Flush scratch
}

type metric struct {
	name   string
	unit   Unit
	res    resolution
	plain  bool // name needs no JSON escaping
	values []float64
	off    int // Flush: values already written
}

type prop struct {
	key        string
	start, end int // value in state.propBuf
	skip       bool
}

type single struct {
	name   string
	unit   Unit
	value  float64
	d0, d1 int // dimensions in state.singleDims
}

// linearMax is the number of metrics looked up by a linear scan before the
// index map is used.
const linearMax = 8

var statePool = sync.Pool{New: func() any { return new(state) }}

// putState returns st to the pool unless it grew large.
func putState(st *state) {
	const maxBytes = 64 << 10
	if cap(st.metrics) > 256 || cap(st.propBuf) > maxBytes || cap(st.vals) > maxBytes ||
		cap(st.root) > maxBytes || cap(st.singles) > 256 {
		return
	}
	n := 0
	for _, m := range st.metrics[:cap(st.metrics)] {
		n += cap(m.values)
	}
	if n > 8192 {
		return
	}
	statePool.Put(st)
}

// resetValues clears what a Flush wrote (metrics, Single metrics) and keeps
// what describes the unit of work (properties, added dimensions), so that
// values recorded after a Flush are written with them again.
func (st *state) resetValues() {
	for i := range st.metrics {
		st.metrics[i].values = st.metrics[i].values[:0]
	}
	st.metrics = st.metrics[:0]
	if len(st.index) > 0 {
		clear(st.index)
	}
	st.maxName = 0
	if len(st.singles) > 0 {
		clear(st.singles)
		clear(st.singleDims)
		st.singles, st.singleDims = st.singles[:0], st.singleDims[:0]
	}
	if len(st.rejects) > 0 {
		clear(st.rejects)
		st.rejects = st.rejects[:0]
	}
	st.omitted = 0
}

func (st *state) hasProp(key string) bool {
	for i := range st.props {
		if st.props[i].key == key {
			return true
		}
	}
	return false
}

// setPropRaw sets a property to an already encoded JSON value.
func (st *state) setPropRaw(key string, raw []byte) {
	start := len(st.propBuf)
	st.propBuf = append(st.propBuf, raw...)
	st.props = append(st.props, prop{key: key, start: start, end: len(st.propBuf)})
}

// reset empties st, keeping its capacity and dropping references to the
// caller's strings, except metric names: a slot remembers its last name so
// that recording the same metrics again, invocation after invocation, skips
// validating the names.
func (st *state) reset() {
	st.resetValues()
	if st.dimsChanged {
		clear(st.dims)
		st.dims = st.dims[:0]
		st.setKeys, st.setEnds = st.setKeys[:0], st.setEnds[:0]
		st.dimsChanged = false
	}
	if len(st.props) > 0 {
		clear(st.props)
		st.props = st.props[:0]
	}
	st.propBuf, st.propGarbage = st.propBuf[:0], 0
}

// reject records that n values or calls of kind/name were dropped for reason.
func (st *state) reject(kind Kind, name, reason string, n int) {
	for i := range st.rejects {
		it := &st.rejects[i]
		if it.Kind == kind && it.Reason == reason && it.Name == name {
			it.Count += n
			return
		}
	}
	if len(st.rejects) == maxRejections {
		st.omitted += n
		return
	}
	st.rejects = append(st.rejects, Rejection{Kind: kind, Name: name, Reason: reason, Count: n})
}

// rejected returns what was dropped since the last flush, or nil.
func (st *state) rejected() *RejectedError {
	if len(st.rejects) == 0 {
		return nil
	}
	return &RejectedError{Items: append([]Rejection(nil), st.rejects...), Omitted: st.omitted}
}

// joinedError is ErrNoMetrics with a *RejectedError, on one line.
type joinedError [2]error

func (e joinedError) Error() string   { return e[0].Error() + "; " + e[1].Error() }
func (e joinedError) Unwrap() []error { return e[:] }

func (st *state) lookup(name string) int {
	if len(st.metrics) > linearMax {
		if i, ok := st.index[name]; ok {
			return i
		}
		return -1
	}
	for i := range st.metrics {
		if st.metrics[i].name == name {
			return i
		}
	}
	return -1
}

func (st *state) addMetric(name string, v float64, unit Unit, res resolution) {
	if v != v || v > maxFloat || v < -maxFloat {
		st.reject(KindMetric, name, checkValue(v), 1)
		return
	}
	if unit == "" {
		unit = None
	}
	i := st.lookup(name)
	if i < 0 {
		if !unit.Valid() {
			st.reject(KindMetric, name, reasonUnit, 1)
			return
		}
		if !res.valid() {
			st.reject(KindMetric, name, reasonResolution, 1)
			return
		}
		if i = st.newMetric(name, unit, res); i < 0 {
			return
		}
	} else if m := &st.metrics[i]; m.unit != unit || m.res != res {
		reason := reasonResConflict
		if m.unit != unit {
			reason = reasonUnitConflict
		}
		st.reject(KindMetric, name, reason, 1)
		return
	}
	m := &st.metrics[i]
	m.values = append(m.values, v)
}

const maxFloat = 1.7976931348623157e308

// newMetric validates name and adds a metric, returning its index, or -1
// when name was rejected.
func (st *state) newMetric(name string, unit Unit, res resolution) int {
	i := len(st.metrics)
	var m *metric
	if i < cap(st.metrics) {
		st.metrics = st.metrics[:i+1]
		m = &st.metrics[i]
		if m.name != name { // the slot's last name is known to be valid
			reason, plain := checkMetricName(name)
			if reason != "" {
				st.metrics = st.metrics[:i]
				st.reject(KindMetric, name, reason, 1)
				return -1
			}
			m.name, m.plain = name, plain
		}
		m.unit, m.res, m.values = unit, res, m.values[:0]
	} else {
		reason, plain := checkMetricName(name)
		if reason != "" {
			st.reject(KindMetric, name, reason, 1)
			return -1
		}
		st.metrics = append(st.metrics, metric{name: name, unit: unit, res: res, plain: plain})
	}
	if len(name) > st.maxName {
		st.maxName = len(name)
	}
	if i >= linearMax {
		if st.index == nil {
			st.index = make(map[string]int)
		}
		if i == linearMax {
			for j := range st.metrics {
				st.index[st.metrics[j].name] = j
			}
		} else {
			st.index[name] = i
		}
	}
	return i
}

func (st *state) setProperty(key string, value any, enc []byte) {
	if reason := checkPropertyKey(key); reason != "" {
		st.reject(KindProperty, key, reason, 1)
		return
	}
	start := len(st.propBuf)
	b := st.propBuf
	ok := true
	switch v := value.(type) {
	case nil:
		b = append(b, "null"...)
	case string:
		b = jsonenc.AppendString(b, v)
	case bool:
		b = strconv.AppendBool(b, v)
	case int:
		b = strconv.AppendInt(b, int64(v), 10)
	case int8:
		b = strconv.AppendInt(b, int64(v), 10)
	case int16:
		b = strconv.AppendInt(b, int64(v), 10)
	case int32:
		b = strconv.AppendInt(b, int64(v), 10)
	case int64:
		b = strconv.AppendInt(b, v, 10)
	case uint:
		b = strconv.AppendUint(b, uint64(v), 10)
	case uint8:
		b = strconv.AppendUint(b, uint64(v), 10)
	case uint16:
		b = strconv.AppendUint(b, uint64(v), 10)
	case uint32:
		b = strconv.AppendUint(b, uint64(v), 10)
	case uint64:
		b = strconv.AppendUint(b, v, 10)
	case uintptr:
		b = strconv.AppendUint(b, uint64(v), 10)
	case float32:
		b, ok = jsonenc.AppendFloat32(b, v)
	case float64:
		b, ok = jsonenc.AppendFloat(b, v)
	default:
		b = append(b, enc...)
	}
	if !ok {
		st.reject(KindProperty, key, reasonPropValue, 1)
		return
	}
	st.propBuf = b
	end := len(b)
	for i := range st.props {
		if p := &st.props[i]; p.key == key {
			st.propGarbage += p.end - p.start
			p.start, p.end = start, end
			st.compactProps()
			return
		}
	}
	st.props = append(st.props, prop{key: key, start: start, end: end})
}

// compactProps rewrites propBuf without replaced values once they are most of
// it, so setting one key in a loop does not grow memory without bound.
func (st *state) compactProps() {
	if st.propGarbage < 4096 || st.propGarbage < len(st.propBuf)/2 {
		return
	}
	old := st.propBuf
	b := make([]byte, 0, len(old)-st.propGarbage)
	for i := range st.props {
		p := &st.props[i]
		start := len(b)
		b = append(b, old[p.start:p.end]...)
		p.start, p.end = start, len(b)
	}
	st.propBuf, st.propGarbage = b, 0
}

// ensureDims makes st.dims the document's dimensions, starting from the
// default set, before the first change.
func (st *state) ensureDims(c *config) {
	if !st.dimsChanged {
		st.dims = append(st.dims[:0], c.dims...)
		st.dimsChanged = true
	}
}

// docDims returns the document's dimensions: st.dims once changed, the
// default set before.
func (st *state) docDims(c *config) []dim {
	if st.dimsChanged {
		return st.dims
	}
	return c.dims
}

func (st *state) dimIndex(c *config, name string) int {
	dims := st.docDims(c)
	for i := range dims {
		if dims[i].name == name {
			return i
		}
	}
	return -1
}

func (st *state) addDimension(c *config, name, value string) {
	if reason := checkDimension(name, value); reason != "" {
		st.reject(KindDimension, name, reason, 1)
		return
	}
	st.ensureDims(c)
	i := st.dimIndex(c, name)
	if i >= 0 {
		d := &st.dims[i]
		switch {
		case d.def:
			d.value = value
			return
		case d.value != value:
			st.reject(KindDimension, name, reasonDimConflict1, 1)
			return
		}
	}
	n := 0
	for _, d := range st.dims {
		if d.def {
			n++
		}
	}
	if n == maxDimensionsPerSet {
		st.reject(KindDimension, name, reasonDefaultFull, 1)
		return
	}
	if i >= 0 {
		st.dims[i].def = true
		return
	}
	st.dims = append(st.dims, dim{name: name, value: value, def: true})
}

// dimProblem is why a set of dimensions is refused: the dimension, why,
// and whether it was given twice with two values.
type dimProblem struct {
	name, reason string
	conflict     bool
}

// distinctDims applies the rules of one dimension set to dims: each valid,
// each name once, with one value. It appends the distinct dimensions to
// out, or returns the first problem.
func distinctDims(dims, out []Dimension) ([]Dimension, *dimProblem) {
	for i, d := range dims {
		if reason := checkDimension(d.Name, d.Value); reason != "" {
			return out, &dimProblem{name: d.Name, reason: reason}
		}
		seen := false
		for _, e := range dims[:i] {
			if e.Name == d.Name {
				if e.Value != d.Value {
					return out, &dimProblem{name: d.Name, reason: reasonDimConflict1, conflict: true}
				}
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, d)
		}
	}
	return out, nil
}

func (st *state) addDimensionSet(c *config, dims []Dimension) {
	// Validate the whole set before changing anything.
	set, p := distinctDims(dims, st.dimScratch[:0])
	st.dimScratch = set[:0]
	switch {
	case p != nil && p.conflict:
		st.reject(KindDimension, p.name, reasonDimConflict, 1)
		return
	case p != nil:
		st.reject(KindDimension, p.name, reasonSetInvalid+p.reason, 1)
		return
	case len(set) > maxDimensionsPerSet:
		st.reject(KindDimension, dims[0].Name, reasonSetTooMany, 1)
		return
	}
	for _, d := range set {
		if j := st.dimIndex(c, d.Name); j >= 0 && st.dimValue(c, j) != d.Value {
			st.reject(KindDimension, d.Name, reasonDimConflict, 1)
			return
		}
	}
	st.ensureDims(c)
	start := len(st.setKeys)
	for _, d := range set {
		j := st.dimIndex(c, d.Name)
		if j < 0 {
			j = len(st.dims)
			st.dims = append(st.dims, dim{name: d.Name, value: d.Value})
		}
		st.setKeys = append(st.setKeys, int32(j))
	}
	// A set already present is not added again.
	keys := st.setKeys[start:]
	from := int32(0)
	for _, end := range st.setEnds {
		if sameSet(st.setKeys[from:end], keys) {
			st.setKeys = st.setKeys[:start]
			return
		}
		from = end
	}
	st.setEnds = append(st.setEnds, int32(len(st.setKeys)))
}

// dimValue returns the value of the document's dimension j.
func (st *state) dimValue(c *config, j int) string {
	return st.docDims(c)[j].value
}

// sameSet reports whether a and b hold the same indices, in any order.
func sameSet(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (st *state) addSingle(name string, v float64, unit Unit, dims []Dimension) {
	reason := checkValue(v)
	if reason == "" {
		reason, _ = checkMetricName(name)
	}
	if unit == "" {
		unit = None
	}
	if reason == "" && !unit.Valid() {
		reason = reasonUnit
	}
	if reason != "" {
		st.reject(KindMetric, name, reason, 1)
		return
	}
	d0 := len(st.singleDims)
	set, p := distinctDims(dims, st.singleDims)
	if p != nil {
		st.singleDims = st.singleDims[:d0]
		st.reject(KindDimension, p.name, p.reason+"; single metric "+strconv.Quote(shorten(name))+" dropped", 1)
		return
	}
	for _, d := range set[d0:] {
		if d.Name == name {
			st.singleDims = st.singleDims[:d0]
			st.reject(KindMetric, name, reasonDimCollision, 1)
			return
		}
	}
	if len(set)-d0 > maxDimensionsPerSet {
		st.singleDims = st.singleDims[:d0]
		st.reject(KindMetric, name, reasonSingleTooMany, 1)
		return
	}
	st.singleDims = set
	st.singles = append(st.singles, single{name: name, unit: unit, value: v, d0: d0, d1: len(st.singleDims)})
}
