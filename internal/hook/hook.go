// Package hook lets lambdawrap and lambdaobstest reach into other packages
// without widening their public API: those packages fill these in at init.
package hook

import "sync/atomic"

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
