package main

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/tracing"
)

//go:embed events/*.json
var sampleEvents embed.FS

// localEnv is the environment Lambda would give the function, under the
// process's own (which wins, so POWERTOOLS_LOG_LEVEL=DEBUG works).
var localEnv = map[string]string{
	"AWS_LAMBDA_FUNCTION_NAME":        "orders-api",
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

// localCalls are the sample requests: the event file, and what to change.
var localCalls = []struct {
	file, token, body string
}{
	{"create-order.json", "demo-token-alice", ""}, // 201
	{"create-order.json", "demo-token-alice", ""}, // 409: same order again
	{"create-order.json", "", ""},                 // 401: no token
	{"create-order.json", "demo-token-bob", ""},   // 403: no write scope
	{"create-order.json", "demo-token-alice", `{"order_id":"ord-2","customer":"","items":[{"sku":"A-1"}]}`},                // 400: validation
	{"create-order.json", "demo-token-alice", `{"order_id":"ord-3","customer":"c-crash","items":[{"sku":"A-1","qty":1}]}`}, // 500
}

// runLocally invokes the wrapped handler in-process, as Lambda would.
func runLocally() {
	h := lambdawrap.Wrap(httpapi.HTTP(handler(), httpOptions()...), append(options(), lambdawrap.WithLookupEnv(lookupEnv))...)
	for i, c := range localCalls {
		raw, err := sampleEvents.ReadFile("events/" + c.file)
		if err != nil {
			panic(err)
		}
		var e events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &e); err != nil {
			panic(err)
		}
		if c.token == "" {
			delete(e.Headers, "authorization")
		} else {
			e.Headers["authorization"] = "Bearer " + c.token
		}
		if c.body != "" {
			e.Body = c.body
		}
		e.RequestContext.RequestID = fmt.Sprintf("Lx%02dYhT8vHcEJmw=", i+1)
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
			AwsRequestID:       fmt.Sprintf("5b1c7d2e-%04d-4c3b-9a8d-7e6f5a4b3c2d", i+1),
			InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders-api",
		})
		ctx = tracing.ContextWithHeader(ctx, fmt.Sprintf("Root=1-6745b0%02d-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1", i+1))
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		resp, _ := h(ctx, e)
		cancel()
		fmt.Fprintf(os.Stderr, "# %s → %d %s\n", e.RequestContext.RequestID, resp.StatusCode, resp.Body)
	}
}
