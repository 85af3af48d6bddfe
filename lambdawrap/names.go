package lambdawrap

// Metric names the wrapper emits, in the lifecycle document whose dimensions
// are service and function_name (DimService, DimFunctionName), so the
// dimensions a handler adds to its own metrics never change them. The
// dashboard package and the docs use these same constants.
const (
	MetricColdStart    = "ColdStart"    // Count, 1 on a cold start
	MetricInitDuration = "InitDuration" // Milliseconds, on the first invocation of a process
	MetricErrors       = "Errors"       // Count, 1 when the handler returned an error
	MetricPanics       = "Panics"       // Count, 1 when the handler panicked
	MetricTimeouts     = "Timeouts"     // Count, 1 when the timeout guard fired; -1 more when the handler still returned in time
	MetricLateValues   = "LateValues"   // Count, values recorded after their invocation ended
	// MetricTelemetryErrors counts failures of the telemetry itself during
	// an invocation: a tracing backend or exporter that failed or panicked.
	MetricTelemetryErrors = "TelemetryErrors"
	// MetricTraceExportDuration is the time spent exporting spans after
	// responses since the last lifecycle document (Milliseconds): billed,
	// never waited for by a caller. Written with the next invocation's.
	MetricTraceExportDuration = "TraceExportDuration"
	// MetricSpansDropped counts spans dropped since the last lifecycle
	// document: the export failed or stalled, or too many waited.
	MetricSpansDropped = "SpansDropped"
)

// Metrics of what an invocation used, in the lifecycle document of the
// invocations WithUsageMetrics samples. CPU time and garbage collection are
// the process's during the invocation, written only when no other
// invocation ran beside it; memory and heap are the process's (or the
// sandbox's) at its end, whatever ran beside it.
const (
	MetricCPUTime           = "CPUTime"           // Milliseconds of CPU (user + system) the process used during the invocation
	MetricGCCycles          = "GCCycles"          // Count, garbage collections during the invocation
	MetricGCPause           = "GCPause"           // Milliseconds the world was stopped for them
	MetricHeapInUse         = "HeapInUse"         // Megabytes of heap objects at the end
	MetricMemoryUsed        = "MemoryUsed"        // Megabytes the sandbox (or the Go runtime) holds at the end
	MetricMemoryPeak        = "MemoryPeak"        // Megabytes, the sandbox's (or the process's) high-water mark
	MetricMemoryUtilization = "MemoryUtilization" // Percent of AWS_LAMBDA_FUNCTION_MEMORY_SIZE at the peak
)

// Dimensions of the lifecycle document.
const (
	DimService      = "service"
	DimFunctionName = "function_name"
)

// Properties the wrapper sets on every EMF document, searchable in Logs
// Insights but not metrics.
const (
	PropRequestID = "function_request_id"
	PropTraceID   = "xray_trace_id"
	PropInitType  = "init_type"
)

// Messages of the lines the wrapper itself logs.
const (
	MsgFailed  = "invocation failed"
	MsgPanic   = "invocation panicked"
	MsgTimeout = "invocation about to time out"
	// MsgReturnedInTime follows MsgTimeout when the handler returned before
	// the deadline after all; its Timeouts count is taken back.
	MsgReturnedInTime = "invocation returned in time after the timeout guard fired"
	// MsgTelemetryFailed is the WARN line of a failure of the telemetry
	// itself (KeyComponent names the part); the invocation goes on.
	MsgTelemetryFailed = "telemetry failed"
	// MsgSpansDropped is the WARN line counting spans dropped (KeyCount)
	// and why (KeyReason).
	MsgSpansDropped = "spans dropped"
	// MsgExtensionFailed says the internal extension could not register or
	// stopped; spans are then exported before each response.
	MsgExtensionFailed = "extension failed"
	// MsgTelemetryUnavailable says the Telemetry API could not be
	// subscribed to: Lambda's reports are not written as metrics.
	MsgTelemetryUnavailable = "telemetry API unavailable"
	MsgLate                 = "values recorded after their invocation ended were dropped"
	MsgSIGTERM              = "SIGTERM received: flushing pending telemetry"
	MsgEvent                = "event" // the event, logged when POWERTOOLS_LOGGER_LOG_EVENT is true
	// MsgMetricsDropped is the WARN line naming each metric value, dimension
	// or property CloudWatch would reject, dropped at a flush.
	MsgMetricsDropped = "metrics dropped"
)

// Environment variables the wrapper reads (the logger, metrics and tracing
// packages read their own).
const (
	EnvInitType       = "AWS_LAMBDA_INITIALIZATION_TYPE"
	EnvDisableSIGTERM = "LAMBDAOBS_DISABLE_SIGTERM"
	EnvLogEvent       = "POWERTOOLS_LOGGER_LOG_EVENT"
	// EnvUsageMetrics samples the usage metrics: 0 (off), 1 (every
	// invocation) or N (one invocation in N).
	EnvUsageMetrics = "LAMBDAOBS_USAGE_METRICS"
)

// Log keys the wrapper adds to its own lines.
const (
	KeyElapsedMS   = "elapsed_ms"
	KeyRemainingMS = "remaining_ms"
	KeyPanic       = "panic"
	KeyEvent       = "event"
	KeyComponent   = "component"
	KeyCount       = "count"
	KeyReason      = "reason"
)
