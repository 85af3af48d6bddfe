package awssdk

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// Tracing adds a tracing backend's own AWS SDK instrumentation to a config:
// awssdk/xrayaws for X-Ray, awssdk/otelaws for OpenTelemetry. They live in
// packages of their own so a program links only the one it uses.
type Tracing interface {
	InstrumentAWS(cfg *aws.Config)
}

// Option configures Instrument.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	metrics   bool
	dims      []string
	propagate bool
	logger    *slog.Logger
}

// WithoutMetrics stops the per-call metrics.
func WithoutMetrics() Option {
	return optionFunc(func(c *config) { c.metrics = false })
}

// WithMetricDimensions chooses the dimensions of the call metrics among
// DimService and DimOperation (both by default); none gives one series for
// all calls.
func WithMetricDimensions(names ...string) Option {
	return optionFunc(func(c *config) { c.dims = names })
}

// WithoutSQSPropagation stops setting the AWSTraceHeader of messages sent to SQS.
func WithoutSQSPropagation() Option {
	return optionFunc(func(c *config) { c.propagate = false })
}

// WithLogger logs the DEBUG line of each call through l instead of slog's default.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// Instrument makes every call of every client built from cfg afterwards
// observed, from the context the call is made with:
//
//   - a span, through t, the tracing backend's own SDK instrumentation (nil
//     for none);
//   - on the invocation's metrics.Recorder, in a document of its own per
//     Service and Operation: MetricCallLatency (the whole call, retries
//     included), MetricCallAttempts, MetricCallErrors (0 or 1) and
//     MetricThrottles;
//   - one DEBUG log line: service, operation, status code, attempts,
//     latency and AWS request id, never a payload;
//   - SQS SendMessage and SendMessageBatch carry the current trace in each
//     message's AWSTraceHeader system attribute, so the consumer continues
//     the trace.
//
// A call made outside an invocation (during init, with a context that holds
// no recorder) is traced and logged, and its metrics are dropped: there is
// no invocation to write them with.
//
// Call Instrument once, on the config clients are built from, before
// building them.
func Instrument(cfg *aws.Config, t Tracing, opts ...Option) {
	c := &config{metrics: true, dims: []string{DimService, DimOperation}, propagate: true}
	for _, o := range opts {
		o.apply(c)
	}
	if t != nil {
		t.InstrumentAWS(cfg)
	}
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		if err := stack.Initialize.Add(&observe{c: c}, middleware.Before); err != nil {
			return err
		}
		if c.propagate {
			return stack.Initialize.Add(propagate{}, middleware.After)
		}
		return nil
	})
}

// observe measures and logs each call, retries included.
type observe struct{ c *config }

func (*observe) ID() string { return "lambdaobs.Observe" }

func (o *observe) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	start := time.Now()
	out, md, err := next.HandleInitialize(ctx, in)
	elapsed := time.Since(start)
	service, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)

	attempts, throttles := 1, 0
	if results, ok := retry.GetAttemptResults(md); ok && len(results.Results) > 0 {
		attempts = len(results.Results)
		for _, r := range results.Results {
			if r.Err != nil && retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(r.Err) == aws.TrueTernary {
				throttles++
			}
		}
	}
	status := 0
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	} else if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && raw != nil {
		status = raw.StatusCode
	}
	requestID, _ := awsmiddleware.GetRequestIDMetadata(md)

	if rec, ok := metrics.Lookup(ctx); ok && o.c.metrics {
		var dims []metrics.Dimension
		for _, d := range o.c.dims {
			switch d {
			case DimService:
				dims = append(dims, metrics.Dimension{Name: DimService, Value: service})
			case DimOperation:
				dims = append(dims, metrics.Dimension{Name: DimOperation, Value: op})
			}
		}
		m := rec.With(dims...)
		m.Add(MetricCallLatency, float64(elapsed.Microseconds())/1e3, metrics.Milliseconds)
		m.Count(MetricCallAttempts, float64(attempts))
		errs := 0.0
		if err != nil {
			errs = 1
		}
		m.Count(MetricCallErrors, errs)
		m.Count(MetricThrottles, float64(throttles))
	}

	l := o.c.logger
	if l == nil {
		l = slog.Default()
	}
	if l.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.String(KeyService, service), slog.String(KeyOperation, op),
			slog.Int(KeyStatusCode, status), slog.Int(KeyAttempts, attempts),
			slog.Float64(KeyLatencyMS, float64(elapsed.Microseconds())/1e3),
			slog.String(KeyRequestID, requestID),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error_code", errorCode(err)))
		}
		l.LogAttrs(ctx, slog.LevelDebug, MsgCall, attrs...)
	}
	return out, md, err
}

// errorCode returns the AWS error code of err ("ResourceNotFoundException"),
// never its message, which may quote the request.
func errorCode(err error) string {
	var api interface{ ErrorCode() string }
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		return "HTTP" + itoa(respErr.HTTPStatusCode())
	}
	return reflect.TypeOf(err).String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// propagate sets the AWSTraceHeader system attribute of messages sent to SQS
// to the current span, so the consumer continues the trace.
type propagate struct{}

func (propagate) ID() string { return "lambdaobs.PropagateSQS" }

func (propagate) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	if awsmiddleware.GetServiceID(ctx) == "SQS" {
		switch awsmiddleware.GetOperationName(ctx) {
		case "SendMessage", "SendMessageBatch":
			if h := tracing.SpanFromContext(ctx).Header(); h.Root != "" {
				setTraceHeader(in.Parameters, h.String())
			}
		}
	}
	return next.HandleInitialize(ctx, in)
}

// setTraceHeader sets MessageSystemAttributes["AWSTraceHeader"] on a
// *sqs.SendMessageInput, or on each entry of a *sqs.SendMessageBatchInput,
// without linking the SQS client: by the fields' names, as the SDK
// generates them. An attribute the caller set is kept.
func setTraceHeader(params any, header string) {
	v := reflect.ValueOf(params)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	v = v.Elem()
	if v.Kind() != reflect.Struct {
		return
	}
	if entries := v.FieldByName("Entries"); entries.IsValid() && entries.Kind() == reflect.Slice {
		for i := range entries.Len() {
			setOn(entries.Index(i), header)
		}
		return
	}
	setOn(v, header)
}

func setOn(v reflect.Value, header string) {
	m := v.FieldByName("MessageSystemAttributes")
	if !m.IsValid() || m.Kind() != reflect.Map || m.Type().Key().Kind() != reflect.String || !m.CanSet() {
		return
	}
	key := reflect.ValueOf(TraceHeaderAttribute)
	if m.IsNil() {
		m.Set(reflect.MakeMap(m.Type()))
	} else if m.MapIndex(key).IsValid() {
		return
	}
	attr := reflect.New(m.Type().Elem()).Elem()
	dt, sv := attr.FieldByName("DataType"), attr.FieldByName("StringValue")
	if !dt.IsValid() || !sv.IsValid() || dt.Type() != reflect.TypeFor[*string]() || sv.Type() != reflect.TypeFor[*string]() {
		return
	}
	dt.Set(reflect.ValueOf(aws.String("String")))
	sv.Set(reflect.ValueOf(aws.String(header)))
	m.SetMapIndex(key, attr)
}
