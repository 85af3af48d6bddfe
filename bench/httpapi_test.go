package bench

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
)

// The per-request cost of the httpapi adapter over a hand-written API
// Gateway handler doing the same work: decode the JSON body, call the
// business function, encode its result as the JSON response. Both are called
// directly (not through lambda.NewHandler) with the same ~1.4 KB REST event,
// already decoded, so only what the adapter adds is measured: the Request,
// the correlation id, header checks, status and headers of the response.
//
// The _wrapped pair runs both inside lambdawrap.Wrap (writing to
// io.Discard), where the adapter also records its span attributes and writes
// its per-request EMF document.

type benchItem struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

type benchOrder struct {
	Customer string      `json:"customer"`
	Items    []benchItem `json:"items"`
	Total    float64     `json:"total"`
}

type benchValidatedOrder struct {
	Customer string      `json:"customer" validate:"required"`
	Items    []benchItem `json:"items" validate:"required,min=1"`
	Total    float64     `json:"total" validate:"gte=0"`
}

type benchReceipt struct {
	OrderID  string  `json:"order_id"`
	Customer string  `json:"customer"`
	Items    int     `json:"items"`
	Total    float64 `json:"total"`
	Status   string  `json:"status"`
}

// placeOrder is the business function both handlers call.
func placeOrder(id string, o benchOrder) benchReceipt {
	return benchReceipt{OrderID: id, Customer: o.Customer, Items: len(o.Items), Total: o.Total, Status: "confirmed"}
}

// handwrittenAPI is what people write without an adapter.
func handwrittenAPI(_ context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var o benchOrder
	if err := json.Unmarshal([]byte(e.Body), &o); err != nil {
		return events.APIGatewayProxyResponse{StatusCode: 400, Headers: map[string]string{"Content-Type": "application/json"},
			Body: `{"error":"invalid JSON","code":"INVALID_JSON"}`}, nil
	}
	b, err := json.Marshal(placeOrder(e.PathParameters["id"], o))
	if err != nil {
		return events.APIGatewayProxyResponse{StatusCode: 500, Headers: map[string]string{"Content-Type": "application/json"},
			Body: `{"error":"Internal server error","code":"INTERNAL_ERROR"}`}, nil
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(b)}, nil
}

// adaptedOrder is the same work as a typed handler for httpapi.
func adaptedOrder(ctx context.Context, o benchOrder) (benchReceipt, error) {
	r, _ := httpapi.RequestFromContext(ctx)
	return placeOrder(r.PathParams["id"], o), nil
}

func adaptedValidatedOrder(ctx context.Context, o benchValidatedOrder) (benchReceipt, error) {
	r, _ := httpapi.RequestFromContext(ctx)
	return placeOrder(r.PathParams["id"], benchOrder(o)), nil
}

func restEvent(b *testing.B) events.APIGatewayProxyRequest {
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(apigwEvent(b), &e); err != nil {
		b.Fatal(err)
	}
	return e
}

func runAPI(b *testing.B, h func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)) {
	e := restEvent(b)
	ctx, cancel := invokeContext()
	defer cancel()
	// Same answer from both, or the comparison means nothing.
	resp, err := h(ctx, e)
	if err != nil || resp.StatusCode != 200 || resp.Body != `{"order_id":"ord-1001","customer":"c-42","items":2,"total":59.9,"status":"confirmed"}` {
		b.Fatalf("%v %d %s", err, resp.StatusCode, resp.Body)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := h(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time per request, all threads (GC included): unlike ns/op, it does
	// not grow when other processes compete for the machine's two cores.
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// cpuTime returns the user and system CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func wrapDiscard(h func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return lambdawrap.Wrap(h, lambdawrap.WithWriter(io.Discard), lambdawrap.WithService("orders"),
		lambdawrap.WithNamespace("Bench"), lambdawrap.WithLookupEnv(noEnvLookup))
}

func BenchmarkHTTPAPI(b *testing.B) {
	quiet := httpapi.WithLogger(slog.New(slog.DiscardHandler))
	b.Run("handwritten", func(b *testing.B) {
		runAPI(b, handwrittenAPI)
	})
	b.Run("httpapi", func(b *testing.B) {
		runAPI(b, httpapi.REST(adaptedOrder, quiet))
	})
	b.Run("httpapi_validated", func(b *testing.B) {
		runAPI(b, httpapi.REST(adaptedValidatedOrder, quiet))
	})
	b.Run("handwritten_wrapped", func(b *testing.B) {
		prev := slog.Default()
		defer slog.SetDefault(prev)
		runAPI(b, wrapDiscard(handwrittenAPI))
	})
	b.Run("httpapi_wrapped", func(b *testing.B) {
		prev := slog.Default()
		defer slog.SetDefault(prev)
		runAPI(b, wrapDiscard(httpapi.REST(adaptedOrder, quiet)))
	})
}
