package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/params"
)

// setTestEnv sets the function's environment for the test: its
// configuration, and nothing else the process has.
func setTestEnv(t *testing.T, extra map[string]string) {
	env := map[string]string{
		"ORDERS_TABLE":         "",
		"CURRENCIES_PARAMETER": "/test/currencies",
		"SIGNING_KEY_SECRET":   "test/signing-key",
		"PRICING_TIMEOUT":      "",
	}
	for k, v := range extra {
		env[k] = v
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

const testKey = "test-signing-key-8c1e4b7a92d5f03e"

// countedSSM and countedSecrets count the fetches that reach them.
type countedSSM struct {
	memorySSM
	calls atomic.Int64
}

func (c *countedSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, o ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	c.calls.Add(1)
	return c.memorySSM.GetParameter(ctx, in, o...)
}

type countedSecrets struct {
	memorySecrets
	calls atomic.Int64
}

func (c *countedSecrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, o ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls.Add(1)
	return c.memorySecrets.GetSecretValue(ctx, in, o...)
}

type function = lambdaobstest.Function[events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse]

// newFunction returns the function wrapped for tests, with in-memory
// Parameter Store and Secrets Manager holding the currencies and key.
func newFunction(t *testing.T, secret string) (*function, *countedSSM, *countedSecrets) {
	t.Helper()
	setTestEnv(t, nil)
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	ps := &countedSSM{memorySSM: memorySSM{cfg.CurrenciesParameter: "EUR,USD"}}
	sec := &countedSecrets{memorySecrets: memorySecrets{cfg.SigningKeySecret: secret}}
	a := newApp(cfg, ps, sec, params.WithMaxAge(5*time.Minute)) // the cache outlives the test, however slow the machine
	return lambdaobstest.New(t, a.handler(), options()...), ps, sec
}

// request returns an HTTP API event of route, with a token of user signed
// with testKey ("" sends none), and body.
func request(t *testing.T, route, user, scopes, body string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	method, path, _ := strings.Cut(route, " ")
	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: path,
		Headers: map[string]string{"content-type": "application/json", "origin": "https://shop.example.com"},
		Body:    body,
	}
	if id, ok := strings.CutPrefix(path, "/orders/"); ok {
		e.RouteKey = "GET /orders/{id}"
		e.PathParameters = map[string]string{"id": id}
	}
	e.RequestContext.HTTP.Method = method
	e.RequestContext.HTTP.Path = path
	e.RequestContext.RequestID = "api-" + strings.ReplaceAll(path, "/", "-")
	if user != "" {
		e.Headers["authorization"] = "Bearer " + signToken([]byte(testKey), user, scopes)
	}
	return e
}

// requestLines are the messages of the one line httpapi writes per request.
var requestLines = []string{names.MsgRequestCompleted, names.MsgRequestRejected, names.MsgRequestFailed, names.MsgRequestPanicked}

func sum(v []float64) (s float64) {
	for _, x := range v {
		s += x
	}
	return s
}

// TestRequests sends the function one request of each kind, in order, and
// checks the answer and what it logged and measured.
func TestRequests(t *testing.T) {
	f, ps, sec := newFunction(t, `{"signing_key":"`+testKey+`"}`)
	const created = `{"order_id":"ord-1","customer":"c-42","currency":"EUR","items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}`
	type result = lambdaobstest.Result[events.APIGatewayV2HTTPResponse]
	for _, tc := range []struct {
		name   string
		event  events.APIGatewayV2HTTPRequest
		status int
		body   string // the whole body, when set
		check  func(t *testing.T, r result)
	}{
		{name: "created", event: request(t, "POST /orders", "alice", alice, created), status: 201,
			check: func(t *testing.T, r result) {
				var o Order
				if err := json.Unmarshal([]byte(r.Output.Body), &o); err != nil || o.OrderID != "ord-1" || o.CreatedBy != "alice" || o.TotalCents != 2999 || o.Items != 2 {
					t.Errorf("body %s: %v", r.Output.Body, err)
				}
				if h := r.Output.Headers; h["Location"] != "/orders/ord-1" || h["Access-Control-Allow-Origin"] != "https://shop.example.com" {
					t.Errorf("headers %v", h)
				}
				if got := lambdaobstest.MetricValues(r.Metrics, "OrdersCreated"); sum(got) != 1 {
					t.Errorf("OrdersCreated %v", got)
				}
				if got := lambdaobstest.MetricValues(r.Metrics, "OrderValue"); len(got) != 1 || got[0] != 29.99 {
					t.Errorf("OrderValue %v", got)
				}
				// The secret (auth) and the parameter (currencies) are fetched.
				if hits, misses := lambdaobstest.MetricValues(r.Metrics, names.MetricParametersCacheHits), lambdaobstest.MetricValues(r.Metrics, names.MetricParametersCacheMisses); sum(hits) != 0 || sum(misses) != 2 {
					t.Errorf("cache hits %v, misses %v; want 0 and 2", hits, misses)
				}
				if !slices.ContainsFunc(r.Logs, func(l map[string]any) bool {
					return l["message"] == names.MsgLazyInit && l[names.KeyLazy] == "orders-store"
				}) {
					t.Errorf("no %q line for the store", names.MsgLazyInit)
				}
			}},
		{name: "served from the cache", event: request(t, "POST /orders", "alice", alice, strings.Replace(created, "ord-1", "ord-2", 1)), status: 201,
			check: func(t *testing.T, r result) {
				if hits, misses := lambdaobstest.MetricValues(r.Metrics, names.MetricParametersCacheHits), lambdaobstest.MetricValues(r.Metrics, names.MetricParametersCacheMisses); sum(hits) != 2 || sum(misses) != 0 {
					t.Errorf("cache hits %v, misses %v; want 2 and 0", hits, misses)
				}
				if ps.calls.Load() != 1 || sec.calls.Load() != 1 {
					t.Errorf("%d parameter and %d secret fetches for two requests, want 1 and 1", ps.calls.Load(), sec.calls.Load())
				}
			}},
		{name: "no token, before the body is decoded", event: request(t, "POST /orders", "", "", `{"order_id":`), status: 401,
			body: `{"error":"Unauthorized","code":"UNAUTHORIZED"}`},
		{name: "token signed with another key", event: func() events.APIGatewayV2HTTPRequest {
			e := request(t, "POST /orders", "", "", created)
			e.Headers["authorization"] = "Bearer " + signToken([]byte("another-key-of-32-bytes-or-so..."), "mallory", alice)
			return e
		}(), status: 401, body: `{"error":"Unauthorized","code":"UNAUTHORIZED"}`,
			check: func(t *testing.T, r result) {
				if !slices.ContainsFunc(r.Logs, func(l map[string]any) bool {
					return l["message"] == names.MsgRequestRejected && strings.Contains(fmt.Sprint(l[names.KeyError]), errBadSignature.Error())
				}) {
					t.Error("the rejection line does not say why")
				}
			}},
		{name: "missing scope", event: request(t, "POST /orders", "bob", bob, created), status: 403,
			body: `{"error":"missing scope orders:write","code":"FORBIDDEN"}`},
		{name: "fields at fault", event: request(t, "POST /orders", "alice", alice, `{"order_id":"ord-9","customer":"","currency":"EUR","items":[{"sku":"A-1"}]}`), status: 400,
			body: `{"error":"Request validation failed","code":"VALIDATION_FAILED","details":[{"field":"customer","message":"is required","rule":"required"},{"field":"items[0].qty","message":"must be at least 1","rule":"min"}]}`},
		{name: "Validate method", event: request(t, "POST /orders", "alice", alice, strings.Replace(created, "ord-1", "ord 1", 1)), status: 400,
			body: `{"error":"Request validation failed","code":"VALIDATION_FAILED","details":[{"field":"order_id","message":"may hold only letters, digits, - and _","rule":"charset"}]}`},
		{name: "currency the parameter does not list", event: request(t, "POST /orders", "alice", alice, strings.Replace(created, "EUR", "GBP", 1)), status: 400,
			body: `{"error":"Request validation failed","code":"VALIDATION_FAILED","details":[{"field":"currency","message":"must be one of EUR, USD","rule":"oneof"}]}`},
		{name: "conflict", event: request(t, "POST /orders", "alice", alice, created), status: 409,
			body: `{"error":"order already exists","code":"CONFLICT"}`},
		{name: "read", event: request(t, "GET /orders/ord-1", "bob", bob, ""), status: 200,
			check: func(t *testing.T, r result) {
				var o Order
				if err := json.Unmarshal([]byte(r.Output.Body), &o); err != nil || o.OrderID != "ord-1" || o.TotalCents != 2999 {
					t.Errorf("body %s: %v", r.Output.Body, err)
				}
			}},
		{name: "domain error mapped to 404", event: request(t, "GET /orders/ord-404", "bob", bob, ""), status: 404,
			body: `{"error":"order not found","code":"NOT_FOUND"}`,
			check: func(t *testing.T, r result) {
				if !slices.ContainsFunc(r.Logs, func(l map[string]any) bool {
					return l["message"] == names.MsgRequestRejected && l["level"] == "WARN" && strings.Contains(fmt.Sprint(l[names.KeyError]), `"ord-404"`)
				}) {
					t.Error("no rejection line naming the order")
				}
			}},
		{name: "internal error", event: request(t, "POST /orders", "alice", alice, strings.Replace(created, "c-42", "c-crash", 1)), status: 500,
			body: `{"error":"Internal server error","code":"INTERNAL_ERROR"}`,
			check: func(t *testing.T, r result) {
				if !slices.ContainsFunc(r.Logs, func(l map[string]any) bool {
					return l["message"] == names.MsgRequestFailed && strings.Contains(fmt.Sprint(l[names.KeyError]), errPricing.Error())
				}) {
					t.Error("no failure line with the real error")
				}
				if !slices.ContainsFunc(r.Logs, func(l map[string]any) bool {
					return l["level"] == "ERROR" && strings.Contains(fmt.Sprint(l[names.KeyError]), errPricing.Error()) &&
						strings.Contains(fmt.Sprint(l[names.KeyStackTrace]), "createOrder")
				}) {
					t.Errorf("no ERROR line with the error and its stack: %v", r.Logs)
				}
				if got := lambdaobstest.MetricValues(r.Metrics, names.MetricErrors); sum(got) != 1 {
					t.Errorf("Errors %v", got)
				}
			}},
		{name: "route the function does not serve", event: request(t, "DELETE /orders", "alice", alice, ""), status: 404,
			body: `{"error":"no such route","code":"NOT_FOUND"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.Invoke(tc.event, lambdaobstest.Request{})
			if r.Err != nil || r.Output.StatusCode != tc.status {
				t.Fatalf("status %d, %v; want %d: %s", r.Output.StatusCode, r.Err, tc.status, r.Output.Body)
			}
			if tc.body != "" && r.Output.Body != tc.body {
				t.Errorf("body %s\nwant %s", r.Output.Body, tc.body)
			}
			var lines []map[string]any
			for _, l := range r.Logs {
				if slices.Contains(requestLines, fmt.Sprint(l["message"])) {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 {
				t.Fatalf("%d request lines, want 1: %v", len(lines), lines)
			}
			if _, ok := lines[0][names.KeyDurationMS].(float64); !ok || lines[0][names.KeyHTTPStatus] != float64(tc.status) {
				t.Errorf("request line %v", lines[0])
			}
			if strings.Contains(r.Raw, testKey) || strings.Contains(r.Output.Body, "10.0.3.7") {
				t.Errorf("the output shows the signing key or the response an internal address:\n%s\n%s", r.Raw, r.Output.Body)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestUnreadableKeyIs500: when the signing key cannot be read, the caller
// is not told it is unauthorised: the request fails, and the log says why.
func TestUnreadableKeyIs500(t *testing.T) {
	for _, tc := range []struct{ name, secret, why string }{
		{"not JSON", "not json", "read the token signing key"},
		{"no signing_key", `{"key":"x"}`, "has no signing_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _, _ := newFunction(t, tc.secret)
			r := f.Invoke(request(t, "POST /orders", "alice", alice, `{}`), lambdaobstest.Request{})
			if r.Output.StatusCode != 500 || r.Output.Body != `{"error":"Internal server error","code":"INTERNAL_ERROR"}` {
				t.Fatalf("response %+v", r.Output)
			}
			if !slices.ContainsFunc(r.Logs, func(l map[string]any) bool {
				return l["message"] == names.MsgRequestFailed && strings.Contains(fmt.Sprint(l[names.KeyError]), tc.why)
			}) {
				t.Errorf("no failure line saying %q: %v", tc.why, r.Logs)
			}
		})
	}
}

// TestConfig: defaults, and every missing or malformed variable named in
// one error.
func TestConfig(t *testing.T) {
	setTestEnv(t, nil)
	c, err := loadConfig()
	if err != nil || c.Table != "orders" || c.PricingTimeout.String() != "800ms" || c.CurrenciesParameter != "/test/currencies" {
		t.Errorf("loadConfig = %+v, %v", c, err)
	}
	setTestEnv(t, map[string]string{"CURRENCIES_PARAMETER": "", "SIGNING_KEY_SECRET": "", "PRICING_TIMEOUT": "soon"})
	_, err = loadConfig()
	for _, want := range []string{"CURRENCIES_PARAMETER", "SIGNING_KEY_SECRET", "PRICING_TIMEOUT"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

func TestTokens(t *testing.T) {
	key := []byte(testKey)
	good := signToken(key, "alice", alice)
	if p, err := parseToken(key, good); err != nil || p.User != "alice" || !p.can("orders:write") || p.can("admin") {
		t.Errorf("parseToken = %+v, %v", p, err)
	}
	payload, _, _ := strings.Cut(good, ".")
	for _, tc := range []struct {
		name, token string
		key         []byte
		want        error
	}{
		{"no dot", "abc", key, errMalformedToken},
		{"empty signature", payload + ".", key, errMalformedToken},
		{"other key", good, []byte("other"), errBadSignature},
		{"tampered claims", "e30" + good[3:], key, errBadSignature},
		{"signature not base64", payload + ".!!", key, errBadSignature},
		{"claims without subject", signToken(key, "", alice), key, errBadClaims},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseToken(tc.key, tc.token); err != tc.want {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestPrintToken(t *testing.T) {
	var out, errOut bytes.Buffer
	env := func(k string) (string, bool) { return testKey, k == "SIGNING_KEY" }
	if code := printToken(&out, &errOut, []string{"bob", bob}, env); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if p, err := parseToken([]byte(testKey), strings.TrimSpace(out.String())); err != nil || p.User != "bob" || p.can("orders:write") {
		t.Errorf("token %q: %+v, %v", out.String(), p, err)
	}
	noKey := func(string) (string, bool) { return "", false }
	if code := printToken(&out, &errOut, []string{"bob"}, noKey); code != 2 || !strings.Contains(errOut.String(), "usage") {
		t.Errorf("without SIGNING_KEY: exit %d, %q", code, errOut.String())
	}
}

// TestRunsLocally runs the example as `go run` does, in this process:
// stdout holds only the JSON lines Lambda would get, stderr the responses.
func TestRunsLocally(t *testing.T) {
	prev, prevLog, prevFlags := slog.Default(), log.Writer(), log.Flags()
	t.Cleanup(func() { slog.SetDefault(prev); log.SetOutput(prevLog); log.SetFlags(prevFlags) })
	var stdout, stderr bytes.Buffer
	if err := runLocally(&stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	logs, docs, other := lambdaobstest.Parse(stdout.String())
	if len(other) != 0 {
		t.Errorf("lines that are not JSON: %q", other)
	}
	var statuses []string
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		_, after, _ := strings.Cut(l, "→ ")
		status, _, _ := strings.Cut(after, " ")
		statuses = append(statuses, status)
	}
	if want := []string{"201", "409", "401", "403", "400", "400", "200", "404", "500"}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v:\n%s", statuses, want, stderr.String())
	}
	if strings.Contains(stderr.String(), "10.0.3.7") || strings.Contains(stdout.String()+stderr.String(), localSigningKey) {
		t.Errorf("a response leaks internals, or the output the signing key:\n%s", stderr.String())
	}
	var failed bool
	for _, l := range logs {
		if l["message"] == names.MsgRequestFailed && strings.Contains(fmt.Sprint(l[names.KeyError]), "10.0.3.7") {
			failed = true
		}
	}
	if !failed {
		t.Errorf("no %q line with the real error in %v", names.MsgRequestFailed, logs)
	}
	if got := lambdaobstest.MetricValues(docs, names.MetricHTTPRequests); len(got) != len(localCalls) {
		t.Errorf("Requests = %v", got)
	}
}
