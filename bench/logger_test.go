package bench

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/rs/zerolog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/lambdaobs/lambdaobs/internal/hook"
	"github.com/lambdaobs/lambdaobs/logger"
)

// The line every logger writes: "order processed" with five attributes
// (string, int, float64, bool, string) on a logger carrying four Lambda
// attributes, to a discarding writer.

var lambdaFields = logger.Fields{
	RequestID:          "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
	FunctionName:       "orders",
	FunctionARN:        "arn:aws:lambda:eu-west-1:123456789012:function:orders",
	FunctionMemorySize: 512,
	ColdStart:          false,
}

func noEnv(string) (string, bool) { return "", false }

func BenchmarkLogLine(b *testing.B) {
	b.Run("lambdaobs", func(b *testing.B) {
		h := logger.NewHandler(io.Discard, hook.LoggerLookupEnv(noEnv).(logger.Option), logger.WithService("orders"))
		ctx, _ := h.Begin(context.Background(), lambdaFields)
		l := slog.New(h)
		b.ReportAllocs()
		for b.Loop() {
			l.LogAttrs(ctx, slog.LevelInfo, "order processed",
				slog.String("order_id", "o-123"), slog.Int("items", 3), slog.Float64("total", 42.5),
				slog.Bool("express", true), slog.String("currency", "EUR"))
		}
	})
	b.Run("lambdaobs_kv", func(b *testing.B) {
		h := logger.NewHandler(io.Discard, hook.LoggerLookupEnv(noEnv).(logger.Option), logger.WithService("orders"))
		ctx, _ := h.Begin(context.Background(), lambdaFields)
		l := slog.New(h)
		b.ReportAllocs()
		for b.Loop() {
			l.InfoContext(ctx, "order processed", "order_id", "o-123", "items", 3, "total", 42.5, "express", true, "currency", "EUR")
		}
	})
	b.Run("slog_json", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil)).With(
			"function_request_id", lambdaFields.RequestID, "function_name", lambdaFields.FunctionName,
			"function_arn", lambdaFields.FunctionARN, "cold_start", false)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			l.LogAttrs(ctx, slog.LevelInfo, "order processed",
				slog.String("order_id", "o-123"), slog.Int("items", 3), slog.Float64("total", 42.5),
				slog.Bool("express", true), slog.String("currency", "EUR"))
		}
	})
	b.Run("slog_json_kv", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil)).With(
			"function_request_id", lambdaFields.RequestID, "function_name", lambdaFields.FunctionName,
			"function_arn", lambdaFields.FunctionARN, "cold_start", false)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			l.InfoContext(ctx, "order processed", "order_id", "o-123", "items", 3, "total", 42.5, "express", true, "currency", "EUR")
		}
	})
	b.Run("zap", func(b *testing.B) {
		enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
		l := zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zapcore.InfoLevel)).With(
			zap.String("function_request_id", lambdaFields.RequestID), zap.String("function_name", lambdaFields.FunctionName),
			zap.String("function_arn", lambdaFields.FunctionARN), zap.Bool("cold_start", false))
		b.ReportAllocs()
		for b.Loop() {
			l.Info("order processed", zap.String("order_id", "o-123"), zap.Int("items", 3), zap.Float64("total", 42.5),
				zap.Bool("express", true), zap.String("currency", "EUR"))
		}
	})
	benchmarkLogLineDevNull(b)
	b.Run("zerolog", func(b *testing.B) {
		l := zerolog.New(io.Discard).With().Timestamp().
			Str("function_request_id", lambdaFields.RequestID).Str("function_name", lambdaFields.FunctionName).
			Str("function_arn", lambdaFields.FunctionARN).Bool("cold_start", false).Logger()
		b.ReportAllocs()
		for b.Loop() {
			l.Info().Str("order_id", "o-123").Int("items", 3).Float64("total", 42.5).
				Bool("express", true).Str("currency", "EUR").Msg("order processed")
		}
	})
}

// devNull opens /dev/null: aws-lambda-go's lambdacontext.NewLogHandler only
// writes to os.Stdout, so it is measured writing there, beside lambdaobs
// writing to the same file.
func devNull(b *testing.B) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

func benchmarkLogLineDevNull(b *testing.B) {
	b.Run("lambdacontext_devnull", func(b *testing.B) {
		f := devNull(b)
		stdout := os.Stdout
		os.Stdout = f
		h := lambdacontext.NewLogHandler(lambdacontext.WithFunctionARN())
		os.Stdout = stdout
		l := slog.New(h).With("function_name", lambdaFields.FunctionName, "cold_start", false)
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
			AwsRequestID: lambdaFields.RequestID, InvokedFunctionArn: lambdaFields.FunctionARN})
		b.ReportAllocs()
		for b.Loop() {
			l.LogAttrs(ctx, slog.LevelInfo, "order processed",
				slog.String("order_id", "o-123"), slog.Int("items", 3), slog.Float64("total", 42.5),
				slog.Bool("express", true), slog.String("currency", "EUR"))
		}
	})
	b.Run("lambdaobs_devnull", func(b *testing.B) {
		h := logger.NewHandler(devNull(b), hook.LoggerLookupEnv(noEnv).(logger.Option), logger.WithService("orders"))
		ctx, _ := h.Begin(context.Background(), lambdaFields)
		l := slog.New(h)
		b.ReportAllocs()
		for b.Loop() {
			l.LogAttrs(ctx, slog.LevelInfo, "order processed",
				slog.String("order_id", "o-123"), slog.Int("items", 3), slog.Float64("total", 42.5),
				slog.Bool("express", true), slog.String("currency", "EUR"))
		}
	})
}

func BenchmarkDisabledDebug(b *testing.B) {
	b.Run("lambdaobs", func(b *testing.B) {
		h := logger.NewHandler(io.Discard, hook.LoggerLookupEnv(noEnv).(logger.Option))
		ctx, _ := h.Begin(context.Background(), lambdaFields)
		l := slog.New(h)
		b.ReportAllocs()
		for b.Loop() {
			l.LogAttrs(ctx, slog.LevelDebug, "skipped", slog.Int("i", 1))
		}
	})
	b.Run("slog_json", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil))
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			l.LogAttrs(ctx, slog.LevelDebug, "skipped", slog.Int("i", 1))
		}
	})
	b.Run("zerolog", func(b *testing.B) {
		l := zerolog.New(io.Discard).Level(zerolog.InfoLevel)
		b.ReportAllocs()
		for b.Loop() {
			l.Debug().Int("i", 1).Msg("skipped")
		}
	})
}

func BenchmarkAttachInvocation(b *testing.B) {
	h := logger.NewHandler(io.Discard, hook.LoggerLookupEnv(noEnv).(logger.Option), logger.WithService("orders"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, inv := h.Begin(ctx, lambdaFields)
		_ = inv.End(false)
	}
}
