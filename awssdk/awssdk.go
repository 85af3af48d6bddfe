package awssdk

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/middleware"
	smithytracing "github.com/aws/smithy-go/tracing"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// Option configures Instrument.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	metrics   bool
	propagate bool
	logger    *slog.Logger
	tracer    tracing.Tracer
}

// WithoutMetrics stops the per-call metrics.
func WithoutMetrics() Option {
	return optionFunc(func(c *config) { c.metrics = false })
}

// WithoutSQSPropagation stops setting the AWSTraceHeader of messages sent to SQS.
func WithoutSQSPropagation() Option {
	return optionFunc(func(c *config) { c.propagate = false })
}

// WithLogger logs the DEBUG line of each call through l instead of slog's
// default. nil keeps slog's default.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// WithTracer traces, with t, the calls whose context carries no tracer:
// those made during init, before any invocation, and those of code that
// lambdawrap does not wrap. Inside a wrapped handler the invocation's
// tracer, which lambdawrap puts in the context, is used, whatever t is. A
// nil t, or a nil pointer (a backend whose constructor failed), is no
// tracer.
func WithTracer(t tracing.Tracer) Option {
	return optionFunc(func(c *config) {
		if t != nil && !errinfo.IsNilPointer(t) {
			c.tracer = t
		}
	})
}

// Instrument makes every call of every client built from cfg afterwards
// observed, from the context the call is made with:
//
//   - a span, through the tracing backend the context carries (the
//     invocation's, which lambdawrap puts there; WithTracer's otherwise):
//     the SDK's own operation span, which the SDK starts through its
//     clients' TracerProvider, recorded as a tracing.KindClient span with the
//     attributes rpc.system ("aws-api"), rpc.service, rpc.method,
//     cloud.region, aws.request_id, http.response.status_code and the
//     resource called (aws.dynamodb.table_names, aws.sqs.queue.url,
//     faas.invoked_name, aws.sns.topic.arn,
//     aws.step_functions.state_machine.arn); the X-Ray backend makes it an "aws"
//     subsegment for X-Ray's service map. Without a backend, no span;
//   - on every request, the X-Amzn-Trace-Id header of the invocation's
//     trace (tracing.OutgoingHeader: the call's span as Parent, or the
//     invocation's own trace header when no backend records spans), instead
//     of the SDK's copy of _X_AMZN_TRACE_ID, which Lambda does not set when
//     a process serves several invocations at once: Lambda (RequestResponse
//     and Event), Step Functions, SNS and the other services that continue
//     X-Ray traces continue the invocation's;
//   - on the invocation's metrics.Recorder, in a document of its own per
//     aws_service and aws_operation: AWSCallLatency (the whole call,
//     retries included), AWSCallAttempts, AWSCallErrors (0 or 1) and
//     AWSThrottles;
//   - one DEBUG log line: service, operation, status code, attempts,
//     latency and AWS request id, never a payload;
//   - SQS SendMessage and SendMessageBatch carry the same trace header in
//     each message's AWSTraceHeader system attribute, so the consumer
//     continues the trace.
//
// A call made outside an invocation (during init, with a context that holds
// no recorder) is traced (with WithTracer's tracer) and logged, and its
// metrics are dropped: there is no invocation to write them with.
//
// Instrument adds its middlewares to cfg.APIOptions, and to
// cfg.ServiceOptions what sets the TracerProvider of every client built
// from cfg (the SDK takes one per client, in its Options; one a client's
// own options set wins). Call it once, on the config clients are built
// from, before building them. A nil cfg is refused with a WARN line of
// slog's default logger.
func Instrument(cfg *aws.Config, opts ...Option) {
	if cfg == nil {
		slog.Default().LogAttrs(context.Background(), slog.LevelWarn, "awssdk: Instrument was given a nil *aws.Config: no client is instrumented")
		return
	}
	c := &config{metrics: true, propagate: true}
	for _, o := range opts {
		if o != nil && !errinfo.IsNilPointer(o) {
			o.apply(c)
		}
	}
	p := &provider{c: c}
	cfg.ServiceOptions = append(cfg.ServiceOptions, func(_ string, options any) { setTracerProvider(options, p) })
	obs := &observe{c: c}
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		if err := stack.Initialize.Add(obs, middleware.Before); err != nil {
			return err
		}
		// Before the SDK's recursion detection (Build, After), which then
		// leaves the header as it is.
		return stack.Build.Add(traceHeader{}, middleware.Before)
	})
}

// setTracerProvider sets the TracerProvider field of a service client's
// *Options to p, by its name, as every client generates it, so that no
// client is linked.
func setTracerProvider(options any, p *provider) {
	v := reflect.ValueOf(options)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	f := v.Elem().FieldByName("TracerProvider")
	if f.IsValid() && f.CanSet() && f.Type() == reflect.TypeFor[smithytracing.TracerProvider]() {
		f.Set(reflect.ValueOf(p))
	}
}

// observe traces, measures and logs each call, retries included, and sets
// the AWSTraceHeader of the messages an SQS call sends.
type observe struct{ c *config }

func (*observe) ID() string { return "lambdaobs.Observe" }

func (o *observe) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	start := time.Now()
	service, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
	c, _ := ctx.Value(callKey{}).(*call)
	if c != nil {
		ctx = c.start(ctx, service, op, in.Parameters)
	}
	if o.c.propagate && service == "SQS" && (op == "SendMessage" || op == "SendMessageBatch") {
		if h := tracing.OutgoingHeader(ctx); h.Root != "" {
			setTraceHeader(in.Parameters, h.String())
		}
	}
	out, md, err := next.HandleInitialize(ctx, in)
	elapsed := time.Since(start)

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
	if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && raw != nil {
		status = raw.StatusCode
	}
	if err != nil {
		if s := httpStatus(err); s > 0 {
			status = s
		}
	}
	requestID, _ := awsmiddleware.GetRequestIDMetadata(md)
	if c != nil {
		c.finish(status, requestID, err)
	}

	if rec, _ := hook.Recorder(ctx).(*metrics.Recorder); rec != nil && o.c.metrics {
		dims := [2]metrics.Dimension{{Name: names.DimAWSService, Value: service}, {Name: names.DimAWSOperation, Value: op}}
		m := rec.With(dims[:]...)
		m.Add(names.MetricAWSCallLatency, float64(elapsed.Microseconds())/1e3, metrics.Milliseconds)
		m.Count(names.MetricAWSCallAttempts, float64(attempts))
		errs := 0.0
		if err != nil {
			errs = 1
		}
		m.Count(names.MetricAWSCallErrors, errs)
		m.Count(names.MetricAWSThrottles, float64(throttles))
	}

	l := o.c.logger
	if l == nil {
		l = slog.Default()
	}
	if l.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.String(names.KeyAWSService, service), slog.String(names.KeyAWSOperation, op),
			slog.Int(names.KeyStatusCode, status), slog.Int(names.KeyAttempts, attempts),
			slog.Float64(names.KeyLatencyMS, float64(elapsed.Microseconds())/1e3),
			slog.String(names.KeyAWSRequestID, requestID),
		}
		if err != nil {
			attrs = append(attrs, slog.String(names.KeyErrorCode, errorCode(err)))
		}
		l.LogAttrs(ctx, slog.LevelDebug, names.MsgAWSCall, attrs...)
	}
	return out, md, err
}

// httpStatus returns the HTTP status of the response err describes, or 0.
func httpStatus(err error) int {
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		return respErr.HTTPStatusCode()
	}
	return 0
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
		return "HTTP" + strconv.Itoa(respErr.HTTPStatusCode())
	}
	return reflect.TypeOf(err).String()
}

// traceHeader sets the X-Amzn-Trace-Id header of each request to the trace
// of the call's context, so the service called continues it.
type traceHeader struct{}

func (traceHeader) ID() string { return "lambdaobs.TraceHeader" }

func (traceHeader) HandleBuild(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
	if req, ok := in.Request.(*smithyhttp.Request); ok {
		if h := tracing.OutgoingHeader(ctx); h.Root != "" {
			v := percentEncode(h.String())
			if c, ok := ctx.Value(callKey{}).(*call); ok {
				c.header[0] = v // the call's room: no allocation
				req.Header[tracing.HeaderName] = c.header[:1:1]
			} else {
				req.Header[tracing.HeaderName] = []string{v}
			}
		}
	}
	return next.HandleBuild(ctx, in)
}

// percentEncode escapes the bytes of a trace header that the AWS SDK's own
// recursion detection escapes (all but letters, digits and
// -=;:+&[]{}"',), so a header reaches the service as the SDK would send it.
func percentEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if escape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; escape(c) {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func escape(c byte) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return false
	}
	switch c {
	case '-', '=', ';', ':', '+', '&', '[', ']', '{', '}', '"', '\'', ',':
		return false
	}
	return true
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
	key := reflect.ValueOf(names.SQSAttributeTraceHeader)
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
