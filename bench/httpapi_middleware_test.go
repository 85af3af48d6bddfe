package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/logger"
)

// What httpapi's request middlewares and its request log line cost per
// request, on the same ~1.4 KB REST event and handler as BenchmarkHTTPAPI.
//
// middleware runs three middlewares of the kinds teams write, around the
// handler: one refuses plain-HTTP callers (a header read), one puts the
// caller in the context (context.WithValue and the boxed principal: two
// allocations of its own), one
// counts responses by status class after next returns. middleware_noop is
// one that only calls next: the chain's own cost. Overhead = row − httpapi.
//
// request_log writes the line of each successful request with lambdaobs's
// logger to io.Discard, where the httpapi row's logger discards it unread.
//
// empty and empty_middleware are the same two without the body's decoding
// and the result's encoding (In is struct{}): the chain's cost over a
// cheaper base, where the machine's noise hides less of it.

type benchPrincipal struct{ caller string }

func benchRequireHTTPS(next httpapi.RequestHandler) httpapi.RequestHandler {
	return func(ctx context.Context, r *httpapi.Request) error {
		if r.Header("X-Forwarded-Proto") != "https" {
			return httpapi.Forbidden("HTTPS only")
		}
		return next(ctx, r)
	}
}

func benchIdentify(next httpapi.RequestHandler) httpapi.RequestHandler {
	return func(ctx context.Context, r *httpapi.Request) error {
		return next(httpapi.ContextWithPrincipal(ctx, benchPrincipal{caller: r.SourceIP}), r)
	}
}

func benchCount(served *[6]int) httpapi.Middleware {
	return func(next httpapi.RequestHandler) httpapi.RequestHandler {
		return func(ctx context.Context, r *httpapi.Request) error {
			err := next(ctx, r)
			served[r.ResponseStatus()/100]++
			return err
		}
	}
}

func benchNoop(next httpapi.RequestHandler) httpapi.RequestHandler {
	return func(ctx context.Context, r *httpapi.Request) error { return next(ctx, r) }
}

// runEmpty is runAPI for a handler that reads nothing and answers "ok".
func runEmpty(b *testing.B, h func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)) {
	e := restEvent(b)
	ctx, cancel := invokeContext()
	defer cancel()
	resp, err := h(ctx, e)
	if err != nil || resp.StatusCode != 200 || resp.Body != `"ok"` {
		b.Fatalf("%v %d %s", err, resp.StatusCode, resp.Body)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := h(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

func emptyHandler(context.Context, struct{}) (string, error) { return "ok", nil }

func BenchmarkHTTPAPIMiddleware(b *testing.B) {
	quiet := httpapi.WithLogger(slog.New(slog.DiscardHandler))
	b.Run("httpapi", func(b *testing.B) {
		runAPI(b, httpapi.REST(adaptedOrder, quiet))
	})
	b.Run("middleware_noop", func(b *testing.B) {
		runAPI(b, httpapi.REST(adaptedOrder, quiet, httpapi.WithMiddleware(benchNoop)))
	})
	b.Run("middleware", func(b *testing.B) {
		var served [6]int
		runAPI(b, httpapi.REST(adaptedOrder, quiet,
			httpapi.WithMiddleware(benchRequireHTTPS, benchIdentify, benchCount(&served))))
		if served[2] == 0 {
			b.Fatalf("the middlewares saw no success: %v", served)
		}
	})
	b.Run("request_log", func(b *testing.B) {
		runAPI(b, httpapi.REST(adaptedOrder, httpapi.WithLogger(slog.New(logger.NewHandler(io.Discard)))))
	})
	b.Run("empty", func(b *testing.B) {
		runEmpty(b, httpapi.REST(emptyHandler, quiet))
	})
	b.Run("empty_middleware", func(b *testing.B) {
		var served [6]int
		runEmpty(b, httpapi.REST(emptyHandler, quiet,
			httpapi.WithMiddleware(benchRequireHTTPS, benchIdentify, benchCount(&served))))
	})
}
