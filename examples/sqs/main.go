// Command sqs is an SQS consumer observed by lambdaobs: it processes
// "order placed" messages in batches with sqsbatch, reporting only the
// messages that failed so that only those return to the queue (the event
// source mapping needs FunctionResponseTypes: ["ReportBatchItemFailures"]).
// Each message is processed in its own span, continuing the producer's trace
// from the message's AWSTraceHeader; every line logged for it carries its
// message_id; RecordsProcessed and RecordsFailed are counted per batch.
//
// The producer side (sending the messages with the trace header, through
// the instrumented AWS SDK) belongs to the awssdk package and its example;
// here the sample event in events/ plays the producer.
//
// Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it processes that sample event
// and prints what it would emit in Lambda (log lines and EMF documents on
// stdout, the batch response on stderr):
//
//	go run ./examples/sqs
//
// Built as bootstrap, it is a real function:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/sqs
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/sqsbatch"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// OrderPlaced is the body of each message.
type OrderPlaced struct {
	OrderID  string  `json:"order_id"`
	Customer string  `json:"customer"`
	Total    float64 `json:"total"`
	Card     string  `json:"card"`
}

// ErrDeclined is what the payment provider answers for a declined card.
var ErrDeclined = errors.New("card declined")

// processOrder charges one order. Its error fails that message only.
func processOrder(ctx context.Context, o OrderPlaced) error {
	msg, _ := sqsbatch.MessageFromContext(ctx)
	slog.InfoContext(ctx, "processing order", "order_id", o.OrderID, "receive_count", msg.Attributes["ApproximateReceiveCount"])
	if o.OrderID == "" {
		return errors.New("message has no order_id")
	}
	ctx, span := tracing.Start(ctx, "charge-card")
	defer span.End()
	if o.Card == "4000-0000-0000-0002" {
		span.SetStatus(tracing.Error, "declined")
		metrics.FromContext(ctx).Count("PaymentsDeclined", 1)
		return fmt.Errorf("charge order %s: %w", o.OrderID, ErrDeclined)
	}
	metrics.FromContext(ctx).Add("OrderValue", o.Total, metrics.None)
	slog.InfoContext(ctx, "order charged", "order_id", o.OrderID, "total", o.Total)
	return nil
}

func options() []lambdawrap.Option {
	return []lambdawrap.Option{
		lambdawrap.WithService("order-processor"),
		lambdawrap.WithNamespace("SqsExample"),
	}
}

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		runLocally()
		return
	}
	lambdawrap.Start(sqsbatch.JSON(processOrder, sqsbatch.WithConcurrency(4)), options()...)
}
