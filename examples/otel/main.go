// Command otel is the quickstart's order function traced with
// OpenTelemetry: each invocation gets a SERVER span in the trace Lambda
// started (its X-Ray trace id), the card charge a child span, and the
// spans are exported before the handler returns.
//
// Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it invokes itself on a few
// sample events, with a Lambda context and trace header, and prints its log
// lines, EMF documents and spans (one JSON object per line):
//
//	go run ./examples/otel
//
// Built as bootstrap, it is a real function:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/otel
//
// In Lambda, OTEL_TRACES_EXPORTER chooses where the spans go:
//
//   - otlp (the default): OTLP/HTTP to the OpenTelemetry or ADOT collector
//     layer on 127.0.0.1:4318 (or OTEL_EXPORTER_OTLP_ENDPOINT /
//     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
//   - xray: straight to https://xray.$AWS_REGION.amazonaws.com/v1/traces,
//     signed with the function's role (needs xray:PutTraceSegments and
//     X-Ray Transaction Search); no collector layer.
//   - console: JSON lines on stdout, beside the logs.
//   - none: no export.
//
// A program normally names one exporter and links only that one; this
// example links all three to choose at run time.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/metrics"
	"github.com/lambdaobs/lambdaobs/tracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/stdout"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/xrayotlp"
)

// Order is the event the function receives.
type Order struct {
	ID       string  `json:"id"`
	Customer string  `json:"customer"`
	Items    int     `json:"items"`
	Total    float64 `json:"total"`
	Card     string  `json:"card"`
}

// Receipt is what the function returns.
type Receipt struct {
	OrderID  string    `json:"order_id"`
	Status   string    `json:"status"`
	Charged  float64   `json:"charged"`
	IssuedAt time.Time `json:"issued_at"`
	// TraceHeader is the X-Ray header of the charge, to pass on to what
	// the order triggers next (an SQS message's AWSTraceHeader, say).
	TraceHeader string `json:"trace_header"`
}

// ErrDeclined is returned when the card is declined.
var ErrDeclined = errors.New("card declined")

func handle(ctx context.Context, o Order) (Receipt, error) {
	slog.InfoContext(ctx, "order received", "order_id", o.ID, "customer", o.Customer, "items", o.Items)
	m := metrics.FromContext(ctx)

	ctx, span := tracing.Start(ctx, "charge-card", tracing.WithKind(tracing.KindClient),
		tracing.WithAttributes(slog.String("order.id", o.ID), slog.Float64("order.total", o.Total)))
	defer span.End()
	start := time.Now()
	if err := charge(ctx, o); err != nil {
		m.Count("PaymentsDeclined", 1)
		span.RecordError(err)
		span.SetStatus(tracing.ClientError, "declined")
		return Receipt{}, fmt.Errorf("charge order %s: %w", o.ID, err)
	}
	m.Count("OrdersPlaced", 1)
	m.Add("OrderValue", o.Total, metrics.None)
	m.AddHighResolution("ChargeLatency", float64(time.Since(start).Microseconds())/1e3, metrics.Milliseconds)
	slog.InfoContext(ctx, "order processed", "order_id", o.ID, "total", o.Total)
	return Receipt{OrderID: o.ID, Status: "confirmed", Charged: o.Total, IssuedAt: time.Now().UTC(),
		TraceHeader: span.Header().String()}, nil
}

// charge stands in for a call to a payment provider.
func charge(ctx context.Context, o Order) error {
	_, span := tracing.Start(ctx, "fraud-check", tracing.WithAttributes(slog.String("customer", o.Customer)))
	defer span.End()
	if o.Card == "4000-0000-0000-0002" {
		return ErrDeclined
	}
	return nil
}

func options() []lambdawrap.Option {
	return []lambdawrap.Option{
		lambdawrap.WithService("orders"),
		lambdawrap.WithNamespace("OTelExample"),
	}
}

// exporter returns the exporter OTEL_TRACES_EXPORTER names (default otlp).
// A configuration error is reported and tracing goes on without export:
// telemetry never stops the function.
func exporter(lookup func(string) (string, bool)) sdktrace.SpanExporter {
	name, _ := lookup("OTEL_TRACES_EXPORTER")
	var exp sdktrace.SpanExporter
	var err error
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "otlp":
		exp, err = otlp.New()
	case "xray":
		region, _ := lookup("AWS_REGION")
		exp, err = xrayotlp.New(xrayotlp.WithRegion(region))
	case "console", "stdout":
		exp = stdout.New()
	case "none":
		return nil
	default:
		err = fmt.Errorf("OTEL_TRACES_EXPORTER=%q: want otlp, xray, console or none", name)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "otel example: no span export: %v\n", err)
		return nil
	}
	return exp
}

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		runLocally()
		return
	}
	tracer := oteltracing.New(exporter(os.LookupEnv))
	lambdawrap.Start(handle, append(options(), lambdawrap.WithTracer(tracer))...)
}
