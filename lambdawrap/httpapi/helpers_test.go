package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
)

// The codes of the responses, as clients see them: the tests pin the
// values, which never change.
const (
	codeInvalidJSON          = "INVALID_JSON"
	codeBodyRequired         = "BODY_REQUIRED"
	codeValidation           = "VALIDATION_FAILED"
	codeUnauthorized         = "UNAUTHORIZED"
	codeForbidden            = "FORBIDDEN"
	codeNotFound             = "NOT_FOUND"
	codeConflict             = "CONFLICT"
	codePayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	codeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	codeInternal             = "INTERNAL_ERROR"
	internalMessage          = "Internal server error"
)

// The API the tests serve: create an order.

type item struct {
	SKU string `json:"sku" validate:"required"`
	Qty int    `json:"qty" validate:"min=1,max=100"`
}

type newOrder struct {
	Customer string `json:"customer" validate:"required"`
	Items    []item `json:"items" validate:"required,min=1,dive"`
}

// Validate runs after the tags passed.
func (o newOrder) Validate() error {
	if o.Customer == "blocked" {
		return httpapi.FieldError{Field: "customer", Message: "is not allowed to order"}
	}
	return nil
}

type order struct {
	ID        string `json:"id"`
	Customer  string `json:"customer"`
	Items     int    `json:"items"`
	Principal string `json:"principal,omitempty"`
	Route     string `json:"route"`
}

// secret is what internal errors and panics say: it must never reach a client.
const secret = "pq: password authentication failed for user admin at 10.0.0.5:5432"

// errOrderNotFound is a domain error, returned by code that knows nothing of
// HTTP; mapDomain, given to WithErrorMapper, answers it.
var errOrderNotFound = errors.New("order not found in table orders-prod")

func mapDomain(err error) *httpapi.Error {
	if errors.Is(err, errOrderNotFound) {
		return notFoundOrder
	}
	return nil
}

// notFoundOrder is shared by every call of mapDomain: the adapter must never
// change it.
var notFoundOrder = httpapi.NotFound("order not found")

// derefError's Error method dereferences its receiver: a nil *derefError
// returned as an error panics wherever it is printed.
type derefError struct{ table string }

func (e *derefError) Error() string { return "lookup in " + e.table + " failed" }

// panickyError's Error method panics.
type panickyError struct{}

func (panickyError) Error() string { panic("Error of " + secret) }

func createOrder(ctx context.Context, in newOrder) (order, error) {
	switch in.Customer {
	case "c-403":
		return order{}, httpapi.Forbidden("customer may not order")
	case "c-404":
		return order{}, fmt.Errorf("load customer: %w", httpapi.NotFound("customer not found"))
	case "c-409":
		return order{}, httpapi.Conflict("order already exists").WithCause(errors.New("duplicate key orders_pkey"))
	case "c-401":
		return order{}, httpapi.Unauthorized().WithCause(errors.New("token expired 3 minutes ago"))
	case "c-413":
		return order{}, &httpapi.Error{Status: 413, Code: codePayloadTooLarge, Message: "Request body exceeds 10 bytes"}
	case "c-422":
		return order{}, httpapi.Validation(httpapi.FieldError{Field: "items", Message: "out of stock", Rule: "stock"})
	case "c-500":
		return order{}, fmt.Errorf("insert order: %w", errors.New(secret))
	case "c-domain":
		return order{}, fmt.Errorf("load order: %w", errOrderNotFound)
	case "c-typed-nil":
		var e *derefError
		return order{}, e
	case "c-bad-error":
		return order{}, panickyError{}
	case "c-503":
		return order{}, &httpapi.Error{Status: 503, Code: "MAINTENANCE", Message: "Back in five minutes"}
	case "c-panic":
		var m map[string]int
		if len(in.Items) > 0 {
			m = nilMap()
		}
		m[secret]++ // a nil map write: runtime error
	case "c-location":
		httpapi.SetHeader(ctx, "Location", "/orders/ord-1")
	case "c-200":
		httpapi.SetStatus(ctx, 200)
	}
	r, _ := httpapi.RequestFromContext(ctx)
	p, _ := httpapi.PrincipalFromContext[string](ctx)
	return order{ID: "ord-1", Customer: in.Customer, Items: len(in.Items), Principal: p, Route: r.Route}, nil
}

func nilMap() map[string]int { return nil }

// req describes how a case changes the sample event.
type req struct {
	method  string            // default POST
	body    *string           // nil: the sample's body
	b64     bool              // base64-encode body
	headers map[string]string // set (lower-case names are matched in any case); "" deletes
}

func str(s string) *string { return &s }

// got is what one invocation answered and emitted.
type got struct {
	status  int
	headers map[string]string
	body    string
	res     lambdaobstest.Result[any]
}

// kind is one event source.
type kind struct {
	name       string
	route      string // the route of the sample event
	path       string // the path of the sample event
	requestID  string // the sample's requestContext.requestId
	invoke     func(t *testing.T, r req, opts []httpapi.Option) got
	invokeWith func(t *testing.T, r req, opts []httpapi.Option, lreq lambdaobstest.Request) got
}

var wrapOpts = []lambdawrap.Option{lambdawrap.WithService("orders"), lambdawrap.WithNamespace("Shop")}

func load[E any](t testing.TB, file string) E {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var e E
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// setHeaders applies r.headers to h, matching names in any case.
func setHeaders(h map[string]string, set map[string]string) map[string]string {
	if h == nil {
		h = map[string]string{}
	}
	for name, v := range set {
		for k := range h {
			if strings.EqualFold(k, name) {
				delete(h, k)
			}
		}
		if v != "" {
			h[name] = v
		}
	}
	return h
}

func (r req) bodyOr(def string, defB64 bool) (string, bool) {
	if r.body == nil {
		return def, defB64
	}
	b := *r.body
	if r.b64 {
		return base64.StdEncoding.EncodeToString([]byte(b)), true
	}
	return b, false
}

func (r req) methodOr(def string) string {
	if r.method == "" {
		return def
	}
	return r.method
}

func toGot[Resp any](res lambdaobstest.Result[Resp], status func(Resp) (int, map[string]string, string)) got {
	g := got{res: lambdaobstest.Result[any]{Output: res.Output, Err: res.Err, Panic: res.Panic, Logs: res.Logs, Metrics: res.Metrics, Spans: res.Spans, Other: res.Other, Raw: res.Raw}}
	g.status, g.headers, g.body = status(res.Output)
	return g
}

var kinds = []kind{
	{
		name: "REST", route: "/orders", path: "/orders", requestID: "e1f2a3b4-8c6d-4e5f-9a0b-1c2d3e4f5a6b",
		invokeWith: func(t *testing.T, r req, opts []httpapi.Option, lreq lambdaobstest.Request) got {
			e := load[events.APIGatewayProxyRequest](t, "rest-create-order.json")
			e.HTTPMethod = r.methodOr(e.HTTPMethod)
			e.RequestContext.HTTPMethod = e.HTTPMethod
			e.Body, e.IsBase64Encoded = r.bodyOr(e.Body, e.IsBase64Encoded)
			e.Headers = setHeaders(e.Headers, r.headers)
			e.MultiValueHeaders = nil
			f := lambdaobstest.New(t, httpapi.REST(createOrder, opts...), wrapOpts...)
			return toGot(f.Invoke(e, lreq), func(o events.APIGatewayProxyResponse) (int, map[string]string, string) {
				return o.StatusCode, o.Headers, o.Body
			})
		},
	},
	{
		name: "HTTP", route: "/orders", path: "/orders", requestID: "JKJaXmPLvHcESHA=",
		invokeWith: func(t *testing.T, r req, opts []httpapi.Option, lreq lambdaobstest.Request) got {
			e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
			m := r.methodOr(e.RequestContext.HTTP.Method)
			e.RequestContext.HTTP.Method = m
			e.RouteKey = m + " /orders"
			e.RequestContext.RouteKey = e.RouteKey
			e.Body, e.IsBase64Encoded = r.bodyOr(e.Body, e.IsBase64Encoded)
			e.Headers = setHeaders(e.Headers, lower(r.headers))
			f := lambdaobstest.New(t, httpapi.HTTP(createOrder, opts...), wrapOpts...)
			return toGot(f.Invoke(e, lreq), func(o events.APIGatewayV2HTTPResponse) (int, map[string]string, string) {
				return o.StatusCode, o.Headers, o.Body
			})
		},
	},
	{
		name: "FunctionURL", route: "$default", path: "/", requestID: "6f8c1a2b-3d4e-4f50-8a9b-0c1d2e3f4a5b",
		invokeWith: func(t *testing.T, r req, opts []httpapi.Option, lreq lambdaobstest.Request) got {
			e := load[events.LambdaFunctionURLRequest](t, "url-create-order.json")
			e.RequestContext.HTTP.Method = r.methodOr(e.RequestContext.HTTP.Method)
			e.Body, e.IsBase64Encoded = r.bodyOr(e.Body, e.IsBase64Encoded)
			e.Headers = setHeaders(e.Headers, lower(r.headers))
			f := lambdaobstest.New(t, httpapi.FunctionURL(createOrder, opts...), wrapOpts...)
			return toGot(f.Invoke(e, lreq), func(o events.LambdaFunctionURLResponse) (int, map[string]string, string) {
				return o.StatusCode, o.Headers, o.Body
			})
		},
	},
}

func init() {
	for i := range kinds {
		k := &kinds[i]
		k.invoke = func(t *testing.T, r req, opts []httpapi.Option) got {
			return k.invokeWith(t, r, opts, lambdaobstest.Request{})
		}
	}
}

func lower(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = v
	}
	return out
}

// adapterLines returns the lines the adapter logs for a request, whatever
// became of it.
func adapterLines(logs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, l := range logs {
		switch l["message"] {
		case names.MsgRequestCompleted, names.MsgRequestRejected, names.MsgRequestFailed, names.MsgRequestPanicked:
			out = append(out, l)
		}
	}
	return out
}

// lines returns the log lines with message msg.
func lines(logs []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range logs {
		if l["message"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// requestDoc returns the EMF document holding Requests.
func requestDoc(t *testing.T, docs []map[string]any) map[string]any {
	t.Helper()
	var found map[string]any
	for _, d := range docs {
		if len(lambdaobstest.MetricValues([]map[string]any{d}, names.MetricHTTPRequests)) > 0 {
			if found != nil {
				t.Errorf("two documents hold Requests")
			}
			found = d
		}
	}
	if found == nil {
		t.Fatalf("no Requests document in %v", docs)
	}
	return found
}

// invocationSpan returns the wrapper's span.
func invocationSpan(t *testing.T, spans []*lambdaobstest.SpanData) *lambdaobstest.SpanData {
	t.Helper()
	for _, s := range spans {
		if s.Invocation != nil {
			return s
		}
	}
	t.Fatalf("no invocation span in %v", spans)
	return nil
}
