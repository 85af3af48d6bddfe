// Command fn is the function of the soak test: each event picks what it
// does, and says which metric values it records, so the test can check that
// everything arrived.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

// Event is one invocation's instructions.
type Event struct {
	Kind string `json:"kind"`
	N    int    `json:"n"`
}

func handle(ctx context.Context, e Event) (map[string]any, error) {
	m := metrics.FromContext(ctx)
	m.Count("Soak", 1)
	slog.InfoContext(ctx, "soak", "kind", e.Kind, "n", e.N)
	switch e.Kind {
	case "error":
		return nil, errors.New("soak error")
	case "panic":
		panic("soak panic")
	case "timeout":
		time.Sleep(5 * time.Second) // the function timeout is 1 s
	case "huge_log":
		slog.InfoContext(ctx, "huge", "payload", strings.Repeat("x", 300_000))
	case "many_metrics": // more than 100 metric names
		for i := range e.N {
			m.Count("Metric"+itoa(i), 1)
		}
	case "many_values": // more than 100 values of one metric
		for range e.N {
			m.Add("Values", 1, metrics.Count)
		}
	case "large_response":
		return map[string]any{"blob": strings.Repeat("y", e.N)}, nil
	case "concurrent":
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range e.N {
					m.Count("Concurrent", 1)
				}
			}()
		}
		wg.Wait()
	}
	return map[string]any{"kind": e.Kind}, nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func main() {
	opts := []lambdawrap.Option{lambdawrap.WithService("soak"), lambdawrap.WithNamespace("Soak")}
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" {
		exp, err := otlp.New()
		if err != nil {
			panic(err)
		}
		opts = append(opts, lambdawrap.WithTracer(oteltracing.New(exp)))
	}
	lambdawrap.Start(handle, opts...)
}
