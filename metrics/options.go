package metrics

import (
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/env"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/jsonenc"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/redact"
)

// Option configures a Recorder made by New.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// dim is a dimension as the recorder keeps it; def marks membership of the
// default dimension set.
type dim struct {
	name, value string
	def         bool
}

// config is what a Recorder and all its clones share. It is not changed after
// New returns.
type config struct {
	w       io.Writer
	wmu     *sync.Mutex // serializes writes of clones sharing w
	now     func() time.Time
	lookup  env.Lookup
	handler func(error)

	namespace, service       string
	namespaceSet, serviceSet bool
	disabled, warnOnEmpty    bool
	optDims                  []Dimension

	// Resolved at New.
	dims     []dim  // the default dimension set, validated
	nsJSON   []byte // "Namespace" as a JSON string
	dimsJSON []byte // `,"Dimensions":[[...]]` for dims
	rootDims []byte // `,"name":"value"` for each of dims

	late *atomic.Int64 // also counts late values, when set (hook.CountLateMetrics)
}

func init() {
	hook.CountLateMetrics = func(late *atomic.Int64) any {
		return optionFunc(func(c *config) { c.late = late })
	}
}

// WithNamespace sets the CloudWatch namespace of every metric, 1 to 256
// characters of [a-zA-Z0-9._#:/ -]. Other characters are replaced by '_' and
// longer names cut, both reported when New returns; an empty ns means the
// default, "lambdaobs". It overrides POWERTOOLS_METRICS_NAMESPACE.
func WithNamespace(ns string) Option {
	return optionFunc(func(c *config) { c.namespace, c.namespaceSet = ns, true })
}

// WithDimensions adds dimensions to the default dimension set, which every
// document of the recorder and its clones carries (Single documents excepted).
// A "service" dimension given here wins over WithService. Invalid dimensions
// are dropped and reported when New returns.
func WithDimensions(dims ...Dimension) Option {
	dims = append([]Dimension(nil), dims...)
	return optionFunc(func(c *config) { c.optDims = append(c.optDims, dims...) })
}

// WithService sets the default dimension "service" to name. It overrides
// POWERTOOLS_SERVICE_NAME; an empty name means no service dimension.
func WithService(name string) Option {
	return optionFunc(func(c *config) { c.service, c.serviceSet = name, true })
}

// withClock makes the recorder read the time from now instead of time.Now:
// the timestamp of the documents Flush writes when SetTimestamp was not
// called. nil keeps time.Now. Tests use it (users call SetTimestamp).
func withClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}

// WithErrorHandler sets the function that learns what could not be written.
// It is called at most once per Flush, after the recorder's locks are released,
// with one error: a *RejectedError naming every dropped item, ErrNoMetrics
// (WithWarnOnEmpty), or both joined. It is also called once by New when options
// or environment had to be corrected. Write errors are not reported here;
// Flush returns them. Clones share the handler, so it may be called from
// several goroutines at once. ErrNoRecorder never reaches it: it comes from
// the recorder FromContext makes, which has no configuration and reports
// through slog.Default().
//
// The default handler logs the error at level WARN through slog.Default()
// (stderr unless the program installed another default logger). nil keeps the
// default.
func WithErrorHandler(h func(error)) Option {
	return optionFunc(func(c *config) {
		if h != nil {
			c.handler = h
		}
	})
}

// WithWarnOnEmpty makes Flush and Close report ErrNoMetrics through the error
// handler when neither the recorder nor the recorders made by With on it
// have written a document since New or Clone, like Powertools'
// raise_on_empty_metrics. A Close after a Flush that wrote something (the
// wrapper's timeout flush, say) does not report.
func WithWarnOnEmpty() Option {
	return optionFunc(func(c *config) { c.warnOnEmpty = true })
}

// withLookupEnv sets how New reads environment variables (os.LookupEnv,
// also for nil): lambdawrap passes its own (through hook.MetricsLookupEnv),
// tests an environment of their own.
func withLookupEnv(lookup func(string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookup = lookup })
}

// WithDisabled disables the recorder, as POWERTOOLS_METRICS_DISABLED=true
// does: it accepts every call, writes nothing and reports nothing.
func WithDisabled() Option {
	return optionFunc(func(c *config) { c.disabled = true })
}

// defaultHandler logs err through the default slog logger, looked up at each
// call so a logger installed later is used.
func defaultHandler(err error) {
	slog.Default().Warn("metrics", "error", err)
}

// newConfig applies opts over the defaults, reads the environment for what the
// options left unset, and validates the result. Problems are returned as
// rejections for New to report.
func newConfig(w io.Writer, opts []Option) (*config, []Rejection) {
	if w == nil {
		w = os.Stdout
	}
	c := &config{w: w, wmu: new(sync.Mutex), now: time.Now, handler: defaultHandler}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	c.lookup = env.Or(c.lookup)
	if !c.namespaceSet {
		c.namespace = c.lookup.String(names.EnvPowertoolsMetricsNamespace)
	}
	if !c.serviceSet {
		c.service = c.lookup.Service()
	}
	if !c.disabled {
		c.disabled, _ = c.lookup.Bool(names.EnvPowertoolsMetricsDisabled)
	}

	var rej []Rejection
	if c.namespace == "" {
		c.namespace = names.DefaultNamespace
	} else if ns, changed := sanitizeNamespace(c.namespace); changed {
		rej = append(rej, Rejection{Kind: KindNamespace, Name: c.namespace, Reason: reasonNamespace + `"` + ns + `"`, Count: 1})
		c.namespace = ns
	}
	c.nsJSON = jsonenc.AppendString(nil, c.namespace)

	dims := c.optDims
	if c.service != "" {
		has := false
		for _, d := range dims {
			has = has || d.Name == names.DimService
		}
		if !has {
			dims = append([]Dimension{{Name: names.DimService, Value: c.service}}, dims...)
		}
	}
	for _, d := range dims {
		reason := checkDimension(d.Name, d.Value)
		if reason == "" {
			for _, e := range c.dims {
				if e.name == d.Name {
					reason = reasonDimConflict1
					if e.value == d.Value {
						reason = "-" // a repeat: nothing to add or report
					}
					break
				}
			}
		}
		if reason == "" && len(c.dims) == maxDimensionsPerSet {
			reason = reasonDefaultFull
		}
		switch reason {
		case "":
			c.dims = append(c.dims, dim{name: d.Name, value: d.Value, def: true})
		case "-":
		default:
			rej = append(rej, Rejection{Kind: KindDimension, Name: d.Name, Reason: reason, Count: 1})
		}
	}
	c.optDims = nil
	c.dimsJSON = appendDimensions(nil, c.dims, nil, nil)
	process := (*redact.Scope)(nil).Scrubber()
	c.rootDims = appendRootDimensions(nil, c.dims, &process)
	return c, rej
}
