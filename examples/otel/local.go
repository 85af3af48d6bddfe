package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

// localEnv is the environment Lambda would give the function, under the
// process's own (which wins): spans go to stdout unless
// OTEL_TRACES_EXPORTER says otherwise.
var localEnv = map[string]string{
	"AWS_LAMBDA_FUNCTION_NAME":        "orders-otel",
	"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
	"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
	"AWS_REGION":                      "eu-west-1",
	"OTEL_TRACES_EXPORTER":            "console",
}

func lookupEnv(key string) (string, bool) {
	if v, ok := os.LookupEnv(key); ok {
		return v, true
	}
	v, ok := localEnv[key]
	return v, ok
}

// runLocally invokes the wrapped handler in-process, as Lambda would: a
// cold start, a warm call and a declined card, each in the trace of its
// own X-Ray header.
func runLocally() {
	tracer := oteltracing.New(exporter(lookupEnv))
	defer tracer.Shutdown(context.Background())
	h := lambdawrap.Wrap(handle, append(options(), lambdawrap.WithTracer(tracer), lambdawrap.WithLookupEnv(lookupEnv))...)
	events := []struct {
		requestID, traceID string
		order              Order
	}{
		{"8f5e2c1a-0001-4a7b-9c3d-111111111111", "1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b", Order{ID: "ord-1001", Customer: "c-42", Items: 3, Total: 59.90, Card: "4242-4242-4242-4242"}},
		{"8f5e2c1a-0002-4a7b-9c3d-222222222222", "1-6745a0b2-4d0e3f9a2b5c6d7e8f9a0b1c", Order{ID: "ord-1002", Customer: "c-7", Items: 1, Total: 12.50, Card: "4242-4242-4242-4242"}},
		{"8f5e2c1a-0003-4a7b-9c3d-333333333333", "1-6745a0b3-5e1f4a0b3c6d7e8f9a0b1c2d", Order{ID: "ord-1003", Customer: "c-9", Items: 2, Total: 30.00, Card: "4000-0000-0000-0002"}},
	}
	for _, e := range events {
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
			AwsRequestID:       e.requestID,
			InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders-otel",
		})
		ctx = tracing.ContextWithHeader(ctx, "Root="+e.traceID+";Parent=53995c3f42cd8ad8;Sampled=1")
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		out, err := h(ctx, e.order)
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "# %s → error: %v\n", e.requestID, err)
			continue
		}
		b, _ := json.Marshal(out)
		fmt.Fprintf(os.Stderr, "# %s → %s\n", e.requestID, b)
	}
}
