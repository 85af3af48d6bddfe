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

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/logger"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// adapter is what the three event shapes share: the typed handler and the
// configuration, and the pipeline from a Request to a response.
type adapter[In, Out any] struct {
	h         func(context.Context, In) (Out, error)
	cfg       *config
	validate  *validator.Validate // nil: no struct-tag validation
	noBody    bool                // In has size zero: the body is never read
	inPointer bool                // In is a pointer type
	validator bool                // In or *In implements Validator
}

var validatorType = reflect.TypeFor[Validator]()

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
	return a
}

// response is what serve answers, before it is put into an event response.
type response struct {
	status  int
	headers map[string]string
	body    string
}

// outcome is what became of a request.
type outcome struct {
	status   int
	body     []byte // the encoded Out; nil for 204 and failures
	fail     *Error // the error answered, nil on success
	err      error  // the error logged and recorded: the handler's own, wrapping chain included
	panicked bool
	panicVal any
	stack    []byte
}

// serve runs one request through the pipeline and reports it: span
// attributes and status, a log line for failures, metrics.
func (a *adapter[In, Out]) serve(ctx context.Context, q *requestCtx, body string, base64Encoded bool) response {
	// Latency is recorded only in an invocation lambdawrap observes: the
	// clock is not read for nothing.
	inv := logger.FromContext(ctx)
	var start time.Time
	if inv != nil {
		start = time.Now()
	}
	c := a.cfg
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
		q.attrs[0] = slog.String(logger.KeyCorrelationID, r.CorrelationID)
		ctx = logger.ContextWithAttrs(ctx, q.attrs[:]...)
	}
	method := methodName(r.Method)
	span := tracing.SpanFromContext(ctx)
	recording := span.IsRecording()
	if recording {
		span.SetAttributes(slog.String(AttrRoute, r.Route), slog.String(AttrMethod, method), slog.String(AttrURLPath, r.Path))
		if method == "_OTHER" {
			span.SetAttributes(slog.String(AttrMethodOriginal, r.Method))
		}
	}

	o := a.run(ctx, r, body, base64Encoded)
	resp := a.respond(r, &o)
	a.report(ctx, inv, r, method, &o, start, span, recording)
	return resp
}

// run is exec with a panic turned into a 500.
func (a *adapter[In, Out]) run(ctx context.Context, r *Request, body string, base64Encoded bool) (o outcome) {
	defer func() {
		if p := recover(); p != nil {
			o = outcome{status: http.StatusInternalServerError, fail: internal(nil), panicked: true, panicVal: p, stack: debug.Stack()}
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

var bodyRequired = &Error{Status: http.StatusBadRequest, Code: CodeBodyRequired, Message: "Request body is required"}

// exec is the pipeline: preflight, body, authentication, decoding,
// validation, the handler, encoding.
func (a *adapter[In, Out]) exec(ctx context.Context, r *Request, body string, base64Encoded bool) outcome {
	c := a.cfg
	if c.cors != nil && r.preflight {
		return outcome{status: http.StatusNoContent}
	}
	if e := a.readBody(r, body, base64Encoded); e != nil {
		return failed(e, nil)
	}
	if c.auth != nil {
		actx, err := c.auth(ctx, r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e == nil {
				e = Unauthorized()
			}
			return failed(classify(e), err)
		}
		if actx != nil {
			ctx = actx
		}
	}
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
				return failed(UnsupportedMediaType(), fmt.Errorf("Content-Type %q", r.contentType))
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
		return failed(classify(err), err)
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
		return failed(internal(err), fmt.Errorf("httpapi: encode response: %w", err))
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
			return PayloadTooLarge(limit)
		}
		if len(body) > 0 {
			r.Body = []byte(body)
		}
		return nil
	}
	if int64(base64.StdEncoding.DecodedLen(len(body))) > limit+3 {
		return PayloadTooLarge(limit)
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		var err2 error
		if b, err2 = base64.RawStdEncoding.DecodeString(body); err2 != nil {
			return BadRequest("Request body is not valid base64").WithCause(err)
		}
	}
	if int64(len(b)) > limit {
		return PayloadTooLarge(limit)
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
			return internal(fmt.Errorf("httpapi: validate: %w", err))
		}
	}
	if a.validator {
		if v, ok := target.(Validator); ok {
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
		h[HeaderContentType] = ContentTypeJSON
	case o.body != nil:
		body = string(o.body)
		h[HeaderContentType] = ContentTypeJSON
	}
	if r.CorrelationID != "" {
		h[HeaderCorrelationID] = r.CorrelationID
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

// report records o: span attributes and status, a log line for a failure,
// the per-request metrics, and Errors (and Panics) for a 5xx.
func (a *adapter[In, Out]) report(ctx context.Context, inv *logger.Invocation, r *Request, method string, o *outcome, start time.Time, span tracing.Span, recording bool) {
	status := o.status
	if recording {
		span.SetAttributes(slog.Int(AttrStatusCode, status))
		switch {
		case status >= 500:
			cause := o.err
			if o.panicked {
				cause = fmt.Errorf("panic: %v", o.panicVal)
			}
			span.RecordError(cause)
			span.SetStatus(tracing.Error, cause.Error())
		case status >= 400:
			span.SetStatus(tracing.ClientError, o.fail.Code)
		}
	}
	if status >= 400 && o.fail != nil {
		a.log(ctx, r, o)
	}

	if inv == nil {
		return // not in an invocation lambdawrap observes: nothing to record into
	}
	latency := time.Since(start)
	rec, ok := metrics.Lookup(ctx)
	if !ok {
		return
	}
	// Documents of their own per route, method and status class, written
	// with the invocation's flush and carrying its request and trace ids.
	m := rec.With(
		metrics.Dimension{Name: DimRoute, Value: r.Route},
		metrics.Dimension{Name: DimMethod, Value: method},
		metrics.Dimension{Name: DimStatusClass, Value: statusClass(status)})
	m.Count(MetricRequests, 1)
	m.Duration(MetricLatency, latency)
	if r.CorrelationID != "" {
		m.SetProperty(logger.KeyCorrelationID, r.CorrelationID)
	}
	if status >= 500 {
		// The handler answered instead of returning an error, so the wrapper
		// does not see this failure: count it with the wrapper's own
		// dimensions (service, function_name).
		var life *metrics.Recorder
		if fn := rec.FunctionName(); fn != "" {
			life = rec.With(metrics.Dimension{Name: lambdawrap.DimFunctionName, Value: fn})
		} else {
			life = rec.With()
		}
		if a.cfg.errorMetric {
			life.Count(lambdawrap.MetricErrors, 1)
		}
		if o.panicked {
			life.Count(lambdawrap.MetricPanics, 1)
		}
	}
}

// log writes the line of a failed request: MsgRejected for a 4xx, MsgFailed
// or MsgPanic for a 5xx, with everything the client was not told.
func (a *adapter[In, Out]) log(ctx context.Context, r *Request, o *outcome) {
	l := a.cfg.logger()
	level, msg := a.cfg.clientLevel, MsgRejected
	if o.status >= 500 {
		level, msg = slog.LevelError, MsgFailed
		if o.panicked {
			msg = MsgPanic
		}
	}
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs,
		slog.String(KeyMethod, r.Method),
		slog.String(KeyRoute, r.Route),
		slog.Int(KeyStatus, o.status),
		slog.String(KeyCode, o.fail.Code))
	if o.panicked {
		attrs = append(attrs,
			slog.String(KeyPanic, fmt.Sprint(o.panicVal)),
			slog.String(logger.KeyErrorType, fmt.Sprintf("%T", o.panicVal)),
			slog.String(logger.KeyStackTrace, string(o.stack)))
	} else {
		attrs = append(attrs, slog.Any(logger.KeyError, o.err))
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}
