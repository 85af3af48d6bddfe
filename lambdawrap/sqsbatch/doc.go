// Package sqsbatch processes the records of an SQS batch one by one and
// reports the ones that failed, so that only those are retried (partial
// batch responses: the event source mapping needs ReportBatchItemFailures).
// Kinesis and DynamoDB Streams batches get the same treatment.
//
//	func process(ctx context.Context, o OrderPlaced) error { … }
//
//	func main() {
//		lambdawrap.Start(sqsbatch.JSON(process), lambdawrap.WithService("orders"))
//	}
//
// SQS takes a func(ctx, events.SQSMessage) error; JSON decodes each body
// into a T first (a body that does not decode fails its record). Kinesis and
// DynamoDB take the stream's record type. Each returns a plain aws-lambda-go
// handler: wrap it with lambdawrap.Wrap or start it with lambdawrap.Start.
//
// # Failures
//
// A record fails when its handler returns an error or panics (a panic fails
// that record only and is logged with its stack), or when it was not
// attempted. Records of a standard queue are processed concurrently, at most
// WithConcurrency at once (10 by default), and each failed one is
// reported. Records of a FIFO queue (event source ARN ending in ".fifo", or
// WithOrdered) and of streams are processed strictly in order; the first
// failure stops the batch and that record and every later one are reported,
// which keeps the order of a message group, and for streams makes Lambda
// retry from the failed sequence number. Records not started when the
// context ends, or by its deadline less a margin (5 % of the time left
// when the batch starts, at least 100 ms, at most 1 s: time for the
// response to reach Lambda), are reported failed too. The
// handler never returns an error itself.
//
// # What is recorded
//
// Each record is processed in a span of kind consumer named "process
// <queue>", with the OpenTelemetry messaging attributes (messaging.system
// "aws_sqs", messaging.operation.type and .name "process",
// messaging.message.id, messaging.destination.name). When an SQS message
// carries the producer's trace header (its AWSTraceHeader system attribute)
// the span continues the producer's trace; otherwise it is a child of the
// invocation span. A failed record's span has status tracing.Error.
//
// Every line logged with a record's context carries its id: message_id for
// SQS, event_id for streams. A failure is logged at ERROR ("record failed",
// "record handler panicked" with the stack, "record body could not be
// decoded as JSON"), and a batch with failures ends with one WARN line
// ("batch finished with failures") counting them.
//
// Per batch, RecordsProcessed and RecordsFailed are counted on the
// invocation's recorder (outside an invocation lambdawrap observes, nothing
// is recorded).
//
// Producers: the trace continues only if the producer sent the message with
// the X-Ray trace header, which the AWS SDK instrumentation does (package
// awssdk); this package is the consumer side only.
package sqsbatch
