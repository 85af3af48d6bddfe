package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-xray-sdk-go/v2/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/aws-xray-sdk-go/v2/xraylog"
	"github.com/aws/smithy-go/middleware"
	//lint:ignore SA1019 OpenTelemetry's AWS SDK instrumentation, which this package wraps; deprecated upstream in v0.72.0.
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
	xraypropagator "go.opentelemetry.io/contrib/propagators/aws/xray"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// One DynamoDB GetItem against an in-process HTTP handler, per row: bare
// client; the X-Ray SDK's instrumentation (AWSV2Instrumentor) and
// OpenTelemetry's deprecated otelaws, each alone and with the call metrics
// lambdaobs records written by hand beside it; and lambdaobs with each backend
// (awssdk.Instrument: the SDK's operation span through the tracing facade,
// the X-Amzn-Trace-Id header, the call metrics and the debug line check).
// Both X-Ray rows send their documents to a UDP socket on 127.0.0.1 that
// nobody reads; the OpenTelemetry rows export nowhere. The invocation
// around the calls is renewed every ten calls, so its flush is part of
// each row's cost. The peers' rows, like lambdaobs's, clone a recorder for
// each invocation, put it in the context and close it at the end, as
// lambdawrap does whatever instruments the SDK, and as they ran in
// lambdaobs before it instrumented the SDK itself; otelaws's invocation is
// lambdaobs's OpenTelemetry one (tracer and Lambda's trace header in the
// context too), the X-Ray SDK's its own segment.

const callsPerInvocation = 10

// ddbServer answers GetItem in process: the handler is called through an
// http.RoundTripper, with no socket, so the network's noise does not drown
// the instrumentation's cost.
func ddbServer(b *testing.B) string {
	return "http://dynamodb.local"
}

type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

var ddbHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", "REQ1234567890")
	_, _ = w.Write([]byte(`{"Item":{"id":{"S":"o-1"}}}`))
})

func ddbClient(cfg aws.Config, url string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
}

func sdkConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient: &http.Client{Transport: inProcess{ddbHandler}}}
}

var getItem = &dynamodb.GetItemInput{TableName: aws.String("orders"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "o-1"}}}

func runCalls(b *testing.B, db *dynamodb.Client, invocation func() (context.Context, func())) {
	// Start each row from a collected heap, whatever the row before it left.
	runtime.GC()
	ctx, end := invocation()
	b.ReportAllocs()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		if _, err := db.GetItem(ctx, getItem); err != nil {
			b.Fatal(err)
		}
		if i++; i%callsPerInvocation == 0 {
			end()
			ctx, end = invocation()
		}
	}
	end()
	// The process's CPU time per call (the collector's included): on a
	// shared machine it moves less than the wall time between runs.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// sdkRow is one way of calling DynamoDB: a client, and what one invocation
// around its calls begins and ends.
type sdkRow struct {
	name       string
	db         *dynamodb.Client
	invocation func() (context.Context, func())
}

// sdkRows builds every row's client, tracer and recorder before the first
// row runs; they live until the last, so the live heap, and with it how
// often the collector runs, is the same for every row, whatever its place.
func sdkRows(b *testing.B) []sdkRow {
	// As in Lambda's on-demand mode, where every SDK call, bare ones too,
	// carries X-Amzn-Trace-Id (the SDK copies _X_AMZN_TRACE_ID, which Lambda
	// sets for each invocation): the header's cost in the SDK is not
	// lambdaobs', which sets it from the invocation's context instead.
	b.Setenv("AWS_LAMBDA_FUNCTION_NAME", "bench")
	b.Setenv("_X_AMZN_TRACE_ID", otelBenchHeader)
	url := ddbServer(b)
	var rows []sdkRow
	plain := func() (context.Context, func()) { return context.Background(), func() {} }
	rows = append(rows, sdkRow{"bare", ddbClient(sdkConfig(), url), plain})
	for _, withMetrics := range []bool{false, true} {
		cfg := sdkConfig()
		awsv2.AWSV2Instrumentor(&cfg.APIOptions)
		name := "xray_awsv2"
		if withMetrics {
			// With the call metrics lambdaobs records, written by hand.
			cfg.APIOptions = append(cfg.APIOptions, addCallMetrics)
			name = "xray_awsv2_metrics"
		}
		xray.SetLogger(xraylog.NullLogger) // it would print between the benchmark lines
		sink := udpSink(b)
		emitter, err := xray.NewDefaultEmitter(sink)
		if err != nil {
			b.Fatal(err)
		}
		template := benchRecorder()
		rows = append(rows, sdkRow{name, ddbClient(cfg, url), func() (context.Context, func()) {
			rec := template.Clone()
			// No trace header in the context: the X-Ray SDK would parse it
			// at every call, on top of the segment begun here.
			ctx, err := xray.ContextWithConfig(metrics.ContextWithRecorder(context.Background(), rec), xray.Config{DaemonAddr: sink.String(), Emitter: emitter})
			if err != nil {
				panic(err)
			}
			ctx, seg := xray.BeginSegment(ctx, "bench")
			return ctx, func() { seg.Close(nil); _ = rec.Close() }
		}})
	}
	{
		// otelaws as lambdaobs used it until it was deprecated: on the
		// backend's provider, with the X-Ray propagator, so its spans are
		// processed as lambdaobs's row's are (a provider without a span
		// processor skips the work of ending a span) and every request
		// carries the trace; the invocation's span is the backend's too.
		tr := oteltracing.New(nil, hook.OTelLookupEnv(noEnv).(oteltracing.Option), oteltracing.WithSampler(sdktrace.AlwaysSample()))
		b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
		cfg := sdkConfig()
		otelaws.AppendMiddlewares(&cfg.APIOptions, otelaws.WithTracerProvider(tr.TracerProvider()), otelaws.WithTextMapPropagator(xraypropagator.Propagator{}))
		rows = append(rows, sdkRow{"otel_otelaws", ddbClient(cfg, url), sdkInvocation(tr)})
	}
	{
		// The same, plus the four call metrics lambdaobs records, written
		// by hand as a user of otelaws would: a span and the same metrics
		// for each call, as lambdaobs's row records.
		tr := oteltracing.New(nil, hook.OTelLookupEnv(noEnv).(oteltracing.Option), oteltracing.WithSampler(sdktrace.AlwaysSample()))
		b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
		cfg := sdkConfig()
		otelaws.AppendMiddlewares(&cfg.APIOptions, otelaws.WithTracerProvider(tr.TracerProvider()), otelaws.WithTextMapPropagator(xraypropagator.Propagator{}))
		cfg.APIOptions = append(cfg.APIOptions, addCallMetrics)
		rows = append(rows, sdkRow{"otel_otelaws_metrics", ddbClient(cfg, url), sdkInvocation(tr)})
	}
	rows = append(rows, otelRow(b, "otel_lambdaobs"))
	{
		cfg := sdkConfig()
		awssdk.Instrument(&cfg)
		tr := xraytracing.New(xraytracing.WithDaemonAddress(udpSink(b).String()), hook.XRayLookupEnv(noEnv).(xraytracing.Option))
		b.Cleanup(func() { _ = tr.Close() })
		template := benchRecorder()
		n := 0
		rows = append(rows, sdkRow{"xray_lambdaobs", ddbClient(cfg, url), func() (context.Context, func()) {
			n++
			rec := template.Clone()
			ctx := tracing.ContextWithTracer(metrics.ContextWithRecorder(context.Background(), rec), tr)
			header := fmt.Sprintf("Root=1-6745a0b1-3c9d2e8f1a4b5c6d%08x;Parent=53995c3f42cd8ad8;Sampled=1", n)
			ctx = tracing.ContextWithHeader(ctx, header)
			ctx, span := tr.StartInvocation(ctx, tracing.Invocation{TraceHeader: header})
			return ctx, func() { span.End(); _ = rec.Close() }
		}})
	}
	return rows
}

// addCallMetrics adds to stack a middleware that records, on the
// invocation's recorder, the metrics awssdk records for each call (latency,
// attempts, errors, throttles, under the service and the operation), with
// the metrics package's public API, as a user would write it.
func addCallMetrics(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("callMetrics", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		start := time.Now()
		out, md, err := next.HandleInitialize(ctx, in)
		attempts, throttles, errs := 1, 0, 0
		if res, ok := retry.GetAttemptResults(md); ok && len(res.Results) > 0 {
			attempts = len(res.Results)
			for _, a := range res.Results {
				if a.Err != nil && retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(a.Err) == aws.TrueTernary {
					throttles++
				}
			}
		}
		if err != nil {
			errs = 1
		}
		rec := metrics.FromContext(ctx).With(
			metrics.Dimension{Name: names.DimAWSService, Value: awsmiddleware.GetServiceID(ctx)},
			metrics.Dimension{Name: names.DimAWSOperation, Value: awsmiddleware.GetOperationName(ctx)})
		rec.Add(names.MetricAWSCallLatency, float64(time.Since(start).Microseconds())/1e3, metrics.Milliseconds)
		rec.Count(names.MetricAWSCallAttempts, float64(attempts))
		rec.Count(names.MetricAWSCallErrors, float64(errs))
		rec.Count(names.MetricAWSThrottles, float64(throttles))
		return out, md, err
	}), middleware.Before)
}

// otelRow is lambdaobs with the OpenTelemetry backend, Instrument given
// opts.
func otelRow(b *testing.B, name string, opts ...awssdk.Option) sdkRow {
	tr := oteltracing.New(nil, hook.OTelLookupEnv(noEnv).(oteltracing.Option), oteltracing.WithSampler(sdktrace.AlwaysSample()))
	b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	cfg := sdkConfig()
	awssdk.Instrument(&cfg, opts...)
	return sdkRow{name, ddbClient(cfg, ddbServer(b)), sdkInvocation(tr)}
}

// benchRecorder is the recorder lambdawrap clones for each invocation.
func benchRecorder() *metrics.Recorder {
	return metrics.New(io.Discard, hook.MetricsLookupEnv(noEnv).(metrics.Option), metrics.WithService("bench"))
}

// sdkInvocation begins an invocation as lambdawrap does with the
// OpenTelemetry backend tr: a recorder cloned from the function's, the
// recorder, the tracer and Lambda's trace header in the context, the
// invocation's span; its end closes the recorder and flushes the tracer.
func sdkInvocation(tr *oteltracing.Tracer) func() (context.Context, func()) {
	template := benchRecorder()
	return func() (context.Context, func()) {
		rec := template.Clone()
		ctx := tracing.ContextWithTracer(metrics.ContextWithRecorder(context.Background(), rec), tr)
		ctx = tracing.ContextWithHeader(ctx, otelBenchHeader)
		ctx, span := tr.StartInvocation(ctx, tracing.Invocation{TraceHeader: otelBenchHeader})
		return ctx, func() { span.End(); _ = rec.Close(); _ = tr.Flush(context.Background()) }
	}
}

func BenchmarkSDKCall(b *testing.B) {
	for _, r := range sdkRows(b) {
		b.Run(r.name, func(b *testing.B) { runCalls(b, r.db, r.invocation) })
	}
}

// BenchmarkSDKCallInterleaved runs one invocation of every row per
// iteration, in an order shuffled each time (interleave), so a slow spell
// of the shared machine weighs on all rows alike, and each row's code and
// data are as cold as they are between the calls of a real handler. It
// reports each row's median time per call over its invocations and, per
// backend, lambdaobs's overhead over the bare client divided by its
// peer's (otelaws on OpenTelemetry, the X-Ray SDK's AWSV2Instrumentor on
// X-Ray): below 1, lambdaobs costs a call less. otel-tracing-overhead-ratio
// is the same for lambdaobs without its call metrics (WithoutMetrics): the
// span and the trace header alone; *-samefeatures-overhead-ratio is
// lambdaobs's over the peer's with the same four call metrics recorded by
// hand (addCallMetrics): a span and the same four metrics per call in
// both rows (the spans' attributes differ, and lambdaobs redacts them). The
// *-paired-overhead-ratio figures are the same ratios from the median of
// each iteration's difference to bare, which a change of the machine's
// speed between iterations moves less.
func BenchmarkSDKCallInterleaved(b *testing.B) {
	rows := append(sdkRows(b), otelRow(b, "otel_lambdaobs_nometrics", awssdk.WithoutMetrics()))
	spent := interleave(b, len(rows), func(i int) (perCall float64) {
		r := rows[i]
		// Labelled, so that a CPU profile of the benchmark splits by row.
		pprof.Do(context.Background(), pprof.Labels("row", r.name), func(context.Context) {
			perCall = r.timeInvocation(b)
		})
		return perCall
	})
	byName := map[string][]float64{}
	for i, r := range rows {
		byName[r.name] = spent[i]
	}
	// Each row's overhead over the bare client, paired by iteration.
	over := map[string]float64{}
	for _, r := range rows {
		over[r.name] = pairedOverhead(byName[r.name], byName["bare"])
	}
	perCall := map[string]float64{}
	for _, r := range rows {
		perCall[r.name] = median(slices.Clone(byName[r.name]))
		b.ReportMetric(perCall[r.name], r.name+"-ns/call")
	}
	bare := perCall["bare"]
	for _, backend := range [][3]string{
		{"otel", "otel_lambdaobs", "otel_otelaws"},
		{"otel-tracing", "otel_lambdaobs_nometrics", "otel_otelaws"},
		{"otel-samefeatures", "otel_lambdaobs", "otel_otelaws_metrics"},
		{"xray-samefeatures", "xray_lambdaobs", "xray_awsv2_metrics"},
		{"xray", "xray_lambdaobs", "xray_awsv2"},
	} {
		if peer := perCall[backend[2]] - bare; peer > 0 {
			b.ReportMetric((perCall[backend[1]]-bare)/peer, backend[0]+"-overhead-ratio")
		}
		if peer := over[backend[2]]; peer > 0 {
			b.ReportMetric(over[backend[1]]/peer, backend[0]+"-paired-overhead-ratio")
		}
	}
}

// timeInvocation runs one invocation of r with callsPerInvocation calls,
// and returns the time it took per call, its begin and end included.
func (r sdkRow) timeInvocation(b *testing.B) float64 {
	t0 := time.Now()
	ctx, end := r.invocation()
	for range callsPerInvocation {
		if _, err := r.db.GetItem(ctx, getItem); err != nil {
			b.Fatal(err)
		}
	}
	end()
	return float64(time.Since(t0)) / callsPerInvocation
}

// pairedOverhead returns the median of a row's time minus the base row's
// in each iteration: a slow spell of the machine that spans an iteration
// weighs on both terms of the difference.
func pairedOverhead(row, base []float64) float64 {
	d := make([]float64, len(row))
	for k := range d {
		d[k] = row[k] - base[k]
	}
	return median(d)
}

// interleave runs each of n rows once per iteration of b, in an order
// shuffled every time, and returns what run said of each row's runs:
// which row runs after which, and so what it finds in the caches and the
// heap, is the same for all rows on average.
func interleave(b *testing.B, n int, run func(row int) float64) [][]float64 {
	spent := make([][]float64, n)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(1, 2))
	runtime.GC()
	for b.Loop() {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			spent[i] = append(spent[i], run(i))
		}
	}
	return spent
}

// median returns the middle of x, which it sorts.
func median(x []float64) float64 {
	sort.Float64s(x)
	return x[len(x)/2]
}
