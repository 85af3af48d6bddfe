package sqsbatch

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

var kinesisSource = &source[events.KinesisEventRecord]{
	system: names.MessagingSystemKinesis,
	key:    names.KeyEventID,
	id:     func(r *events.KinesisEventRecord) string { return r.EventID },
	item:   func(r *events.KinesisEventRecord) string { return r.Kinesis.SequenceNumber },
	arn:    func(r *events.KinesisEventRecord) string { return r.EventSourceArn },
	dest: func(arn string) string {
		return strings.TrimPrefix(afterLast(arn, ":"), "stream/")
	},
	region: func(r *events.KinesisEventRecord) string { return r.AwsRegion },
	header: func(*events.KinesisEventRecord) string { return "" },
}

var dynamoDBSource = &source[events.DynamoDBEventRecord]{
	system: names.MessagingSystemDynamoDBStreams,
	key:    names.KeyEventID,
	id:     func(r *events.DynamoDBEventRecord) string { return r.EventID },
	item:   func(r *events.DynamoDBEventRecord) string { return r.Change.SequenceNumber },
	arn:    func(r *events.DynamoDBEventRecord) string { return r.EventSourceArn },
	dest: func(arn string) string {
		// arn:aws:dynamodb:region:account:table/Orders/stream/2026-…
		rest := arn
		if i := strings.Index(arn, ":table/"); i >= 0 {
			rest = arn[i+len(":table/"):]
		}
		name, _, _ := strings.Cut(rest, "/")
		return name
	},
	region: func(r *events.DynamoDBEventRecord) string { return r.AWSRegion },
	header: func(*events.DynamoDBEventRecord) string { return "" },
}

// Kinesis returns a Kinesis Data Streams event handler: records are
// processed in order (a batch comes from one shard), processing stops at
// the first record whose handler fails or panics, and that record and every
// later one are reported by sequence number, so Lambda retries from there
// (ReportBatchItemFailures must be enabled). Spans, logs (event_id) and
// metrics are those of SQS; a stream record carries no trace header, so
// each span is a child of the invocation span.
func Kinesis(h func(context.Context, events.KinesisEventRecord) error, opts ...Option) func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
	p := &processor[events.KinesisEventRecord]{src: kinesisSource, cfg: newConfig(opts),
		h: func(ctx context.Context, r *events.KinesisEventRecord) error { return h(ctx, *r) }}
	return func(ctx context.Context, e events.KinesisEvent) (events.KinesisEventResponse, error) {
		bad := p.run(ctx, e.Records, true)
		return events.KinesisEventResponse{BatchItemFailures: itemFailures(p.src, e.Records, bad,
			func(id string) events.KinesisBatchItemFailure {
				return events.KinesisBatchItemFailure{ItemIdentifier: id}
			})}, nil
	}
}

// DynamoDB returns a DynamoDB Streams event handler; it works as Kinesis
// does, reporting failed records by their stream sequence number.
func DynamoDB(h func(context.Context, events.DynamoDBEventRecord) error, opts ...Option) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	p := &processor[events.DynamoDBEventRecord]{src: dynamoDBSource, cfg: newConfig(opts),
		h: func(ctx context.Context, r *events.DynamoDBEventRecord) error { return h(ctx, *r) }}
	return func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		bad := p.run(ctx, e.Records, true)
		return events.DynamoDBEventResponse{BatchItemFailures: itemFailures(p.src, e.Records, bad,
			func(id string) events.DynamoDBBatchItemFailure {
				return events.DynamoDBBatchItemFailure{ItemIdentifier: id}
			})}, nil
	}
}
