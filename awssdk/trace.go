package awssdk

import (
	"context"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	smithytracing "github.com/aws/smithy-go/tracing"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// provider is the smithy-go TracerProvider Instrument gives the SDK: the
// SDK starts every operation's span through it, and the spans of the
// operation's steps (endpoint resolution, signing, each attempt, the HTTP
// request, …) under that one. The operation's span becomes a span of the
// tracing backend in the call's context, started by observe when the
// operation's input is known; the steps' spans record nothing, as their
// figures (attempts, status, request id) are the call's.
type provider struct{ c *config }

var (
	_ smithytracing.TracerProvider = (*provider)(nil)
	_ smithytracing.Tracer         = (*provider)(nil)
	_ smithytracing.Span           = (*call)(nil)
)

// Tracer implements smithytracing.TracerProvider: every client's tracer is
// the provider itself.
func (p *provider) Tracer(string, ...smithytracing.TracerOption) smithytracing.Tracer { return p }

// StartSpan implements smithytracing.Tracer. Each operation's span (the
// SDK names it Service.Operation) becomes a call of its own, also when the
// operation runs inside another one's (a credentials provider's call to
// STS from another call's signing step, S3 Express's CreateSession): the
// context holds the outer call, whose span the inner call's span is then
// a child of. The spans the SDK starts for an operation's steps record
// nothing. Without a tracer nothing is recorded and nothing allocated.
//
// The SDK names the spans of an operation's steps with one word
// (ResolveEndpoint, Attempt, SignRequest, …): a step is told from its
// name, without a walk up a context that the SDK's middlewares have made
// deep.
func (p *provider) StartSpan(ctx context.Context, name string, _ ...smithytracing.SpanOption) (context.Context, smithytracing.Span) {
	if strings.IndexByte(name, '.') < 0 {
		return ctx, nopSpan{}
	}
	tr := tracing.TracerFromContext(ctx)
	if tr == nil {
		tr = p.c.tracer
	}
	if tr == nil {
		return ctx, nopSpan{}
	}
	c := &call{parent: ctx, tr: tr, name: name}
	return c, c
}

// callKey marks the context of an operation: its value is the *call.
type callKey struct{}

// call is the span of one SDK operation, as the SDK sees it: the SDK ends
// it, and sets its error properties; observe starts the backend's span
// and gives it the call's outcome. It is also the context the operation
// runs with, the one StartSpan was given carrying the call under callKey:
// one allocation for both.
type call struct {
	parent  context.Context
	tr      tracing.Tracer
	name    string       // Service.Operation
	span    tracing.Span // nil until observe starts it
	started bool         // observe started it: a call found in the context of an operation that has no call of its own is another operation's
	done    bool         // observe set the outcome

	// The trace header the call's requests and messages carry, from the
	// call's span, computed once when the span starts: as
	// tracing.OutgoingHeader gives it (an SQS message's AWSTraceHeader)
	// and percent-encoded as the SDK would send it (X-Amzn-Trace-Id, in
	// header[0]). Empty when there is no trace to continue.
	traceHeader string
	header      [1]string

	// Room for what the call records, so that recording it does not
	// allocate: the span's attributes at its start and at its end, the
	// DynamoDB table it names.
	attrs  [5]slog.Attr
	end    [2]slog.Attr
	tables [1]string
}

// operation returns the service and the operation of the call, from its
// name (the SDK's Service.Operation: the service id and operation name the
// SDK also puts in the operation's stack values).
func (c *call) operation() (service, op string) {
	i := strings.LastIndexByte(c.name, '.')
	return c.name[:i], c.name[i+1:]
}

// Deadline implements context.Context.
func (c *call) Deadline() (time.Time, bool) { return c.parent.Deadline() }

// Done implements context.Context.
func (c *call) Done() <-chan struct{} { return c.parent.Done() }

// Err implements context.Context.
func (c *call) Err() error { return c.parent.Err() }

// Value implements context.Context.
func (c *call) Value(key any) any {
	if key == (callKey{}) {
		return c
	}
	return c.parent.Value(key)
}

// start starts the backend's span of the call, with the attributes of the
// SDK's operation span and of the resource params name, computes the
// call's trace header, and returns the context the rest of the call runs
// with.
func (c *call) start(ctx context.Context, service, op string, params any) context.Context {
	attrs := append(c.attrs[:0],
		slog.String(names.AttrRPCSystem, names.RPCSystemAWS),
		slog.String(names.AttrRPCService, service),
		slog.String(names.AttrRPCMethod, op))
	if region := awsmiddleware.GetRegion(ctx); region != "" {
		attrs = append(attrs, slog.String(names.AttrCloudRegion, region))
	}
	if a, ok := resource(service, params, &c.tables); ok {
		attrs = append(attrs, a)
	}
	ctx, c.span = c.tr.Start(ctx, c.name, tracing.StartConfig{Kind: tracing.KindClient, Attributes: attrs})
	c.started = true
	if h, other := hook.OutgoingHeader(ctx); h != "" {
		c.traceHeader = h
		c.header[0] = h
		if other {
			// Root and Parent are hex ids: only the other fields can
			// hold a byte to escape.
			c.header[0] = percentEncode(h)
		}
	}
	return ctx
}

// finish records the call's outcome on its span: the request id and HTTP
// status of the last attempt, and, for a failure, the error and the status
// (tracing.ClientError for a 4xx answer, tracing.Error otherwise) described
// by the AWS error code.
func (c *call) finish(status int, requestID string, err error) {
	s := c.span
	if s == nil {
		return
	}
	c.done = true
	if !s.IsRecording() {
		return
	}
	attrs := c.end[:0]
	if requestID != "" {
		attrs = append(attrs, slog.String(names.AttrAWSRequestID, requestID))
	}
	if status > 0 {
		attrs = append(attrs, slog.Int(names.AttrHTTPStatusCode, status))
	}
	if len(attrs) > 0 {
		s.SetAttributes(attrs...)
	}
	if err == nil {
		// A call that succeeded keeps the status Unset, as OpenTelemetry
		// asks of instrumentation libraries: OK is the application's to set.
		return
	}
	s.RecordError(err)
	code := tracing.Error
	if status >= 400 && status < 500 {
		code = tracing.ClientError
	}
	s.SetStatus(code, errorCode(err))
}

// Name implements smithytracing.Span.
func (c *call) Name() string { return c.name }

// Context implements smithytracing.Span: the X-Ray trace id and the span's
// id.
func (c *call) Context() smithytracing.SpanContext {
	if c.span == nil {
		return smithytracing.SpanContext{}
	}
	h := c.span.Header()
	return smithytracing.SpanContext{TraceID: h.Root, SpanID: h.Parent}
}

// AddEvent implements smithytracing.Span; the SDK adds none.
func (*call) AddEvent(string, ...smithytracing.EventOption) {}

// SetStatus implements smithytracing.Span. observe sets the status from the
// call's outcome; the SDK's counts only for a call that failed before
// observe ran.
func (c *call) SetStatus(st smithytracing.SpanStatus) {
	if c.span != nil && !c.done && st == smithytracing.SpanStatusError {
		c.span.SetStatus(tracing.Error, "")
	}
}

// SetProperty implements smithytracing.Span: the SDK's description of a
// failed call (api.error_code, api.error_fault) is kept as attributes; its
// exception properties are the error observe records, and its message
// (api.error_message) may quote the request.
func (c *call) SetProperty(k, v any) {
	key, _ := k.(string)
	s, _ := v.(string)
	if c.span == nil || s == "" || (key != "api.error_code" && key != "api.error_fault") {
		return
	}
	c.span.SetAttributes(slog.String(key, s))
}

// End implements smithytracing.Span.
func (c *call) End() {
	if c.span != nil {
		c.span.End()
	}
}

// nopSpan is the smithy-go span that records nothing.
type nopSpan struct{}

func (nopSpan) Name() string                                  { return "" }
func (nopSpan) Context() smithytracing.SpanContext            { return smithytracing.SpanContext{} }
func (nopSpan) AddEvent(string, ...smithytracing.EventOption) {}
func (nopSpan) SetStatus(smithytracing.SpanStatus)            {}
func (nopSpan) SetProperty(any, any)                          {}
func (nopSpan) End()                                          {}

// resourceField names, for a service, the input field that names the
// resource a call works on, and the attribute it is recorded under.
func resourceField(service string) (field, attr string, ok bool) {
	switch service {
	case "DynamoDB":
		return "TableName", names.AttrDynamoDBTableNames, true
	case "SQS":
		return "QueueUrl", names.AttrSQSQueueURL, true
	case "Lambda":
		return "FunctionName", names.AttrFaaSInvokedName, true
	case "SNS":
		return "TopicArn", names.AttrSNSTopicARN, true
	case "SFN":
		return "StateMachineArn", names.AttrStateMachineARN, true
	}
	return "", "", false
}

// fieldIndex caches, per input type, the indexes of its resource fields.
var fieldIndex sync.Map // reflect.Type → inputFields

// inputFields are the indexes of an input type's fields that name the
// resource of a call, or -1: the one resourceField names, and DynamoDB's
// RequestItems.
type inputFields struct{ name, items int }

// resource returns the attribute naming the resource a call's input
// (params, a pointer to the SDK's input struct) works on, read by the
// field's name so that no service client is linked: the table of a
// DynamoDB call (the tables of a batch), the queue URL of an SQS call, the
// function of a Lambda call, the topic of an SNS call, the state machine
// of a Step Functions call. The name of a DynamoDB call's single table
// is kept in room.
func resource(service string, params any, room *[1]string) (slog.Attr, bool) {
	field, attr, ok := resourceField(service)
	if !ok {
		return slog.Attr{}, false
	}
	v := reflect.ValueOf(params)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return slog.Attr{}, false
	}
	v = v.Elem()
	cached, ok := fieldIndex.Load(v.Type())
	if !ok {
		f := inputFields{name: -1, items: -1}
		if sf, found := v.Type().FieldByName(field); found && len(sf.Index) == 1 && sf.Type == reflect.TypeFor[*string]() {
			f.name = sf.Index[0]
		}
		if sf, found := v.Type().FieldByName("RequestItems"); found && service == "DynamoDB" && len(sf.Index) == 1 && sf.Type.Kind() == reflect.Map && sf.Type.Key().Kind() == reflect.String {
			f.items = sf.Index[0]
		}
		cached, _ = fieldIndex.LoadOrStore(v.Type(), f)
	}
	f := cached.(inputFields)
	if f.items >= 0 {
		if items := v.Field(f.items); items.Len() > 0 {
			names := make([]string, 0, items.Len())
			for _, k := range items.MapKeys() {
				names = append(names, k.String())
			}
			sort.Strings(names)
			return slog.Any(attr, names), true
		}
	}
	if f.name < 0 {
		return slog.Attr{}, false
	}
	p := v.Field(f.name).Interface().(*string)
	if p == nil || *p == "" {
		return slog.Attr{}, false
	}
	if attr == names.AttrDynamoDBTableNames {
		room[0] = *p
		return slog.Any(attr, room[:]), true
	}
	return slog.String(attr, *p), true
}
