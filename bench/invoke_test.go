package bench

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	emf "github.com/prozz/aws-embedded-metrics-golang/emf"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

// A whole invocation through aws-lambda-go's own entry point,
// lambda.NewHandler(h).Invoke, with a ~1.4 KB API Gateway proxy event.

func apigwEvent(b *testing.B) []byte {
	p, err := os.ReadFile("testdata/apigw-event.json")
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func invokeContext() (context.Context, context.CancelFunc) {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID:       "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders",
	})
	ctx = tracing.ContextWithHeader(ctx, "Root=1-6745a0b1-3c9d2e8f1a4b5c6d7e8f9a0b;Parent=53995c3f42cd8ad8;Sampled=1")
	return context.WithTimeout(ctx, 30*time.Second)
}

func bareAPIHandler(_ context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: e.PathParameters["id"]}, nil
}

// observedAPIHandler does what an observed handler does: one log line and
// five metrics.
func observedAPIHandler(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	slog.LogAttrs(ctx, slog.LevelInfo, "order fetched", slog.String("order_id", e.PathParameters["id"]))
	m := metrics.FromContext(ctx)
	m.Count("OrdersFetched", 1)
	m.Add("OrderValue", 59.9, metrics.None)
	m.Add("Items", 3, metrics.Count)
	m.Add("PayloadBytes", 1400, metrics.Bytes)
	m.Add("FetchLatency", 1.25, metrics.Milliseconds)
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: e.PathParameters["id"]}, nil
}

func runInvoke(b *testing.B, h lambda.Handler) {
	payload := apigwEvent(b)
	// Start each row from a collected heap, whatever the row before it left.
	runtime.GC()
	ctx, cancel := invokeContext()
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func noEnvLookup(string) (string, bool) { return "", false }

// invokeRow is one way of handling the invocation.
type invokeRow struct {
	name string
	h    lambda.Handler
}

// invokeRows builds every row before the first runs: bare; lambdaobs (the
// log line and five metrics, no tracer); otellambda with a no-op
// provider; lambdaobs_full, the same with the OpenTelemetry backend
// recording spans; glued, what teams write without lambdaobs (otellambda
// with a recording provider, slog.JSONHandler with the Lambda fields added
// by hand, prozz for EMF).
func invokeRows(b *testing.B) []invokeRow {
	prev := slog.Default()
	b.Cleanup(func() { slog.SetDefault(prev) })
	rows := []invokeRow{{"bare", lambda.NewHandler(bareAPIHandler)}}
	rows = append(rows, invokeRow{"lambdaobs", lambda.NewHandler(lambdawrap.Wrap(observedAPIHandler,
		lambdawrap.WithWriter(io.Discard), lambdawrap.WithService("orders"),
		lambdawrap.WithNamespace("Bench"), lambdawrap.WithLookupEnv(noEnvLookup)))})
	rows = append(rows, invokeRow{"otellambda", lambda.NewHandler(otellambda.InstrumentHandler(bareAPIHandler,
		otellambda.WithTracerProvider(noop.NewTracerProvider())))})
	// The full stacks: a recording OTel tracer (spans kept, exported
	// nowhere), the log line and the five metrics flushed.
	tr := oteltracing.New(nil, hook.OTelLookupEnv(noEnvLookup).(oteltracing.Option), oteltracing.WithSampler(sdktrace.AlwaysSample()))
	b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	rows = append(rows, invokeRow{"lambdaobs_full", lambda.NewHandler(lambdawrap.Wrap(observedAPIHandler,
		lambdawrap.WithWriter(io.Discard), lambdawrap.WithService("orders"), lambdawrap.WithTracer(tr),
		lambdawrap.WithNamespace("Bench"), lambdawrap.WithLookupEnv(noEnvLookup)))})
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	base := slog.New(slog.NewJSONHandler(io.Discard, nil))
	glued := func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		lc, _ := lambdacontext.FromContext(ctx)
		log := base.With("function_request_id", lc.AwsRequestID, "function_arn", lc.InvokedFunctionArn, "service", "orders")
		log.LogAttrs(ctx, slog.LevelInfo, "order fetched", slog.String("order_id", e.PathParameters["id"]))
		m := emf.New(emf.WithWriter(io.Discard)).Namespace("Bench").Dimension("service", "orders")
		m.Metric("OrdersFetched", 1).MetricFloatAs("OrderValue", 59.9, emf.None).MetricAs("Items", 3, emf.Count).
			MetricAs("PayloadBytes", 1400, emf.Bytes).MetricFloatAs("FetchLatency", 1.25, emf.Milliseconds)
		m.Log()
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: e.PathParameters["id"]}, nil
	}
	rows = append(rows, invokeRow{"glued", lambda.NewHandler(otellambda.InstrumentHandler(glued, otellambda.WithTracerProvider(tp), otellambda.WithFlusher(tp)))})
	return rows
}

func BenchmarkInvoke(b *testing.B) {
	for _, r := range invokeRows(b) {
		b.Run(r.name, func(b *testing.B) { runInvoke(b, r.h) })
	}
}

// BenchmarkInvokeInterleaved runs one invocation of every row per
// iteration, in an order shuffled each time, so a slow spell of the
// shared machine and what the row before left in the caches and the heap
// weigh on all rows alike. It reports each row's median time per
// invocation, lambdaobs's overhead over bare, and the ratios of the
// overheads: lambdaobs's to otellambda's, lambdaobs_full's to glued's.
func BenchmarkInvokeInterleaved(b *testing.B) {
	rows := invokeRows(b)
	payload := apigwEvent(b)
	ctx, cancel := invokeContext()
	defer cancel()
	spent := interleave(b, len(rows), func(i int) float64 {
		t0 := time.Now()
		if _, err := rows[i].h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
		return float64(time.Since(t0))
	})
	t := map[string]float64{}
	for i, r := range rows {
		t[r.name] = median(spent[i])
		b.ReportMetric(t[r.name], r.name+"-ns/invocation")
	}
	bare := t["bare"]
	b.ReportMetric(t["lambdaobs"]-bare, "lambdaobs-overhead-ns")
	if o := t["otellambda"] - bare; o > 0 {
		b.ReportMetric((t["lambdaobs"]-bare)/o, "otellambda-overhead-ratio")
	}
	if g := t["glued"] - bare; g > 0 {
		b.ReportMetric((t["lambdaobs_full"]-bare)/g, "glued-overhead-ratio")
	}
}
