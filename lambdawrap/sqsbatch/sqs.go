package sqsbatch

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lambdaobs/lambdaobs/internal/names"
)

var sqsSource = &source[events.SQSMessage]{
	system: names.MessagingSystemSQS,
	key:    names.KeyMessageID,
	id:     func(m *events.SQSMessage) string { return m.MessageId },
	item:   func(m *events.SQSMessage) string { return m.MessageId },
	arn:    func(m *events.SQSMessage) string { return m.EventSourceARN },
	dest:   func(arn string) string { return afterLast(arn, ":") },
	region: func(m *events.SQSMessage) string { return m.AWSRegion },
	header: func(m *events.SQSMessage) string { return m.Attributes[names.SQSAttributeTraceHeader] },
}

// SQS returns an SQS event handler that runs h on every message of the
// batch and reports the messages that failed, so that only those return to
// the queue (the event source mapping must have ReportBatchItemFailures in
// its FunctionResponseTypes). Wrap it with lambdawrap:
//
//	lambdawrap.Start(sqsbatch.SQS(process), lambdawrap.WithService("orders"))
//
// A message fails when h returns an error or panics; a panic fails that
// message only and is logged with its stack. Messages of a standard queue
// are processed concurrently (WithConcurrency). Messages of a FIFO queue
// (an event source ARN ending in ".fifo", or WithOrdered) are processed in
// order and processing stops at the first failure: that message and every
// later one are reported failed, as AWS requires to keep the order. Messages
// not started when the context ends, or by its deadline less a margin (5 %
// of the time left when the batch starts, between 100 ms and 1 s, so the
// response reaches Lambda in time), are reported failed too.
//
// Each message is processed in a consumer span continuing the producer's
// trace from its AWSTraceHeader attribute (a child of the invocation span
// when it has none), and every line logged with its context carries its
// message_id. The handler returns no error of its own: a batch whose
// messages all failed lists them all.
func SQS(h func(context.Context, events.SQSMessage) error, opts ...Option) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	p := &processor[events.SQSMessage]{src: sqsSource, cfg: newConfig(opts),
		h: func(ctx context.Context, m *events.SQSMessage) error { return h(ctx, *m) }}
	return sqsHandler(p)
}

// JSON is SQS for messages whose body is JSON: each body is decoded into a
// T and passed to h. A message whose body does not decode fails, and is
// logged as such ("record body could not be decoded as JSON") with the
// decoder's error. The message
// itself (id, attributes) is in h's context: see MessageFromContext.
func JSON[T any](h func(context.Context, T) error, opts ...Option) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	p := &processor[events.SQSMessage]{src: sqsSource, cfg: newConfig(opts),
		h: func(ctx context.Context, m *events.SQSMessage) error {
			var v T
			if err := json.Unmarshal([]byte(m.Body), &v); err != nil {
				return &decodeError{err: err}
			}
			return h(context.WithValue(ctx, messageKey{}, m), v)
		}}
	return sqsHandler(p)
}

// sqsHandler is the SQS event handler running p.
func sqsHandler(p *processor[events.SQSMessage]) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		recs := e.Records
		ordered := p.cfg.ordered || len(recs) > 0 && strings.HasSuffix(recs[0].EventSourceARN, ".fifo")
		bad := p.run(ctx, recs, ordered)
		return events.SQSEventResponse{BatchItemFailures: itemFailures(p.src, recs, bad,
			func(id string) events.SQSBatchItemFailure { return events.SQSBatchItemFailure{ItemIdentifier: id} })}, nil
	}
}

type messageKey struct{}

// MessageFromContext returns the SQS message a JSON handler is processing,
// and true; elsewhere the zero message and false.
func MessageFromContext(ctx context.Context) (events.SQSMessage, bool) {
	if m, ok := ctx.Value(messageKey{}).(*events.SQSMessage); ok && m != nil {
		return *m, true
	}
	return events.SQSMessage{}, false
}
