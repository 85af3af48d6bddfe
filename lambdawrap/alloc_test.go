package lambdawrap_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// TestInvocationAllocs pins what one observed invocation allocates: the
// wrapper's scope, the log fields, the recorder and the timeout guard, with
// a handler that logs one line and records five metrics. The time it takes
// is measured in bench/ against the peers.
func TestInvocationAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are pinned without -race (make test runs them so)")
	}
	prev := slog.Default()
	defer slog.SetDefault(prev)
	h := lambdawrap.Wrap(func(ctx context.Context, id string) (string, error) {
		slog.LogAttrs(ctx, slog.LevelInfo, "order fetched", slog.String("order_id", id))
		m := metrics.FromContext(ctx)
		m.Count("OrdersFetched", 1)
		m.Add("OrderValue", 59.9, metrics.None)
		m.Add("Items", 3, metrics.Count)
		m.Add("PayloadBytes", 1400, metrics.Bytes)
		m.Add("FetchLatency", 1.25, metrics.Milliseconds)
		return id, nil
	}, lambdawrap.WithWriter(io.Discard), lambdawrap.WithService("orders"), lambdawrap.WithLookupEnv(func(string) (string, bool) { return "", false }))
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "r-1", InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders"})
	ctx = tracing.ContextWithHeader(ctx, "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1")
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, _ = h(ctx, "warm-up") // the cold start makes a lifecycle document once
	n := testing.AllocsPerRun(200, func() {
		_, _ = h(ctx, "o-1")
	})
	const budget = 8
	if n > budget {
		t.Errorf("an observed invocation allocates %v times, budget %d", n, budget)
	}
	t.Logf("allocs per observed invocation: %v", n)
}
