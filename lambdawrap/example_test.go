package lambdawrap_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// summarize prints the message or metric names of each line written. It
// leaves out InitDuration, which only the first invocation of the process
// reports, whichever example or test that is.
type summarize struct{}

func (summarize) Write(p []byte) (int, error) {
	var m map[string]any
	if json.Unmarshal(p, &m) != nil {
		return len(p), nil
	}
	if aws, ok := m["_aws"].(map[string]any); ok {
		var names []string
		for _, d := range aws["CloudWatchMetrics"].([]any) {
			for _, mm := range d.(map[string]any)["Metrics"].([]any) {
				if n := mm.(map[string]any)["Name"].(string); n != "InitDuration" {
					names = append(names, n)
				}
			}
		}
		if len(names) == 0 {
			return len(p), nil
		}
		fmt.Printf("EMF %s request=%v\n", strings.Join(names, ","), m["function_request_id"])
		return len(p), nil
	}
	fmt.Printf("%s %s request=%v\n", m["level"], m["message"], m["function_request_id"])
	return len(p), nil
}

func ExampleWrap() {
	handle := func(ctx context.Context, orderID string) (string, error) {
		slog.InfoContext(ctx, "order received", "order_id", orderID)
		metrics.FromContext(ctx).Count("OrdersPlaced", 1)
		if orderID == "" {
			return "", errors.New("no order id")
		}
		return "ok", nil
	}
	prev := slog.Default()
	defer slog.SetDefault(prev)

	h := lambdawrap.Wrap(handle,
		lambdawrap.WithService("orders"),
		lambdawrap.WithWriter(summarize{}),
		lambdawrap.WithInitType("provisioned-concurrency"), // no cold start in this example
	)
	// In Lambda: lambda.Start(h). Here, two invocations by hand.
	for _, id := range []string{"o-1", ""} {
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-" + id})
		_, _ = h(ctx, id)
	}
	// Output:
	// INFO order received request=req-o-1
	// EMF OrdersPlaced request=req-o-1
	// INFO order received request=req-
	// ERROR invocation failed request=req-
	// EMF Errors request=req-
	// EMF OrdersPlaced request=req-
}

func ExampleChain() {
	type request struct{ Token, Body string }
	auth := func(next lambdawrap.HandlerFunc[request, string]) lambdawrap.HandlerFunc[request, string] {
		return func(ctx context.Context, r request) (string, error) {
			if r.Token != "secret-token" {
				return "", errors.New("unauthorized")
			}
			return next(ctx, r)
		}
	}
	handle := func(ctx context.Context, r request) (string, error) { return "hello " + r.Body, nil }

	// The observability layer wraps the chain, so it sees the auth failure.
	h := lambdawrap.Wrap(lambdawrap.Chain(handle, auth), lambdawrap.WithWriter(summarize{}), lambdawrap.WithoutDefaultLogger(), lambdawrap.WithInitType("provisioned-concurrency"))
	out, err := h(context.Background(), request{Token: "secret-token", Body: "world"})
	fmt.Println(out, err)
	_, err = h(context.Background(), request{Token: "wrong"})
	fmt.Println(err)
	// Output:
	// hello world <nil>
	// ERROR invocation failed request=<nil>
	// EMF Errors request=<nil>
	// unauthorized
}
