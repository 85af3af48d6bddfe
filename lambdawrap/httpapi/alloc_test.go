package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
)

// allocsPerRequest returns what one request to h allocates, the event
// already decoded.
func allocsPerRequest(t *testing.T, h func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error), e events.APIGatewayProxyRequest, status int) float64 {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "r-1"})
	if resp, err := h(ctx, e); err != nil || resp.StatusCode != status {
		t.Fatalf("%v %d %s", err, resp.StatusCode, resp.Body)
	}
	return testing.AllocsPerRun(200, func() { _, _ = h(ctx, e) })
}

// passThrough returns a middleware doing what most do on the way through:
// read a header, call next, look at the outcome (counted by status class).
func passThrough(served *[6]int) httpapi.Middleware {
	return func(next httpapi.RequestHandler) httpapi.RequestHandler {
		return func(ctx context.Context, r *httpapi.Request) error {
			if r.Header("X-Forwarded-Proto") == "http" {
				return httpapi.Forbidden("HTTPS only")
			}
			err := next(ctx, r)
			served[r.ResponseStatus()/100]++
			return err
		}
	}
}

// TestMiddlewareChainAllocs: a chain of middlewares that allocate nothing
// themselves adds no allocation to a request, success or failure.
func TestMiddlewareChainAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are pinned without -race (make test runs them so)")
	}
	quiet := httpapi.WithLogger(slog.New(slog.DiscardHandler))
	var served [6]int
	chain := httpapi.WithMiddleware(passThrough(&served), passThrough(&served), passThrough(&served))
	for _, tc := range []struct {
		name     string
		customer string
		status   int
	}{
		{"success", "c-42", 200},
		{"handler's *Error", "c-403", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := load[events.APIGatewayProxyRequest](t, "rest-create-order.json")
			e.Body = *bodyFor(tc.customer)
			without := allocsPerRequest(t, httpapi.REST(createOrder, quiet), e, tc.status)
			with := allocsPerRequest(t, httpapi.REST(createOrder, quiet, chain), e, tc.status)
			if with != without {
				t.Errorf("%v allocations with three middlewares, %v without", with, without)
			}
			if served[tc.status/100] == 0 {
				t.Errorf("the middlewares did not see the status: %v", served)
			}
			t.Logf("allocs per request: %v", with)
		})
	}
}

// TestRequestLogAllocs: the line of a successful request, written by
// lambdaobs's logger, allocates nothing.
func TestRequestLogAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are pinned without -race (make test runs them so)")
	}
	prev := slog.Default()
	defer slog.SetDefault(prev)
	wrap := func(opts ...httpapi.Option) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return lambdawrap.Wrap(httpapi.REST(createOrder, opts...), lambdawrap.WithWriter(io.Discard), lambdawrap.WithService("orders"),
			lambdawrap.WithLookupEnv(func(string) (string, bool) { return "", false }))
	}
	e := load[events.APIGatewayProxyRequest](t, "rest-create-order.json")
	without := allocsPerRequest(t, wrap(httpapi.WithoutRequestLog()), e, 200)
	with := allocsPerRequest(t, wrap(), e, 200)
	if with != without {
		t.Errorf("%v allocations with the request line, %v without", with, without)
	}
	t.Logf("allocs per observed request: %v", with)
}
