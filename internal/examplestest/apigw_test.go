package examplestest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/internal/testenv"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
)

// What the apigw example reads, as the tests create it in moto.
const (
	currenciesParameter = "/apigw-test/allowed-currencies"
	signingKeySecret    = "apigw-test/token-signing-key"
	signingKey          = "emulator-signing-key-0b7d3f5e9a1c"
)

// requestLines are the messages of the one line httpapi writes per request.
var requestLines = []string{names.MsgRequestCompleted, names.MsgRequestRejected, names.MsgRequestFailed, names.MsgRequestPanicked}

// signToken signs a token for user as the example's identity provider
// would: "<claims>.<signature>", the claims' JSON and its HMAC-SHA256
// under the key, both base64url without padding.
func signToken(key, user, scopes string) string {
	b, _ := json.Marshal(map[string]string{"sub": user, "scope": scopes})
	payload := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// apigwEvent returns the example's sample event file, edited.
func apigwEvent(t *testing.T, file string, edit func(e *events.APIGatewayV2HTTPRequest)) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "examples", "apigw", "events", file))
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	edit(&e)
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// awsClients returns SDK clients of moto at endpoint; their connections
// are closed when t ends.
func awsClients(t *testing.T, endpoint string) (*ssm.Client, *secretsmanager.Client) {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "fake-secret-key", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: tr},
	}
	return ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// TestAPIGWUnderEmulator runs examples/apigw built as a bootstrap under the
// Runtime Interface Emulator, its SDK clients pointed at moto by
// AWS_ENDPOINT_URL (which config.LoadDefaultConfig reads), and sends it
// HTTP API events: each answer, its one request line, the parameter and the
// secret fetched once and then served from the cache, the secret never
// written.
func TestAPIGWUnderEmulator(t *testing.T) {
	endpoint := testenv.StartMoto(t)
	ssmc, smc := awsClients(t, endpoint)
	ctx := context.Background()
	if _, err := ssmc.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(currenciesParameter),
		Value: aws.String("EUR,USD,GBP"), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
		t.Fatalf("put parameter: %v", err)
	}
	if _, err := smc.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(signingKeySecret),
		SecretString: aws.String(`{"signing_key":"` + signingKey + `"}`)}); err != nil {
		t.Fatalf("create secret: %v", err)
	}

	bin := testenv.BuildBootstrap(t, "./examples/apigw")
	emu := testenv.StartEmulator(t, bin,
		"AWS_ENDPOINT_URL="+endpoint,
		"CURRENCIES_PARAMETER="+currenciesParameter,
		"SIGNING_KEY_SECRET="+signingKeySecret,
		names.EnvPowertoolsParametersMaxAge+"=300", // the second request must find both in the cache, however slow the machine
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
		"LAMBDAOBS_DISABLE_SIGTERM=true")
	t.Cleanup(http.DefaultClient.CloseIdleConnections)

	alice := "Bearer " + signToken(signingKey, "alice", "orders:read orders:write")
	const created = `{"order_id":"ord-1","customer":"c-42","currency":"EUR","items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}`
	create := func(auth, body string) func(e *events.APIGatewayV2HTTPRequest) {
		return func(e *events.APIGatewayV2HTTPRequest) {
			e.Headers["authorization"] = auth
			if auth == "" {
				delete(e.Headers, "authorization")
			}
			e.Body = body
		}
	}
	read := func(id string) func(e *events.APIGatewayV2HTTPRequest) {
		return func(e *events.APIGatewayV2HTTPRequest) {
			e.Headers["authorization"] = alice
			e.RawPath = "/orders/" + id
			e.RequestContext.HTTP.Path = e.RawPath
			e.PathParameters = map[string]string{"id": id}
		}
	}

	type output struct {
		resp events.APIGatewayV2HTTPResponse
		logs []map[string]any // the request's log lines
		docs []map[string]any // its EMF documents
	}
	// The emulator runs one invocation at a time: the subtests run in order.
	n := 0
	invoke := func(t *testing.T, file string, edit func(e *events.APIGatewayV2HTTPRequest)) output {
		t.Helper()
		n++
		id := fmt.Sprintf("apigw-%d", n)
		code, body := emu.Invoke(t, id, apigwEvent(t, file, edit))
		if code != http.StatusOK {
			t.Fatalf("%s: emulator status %d: %s", id, code, body)
		}
		var o output
		if err := json.Unmarshal(body, &o.resp); err != nil {
			t.Fatalf("%s: response %s: %v", id, body, err)
		}
		emu.WaitOutput(t, regexp.MustCompile(`END RequestId: `+regexp.QuoteMeta(id)), 10*time.Second)
		logs, docs, _ := lambdaobstest.Parse(emu.Proc.Output.String())
		for _, l := range logs {
			if l[names.KeyRequestID] == id {
				o.logs = append(o.logs, l)
			}
		}
		for _, d := range docs {
			if d[names.PropRequestID] == id {
				o.docs = append(o.docs, d)
			}
		}
		// One line per request, with its status and duration.
		var lines []map[string]any
		for _, l := range o.logs {
			if slices.Contains(requestLines, fmt.Sprint(l["message"])) {
				lines = append(lines, l)
			}
		}
		if len(lines) != 1 {
			t.Errorf("%s: %d request lines, want 1: %v", id, len(lines), lines)
		} else if d, ok := lines[0][names.KeyDurationMS].(float64); !ok || d < 0 || lines[0][names.KeyHTTPStatus] != float64(o.resp.StatusCode) {
			t.Errorf("%s: request line %v", id, lines[0])
		}
		return o
	}
	sum := func(docs []map[string]any, metric string) (s float64) {
		for _, v := range lambdaobstest.MetricValues(docs, metric) {
			s += v
		}
		return s
	}
	wantBody := func(t *testing.T, o output, status int, body string) {
		t.Helper()
		if o.resp.StatusCode != status || (body != "" && o.resp.Body != body) {
			t.Errorf("response %d %s\nwant %d %s", o.resp.StatusCode, o.resp.Body, status, body)
		}
	}

	t.Run("created, fetching the parameter and the secret", func(t *testing.T) {
		o := invoke(t, "create-order.json", create(alice, created))
		wantBody(t, o, http.StatusCreated, "")
		var order struct {
			OrderID    string `json:"order_id"`
			CreatedBy  string `json:"created_by"`
			TotalCents int64  `json:"total_cents"`
		}
		if err := json.Unmarshal([]byte(o.resp.Body), &order); err != nil || order.OrderID != "ord-1" || order.CreatedBy != "alice" || order.TotalCents != 2999 {
			t.Errorf("body %s: %v", o.resp.Body, err)
		}
		if o.resp.Headers["Location"] != "/orders/ord-1" {
			t.Errorf("headers %v", o.resp.Headers)
		}
		if hits, misses := sum(o.docs, names.MetricParametersCacheHits), sum(o.docs, names.MetricParametersCacheMisses); hits != 0 || misses != 2 {
			t.Errorf("cache hits %v, misses %v; want 0 and 2", hits, misses)
		}
		// The two fetches went to moto, through the instrumented clients.
		var services []string
		for _, d := range o.docs {
			if lambdaobstest.MetricValues([]map[string]any{d}, names.MetricAWSCallLatency) != nil {
				services = append(services, fmt.Sprint(d[names.DimAWSService], " ", d[names.DimAWSOperation]))
			}
		}
		slices.Sort(services)
		if !slices.Equal(services, []string{"SSM GetParameter", "Secrets Manager GetSecretValue"}) {
			t.Errorf("SDK calls %v", services)
		}
		if sum(o.docs, "OrdersCreated") != 1 {
			t.Errorf("OrdersCreated %v", lambdaobstest.MetricValues(o.docs, "OrdersCreated"))
		}
		if !slices.ContainsFunc(o.logs, func(l map[string]any) bool { return l["message"] == names.MsgLazyInit }) {
			t.Errorf("no %q line", names.MsgLazyInit)
		}
	})

	t.Run("second request served from the cache", func(t *testing.T) {
		o := invoke(t, "create-order.json", create(alice, strings.Replace(created, "ord-1", "ord-2", 1)))
		wantBody(t, o, http.StatusCreated, "")
		if hits, misses := sum(o.docs, names.MetricParametersCacheHits), sum(o.docs, names.MetricParametersCacheMisses); hits != 2 || misses != 0 {
			t.Errorf("cache hits %v, misses %v; want 2 and 0", hits, misses)
		}
		if got := lambdaobstest.MetricValues(o.docs, names.MetricAWSCallLatency); got != nil {
			t.Errorf("SDK calls made: %v", got)
		}
	})

	t.Run("401 before validation without a token", func(t *testing.T) {
		o := invoke(t, "create-order.json", create("", `{"order_id":`))
		wantBody(t, o, http.StatusUnauthorized, `{"error":"Unauthorized","code":"UNAUTHORIZED"}`)
	})

	t.Run("400 with the fields at fault", func(t *testing.T) {
		o := invoke(t, "create-order.json", create(alice, `{"order_id":"ord-5","customer":"","currency":"EUR","items":[{"sku":"A-1"}]}`))
		wantBody(t, o, http.StatusBadRequest, `{"error":"Request validation failed","code":"VALIDATION_FAILED","details":[{"field":"customer","message":"is required","rule":"required"},{"field":"items[0].qty","message":"must be at least 1","rule":"min"}]}`)
	})

	t.Run("400 for a currency the parameter does not list", func(t *testing.T) {
		o := invoke(t, "create-order.json", create(alice, strings.Replace(created, "EUR", "JPY", 1)))
		wantBody(t, o, http.StatusBadRequest, `{"error":"Request validation failed","code":"VALIDATION_FAILED","details":[{"field":"currency","message":"must be one of EUR, USD, GBP","rule":"oneof"}]}`)
	})

	t.Run("404 from the domain error", func(t *testing.T) {
		o := invoke(t, "get-order.json", read("ord-404"))
		wantBody(t, o, http.StatusNotFound, `{"error":"order not found","code":"NOT_FOUND"}`)
		if !slices.ContainsFunc(o.logs, func(l map[string]any) bool {
			return l["message"] == names.MsgRequestRejected && strings.Contains(fmt.Sprint(l[names.KeyError]), "order not found")
		}) {
			t.Errorf("no rejection line with the domain error: %v", o.logs)
		}
	})

	t.Run("200 reading an order", func(t *testing.T) {
		o := invoke(t, "get-order.json", read("ord-2"))
		wantBody(t, o, http.StatusOK, "")
		if !strings.Contains(o.resp.Body, `"order_id":"ord-2"`) {
			t.Errorf("body %s", o.resp.Body)
		}
	})

	t.Run("500 without internals, logged with its stack", func(t *testing.T) {
		o := invoke(t, "create-order.json", create(alice, strings.Replace(created, "c-42", "c-crash", 1)))
		wantBody(t, o, http.StatusInternalServerError, `{"error":"Internal server error","code":"INTERNAL_ERROR"}`)
		if !slices.ContainsFunc(o.logs, func(l map[string]any) bool {
			return l["message"] == names.MsgRequestFailed && strings.Contains(fmt.Sprint(l[names.KeyError]), "10.0.3.7:8443")
		}) {
			t.Errorf("no %q line with the real error: %v", names.MsgRequestFailed, o.logs)
		}
		if !slices.ContainsFunc(o.logs, func(l map[string]any) bool {
			return l["level"] == "ERROR" && strings.Contains(fmt.Sprint(l[names.KeyError]), "10.0.3.7:8443") &&
				strings.Contains(fmt.Sprint(l[names.KeyStackTrace]), "createOrder")
		}) {
			t.Errorf("no ERROR line with the error and its stack: %v", o.logs)
		}
		if sum(o.docs, names.MetricErrors) != 1 {
			t.Errorf("Errors %v", lambdaobstest.MetricValues(o.docs, names.MetricErrors))
		}
	})

	if out := emu.Proc.Output.String(); strings.Contains(out, signingKey) {
		t.Errorf("the signing key was written:\n%s", out)
	}
	if n != 8 {
		t.Errorf("%d requests sent, want 8", n)
	}
}

// TestAPIGWRunsLocally runs the example's bootstrap as `go run` does,
// outside Lambda: no AWS account, no network, and stdout holds only the
// JSON lines Lambda would get.
func TestAPIGWRunsLocally(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/apigw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
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
	for _, status := range []string{"→ 201 ", "→ 409 ", "→ 401 ", "→ 403 ", "→ 400 ", "→ 200 ", "→ 404 ", "→ 500 "} {
		if !strings.Contains(stderr.String(), status) {
			t.Errorf("no %q response in:\n%s", status, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "10.0.3.7") {
		t.Errorf("a response leaks internals:\n%s", stderr.String())
	}
	if len(logs) == 0 || len(lambdaobstest.MetricValues(docs, names.MetricHTTPRequests)) != strings.Count(stderr.String(), "→ ") {
		t.Errorf("%d log lines, Requests %v, for:\n%s", len(logs), lambdaobstest.MetricValues(docs, names.MetricHTTPRequests), stderr.String())
	}
}

// TestAPIGWInitFailsWithoutConfig starts the bootstrap as Lambda would,
// without the variables it requires: it exits at init, naming each one,
// before asking the Runtime API for an event.
func TestAPIGWInitFailsWithoutConfig(t *testing.T) {
	bin := testenv.BuildBootstrap(t, "./examples/apigw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API=" + testenv.Addr(testenv.FreePort(t)), "AWS_REGION=us-east-1"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	for _, want := range []string{"init failed", "CURRENCIES_PARAMETER", "SIGNING_KEY_SECRET"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
}
