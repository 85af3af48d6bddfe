package names

// Attributes of the span of a call to an AWS service: the properties the
// AWS SDK for Go v2 gives its operation spans (rpc.*, aws.request_id), and
// OpenTelemetry's semantic conventions for the rest. awssdk sets them on
// the client span of every SDK call, and code that calls AWS some other way
// can set them too (they are plain strings); the X-Ray backend makes a span
// whose AttrRPCSystem is RPCSystemAWS an "aws" subsegment named after the
// service, with these values in the fields X-Ray's service map reads
// (aws.operation, aws.region, aws.request_id, aws.table_name,
// aws.queue_url, aws.function_name, …); the OpenTelemetry backend keeps
// them as attributes.
const (
	AttrRPCSystem      = "rpc.system"                // RPCSystemAWS for an AWS call
	AttrRPCService     = "rpc.service"               // the SDK's service id: "DynamoDB", "SQS", "Lambda"
	AttrRPCMethod      = "rpc.method"                // the operation: "PutItem"
	AttrCloudRegion    = "cloud.region"              // the region called: "eu-west-1"; the region of an event source
	AttrAWSRequestID   = "aws.request_id"            // the request id AWS answered with
	AttrHTTPStatusCode = "http.response.status_code" // int: the last attempt's HTTP status; an httpapi response's status

	AttrDynamoDBTableNames = "aws.dynamodb.table_names"             // []string: the tables of a DynamoDB call
	AttrSQSQueueURL        = "aws.sqs.queue.url"                    // the queue of an SQS call
	AttrFaaSInvokedName    = "faas.invoked_name"                    // the function a Lambda call invokes, as given
	AttrSNSTopicARN        = "aws.sns.topic.arn"                    // the topic of an SNS call
	AttrStateMachineARN    = "aws.step_functions.state_machine.arn" // the state machine of a Step Functions call
)

// RPCSystemAWS is the AttrRPCSystem of a call to an AWS service, as the
// AWS SDK for Go v2 sets it.
const RPCSystemAWS = "aws-api"

// Attributes lambdawrap/httpapi sets on the invocation span (OpenTelemetry
// HTTP semantic conventions), beside AttrHTTPStatusCode.
const (
	AttrHTTPRoute                 = "http.route"
	AttrHTTPRequestMethod         = "http.request.method"
	AttrHTTPRequestMethodOriginal = "http.request.method_original"
	AttrURLPath                   = "url.path"
)

// Attributes lambdawrap/sqsbatch sets (OpenTelemetry messaging semantic
// conventions), beside AttrCloudRegion.
const (
	AttrMessagingSystem            = "messaging.system"              // one of the MessagingSystem values
	AttrMessagingOperationType     = "messaging.operation.type"      // "process"
	AttrMessagingOperationName     = "messaging.operation.name"      // "process"
	AttrMessagingMessageID         = "messaging.message.id"          // message id, stream event id
	AttrMessagingDestinationName   = "messaging.destination.name"    // queue, stream or table name, from the event source ARN
	AttrMessagingBatchMessageCount = "messaging.batch.message_count" // on the invocation span
)

// Values of AttrMessagingSystem.
const (
	MessagingSystemSQS             = "aws_sqs"
	MessagingSystemKinesis         = "aws_kinesis"
	MessagingSystemDynamoDBStreams = "aws_dynamodb_streams"
)

// Attributes of the OpenTelemetry backend's invocation span that no
// semantic convention defines.
const (
	// AttrInitDuration is the init duration of the process, in
	// milliseconds, on the span of its first invocation.
	AttrInitDuration = "lambdaobs.init_duration_ms"
)

// OTelScope is the instrumentation scope of the spans the OpenTelemetry
// backend starts.
const OTelScope = "github.com/lambdaobs/lambdaobs/tracing/oteltracing"

// Annotations of the X-Ray backend's invocation subsegment. X-Ray indexes
// annotations, so traces can be filtered on them: annotation.ColdStart =
// true.
const (
	AnnotationColdStart    = "ColdStart"      // bool: the invocation was a cold start
	AnnotationService      = "Service"        // string: the service name, when known
	AnnotationInitDuration = "InitDurationMs" // number: init duration in ms, first invocation of a process only
)

// Metadata keys the X-Ray backend writes, in the namespace of the service
// (AnnotationService), or "default" when there is none.
const (
	MetadataResponse = "response" // the handler's response (xraytracing.WithCaptureResponse)
	MetadataError    = "error"    // the last recorded error: {"message", "type"} (unless xraytracing.WithoutCaptureError)
	MetadataStatus   = "status"   // the description given with a ClientError or Error status, unless the recorded error's
	MetadataLinks    = "links"    // the trace headers a span links to (tracing.WithLinks)
)

// Where a trace travels between services.
const (
	// HeaderTraceID is the HTTP header that carries the X-Ray trace header
	// from a caller to the service it calls (AWS services, and the
	// OpenTelemetry backend's propagator).
	HeaderTraceID = "X-Amzn-Trace-Id"
	// SQSAttributeTraceHeader is the system attribute of an SQS message
	// that carries its producer's X-Ray trace header: awssdk sets it on the
	// messages it sends, lambdawrap/sqsbatch reads it from those it
	// receives.
	SQSAttributeTraceHeader = "AWSTraceHeader"
	// HeaderCorrelationID carries the correlation id of lambdawrap/httpapi
	// in both directions: an incoming value (1 to 128 visible ASCII
	// characters) wins over API Gateway's request id, and every response
	// carries the id in use. HTTP API and function URL events have
	// lower-case header names; in REST API events, which keep the client's
	// spelling, it is recognised as X-Correlation-Id, X-Correlation-ID,
	// x-correlation-id or X-CORRELATION-ID.
	HeaderCorrelationID = "X-Correlation-Id"
)
