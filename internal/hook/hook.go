// Package hook lets lambdaobs's packages (lambdawrap, awssdk, the event
// sources, lambdaobstest) reach into each other without widening their
// public API: the packages reached fill these in at init.
package hook

import (
	"context"
	"sync/atomic"
	"time"
)

// FreshProcess returns a lambdawrap.Option (as any) giving a wrapper its own
// cold-start and init-duration state instead of the process's, so each test
// starts cold.
var FreshProcess func(initDuration int64) any

// CountLateLines makes the logger.Handler h (as any) add to late every
// line an invocation's goroutines log after the invocation ended.
var CountLateLines func(h any, late *atomic.Int64)

// CountLateMetrics returns a metrics.Option (as any) making the recorder
// and its clones add to late every value recorded after they were closed.
var CountLateMetrics func(late *atomic.Int64) any

// LookupEnv is how a package reads environment variables in place of
// os.LookupEnv: lambdawrap passes its own on to the handler and the
// recorder it makes, and tests pass an environment of their own.
type LookupEnv = func(key string) (string, bool)

// The environment lookups of the packages that read the environment, each
// returning that package's Option (as any): a logger.Option,
// metrics.Option, oteltracing.Option, otlp.Option and xraytracing.Option.
var (
	LoggerLookupEnv  func(LookupEnv) any
	MetricsLookupEnv func(LookupEnv) any
	OTelLookupEnv    func(LookupEnv) any
	OTLPLookupEnv    func(LookupEnv) any
	XRayLookupEnv    func(LookupEnv) any
)

// MetricsClock returns a metrics.Option (as any) making the recorder read
// the time from now instead of time.Now.
var MetricsClock func(now func() time.Time) any

// RecorderKey is the context key metrics.ContextWithRecorder stores the
// *metrics.Recorder under.
type RecorderKey struct{}

// Recorder returns what ctx carries under RecorderKey (a *metrics.Recorder
// as any, possibly a nil one), or nil: for code that runs both in
// invocations and outside them (the AWS SDK middleware, the params cache,
// the event-source adapters) and records only into an invocation's
// recorder, never into the one metrics.FromContext makes, which drops
// values and warns. Callers check the *metrics.Recorder they assert is not
// nil.
func Recorder(ctx context.Context) any {
	if ctx == nil {
		return nil
	}
	return ctx.Value(RecorderKey{})
}

// Dimension and Value are a metrics.Dimension and one value of a metric,
// for AddWith.
type (
	Dimension struct{ Name, Value string }
	Value     struct {
		Name  string
		Value float64
		Unit  string // a metrics.Unit
	}
)

// AddWith records values into the recorder that With(dims...) gives on rec
// (a *metrics.Recorder as any, possibly a nil one), looking it up once and
// taking its lock once for them all: the AWS SDK middleware's four call
// metrics. A dimension or value without a name is left out. The arrays are
// passed by value, so that the call does not move them to the heap.
var AddWith func(rec any, dims [2]Dimension, values [4]Value)

// OutgoingHeader is tracing.OutgoingHeader(ctx).String() ("" when there is
// no trace to continue), written with one allocation for a span of
// lambdaobs's backends, and whether the header has fields besides Root,
// Parent and Sampled: the header of every AWS SDK call.
var OutgoingHeader func(ctx context.Context) (header string, other bool)
