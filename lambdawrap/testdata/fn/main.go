// Command fn is the function the lambdawrap integration tests run under the
// Runtime Interface Emulator. The event picks its behaviour.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

// emulatorSecret is logged under a secret key, then quoted in an error.
const emulatorSecret = "emu-pass-0123"

// nilError is an error whose methods dereference their receiver.
type nilError struct{ mode string }

func (e *nilError) Error() string { return "failed in " + e.mode }
func (e *nilError) Mode() string {
	if e == nil {
		return "nil-error"
	}
	return e.mode
}

type event struct {
	Mode string `json:"mode"`
}

func handle(ctx context.Context, e event) (map[string]string, error) {
	slog.InfoContext(ctx, "handling", "mode", e.Mode)
	_, span := tracing.Start(ctx, "work")
	span.End()
	metrics.FromContext(ctx).Count("Before", 1)
	switch e.Mode {
	case "error":
		return nil, errors.New("order rejected")
	case "secret-error":
		slog.InfoContext(ctx, "login", "password", emulatorSecret)
		return nil, fmt.Errorf("login with %q failed", emulatorSecret)
	case "nil-error":
		var e *nilError
		return map[string]string{"mode": e.Mode()}, e
	case "spin": // CPU-bound until its thread used 200 ms of CPU, however busy the machine is
		runtime.LockOSThread()
		start := threadCPU()
		for threadCPU()-start < 200*time.Millisecond {
		}
		runtime.UnlockOSThread()
	case "nap": // waits 200 ms
		time.Sleep(200 * time.Millisecond)
	case "alloc": // 64 MB kept until the handler returns, in 1 MB pieces
		var kept [][]byte
		for range 64 {
			b := make([]byte, 1<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			kept = append(kept, b)
		}
		return map[string]string{"mode": e.Mode, "kept": fmt.Sprint(len(kept))}, nil
	case "memlimit":
		return map[string]string{"mode": e.Mode, "limit": fmt.Sprint(debug.SetMemoryLimit(-1))}, nil
	case "log-printf":
		log.Printf("legacy line for %s", e.Mode)
	case "panic":
		panic("something broke")
	case "sleep":
		time.Sleep(10 * time.Second)
	}
	return map[string]string{"mode": e.Mode}, nil
}

// threadCPU returns the CPU time the calling thread used.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	if os.Getenv("FN_BARE") == "1" {
		lambda.Start(handle)
		return
	}
	opts := []lambdawrap.Option{lambdawrap.WithService("itest"), lambdawrap.WithNamespace("LambdaobsTest")}
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" {
		exp, err := otlp.New()
		if err != nil {
			panic(err)
		}
		opts = append(opts, lambdawrap.WithTracer(oteltracing.New(exp)))
	}
	lambdawrap.Start(handle, opts...)
}
