package names

// DefaultNamespace is the CloudWatch namespace of the metrics lambdaobs
// writes when neither code nor POWERTOOLS_METRICS_NAMESPACE names one.
const DefaultNamespace = "lambdaobs"

// Metrics lambdawrap writes in the lifecycle document of an invocation,
// whose dimensions are DimService and DimFunctionName, so the dimensions a
// handler adds to its own metrics never change them.
const (
	MetricColdStart    = "ColdStart"    // Count, 1 on a cold start
	MetricInitDuration = "InitDuration" // Milliseconds, on the first invocation of a process (PropInitType beside it)
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
// invocations lambdawrap samples (WithUsageMetrics). CPU time and garbage
// collection are the process's during the invocation, written only when no
// other invocation ran beside it; memory and heap are the process's (or
// the sandbox's) at its end, whatever ran beside it.
const (
	MetricCPUTime           = "CPUTime"           // Milliseconds of CPU (user + system) the process used during the invocation
	MetricGCCycles          = "GCCycles"          // Count, garbage collections during the invocation
	MetricGCPause           = "GCPause"           // Milliseconds the world was stopped for them
	MetricHeapInUse         = "HeapInUse"         // Megabytes of heap objects at the end
	MetricMemoryUsed        = "MemoryUsed"        // Megabytes the sandbox (or the Go runtime) holds at the end
	MetricMemoryPeak        = "MemoryPeak"        // Megabytes, the sandbox's (or the process's) high-water mark
	MetricMemoryUtilization = "MemoryUtilization" // Percent of AWS_LAMBDA_FUNCTION_MEMORY_SIZE at the peak
)

// Lambda's own figures of an invocation, from its platform.report on the
// Telemetry API, which lambdawrap writes in a document of their own with
// the lifecycle dimensions, the invocation's request id (PropRequestID)
// and PropReportStatus, sampled as the usage metrics are. Which of them a
// report carries depends on how the function runs: on-demand functions
// report billed duration, memory and init duration, Managed Instances the
// time to the response.
const (
	MetricReportDuration     = "ReportDuration"     // Milliseconds, the invocation's duration as Lambda measured it
	MetricBilledDuration     = "BilledDuration"     // Milliseconds billed
	MetricMaxMemoryUsed      = "MaxMemoryUsed"      // Megabytes, the sandbox's high-water mark
	MetricReportInitDuration = "ReportInitDuration" // Milliseconds of init, on a cold start's report and on platform.initReport
	MetricRestoreDuration    = "RestoreDuration"    // Milliseconds to restore a SnapStart snapshot
	MetricResponseLatency    = "ResponseLatency"    // Milliseconds until the first byte of the response
	MetricResponseDuration   = "ResponseDuration"   // Milliseconds sending the response
)

// Metrics awssdk records for every AWS SDK call made with an instrumented
// aws.Config, on the invocation's recorder, with the dimensions
// DimAWSService and DimAWSOperation beside the invocation's own.
const (
	MetricAWSCallLatency  = "AWSCallLatency"  // Milliseconds, the whole call including retries
	MetricAWSCallErrors   = "AWSCallErrors"   // Count, 1 when the call failed
	MetricAWSCallAttempts = "AWSCallAttempts" // Count, attempts made (1 without retries)
	MetricAWSThrottles    = "AWSThrottles"    // Count, attempts throttled
)

// Metrics lambdawrap/httpapi records, in a document of their own per
// request whose dimensions are the invocation's default ones (DimService)
// plus DimHTTPRoute, DimHTTPMethod and DimHTTPStatusClass.
const (
	MetricHTTPRequests = "Requests" // Count, 1 per request
	MetricHTTPLatency  = "Latency"  // Milliseconds, from the event's arrival in the adapter to the response
)

// Metrics lambdawrap/sqsbatch records once per batch on the invocation's
// recorder. RecordsProcessed + RecordsFailed is the batch size.
const (
	MetricRecordsProcessed = "RecordsProcessed" // Count: records the handler processed without error
	MetricRecordsFailed    = "RecordsFailed"    // Count: records reported failed (error, panic, undecodable body, or not attempted)
)

// Metrics params records on the invocation's recorder (outside an
// invocation nothing is recorded).
const (
	// MetricParametersCacheHits counts reads served from the cache without
	// waiting (Count).
	MetricParametersCacheHits = "ParametersCacheHits"
	// MetricParametersCacheMisses counts reads that were not: the value
	// was absent, older than the read's max age, or force-fetched, so the
	// read fetched it or waited for the fetch another read had started
	// (Count).
	MetricParametersCacheMisses = "ParametersCacheMisses"
	// MetricLazyInitDuration is how long the first successful init of a
	// params.Lazy took (Milliseconds), with the dimension DimLazy.
	MetricLazyInitDuration = "LazyInitDuration"
)

// Dimensions.
const (
	// DimService is the service: the default dimension of every metric
	// lambdaobs writes (metrics.WithService, POWERTOOLS_SERVICE_NAME), and
	// one of the two of the lifecycle document.
	DimService = "service"
	// DimFunctionName is the function's name, the other dimension of the
	// lifecycle document.
	DimFunctionName = "function_name"
	// DimAWSService and DimAWSOperation are the dimensions of the AWS SDK
	// call metrics, named as the keys of the call's DEBUG line: the AWS
	// service called is not DimService (CloudWatch dimension names that
	// differ only by case would be two dimensions).
	DimAWSService   = "aws_service"   // the SDK's service id, e.g. "DynamoDB"
	DimAWSOperation = "aws_operation" // e.g. "PutItem"
	// Dimensions of the per-request document of lambdawrap/httpapi.
	DimHTTPRoute       = "Route"       // "/orders/{id}" (REST resource, HTTP API route key without the method), "$default"
	DimHTTPMethod      = "Method"      // "GET", "POST", …, "_OTHER" for a method outside RFC 9110 and PATCH
	DimHTTPStatusClass = "StatusClass" // "2xx", "3xx", "4xx", "5xx"
	// DimLazy is the dimension of MetricLazyInitDuration: the Lazy's name.
	DimLazy = "lazy"
)

// Properties lambdawrap sets on EMF documents: searchable in Logs Insights,
// not metrics.
const (
	PropRequestID    = "function_request_id" // on every document of an invocation
	PropTraceID      = "xray_trace_id"       // on every document of a traced invocation
	PropInitType     = "init_type"           // beside MetricInitDuration: AWS_LAMBDA_INITIALIZATION_TYPE, "on-demand" when unset
	PropReportStatus = "report_status"       // on Lambda's report: "success", "error", "timeout", "failure"
)
