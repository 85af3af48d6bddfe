package redact_test

import (
	"log/slog"
	"os"
	"time"

	"github.com/lambdaobs/lambdaobs/logger"
	"github.com/lambdaobs/lambdaobs/redact"
)

func ExampleAddSecrets() {
	dbPassword := "s3cr3t-from-the-environment"
	redact.AddSecrets(dbPassword)

	now := func() time.Time { return time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC) }
	log := slog.New(logger.NewHandler(os.Stdout, logger.WithClock(now), logger.WithService("orders")))
	log.Info("connecting", "dsn", "postgres://app:"+dbPassword+"@db:5432/orders", "api_token", "t-123")
	// Output:
	// {"level":"INFO","message":"connecting","timestamp":"2026-12-06T10:00:00.000Z","service":"orders","dsn":"postgres://app:[REDACTED]@db:5432/orders","api_token":"[REDACTED]"}
}
