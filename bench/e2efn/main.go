// Command e2efn is the function of the end-to-end benchmark: the same
// handler body run bare (E2E_MODE=bare), bare beside an internal extension
// that subscribes to INVOKE and does nothing (idle_ext: what the mechanism
// of exporting after the response costs by itself), wrapped by lambdaobs
// (lambdaobs), or wrapped and traced with OpenTelemetry over OTLP/HTTP
// (traced, to OTEL_EXPORTER_OTLP_ENDPOINT), with one child span.
package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
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
	_, span := tracing.Start(ctx, "charge")
	slog.InfoContext(ctx, "order processed", "order_id", o.ID, "items", o.Items, "total", o.Total)
	span.End()
	return receipt{OrderID: o.ID, Charged: o.Total}, nil
}

func main() {
	switch os.Getenv("E2E_MODE") {
	case "bare":
		slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
		lambda.Start(handle)
	case "idle_ext":
		idleExtension()
		slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
		lambda.Start(handle)
	case "traced":
		exp, err := otlp.New()
		if err != nil {
			panic(err)
		}
		lambdawrap.Start(handle, lambdawrap.WithService("e2e"), lambdawrap.WithTracer(oteltracing.New(exp)))
	default:
		lambdawrap.Start(handle, lambdawrap.WithService("e2e"))
	}
}

// idleExtension registers an internal extension subscribed to INVOKE that
// asks for the next event as soon as it gets one.
func idleExtension() {
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2020-01-01/extension/"
	req, _ := http.NewRequest(http.MethodPost, base+"register", bytes.NewReader([]byte(`{"events":["INVOKE"]}`)))
	req.Header.Set("Lambda-Extension-Name", "idle")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("Lambda-Extension-Identifier")
	go func() {
		for {
			req, _ := http.NewRequest(http.MethodGet, base+"event/next", nil)
			req.Header.Set("Lambda-Extension-Identifier", id)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
}
