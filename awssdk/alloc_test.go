//go:build !race

package awssdk_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// inProcess answers GetItem without a socket, so that only the client's
// allocations are counted.
type inProcess struct{}

func (inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/x-amz-json-1.0")
	rec.Header().Set("X-Amzn-RequestId", "REQ1234567890")
	_, _ = rec.WriteString(`{"Item":{"id":{"S":"o-1"}}}`)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// TestCallAllocs pins what instrumenting a call adds to the SDK's own
// allocations (331 for this GetItem): with no backend, two middlewares
// added to the call's stack, the trace header's value and the metrics'
// recorder for the operation; with each backend, the span too. The
// bare call carries an X-Amzn-Trace-Id as well, the one the SDK copies
// from _X_AMZN_TRACE_ID in Lambda (the SDK's handling of the header is
// about 11 allocations). The invocation's recorder and span are made
// outside the counted function, as lambdawrap makes them once per
// invocation.
func TestCallAllocs(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
	t.Setenv("_X_AMZN_TRACE_ID", header)
	get := &dynamodb.GetItemInput{TableName: aws.String("orders"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "o-1"}}}
	client := func(instrument bool) *dynamodb.Client {
		cfg := baseConfig()
		cfg.HTTPClient = &http.Client{Transport: inProcess{}}
		if instrument {
			awssdk.Instrument(&cfg)
		}
		return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String("http://dynamodb.local") })
	}
	count := func(db *dynamodb.Client, ctx context.Context) float64 {
		return testing.AllocsPerRun(200, func() {
			if _, err := db.GetItem(ctx, get); err != nil {
				t.Fatal(err)
			}
		})
	}
	noEnv := func(string) (string, bool) { return "", false }
	invocation := func(tr tracing.Tracer) context.Context {
		rec := metrics.New(io.Discard, hook.MetricsLookupEnv(noEnv).(metrics.Option), metrics.WithService("orders"))
		t.Cleanup(func() { _ = rec.Close() })
		ctx := tracing.ContextWithHeader(metrics.ContextWithRecorder(context.Background(), rec), header)
		if tr == nil {
			return ctx
		}
		ctx, span := tr.StartInvocation(tracing.ContextWithTracer(ctx, tr), tracing.Invocation{TraceHeader: header})
		t.Cleanup(span.End)
		return ctx
	}
	otel := oteltracing.New(nil, hook.OTelLookupEnv(noEnv).(oteltracing.Option), oteltracing.WithService("orders"))
	t.Cleanup(func() { _ = otel.Shutdown(context.Background()) })
	xray := xraytracing.New(hook.XRayLookupEnv(noEnv).(xraytracing.Option), xraytracing.WithDaemonAddress("127.0.0.1:9")) // discard
	t.Cleanup(func() { _ = xray.Close() })

	bare := count(client(false), invocation(nil))
	db := client(true)
	for _, tt := range []struct {
		name string
		tr   tracing.Tracer
		max  float64
	}{
		{"no backend", nil, 4},
		{"oteltracing", otel, 13},
		{"xraytracing", xray, 10},
	} {
		n := count(db, invocation(tt.tr)) - bare
		t.Logf("%s: %v allocations over the bare call's %v", tt.name, n, bare)
		if n > tt.max {
			t.Errorf("%s: %v allocations over the bare call's %v, want <= %v", tt.name, n, bare, tt.max)
		}
	}
}
