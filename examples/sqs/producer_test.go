package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap/sqsbatch"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// TestContinuesTheProducersTrace sends orders from an instrumented producer
// through a real SQS server (local-aws-sqs), and processes what it delivers
// with this example's handler: each record's span is in the producer's trace.
func TestContinuesTheProducersTrace(t *testing.T) {
	endpoint := testenv.StartSQS(t)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	awssdk.Instrument(&cfg)
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx := context.Background()
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}

	// The producer: a function sending two orders.
	producer := lambdaobstest.New(t, func(ctx context.Context, ids []string) (string, error) {
		for _, id := range ids {
			body, _ := json.Marshal(OrderPlaced{OrderID: id, Total: 10})
			if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: created.QueueUrl, MessageBody: aws.String(string(body))}); err != nil {
				return "", err
			}
		}
		return "sent", nil
	})
	const producerTrace = "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b"
	if r := producer.Invoke([]string{"ord-1", "ord-2"}, lambdaobstest.Request{TraceHeader: "Root=" + producerTrace + ";Parent=53995c3f42cd8ad8;Sampled=1"}); r.Err != nil {
		t.Fatal(r.Err)
	}

	// What Lambda's event source mapping would deliver.
	got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, MaxNumberOfMessages: 10,
		//lint:ignore SA1019 local-aws-sqs returns AWSTraceHeader only for AttributeNames ["All"].
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("received %d messages, %v", len(got.Messages), err)
	}
	var event events.SQSEvent
	for _, m := range got.Messages {
		event.Records = append(event.Records, events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), Attributes: m.Attributes,
			EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:orders", AWSRegion: "us-east-1",
		})
	}
	consumer := lambdaobstest.New(t, sqsbatch.JSON(processOrder), options()...)
	r := consumer.Invoke(event, lambdaobstest.Request{})
	if r.Err != nil || len(r.Output.BatchItemFailures) != 0 {
		t.Fatalf("consumer: %v, failures %v", r.Err, r.Output.BatchItemFailures)
	}
	var continued int
	for _, s := range r.Spans {
		if s.Kind == tracing.KindConsumer {
			if s.TraceID != producerTrace {
				t.Errorf("record span %q in trace %s, want the producer's %s", s.Name, s.TraceID, producerTrace)
			}
			continued++
		}
	}
	if continued != 2 {
		t.Errorf("%d record spans, want 2: %s", continued, fmt.Sprint(r.Spans))
	}
}
