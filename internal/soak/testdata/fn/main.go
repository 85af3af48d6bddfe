// Command fn is the function of the soak test: each event picks what it
// does, and says which metric values it records, so the test can check that
// everything arrived.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

// Event is one invocation's instructions. A secret_event also carries
// secrets, as a login request would: in a form body, a header, a base64
// body and a JSON member.
type Event struct {
	Kind    string            `json:"kind"`
	N       int               `json:"n"`
	Body    string            `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Encoded string            `json:"encoded,omitempty"`
	Login   *Login            `json:"login,omitempty"`
}

// Login is the JSON member of a secret_event.
type Login struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// nilError's Error dereferences its receiver: returned as a nil *nilError
// it is a non-nil error whose Error panics.
type nilError struct{ op string }

func (e *nilError) Error() string { return e.op + " failed" }

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
			m.Count("Metric"+strconv.Itoa(i), 1)
		}
	case "many_values": // more than 100 values of one metric
		for range e.N {
			m.Add("Values", 1, metrics.Count)
		}
	case "secret_event":
		// Every secret the event carried, quoted under plain keys in every
		// output: none of it may be written.
		pw := e.Login.Password
		all := strings.Join([]string{pw, e.Headers["Authorization"], e.Body, e.Encoded}, " | ")
		slog.InfoContext(ctx, "echo "+pw, "detail", all)
		m.SetProperty("detail", all)
		_, span := tracing.Start(ctx, "check-login", tracing.WithAttributes(slog.String("detail", all)))
		span.SetMetadata("login", e.Login)
		span.RecordError(errors.New("rejected " + pw))
		span.End()
		return nil, fmt.Errorf("login with %q failed", pw)
	case "typed_nil":
		var err *nilError
		return map[string]any{"kind": e.Kind}, err
	case "colliding":
		slog.InfoContext(ctx, "colliding", "level", "DEBUG", "message", "forged", "timestamp", 0, "service", "other",
			"cold_start", "maybe", "function_request_id", "forged", "err", errors.New("boom"), "err_type", "mine",
			slog.Group("g", "a", 1, "a", 2))
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
