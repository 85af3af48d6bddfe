// Package metrics writes CloudWatch metrics in the Embedded Metric Format
// (EMF): JSON log lines that CloudWatch Logs turns into metrics, with no API
// call and no agent. It knows nothing of Lambda invocations; package lambdawrap
// gives each invocation its own Recorder and flushes it before the handler
// returns.
//
// # Recording
//
// Code running in an invocation takes the recorder from its context:
//
//	m := metrics.FromContext(ctx)
//	m.Count("OrdersPlaced", 1)
//	m.Duration("ChargeLatency", time.Since(start))
//	m.Add("PayloadSize", float64(n), metrics.Bytes)
//	m.AddHighResolution("QueueDepth", depth, metrics.Count)
//	m.AddDimension("payment", "card")
//	m.SetProperty("order_id", id)
//
// A metric recorded several times is one definition with an array of values.
// Single writes a one-off metric in a document of its own with only the
// dimensions it is given.
//
// # Setting up
//
// New makes a template recorder once; Clone makes the per-invocation recorder
// from it at the cost of one small allocation, and Close flushes it and seals
// it against goroutines the invocation left running:
//
//	tmpl := metrics.New(os.Stdout, metrics.WithNamespace("Shop"), metrics.WithService("orders"))
//	...
//	rec := tmpl.Clone()
//	rec.SetTimestamp(start)
//	ctx = metrics.ContextWithRecorder(ctx, rec)
//	... handler ...
//	err := rec.Close()
//
// Options win over the environment variables people already set for
// Powertools:
//
//	POWERTOOLS_METRICS_NAMESPACE      namespace (default "lambdaobs")
//	POWERTOOLS_SERVICE_NAME           default dimension "service" (default none)
//	POWERTOOLS_METRICS_DISABLED       true: write and report nothing (default false)
//
// # What is written
//
// Documents follow AWS's published EMF schema and CloudWatch's limits: at
// most 100 metrics and 100 values per metric per document (more are split
// into complete documents, each value written exactly once); at most 30
// dimensions per set; dimension names of 1–250 and values of 1–1024 printable
// ASCII characters; metric names of 1–1024 characters; a namespace of 1–256
// characters of [a-zA-Z0-9._#:/ -]; no document over 256 000 bytes. A
// document without dimensions has "Dimensions": [[]].
//
// # When things go wrong
//
// Recording never fails and never panics. What CloudWatch would reject — NaN
// or infinite values, invalid names, an unknown unit, a unit or resolution
// that changes between values of one metric, a metric or property named like
// a dimension, a dimension set over 30 keys, properties too large for a
// document — is dropped, and the error handler (WithErrorHandler; by default
// a WARN record through slog.Default()) receives one *RejectedError per Flush
// naming every dropped item. Everything valid is still written. Flush and
// Close return only the writer's errors.
package metrics
