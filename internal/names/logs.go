package names

// Keys of the fields logger writes on every line, in its default scheme
// (Powertools for AWS Lambda's keys, so Logs Insights queries written for
// it keep working).
const (
	KeyLevel              = "level"
	KeyMessage            = "message"
	KeyTimestamp          = "timestamp"
	KeyLocation           = "location"
	KeyService            = "service"
	KeySamplingRate       = "sampling_rate"
	KeyColdStart          = "cold_start"
	KeyFunctionName       = "function_name"
	KeyFunctionMemorySize = "function_memory_size"
	KeyFunctionARN        = "function_arn"
	KeyRequestID          = "function_request_id"
	KeyXRayTraceID        = "xray_trace_id"
	KeyCorrelationID      = "correlation_id"
	KeyTenantID           = "tenant_id"
	KeyInitDurationMS     = "init_duration_ms" // on the first line of a process's first invocation
	KeyError              = "error"
	KeyErrorType          = "error_type"
	KeyStackTrace         = "stack_trace"
	KeyDroppedLines       = "dropped_lines" // lines a full debug buffer dropped
	KeyTruncated          = "truncated"     // true on a line whose values were cut to fit
	KeyDroppedAttrs       = "dropped_attrs" // true on a line that had to leave attributes out
)

// DefaultService is the service logger writes, and oteltracing's resource
// carries, when nothing names one (as Powertools does).
const DefaultService = "service_undefined"

// Keys of Lambda's own JSON log format (logger.Lambda), as aws-lambda-go's
// lambdacontext.NewLogHandler writes them; level, message and timestamp
// are the same as above.
const (
	KeyLambdaRequestID   = "requestId"
	KeyLambdaTraceID     = "traceId"
	KeyLambdaTenantID    = "tenantId"
	KeyLambdaColdStart   = "coldStart"
	KeyLambdaFunctionARN = "functionArn"
)

// Messages of the lines lambdawrap logs itself.
const (
	MsgInvocationFailed   = "invocation failed"
	MsgInvocationPanicked = "invocation panicked"
	MsgInvocationTimeout  = "invocation about to time out"
	// MsgReturnedInTime follows MsgInvocationTimeout when the handler
	// returned before the deadline after all; its Timeouts count is taken
	// back.
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
	// MsgLateValues is the WARN line counting values recorded after their
	// invocation ended, with MetricLateValues.
	MsgLateValues = "values recorded after their invocation ended were dropped"
	MsgSIGTERM    = "SIGTERM received: flushing pending telemetry"
	// MsgEvent is the line of the event, logged when
	// POWERTOOLS_LOGGER_LOG_EVENT is true (under KeyEvent).
	MsgEvent = "event"
	// MsgMetricsDropped is the WARN line naming each metric value,
	// dimension or property CloudWatch would reject, dropped at a flush.
	MsgMetricsDropped = "metrics dropped"
)

// Keys lambdawrap adds to its own lines.
const (
	KeyElapsedMS   = "elapsed_ms"   // on MsgInvocationTimeout: time since the invocation began
	KeyRemainingMS = "remaining_ms" // on MsgInvocationTimeout: time left before the deadline
	KeyPanic       = "panic"        // the panic value; the adapters log it under the same key
	KeyEvent       = "event"        // the event, on MsgEvent
	KeyComponent   = "component"    // on MsgTelemetryFailed
	KeyCount       = "count"        // on MsgSpansDropped and MsgLateValues
	KeyReason      = "reason"       // on MsgSpansDropped
)

// The DEBUG line awssdk logs for each call, and its keys (KeyErrorCode
// too, when the call failed).
const (
	MsgAWSCall      = "aws call"
	KeyAWSService   = "aws_service"   // as DimAWSService
	KeyAWSOperation = "aws_operation" // as DimAWSOperation
	KeyStatusCode   = "status_code"
	KeyAttempts     = "attempts"
	KeyLatencyMS    = "latency_ms"
	KeyAWSRequestID = "aws_request_id"
)

// Messages of the lines lambdawrap/httpapi logs: one line per request, with
// KeyHTTPMethod, KeyHTTPRoute, KeyHTTPPath, KeyHTTPStatus and KeyDurationMS.
const (
	MsgRequestCompleted = "request completed"        // a 2xx, at INFO by default; httpapi.WithoutRequestLog stops it
	MsgRequestRejected  = "request rejected"         // a 4xx, at WARN by default
	MsgRequestFailed    = "request failed"           // a 5xx from an error, at ERROR
	MsgRequestPanicked  = "request handler panicked" // a 5xx from a panic, at ERROR with the stack
)

// Keys lambdawrap/httpapi adds to its lines. The correlation id is on every
// line logged with the request's context, under KeyCorrelationID; the error
// under KeyError and KeyErrorType; a panic under KeyPanic, its stack under
// KeyStackTrace. The query, the headers and the body are not logged.
const (
	KeyHTTPMethod = "http_method" // as the client sent it
	KeyHTTPRoute  = "http_route"
	KeyHTTPPath   = "http_path" // the request path, without the query
	KeyHTTPStatus = "http_status"
	KeyErrorCode  = "error_code" // the Code of the response's error; on MsgAWSCall, the AWS error code of a failed call
	// KeyDurationMS is a duration in milliseconds, to the microsecond: a
	// request's, from the event's arrival in the adapter to the response,
	// and a params.Lazy's init on MsgLazyInit.
	KeyDurationMS = "duration_ms"
)

// Messages of the lines lambdawrap/sqsbatch logs. Every line logged with a
// record's context, these and the handler's own, carries the record's id
// (KeyMessageID for SQS, KeyEventID for streams).
const (
	MsgRecordFailed      = "record failed"                            // ERROR: the handler returned an error
	MsgRecordPanicked    = "record handler panicked"                  // ERROR: with the stack trace
	MsgRecordUndecodable = "record body could not be decoded as JSON" // ERROR: invalid JSON, or JSON of the wrong shape
	MsgRecordsSkipped    = "records left unprocessed"                 // WARN: after an ordered batch stopped, or the context ended
	MsgBatchFailed       = "batch finished with failures"             // WARN: once per batch with failures
)

// Keys lambdawrap/sqsbatch adds to its lines.
const (
	KeyMessageID      = "message_id"      // the SQS message id, on every line logged for a record
	KeyEventID        = "event_id"        // the Kinesis or DynamoDB Streams event id, likewise
	KeyRecords        = "records"         // batch size
	KeyFailedRecords  = "failed_records"  // records reported failed
	KeySkippedRecords = "skipped_records" // records not attempted
	KeyFirstSkipped   = "first_skipped"   // the id of the first record not attempted
	KeyContextDone    = "context_done"    // whether records were left because the context ended or its deadline was near
)

// MsgLazyInit is the INFO line a params.Lazy writes through slog's default
// logger when its first successful init ends, with KeyLazy and
// KeyDurationMS.
const (
	MsgLazyInit = "lazy value initialised"
	KeyLazy     = "lazy" // the Lazy's name
)
