// Command fn is the function the lambdawrap integration tests run under the
// Runtime Interface Emulator. The event picks its behaviour.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
)

type event struct {
	Mode string `json:"mode"`
}

func handle(ctx context.Context, e event) (map[string]string, error) {
	slog.InfoContext(ctx, "handling", "mode", e.Mode)
	metrics.FromContext(ctx).Count("Before", 1)
	switch e.Mode {
	case "error":
		return nil, errors.New("order rejected")
	case "panic":
		panic("something broke")
	case "sleep":
		time.Sleep(10 * time.Second)
	}
	return map[string]string{"mode": e.Mode}, nil
}

func main() {
	if os.Getenv("FN_BARE") == "1" {
		lambda.Start(handle)
		return
	}
	lambdawrap.Start(handle, lambdawrap.WithService("itest"), lambdawrap.WithNamespace("LambdaobsTest"))
}
