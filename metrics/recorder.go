package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/bufpool"
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// Dimension is one name/value pair of a metric's identity. CloudWatch takes
// names of 1 to 250 and values of 1 to 1024 printable ASCII characters.
type Dimension struct {
	Name, Value string
}

// Recorder collects metrics for one unit of work (one Lambda invocation) and
// writes them as CloudWatch Embedded Metric Format documents on Flush or
// Close. All methods are safe for concurrent use and never panic. Recording
// a value takes a mutex and, once the recorder's storage has grown (it is
// pooled between clones), allocates nothing. A nil Recorder drops everything
// silently; the zero Recorder behaves like the one FromContext returns for a
// context without a recorder.
//
// What the recorder writes:
//   - Each document is one JSON object on one line, written with one Write
//     call, at most 256 000 bytes (under CloudWatch Logs' 256 KB event
//     limit).
//   - Metrics keep the order in which they were first recorded. A metric
//     recorded more than once is written as an array of values.
//   - A document holds at most 100 metrics and 100 values per metric; more are
//     split into further documents, each complete with the namespace,
//     dimensions and properties, every value written exactly once.
//   - Every dimension key is a top-level string member; a recorder without
//     dimensions writes "Dimensions": [[]].
//   - What CloudWatch would reject (NaN or infinite values, invalid names or
//     units, a unit or resolution that changes, names that collide, too many
//     dimensions) is dropped and reported once per Flush through the error
//     handler (see WithErrorHandler); everything valid is still written.
type Recorder struct {
	cfg *config // nil: the recorder drops everything (FromContext fallback)

	mu     sync.Mutex
	st     *state // lazily taken from statePool; nil after Close
	ts     time.Time
	sealed bool
	wrote  bool // a document was written since New or Clone

	late   atomic.Int64
	warned atomic.Bool

	children []*child // recorders made by With, flushed with r

	// scope is the redaction scope of the invocation the recorder is for
	// (taken from the context ContextWithRecorder is given), or nil: the process's.
	scope  atomic.Pointer[redact.Scope]
	parent *Recorder // the recorder whose With made r
}

// child is a recorder made by With and the dimensions it was made for.
type child struct {
	key string
	r   *Recorder
}

// New returns a Recorder that writes documents to w (os.Stdout when w is nil).
// Options win over the environment variables POWERTOOLS_METRICS_NAMESPACE,
// POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_DISABLED. If options or environment had to be
// corrected (an invalid namespace or default dimension), New reports it once
// through the error handler.
//
// In a Lambda function, New makes a template once at start-up and each
// invocation records into template.Clone().
func New(w io.Writer, opts ...Option) *Recorder {
	c, rej := newConfig(w, opts)
	if len(rej) > 0 && !c.disabled {
		c.handler(&RejectedError{Items: rej})
	}
	return &Recorder{cfg: c}
}

// Clone returns an empty Recorder sharing r's configuration: writer,
// namespace, default dimensions, clock and error handler. Nothing recorded on
// r is copied. Clone is the per-invocation constructor and costs one small
// allocation.
func (r *Recorder) Clone() *Recorder {
	if r == nil {
		return &Recorder{}
	}
	return &Recorder{cfg: r.cfg}
}

// With returns the recorder for metrics that carry dims besides r's default
// dimensions: its documents are written, as documents of their own, when r
// is flushed or closed. Calls with the same dimensions return the same
// recorder, so per-call metrics of, say, one AWS operation share one
// document per flush. With on a recorder that drops everything returns one
// that drops everything.
func (r *Recorder) With(dims ...Dimension) *Recorder {
	if r == nil || r.cfg == nil {
		return r
	}
	key := dimsKey(dims)
	r.mu.Lock()
	for _, c := range r.children {
		if c.key == key {
			r.mu.Unlock()
			return c.r
		}
	}
	c := &Recorder{cfg: r.cfg, sealed: r.sealed, ts: r.ts, parent: r}
	r.children = append(r.children, &child{key: key, r: c})
	r.mu.Unlock()
	for _, d := range dims {
		c.AddDimension(d.Name, d.Value)
	}
	return c
}

// inherit gives r the properties of its parent that it does not set itself,
// so its documents carry the invocation's request and trace ids.
func (r *Recorder) inherit(props []prop, buf []byte) {
	if len(props) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.st
	if st == nil || len(st.metrics) == 0 {
		return
	}
	for _, p := range props {
		if !p.skip && !st.hasProp(p.key) {
			st.setPropRaw(p.key, buf[p.start:p.end])
		}
	}
}

func dimsKey(dims []Dimension) string {
	n := 0
	for _, d := range dims {
		n += len(d.Name) + len(d.Value) + 2
	}
	b := make([]byte, 0, n)
	for _, d := range dims {
		b = append(b, d.Name...)
		b = append(b, 0)
		b = append(b, d.Value...)
		b = append(b, 0)
	}
	return string(b)
}

// begin locks r and returns its state, or returns nil, with r unlocked, when
// the call must be dropped.
func (r *Recorder) begin() *state {
	if r == nil {
		return nil
	}
	c := r.cfg
	if c == nil {
		r.dropOrphan()
		return nil
	}
	if c.disabled {
		return nil
	}
	r.mu.Lock()
	if r.sealed {
		r.mu.Unlock()
		r.late.Add(1)
		if c.late != nil {
			c.late.Add(1)
		}
		return nil
	}
	if r.st == nil {
		r.st = statePool.Get().(*state)
	}
	return r.st
}

// dropOrphan counts a call on a recorder without configuration and reports
// ErrNoRecorder the first time.
func (r *Recorder) dropOrphan() {
	r.late.Add(1)
	if r.warned.CompareAndSwap(false, true) {
		defaultHandler(ErrNoRecorder)
	}
}

// SetTimestamp sets the timestamp of the documents the next Flush writes; the
// Lambda wrapper sets the invocation start. Without it, or for the zero Time,
// Flush takes the time it runs. Flush clears it.
func (r *Recorder) SetTimestamp(t time.Time) {
	if st := r.begin(); st != nil {
		r.ts = t
		r.mu.Unlock()
	}
}

// Add records value for the metric name in unit at standard (60 s) storage
// resolution. A metric has one unit and one resolution: a value recorded
// later with another one is dropped and reported.
func (r *Recorder) Add(name string, value float64, unit Unit) {
	if st := r.begin(); st != nil {
		st.addMetric(name, value, unit, resStandard)
		r.mu.Unlock()
	}
}

// AddHighResolution records value for the metric name in unit at high (1 s)
// storage resolution, written as "StorageResolution": 1. High-resolution
// metrics cost more in CloudWatch.
func (r *Recorder) AddHighResolution(name string, value float64, unit Unit) {
	if st := r.begin(); st != nil {
		st.addMetric(name, value, unit, resHigh)
		r.mu.Unlock()
	}
}

// Count records n in unit Count.
func (r *Recorder) Count(name string, n float64) {
	if st := r.begin(); st != nil {
		st.addMetric(name, n, Count, resStandard)
		r.mu.Unlock()
	}
}

// Duration records d in unit Milliseconds, with the fraction kept (1.5 ms is
// 1.5).
func (r *Recorder) Duration(name string, d time.Duration) {
	if st := r.begin(); st != nil {
		st.addMetric(name, float64(d)/float64(time.Millisecond), Milliseconds, resStandard)
		r.mu.Unlock()
	}
}

// SetProperty sets a top-level member of the documents that is not a metric
// or a dimension (a request id, an order id): searchable in CloudWatch Logs
// Insights, not a metric. Setting a key again replaces its value.
//
// Strings, booleans, integers and floats are encoded directly; nil is null;
// an error becomes its Error() text; other values go through encoding/json.
// A value encoding/json cannot encode (a failing or panicking MarshalJSON)
// becomes a string starting "!ERROR:" or "!PANIC:". NaN and infinite floats
// are dropped and reported. A key equal to a dimension or metric name is
// dropped and reported at Flush.
func (r *Recorder) SetProperty(key string, value any) {
	if r == nil || r.cfg != nil && r.cfg.disabled {
		return
	}
	var enc []byte
	switch value.(type) {
	case nil, string, bool, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64, uintptr, float32, float64:
	default:
		enc = marshalProperty(value) // user code: run it outside the lock
	}
	if st := r.begin(); st != nil {
		st.setProperty(key, value, enc)
		r.mu.Unlock()
	}
}

// marshalProperty encodes v with encoding/json, turning every failure into a
// marked string.
func marshalProperty(v any) (b []byte) {
	defer func() {
		if p := recover(); p != nil {
			b = jsonenc.AppendString(nil, fmt.Sprintf("!PANIC: %v", p))
		}
	}()
	if _, ok := v.(json.Marshaler); !ok {
		if err, ok := v.(error); ok {
			return jsonenc.AppendString(nil, err.Error())
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return jsonenc.AppendString(nil, "!ERROR: "+err.Error())
	}
	return data
}

// AddDimension adds name=value to the default dimension set of this
// recorder's documents, or replaces the value when name is already in it.
// A set holds at most 30 dimensions. A dimension CloudWatch would reject, or
// one that conflicts with a dimension set added by AddDimensionSet, is
// dropped and reported.
func (r *Recorder) AddDimension(name, value string) {
	if st := r.begin(); st != nil {
		st.addDimension(r.cfg, name, value)
		r.mu.Unlock()
	}
}

// AddDimensionSet adds another dimension set: every metric of the documents is
// then published once per dimension set. With no arguments it adds the empty
// set (the metrics without dimensions). The set is dropped and reported as a
// whole when it has more than 30 keys, an invalid dimension, or a dimension
// already recorded with another value (a document holds one value per
// dimension name). Repeated sets are written once. The default set is written
// beside the added ones unless it is empty.
func (r *Recorder) AddDimensionSet(dims ...Dimension) {
	if st := r.begin(); st != nil {
		st.addDimensionSet(r.cfg, dims)
		r.mu.Unlock()
	}
}

// Single records a one-off metric written at Flush in a document of its own,
// with the recorder's namespace and timestamp and exactly the dimensions
// given: neither the default dimensions nor the properties are included (as
// Powertools' single_metric). Each call is one document.
func (r *Recorder) Single(name string, value float64, unit Unit, dims ...Dimension) {
	if st := r.begin(); st != nil {
		st.addSingle(name, value, unit, dims)
		r.mu.Unlock()
	}
}

// Flush writes what was recorded, as documents of r and then of the
// recorders made by With, and clears the values it wrote (metrics, Single
// metrics, the timestamp). Properties and added dimensions stay: they
// describe the unit of work, and values recorded after a Flush (a timeout
// flush, then the handler's last metrics) are written with them again. It
// writes nothing when no value was recorded, so a second Flush writes
// nothing. Every document is one Write call.
//
// Flush returns only write errors (after trying every document). What had to
// be dropped goes to the error handler, once, after the locks are released.
func (r *Recorder) Flush() error { return r.handle(r.flush(false)) }

// Close flushes the recorder and seals it: calls after Close (from goroutines
// the invocation left running) are dropped (lambdawrap counts them as
// LateValues), so they never leak into another invocation's documents.
// Closing again does nothing.
func (r *Recorder) Close() error { return r.handle(r.flush(true)) }

// FlushReport is Flush that returns what was dropped (a *RejectedError,
// ErrNoMetrics, or both joined) instead of passing it to the error handler,
// so the caller can report it in its own context.
func (r *Recorder) FlushReport() (dropped, err error) { return r.flush(false) }

// CloseReport is Close that returns what was dropped instead of passing it
// to the error handler.
func (r *Recorder) CloseReport() (dropped, err error) { return r.flush(true) }

func (r *Recorder) handle(report, err error) error {
	if report != nil {
		r.cfg.handler(report)
	}
	return err
}

func (r *Recorder) flush(seal bool) (dropped, err error) {
	if r == nil || r.cfg == nil {
		return r.flushOwn(seal)
	}
	// The children carry the parent's properties: take them before the
	// parent's own flush (Close clears them).
	r.mu.Lock()
	children := r.children
	var props []prop
	var propBuf []byte
	if st := r.st; st != nil && len(children) > 0 {
		props, propBuf = append(props, st.props...), append(propBuf, st.propBuf...)
	}
	r.mu.Unlock()
	dropped, err = r.flushOwn(seal)
	for _, c := range children {
		c.r.inherit(props, propBuf)
		d, e := c.r.flushOwn(seal)
		if d != nil {
			dropped = errors.Join(dropped, d)
		}
		if e != nil && err == nil {
			err = e
		}
	}
	return dropped, err
}

func (r *Recorder) flushOwn(seal bool) (dropped, err error) {
	if r == nil || r.cfg == nil {
		return nil, nil
	}
	c := r.cfg
	r.mu.Lock()
	if r.sealed {
		r.mu.Unlock()
		return nil, nil
	}
	r.sealed = seal
	st := r.st
	if c.disabled {
		r.mu.Unlock()
		return nil, nil
	}
	var (
		buf    *[]byte
		endArr [4]int
		ends   = endArr[:0]
		report error
	)
	if st != nil {
		ts := r.ts
		if ts.IsZero() {
			ts = c.now()
		}
		buf = bufpool.Get()
		sc := r.scrubber()
		*buf, ends = st.encode(c, &sc, ts.UnixMilli(), *buf, ends)
		r.wrote = r.wrote || len(ends) > 0
		report = st.report(c.warnOnEmpty && !r.wrote)
		if seal {
			st.reset()
		} else {
			st.resetValues()
		}
		if seal {
			r.st = nil
			putState(st)
		}
	} else if c.warnOnEmpty && !r.wrote {
		report = ErrNoMetrics
	}
	r.ts = time.Time{}
	r.mu.Unlock()

	if len(ends) > 0 {
		err = c.write(*buf, ends)
	}
	if buf != nil {
		bufpool.Put(buf)
	}
	return report, err
}

// scrubber returns the redaction of r's documents: its invocation's scope,
// or the parent's for a recorder made by With, or the process's.
func (r *Recorder) scrubber() redact.Scrubber {
	for x := r; x != nil; x = x.parent {
		if sc := x.scope.Load(); sc != nil {
			return sc.Scrubber()
		}
	}
	return (*redact.Scope)(nil).Scrubber()
}

// write writes the documents of buf, ending at ends, one Write call each.
func (c *config) write(buf []byte, ends []int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var first error
	start := 0
	for _, end := range ends {
		if _, err := c.w.Write(buf[start:end]); err != nil && first == nil {
			first = fmt.Errorf("metrics: write: %w", err)
		}
		start = end
	}
	return first
}
