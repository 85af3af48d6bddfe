// Command apigw is an HTTP API (API Gateway, payload format 2.0) function
// observed by lambdaobs: POST /orders creates an order. It shows the httpapi
// adapter end to end: a bearer token checked by our own function (the
// principal goes into the context; a refused caller hears only
// "Unauthorized"), struct-tag validation, errors with a status and a stable
// code, and an internal error whose details stay in the logs.
//
// Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it invokes itself on the
// sample events in events/ and prints what it would emit in Lambda (log
// lines and EMF documents on stdout, the responses on stderr):
//
//	go run ./examples/apigw
//
// Built as bootstrap, it is a real function behind an HTTP API route
// "POST /orders":
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/apigw
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// NewOrder is the request body.
type NewOrder struct {
	OrderID  string `json:"order_id" validate:"required,max=64"`
	Customer string `json:"customer" validate:"required"`
	Items    []Item `json:"items" validate:"required,min=1,max=50,dive"`
}

// Item is one line of an order.
type Item struct {
	SKU string `json:"sku" validate:"required"`
	Qty int    `json:"qty" validate:"min=1,max=100"`
}

// Order is the response body.
type Order struct {
	OrderID   string    `json:"order_id"`
	Customer  string    `json:"customer"`
	Items     int       `json:"items"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Principal is the caller a bearer token stands for.
type Principal struct {
	User   string
	Scopes []string
}

// verifyToken checks a bearer token. A real function verifies a JWT's
// signature, issuer and expiry here; this one knows two demo tokens.
func verifyToken(_ context.Context, token string) (Principal, error) {
	switch token {
	case "demo-token-alice":
		return Principal{User: "alice", Scopes: []string{"orders:write"}}, nil
	case "demo-token-bob":
		return Principal{User: "bob", Scopes: []string{"orders:read"}}, nil
	}
	return Principal{}, errors.New("token not recognised") // logged; the client hears "Unauthorized"
}

// store keeps the orders this process created (a real function uses DynamoDB).
type store struct {
	mu     sync.Mutex
	orders map[string]Order
}

// errPaymentGateway stands for a failing dependency: its message is logged
// and recorded on the span, never sent to the client.
var errPaymentGateway = errors.New("payment gateway 10.0.3.7:8443: TLS handshake timeout")

func (s *store) createOrder(ctx context.Context, in NewOrder) (Order, error) {
	p, _ := httpapi.PrincipalFromContext[Principal](ctx)
	if !slices.Contains(p.Scopes, "orders:write") {
		return Order{}, httpapi.Forbidden("missing scope orders:write")
	}
	if in.Customer == "c-crash" {
		return Order{}, fmt.Errorf("reserve payment for %s: %w", in.OrderID, errPaymentGateway)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.orders[in.OrderID]; dup {
		return Order{}, httpapi.Conflict("order " + in.OrderID + " already exists")
	}
	o := Order{OrderID: in.OrderID, Customer: in.Customer, Items: len(in.Items), CreatedBy: p.User, CreatedAt: time.Now().UTC()}
	s.orders[in.OrderID] = o
	slog.InfoContext(ctx, "order created", "order_id", o.OrderID, "items", o.Items, "user", p.User)
	metrics.FromContext(ctx).Count("OrdersCreated", 1)
	httpapi.SetHeader(ctx, "Location", "/orders/"+o.OrderID)
	return o, nil
}

// handler is the function: the typed handler behind the HTTP API adapter.
func handler() func(context.Context, NewOrder) (Order, error) {
	s := &store{orders: map[string]Order{}}
	return s.createOrder
}

func httpOptions() []httpapi.Option {
	return []httpapi.Option{
		httpapi.WithStatus(201),
		httpapi.WithAuth(httpapi.Bearer(verifyToken)),
		httpapi.WithMaxBodySize(64 << 10),
		httpapi.WithCORS(httpapi.CORS{AllowOrigins: []string{"https://shop.example.com"}}),
	}
}

func options() []lambdawrap.Option {
	return []lambdawrap.Option{
		lambdawrap.WithService("orders"),
		lambdawrap.WithNamespace("ApigwExample"),
	}
}

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		runLocally()
		return
	}
	lambdawrap.Start(httpapi.HTTP(handler(), httpOptions()...), options()...)
}
