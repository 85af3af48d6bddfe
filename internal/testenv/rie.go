package testenv

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Emulator is the AWS Lambda Runtime Interface Emulator running one bootstrap.
type Emulator struct {
	Proc *Process
	// URL is the emulator's invoke endpoint, as the Lambda API's Invoke
	// path: an SDK Lambda client whose BaseEndpoint is Endpoint calls it.
	URL      string
	Endpoint string
	managed  bool
	mu       sync.Mutex // the standard mode crashes on two invocations at once
}

// StartEmulator runs bootstrap under the emulator, listening on 127.0.0.1
// only. env is added to the function's environment (fake credentials and
// AWS_EC2_METADATA_DISABLED are set already). The emulator initialises the
// function lazily, on the first invocation.
func StartEmulator(t testing.TB, bootstrap string, env ...string) *Emulator {
	t.Helper()
	return startEmulator(t, bootstrap, FreePort(t), env...)
}

// startEmulator is StartEmulator with the Runtime API on apiPort.
func startEmulator(t testing.TB, bootstrap string, apiPort int, env ...string) *Emulator {
	t.Helper()
	rie := Tool(t, "aws-lambda-rie")
	port := FreePort(t)
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
	return newEmulator(p, port, false)
}

func newEmulator(p *Process, port int, managed bool) *Emulator {
	endpoint := "http://" + Addr(port)
	return &Emulator{Proc: p, Endpoint: endpoint, URL: endpoint + "/2015-03-31/functions/function/invocations", managed: managed}
}

// StartManagedEmulator runs bootstrap under the emulator's Lambda Managed
// Instances mode: one process serving up to concurrency invocations at
// once, the caller's X-Amzn-Trace-Id passed through, the Telemetry API.
// That mode runs only /var/task/bootstrap, so the emulator gets a private
// mount namespace (unshare, as root) with bootstrap's directory bound
// there, and a hosts file that maps sandbox.localdomain, where Lambda's
// Telemetry API sends events, to 127.0.0.1.
func StartManagedEmulator(t testing.TB, bootstrap string, concurrency int, env ...string) *Emulator {
	t.Helper()
	rie := Tool(t, "aws-lambda-rie")
	if os.Geteuid() != 0 {
		Missing(t, "root, to give the Managed Instances emulator its own /var/task")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		Missing(t, "unshare (util-linux)")
	}
	if err := os.MkdirAll("/var/task", 0o755); err != nil {
		t.Fatal(err)
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n127.0.0.1 sandbox.localdomain\n::1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port, apiPort := FreePort(t), FreePort(t)
	base := []string{
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=fake-secret", "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_LAMBDA_FUNCTION_NAME=test-function",
		"AWS_LAMBDA_MAX_CONCURRENCY=" + strconv.Itoa(concurrency),
	}
	script := `mount --bind "$0" /var/task && mount --bind "$1" /etc/hosts && shift && exec "$@"`
	p := Start(t, append(base, env...), unshare, "-m", "sh", "-c", script, filepath.Dir(bootstrap), hosts,
		rie, "--runtime-interface-emulator-address", Addr(port), "--runtime-api-address", Addr(apiPort), "--log-level", "info")
	WaitTCP(t, p, Addr(port), 10*time.Second)
	return newEmulator(p, port, true)
}

// Invoke sends one invocation with the given request id and returns the
// emulator's status code and response body.
func (e *Emulator) Invoke(t testing.TB, requestID string, payload []byte) (int, []byte) {
	t.Helper()
	return e.InvokeWithHeader(t, requestID, payload, nil)
}

// InvokeWithHeader is Invoke with request headers of the caller's (an
// X-Amzn-Trace-Id). The Managed Instances mode is invoked concurrently,
// and a call it refuses while every runtime is busy (or the function is
// still initialising) is tried again.
func (e *Emulator) InvokeWithHeader(t testing.TB, requestID string, payload []byte, h http.Header) (int, []byte) {
	t.Helper()
	if !e.managed {
		e.mu.Lock()
		defer e.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range h {
			req.Header[k] = vs
		}
		req.Header.Set("X-Amzn-RequestId", requestID)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("invoke %s: %v", requestID, err)
			return 0, nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Errorf("invoke %s: read: %v", requestID, err)
			return 0, nil
		}
		if e.managed && resp.StatusCode == http.StatusBadRequest && (bytes.Contains(body, []byte("no idle")) || bytes.Contains(body, []byte("Runtime.Unavailable"))) && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if gateCanceled(resp.StatusCode, body) && ctx.Err() == nil {
			t.Logf("invoke %s: the emulator failed it before starting the function (%s): invoking it again", requestID, body)
			continue
		}
		return resp.StatusCode, body
	}
}

// gateCanceled reports whether the emulator answered an invocation with
// its own failure, ErrGateCanceled: its standard mode sometimes cancels the
// first invocation after resetting a sandbox that timed out, before
// starting the function again ("INIT START", no runtime, then "Invoke
// failed error=ErrGateCanceled"). The function never ran, so nothing of
// it is lost; a caller would invoke again, as Invoke does.
func gateCanceled(status int, body []byte) bool {
	return status == http.StatusBadGateway && bytes.Contains(body, []byte(`"Sandbox.Failure"`)) && bytes.Contains(body, []byte("ErrGateCanceled"))
}

// WaitOutput waits until the emulator's output matches re, and fails the
// test after timeout.
func (e *Emulator) WaitOutput(t testing.TB, re *regexp.Regexp, timeout time.Duration) {
	t.Helper()
	e.WaitOutputFrom(t, 0, re, timeout)
}

// WaitOutputFrom is WaitOutput reading only what the emulator printed from
// byte off of its output on (an earlier Output.Len()): matching all of a
// long run's output again every few milliseconds, as WaitOutput does, can
// take longer than the wait under the race detector.
func (e *Emulator) WaitOutputFrom(t testing.TB, off int, re *regexp.Regexp, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if re.MatchString(e.Proc.Output.Since(off)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator output (from byte %d) never matched %s", off, re)
		}
		time.Sleep(10 * time.Millisecond)
	}
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
