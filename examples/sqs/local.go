package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/sqsbatch"
	"github.com/lambdaobs/lambdaobs/tracing"
)

//go:embed events/order-batch.json
var sampleBatch []byte

// localEnv is the environment Lambda would give the function, under the
// process's own (which wins, so POWERTOOLS_LOG_LEVEL=DEBUG works).
var localEnv = map[string]string{
	"AWS_LAMBDA_FUNCTION_NAME":        "order-processor",
	"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
	"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
	"AWS_REGION":                      "eu-west-1",
}

func lookupEnv(key string) (string, bool) {
	if v, ok := os.LookupEnv(key); ok {
		return v, true
	}
	v, ok := localEnv[key]
	return v, ok
}

// runLocally processes the sample batch in-process, as Lambda would. The
// messages are processed one at a time here, so the output reads in order.
func runLocally() {
	h := lambdawrap.Wrap(sqsbatch.JSON(processOrder, sqsbatch.WithConcurrency(1)), append(options(), lambdawrap.WithLookupEnv(lookupEnv))...)
	var e events.SQSEvent
	if err := json.Unmarshal(sampleBatch, &e); err != nil {
		panic(err)
	}
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID:       "3d5a1e2f-0001-4b6c-8d7e-9f0a1b2c3d4e",
		InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:order-processor",
	})
	ctx = tracing.ContextWithHeader(ctx, "Root=1-6745c001-5e1f4a0b3c6d7e8f9a0b1c2d;Parent=7a8b9c0d1e2f3a4b;Sampled=1")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, _ := h(ctx, e)
	b, _ := json.Marshal(resp)
	fmt.Fprintf(os.Stderr, "# batch of %d → %s\n", len(e.Records), b)
}
