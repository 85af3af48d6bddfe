package sqsbatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap/sqsbatch"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// FuzzSQSBatch builds a batch from arbitrary bodies (one per line) and
// attributes: records whose body says "fail" fail, "panic" panic, and in
// the typed variant bodies that are not a JSON object fail. The response
// must name exactly the failed records (from the first failure on, for a
// FIFO queue), whatever the input, and nothing may panic.
func FuzzSQSBatch(f *testing.F) {
	for _, s := range []struct {
		bodies, traceHeader, idPrefix string
		fifo, typed                   bool
		concurrency                   uint8
	}{
		{"{}\n{\"fail\":1}\n{}", "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1", "m", false, false, 4},
		{"ok\nfail\npanic\nok\nfail", "", "id", false, false, 1},
		{"ok\nfail\nok", "garbage", "f", true, false, 10},
		{"{\"a\":1}\nnot json\n{\"panic\":true}\n[1]\nnull", "Root=1-00000000-000000000000000000000000", "t", false, true, 3},
		{"{}\n{\"fail\":\"x\"}\n{}", "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=zz", "t", true, true, 2},
		{"", "", "", false, false, 0},
		{strings.Repeat("x\n", 40), "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Sampled=?", "p", false, false, 255},
	} {
		f.Add(s.bodies, s.traceHeader, s.idPrefix, s.fifo, s.typed, s.concurrency)
	}
	quiet := sqsbatch.WithLogger(slog.New(slog.DiscardHandler))
	f.Fuzz(func(t *testing.T, bodies, traceHeader, idPrefix string, fifo, typed bool, concurrency uint8) {
		lines := strings.Split(bodies, "\n")
		if len(lines) > 50 {
			lines = lines[:50]
		}
		queue := "arn:aws:sqs:eu-west-1:123456789012:orders"
		if fifo {
			queue += ".fifo"
		}
		var e events.SQSEvent
		fails := make([]bool, len(lines))
		for i, body := range lines {
			e.Records = append(e.Records, events.SQSMessage{
				MessageId:      fmt.Sprintf("%s-%d", idPrefix, i),
				Body:           body,
				EventSourceARN: queue,
				Attributes:     map[string]string{"AWSTraceHeader": traceHeader + strings.Repeat(";", i%2)},
			})
			switch {
			case typed:
				var v map[string]any
				fails[i] = json.Unmarshal([]byte(body), &v) != nil || v["fail"] != nil || v["panic"] != nil
			default:
				fails[i] = strings.Contains(body, "fail") || strings.Contains(body, "panic")
			}
		}
		var want []string
		for i, failed := range fails {
			if failed {
				if fifo {
					for _, m := range e.Records[i:] {
						want = append(want, m.MessageId)
					}
					break
				}
				want = append(want, e.Records[i].MessageId)
			}
		}

		opts := []sqsbatch.Option{quiet, sqsbatch.WithConcurrency(int(concurrency))}
		var h func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
		if typed {
			h = sqsbatch.JSON(func(_ context.Context, v map[string]any) error {
				if v["panic"] != nil {
					panic(v["panic"])
				}
				if v["fail"] != nil {
					return fmt.Errorf("fail: %v", v["fail"])
				}
				return nil
			}, opts...)
		} else {
			h = sqsbatch.SQS(func(_ context.Context, m events.SQSMessage) error {
				if strings.Contains(m.Body, "panic") {
					panic(m.Body)
				}
				if strings.Contains(m.Body, "fail") {
					return fmt.Errorf("fail: %q", m.Body)
				}
				return nil
			}, opts...)
		}
		tr := lambdaobstest.NewTracer()
		ctx := tracing.ContextWithTracer(context.Background(), tr)
		resp, err := h(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		got := ids(resp.BatchItemFailures)
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("failures %v, want %v", got, want)
		}
		if spans := tr.Spans(); len(spans) > len(e.Records) {
			t.Fatalf("%d spans for %d records", len(spans), len(e.Records))
		}
	})
}
