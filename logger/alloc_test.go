package logger

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
)

// The zero-allocation paths are pinned here; their speed is measured in bench/.

func TestLogLineZeroAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are pinned without -race (make test runs them so)")
	}
	h := NewHandler(io.Discard, withLookupEnv(noEnv), WithService("orders"))
	ctx, _ := h.Begin(context.Background(), invocationFields())
	l := slog.New(h)
	n := testing.AllocsPerRun(200, func() {
		l.LogAttrs(ctx, slog.LevelInfo, "order processed",
			slog.String("order_id", "o-123"), slog.Int("items", 3), slog.Float64("total", 42.5),
			slog.Bool("express", true), slog.String("currency", "EUR"))
	})
	if n != 0 {
		t.Errorf("log line allocs = %v, want 0", n)
	}
	n = testing.AllocsPerRun(200, func() {
		l.InfoContext(ctx, "order processed", "order_id", "o-123", "items", 3, "total", 42.5, "express", true, "currency", "EUR")
	})
	if n != 0 {
		t.Errorf("log line (key-value args) allocs = %v, want 0", n)
	}
}

func TestDisabledDebugZeroAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are pinned without -race (make test runs them so)")
	}
	h := NewHandler(io.Discard, withLookupEnv(noEnv))
	ctx, _ := h.Begin(context.Background(), invocationFields())
	l := slog.New(h)
	n := testing.AllocsPerRun(200, func() {
		l.DebugContext(ctx, "skipped", "k", 1)
	})
	if n != 0 {
		t.Errorf("disabled debug allocs = %v, want 0", n)
	}
}

func TestBeginAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are pinned without -race (make test runs them so)")
	}
	h := NewHandler(io.Discard, withLookupEnv(noEnv))
	f := invocationFields()
	n := testing.AllocsPerRun(200, func() {
		_, inv := h.Begin(context.Background(), f)
		_ = inv.End(false)
	})
	if n > 2 {
		t.Errorf("Begin allocs = %v, want ≤ 2", n)
	}
}

func TestBoundSecretLineZeroAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are pinned without -race (make test runs them so)")
	}
	h := NewHandler(io.Discard, withLookupEnv(noEnv), WithService("orders"))
	ctx, _ := h.Begin(context.Background(), invocationFields())
	l := slog.New(h).With("api_token", "bound-secret-1", "user", "ann")
	n := testing.AllocsPerRun(200, func() {
		l.InfoContext(ctx, "order processed", "order_id", "o-123", "items", 3)
	})
	if n != 0 {
		t.Errorf("log line of a logger with a bound secret allocs = %v, want 0", n)
	}
}
