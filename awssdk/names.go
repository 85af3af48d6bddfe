package awssdk

// Metric names recorded for every AWS SDK call made with an instrumented
// aws.Config, on the invocation's metrics.Recorder, with dimensions
// DimService and DimOperation beside the invocation's own (service, the
// lambdaobs service name). The dashboard package and the docs use these
// same constants.
const (
	MetricCallLatency  = "AWSCallLatency"  // Milliseconds, the whole call including retries
	MetricCallErrors   = "AWSCallErrors"   // Count, 1 when the call failed
	MetricCallAttempts = "AWSCallAttempts" // Count, attempts made (1 without retries)
	MetricThrottles    = "AWSThrottles"    // Count, attempts throttled
)

// Dimensions of the SDK call metrics, named as the keys of the call's DEBUG
// line (KeyService, KeyOperation): the AWS service called is not the
// service dimension every lambdaobs metric carries (Powertools' service, the
// function's own service name), and CloudWatch dimension names that differ
// only by case would be two dimensions.
const (
	DimService   = "aws_service"   // the SDK's service id, e.g. "DynamoDB"
	DimOperation = "aws_operation" // e.g. "PutItem"
)

// TraceHeaderAttribute is the SQS message system attribute that carries the
// X-Ray trace header.
const TraceHeaderAttribute = "AWSTraceHeader"

// Keys of the DEBUG line logged for each call, and its message.
const (
	MsgCall       = "aws call"
	KeyService    = "aws_service"
	KeyOperation  = "aws_operation"
	KeyStatusCode = "status_code"
	KeyAttempts   = "attempts"
	KeyLatencyMS  = "latency_ms"
	KeyRequestID  = "aws_request_id"
)
