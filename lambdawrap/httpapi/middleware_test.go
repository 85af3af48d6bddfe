package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/tracing"
)

// requireToken is an authentication middleware as a team writes it once for
// all its handlers: no valid bearer token, no further.
func requireToken(next httpapi.RequestHandler) httpapi.RequestHandler {
	return func(ctx context.Context, r *httpapi.Request) error {
		token, ok := strings.CutPrefix(r.Header("Authorization"), "Bearer ")
		switch {
		case !ok || token == "":
			return httpapi.Unauthorized().WithCause(errors.New("no bearer token"))
		case token != "tok-alice":
			return httpapi.Unauthorized().WithCause(errors.New("token not recognised"))
		}
		return next(httpapi.ContextWithPrincipal(ctx, "alice"), r)
	}
}

// TestMiddlewareAnswersBeforeValidation: a request middleware runs before
// the body is decoded and validated, so a caller without a token gets 401,
// whatever its body, and learns nothing of the body's shape.
func TestMiddlewareAnswersBeforeValidation(t *testing.T) {
	opts := []httpapi.Option{httpapi.WithMiddleware(requireToken)}
	invalid := str(`{"customer":"","items":[{"sku":"","qty":0}]}`)
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			for _, tc := range []struct {
				name, auth string
				body       *string
				status     int
				reason     string // in the log line, never in the response
			}{
				{"no token, invalid body", "", invalid, 401, "no bearer token"},
				{"no token, malformed body", "", str(`{"customer":`), 401, "no bearer token"},
				{"no token, no body", "", str(""), 401, "no bearer token"},
				{"no token, wrong content type", "", nil, 401, "no bearer token"},
				{"unknown token, valid body", "Bearer tok-eve", nil, 401, "token not recognised"},
				{"token, invalid body", "Bearer tok-alice", invalid, 400, ""},
				{"token, valid body", "Bearer tok-alice", nil, 200, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					h := map[string]string{"Authorization": tc.auth}
					if strings.Contains(tc.name, "content type") {
						h["Content-Type"] = "text/plain"
					}
					g := k.invoke(t, req{headers: h, body: tc.body}, opts)
					if g.status != tc.status {
						t.Fatalf("status %d, want %d: %s", g.status, tc.status, g.body)
					}
					switch tc.status {
					case 401:
						if g.body != `{"error":"Unauthorized","code":"UNAUTHORIZED"}` {
							t.Errorf("body %s", g.body)
						}
					case 400:
						if !strings.Contains(g.body, `"code":"VALIDATION_FAILED"`) {
							t.Errorf("body %s", g.body)
						}
					case 200:
						var o order
						if err := json.Unmarshal([]byte(g.body), &o); err != nil || o.Principal != "alice" {
							t.Errorf("body %s", g.body)
						}
					}
					all := adapterLines(g.res.Logs)
					if len(all) != 1 {
						t.Fatalf("adapter lines %v", all)
					}
					if tc.reason != "" {
						if all[0]["message"] != names.MsgRequestRejected || !strings.Contains(fmt.Sprint(all[0][names.KeyError]), tc.reason) {
							t.Errorf("log line does not say %q: %v", tc.reason, all[0])
						}
						if strings.Contains(g.body, tc.reason) {
							t.Errorf("the response says why: %s", g.body)
						}
					}
				})
			}
		})
	}
}

type pathKey struct{}

// TestMiddlewareOrder: the first middleware is outermost, those of a later
// WithMiddleware come after those of earlier ones, each hands the next its
// context, and each sees the status after next returned.
func TestMiddlewareOrder(t *testing.T) {
	var seen []string
	mw := func(name string) httpapi.Middleware {
		return func(next httpapi.RequestHandler) httpapi.RequestHandler {
			return func(ctx context.Context, r *httpapi.Request) error {
				seen = append(seen, name+" in")
				p, _ := ctx.Value(pathKey{}).(string)
				err := next(context.WithValue(ctx, pathKey{}, p+"/"+name), r)
				seen = append(seen, fmt.Sprintf("%s out %d", name, r.ResponseStatus()))
				return err
			}
		}
	}
	auth := func(next httpapi.RequestHandler) httpapi.RequestHandler {
		return func(ctx context.Context, r *httpapi.Request) error {
			seen = append(seen, "auth")
			return next(ctx, r)
		}
	}
	handler := func(ctx context.Context, in newOrder) (string, error) {
		seen = append(seen, "handler")
		p, _ := ctx.Value(pathKey{}).(string)
		return p, nil
	}
	h := httpapi.HTTP(handler, httpapi.WithMiddleware(mw("a"), nil, mw("b")), httpapi.WithMiddleware(auth),
		httpapi.WithMiddleware(mw("c")), httpapi.WithStatus(201), httpapi.WithLogger(slog.New(slog.DiscardHandler)))
	resp, err := h(context.Background(), load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json"))
	if err != nil || resp.StatusCode != 201 || resp.Body != `"/a/b/c"` {
		t.Fatalf("%v %d %s", err, resp.StatusCode, resp.Body)
	}
	want := []string{"a in", "b in", "auth", "c in", "handler", "c out 201", "b out 201", "a out 201"}
	if !slices.Equal(seen, want) {
		t.Errorf("ran %q, want %q", seen, want)
	}
}

// TestMiddlewareSeesOutcome: after next returns, a middleware has the error
// as it was returned (the domain error included) and the status it is
// answered with.
func TestMiddlewareSeesOutcome(t *testing.T) {
	shortCircuit := func(err error) httpapi.Middleware {
		return func(httpapi.RequestHandler) httpapi.RequestHandler {
			return func(context.Context, *httpapi.Request) error { return err }
		}
	}
	for _, tc := range []struct {
		name     string
		customer string
		inner    httpapi.Middleware
		mapper   bool
		status   int
		domain   bool   // errors.Is(err, errOrderNotFound)
		code     string // of the *Error errors.As finds in err, if any
	}{
		{"success", "c-42", nil, false, 201, false, ""},
		{"set status", "c-200", nil, false, 200, false, ""},
		{"handler's *Error", "c-403", nil, false, 403, false, codeForbidden},
		{"validation", "", nil, false, 400, false, codeValidation},
		{"mapped domain error", "c-domain", nil, true, 404, true, ""},
		{"unmapped domain error", "c-domain", nil, false, 500, true, ""},
		{"typed nil", "c-typed-nil", nil, true, 500, false, ""},
		{"inner middleware's *Error", "c-42", shortCircuit(httpapi.Unauthorized()), false, 401, false, codeUnauthorized},
		{"inner middleware's domain error, mapped", "c-42", shortCircuit(errOrderNotFound), true, 404, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var status int
			var got error
			observe := func(next httpapi.RequestHandler) httpapi.RequestHandler {
				return func(ctx context.Context, r *httpapi.Request) error {
					if r.ResponseStatus() != 0 {
						t.Errorf("status %d before next", r.ResponseStatus())
					}
					got = next(ctx, r)
					status = r.ResponseStatus()
					return got
				}
			}
			opts := []httpapi.Option{httpapi.WithMiddleware(observe, tc.inner), httpapi.WithStatus(201)}
			if tc.mapper {
				opts = append(opts, httpapi.WithErrorMapper(mapDomain))
			}
			g := kinds[1].invoke(t, req{body: bodyFor(tc.customer)}, opts)
			if g.status != tc.status || status != tc.status {
				t.Errorf("answered %d, middleware saw %d, want %d", g.status, status, tc.status)
			}
			if (got == nil) != (tc.status < 400) {
				t.Errorf("middleware saw error %v", got)
			}
			if errors.Is(got, errOrderNotFound) != tc.domain {
				t.Errorf("errors.Is(%v, errOrderNotFound) = %v", got, !tc.domain)
			}
			var e *httpapi.Error
			if errors.As(got, &e) != (tc.code != "") || (e != nil && e.Code != tc.code) {
				t.Errorf("errors.As(%v): %v, want code %q", got, e, tc.code)
			}
		})
	}
}

// TestMiddlewareMisuse: what a middleware does wrong is answered, never a
// panic, and the log line says what happened.
func TestMiddlewareMisuse(t *testing.T) {
	mw := func(f func(ctx context.Context, r *httpapi.Request, next httpapi.RequestHandler) error) httpapi.Option {
		return httpapi.WithMiddleware(func(next httpapi.RequestHandler) httpapi.RequestHandler {
			return func(ctx context.Context, r *httpapi.Request) error { return f(ctx, r, next) }
		})
	}
	for _, tc := range []struct {
		name     string
		customer string
		opts     []httpapi.Option
		status   int
		code     string
		logMsg   string
		logError string
	}{
		{"error after success", "c-location", []httpapi.Option{mw(func(ctx context.Context, r *httpapi.Request, next httpapi.RequestHandler) error {
			if err := next(ctx, r); err != nil {
				return err
			}
			return httpapi.Conflict("changed its mind")
		})}, 409, codeConflict, names.MsgRequestRejected, "changed its mind"},
		{"failure swallowed", "c-404", []httpapi.Option{mw(func(ctx context.Context, r *httpapi.Request, next httpapi.RequestHandler) error {
			_ = next(ctx, r)
			return nil
		})}, 404, codeNotFound, names.MsgRequestRejected, "customer not found"},
		{"nil without next", "c-42", []httpapi.Option{mw(func(context.Context, *httpapi.Request, httpapi.RequestHandler) error {
			return nil
		})}, 500, codeInternal, names.MsgRequestFailed, "did not call next"},
		{"another request", "c-42", []httpapi.Option{mw(func(ctx context.Context, r *httpapi.Request, next httpapi.RequestHandler) error {
			return next(ctx, &httpapi.Request{Method: r.Method, Body: r.Body})
		})}, 500, codeInternal, names.MsgRequestFailed, "another *Request"},
		{"plain error", "c-42", []httpapi.Option{mw(func(context.Context, *httpapi.Request, httpapi.RequestHandler) error {
			return errors.New(secret)
		})}, 500, codeInternal, names.MsgRequestFailed, secret},
		{"domain error through the mapper", "c-42", []httpapi.Option{mw(func(context.Context, *httpapi.Request, httpapi.RequestHandler) error {
			return fmt.Errorf("find order: %w", errOrderNotFound)
		}), httpapi.WithErrorMapper(mapDomain)}, 404, codeNotFound, names.MsgRequestRejected, "find order"},
		{"typed nil", "c-42", []httpapi.Option{mw(func(context.Context, *httpapi.Request, httpapi.RequestHandler) error {
			var e *derefError
			return e
		})}, 500, codeInternal, names.MsgRequestFailed, "typed nil error"},
		{"typed nil from Bearer's verify", "c-42", []httpapi.Option{httpapi.WithMiddleware(httpapi.Bearer(func(context.Context, string) (string, error) {
			var e *derefError
			return "", e
		}))}, 500, codeInternal, names.MsgRequestFailed, "typed nil error"},
		{"panic", "c-42", []httpapi.Option{mw(func(context.Context, *httpapi.Request, httpapi.RequestHandler) error {
			panic(secret)
		})}, 500, codeInternal, names.MsgRequestPanicked, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Every request carries a token, for Bearer's verify to get it.
			g := kinds[0].invoke(t, req{body: bodyFor(tc.customer), headers: map[string]string{"Authorization": "Bearer tok-misuse"}}, tc.opts)
			if g.res.Err != nil || g.res.Panic != nil {
				t.Fatalf("error %v, panic %v", g.res.Err, g.res.Panic)
			}
			var body map[string]any
			if g.status != tc.status || json.Unmarshal([]byte(g.body), &body) != nil || body["code"] != tc.code {
				t.Errorf("%d %s", g.status, g.body)
			}
			if g.headers["Location"] != "" {
				t.Errorf("a failure carries the success's headers: %v", g.headers)
			}
			for _, leak := range leaks {
				if strings.Contains(g.body, leak) {
					t.Errorf("response %s leaks %q", g.body, leak)
				}
			}
			all := adapterLines(g.res.Logs)
			if len(all) != 1 || all[0]["message"] != tc.logMsg || !strings.Contains(fmt.Sprint(all[0][names.KeyError]), tc.logError) {
				t.Errorf("want one %q line saying %q, got %v", tc.logMsg, tc.logError, all)
			}
		})
	}
}

// TestErrorMapper: *Error values win over the mappers; then the first mapper
// that knows the error answers; an answer that cannot be sent is a 500; a
// typed nil never reaches a mapper.
func TestErrorMapper(t *testing.T) {
	var calls []string
	mapper := func(name string, e *httpapi.Error) httpapi.Option {
		return httpapi.WithErrorMapper(func(err error) *httpapi.Error {
			calls = append(calls, name)
			if errors.Is(err, errOrderNotFound) {
				return e
			}
			return nil
		})
	}
	for _, tc := range []struct {
		name     string
		customer string
		opts     []httpapi.Option
		status   int
		body     string
		calls    []string
	}{
		{"first that knows wins", "c-domain", []httpapi.Option{mapper("a", nil), mapper("b", httpapi.Conflict("")), mapper("c", httpapi.NotFound(""))},
			409, `{"error":"Conflict","code":"CONFLICT"}`, []string{"a", "b"}},
		{"an *Error needs no mapper", "c-403", []httpapi.Option{mapper("a", httpapi.Conflict(""))},
			403, `{"error":"customer may not order","code":"FORBIDDEN"}`, nil},
		{"a wrapped *Error neither", "c-404", []httpapi.Option{mapper("a", httpapi.Conflict(""))},
			404, `{"error":"customer not found","code":"NOT_FOUND"}`, nil},
		{"status out of range", "c-domain", []httpapi.Option{mapper("a", &httpapi.Error{Status: 302, Code: "MOVED"})},
			500, `{"error":"Internal server error","code":"INTERNAL_ERROR"}`, []string{"a"}},
		{"no code", "c-domain", []httpapi.Option{mapper("a", &httpapi.Error{Status: 404})},
			500, `{"error":"Internal server error","code":"INTERNAL_ERROR"}`, []string{"a"}},
		{"typed nil", "c-typed-nil", []httpapi.Option{mapper("a", httpapi.NotFound(""))},
			500, `{"error":"Internal server error","code":"INTERNAL_ERROR"}`, nil},
		{"unknown", "c-500", []httpapi.Option{mapper("a", httpapi.NotFound(""))},
			500, `{"error":"Internal server error","code":"INTERNAL_ERROR"}`, []string{"a"}},
		{"message from the mapper", "c-domain", []httpapi.Option{httpapi.WithErrorMapper(mapDomain)},
			404, `{"error":"order not found","code":"NOT_FOUND"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls = nil
			g := kinds[2].invoke(t, req{body: bodyFor(tc.customer)}, tc.opts)
			if g.status != tc.status || g.body != tc.body {
				t.Errorf("%d %s, want %d %s", g.status, g.body, tc.status, tc.body)
			}
			if !slices.Equal(calls, tc.calls) {
				t.Errorf("mappers called %q, want %q", calls, tc.calls)
			}
		})
	}
}

// TestErrorMapperServerError: a 5xx from a mapper is a server error: ERROR
// line, span status Error with the domain error, the Errors metric.
func TestErrorMapperServerError(t *testing.T) {
	unavailable := httpapi.WithErrorMapper(func(err error) *httpapi.Error {
		if errors.Is(err, errOrderNotFound) {
			return &httpapi.Error{Status: 503, Code: "ORDERS_UNAVAILABLE", Message: "Orders are unavailable"}
		}
		return nil
	})
	g := kinds[1].invoke(t, req{body: bodyFor("c-domain")}, []httpapi.Option{unavailable})
	checkResponse(t, kinds[1], g, want{status: 503, code: "ORDERS_UNAVAILABLE", message: "Orders are unavailable",
		logMsg: names.MsgRequestFailed, logLevel: "ERROR", logError: "order not found in table orders-prod", span: tracing.Error, errors: 1})
}

// TestErrorMapperConcurrentSafe: a mapper may return the same *Error to
// every request; the adapter never writes to it.
func TestErrorMapperConcurrentSafe(t *testing.T) {
	f := lambdaobstest.New(t, httpapi.HTTP(createOrder, httpapi.WithErrorMapper(mapDomain)), wrapOpts...)
	e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
	e.Body = *bodyFor("c-domain")
	var wg sync.WaitGroup
	var wrong atomic.Int32
	for range 16 {
		wg.Go(func() {
			if r := f.Invoke(e, lambdaobstest.Request{}); r.Output.StatusCode != 404 {
				wrong.Add(1)
			}
		})
	}
	wg.Wait()
	if wrong.Load() != 0 || notFoundOrder.Cause != nil || notFoundOrder.Message != "order not found" {
		t.Errorf("%d wrong answers; the shared error is now %+v", wrong.Load(), notFoundOrder)
	}
}
