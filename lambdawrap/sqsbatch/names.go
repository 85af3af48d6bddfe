package sqsbatch

import "github.com/lambdaobs/lambdaobs/lambdawrap"

// Metric names recorded once per batch on the invocation's recorder (its
// default dimensions). RecordsProcessed + RecordsFailed is the batch size.
const (
	MetricRecordsProcessed = "RecordsProcessed" // Count: records the handler processed without error
	MetricRecordsFailed    = "RecordsFailed"    // Count: records reported failed (error, panic, undecodable body, or not attempted)
)

// Messages of the lines the batch handler logs. Every line logged with a
// record's context, these and the handler's own, carries the record's id
// (KeyMessageID for SQS, KeyEventID for streams).
const (
	MsgRecordFailed = "record failed"                            // ERROR: the handler returned an error
	MsgRecordPanic  = "record handler panicked"                  // ERROR: with the stack trace
	MsgUndecodable  = "record body could not be decoded as JSON" // ERROR: invalid JSON, or JSON of the wrong shape for T
	MsgSkipped      = "records left unprocessed"                 // WARN: after an ordered batch stopped, or the context ended
	MsgBatchFailed  = "batch finished with failures"             // WARN: once per batch with failures
)

// Log keys.
const (
	KeyMessageID    = "message_id"        // the SQS message id, on every line logged for a record
	KeyEventID      = "event_id"          // the Kinesis or DynamoDB Streams event id, likewise
	KeyRecords      = "records"           // batch size
	KeyFailed       = "failed_records"    // records reported failed
	KeySkipped      = "skipped_records"   // records not attempted
	KeyFirstSkipped = "first_skipped"     // the id of the first record not attempted
	KeyContextDone  = "context_done"      // whether records were left because the context ended
	KeyPanic        = lambdawrap.KeyPanic // the panic value, as lambdawrap logs it
)

// Span attributes (OpenTelemetry messaging semantic conventions).
const (
	AttrSystem            = "messaging.system"              // "aws_sqs"; "aws_kinesis", "aws_dynamodb_streams" for streams
	AttrOperationType     = "messaging.operation.type"      // "process"
	AttrOperationName     = "messaging.operation.name"      // "process"
	AttrMessageID         = "messaging.message.id"          // message id, stream event id
	AttrDestinationName   = "messaging.destination.name"    // queue, stream or table name, from the event source ARN
	AttrBatchMessageCount = "messaging.batch.message_count" // on the invocation span
	AttrCloudRegion       = "cloud.region"
)

// Values of AttrSystem.
const (
	SystemSQS             = "aws_sqs"
	SystemKinesis         = "aws_kinesis"
	SystemDynamoDBStreams = "aws_dynamodb_streams"
)

// DefaultConcurrency is how many records of a standard queue's batch are
// processed at once unless WithConcurrency says otherwise: 10, the default
// batch size of an SQS event source mapping.
const DefaultConcurrency = 10

// AttributeTraceHeader is the system attribute of an SQS message carrying
// the producer's X-Ray trace header.
const AttributeTraceHeader = "AWSTraceHeader"
