package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
	"github.com/lambdaobs/lambdaobs/logger"
)

// TestRunsLocally runs the example as `go run` does: stdout holds only the
// JSON lines Lambda would get, stderr the responses.
func TestRunsLocally(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/apigw")
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("apigw: %v\n%s", err, stderr.String())
	}
	logs, docs, other := lambdaobstest.Parse(string(out))
	if len(other) != 0 {
		t.Errorf("lines that are not JSON: %q", other)
	}
	for _, status := range []string{"→ 201 ", "→ 409 ", "→ 401 ", "→ 403 ", "→ 400 ", "→ 500 "} {
		if !strings.Contains(stderr.String(), status) {
			t.Errorf("no %q response in:\n%s", status, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "10.0.3.7") || strings.Contains(stderr.String(), "token not recognised") {
		t.Errorf("a response leaks internals:\n%s", stderr.String())
	}
	var failed bool
	for _, l := range logs {
		if l["message"] == httpapi.MsgFailed && strings.Contains(l[logger.KeyError].(string), "10.0.3.7") {
			failed = true
		}
	}
	if !failed {
		t.Errorf("no %q line with the real error in %v", httpapi.MsgFailed, logs)
	}
	if got := lambdaobstest.MetricValues(docs, httpapi.MetricRequests); len(got) != len(localCalls) {
		t.Errorf("Requests = %v", got)
	}
}

// TestUnderEmulator round-trips HTTP API events through the example built
// as a real bootstrap, under the Runtime Interface Emulator.
func TestUnderEmulator(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/apigw")
	emu := testenv.StartEmulator(t, bin, "AWS_LAMBDA_FUNCTION_TIMEOUT=3", "LAMBDAOBS_DISABLE_SIGTERM=true")
	raw, err := os.ReadFile("events/create-order.json")
	if err != nil {
		t.Fatal(err)
	}
	invoke := func(id string, edit func(e *events.APIGatewayV2HTTPRequest)) events.APIGatewayV2HTTPResponse {
		t.Helper()
		var e events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		edit(&e)
		payload, _ := json.Marshal(e)
		code, body := emu.Invoke(t, id, payload)
		if code != 200 {
			t.Fatalf("%s: emulator status %d: %s", id, code, body)
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			t.Fatalf("%s: response %s: %v", id, body, err)
		}
		emu.WaitOutput(t, regexp.MustCompile(`END RequestId: `+regexp.QuoteMeta(id)), 5*time.Second)
		return resp
	}
	forRequest := func(id string) (logs, docs []map[string]any) {
		all, emf, _ := lambdaobstest.Parse(emu.Proc.Output.String())
		for _, l := range all {
			if l[logger.KeyRequestID] == id {
				logs = append(logs, l)
			}
		}
		for _, d := range emf {
			if d[lambdawrap.PropRequestID] == id {
				docs = append(docs, d)
			}
		}
		return logs, docs
	}

	t.Run("created", func(t *testing.T) {
		resp := invoke("apigw-1", func(e *events.APIGatewayV2HTTPRequest) {
			e.Headers["x-correlation-id"] = "checkout-7f3a"
		})
		var o Order
		if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &o) != nil || o.OrderID != "ord-1" || o.CreatedBy != "alice" {
			t.Fatalf("response %+v", resp)
		}
		if resp.Headers["Content-Type"] != "application/json" || resp.Headers["X-Correlation-Id"] != "checkout-7f3a" ||
			resp.Headers["Location"] != "/orders/ord-1" || resp.Headers["Access-Control-Allow-Origin"] != "https://shop.example.com" {
			t.Errorf("headers %v", resp.Headers)
		}
		logs, docs := forRequest("apigw-1")
		var created bool
		for _, l := range logs {
			if l["message"] == "order created" && l[logger.KeyCorrelationID] == "checkout-7f3a" && l["cold_start"] == true {
				created = true
			}
		}
		if !created {
			t.Errorf("no 'order created' line with the correlation id: %v", logs)
		}
		var doc map[string]any
		for _, d := range docs {
			if d[httpapi.MetricRequests] != nil {
				doc = d
			}
		}
		if doc == nil || doc["Route"] != "/orders" || doc["Method"] != "POST" || doc["StatusClass"] != "2xx" || doc["service"] != "orders" {
			t.Errorf("request document %v", doc)
		}
	})

	t.Run("unauthorized", func(t *testing.T) {
		resp := invoke("apigw-2", func(e *events.APIGatewayV2HTTPRequest) {
			e.Headers["authorization"] = "Bearer stolen"
		})
		if resp.StatusCode != 401 || resp.Body != `{"error":"Unauthorized","code":"UNAUTHORIZED"}` {
			t.Fatalf("response %+v", resp)
		}
		logs, _ := forRequest("apigw-2")
		var found bool
		for _, l := range logs {
			if l["message"] == httpapi.MsgRejected && strings.Contains(l[logger.KeyError].(string), "token not recognised") {
				found = true
			}
		}
		if !found {
			t.Errorf("no rejection line with the reason: %v", logs)
		}
	})

	t.Run("internal error", func(t *testing.T) {
		resp := invoke("apigw-3", func(e *events.APIGatewayV2HTTPRequest) {
			e.Body = `{"order_id":"ord-9","customer":"c-crash","items":[{"sku":"A-1","qty":1}]}`
		})
		if resp.StatusCode != 500 || resp.Body != `{"error":"Internal server error","code":"INTERNAL_ERROR"}` {
			t.Fatalf("response %+v", resp)
		}
		logs, docs := forRequest("apigw-3")
		var found bool
		for _, l := range logs {
			if l["message"] == httpapi.MsgFailed && l["level"] == "ERROR" && strings.Contains(l[logger.KeyError].(string), "TLS handshake timeout") {
				found = true
			}
		}
		if !found {
			t.Errorf("no failure line with the real error: %v", logs)
		}
		if got := lambdaobstest.MetricValues(docs, lambdawrap.MetricErrors); len(got) != 1 {
			t.Errorf("Errors = %v", got)
		}
	})
}
