package httpapi

import (
	"context"
	"log/slog"
	"strings"

	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Request is what the adapter knows of the HTTP request behind an event,
// the same for the three event sources. The handler reaches it with
// RequestFromContext; a Middleware receives it. Its maps are the
// event's own: read them, do not change them.
//
// The event itself is not kept (copying it would cost every request an
// allocation of its size). A handler that needs more of it wraps the
// adapter's function and passes what it needs in the context:
//
//	h := httpapi.REST(getOrder)
//	lambdawrap.Start(func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
//		return h(context.WithValue(ctx, identityKey{}, e.RequestContext.Identity), e)
//	})
type Request struct {
	Method     string            // "GET", "POST", … as received
	Route      string            // the route of the metrics and span (see WithRoute)
	Path       string            // the request path, "/orders/ord-1"
	PathParams map[string]string // {"id": "ord-1"}; nil for Function URLs
	Query      map[string]string // query string parameters (repeated ones comma-joined by API Gateway v2)
	// Headers are the request headers as the event carries them: REST API
	// events keep the client's case, HTTP API and Function URL events are
	// lower case. Header looks one up in any case.
	Headers       map[string]string
	Body          []byte // the body, base64-decoded when the event says so
	RequestID     string // API Gateway's or the function URL's request id (requestContext.requestId)
	SourceIP      string
	CorrelationID string // X-Correlation-Id when the client sent a valid one, else RequestID

	Cookies        []string          // HTTP API and function URL events carry cookies apart from Headers
	StageVariables map[string]string // API Gateway stage variables
	// Authorizer is what the authorizer in front of the function passed on,
	// as the event has it, or nil: map[string]any for REST APIs (a Lambda
	// authorizer's context, Cognito's "claims"),
	// *events.APIGatewayV2HTTPRequestContextAuthorizerDescription for HTTP
	// APIs (JWT claims, Lambda, IAM) and
	// *events.LambdaFunctionURLRequestContextAuthorizerDescription for
	// function URLs (IAM).
	Authorizer any

	// lowerHeaders: the event's header names are all lower case (HTTP API,
	// function URL), so they are looked up directly.
	lowerHeaders bool

	// Found in one pass over Headers.
	contentType, correlation, origin string
	// preflight is set for an OPTIONS request with Access-Control-Request-Method.
	preflight bool

	// The response, as the handler shapes it.
	status      int
	respHeaders map[string]string

	// out is the answer so far, when there are middlewares.
	out *outcome
}

// ResponseStatus returns the status the request is answered with, as far as
// it is decided: in a middleware, once next has returned, the success
// status (WithStatus, SetStatus) or the status of the error next returned;
// 0 before, and in a handler.
func (r *Request) ResponseStatus() int {
	if r.out == nil {
		return 0
	}
	return r.out.status
}

// Header returns the value of the request header name, in any case, or "".
func (r *Request) Header(name string) string {
	if v, ok := r.Headers[name]; ok {
		return v
	}
	if r.lowerHeaders {
		if v, ok := r.Headers[strings.ToLower(name)]; ok {
			return v
		}
	}
	for k, v := range r.Headers {
		if len(k) == len(name) && strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// scanHeaders finds the headers the adapter itself needs. HTTP API and
// function URL events have lower-case names; REST API events keep the
// client's case, so the usual spellings are looked up directly (a scan of
// every header costs several times more), and only when a body came
// without a Content-Type in any usual spelling are all names compared.
func (r *Request) scanHeaders(hasBody bool) {
	h := r.Headers
	if r.lowerHeaders {
		r.contentType, r.correlation, r.origin = h["content-type"], h["x-correlation-id"], h["origin"]
		r.preflight = r.origin != "" && h["access-control-request-method"] != "" && strings.EqualFold(r.Method, "OPTIONS")
	} else {
		r.contentType = first(h, "Content-Type", "content-type")
		r.correlation = first(h, names.HeaderCorrelationID, "x-correlation-id", "X-Correlation-ID", "X-CORRELATION-ID")
		r.origin = first(h, "Origin", "origin")
		r.preflight = r.origin != "" && strings.EqualFold(r.Method, "OPTIONS") &&
			first(h, "Access-Control-Request-Method", "access-control-request-method") != ""
	}
	if r.contentType != "" || !hasBody || len(h) == 0 {
		return
	}
	// A client spelling names its own way, or a hand-made event.
	for k, v := range h {
		switch len(k) {
		case len("content-type"):
			if strings.EqualFold(k, "content-type") {
				r.contentType = v
			}
		case len("x-correlation-id"):
			if strings.EqualFold(k, "x-correlation-id") {
				r.correlation = v
			}
		case len("origin"):
			if strings.EqualFold(k, "origin") {
				r.origin = v
			}
		}
	}
}

// first returns the value of the first of names present in h.
func first(h map[string]string, names ...string) string {
	for _, n := range names {
		if v, ok := h[n]; ok {
			return v
		}
	}
	return ""
}

type requestKey struct{}

// requestCtx is the context the handler receives: its parent carrying the
// Request, allocated with it (a context.WithValue of its own would be one
// more allocation per request).
type requestCtx struct {
	context.Context
	req   Request
	attrs [1]slog.Attr // the correlation id's log attribute
}

// Value implements context.Context.
func (c *requestCtx) Value(key any) any {
	if _, ok := key.(requestKey); ok {
		return &c.req
	}
	return c.Context.Value(key)
}

// RequestFromContext returns the request the adapter is serving, and true;
// outside an adapter it returns an empty Request (never nil) and false.
func RequestFromContext(ctx context.Context) (*Request, bool) {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok && r != nil {
		return r, true
	}
	return &Request{}, false
}

// SetHeader sets a header of the successful response to the request in ctx
// (say, Location after a create). Error responses do not carry it. It does
// nothing outside an adapter. Call it from the handler's goroutine.
func SetHeader(ctx context.Context, name, value string) {
	r, ok := RequestFromContext(ctx)
	if !ok {
		return
	}
	if r.respHeaders == nil {
		r.respHeaders = make(map[string]string, 2)
	}
	r.respHeaders[name] = value
}

// SetStatus sets the status of the successful response to the request in
// ctx, instead of WithStatus's (say, 200 rather than 201 when a PUT
// replaced a resource). A status outside 200..299 is ignored, as is a call
// outside an adapter. Call it from the handler's goroutine.
func SetStatus(ctx context.Context, code int) {
	if r, ok := RequestFromContext(ctx); ok && code >= 200 && code <= 299 {
		r.status = code
	}
}

// validCorrelationID reports whether a client-sent correlation id may be
// used: 1 to 128 visible ASCII characters, so it can go into log lines,
// metrics properties and response headers as it is.
func validCorrelationID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// isJSON reports whether a Content-Type value is application/json or a
// +json type, parameters (charset) aside.
func isJSON(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	if strings.EqualFold(ct, contentTypeJSON) {
		return true
	}
	slash := strings.IndexByte(ct, '/')
	return slash > 0 && len(ct) > slash+len("+json") && strings.EqualFold(ct[len(ct)-len("+json"):], "+json") &&
		strings.EqualFold(ct[:slash], "application")
}

// methodName returns method as the metrics and span name it: upper case when
// it is one of the methods of RFC 9110 or PATCH, else "_OTHER" (OpenTelemetry's
// convention), so clients cannot create metrics at will.
func methodName(method string) string {
	for _, m := range knownMethods {
		if strings.EqualFold(method, m) {
			return m
		}
	}
	return "_OTHER"
}

var knownMethods = [...]string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"}

// statusClass returns "2xx", "4xx", … for a status.
func statusClass(status int) string {
	switch status / 100 {
	case 1:
		return "1xx"
	case 2:
		return "2xx"
	case 3:
		return "3xx"
	case 4:
		return "4xx"
	default:
		return "5xx"
	}
}
