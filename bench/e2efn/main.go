// Command e2efn is the function of the end-to-end benchmark: the same
// handler body run bare (E2E_MODE=bare) or wrapped by lambdaobs.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
)

type order struct {
	ID    string  `json:"id"`
	Items int     `json:"items"`
	Total float64 `json:"total"`
}

type receipt struct {
	OrderID string  `json:"order_id"`
	Charged float64 `json:"charged"`
}

func handle(ctx context.Context, o order) (receipt, error) {
	slog.InfoContext(ctx, "order processed", "order_id", o.ID, "items", o.Items, "total", o.Total)
	return receipt{OrderID: o.ID, Charged: o.Total}, nil
}

func main() {
	if os.Getenv("E2E_MODE") == "bare" {
		slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
		lambda.Start(handle)
		return
	}
	lambdawrap.Start(handle, lambdawrap.WithService("e2e"))
}
