package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/tracing"
)

func TestCorrelationID(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			for _, tc := range []struct {
				name, header, want string
			}{
				{"request id", "", k.requestID},
				{"header wins", "order-flow-7f3a", "order-flow-7f3a"},
				{"header with a space is ignored", "bad id", k.requestID},
				{"header too long is ignored", strings.Repeat("x", 129), k.requestID},
				{"header with a newline is ignored", "a\nb", k.requestID},
			} {
				t.Run(tc.name, func(t *testing.T) {
					h := map[string]string{}
					if tc.header != "" {
						h["X-Correlation-Id"] = tc.header
					}
					g := k.invoke(t, req{headers: h, body: bodyFor("c-404")}, nil)
					if g.headers[names.HeaderCorrelationID] != tc.want {
						t.Errorf("response header %q, want %q", g.headers[names.HeaderCorrelationID], tc.want)
					}
					l := lines(g.res.Logs, names.MsgRequestRejected)
					if len(l) != 1 || l[0][names.KeyCorrelationID] != tc.want {
						t.Errorf("log lines %v", g.res.Logs)
					}
				})
			}
		})
	}
}

// TestCorrelationIDFallback: an event without a request id (a hand-made
// test event) falls back to Lambda's request id.
func TestCorrelationIDFallback(t *testing.T) {
	f := lambdaobstest.New(t, httpapi.HTTP(createOrder), wrapOpts...)
	e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
	e.RequestContext.RequestID = ""
	r := f.Invoke(e, lambdaobstest.Request{RequestID: "lambda-req-9"})
	if r.Output.Headers[names.HeaderCorrelationID] != "lambda-req-9" {
		t.Errorf("headers %v", r.Output.Headers)
	}
}

func verifyToken(_ context.Context, token string) (string, error) {
	switch token {
	case "tok-alice":
		return "alice", nil
	case "tok-mallory":
		return "", httpapi.Forbidden("").WithCause(errors.New("mallory is banned"))
	}
	return "", fmt.Errorf("token %q: signature mismatch", token)
}

func TestBearerAuth(t *testing.T) {
	opts := []httpapi.Option{httpapi.WithMiddleware(httpapi.Bearer(verifyToken))}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			for _, tc := range []struct {
				name, auth string
				body       *string
				status     int
				reason     string // in the log line, never in the response
			}{
				{"valid", "Bearer tok-alice", nil, 200, ""},
				{"scheme in any case", "bearer tok-alice", nil, 200, ""},
				{"missing", "", nil, 401, "no Authorization header"},
				{"not bearer", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", nil, 401, "not Bearer"},
				{"empty token", "Bearer ", nil, 401, "empty bearer token"},
				{"bad token", "Bearer tok-eve", nil, 401, "signature mismatch"},
				{"forbidden by verify", "Bearer tok-mallory", nil, 403, "mallory is banned"},
				// Authentication comes before decoding: an unauthenticated
				// caller learns nothing about the body's shape.
				{"malformed body without a token", "", str(`{"customer":`), 401, "no Authorization header"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					g := k.invoke(t, req{headers: map[string]string{"Authorization": tc.auth}, body: tc.body}, opts)
					if g.status != tc.status {
						t.Fatalf("status %d, want %d: %s", g.status, tc.status, g.body)
					}
					switch tc.status {
					case 200:
						var o order
						_ = json.Unmarshal([]byte(g.body), &o)
						if o.Principal != "alice" {
							t.Errorf("principal %q", o.Principal)
						}
					case 401:
						if g.body != `{"error":"Unauthorized","code":"UNAUTHORIZED"}` {
							t.Errorf("body %s", g.body)
						}
					}
					if tc.reason != "" {
						if strings.Contains(g.body, tc.reason) {
							t.Errorf("the response says why: %s", g.body)
						}
						l := lines(g.res.Logs, names.MsgRequestRejected)
						if len(l) != 1 || !strings.Contains(fmt.Sprint(l[0][names.KeyError]), tc.reason) {
							t.Errorf("log line does not say %q: %v", tc.reason, g.res.Logs)
						}
						for _, l := range g.res.Logs {
							if strings.Contains(fmt.Sprint(l), "tok-") && !strings.Contains(fmt.Sprint(l), "tok-eve") {
								t.Errorf("a valid token was logged: %v", l)
							}
						}
					}
				})
			}
		})
	}
}

func TestCORS(t *testing.T) {
	cors := httpapi.WithCORS(httpapi.CORS{
		AllowOrigins:     []string{"https://shop.example.com"},
		AllowCredentials: true,
		MaxAge:           10 * time.Minute,
	})
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Run("off by default", func(t *testing.T) {
				g := k.invoke(t, req{headers: map[string]string{"Origin": "https://shop.example.com"}}, nil)
				for h := range g.headers {
					if strings.HasPrefix(h, "Access-Control-") {
						t.Errorf("CORS header %s without WithCORS", h)
					}
				}
			})
			t.Run("allowed origin", func(t *testing.T) {
				g := k.invoke(t, req{headers: map[string]string{"Origin": "https://shop.example.com"}}, []httpapi.Option{cors})
				if g.headers["Access-Control-Allow-Origin"] != "https://shop.example.com" || g.headers["Vary"] != "Origin" ||
					g.headers["Access-Control-Allow-Credentials"] != "true" || g.headers["Access-Control-Expose-Headers"] != "X-Correlation-Id" {
					t.Errorf("headers %v", g.headers)
				}
			})
			t.Run("on errors too", func(t *testing.T) {
				g := k.invoke(t, req{body: bodyFor("c-500"), headers: map[string]string{"Origin": "https://shop.example.com"}}, []httpapi.Option{cors})
				if g.status != 500 || g.headers["Access-Control-Allow-Origin"] != "https://shop.example.com" {
					t.Errorf("status %d headers %v", g.status, g.headers)
				}
			})
			t.Run("other origin", func(t *testing.T) {
				g := k.invoke(t, req{headers: map[string]string{"Origin": "https://evil.example.net"}}, []httpapi.Option{cors})
				if _, ok := g.headers["Access-Control-Allow-Origin"]; ok {
					t.Errorf("headers %v", g.headers)
				}
			})
			t.Run("preflight", func(t *testing.T) {
				g := k.invoke(t, req{method: "OPTIONS", body: str(""), headers: map[string]string{
					"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST", "Content-Type": "",
				}}, []httpapi.Option{cors})
				if g.status != 204 || g.body != "" || g.headers["Access-Control-Allow-Methods"] == "" ||
					g.headers["Access-Control-Allow-Headers"] == "" || g.headers["Access-Control-Max-Age"] != "600" {
					t.Errorf("status %d headers %v body %q", g.status, g.headers, g.body)
				}
				doc := requestDoc(t, g.res.Metrics)
				if doc["Method"] != "OPTIONS" || doc["StatusClass"] != "2xx" {
					t.Errorf("preflight document %v", doc)
				}
			})
			t.Run("star only when asked", func(t *testing.T) {
				g := k.invoke(t, req{headers: map[string]string{"Origin": "https://anyone.example.org"}},
					[]httpapi.Option{httpapi.WithCORS(httpapi.CORS{AllowOrigins: []string{"*"}, AllowCredentials: true})})
				if g.headers["Access-Control-Allow-Origin"] != "*" || g.headers["Access-Control-Allow-Credentials"] != "" || g.headers["Vary"] != "" {
					t.Errorf("headers %v", g.headers)
				}
			})
		})
	}
}

func TestBodyRules(t *testing.T) {
	k := kinds[1]
	t.Run("GET needs no body", func(t *testing.T) {
		g := k.invoke(t, req{method: "GET", body: str(""), headers: map[string]string{"Content-Type": ""}}, nil)
		if g.status != 200 {
			t.Errorf("status %d: %s", g.status, g.body)
		}
	})
	t.Run("optional body is validated", func(t *testing.T) {
		g := k.invoke(t, req{body: str("")}, []httpapi.Option{httpapi.WithOptionalBody()})
		if g.status != 400 || !strings.Contains(g.body, `"field":"customer"`) {
			t.Errorf("status %d: %s", g.status, g.body)
		}
	})
	t.Run("unknown fields ignored by default", func(t *testing.T) {
		g := k.invoke(t, req{body: str(`{"customer":"c-1","items":[{"sku":"A","qty":1}],"coupon":"X"}`)}, nil)
		if g.status != 200 {
			t.Errorf("status %d: %s", g.status, g.body)
		}
	})
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"unknown field", `{"customer":"c-1","items":[{"sku":"A","qty":1}],"coupon":"X"}`, 400, codeValidation},
		{"valid", validBody, 200, ""},
		{"truncated", `{"customer":"c-1"`, 400, codeInvalidJSON},
		{"trailing", validBody + `]`, 400, codeInvalidJSON},
		{"two values", validBody + validBody, 400, codeInvalidJSON},
		{"wrong type", `{"customer":7}`, 400, codeValidation},
	} {
		t.Run("strict/"+tc.name, func(t *testing.T) {
			g := k.invoke(t, req{body: str(tc.body)}, []httpapi.Option{httpapi.WithDisallowUnknownFields()})
			if g.status != tc.status || (tc.code != "" && !strings.Contains(g.body, tc.code)) {
				t.Errorf("status %d: %s", g.status, g.body)
			}
		})
	}
	t.Run("invalid base64", func(t *testing.T) {
		f := lambdaobstest.New(t, httpapi.HTTP(createOrder), wrapOpts...)
		e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
		e.Body, e.IsBase64Encoded = "{not base64!}", true
		r := f.Invoke(e, lambdaobstest.Request{})
		if r.Output.StatusCode != 400 || r.Output.Body != `{"error":"Request body is not valid base64","code":"BAD_REQUEST"}` {
			t.Errorf("%d %s", r.Output.StatusCode, r.Output.Body)
		}
	})
	t.Run("unpadded base64", func(t *testing.T) {
		f := lambdaobstest.New(t, httpapi.HTTP(createOrder), wrapOpts...)
		e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
		e.Body, e.IsBase64Encoded = strings.TrimRight("eyJjdXN0b21lciI6ImMtNDIiLCJpdGVtcyI6W3sic2t1IjoiQS0xIiwicXR5IjoyfSx7InNrdSI6IkItNyIsInF0eSI6MX1dfQ==", "="), true
		if r := f.Invoke(e, lambdaobstest.Request{}); r.Output.StatusCode != 200 {
			t.Errorf("%d %s", r.Output.StatusCode, r.Output.Body)
		}
	})
}

func TestStatusNoContent(t *testing.T) {
	g := kinds[0].invoke(t, req{}, []httpapi.Option{httpapi.WithStatus(204)})
	if g.status != 204 || g.body != "" || g.headers["Content-Type"] != "" || g.headers[names.HeaderCorrelationID] == "" {
		t.Errorf("%d %v %q", g.status, g.headers, g.body)
	}
}

func TestEmptyInput(t *testing.T) {
	h := func(ctx context.Context, _ struct{}) (map[string]string, error) {
		r, _ := httpapi.RequestFromContext(ctx)
		return map[string]string{"id": r.PathParams["id"], "expand": r.Query["expand"], "ua": r.Header("USER-AGENT")}, nil
	}
	f := lambdaobstest.New(t, httpapi.REST(h), wrapOpts...)
	e := load[events.APIGatewayProxyRequest](t, "rest-create-order.json")
	e.HTTPMethod, e.Resource = "DELETE", "/orders/{id}"
	e.PathParameters = map[string]string{"id": "ord-7"}
	e.QueryStringParameters = map[string]string{"expand": "items"}
	e.Body = "not even JSON" // never read
	r := f.Invoke(e, lambdaobstest.Request{})
	if r.Output.StatusCode != 200 || r.Output.Body != `{"expand":"items","id":"ord-7","ua":"curl/8.5.0"}` {
		t.Errorf("%d %s", r.Output.StatusCode, r.Output.Body)
	}
	doc := requestDoc(t, r.Metrics)
	if doc["Route"] != "/orders/{id}" || doc["Method"] != "DELETE" {
		t.Errorf("document %v", doc)
	}
}

func TestRouteAndMethodNames(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []httpapi.Option
		method     string
		wantRoute  string
		wantMethod string
	}{
		{"WithRoute", []httpapi.Option{httpapi.WithRoute("/checkout")}, "POST", "/checkout", "POST"},
		{"unknown method", nil, "BREW", "$default", "_OTHER"},
		{"lower case method", nil, "post", "$default", "POST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := lambdaobstest.New(t, httpapi.FunctionURL(createOrder, tc.opts...), wrapOpts...)
			e := load[events.LambdaFunctionURLRequest](t, "url-create-order.json")
			e.RequestContext.HTTP.Method = tc.method
			r := f.Invoke(e, lambdaobstest.Request{})
			doc := requestDoc(t, r.Metrics)
			if doc["Route"] != tc.wantRoute || doc["Method"] != tc.wantMethod {
				t.Errorf("document %v", doc)
			}
			s := invocationSpan(t, r.Spans)
			if s.Attributes[names.AttrHTTPRoute] != tc.wantRoute || s.Attributes[names.AttrHTTPRequestMethod] != tc.wantMethod {
				t.Errorf("span %v", s.Attributes)
			}
			if tc.wantMethod == "_OTHER" && s.Attributes[names.AttrHTTPRequestMethodOriginal] != tc.method {
				t.Errorf("span %v", s.Attributes)
			}
		})
	}
}

// TestWithoutWrapper: the adapter works called directly, without
// lambdawrap: no metrics are recorded, nothing warns about it.
func TestWithoutWrapper(t *testing.T) {
	var logs bytes.Buffer
	h := httpapi.HTTP(createOrder, httpapi.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	prev := slog.Default()
	defer slog.SetDefault(prev)
	var def bytes.Buffer
	slog.SetDefault(slog.New(slog.NewJSONHandler(&def, nil)))

	e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
	resp, err := h(context.Background(), e)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %+v", err, resp)
	}
	e.Body = `{"customer":"c-500","items":[{"sku":"A","qty":1}]}`
	resp, _ = h(context.Background(), e)
	if resp.StatusCode != 500 || !strings.Contains(logs.String(), names.MsgRequestFailed) {
		t.Errorf("%d, logs %s", resp.StatusCode, logs.String())
	}
	if def.Len() != 0 {
		t.Errorf("slog's default logger got %s", def.String())
	}
}

func TestRequestFromContextOutside(t *testing.T) {
	r, ok := httpapi.RequestFromContext(context.Background())
	if ok || r == nil {
		t.Errorf("%v %v", r, ok)
	}
	httpapi.SetHeader(context.Background(), "X", "y") // no panic
	httpapi.SetStatus(context.Background(), 201)
}

func TestErrorType(t *testing.T) {
	e := httpapi.NotFound("").WithCause(errors.New("row missing"))
	if e.Error() != "404 NOT_FOUND: Not Found: row missing" || !errors.Is(e, e.Cause) {
		t.Errorf("%q", e.Error())
	}
	v := httpapi.Validation(httpapi.FieldError{Field: "a", Message: "is required"}, httpapi.FieldError{Message: "bad"})
	if v.Error() != "400 VALIDATION_FAILED: Request validation failed (a: is required; bad)" {
		t.Errorf("%q", v.Error())
	}
}

// TestBadErrorStatus: an *Error with a status that is not an error status
// is a bug in the handler, answered as an internal error.
func TestBadErrorStatus(t *testing.T) {
	h := func(context.Context, struct{}) (string, error) {
		return "", &httpapi.Error{Status: 302, Code: "MOVED", Message: "see elsewhere"}
	}
	f := lambdaobstest.New(t, httpapi.HTTP(h), wrapOpts...)
	r := f.Invoke(load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json"), lambdaobstest.Request{})
	if r.Output.StatusCode != 500 || r.Output.Body != `{"error":"Internal server error","code":"INTERNAL_ERROR"}` {
		t.Errorf("%d %s", r.Output.StatusCode, r.Output.Body)
	}
}

// TestEncodeFailure: an Out that cannot be encoded is an internal error.
func TestEncodeFailure(t *testing.T) {
	h := func(context.Context, struct{}) (float64, error) {
		return 0 * func() float64 { var z float64; return 1 / z }(), nil
	}
	f := lambdaobstest.New(t, httpapi.HTTP(h), wrapOpts...)
	r := f.Invoke(load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json"), lambdaobstest.Request{})
	if r.Output.StatusCode != 500 {
		t.Errorf("%d %s", r.Output.StatusCode, r.Output.Body)
	}
	if l := lines(r.Logs, names.MsgRequestFailed); len(l) != 1 || !strings.Contains(fmt.Sprint(l[0][names.KeyError]), "encode response") {
		t.Errorf("logs %v", r.Logs)
	}
}

type pointerIn struct {
	Name string `json:"name" validate:"required"`
}

func (p *pointerIn) Validate() error {
	if p.Name == "nobody" {
		return errors.Join(httpapi.FieldError{Field: "name", Message: "must be somebody"}, errors.New("and something else"))
	}
	return nil
}

func TestPointerInput(t *testing.T) {
	h := func(_ context.Context, in *pointerIn) (string, error) { return in.Name, nil }
	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"name":"ann"}`, 200, `"ann"`},
		{`{"name":""}`, 400, `"field":"name"`},
		{`{"name":"nobody"}`, 400, `{"field":"name","message":"must be somebody"},{"message":"and something else"}`},
	} {
		f := lambdaobstest.New(t, httpapi.HTTP(h), wrapOpts...)
		e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
		e.Body = tc.body
		r := f.Invoke(e, lambdaobstest.Request{})
		if r.Output.StatusCode != tc.status || !strings.Contains(r.Output.Body, tc.want) {
			t.Errorf("%s: %d %s", tc.body, r.Output.StatusCode, r.Output.Body)
		}
	}
}

// TestConcurrentSafe runs many requests at once through one wrapped
// handler, as Lambda does with AWS_LAMBDA_MAX_CONCURRENCY > 1: each response
// and each document carries its own request's correlation id.
func TestConcurrentSafe(t *testing.T) {
	f := lambdaobstest.New(t, httpapi.HTTP(createOrder), wrapOpts...)
	base := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			e := base
			e.Headers = map[string]string{"content-type": "application/json", "x-correlation-id": fmt.Sprintf("corr-%d", i)}
			if i%4 == 0 {
				e.Body = `{"customer":"c-500","items":[{"sku":"A","qty":1}]}`
			}
			resp := f.Invoke(e, lambdaobstest.Request{}).Output
			if resp.Headers[names.HeaderCorrelationID] != fmt.Sprintf("corr-%d", i) {
				t.Errorf("request %d answered with %v", i, resp.Headers)
			}
		})
	}
	wg.Wait()
	_, docs, _ := lambdaobstest.Parse(f.Output())
	seen := map[string]bool{}
	for _, d := range docs {
		if c, ok := d[names.KeyCorrelationID].(string); ok && d["Requests"] != nil {
			if seen[c] {
				t.Errorf("two documents for %s", c)
			}
			seen[c] = true
			want := "2xx"
			var n int
			fmt.Sscanf(c, "corr-%d", &n)
			if n%4 == 0 {
				want = "5xx"
			}
			if d["StatusClass"] != want {
				t.Errorf("%s: StatusClass %v", c, d["StatusClass"])
			}
		}
	}
	if len(seen) != 32 {
		t.Errorf("%d request documents", len(seen))
	}
	spans := f.Tracer().Spans()
	var errs int
	for _, s := range spans {
		if s.Status == tracing.Error {
			errs++
		}
	}
	if errs != 8 {
		t.Errorf("%d spans with status Error, want 8", errs)
	}
}

// TestRESTHeaderSpellings: REST events keep the client's spelling of header
// names.
func TestRESTHeaderSpellings(t *testing.T) {
	k := kinds[0]
	for _, tc := range []struct {
		name    string
		headers map[string]string
		status  int
		corr    string
	}{
		{"Go canonical", map[string]string{"Content-Type": "application/json", "X-Correlation-Id": "c-1"}, 200, "c-1"},
		{"ID in capitals", map[string]string{"Content-Type": "application/json", "X-Correlation-ID": "c-2"}, 200, "c-2"},
		{"HTTP/2 lower case", map[string]string{"content-type": "application/json", "x-correlation-id": "c-3"}, 200, "c-3"},
		{"any case when Content-Type is unusual", map[string]string{"Content-type": "application/json", "x-Correlation-id": "c-4"}, 200, "c-4"},
		{"unusual Content-Type alone", map[string]string{"CONTENT-TYPE": "text/plain"}, 415, k.requestID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := k.invoke(t, req{headers: tc.headers}, nil) // replaces the sample's spellings
			if g.status != tc.status || g.headers[names.HeaderCorrelationID] != tc.corr {
				t.Errorf("status %d correlation %q: %s", g.status, g.headers[names.HeaderCorrelationID], g.body)
			}
		})
	}
}
