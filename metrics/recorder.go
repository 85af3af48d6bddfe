package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/bufpool"
	"github.com/lambdaobs/lambdaobs/internal/errinfo"
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

	// children are the recorders made by With on r or on its children (r
	// is the root: its parent is nil), flushed with r. closing is set when
	// Close has taken them: With makes sealed recorders from then on.
	children []*child
	closing  bool

	// scope is the redaction scope of the invocation the recorder is for
	// (taken from the first context ContextWithRecorder is given with one),
	// or nil: the parent's, or the process's.
	scope  atomic.Pointer[redact.Scope]
	parent *Recorder   // the recorder whose With made r
	dims   []Dimension // the dimensions r was made for: its parent's and With's
}

// child is a recorder made by With and the key of the dimensions it was
// made for.
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

// With returns the recorder for metrics that carry dims besides r's
// dimensions: the default ones and, for a recorder made by With, the ones it
// was made for (a name given again takes the new value). Its documents are
// written, as documents of their own, when the recorder New or Clone made is
// flushed or closed, and carry the properties of every recorder above it
// that it does not set itself. Calls that come to the same dimensions
// return the same recorder (r.With(a).With(b) is r.With(a, b)), so
// per-call metrics of, say, one AWS operation share one document per
// flush; finding that recorder allocates nothing. With on a recorder that
// drops everything returns one that drops everything; after Close it
// returns a closed recorder.
func (r *Recorder) With(dims ...Dimension) *Recorder {
	if r == nil || r.cfg == nil {
		return r
	}
	root := r
	for root.parent != nil {
		root = root.parent
	}
	var dimArr [8]Dimension
	var keyArr [256]byte
	merged := mergeDims(dimArr[:0], r.dims, dims)
	key := appendDimsKey(keyArr[:0], merged)
	root.mu.Lock()
	if c := root.child(key); c != nil {
		root.mu.Unlock()
		return c
	}
	if root.sealed || root.closing {
		c := &Recorder{cfg: r.cfg, sealed: true, parent: r}
		root.children = append(root.children, &child{key: string(key), r: c})
		root.mu.Unlock()
		return c
	}
	root.mu.Unlock()

	// A new recorder: made with its dimensions before anyone can reach it.
	c := &Recorder{cfg: r.cfg, parent: r, dims: append([]Dimension(nil), merged...)}
	if !c.cfg.disabled && len(merged) > 0 {
		c.st = statePool.Get().(*state)
		for _, d := range merged {
			c.st.addDimension(c.cfg, d.Name, d.Value)
		}
	}
	root.mu.Lock()
	defer root.mu.Unlock()
	if other := root.child(key); other != nil { // made meanwhile
		c.release()
		return other
	}
	if root.sealed || root.closing {
		c.release()
		c.sealed = true
	}
	c.ts = root.ts
	root.children = append(root.children, &child{key: string(key), r: c})
	return c
}

// child returns the recorder r's With made for key, or nil. r.mu is held.
func (r *Recorder) child(key []byte) *Recorder {
	for _, c := range r.children {
		if c.key == string(key) {
			return c.r
		}
	}
	return nil
}

// release returns the state of r, which no one else has reached, to the pool.
func (r *Recorder) release() {
	if r.st != nil {
		r.st.reset()
		putState(r.st)
		r.st = nil
	}
}

// mergeDims appends to dst the dimensions of a and then b, each name once,
// where it first appears, with the value it last has: what AddDimension
// makes of them one by one.
func mergeDims(dst, a, b []Dimension) []Dimension {
	at := func(i int) Dimension {
		if i < len(a) {
			return a[i]
		}
		return b[i-len(a)]
	}
	n := len(a) + len(b)
next:
	for i := range n {
		d := at(i)
		for j := range i {
			if at(j).Name == d.Name {
				continue next
			}
		}
		for j := i + 1; j < n; j++ {
			if e := at(j); e.Name == d.Name {
				d.Value = e.Value
			}
		}
		dst = append(dst, d)
	}
	return dst
}

// inherit gives r the properties of the recorders above it that it does
// not set itself (the nearest one's first), so its documents carry the
// invocation's request and trace ids. It locks each parent before r.
func (r *Recorder) inherit() {
	for p := r.parent; p != nil; p = p.parent {
		p.mu.Lock()
		r.mu.Lock()
		if st, from := r.st, p.st; st != nil && from != nil && len(st.metrics) > 0 {
			for _, pr := range from.props {
				if !st.hasProp(pr.key) {
					st.setPropRaw(pr.key, from.propBuf[pr.start:pr.end])
				}
			}
		}
		r.mu.Unlock()
		p.mu.Unlock()
	}
}

// appendDimsKey appends to dst the key that tells dimensions apart.
func appendDimsKey(dst []byte, dims []Dimension) []byte {
	for _, d := range dims {
		dst = append(dst, d.Name...)
		dst = append(dst, 0)
		dst = append(dst, d.Value...)
		dst = append(dst, 0)
	}
	return dst
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
// an error without a MarshalJSON method becomes its Error() text; other
// values go through encoding/json. A value encoding/json cannot encode (a
// failing or panicking MarshalJSON), or an error whose Error method panics,
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
// marked string. Errors are read with errinfo, guarded like every error text.
func marshalProperty(v any) (b []byte) {
	defer func() {
		if p := recover(); p != nil {
			b = jsonenc.AppendString(nil, "!PANIC: "+errinfo.Sprint(p))
		}
	}()
	if _, ok := v.(json.Marshaler); !ok {
		if err, ok := v.(error); ok {
			msg, ok := errinfo.Text(err)
			if !ok {
				msg = "!PANIC: " + msg
			}
			return jsonenc.AppendString(nil, msg)
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		msg, ok := errinfo.Text(err)
		mark := "!ERROR: "
		if !ok {
			mark = "!PANIC: "
		}
		return jsonenc.AppendString(nil, mark+msg)
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

// Flush writes what was recorded, as documents of r and then, when New or
// Clone made r, of the recorders made by With on it or on them, and clears
// the values it wrote (metrics, Single metrics, the timestamp). Properties
// and added dimensions stay: they describe the unit of work, and values
// recorded after a Flush (a timeout flush, then the handler's last metrics)
// are written with them again. It writes nothing when no value was
// recorded, so a second Flush writes nothing. Every document is one Write
// call.
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
		return nil, nil
	}
	if r.parent != nil { // a recorder made by With, flushed on its own
		r.inherit()
		rej, empty, err := r.flushOwn(seal)
		return report(rej, empty), err
	}
	r.mu.Lock()
	if seal && !r.sealed {
		r.closing = true // With made after this is sealed, never left unflushed
	}
	children := r.children
	r.mu.Unlock()
	// The children carry the properties of the recorders above them: give
	// them before any is flushed (Close clears them).
	for _, c := range children {
		c.r.inherit()
	}
	rej, empty, err := r.flushOwn(seal)
	for _, c := range children {
		crej, cempty, e := c.r.flushOwn(seal)
		rej, empty = rej.merge(crej), empty && cempty
		if e != nil && err == nil {
			err = e
		}
	}
	return report(rej, empty), err
}

// report returns the error for the handler, or nil: rej, and ErrNoMetrics
// when empty.
func report(rej *RejectedError, empty bool) error {
	switch {
	case empty && rej != nil:
		return joinedError{ErrNoMetrics, rej}
	case empty:
		return ErrNoMetrics
	case rej != nil:
		return rej
	}
	return nil
}

// flushOwn writes r's documents, and returns what was dropped and whether
// r, created WithWarnOnEmpty, has written nothing yet.
func (r *Recorder) flushOwn(seal bool) (rej *RejectedError, empty bool, err error) {
	c := r.cfg
	r.mu.Lock()
	if r.sealed || c.disabled {
		r.sealed = r.sealed || seal
		r.mu.Unlock()
		return nil, false, nil
	}
	r.sealed = seal
	st := r.st
	var (
		buf    *[]byte
		endArr [4]int
		ends   = endArr[:0]
	)
	if st != nil {
		ts := r.ts
		if ts.IsZero() {
			ts = c.now()
		}
		buf = bufpool.Get()
		sc := r.scrubber()
		*buf, ends = st.encode(c, &sc, ts.UnixMilli(), *buf, ends)
		rej = st.rejected()
		if seal {
			st.reset()
			r.st = nil
			putState(st)
		} else {
			st.resetValues()
		}
	}
	r.wrote = r.wrote || len(ends) > 0
	empty = c.warnOnEmpty && !r.wrote
	r.ts = time.Time{}
	r.mu.Unlock()

	if len(ends) > 0 {
		err = c.write(*buf, ends)
	}
	if buf != nil {
		bufpool.Put(buf)
	}
	return rej, empty, err
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
