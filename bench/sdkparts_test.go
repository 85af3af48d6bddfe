package bench

import (
	"context"
	"log/slog"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/lambdaobs/lambdaobs/awssdk"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
)

// BenchmarkSDKCallParts splits the cost of an instrumented SDK call on the
// OpenTelemetry backend into layers, each row adding one to the row
// before it, run as BenchmarkSDKCallInterleaved runs its rows:
//
//   - invocation: the bare client in lambdaobs's OpenTelemetry invocation
//     (recorder, tracer, invocation span, flush), which every other row
//     has too;
//   - span: an OpenTelemetry SDK span around each call;
//   - span_attrs: the same span given the seven attributes awssdk gives
//     its spans, straight to the SDK;
//   - facade_attrs: the span and attributes through lambdaobs's tracing
//     facade, which redacts them;
//   - facade_attrs_header: and the X-Amzn-Trace-Id header of each request,
//     written as awssdk writes it;
//   - otel_lambdaobs_nometrics and otel_lambdaobs: awssdk.Instrument
//     without and with its call metrics;
//   - otel_otelaws and otel_otelaws_metrics: the peer, alone and with the
//     call metrics recorded by hand (addCallMetrics).
//
// It reports each row's overhead per call over the bare client, the
// median of the differences paired by iteration, as <row>-overhead-ns.
func BenchmarkSDKCallParts(b *testing.B) {
	b.Setenv("AWS_LAMBDA_FUNCTION_NAME", "bench")
	b.Setenv("_X_AMZN_TRACE_ID", otelBenchHeader)
	url := ddbServer(b)
	newTracer := func() *oteltracing.Tracer {
		tr := oteltracing.New(nil, hook.OTelLookupEnv(noEnv).(oteltracing.Option), oteltracing.WithSampler(sdktrace.AlwaysSample()))
		b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
		return tr
	}
	// with returns a row whose client has the middlewares add adds, in
	// lambdaobs's OpenTelemetry invocation.
	with := func(name string, add func(tr *oteltracing.Tracer, stack *middleware.Stack) error) sdkRow {
		tr := newTracer()
		cfg := sdkConfig()
		if add != nil {
			cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error { return add(tr, stack) })
		}
		return sdkRow{name, ddbClient(cfg, url), sdkInvocation(tr)}
	}
	var rows []sdkRow
	for _, r := range sdkRows(b) {
		switch r.name {
		case "bare", "otel_lambdaobs", "otel_otelaws", "otel_otelaws_metrics":
			rows = append(rows, r)
		}
	}
	rows = append(rows,
		with("invocation", nil),
		with("span", func(tr *oteltracing.Tracer, stack *middleware.Stack) error {
			return sdkSpan(stack, tr, false)
		}),
		with("span_attrs", func(tr *oteltracing.Tracer, stack *middleware.Stack) error {
			return sdkSpan(stack, tr, true)
		}),
		with("facade_attrs", func(_ *oteltracing.Tracer, stack *middleware.Stack) error {
			return facadeSpan(stack, false)
		}),
		with("facade_attrs_header", func(_ *oteltracing.Tracer, stack *middleware.Stack) error {
			return facadeSpan(stack, true)
		}),
		otelRow(b, "otel_lambdaobs_nometrics", awssdk.WithoutMetrics()))
	spent := interleave(b, len(rows), func(i int) float64 { return rows[i].timeInvocation(b) })
	for i, r := range rows[1:] {
		b.ReportMetric(pairedOverhead(spent[i+1], spent[0]), r.name+"-overhead-ns")
	}
}

// callAttrs are the attributes awssdk gives a DynamoDB call's span at its
// start and at its end, as slog attributes.
func callAttrs(ctx context.Context) (start, end []slog.Attr) {
	return []slog.Attr{
			slog.String(names.AttrRPCSystem, names.RPCSystemAWS), slog.String(names.AttrRPCService, "DynamoDB"),
			slog.String(names.AttrRPCMethod, "GetItem"), slog.String(names.AttrCloudRegion, awsmiddleware.GetRegion(ctx)),
			slog.Any(names.AttrDynamoDBTableNames, []string{"orders"}),
		}, []slog.Attr{
			slog.String(names.AttrAWSRequestID, "REQ1234567890"), slog.Int(names.AttrHTTPStatusCode, 200),
		}
}

// sdkSpan adds a middleware that wraps each call in a span of tr's
// OpenTelemetry provider, given callAttrs when attrs is set.
func sdkSpan(stack *middleware.Stack, tr *oteltracing.Tracer, attrs bool) error {
	tracer := tr.TracerProvider().Tracer("bench")
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("span", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
		if attrs {
			opts = append(opts, trace.WithAttributes(
				attribute.String(names.AttrRPCSystem, names.RPCSystemAWS), attribute.String(names.AttrRPCService, "DynamoDB"),
				attribute.String(names.AttrRPCMethod, "GetItem"), attribute.String(names.AttrCloudRegion, awsmiddleware.GetRegion(ctx)),
				attribute.StringSlice(names.AttrDynamoDBTableNames, []string{"orders"})))
		}
		ctx, span := tracer.Start(ctx, "DynamoDB.GetItem", opts...)
		defer span.End()
		out, md, err := next.HandleInitialize(ctx, in)
		if attrs {
			span.SetAttributes(attribute.String(names.AttrAWSRequestID, "REQ1234567890"), attribute.Int(names.AttrHTTPStatusCode, 200))
		}
		return out, md, err
	}), middleware.Before)
}

// facadeSpan adds a middleware that wraps each call in a span of the
// tracer in its context, given callAttrs, and, when header is set,
// computes the call's trace header once the span has started, as awssdk
// does (tracing.OutgoingHeader's, written by hook.OutgoingHeader), and has
// another set it on each request.
func facadeSpan(stack *middleware.Stack, header bool) error {
	err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("span", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		start, end := callAttrs(ctx)
		ctx, span := tracing.TracerFromContext(ctx).Start(ctx, "DynamoDB.GetItem", tracing.StartConfig{Kind: tracing.KindClient, Attributes: start})
		defer span.End()
		if header {
			if h, _ := hook.OutgoingHeader(ctx); h != "" {
				ctx = context.WithValue(ctx, headerKey{}, h)
			}
		}
		out, md, err := next.HandleInitialize(ctx, in)
		span.SetAttributes(end...)
		return out, md, err
	}), middleware.Before)
	if err != nil || !header {
		return err
	}
	return stack.Build.Add(middleware.BuildMiddlewareFunc("header", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
		if req, ok := in.Request.(*smithyhttp.Request); ok {
			if h, ok := ctx.Value(headerKey{}).(string); ok {
				req.Header[tracing.HeaderName] = []string{h}
			}
		}
		return next.HandleBuild(ctx, in)
	}), middleware.After)
}

// headerKey is the context key of the trace header facadeSpan computed.
type headerKey struct{}
