package testenv

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Emulator is the AWS Lambda Runtime Interface Emulator running one bootstrap.
type Emulator struct {
	Proc *Process
	url  string
	mu   sync.Mutex // the emulator crashes on two invocations at once
}

// StartEmulator runs bootstrap under the emulator, listening on 127.0.0.1
// only. env is added to the function's environment (fake credentials and
// AWS_EC2_METADATA_DISABLED are set already). The emulator initialises the
// function lazily, on the first invocation.
func StartEmulator(t testing.TB, bootstrap string, env ...string) *Emulator {
	t.Helper()
	rie := Tool(t, "aws-lambda-rie")
	port, apiPort := FreePort(t), FreePort(t)
	base := []string{
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=fake-secret", "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_LAMBDA_FUNCTION_NAME=test-function",
	}
	p := Start(t, append(base, env...), rie,
		"--runtime-interface-emulator-address", Addr(port),
		"--runtime-api-address", Addr(apiPort),
		"--log-level", "info",
		bootstrap)
	WaitTCP(t, p, Addr(port), 10*time.Second)
	return &Emulator{Proc: p, url: "http://" + Addr(port) + "/2015-03-31/functions/function/invocations"}
}

// Invoke sends one invocation with the given request id and returns the
// emulator's status code and response body.
func (e *Emulator) Invoke(t testing.TB, requestID string, payload []byte) (int, []byte) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amzn-RequestId", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke %s: %v", requestID, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("invoke %s: read: %v", requestID, err)
	}
	return resp.StatusCode, body
}

// WaitOutput waits until the emulator's output matches re, and fails the
// test after timeout.
func (e *Emulator) WaitOutput(t testing.TB, re *regexp.Regexp, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if re.MatchString(e.Proc.Output.String()) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("emulator output never matched %s", re)
}

var initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// InitReports returns the init durations the emulator measured, from its
// "INIT REPORT(durationMs: …)" lines (printed at --log-level info), in order.
func InitReports(output string) []time.Duration {
	var out []time.Duration
	for _, m := range initReportRE.FindAllStringSubmatch(output, -1) {
		ms, err := strconv.ParseFloat(m[1], 64)
		if err == nil {
			out = append(out, time.Duration(ms*float64(time.Millisecond)))
		}
	}
	return out
}
