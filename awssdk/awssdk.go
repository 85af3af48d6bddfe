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
//     clients' TracerProvider (a call made inside another, such as a
//     credentials provider's call to STS, gets a span of its own, a child
//     of the other's), recorded as a tracing.KindClient span with the
//     attributes rpc.system ("aws-api"), rpc.service, rpc.method,
//     cloud.region, aws.request_id, http.response.status_code and the
//     resource called (aws.dynamodb.table_names, aws.sqs.queue.url,
//     faas.invoked_name, aws.sns.topic.arn,
//     aws.step_functions.state_machine.arn), and its status left Unset
//     when the call succeeds, Error (ClientError for a 4xx answer) when it
//     fails; the X-Ray backend makes it an "aws" subsegment for X-Ray's
//     service map. Without a backend, no span;
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
//     continues the trace. It is set on a copy of the input: the caller's
//     is left as it is, to be sent again or from several goroutines.
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
	ctx, c, service, op := begin(ctx, in.Parameters)
	if o.c.propagate && service == "SQS" && (op == "SendMessage" || op == "SendMessageBatch") {
		in.Parameters = propagate(ctx, c, in.Parameters)
	}
	out, md, err := next.HandleInitialize(ctx, in)
	r := outcome{service: service, op: op, elapsed: time.Since(start), err: err}
	r.read(md)
	if c != nil {
		c.finish(r.status, r.requestID, err)
	}
	if o.c.metrics {
		r.record(ctx)
	}
	r.log(ctx, o.c.logger)
	return out, md, err
}

// begin starts the span of the operation's own call, if the SDK started
// one for it, and returns the context the operation runs with, the call
// (nil without one) and the operation's service and name.
func begin(ctx context.Context, params any) (_ context.Context, c *call, service, op string) {
	c, _ = ctx.Value(callKey{}).(*call)
	if c != nil && c.started {
		c = nil // the call of an operation this one runs inside: this one has none
	}
	if c == nil {
		return ctx, nil, awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
	}
	service, op = c.operation()
	return c.start(ctx, service, op, params), c, service, op
}

// propagate returns the input of an SQS send carrying the call's trace
// header in AWSTraceHeader: a copy, or params itself when there is no
// trace to carry.
func propagate(ctx context.Context, c *call, params any) any {
	h := ""
	if c != nil {
		h = c.traceHeader
	} else {
		h, _ = hook.OutgoingHeader(ctx)
	}
	if h == "" {
		return params
	}
	return withTraceHeader(params, h)
}

// outcome is what one call came to, as its span, metrics and log line
// record it.
type outcome struct {
	service, op         string
	elapsed             time.Duration
	err                 error
	attempts, throttles int
	status              int // of the last attempt's response, 0 without one
	requestID           string
}

// read takes the attempts, throttles, status and request id from the
// call's metadata and error.
func (r *outcome) read(md middleware.Metadata) {
	r.attempts = 1
	if results, ok := retry.GetAttemptResults(md); ok && len(results.Results) > 0 {
		r.attempts = len(results.Results)
		for _, a := range results.Results {
			if a.Err != nil && retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(a.Err) == aws.TrueTernary {
				r.throttles++
			}
		}
	}
	if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && raw != nil {
		r.status = raw.StatusCode
	}
	if r.err != nil {
		if s := httpStatus(r.err); s > 0 {
			r.status = s
		}
	}
	r.requestID, _ = awsmiddleware.GetRequestIDMetadata(md)
}

// record adds the call's metrics to the invocation's recorder in ctx, in
// the document of its service and operation, with one lookup of that
// document and one lock for the four values (hook.AddWith); outside an
// invocation there is no recorder, and nothing is recorded.
func (r *outcome) record(ctx context.Context) {
	rec := hook.Recorder(ctx)
	if rec == nil {
		return
	}
	errs := 0.0
	if r.err != nil {
		errs = 1
	}
	dims := [2]hook.Dimension{{Name: names.DimAWSService, Value: r.service}, {Name: names.DimAWSOperation, Value: r.op}}
	values := [4]hook.Value{
		{Name: names.MetricAWSCallLatency, Value: float64(r.elapsed.Microseconds()) / 1e3, Unit: string(metrics.Milliseconds)},
		{Name: names.MetricAWSCallAttempts, Value: float64(r.attempts), Unit: string(metrics.Count)},
		{Name: names.MetricAWSCallErrors, Value: errs, Unit: string(metrics.Count)},
		{Name: names.MetricAWSThrottles, Value: float64(r.throttles), Unit: string(metrics.Count)},
	}
	hook.AddWith(rec, dims, values)
}

// log writes the call's DEBUG line through l (slog's default when nil),
// when DEBUG is enabled.
func (r *outcome) log(ctx context.Context, l *slog.Logger) {
	if l == nil {
		l = slog.Default()
	}
	if !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String(names.KeyAWSService, r.service), slog.String(names.KeyAWSOperation, r.op),
		slog.Int(names.KeyStatusCode, r.status), slog.Int(names.KeyAttempts, r.attempts),
		slog.Float64(names.KeyLatencyMS, float64(r.elapsed.Microseconds())/1e3),
		slog.String(names.KeyAWSRequestID, r.requestID),
	}
	if r.err != nil {
		attrs = append(attrs, slog.String(names.KeyErrorCode, errorCode(r.err)))
	}
	l.LogAttrs(ctx, slog.LevelDebug, names.MsgAWSCall, attrs...)
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
// of the call's context, so the service called continues it: the header
// observe computed when it started the call's span, or, for an operation
// without a span of its own, tracing.OutgoingHeader's.
type traceHeader struct{}

func (traceHeader) ID() string { return "lambdaobs.TraceHeader" }

func (traceHeader) HandleBuild(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
	if req, ok := in.Request.(*smithyhttp.Request); ok {
		if c, ok := ctx.Value(callKey{}).(*call); ok && c.started {
			if c.header[0] != "" {
				req.Header[tracing.HeaderName] = c.header[:1:1] // the call's room: no allocation
			}
		} else if h, _ := hook.OutgoingHeader(ctx); h != "" {
			req.Header[tracing.HeaderName] = []string{percentEncode(h)}
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

// Bytes below 128 that percentEncode leaves as they are, one bit each:
// letters, digits and -=;:+&[]{}"',.
const (
	plainLow  uint64 = 1<<'"' | 1<<'&' | 1<<'\'' | 1<<'+' | 1<<',' | 1<<'-' | 1<<':' | 1<<';' | 1<<'=' | (1<<10-1)<<'0'
	plainHigh uint64 = (1<<26-1)<<('A'-64) | (1<<26-1)<<('a'-64) | 1<<('['-64) | 1<<(']'-64) | 1<<('{'-64) | 1<<('}'-64)
)

func escape(c byte) bool {
	switch {
	case c < 64:
		return plainLow>>c&1 == 0
	case c < 128:
		return plainHigh>>(c-64)&1 == 0
	}
	return true
}

// withTraceHeader returns a copy of an *sqs.SendMessageInput, or of an
// *sqs.SendMessageBatchInput, whose message, or each of whose entries,
// has MessageSystemAttributes["AWSTraceHeader"] set to header, without
// linking the SQS client: by the fields' names, as the SDK generates
// them. The caller's input is left as it is, as it may be sent again or
// from other goroutines at once: the copy is shallow but for what changes
// (the entries and the attribute maps). An attribute the caller set is
// kept. Anything else is returned as it is.
func withTraceHeader(params any, header string) any {
	v := reflect.ValueOf(params)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return params
	}
	cp := reflect.New(v.Elem().Type())
	s := cp.Elem()
	s.Set(v.Elem())
	if entries := s.FieldByName("Entries"); entries.IsValid() && entries.Kind() == reflect.Slice {
		if entries.Len() == 0 || !entries.CanSet() || entries.Type().Elem().Kind() != reflect.Struct {
			return params // no entry (the SDK's validation says so), or not the SDK's
		}
		n := entries.Len()
		dup := reflect.MakeSlice(entries.Type(), n, n)
		reflect.Copy(dup, entries)
		for i := range n {
			setOn(dup.Index(i), header)
		}
		entries.Set(dup)
		return cp.Interface()
	}
	setOn(s, header)
	return cp.Interface()
}

// setOn sets the AWSTraceHeader attribute in a copy of the
// MessageSystemAttributes map of v, a settable struct, unless the map
// has one.
func setOn(v reflect.Value, header string) {
	m := v.FieldByName("MessageSystemAttributes")
	if !m.IsValid() || m.Kind() != reflect.Map || m.Type().Key().Kind() != reflect.String || !m.CanSet() {
		return
	}
	key := reflect.ValueOf(names.SQSAttributeTraceHeader).Convert(m.Type().Key())
	if m.MapIndex(key).IsValid() {
		return
	}
	attr := reflect.New(m.Type().Elem()).Elem()
	if attr.Kind() != reflect.Struct {
		return
	}
	dt, sv := attr.FieldByName("DataType"), attr.FieldByName("StringValue")
	if !dt.IsValid() || !sv.IsValid() || dt.Type() != reflect.TypeFor[*string]() || sv.Type() != reflect.TypeFor[*string]() {
		return
	}
	dt.Set(reflect.ValueOf(aws.String("String")))
	sv.Set(reflect.ValueOf(aws.String(header)))
	dup := reflect.MakeMapWithSize(m.Type(), m.Len()+1)
	for it := m.MapRange(); it.Next(); {
		dup.SetMapIndex(it.Key(), it.Value())
	}
	dup.SetMapIndex(key, attr)
	m.Set(dup)
}
