package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
)

// fuzzOptions exercise every stage: CORS, auth, a size limit, an error
// mapper.
func fuzzOptions() []httpapi.Option {
	return []httpapi.Option{
		httpapi.WithStatus(201),
		httpapi.WithMaxBodySize(4 << 10),
		httpapi.WithCORS(httpapi.CORS{AllowOrigins: []string{"https://shop.example.com"}}),
		httpapi.WithMiddleware(func(next httpapi.RequestHandler) httpapi.RequestHandler {
			bearer := httpapi.Bearer(verifyToken)(next)
			return func(ctx context.Context, r *httpapi.Request) error {
				if r.Header("Authorization") != "" {
					return bearer(ctx, r)
				}
				return next(ctx, r) // anonymous callers allowed, so the body is reached
			}
		}),
		httpapi.WithErrorMapper(mapDomain),
		httpapi.WithLogger(slog.New(slog.DiscardHandler)),
	}
}

// wrapDiscard observes h with lambdawrap writing nowhere, so metrics and
// logs are recorded on every input.
func wrapDiscard[In, Out any](h func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return lambdawrap.Wrap(h, lambdawrap.WithWriter(io.Discard), lambdawrap.WithoutDefaultLogger(),
		lambdawrap.WithNamespace("Fuzz"), lambdawrap.WithService("fuzz"))
}

func fuzzSeeds(f *testing.F) {
	for _, s := range []struct {
		body                               string
		b64                                bool
		method, ct, corr, origin, auth, hv string
	}{
		{validBody, false, "POST", "application/json", "", "", "", ""},
		{validBody, true, "POST", "application/json", "corr-1", "https://shop.example.com", "Bearer tok-alice", ""},
		{`{"customer":"c-panic","items":[{"sku":"A","qty":1}]}`, false, "POST", "application/json", "", "", "", ""},
		{`{"customer":"c-500","items":[{"sku":"A","qty":1}]}`, false, "PUT", "application/json; charset=utf-8", "", "", "", ""},
		{`{"customer":"c-503","items":[{"sku":"A","qty":1}]}`, false, "PATCH", "application/problem+json", "", "", "", ""},
		{`{"customer":"","items":[{"qty":-1}]}`, false, "POST", "application/json", "", "", "", ""},
		{`{"customer":7}`, false, "POST", "application/json", "x y", "", "Basic abc", ""},
		{`[{"a":`, false, "POST", "application/json", "", "", "", ""},
		{"", false, "OPTIONS", "", "", "https://shop.example.com", "", "POST"},
		{"", false, "GET", "", "", "", "", ""},
		{"null", false, "POST", "text/plain", "", "", "", ""},
		{"!!!", true, "POST", "application/json", "", "", "Bearer tok-mallory", ""},
		{strings.Repeat("a", 5000), false, "POST", "application/json", "", "", "", ""},
		{"\xff\xfe{}", false, "DELETE", "application/json", "\x00", "", "", ""},
	} {
		f.Add(s.body, s.b64, s.method, s.ct, s.corr, s.origin, s.auth, s.hv)
	}
}

// checkFuzzResponse: a sane status, a JSON body, nothing internal.
func checkFuzzResponse(t *testing.T, status int, headers map[string]string, body string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("the handler returned an error: %v", err)
	}
	switch status {
	case 200, 201, 204, 400, 401, 403, 404, 409, 413, 415, 500, 503:
	default:
		t.Fatalf("status %d", status)
	}
	if status == 204 {
		if body != "" {
			t.Fatalf("204 with a body %q", body)
		}
		return
	}
	if headers["Content-Type"] != "application/json" {
		t.Fatalf("Content-Type %q", headers["Content-Type"])
	}
	if !json.Valid([]byte(body)) {
		t.Fatalf("body is not JSON: %q", body)
	}
	if status >= 400 {
		var e map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &e); err != nil || e["error"] == nil || e["code"] == nil {
			t.Fatalf("error body %s", body)
		}
		for k := range e {
			if k != "error" && k != "code" && k != "details" {
				t.Fatalf("error body member %q: %s", k, body)
			}
		}
	}
	if status == 500 && body != `{"error":"Internal server error","code":"INTERNAL_ERROR"}` {
		t.Fatalf("500 body %s", body)
	}
	if strings.Contains(body, secret) || strings.Contains(body, "goroutine") {
		t.Fatalf("leak: %s", body)
	}
	if id := headers[names.HeaderCorrelationID]; id == "" || strings.ContainsAny(id, " \n\x00") {
		t.Fatalf("correlation id %q", id)
	}
}

func fuzzContext() (context.Context, context.CancelFunc) {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "fuzz-req"})
	return context.WithCancel(ctx)
}

func FuzzDecodeREST(f *testing.F) {
	fuzzSeeds(f)
	h := wrapDiscard(httpapi.REST(createOrder, fuzzOptions()...))
	raw, err := os.ReadFile("testdata/rest-create-order.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, b64 bool, method, ct, corr, origin, auth, preflight string) {
		var e events.APIGatewayProxyRequest
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		e.Body, e.IsBase64Encoded, e.HTTPMethod = body, b64, method
		e.Headers = map[string]string{"Content-Type": ct, "X-Correlation-Id": corr, "Origin": origin, "Authorization": auth, "Access-Control-Request-Method": preflight}
		ctx, cancel := fuzzContext()
		defer cancel()
		resp, err := h(ctx, e)
		checkFuzzResponse(t, resp.StatusCode, resp.Headers, resp.Body, err)
	})
}

func FuzzDecodeHTTP(f *testing.F) {
	fuzzSeeds(f)
	h := wrapDiscard(httpapi.HTTP(createOrder, fuzzOptions()...))
	raw, err := os.ReadFile("testdata/http-create-order.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, b64 bool, method, ct, corr, origin, auth, preflight string) {
		var e events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		e.Body, e.IsBase64Encoded, e.RequestContext.HTTP.Method = body, b64, method
		e.RouteKey = method + " /orders"
		e.Headers = map[string]string{"content-type": ct, "x-correlation-id": corr, "origin": origin, "authorization": auth, "access-control-request-method": preflight}
		ctx, cancel := fuzzContext()
		defer cancel()
		resp, err := h(ctx, e)
		checkFuzzResponse(t, resp.StatusCode, resp.Headers, resp.Body, err)
	})
}
