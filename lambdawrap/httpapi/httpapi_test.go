package httpapi_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/logger"
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
		want{status: 400, code: httpapi.CodeValidation, details: []string{"customer", "items[0].qty", "items[1].sku"}, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"validate method", req{body: bodyFor("blocked")}, nil,
		want{status: 400, code: httpapi.CodeValidation, details: []string{"customer"}, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"wrong member type", req{body: str(`{"customer":"c-1","items":[{"sku":"A-1","qty":"two"}]}`)}, nil,
		want{status: 400, code: httpapi.CodeValidation, details: []string{wrongTypeField}, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"not an object", req{body: str(`[1,2,3]`)}, nil,
		want{status: 400, code: httpapi.CodeValidation, details: []string{""}, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"malformed json", req{body: str(`{"customer": "c-1", "items": [`)}, nil,
		want{status: 400, code: httpapi.CodeInvalidJSON, logMsg: httpapi.MsgRejected, logLevel: "WARN", logError: "unexpected end of JSON input", span: tracing.ClientError}},
	{"trailing data", req{body: str(validBody + ` {}`)}, nil,
		want{status: 400, code: httpapi.CodeInvalidJSON, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"wrong content type", req{headers: map[string]string{"Content-Type": "text/plain"}}, nil,
		want{status: 415, code: httpapi.CodeUnsupportedMediaType, logMsg: httpapi.MsgRejected, logLevel: "WARN", logError: "text/plain", span: tracing.ClientError}},
	{"no content type", req{headers: map[string]string{"Content-Type": ""}}, nil,
		want{status: 415, code: httpapi.CodeUnsupportedMediaType, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"empty body", req{body: str("")}, nil,
		want{status: 400, code: httpapi.CodeBodyRequired, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"null body", req{body: str(" null ")}, nil,
		want{status: 400, code: httpapi.CodeBodyRequired, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"oversize body", req{}, []httpapi.Option{httpapi.WithMaxBodySize(64)},
		want{status: 413, code: httpapi.CodePayloadTooLarge, message: "Request body exceeds 64 bytes", logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"oversize base64 body", req{body: str(validBody), b64: true}, []httpapi.Option{httpapi.WithMaxBodySize(64)},
		want{status: 413, code: httpapi.CodePayloadTooLarge, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},

	{"unauthorized", req{body: bodyFor("c-401")}, nil,
		want{status: 401, code: httpapi.CodeUnauthorized, message: "Unauthorized", logMsg: httpapi.MsgRejected, logLevel: "WARN", logError: "token expired", span: tracing.ClientError}},
	{"forbidden", req{body: bodyFor("c-403")}, nil,
		want{status: 403, code: httpapi.CodeForbidden, message: "customer may not order", logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"not found, wrapped", req{body: bodyFor("c-404")}, nil,
		want{status: 404, code: httpapi.CodeNotFound, message: "customer not found", logMsg: httpapi.MsgRejected, logLevel: "WARN", logError: "load customer", span: tracing.ClientError}},
	{"conflict", req{body: bodyFor("c-409")}, nil,
		want{status: 409, code: httpapi.CodeConflict, message: "order already exists", logMsg: httpapi.MsgRejected, logLevel: "WARN", logError: "duplicate key", span: tracing.ClientError}},
	{"payload too large from the handler", req{body: bodyFor("c-413")}, nil,
		want{status: 413, code: httpapi.CodePayloadTooLarge, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"validation from the handler", req{body: bodyFor("c-422")}, nil,
		want{status: 400, code: httpapi.CodeValidation, details: []string{"items"}, logMsg: httpapi.MsgRejected, logLevel: "WARN", span: tracing.ClientError}},
	{"client errors at INFO", req{body: bodyFor("c-404")}, []httpapi.Option{httpapi.WithClientErrorLevel(slog.LevelInfo)},
		want{status: 404, code: httpapi.CodeNotFound, logMsg: httpapi.MsgRejected, logLevel: "INFO", span: tracing.ClientError}},

	{"internal error", req{body: bodyFor("c-500")}, nil,
		want{status: 500, code: httpapi.CodeInternal, message: httpapi.InternalMessage, logMsg: httpapi.MsgFailed, logLevel: "ERROR", logError: secret, span: tracing.Error, errors: 1}},
	{"chosen 5xx", req{body: bodyFor("c-503")}, nil,
		want{status: 503, code: "MAINTENANCE", message: "Back in five minutes", logMsg: httpapi.MsgFailed, logLevel: "ERROR", span: tracing.Error, errors: 1}},
	{"panic", req{body: bodyFor("c-panic")}, nil,
		want{status: 500, code: httpapi.CodeInternal, message: httpapi.InternalMessage, logMsg: httpapi.MsgPanic, logLevel: "ERROR", span: tracing.Error, errors: 1, panics: 1}},
	{"internal error without Errors metric", req{body: bodyFor("c-500")}, []httpapi.Option{httpapi.WithoutErrorMetric()},
		want{status: 500, code: httpapi.CodeInternal, message: httpapi.InternalMessage, logMsg: httpapi.MsgFailed, logLevel: "ERROR", span: tracing.Error}},

	// Domain errors, answered through an error mapper.
	{"domain error through the mapper", req{body: bodyFor("c-domain")}, []httpapi.Option{httpapi.WithErrorMapper(mapDomain)},
		want{status: 404, code: httpapi.CodeNotFound, message: "order not found", logMsg: httpapi.MsgRejected, logLevel: "WARN", logError: "load order: order not found in table orders-prod", span: tracing.ClientError}},
	{"domain error no mapper knows", req{body: bodyFor("c-domain")}, []httpapi.Option{httpapi.WithErrorMapper(func(error) *httpapi.Error { return nil })},
		want{status: 500, code: httpapi.CodeInternal, message: httpapi.InternalMessage, logMsg: httpapi.MsgFailed, logLevel: "ERROR", logError: "load order", span: tracing.Error, errors: 1}},
	{"domain error without a mapper", req{body: bodyFor("c-domain")}, nil,
		want{status: 500, code: httpapi.CodeInternal, message: httpapi.InternalMessage, logMsg: httpapi.MsgFailed, logLevel: "ERROR", logError: "load order", span: tracing.Error, errors: 1}},

	// Errors that cannot print themselves: answered 500, never a panic.
	{"typed nil error", req{body: bodyFor("c-typed-nil")}, []httpapi.Option{httpapi.WithErrorMapper(mapDomain)},
		want{status: 500, code: httpapi.CodeInternal, message: httpapi.InternalMessage, logMsg: httpapi.MsgFailed, logLevel: "ERROR", logError: "typed nil error: a nil *httpapi_test.derefError", span: tracing.Error, errors: 1}},
	{"Error method panics", req{body: bodyFor("c-bad-error")}, nil,
		want{status: 500, code: httpapi.CodeInternal, message: httpapi.InternalMessage, logMsg: httpapi.MsgFailed, logLevel: "ERROR", logError: "httpapi_test.panickyError: Error method panicked", span: tracing.Error, errors: 1}},
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
	if d, ok := line[httpapi.KeyDuration].(float64); !ok || d < 0 || line[httpapi.KeyPath] != k.path ||
		line[httpapi.KeyStatus] != float64(w.status) || line[httpapi.KeyRoute] != k.route || line[httpapi.KeyMethod] != "POST" ||
		line[logger.KeyCorrelationID] != k.requestID || line[logger.KeyRequestID] == nil {
		t.Errorf("log line %v", line)
	}
	if w.logMsg == "" {
		if line["message"] != httpapi.MsgCompleted || line["level"] != "INFO" || line[httpapi.KeyCode] != nil || line[logger.KeyError] != nil {
			t.Errorf("log line of a success %v", line)
		}
	} else {
		if line["message"] != w.logMsg || line["level"] != w.logLevel || line[httpapi.KeyCode] != w.code {
			t.Errorf("log line %v, want %q at %s", line, w.logMsg, w.logLevel)
		}
		if w.logError != "" && !strings.Contains(fmt.Sprint(line[logger.KeyError]), w.logError) {
			t.Errorf("log line error %q does not say %q", line[logger.KeyError], w.logError)
		}
		if w.logMsg == httpapi.MsgPanic {
			if st := fmt.Sprint(line[logger.KeyStackTrace]); !strings.Contains(st, "createOrder") {
				t.Errorf("panic line without the stack: %v", line)
			}
			if !strings.Contains(fmt.Sprint(line[httpapi.KeyPanic]), "nil map") {
				t.Errorf("panic line without the panic: %v", line)
			}
		}
		if len(w.details) > 0 {
			for _, f := range w.details {
				if !strings.Contains(fmt.Sprint(line[logger.KeyError]), f) {
					t.Errorf("log line error does not name %q: %v", f, line)
				}
			}
		}
	}
	// The wrapper itself saw no error: the adapter answered.
	if l := lines(res.Logs, lambdawrap.MsgFailed); len(l) != 0 {
		t.Errorf("the wrapper logged a failure: %v", l)
	}

	// Metrics.
	doc := requestDoc(t, res.Metrics)
	if got := lambdaobstest.Dimensions(doc, httpapi.MetricRequests); !reflect.DeepEqual(got, [][]string{{"service", "Route", "Method", "StatusClass"}}) {
		t.Errorf("dimensions %v", got)
	}
	class := fmt.Sprintf("%dxx", w.status/100)
	if doc["Route"] != k.route || doc["Method"] != "POST" || doc["StatusClass"] != class || doc["service"] != "orders" {
		t.Errorf("dimension values Route=%v Method=%v StatusClass=%v service=%v", doc["Route"], doc["Method"], doc["StatusClass"], doc["service"])
	}
	if v := lambdaobstest.MetricValues([]map[string]any{doc}, httpapi.MetricRequests); !slices.Equal(v, []float64{1}) {
		t.Errorf("Requests %v", v)
	}
	if v := lambdaobstest.MetricValues([]map[string]any{doc}, httpapi.MetricLatency); len(v) != 1 || v[0] < 0 {
		t.Errorf("Latency %v", v)
	}
	if doc[logger.KeyCorrelationID] != k.requestID || doc[lambdawrap.PropRequestID] == nil {
		t.Errorf("document properties %v", doc)
	}
	if v := lambdaobstest.MetricValues(res.Metrics, lambdawrap.MetricErrors); sum(v) != w.errors {
		t.Errorf("Errors %v, want %v", v, w.errors)
	}
	if v := lambdaobstest.MetricValues(res.Metrics, lambdawrap.MetricPanics); sum(v) != w.panics {
		t.Errorf("Panics %v, want %v", v, w.panics)
	}
	for _, d := range res.Metrics {
		if len(lambdaobstest.MetricValues([]map[string]any{d}, lambdawrap.MetricErrors)) > 0 {
			if got := lambdaobstest.Dimensions(d, lambdawrap.MetricErrors); !reflect.DeepEqual(got, [][]string{{"service", "function_name"}}) {
				t.Errorf("Errors dimensions %v", got)
			}
		}
	}

	// The invocation span.
	s := invocationSpan(t, res.Spans)
	if s.Attributes[httpapi.AttrRoute] != k.route || s.Attributes[httpapi.AttrMethod] != "POST" ||
		fmt.Sprint(s.Attributes[httpapi.AttrStatusCode]) != fmt.Sprint(w.status) {
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
	if w.status >= 500 && w.code == httpapi.CodeInternal && raw != `{"error":"Internal server error","code":"INTERNAL_ERROR"}` {
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
