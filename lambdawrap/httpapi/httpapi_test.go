package httpapi_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/tracing"
)

type want struct {
	status    int
	code      string   // the body's "code"; "" for a success
	message   string   // the body's "error", when it matters
	details   []string // the fields named in "details"
	logMsg    string   // the adapter's line, "" for none
	logLevel  string
	logError  string // a substring of that line's error
	span      tracing.Code
	errors    float64 // lambdawrap's Errors metric
	panics    float64 // lambdawrap's Panics metric
	headerSet map[string]string
}

const validBody = `{"customer":"c-42","items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}`

func bodyFor(customer string) *string {
	return str(`{"customer":"` + customer + `","items":[{"sku":"A-1","qty":2}]}`)
}

var cases = []struct {
	name string
	req  req
	opts []httpapi.Option
	want want
}{
	{"created", req{}, []httpapi.Option{httpapi.WithStatus(201)}, want{status: 201}},
	{"default status 200", req{}, nil, want{status: 200}},
	{"base64 body", req{body: str(validBody), b64: true}, []httpapi.Option{httpapi.WithStatus(201)}, want{status: 201}},
	{"json suffix content type", req{headers: map[string]string{"Content-Type": "application/vnd.shop+json; charset=utf-8"}}, nil, want{status: 200}},
	{"set header", req{body: bodyFor("c-location")}, []httpapi.Option{httpapi.WithStatus(201)}, want{status: 201, headerSet: map[string]string{"Location": "/orders/ord-1"}}},
	{"set status", req{body: bodyFor("c-200")}, []httpapi.Option{httpapi.WithStatus(201)}, want{status: 200}},

	{"tag validation", req{body: str(`{"customer":"","items":[{"sku":"A-1","qty":0},{"sku":"","qty":1}]}`)}, nil,
		want{status: 400, code: codeValidation, details: []string{"customer", "items[0].qty", "items[1].sku"}, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"validate method", req{body: bodyFor("blocked")}, nil,
		want{status: 400, code: codeValidation, details: []string{"customer"}, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"wrong member type", req{body: str(`{"customer":"c-1","items":[{"sku":"A-1","qty":"two"}]}`)}, nil,
		want{status: 400, code: codeValidation, details: []string{wrongTypeField}, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"not an object", req{body: str(`[1,2,3]`)}, nil,
		want{status: 400, code: codeValidation, details: []string{""}, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"malformed json", req{body: str(`{"customer": "c-1", "items": [`)}, nil,
		want{status: 400, code: codeInvalidJSON, logMsg: names.MsgRequestRejected, logLevel: "WARN", logError: "unexpected end of JSON input", span: tracing.ClientError}},
	{"trailing data", req{body: str(validBody + ` {}`)}, nil,
		want{status: 400, code: codeInvalidJSON, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"wrong content type", req{headers: map[string]string{"Content-Type": "text/plain"}}, nil,
		want{status: 415, code: codeUnsupportedMediaType, logMsg: names.MsgRequestRejected, logLevel: "WARN", logError: "text/plain", span: tracing.ClientError}},
	{"no content type", req{headers: map[string]string{"Content-Type": ""}}, nil,
		want{status: 415, code: codeUnsupportedMediaType, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"empty body", req{body: str("")}, nil,
		want{status: 400, code: codeBodyRequired, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"null body", req{body: str(" null ")}, nil,
		want{status: 400, code: codeBodyRequired, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"oversize body", req{}, []httpapi.Option{httpapi.WithMaxBodySize(64)},
		want{status: 413, code: codePayloadTooLarge, message: "Request body exceeds 64 bytes", logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"oversize base64 body", req{body: str(validBody), b64: true}, []httpapi.Option{httpapi.WithMaxBodySize(64)},
		want{status: 413, code: codePayloadTooLarge, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},

	{"unauthorized", req{body: bodyFor("c-401")}, nil,
		want{status: 401, code: codeUnauthorized, message: "Unauthorized", logMsg: names.MsgRequestRejected, logLevel: "WARN", logError: "token expired", span: tracing.ClientError}},
	{"forbidden", req{body: bodyFor("c-403")}, nil,
		want{status: 403, code: codeForbidden, message: "customer may not order", logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"not found, wrapped", req{body: bodyFor("c-404")}, nil,
		want{status: 404, code: codeNotFound, message: "customer not found", logMsg: names.MsgRequestRejected, logLevel: "WARN", logError: "load customer", span: tracing.ClientError}},
	{"conflict", req{body: bodyFor("c-409")}, nil,
		want{status: 409, code: codeConflict, message: "order already exists", logMsg: names.MsgRequestRejected, logLevel: "WARN", logError: "duplicate key", span: tracing.ClientError}},
	{"payload too large from the handler", req{body: bodyFor("c-413")}, nil,
		want{status: 413, code: codePayloadTooLarge, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"validation from the handler", req{body: bodyFor("c-422")}, nil,
		want{status: 400, code: codeValidation, details: []string{"items"}, logMsg: names.MsgRequestRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"client errors at INFO", req{body: bodyFor("c-404")}, []httpapi.Option{httpapi.WithClientErrorLevel(slog.LevelInfo)},
		want{status: 404, code: codeNotFound, logMsg: names.MsgRequestRejected, logLevel: "INFO", span: tracing.ClientError}},

	{"internal error", req{body: bodyFor("c-500")}, nil,
		want{status: 500, code: codeInternal, message: internalMessage, logMsg: names.MsgRequestFailed, logLevel: "ERROR", logError: secret, span: tracing.Error, errors: 1}},
	{"chosen 5xx", req{body: bodyFor("c-503")}, nil,
		want{status: 503, code: "MAINTENANCE", message: "Back in five minutes", logMsg: names.MsgRequestFailed, logLevel: "ERROR", span: tracing.Error, errors: 1}},
	{"panic", req{body: bodyFor("c-panic")}, nil,
		want{status: 500, code: codeInternal, message: internalMessage, logMsg: names.MsgRequestPanicked, logLevel: "ERROR", span: tracing.Error, errors: 1, panics: 1}},
	{"internal error without Errors metric", req{body: bodyFor("c-500")}, []httpapi.Option{httpapi.WithoutErrorMetric()},
		want{status: 500, code: codeInternal, message: internalMessage, logMsg: names.MsgRequestFailed, logLevel: "ERROR", span: tracing.Error}},

	// Domain errors, answered through an error mapper.
	{"domain error through the mapper", req{body: bodyFor("c-domain")}, []httpapi.Option{httpapi.WithErrorMapper(mapDomain)},
		want{status: 404, code: codeNotFound, message: "order not found", logMsg: names.MsgRequestRejected, logLevel: "WARN", logError: "load order: order not found in table orders-prod", span: tracing.ClientError}},
	{"domain error no mapper knows", req{body: bodyFor("c-domain")}, []httpapi.Option{httpapi.WithErrorMapper(func(error) *httpapi.Error { return nil })},
		want{status: 500, code: codeInternal, message: internalMessage, logMsg: names.MsgRequestFailed, logLevel: "ERROR", logError: "load order", span: tracing.Error, errors: 1}},
	{"domain error without a mapper", req{body: bodyFor("c-domain")}, nil,
		want{status: 500, code: codeInternal, message: internalMessage, logMsg: names.MsgRequestFailed, logLevel: "ERROR", logError: "load order", span: tracing.Error, errors: 1}},

	// Errors that cannot print themselves: answered 500, never a panic.
	{"typed nil error", req{body: bodyFor("c-typed-nil")}, []httpapi.Option{httpapi.WithErrorMapper(mapDomain)},
		want{status: 500, code: codeInternal, message: internalMessage, logMsg: names.MsgRequestFailed, logLevel: "ERROR", logError: "typed nil error: a nil *httpapi_test.derefError", span: tracing.Error, errors: 1}},
	{"Error method panics", req{body: bodyFor("c-bad-error")}, nil,
		want{status: 500, code: codeInternal, message: internalMessage, logMsg: names.MsgRequestFailed, logLevel: "ERROR", logError: "httpapi_test.panickyError: Error method panicked", span: tracing.Error, errors: 1}},
}

// leaks are strings that would betray the implementation to a client.
var leaks = []string{secret, "10.0.0.5", "pq:", "insert order", "load order", "orders-prod", "typed nil", "derefError", "panicked", "runtime", "goroutine", "nil map", "httpapi", "newOrder", "main.", ".go:", "duplicate key", "token expired", "load customer", "json:", "Go struct", "Go value", "of type", "[]httpapi"}

func TestResponses(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					g := k.invoke(t, tc.req, tc.opts)
					checkResponse(t, k, g, tc.want)
				})
			}
		})
	}
}

func checkResponse(t *testing.T, k kind, g got, w want) {
	t.Helper()
	res := g.res
	if res.Err != nil || res.Panic != nil {
		t.Fatalf("handler returned error %v, panic %v", res.Err, res.Panic)
	}
	if g.status != w.status {
		t.Errorf("status %d, want %d; body %s", g.status, w.status, g.body)
	}
	if ct := g.headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if id := g.headers["X-Correlation-Id"]; id != k.requestID {
		t.Errorf("X-Correlation-Id %q, want %q", id, k.requestID)
	}
	for name, v := range w.headerSet {
		if g.headers[name] != v {
			t.Errorf("header %s = %q, want %q", name, g.headers[name], v)
		}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(g.body), &body); err != nil {
		t.Fatalf("body is not JSON: %q", g.body)
	}

	if w.code == "" {
		if body["id"] != "ord-1" || body["route"] != k.route {
			t.Errorf("body %s", g.body)
		}
	} else {
		checkErrorBody(t, g.body, body, w)
	}

	// The adapter's log line: one per request, whatever became of it.
	all := adapterLines(res.Logs)
	if len(all) != 1 {
		t.Fatalf("want one line of the adapter, got %v", res.Logs)
	}
	line := all[0]
	if d, ok := line[names.KeyDurationMS].(float64); !ok || d < 0 || line[names.KeyHTTPPath] != k.path ||
		line[names.KeyHTTPStatus] != float64(w.status) || line[names.KeyHTTPRoute] != k.route || line[names.KeyHTTPMethod] != "POST" ||
		line[names.KeyCorrelationID] != k.requestID || line[names.KeyRequestID] == nil {
		t.Errorf("log line %v", line)
	}
	if w.logMsg == "" {
		if line["message"] != names.MsgRequestCompleted || line["level"] != "INFO" || line[names.KeyErrorCode] != nil || line[names.KeyError] != nil {
			t.Errorf("log line of a success %v", line)
		}
	} else {
		if line["message"] != w.logMsg || line["level"] != w.logLevel || line[names.KeyErrorCode] != w.code {
			t.Errorf("log line %v, want %q at %s", line, w.logMsg, w.logLevel)
		}
		if w.logError != "" && !strings.Contains(fmt.Sprint(line[names.KeyError]), w.logError) {
			t.Errorf("log line error %q does not say %q", line[names.KeyError], w.logError)
		}
		if w.logMsg == names.MsgRequestPanicked {
			if st := fmt.Sprint(line[names.KeyStackTrace]); !strings.Contains(st, "createOrder") {
				t.Errorf("panic line without the stack: %v", line)
			}
			if !strings.Contains(fmt.Sprint(line[names.KeyPanic]), "nil map") {
				t.Errorf("panic line without the panic: %v", line)
			}
		}
		if len(w.details) > 0 {
			for _, f := range w.details {
				if !strings.Contains(fmt.Sprint(line[names.KeyError]), f) {
					t.Errorf("log line error does not name %q: %v", f, line)
				}
			}
		}
	}
	// The wrapper itself saw no error: the adapter answered.
	if l := lines(res.Logs, names.MsgInvocationFailed); len(l) != 0 {
		t.Errorf("the wrapper logged a failure: %v", l)
	}

	// Metrics.
	doc := requestDoc(t, res.Metrics)
	if got := lambdaobstest.Dimensions(doc, names.MetricHTTPRequests); !reflect.DeepEqual(got, [][]string{{"service", "Route", "Method", "StatusClass"}}) {
		t.Errorf("dimensions %v", got)
	}
	class := fmt.Sprintf("%dxx", w.status/100)
	if doc["Route"] != k.route || doc["Method"] != "POST" || doc["StatusClass"] != class || doc["service"] != "orders" {
		t.Errorf("dimension values Route=%v Method=%v StatusClass=%v service=%v", doc["Route"], doc["Method"], doc["StatusClass"], doc["service"])
	}
	if v := lambdaobstest.MetricValues([]map[string]any{doc}, names.MetricHTTPRequests); !slices.Equal(v, []float64{1}) {
		t.Errorf("Requests %v", v)
	}
	if v := lambdaobstest.MetricValues([]map[string]any{doc}, names.MetricHTTPLatency); len(v) != 1 || v[0] < 0 {
		t.Errorf("Latency %v", v)
	}
	if doc[names.KeyCorrelationID] != k.requestID || doc[names.PropRequestID] == nil {
		t.Errorf("document properties %v", doc)
	}
	if v := lambdaobstest.MetricValues(res.Metrics, names.MetricErrors); sum(v) != w.errors {
		t.Errorf("Errors %v, want %v", v, w.errors)
	}
	if v := lambdaobstest.MetricValues(res.Metrics, names.MetricPanics); sum(v) != w.panics {
		t.Errorf("Panics %v, want %v", v, w.panics)
	}
	for _, d := range res.Metrics {
		if len(lambdaobstest.MetricValues([]map[string]any{d}, names.MetricErrors)) > 0 {
			if got := lambdaobstest.Dimensions(d, names.MetricErrors); !reflect.DeepEqual(got, [][]string{{"service", "function_name"}}) {
				t.Errorf("Errors dimensions %v", got)
			}
		}
	}

	// The invocation span.
	s := invocationSpan(t, res.Spans)
	if s.Attributes[names.AttrHTTPRoute] != k.route || s.Attributes[names.AttrHTTPRequestMethod] != "POST" ||
		fmt.Sprint(s.Attributes[names.AttrHTTPStatusCode]) != fmt.Sprint(w.status) {
		t.Errorf("span attributes %v", s.Attributes)
	}
	if s.Status != w.span {
		t.Errorf("span status %v (%q), want %v", s.Status, s.Description, w.span)
	}
	if w.span == tracing.Error && len(s.Errors) == 0 {
		t.Errorf("no error recorded on the span")
	}
	if w.logError != "" && w.span == tracing.Error && !strings.Contains(strings.Join(s.Errors, " "), w.logError) {
		t.Errorf("span errors %v do not say %q", s.Errors, w.logError)
	}
}

func checkErrorBody(t *testing.T, raw string, body map[string]any, w want) {
	t.Helper()
	if body["code"] != w.code {
		t.Errorf("code %v, want %v", body["code"], w.code)
	}
	msg, _ := body["error"].(string)
	if msg == "" || (w.message != "" && msg != w.message) {
		t.Errorf("error %q, want %q", msg, w.message)
	}
	allowed := map[string]bool{"error": true, "code": true, "details": len(w.details) > 0}
	for key := range body {
		if !allowed[key] {
			t.Errorf("unexpected member %q in %s", key, raw)
		}
	}
	if w.status >= 500 && w.code == codeInternal && raw != `{"error":"Internal server error","code":"INTERNAL_ERROR"}` {
		t.Errorf("internal error body %s", raw)
	}
	for _, leak := range leaks {
		if strings.Contains(raw, leak) {
			t.Errorf("response %s leaks %q", raw, leak)
		}
	}
	if len(w.details) > 0 {
		ds, _ := body["details"].([]any)
		var fields []string
		for _, d := range ds {
			dm := d.(map[string]any)
			f, _ := dm["field"].(string)
			fields = append(fields, f)
			if m, _ := dm["message"].(string); m == "" {
				t.Errorf("detail without a message: %v", dm)
			}
		}
		if !slices.Equal(fields, w.details) {
			t.Errorf("details name %q, want %q (%s)", fields, w.details, raw)
		}
	}
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}
