package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
)

// show prints a summary of each line lambdawrap writes: the level and
// message of log lines (with the error code and correlation id), the
// metric names and the Route/StatusClass of EMF documents.
type show struct{}

func (show) Write(p []byte) (int, error) {
	var m map[string]any
	if json.Unmarshal(p, &m) != nil {
		return len(p), nil
	}
	if aws, ok := m["_aws"].(map[string]any); ok {
		var names []string
		for _, d := range aws["CloudWatchMetrics"].([]any) {
			for _, mm := range d.(map[string]any)["Metrics"].([]any) {
				if n := mm.(map[string]any)["Name"].(string); n != "InitDuration" {
					names = append(names, n)
				}
			}
		}
		if m["Route"] != nil {
			fmt.Printf("  EMF %s Route=%v Method=%v StatusClass=%v\n", strings.Join(names, ","), m["Route"], m["Method"], m["StatusClass"])
		} else if len(names) > 0 {
			fmt.Printf("  EMF %s\n", strings.Join(names, ","))
		}
		return len(p), nil
	}
	if code, ok := m["error_code"]; ok {
		fmt.Printf("  %s %s code=%v correlation_id=%v\n", m["level"], m["message"], code, m["correlation_id"])
	} else {
		fmt.Printf("  %s %s status=%v correlation_id=%v\n", m["level"], m["message"], m["http_status"], m["correlation_id"])
	}
	return len(p), nil
}

func exampleEvent(method, routeKey, body, auth string) events.APIGatewayV2HTTPRequest {
	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: "/orders", Body: body,
		Headers: map[string]string{"content-type": "application/json"},
	}
	if auth != "" {
		e.Headers["authorization"] = auth
	}
	e.RequestContext.HTTP.Method = method
	e.RequestContext.RequestID = "Jq2yXhT8vHcEJmw="
	return e
}

func ExampleHTTP() {
	type NewOrder struct {
		Customer string `json:"customer" validate:"required"`
		Qty      int    `json:"qty" validate:"min=1,max=10"`
	}
	type Order struct {
		ID       string `json:"id"`
		Customer string `json:"customer"`
	}
	create := func(ctx context.Context, in NewOrder) (Order, error) {
		if in.Customer == "c-gone" {
			return Order{}, httpapi.NotFound("customer not found")
		}
		if in.Customer == "c-bug" {
			return Order{}, errors.New("orders table: connection refused") // logged, never sent
		}
		return Order{ID: "ord-1", Customer: in.Customer}, nil
	}
	prev := slog.Default()
	defer slog.SetDefault(prev)

	// In Lambda: lambdawrap.Start(httpapi.HTTP(create, httpapi.WithStatus(201)), opts...)
	h := lambdawrap.Wrap(httpapi.HTTP(create, httpapi.WithStatus(201)),
		lambdawrap.WithService("orders"),
		lambdawrap.WithWriter(show{}),
		lambdawrap.WithInitType("provisioned-concurrency"), // no cold start in this example
	)
	for _, body := range []string{
		`{"customer":"c-42","qty":2}`,
		`{"customer":"","qty":20}`,
		`{"customer":"c-gone","qty":1}`,
		`{"customer":"c-bug","qty":1}`,
	} {
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
		resp, _ := h(ctx, exampleEvent("POST", "POST /orders", body, ""))
		fmt.Println(resp.StatusCode, resp.Body)
	}
	// Output:
	//   INFO request completed status=201 correlation_id=Jq2yXhT8vHcEJmw=
	//   EMF Requests,Latency Route=/orders Method=POST StatusClass=2xx
	// 201 {"id":"ord-1","customer":"c-42"}
	//   WARN request rejected code=VALIDATION_FAILED correlation_id=Jq2yXhT8vHcEJmw=
	//   EMF Requests,Latency Route=/orders Method=POST StatusClass=4xx
	// 400 {"error":"Request validation failed","code":"VALIDATION_FAILED","details":[{"field":"customer","message":"is required","rule":"required"},{"field":"qty","message":"must be at most 10","rule":"max"}]}
	//   WARN request rejected code=NOT_FOUND correlation_id=Jq2yXhT8vHcEJmw=
	//   EMF Requests,Latency Route=/orders Method=POST StatusClass=4xx
	// 404 {"error":"customer not found","code":"NOT_FOUND"}
	//   ERROR request failed code=INTERNAL_ERROR correlation_id=Jq2yXhT8vHcEJmw=
	//   EMF Requests,Latency Route=/orders Method=POST StatusClass=5xx
	//   EMF Errors
	// 500 {"error":"Internal server error","code":"INTERNAL_ERROR"}
}

// A bearer token checked by your own function; the principal it returns is
// in the handler's context. The client is never told why it was refused.
func ExampleBearer() {
	type Principal struct{ User string }
	verify := func(ctx context.Context, token string) (Principal, error) {
		if token != "tok-alice" { // a real check verifies a JWT's signature and expiry
			return Principal{}, errors.New("unknown token")
		}
		return Principal{User: "alice"}, nil
	}
	whoami := func(ctx context.Context, _ struct{}) (string, error) {
		p, _ := httpapi.PrincipalFromContext[Principal](ctx)
		return "hello " + p.User, nil
	}
	h := httpapi.HTTP(whoami, httpapi.WithMiddleware(httpapi.Bearer(verify)),
		httpapi.WithLogger(slog.New(slog.DiscardHandler)))
	for _, auth := range []string{"Bearer tok-alice", "Bearer tok-eve", ""} {
		resp, _ := h(context.Background(), exampleEvent("GET", "GET /whoami", "", auth))
		fmt.Println(resp.StatusCode, resp.Body)
	}
	// Output:
	// 200 "hello alice"
	// 401 {"error":"Unauthorized","code":"UNAUTHORIZED"}
	// 401 {"error":"Unauthorized","code":"UNAUTHORIZED"}
}

// The handler reads path parameters, the query and headers from the
// request in its context, and may choose the status and add headers.
func ExampleRequestFromContext() {
	type Order struct {
		ID     string `json:"id"`
		Expand string `json:"expand,omitempty"`
	}
	get := func(ctx context.Context, _ struct{}) (Order, error) {
		r, _ := httpapi.RequestFromContext(ctx)
		id := r.PathParams["id"]
		if id != "ord-1" {
			return Order{}, httpapi.NotFound("no order " + id)
		}
		httpapi.SetHeader(ctx, "Cache-Control", "max-age=60")
		return Order{ID: id, Expand: r.Query["expand"]}, nil
	}
	h := httpapi.REST(get, httpapi.WithLogger(slog.New(slog.DiscardHandler)))
	for _, id := range []string{"ord-1", "ord-2"} {
		resp, _ := h(context.Background(), events.APIGatewayProxyRequest{
			Resource: "/orders/{id}", Path: "/orders/" + id, HTTPMethod: "GET",
			PathParameters:        map[string]string{"id": id},
			QueryStringParameters: map[string]string{"expand": "items"},
		})
		fmt.Println(resp.StatusCode, resp.Headers["Cache-Control"], resp.Body)
	}
	// Output:
	// 200 max-age=60 {"id":"ord-1","expand":"items"}
	// 404  {"error":"no order ord-2","code":"NOT_FOUND"}
}

// Errors carry a status, a stable code and a message for the client; the
// cause is only logged.
func ExampleError() {
	reserve := func(ctx context.Context, in struct {
		Seat string `json:"seat"`
	}) (string, error) {
		switch in.Seat {
		case "12A":
			return "", httpapi.Conflict("seat already taken").WithCause(errors.New("unique violation on seats_pkey"))
		case "99Z":
			return "", httpapi.Validation(httpapi.FieldError{Field: "seat", Message: "does not exist", Rule: "exists"})
		case "XXL":
			return "", &httpapi.Error{Status: 503, Code: "SOLD_OUT_SOON", Message: "Try again in a minute"}
		}
		return "reserved " + in.Seat, nil
	}
	h := httpapi.FunctionURL(reserve, httpapi.WithLogger(slog.New(slog.DiscardHandler)))
	for _, seat := range []string{"3C", "12A", "99Z", "XXL"} {
		e := events.LambdaFunctionURLRequest{Body: `{"seat":"` + seat + `"}`, Headers: map[string]string{"content-type": "application/json"}}
		e.RequestContext.HTTP.Method = "POST"
		resp, _ := h(context.Background(), e)
		fmt.Println(resp.StatusCode, resp.Body)
	}
	// Output:
	// 200 "reserved 3C"
	// 409 {"error":"seat already taken","code":"CONFLICT"}
	// 400 {"error":"Request validation failed","code":"VALIDATION_FAILED","details":[{"field":"seat","message":"does not exist","rule":"exists"}]}
	// 503 {"error":"Try again in a minute","code":"SOLD_OUT_SOON"}
}

// CORS is off unless asked for, and never "*" unless listed.
func ExampleWithCORS() {
	hello := func(context.Context, struct{}) (string, error) { return "hi", nil }
	h := httpapi.HTTP(hello, httpapi.WithCORS(httpapi.CORS{AllowOrigins: []string{"https://shop.example.com"}}),
		httpapi.WithLogger(slog.New(slog.DiscardHandler)))
	for _, origin := range []string{"https://shop.example.com", "https://evil.example.net"} {
		e := exampleEvent("GET", "GET /hello", "", "")
		e.Headers["origin"] = origin
		resp, _ := h(context.Background(), e)
		fmt.Printf("%s → %q\n", origin, resp.Headers["Access-Control-Allow-Origin"])
	}
	// Output:
	// https://shop.example.com → "https://shop.example.com"
	// https://evil.example.net → ""
}

// Middlewares written once for every handler: one refuses requests without
// an API key before their body is decoded and puts the caller in the
// context, one looks at what became of each request.
func ExampleWithMiddleware() {
	type NewOrder struct {
		Qty int `json:"qty" validate:"min=1"`
	}
	requireKey := func(next httpapi.RequestHandler) httpapi.RequestHandler {
		return func(ctx context.Context, r *httpapi.Request) error {
			if r.Header("X-Api-Key") != "key-alice" { // a real check looks the key up
				return httpapi.Unauthorized()
			}
			return next(httpapi.ContextWithPrincipal(ctx, "alice"), r)
		}
	}
	audit := func(next httpapi.RequestHandler) httpapi.RequestHandler {
		return func(ctx context.Context, r *httpapi.Request) error {
			err := next(ctx, r)
			fmt.Println("audit:", r.Method, r.Route, r.ResponseStatus())
			return err
		}
	}
	create := func(ctx context.Context, in NewOrder) (string, error) {
		who, _ := httpapi.PrincipalFromContext[string](ctx)
		return fmt.Sprintf("%d for %s", in.Qty, who), nil
	}
	h := httpapi.HTTP(create, httpapi.WithMiddleware(audit, requireKey), httpapi.WithStatus(201),
		httpapi.WithLogger(slog.New(slog.DiscardHandler)))
	for _, c := range []struct{ key, body string }{
		{"key-alice", `{"qty":2}`},
		{"key-alice", `{"qty":0}`},
		{"", `{"qty":0}`}, // refused before the body is validated
	} {
		e := exampleEvent("POST", "POST /orders", c.body, "")
		if c.key != "" {
			e.Headers["x-api-key"] = c.key
		}
		resp, _ := h(context.Background(), e)
		fmt.Println(resp.StatusCode, resp.Body)
	}
	// Output:
	// audit: POST /orders 201
	// 201 "2 for alice"
	// audit: POST /orders 400
	// 400 {"error":"Request validation failed","code":"VALIDATION_FAILED","details":[{"field":"qty","message":"must be at least 1","rule":"min"}]}
	// audit: POST /orders 401
	// 401 {"error":"Unauthorized","code":"UNAUTHORIZED"}
}

// errNoSuchOrder and outOfStockError stand for a domain package's errors:
// it returns them knowing nothing of HTTP, and main maps them.
var errNoSuchOrder = errors.New("orders: no such order")

type outOfStockError struct{ SKU string }

func (e *outOfStockError) Error() string { return "orders: " + e.SKU + " is out of stock" }

// Domain errors become statuses in main, through an error mapper; an error
// no mapper knows is a 500 that says nothing. Each request is logged once.
func ExampleWithErrorMapper() {
	mapOrders := func(err error) *httpapi.Error {
		var stock *outOfStockError
		switch {
		case errors.Is(err, errNoSuchOrder):
			return httpapi.NotFound("no such order")
		case errors.As(err, &stock):
			return httpapi.Conflict(stock.SKU + " is out of stock")
		}
		return nil
	}
	cancel := func(ctx context.Context, _ struct{}) (string, error) {
		r, _ := httpapi.RequestFromContext(ctx)
		switch id := r.PathParams["id"]; id {
		case "ord-1":
			return "cancelled", nil
		case "ord-2":
			return "", fmt.Errorf("cancel %s: %w", id, &outOfStockError{SKU: "A-1"})
		case "ord-3":
			return "", errors.New("orders table: connection reset") // logged, never sent
		default:
			return "", fmt.Errorf("cancel %s: %w", id, errNoSuchOrder)
		}
	}
	prev := slog.Default()
	defer slog.SetDefault(prev)
	h := lambdawrap.Wrap(httpapi.HTTP(cancel, httpapi.WithErrorMapper(mapOrders)),
		lambdawrap.WithService("orders"),
		lambdawrap.WithWriter(show{}),
		lambdawrap.WithInitType("provisioned-concurrency"),
	)
	for _, id := range []string{"ord-1", "ord-2", "ord-3", "ord-9"} {
		e := exampleEvent("DELETE", "DELETE /orders/{id}", "", "")
		e.PathParameters = map[string]string{"id": id}
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
		resp, _ := h(ctx, e)
		fmt.Println(resp.StatusCode, resp.Body)
	}
	// Output:
	//   INFO request completed status=200 correlation_id=Jq2yXhT8vHcEJmw=
	//   EMF Requests,Latency Route=/orders/{id} Method=DELETE StatusClass=2xx
	// 200 "cancelled"
	//   WARN request rejected code=CONFLICT correlation_id=Jq2yXhT8vHcEJmw=
	//   EMF Requests,Latency Route=/orders/{id} Method=DELETE StatusClass=4xx
	// 409 {"error":"A-1 is out of stock","code":"CONFLICT"}
	//   ERROR request failed code=INTERNAL_ERROR correlation_id=Jq2yXhT8vHcEJmw=
	//   EMF Requests,Latency Route=/orders/{id} Method=DELETE StatusClass=5xx
	//   EMF Errors
	// 500 {"error":"Internal server error","code":"INTERNAL_ERROR"}
	//   WARN request rejected code=NOT_FOUND correlation_id=Jq2yXhT8vHcEJmw=
	//   EMF Requests,Latency Route=/orders/{id} Method=DELETE StatusClass=4xx
	// 404 {"error":"no such order","code":"NOT_FOUND"}
}
