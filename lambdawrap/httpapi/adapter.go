package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/go-playground/validator/v10"

	"github.com/lambdaobs/lambdaobs/internal/errinfo"
	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/logger"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// adapter is what the three event shapes share: the typed handler and the
// configuration, and the pipeline from a Request to a response.
type adapter[In, Out any] struct {
	h         func(context.Context, In) (Out, error)
	cfg       *config
	chain     RequestHandler      // the middlewares around end; nil without any
	validate  *validator.Validate // nil: no struct-tag validation
	noBody    bool                // In has size zero: the body is never read
	inPointer bool                // In is a pointer type
	validator bool                // In or *In implements selfValidator
}

var validatorType = reflect.TypeFor[selfValidator]()

func newAdapter[In, Out any](h func(context.Context, In) (Out, error), opts []Option) *adapter[In, Out] {
	c := newConfig(opts)
	a := &adapter[In, Out]{h: h, cfg: c}
	t := reflect.TypeFor[In]()
	a.noBody = t.Size() == 0 && t.Kind() == reflect.Struct
	a.inPointer = t.Kind() == reflect.Pointer
	if isStruct(t) {
		switch {
		case c.validateSet:
			a.validate = c.validate
		case hasValidateTags(t):
			a.validate = defaultValidator()
		}
	}
	a.validator = t.Implements(validatorType) || reflect.PointerTo(t).Implements(validatorType)
	a.chain = a.buildChain(a.end)
	return a
}

// response is what serve answers, before it is put into an event response.
type response struct {
	status  int
	headers map[string]string
	body    string
}

// outcome is what became of a request. With middlewares, each request's
// context has room for one (chainCtx), so it is kept small.
type outcome struct {
	status int
	body   []byte     // the encoded Out; nil for 204 and failures
	fail   *Error     // the error answered, nil on success
	err    error      // the error logged and recorded: the handler's own, wrapping chain included
	panic  *panicInfo // the panic answered, if any

	// What describe found: read once, for the span and the log line.
	described bool
	text, typ string
	printable bool // err prints itself (describe's ok)
}

// describe reads what made o fail, once: a panic's value or the error's
// text and type. The user's String or Error method runs a single time.
func (o *outcome) describe() (text, typ string, printable bool) {
	if !o.described {
		o.described = true
		if o.panic != nil {
			o.text, o.typ, o.printable = errinfo.Sprint(o.panic.value), errinfo.Type(o.panic.value), true
		} else {
			o.text, o.typ, o.printable = describe(o.err)
		}
	}
	return o.text, o.typ, o.printable
}

// panicInfo is a panic of the pipeline's, recovered.
type panicInfo struct {
	value any
	stack []byte
}

// serve runs one request through the pipeline and reports it: span
// attributes and status, its log line, metrics.
func (a *adapter[In, Out]) serve(ctx context.Context, q *requestCtx, body string, base64Encoded bool) response {
	c := a.cfg
	// The clock is read only when the Latency metric (in an invocation
	// lambdawrap observes) or a log line may need it.
	inv := logger.FromContext(ctx)
	l := c.logger()
	var start time.Time
	if inv != nil || l.Enabled(ctx, c.minLevel) {
		start = time.Now()
	}
	r := &q.req
	r.scanHeaders(len(body) > 0)
	if c.route != "" {
		r.Route = c.route
	} else if r.Route == "" {
		r.Route = "$unknown"
	}
	r.CorrelationID = r.RequestID
	if validCorrelationID(r.correlation) {
		r.CorrelationID = r.correlation
	} else if r.CorrelationID == "" {
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			r.CorrelationID = lc.AwsRequestID
		}
	}
	q.Context = ctx
	ctx = q
	if r.CorrelationID != "" {
		q.attrs[0] = slog.String(names.KeyCorrelationID, r.CorrelationID)
		ctx = logger.ContextWithAttrs(ctx, q.attrs[:]...)
	}
	method := methodName(r.Method)
	span := tracing.SpanFromContext(ctx)
	recording := span.IsRecording()
	if recording {
		span.SetAttributes(slog.String(names.AttrHTTPRoute, r.Route), slog.String(names.AttrHTTPRequestMethod, method), slog.String(names.AttrURLPath, r.Path))
		if method == "_OTHER" {
			span.SetAttributes(slog.String(names.AttrHTTPRequestMethodOriginal, r.Method))
		}
	}

	o := a.run(ctx, r, body, base64Encoded)
	resp := a.respond(r, &o)
	a.report(ctx, inv, l, r, method, &o, start, span, recording)
	return resp
}

// run is exec with a panic turned into a 500.
func (a *adapter[In, Out]) run(ctx context.Context, r *Request, body string, base64Encoded bool) (o outcome) {
	defer func() {
		if p := recover(); p != nil {
			o = outcome{status: http.StatusInternalServerError, fail: Internal(nil), panic: &panicInfo{value: p, stack: debug.Stack()}}
		}
	}()
	return a.exec(ctx, r, body, base64Encoded)
}

func failed(e *Error, err error) outcome {
	if err == nil {
		err = e
	}
	return outcome{status: e.Status, fail: e, err: err}
}

// failure is the outcome of err, returned by the handler or a middleware:
// the *Error it is or wraps, else the first error mapper's answer, else 500.
func (a *adapter[In, Out]) failure(err error) outcome {
	return failed(a.classify(err), err)
}

// classify returns the *Error err is answered with: the *Error it is or
// wraps, else what the first error mapper that knows it returns (with err
// as its cause), else a 500 INTERNAL_ERROR whose cause is err. A typed nil
// is a 500, never shown to a mapper.
func (a *adapter[In, Out]) classify(err error) *Error {
	if errinfo.IsNilPointer(err) {
		return Internal(err)
	}
	var e *Error
	if errors.As(err, &e) {
		if e == nil {
			return Internal(err) // a nil *Error, wrapped
		}
		return checked(e, err)
	}
	for _, m := range a.cfg.mappers {
		if e := m(err); e != nil {
			if e.Cause == nil {
				e = e.WithCause(err)
			}
			return checked(e, err)
		}
	}
	return Internal(err)
}

var bodyRequired = &Error{Status: http.StatusBadRequest, Code: codeBodyRequired, Message: "Request body is required"}

// exec is the pipeline: preflight, body, then the middlewares around
// inner.
func (a *adapter[In, Out]) exec(ctx context.Context, r *Request, body string, base64Encoded bool) outcome {
	c := a.cfg
	if c.cors != nil && r.preflight {
		return outcome{status: http.StatusNoContent}
	}
	if e := a.readBody(r, body, base64Encoded); e != nil {
		return failed(e, nil)
	}
	if a.chain == nil {
		return a.inner(ctx, r)
	}
	_ = a.chain(ctx, r) // what it returns is in r.out
	if r.out.status == 0 {
		return failed(Internal(errNoResponse), errNoResponse)
	}
	return *r.out
}

// inner is the pipeline inside the middlewares: decoding, validation, the
// handler, encoding.
func (a *adapter[In, Out]) inner(ctx context.Context, r *Request) outcome {
	c := a.cfg
	var in In
	if !a.noBody {
		check := false
		if data := bytes.TrimSpace(r.Body); len(data) == 0 || string(data) == "null" {
			if hasBody(r.Method) {
				if !c.optionalBody {
					return failed(bodyRequired, nil)
				}
				check = true
			}
		} else {
			if !isJSON(r.contentType) {
				return failed(unsupportedMediaType(), fmt.Errorf("Content-Type %q", r.contentType))
			}
			if err := a.decode(data, &in); err != nil {
				e := decodeError(err)
				return failed(e, e)
			}
			check = true
		}
		if check {
			if e := a.check(&in); e != nil {
				return failed(e, nil)
			}
		}
	}
	out, err := a.h(ctx, in)
	if err != nil {
		return a.failure(err)
	}
	status := c.status
	if r.status != 0 {
		status = r.status
	}
	if status == http.StatusNoContent {
		return outcome{status: status}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return failed(Internal(err), fmt.Errorf("httpapi: encode response: %w", err))
	}
	return outcome{status: status, body: b}
}

// hasBody reports whether a request with method needs a body.
func hasBody(method string) bool {
	switch method {
	case "POST", "PUT", "PATCH", "post", "put", "patch":
		return true
	}
	return false
}

// readBody sets r.Body from the event's body, base64-decoding it when the
// event says so, within the size limit.
func (a *adapter[In, Out]) readBody(r *Request, body string, base64Encoded bool) *Error {
	limit := a.cfg.maxBody
	if !base64Encoded {
		if int64(len(body)) > limit {
			return payloadTooLarge(limit)
		}
		if len(body) > 0 {
			r.Body = []byte(body)
		}
		return nil
	}
	if int64(base64.StdEncoding.DecodedLen(len(body))) > limit+3 {
		return payloadTooLarge(limit)
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		var err2 error
		if b, err2 = base64.RawStdEncoding.DecodeString(body); err2 != nil {
			return BadRequest("Request body is not valid base64").WithCause(err)
		}
	}
	if int64(len(b)) > limit {
		return payloadTooLarge(limit)
	}
	r.Body = b
	return nil
}

// decode decodes data into in.
func (a *adapter[In, Out]) decode(data []byte, in *In) error {
	if !a.cfg.strict {
		return json.Unmarshal(data, in)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(in); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return &json.SyntaxError{Offset: int64(len(data))}
		}
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return &json.SyntaxError{Offset: d.InputOffset()}
	}
	return nil
}

// check validates in: struct tags first, then a Validate method.
func (a *adapter[In, Out]) check(in *In) *Error {
	var target any = in
	if a.inPointer {
		target = *in
		if reflect.ValueOf(target).IsNil() {
			return nil
		}
	}
	if a.validate != nil {
		if err := a.validate.Struct(target); err != nil {
			if e := tagErrors(err); e != nil {
				return e // the details say all the validator said
			}
			return Internal(fmt.Errorf("httpapi: validate: %w", err))
		}
	}
	if a.validator {
		if v, ok := target.(selfValidator); ok {
			if err := v.Validate(); err != nil {
				return validateErrors(err)
			}
		}
	}
	return nil
}

// respond builds the response of o.
func (a *adapter[In, Out]) respond(r *Request, o *outcome) response {
	h := make(map[string]string, 4)
	var body string
	switch {
	case o.fail != nil:
		b, err := json.Marshal(errorBody{Error: o.fail.publicMessage(), Code: o.fail.Code, Details: o.fail.Details})
		if err != nil {
			b = []byte(`{"error":"Internal server error","code":"INTERNAL_ERROR"}`)
		}
		body = string(b)
		h[headerContentType] = contentTypeJSON
	case o.body != nil:
		body = string(o.body)
		h[headerContentType] = contentTypeJSON
	}
	if r.CorrelationID != "" {
		h[names.HeaderCorrelationID] = r.CorrelationID
	}
	if c := a.cfg.cors; c != nil {
		c.apply(h, r.origin, r.preflight && o.fail == nil)
	}
	if o.fail == nil {
		for k, v := range r.respHeaders {
			h[k] = v
		}
	}
	return response{status: o.status, headers: h, body: body}
}

// report records o: span attributes and status, the request's log line,
// the per-request metrics, and Errors (and Panics) for a 5xx.
func (a *adapter[In, Out]) report(ctx context.Context, inv *logger.Invocation, l *slog.Logger, r *Request, method string, o *outcome, start time.Time, span tracing.Span, recording bool) {
	var latency time.Duration
	if !start.IsZero() {
		latency = time.Since(start)
	}
	status := o.status
	if recording {
		span.SetAttributes(slog.Int(names.AttrHTTPStatusCode, status))
		switch {
		case status >= 500:
			text, cause := o.cause()
			span.RecordError(cause)
			span.SetStatus(tracing.Error, text)
		case status >= 400:
			span.SetStatus(tracing.ClientError, o.fail.Code)
		}
	}
	if o.fail != nil {
		a.logFailure(ctx, l, r, o, start, latency)
	} else if a.cfg.requestLog {
		a.logRequest(ctx, l, r, status, start, latency)
	}

	if inv == nil {
		return // not in an invocation lambdawrap observes: nothing to record into
	}
	rec, _ := hook.Recorder(ctx).(*metrics.Recorder)
	if rec == nil {
		return
	}
	// Documents of their own per route, method and status class, written
	// with the invocation's flush and carrying its request and trace ids.
	m := rec.With(
		metrics.Dimension{Name: names.DimHTTPRoute, Value: r.Route},
		metrics.Dimension{Name: names.DimHTTPMethod, Value: method},
		metrics.Dimension{Name: names.DimHTTPStatusClass, Value: statusClass(status)})
	m.Count(names.MetricHTTPRequests, 1)
	m.Duration(names.MetricHTTPLatency, latency)
	if r.CorrelationID != "" {
		m.SetProperty(names.KeyCorrelationID, r.CorrelationID)
	}
	if status >= 500 {
		// The handler answered instead of returning an error, so the wrapper
		// does not see this failure: count it with the wrapper's own
		// dimensions (service, function_name).
		var life *metrics.Recorder
		if fn := inv.Fields().FunctionName; fn != "" {
			life = rec.With(metrics.Dimension{Name: names.DimFunctionName, Value: fn})
		} else {
			life = rec.With()
		}
		if a.cfg.errorMetric {
			life.Count(names.MetricErrors, 1)
		}
		if o.panic != nil {
			life.Count(names.MetricPanics, 1)
		}
	}
}

// cause returns the text of what made o fail and an error saying it that is
// safe to hand to a span: o's error itself when it can print itself.
func (o *outcome) cause() (string, error) {
	text, _, ok := o.describe()
	if o.panic != nil {
		text = "panic: " + text
		return text, errors.New(text)
	}
	if !ok {
		return text, errors.New(text)
	}
	return text, o.err
}

// durationMs returns d in milliseconds, to the microsecond.
func durationMs(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// logRequest writes the line of a successful request: five
// attributes, which slog.Record holds without allocating.
func (a *adapter[In, Out]) logRequest(ctx context.Context, l *slog.Logger, r *Request, status int, start time.Time, latency time.Duration) {
	level := a.cfg.requestLevel
	if start.IsZero() || !l.Enabled(ctx, level) {
		return
	}
	l.LogAttrs(ctx, level, names.MsgRequestCompleted,
		slog.String(names.KeyHTTPMethod, r.Method),
		slog.String(names.KeyHTTPRoute, r.Route),
		slog.String(names.KeyHTTPPath, r.Path),
		slog.Int(names.KeyHTTPStatus, status),
		slog.Float64(names.KeyDurationMS, durationMs(latency)))
}

// logFailure writes the line of a failed request, rejected (a 4xx), failed
// or panicked (a 5xx), with everything the client was not told.
func (a *adapter[In, Out]) logFailure(ctx context.Context, l *slog.Logger, r *Request, o *outcome, start time.Time, latency time.Duration) {
	level, msg := a.cfg.clientLevel, names.MsgRequestRejected
	if o.status >= 500 {
		level, msg = slog.LevelError, names.MsgRequestFailed
		if o.panic != nil {
			msg = names.MsgRequestPanicked
		}
	}
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String(names.KeyHTTPMethod, r.Method),
		slog.String(names.KeyHTTPRoute, r.Route),
		slog.String(names.KeyHTTPPath, r.Path),
		slog.Int(names.KeyHTTPStatus, o.status))
	if !start.IsZero() {
		attrs = append(attrs, slog.Float64(names.KeyDurationMS, durationMs(latency)))
	}
	attrs = append(attrs, slog.String(names.KeyErrorCode, o.fail.Code))
	if text, typ, ok := o.describe(); o.panic != nil {
		attrs = append(attrs,
			slog.String(names.KeyPanic, text),
			slog.String(names.KeyErrorType, typ),
			slog.String(names.KeyStackTrace, string(o.panic.stack)))
	} else if ok {
		// The handler writes it with its type, the types it wraps and the
		// stack of any that carries one (logger.Stack).
		attrs = append(attrs, slog.Any(names.KeyError, o.err))
	} else {
		attrs = append(attrs, slog.String(names.KeyError, text), slog.String(names.KeyErrorType, typ))
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}
