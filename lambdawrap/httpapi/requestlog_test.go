package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
)

// TestRequestLogLine: one line per request, with method, route, path,
// status and duration, never the query, headers or body; the duration is the
// request's.
func TestRequestLogLine(t *testing.T) {
	slow := func(ctx context.Context, in newOrder) (order, error) {
		time.Sleep(30 * time.Millisecond)
		return createOrder(ctx, in)
	}
	f := lambdaobstest.New(t, httpapi.REST(slow), wrapOpts...)
	e := load[events.APIGatewayProxyRequest](t, "rest-create-order.json")
	e.Resource, e.Path = "/orders/{id}", "/orders/ord-7"
	e.PathParameters = map[string]string{"id": "ord-7"}
	e.QueryStringParameters = map[string]string{"coupon": "SPRING-SALE"}
	e.Headers["Authorization"] = "Bearer tok-alice"
	r := f.Invoke(e, lambdaobstest.Request{})
	l := adapterLines(r.Logs)
	if r.Output.StatusCode != 200 || len(l) != 1 {
		t.Fatalf("%d, adapter lines %v", r.Output.StatusCode, l)
	}
	line := l[0]
	if line["message"] != names.MsgRequestCompleted || line["level"] != "INFO" || line[names.KeyHTTPMethod] != "POST" ||
		line[names.KeyHTTPRoute] != "/orders/{id}" || line[names.KeyHTTPPath] != "/orders/ord-7" || line[names.KeyHTTPStatus] != float64(200) ||
		line[names.KeyCorrelationID] != kinds[0].requestID {
		t.Errorf("line %v", line)
	}
	d, _ := line[names.KeyDurationMS].(float64)
	latency := lambdaobstest.MetricValues(r.Metrics, names.MetricHTTPLatency)
	if d < 30 || d > 10_000 || len(latency) != 1 || d > latency[0]+0.001 {
		t.Errorf("%s %v ms, Latency %v", names.KeyDurationMS, line[names.KeyDurationMS], latency)
	}
	raw := lineOf(t, r.Raw, names.MsgRequestCompleted)
	for _, s := range []string{"SPRING-SALE", "coupon", "tok-alice", "curl/8.5.0", "c-42", "A-1", "Content-Type"} {
		if strings.Contains(raw, s) {
			t.Errorf("the line carries %q: %s", s, raw)
		}
	}
	t.Logf("%d bytes: %s", len(raw), raw)
}

// lineOf returns the raw line of output with message msg.
func lineOf(t *testing.T, output, msg string) string {
	t.Helper()
	for _, l := range strings.Split(output, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["message"] == msg {
			return l
		}
	}
	t.Fatalf("no %q line in %s", msg, output)
	return ""
}

func TestRequestLogOptions(t *testing.T) {
	k := kinds[1]
	for _, tc := range []struct {
		name     string
		opts     []httpapi.Option
		env      map[string]string
		customer string
		want     string // the adapter's one line: message and level; "" for none
	}{
		{"default", nil, nil, "c-42", names.MsgRequestCompleted + " INFO"},
		{"without", []httpapi.Option{httpapi.WithoutRequestLog()}, nil, "c-42", ""},
		{"without, failures still logged", []httpapi.Option{httpapi.WithoutRequestLog()}, nil, "c-404", names.MsgRequestRejected + " WARN"},
		{"at DEBUG, not written at INFO", []httpapi.Option{httpapi.WithRequestLogLevel(slog.LevelDebug)}, nil, "c-42", ""},
		{"at DEBUG, written at DEBUG", []httpapi.Option{httpapi.WithRequestLogLevel(slog.LevelDebug)}, map[string]string{"POWERTOOLS_LOG_LEVEL": "DEBUG"}, "c-42", names.MsgRequestCompleted + " DEBUG"},
		{"WARN level drops it", nil, map[string]string{"POWERTOOLS_LOG_LEVEL": "WARN"}, "c-42", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g got
			if tc.env == nil {
				g = k.invoke(t, req{body: bodyFor(tc.customer)}, tc.opts)
			} else {
				f := lambdaobstest.New(t, httpapi.HTTP(createOrder, tc.opts...), append([]lambdawrap.Option{lambdaobstest.WithEnv(tc.env)}, wrapOpts...)...)
				e := load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json")
				e.Body = *bodyFor(tc.customer)
				g.res.Logs = f.Invoke(e, lambdaobstest.Request{}).Logs
			}
			var lines []string
			for _, l := range adapterLines(g.res.Logs) {
				lines = append(lines, fmt.Sprint(l["message"], " ", l["level"]))
			}
			if strings.Join(lines, "; ") != tc.want {
				t.Errorf("adapter lines %q, want %q", lines, tc.want)
			}
		})
	}
}

// TestRequestLogOutsideWrapper: with WithLogger and no lambdawrap, the line
// still has its duration.
func TestRequestLogOutsideWrapper(t *testing.T) {
	var buf bytes.Buffer
	h := httpapi.HTTP(createOrder, httpapi.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	resp, err := h(context.Background(), load[events.APIGatewayV2HTTPRequest](t, "http-create-order.json"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %d", err, resp.StatusCode)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["msg"] != names.MsgRequestCompleted || m[names.KeyDurationMS] == nil || m[names.KeyHTTPPath] != "/orders" {
		t.Errorf("%v: %s", err, buf.String())
	}
}
