package awssdk_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// TestSQSInputIsLeftAlone sends one input, the caller's, several times:
// from two invocations in turn, each of a trace of its own, and from
// goroutines of one invocation at once. Each message carries the trace of
// the invocation that sent it, and the input is as the caller made it:
// the AWSTraceHeader is set on a copy.
func TestSQSInputIsLeftAlone(t *testing.T) {
	endpoint := testenv.StartSQS(t)
	cfg := baseConfig()
	awssdk.Instrument(&cfg)
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	roots := []string{"1-6745a0b1-000000000000000000000001", "1-6745a0b1-000000000000000000000002"}

	for i, tt := range []struct {
		name       string
		goroutines int // sends at once per invocation
		batch      bool
	}{
		{"SendMessage reused", 1, false},
		{"SendMessageBatch reused", 1, true},
		{"SendMessage at once", 8, false},
		{"SendMessageBatch at once", 8, true},
	} {
		queue := fmt.Sprintf("input-%d", i)
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(queue)})
			if err != nil {
				t.Fatal(err)
			}
			single := &sqs.SendMessageInput{QueueUrl: created.QueueUrl, MessageBody: aws.String("m")}
			batch := &sqs.SendMessageBatchInput{QueueUrl: created.QueueUrl, Entries: []sqstypes.SendMessageBatchRequestEntry{
				{Id: aws.String("a"), MessageBody: aws.String("m")},
				{Id: aws.String("b"), MessageBody: aws.String("m"), MessageSystemAttributes: map[string]sqstypes.MessageSystemAttributeValue{}},
			}}
			h := func(ctx context.Context, _ string) (string, error) {
				var wg sync.WaitGroup
				errs := make([]error, tt.goroutines)
				for i := range tt.goroutines {
					wg.Go(func() {
						if tt.batch {
							_, errs[i] = q.SendMessageBatch(ctx, batch)
						} else {
							_, errs[i] = q.SendMessage(ctx, single)
						}
					})
				}
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						return "", err
					}
				}
				return "sent", nil
			}
			f := lambdaobstest.New(t, h, lambdawrap.WithTracer(nil))
			for _, root := range roots {
				if r := f.Invoke("x", lambdaobstest.Request{TraceHeader: "Root=" + root + ";Parent=53995c3f42cd8ad8;Sampled=1"}); r.Err != nil {
					t.Fatal(r.Err)
				}
			}

			if single.MessageSystemAttributes != nil || batch.Entries[0].MessageSystemAttributes != nil || len(batch.Entries[1].MessageSystemAttributes) != 0 {
				t.Errorf("the caller's input was changed: %v, %v, %v", single.MessageSystemAttributes, batch.Entries[0].MessageSystemAttributes, batch.Entries[1].MessageSystemAttributes)
			}
			perMessage := 1
			if tt.batch {
				perMessage = 2
			}
			want := len(roots) * tt.goroutines * perMessage
			count := map[string]int{}
			for got := 0; got < want; {
				out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, MaxNumberOfMessages: 10,
					//lint:ignore SA1019 local-aws-sqs returns AWSTraceHeader only for AttributeNames ["All"].
					AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Messages) == 0 {
					t.Fatalf("received %d messages of %d", got, want)
				}
				for _, m := range out.Messages {
					th, _ := tracing.ParseHeader(m.Attributes[names.SQSAttributeTraceHeader])
					count[th.Root]++
					_, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: created.QueueUrl, ReceiptHandle: m.ReceiptHandle})
					if err != nil {
						t.Fatal(err)
					}
				}
				got += len(out.Messages)
			}
			if w := fmt.Sprint(map[string]int{roots[0]: want / 2, roots[1]: want / 2}); fmt.Sprint(count) != w {
				t.Errorf("messages per trace root %v, want %v", count, w)
			}
		})
	}
}
