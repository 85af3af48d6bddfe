package logger_test

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/lambdaobs/lambdaobs/logger"
)

func fixedNow() time.Time { return time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC) }

func ExampleNewHandler() {
	h := logger.NewHandler(os.Stdout, logger.WithService("orders"),
		logger.WithClock(fixedNow))
	log := slog.New(h)
	log.Info("order processed", "order_id", "o-1", "total", 42.5, "password", "hunter2")
	// Output:
	// {"level":"INFO","message":"order processed","timestamp":"2026-11-26T10:30:00.000Z","service":"orders","order_id":"o-1","total":42.5,"password":"[REDACTED]"}
}

func ExampleHandler_Begin() {
	h := logger.NewHandler(os.Stdout, logger.WithService("orders"),
		logger.WithClock(fixedNow))
	// lambdawrap does this for every invocation.
	ctx, inv := h.Begin(context.Background(), logger.Fields{
		RequestID:    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		FunctionName: "orders",
		ColdStart:    true,
	})
	slog.New(h).WithGroup("order").InfoContext(ctx, "accepted", "id", "o-1")
	_ = inv.End(false)
	// Output:
	// {"level":"INFO","message":"accepted","timestamp":"2026-11-26T10:30:00.000Z","service":"orders","cold_start":true,"function_name":"orders","function_request_id":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","order":{"id":"o-1"}}
}

func ExampleWithDebugBuffer() {
	h := logger.NewHandler(os.Stdout, logger.WithDebugBuffer(0),
		logger.WithClock(fixedNow))
	log := slog.New(h)
	ctx, inv := h.Begin(context.Background(), logger.Fields{RequestID: "r-1"})
	log.DebugContext(ctx, "cache miss", "key", "o-1") // held
	log.ErrorContext(ctx, "lookup failed")            // writes the held line first
	_ = inv.End(true)
	// Output:
	// {"level":"DEBUG","message":"cache miss","timestamp":"2026-11-26T10:30:00.000Z","service":"service_undefined","cold_start":false,"function_request_id":"r-1","key":"o-1"}
	// {"level":"ERROR","message":"lookup failed","timestamp":"2026-11-26T10:30:00.000Z","service":"service_undefined","cold_start":false,"function_request_id":"r-1"}
}
