package sqsbatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/sqsbatch"
)

// show prints the level, message and record id of each log line, and the
// metrics of each EMF document.
type show struct{}

func (show) Write(p []byte) (int, error) {
	var m map[string]any
	if json.Unmarshal(p, &m) != nil {
		return len(p), nil
	}
	if _, ok := m["_aws"]; ok {
		if m["RecordsProcessed"] != nil {
			fmt.Printf("  EMF RecordsProcessed=%v RecordsFailed=%v\n", m["RecordsProcessed"], m["RecordsFailed"])
		}
		return len(p), nil
	}
	fmt.Printf("  %s %s message_id=%v\n", m["level"], m["message"], m["message_id"])
	return len(p), nil
}

func batch(queueARN string, bodies ...string) events.SQSEvent {
	var e events.SQSEvent
	for i, b := range bodies {
		e.Records = append(e.Records, events.SQSMessage{MessageId: fmt.Sprintf("msg-%d", i+1), Body: b, EventSourceARN: queueARN})
	}
	return e
}

func ExampleJSON() {
	type OrderPlaced struct {
		OrderID string  `json:"order_id"`
		Total   float64 `json:"total"`
	}
	process := func(ctx context.Context, o OrderPlaced) error {
		slog.InfoContext(ctx, "charging", "order_id", o.OrderID) // carries message_id
		if o.Total <= 0 {
			return fmt.Errorf("order %s: nothing to charge", o.OrderID)
		}
		return nil
	}
	prev := slog.Default()
	defer slog.SetDefault(prev)

	// In Lambda: lambdawrap.Start(sqsbatch.JSON(process), opts...)
	h := lambdawrap.Wrap(sqsbatch.JSON(process, sqsbatch.WithConcurrency(1)),
		lambdawrap.WithService("orders"),
		lambdawrap.WithWriter(show{}),
		lambdawrap.WithInitType("provisioned-concurrency"))
	resp, _ := h(context.Background(), batch("arn:aws:sqs:eu-west-1:123456789012:orders",
		`{"order_id":"ord-1","total":12.5}`,
		`{"order_id":"ord-2","total":0}`,
		`{"order_id":`,
	))
	for _, f := range resp.BatchItemFailures {
		fmt.Println("failed:", f.ItemIdentifier)
	}
	// Output:
	//   INFO charging message_id=msg-1
	//   INFO charging message_id=msg-2
	//   ERROR record failed message_id=msg-2
	//   ERROR record body could not be decoded as JSON message_id=msg-3
	//   WARN batch finished with failures message_id=<nil>
	//   EMF RecordsProcessed=1 RecordsFailed=2
	// failed: msg-2
	// failed: msg-3
}

// A FIFO queue's batch stops at the first failure: that message and every
// later one go back to the queue, in order.
func ExampleSQS_fifo() {
	process := func(ctx context.Context, m events.SQSMessage) error {
		fmt.Println("processing", m.MessageId)
		if strings.Contains(m.Body, "bad") {
			return errors.New("bad message")
		}
		return nil
	}
	h := sqsbatch.SQS(process, sqsbatch.WithLogger(slog.New(slog.DiscardHandler)))
	resp, _ := h(context.Background(), batch("arn:aws:sqs:eu-west-1:123456789012:orders.fifo", "ok", "bad", "ok", "ok"))
	for _, f := range resp.BatchItemFailures {
		fmt.Println("failed:", f.ItemIdentifier)
	}
	// Output:
	// processing msg-1
	// processing msg-2
	// failed: msg-2
	// failed: msg-3
	// failed: msg-4
}

// Records of a standard queue are processed concurrently; a panic fails
// only its own record.
func ExampleSQS() {
	process := func(ctx context.Context, m events.SQSMessage) error {
		switch m.Body {
		case "panic":
			panic("unexpected message")
		case "fail":
			return errors.New("downstream unavailable")
		}
		return nil
	}
	h := sqsbatch.SQS(process, sqsbatch.WithConcurrency(4), sqsbatch.WithLogger(slog.New(slog.DiscardHandler)))
	resp, _ := h(context.Background(), batch("arn:aws:sqs:eu-west-1:123456789012:orders", "ok", "fail", "ok", "panic", "ok"))
	b, _ := json.Marshal(resp)
	fmt.Println(string(b))
	// Output:
	// {"batchItemFailures":[{"itemIdentifier":"msg-2"},{"itemIdentifier":"msg-4"}]}
}

// Kinesis failures are reported by sequence number, from the first failure on.
func ExampleKinesis() {
	process := func(ctx context.Context, r events.KinesisEventRecord) error {
		if string(r.Kinesis.Data) == "bad" {
			return errors.New("cannot parse")
		}
		return nil
	}
	h := sqsbatch.Kinesis(process, sqsbatch.WithLogger(slog.New(slog.DiscardHandler)))
	var e events.KinesisEvent
	for i, data := range []string{"a", "bad", "c"} {
		var r events.KinesisEventRecord
		r.EventID = fmt.Sprintf("shardId-000000000000:%d", 100+i)
		r.Kinesis.SequenceNumber = fmt.Sprint(100 + i)
		r.Kinesis.Data = []byte(data)
		e.Records = append(e.Records, r)
	}
	resp, _ := h(context.Background(), e)
	b, _ := json.Marshal(resp)
	fmt.Println(string(b))
	// Output:
	// {"batchItemFailures":[{"itemIdentifier":"101"},{"itemIdentifier":"102"}]}
}
