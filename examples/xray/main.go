// Command xray is the quickstart's order function traced with AWS X-Ray:
// each invocation is a "## handler" subsegment of the function's segment,
// annotated with ColdStart and Service, with a subsegment per step and the
// card charge marked as a call to another service.
//
// Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it invokes itself on a few
// sample events with a realistic Lambda context and trace header, listens on
// 127.0.0.1 in place of the X-Ray daemon, and prints what the daemon
// receives to stderr (the logs and metrics go to stdout, as in Lambda):
//
//	go run ./examples/xray
//
// Built as bootstrap, it is a real function (turn on active tracing):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/xray
//
// The X-Ray SDKs and daemon are in maintenance mode (end of support
// 2027-02-25); new functions should use tracing/oteltracing.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/xraytracing"
)

// Order is the event the function receives.
type Order struct {
	ID       string  `json:"id"`
	Customer string  `json:"customer"`
	Items    int     `json:"items"`
	Total    float64 `json:"total"`
	Card     string  `json:"card"`
}

// Receipt is what the function returns.
type Receipt struct {
	OrderID  string    `json:"order_id"`
	Status   string    `json:"status"`
	Charged  float64   `json:"charged"`
	IssuedAt time.Time `json:"issued_at"`
}

// ErrDeclined is returned when the card is declined.
var ErrDeclined = errors.New("card declined")

func handle(ctx context.Context, o Order) (Receipt, error) {
	slog.InfoContext(ctx, "order received", "order_id", o.ID, "customer", o.Customer, "items", o.Items)
	// Annotations are indexed: find this customer's traces with
	// annotation.customer = "c-42".
	tracing.SpanFromContext(ctx).SetAttributes(slog.String("customer", o.Customer))

	if err := reserveStock(ctx, o); err != nil {
		return Receipt{}, err
	}
	if err := charge(ctx, o); err != nil {
		metrics.FromContext(ctx).Count("PaymentsDeclined", 1)
		return Receipt{}, fmt.Errorf("charge order %s: %w", o.ID, err)
	}
	metrics.FromContext(ctx).Count("OrdersPlaced", 1)
	metrics.FromContext(ctx).Add("OrderValue", o.Total, metrics.None)
	slog.InfoContext(ctx, "order processed", "order_id", o.ID, "total", o.Total)
	return Receipt{OrderID: o.ID, Status: "confirmed", Charged: o.Total, IssuedAt: time.Now().UTC()}, nil
}

func reserveStock(ctx context.Context, o Order) error {
	_, span := tracing.Start(ctx, "reserve-stock", tracing.WithAttributes(slog.Int("items", o.Items)))
	defer span.End()
	time.Sleep(2 * time.Millisecond) // the inventory service
	return nil
}

func charge(ctx context.Context, o Order) error {
	_, span := tracing.Start(ctx, "charge-card", tracing.WithKind(tracing.KindClient),
		tracing.WithAttributes(slog.String("order_id", o.ID), slog.Float64("amount", o.Total)))
	defer span.End()
	time.Sleep(3 * time.Millisecond) // the payment provider
	if o.Card == "4000-0000-0000-0002" {
		// The provider said no: the customer's problem, not a fault.
		span.RecordError(ErrDeclined)
		span.SetStatus(tracing.ClientError, "card declined")
		return ErrDeclined
	}
	return nil
}

func options() []lambdawrap.Option {
	return []lambdawrap.Option{
		lambdawrap.WithService("orders"),
		lambdawrap.WithNamespace("XRayExample"),
	}
}

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		runLocally()
		return
	}
	lambdawrap.Start(handle, append(options(), lambdawrap.WithTracer(xraytracing.New()))...)
}
