// Command fn is the pair of functions the awssdk integration tests run
// under the Runtime Interface Emulator: as the caller, it invokes the
// callee through the AWS SDK's Lambda client; as the callee, it logs that
// it was called. LAMBDAOBS_TEST_BACKEND picks the tracing backend: none,
// otel (OTLP to OTEL_EXPORTER_OTLP_ENDPOINT) or xray (the daemon at
// AWS_XRAY_DAEMON_ADDRESS).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// Event is what the test sends the caller, and the caller the callee.
type Event struct {
	Role string `json:"role"` // "caller", "plain-caller" (its client not instrumented) or "callee"
	ID   string `json:"id"`
	// Of a caller: the callee's endpoint and the invocation type.
	Target string `json:"target,omitempty"`
	Type   string `json:"type,omitempty"` // "Event" or "RequestResponse"
}

// Result is what a function answers.
type Result struct {
	ID     string `json:"id"`
	Status int32  `json:"status,omitempty"` // the callee's invocation status, for a caller
}

type function struct {
	instrumented, plain aws.Config
}

func (f *function) handle(ctx context.Context, e Event) (Result, error) {
	if e.Role == "callee" {
		slog.InfoContext(ctx, "callee invoked", "id", e.ID)
		return Result{ID: e.ID}, nil
	}
	cfg := f.instrumented
	if e.Role == "plain-caller" {
		cfg = f.plain
	}
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		o.BaseEndpoint = aws.String(e.Target)
		o.Retryer = busyRetryer()
	})
	payload, err := json.Marshal(Event{Role: "callee", ID: e.ID})
	if err != nil {
		return Result{}, err
	}
	out, err := client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String("function"),
		InvocationType: types.InvocationType(e.Type),
		Payload:        payload,
	})
	if err != nil {
		return Result{}, fmt.Errorf("invoke the callee: %w", err)
	}
	slog.InfoContext(ctx, "caller invoked the callee", "id", e.ID, "type", e.Type)
	return Result{ID: e.ID, Status: out.StatusCode}, nil
}

// busyRetryer retries, as well as what the SDK retries, the emulator's
// answer while every runtime of the callee is busy: HTTP 400 without an
// error type, where Lambda answers 429 TooManyRequestsException, which the
// SDK retries.
func busyRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 20
		o.MaxBackoff = 50 * time.Millisecond
		o.RateLimiter = ratelimit.None
		o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			var re *awshttp.ResponseError
			var api smithy.APIError
			if errors.As(err, &re) && re.HTTPStatusCode() == 400 && errors.As(err, &api) && api.ErrorCode() == "UnknownError" {
				return aws.TrueTernary
			}
			return aws.UnknownTernary
		}))
	})
}

func main() {
	// The emulator's environment holds the credentials and the region, as
	// Lambda's does; the endpoint is set per call.
	instrumented := aws.Config{
		Region: os.Getenv("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
	}
	plain := instrumented.Copy()
	opts := []lambdawrap.Option{lambdawrap.WithService("pair")}
	var tr tracing.Tracer
	switch os.Getenv("LAMBDAOBS_TEST_BACKEND") {
	case "otel":
		exp, err := otlp.New()
		if err != nil {
			slog.Error("OTLP exporter", "error", err)
			os.Exit(1)
		}
		tr = oteltracing.New(exp)
	case "xray":
		tr = xraytracing.New()
	}
	if tr != nil {
		opts = append(opts, lambdawrap.WithTracer(tr))
	}
	awssdk.Instrument(&instrumented, awssdk.WithTracer(tr))
	f := &function{instrumented: instrumented, plain: plain}
	lambdawrap.Start(f.handle, opts...)
}
