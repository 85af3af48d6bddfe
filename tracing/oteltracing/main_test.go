package oteltracing_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.uber.org/goleak"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

// TestMain fails the package when a test leaves a goroutine behind: the
// tracer must start none, and exporters must close what they open.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	testTrace  = "5759e988bd862e3fe1be46a994272793"
	testParent = "53995c3f42cd8ad8"
	testARN    = "arn:aws:lambda:eu-west-1:123456789012:function:orders-fn"
)

// lambdaEnv is the environment Lambda gives the function.
var lambdaEnv = map[string]string{
	"AWS_REGION":                      "eu-west-1",
	"AWS_LAMBDA_FUNCTION_NAME":        "orders-fn",
	"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
	"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/orders-fn",
	"AWS_LAMBDA_LOG_STREAM_NAME":      "2026/11/26/[$LATEST]0123456789abcdef",
}

// otlpEnv makes an otlp exporter read lookup(extra) as its environment.
func otlpEnv(extra map[string]string) otlp.Option {
	return hook.OTLPLookupEnv(lookup(extra)).(otlp.Option)
}

func lookup(extra map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		if v, ok := extra[k]; ok {
			return v, true
		}
		v, ok := lambdaEnv[k]
		return v, ok
	}
}

// wrap wraps h the way main would, with a fresh process state (so the
// first invocation is a cold start with the given init duration).
func wrap[In, Out any](tracer tracing.Tracer, h func(context.Context, In) (Out, error), opts ...lambdawrap.Option) func(context.Context, In) (Out, error) {
	all := []lambdawrap.Option{
		lambdawrap.WithTracer(tracer),
		lambdawrap.WithWriter(io.Discard),
		lambdawrap.WithoutDefaultLogger(),
		lambdawrap.WithService("orders"),
		lambdawrap.WithLookupEnv(lookup(nil)),
		hook.FreshProcess(int64(250 * time.Millisecond)).(lambdawrap.Option),
	}
	return lambdawrap.Wrap(h, append(all, opts...)...)
}

// invocation returns the context Lambda gives one invocation.
func invocation(requestID, header string, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: testARN,
	})
	if header != "" {
		ctx = tracing.ContextWithHeader(ctx, header)
	}
	return context.WithTimeout(ctx, timeout)
}

func shutdown(t testing.TB, tr *oteltracing.Tracer) {
	t.Cleanup(func() {
		if err := tr.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
}
