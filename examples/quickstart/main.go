// Command quickstart is a small Lambda function observed by lambdaobs: an
// order event in, a receipt out, with structured logs, EMF metrics and the
// cold start recorded.
//
// Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it invokes itself on a few
// sample events with a realistic Lambda context and prints exactly what it
// would emit in Lambda:
//
//	go run ./examples/quickstart
//
// Built as bootstrap, it is a real function:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/quickstart
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
	start := time.Now()
	slog.InfoContext(ctx, "order received", "order_id", o.ID, "customer", o.Customer, "items", o.Items)
	m := metrics.FromContext(ctx)

	if o.Card == "4000-0000-0000-0002" {
		m.Count("PaymentsDeclined", 1)
		return Receipt{}, fmt.Errorf("charge order %s: %w", o.ID, ErrDeclined)
	}
	m.Count("OrdersPlaced", 1)
	m.Add("OrderValue", o.Total, metrics.None)
	m.AddHighResolution("ChargeLatency", float64(time.Since(start).Microseconds())/1e3, metrics.Milliseconds)
	slog.DebugContext(ctx, "charge details", "card_last4", last4(o.Card)) // written only when DEBUG is on or sampled
	slog.InfoContext(ctx, "order processed", "order_id", o.ID, "total", o.Total)
	return Receipt{OrderID: o.ID, Status: "confirmed", Charged: o.Total, IssuedAt: time.Now().UTC()}, nil
}

// last4 returns the last four characters of a card number, the most of it
// a log line may show; "" when it is too short to hide the rest.
func last4(card string) string {
	if len(card) <= 4 {
		return ""
	}
	return card[len(card)-4:]
}

func options() []lambdawrap.Option {
	return []lambdawrap.Option{
		lambdawrap.WithService("orders"),
		lambdawrap.WithNamespace("Quickstart"),
	}
}

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		runLocally()
		return
	}
	lambdawrap.Start(handle, options()...)
}
