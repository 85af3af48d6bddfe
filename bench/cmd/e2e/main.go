// Command e2e runs bench/e2efn bare and wrapped by lambdaobs, each under its
// own AWS Lambda Runtime Interface Emulator on 127.0.0.1, and times N
// sequential invocations of each, alternating between the two so both see
// the same machine. It writes p50/p99 latencies as JSON.
//
// The traced table times what a caller waits for when the function is
// traced: bare, bare beside an idle internal extension, and traced over
// OTLP/HTTP to an endpoint that answers at once and to one that answers
// after 20 ms. The emulator's standard mode answers its own caller only
// after every extension is done, so these are timed at the Runtime API, by
// a pass-through proxy: from the runtime receiving the invocation to the
// post of its result being answered.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/testenv"
)

// Result is one mode's latencies.
type Result struct {
	Mode  string  `json:"mode"`
	N     int     `json:"n"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
}

// Output is what the command writes.
type Output struct {
	Client []Result `json:"client"` // bare and lambdaobs, client-side
	Traced []Result `json:"traced"` // response path at the Runtime API
}

func main() {
	n := flag.Int("n", 1000, "invocations per mode")
	tracedN := flag.Int("traced-n", 400, "invocations per mode of the traced table")
	rie := flag.String("rie", "../.tools/bin/aws-lambda-rie", "the emulator binary")
	out := flag.String("o", "", "write JSON here (default stdout)")
	flag.Parse()

	dir, err := os.MkdirTemp("", "e2e")
	check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-o", bin, "./e2efn")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		check(fmt.Errorf("build: %v\n%s", err, b))
	}

	modes := []string{"bare", "lambdaobs"}
	urls := map[string]string{}
	for _, m := range modes {
		port, api := freePort(), freePort()
		cmd := exec.Command(*rie, "--runtime-interface-emulator-address", addr(port), "--runtime-api-address", addr(api), bin)
		cmd.Env = append(os.Environ(), "E2E_MODE="+m, "LAMBDAOBS_DISABLE_SIGTERM=true", "AWS_LAMBDA_FUNCTION_TIMEOUT=10",
			"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		check(cmd.Start())
		defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }()
		waitTCP(addr(port))
		urls[m] = "http://" + addr(port) + "/2015-03-31/functions/function/invocations"
	}
	payload := []byte(`{"id":"ord-1001","items":3,"total":59.9}`)
	client := &http.Client{Timeout: 30 * time.Second}
	lat := map[string][]float64{}
	for i := 0; i < *n+50; i++ {
		for _, m := range modes {
			start := time.Now()
			req, _ := http.NewRequest(http.MethodPost, urls[m], bytes.NewReader(payload))
			req.Header.Set("X-Amzn-RequestId", "e2e-"+m+"-"+strconv.Itoa(i))
			resp, err := client.Do(req)
			check(err)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				check(fmt.Errorf("%s: status %d", m, resp.StatusCode))
			}
			if i >= 50 { // the first invocations include the init and warm-up
				lat[m] = append(lat[m], float64(time.Since(start).Microseconds())/1e3)
			}
		}
	}
	var results Output
	for _, m := range modes {
		r := percentiles(m, lat[m])
		results.Client = append(results.Client, r)
		fmt.Fprintf(os.Stderr, "e2e %-10s p50 %.3f ms  p99 %.3f ms\n", m, r.P50MS, r.P99MS)
	}
	results.Traced = traced(*rie, bin, *tracedN)
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		check(err)
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	check(enc.Encode(results))
}

// percentiles returns the p50 and p99 of latencies in milliseconds.
func percentiles(mode string, v []float64) Result {
	sort.Float64s(v)
	return Result{Mode: mode, N: len(v), P50MS: v[len(v)/2], P99MS: v[len(v)*99/100]}
}

// traced times the response path of each traced mode at the Runtime API,
// n invocations each, alternating.
func traced(rie, bin string, n int) []Result {
	fast := otlpSink(0)
	defer fast.Close()
	slow := otlpSink(20 * time.Millisecond)
	defer slow.Close()
	type mode struct {
		name string
		env  []string
	}
	modes := []mode{
		{"bare", []string{"E2E_MODE=bare"}},
		{"idle extension", []string{"E2E_MODE=idle_ext"}},
		{"traced, OTLP answers at once", []string{"E2E_MODE=traced", "OTEL_EXPORTER_OTLP_ENDPOINT=" + fast.URL}},
		{"traced, OTLP answers after 20 ms", []string{"E2E_MODE=traced", "OTEL_EXPORTER_OTLP_ENDPOINT=" + slow.URL}},
	}
	urls := make([]string, len(modes))
	proxies := make([]*testenv.RuntimeAPIProxy, len(modes))
	dir, err := os.MkdirTemp("", "e2e-traced")
	check(err)
	defer os.RemoveAll(dir)
	for i, m := range modes {
		port, api := freePort(), freePort()
		p, err := testenv.NewRuntimeAPIProxy(addr(api))
		check(err)
		defer p.Close()
		proxies[i] = p
		modeDir := filepath.Join(dir, strconv.Itoa(i))
		check(os.Mkdir(modeDir, 0o755))
		script, err := p.Script(modeDir, bin)
		check(err)
		cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr(port), "--runtime-api-address", addr(api), script)
		cmd.Env = append(append(os.Environ(), m.env...), "AWS_LAMBDA_FUNCTION_TIMEOUT=10", "LAMBDAOBS_USAGE_METRICS=0",
			"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		check(cmd.Start())
		defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }()
		waitTCP(addr(port))
		urls[i] = "http://" + addr(port) + "/2015-03-31/functions/function/invocations"
	}
	payload := []byte(`{"id":"ord-1001","items":3,"total":59.9}`)
	client := &http.Client{Timeout: 30 * time.Second}
	const warm = 50
	for i := 0; i < n+warm; i++ {
		for j := range modes {
			req, _ := http.NewRequest(http.MethodPost, urls[j], bytes.NewReader(payload))
			req.Header.Set("X-Amzn-RequestId", fmt.Sprintf("t%d-%05d", j, i))
			resp, err := client.Do(req)
			check(err)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				check(fmt.Errorf("%s: status %d", modes[j].name, resp.StatusCode))
			}
		}
	}
	var out []Result
	for j, m := range modes {
		var v []float64
		for id, d := range proxies[j].ResponseLatency() {
			var k int
			if _, err := fmt.Sscanf(id, "t%d-%d", new(int), &k); err == nil && k >= warm {
				v = append(v, float64(d.Microseconds())/1e3)
			}
		}
		if len(v) == 0 {
			check(fmt.Errorf("%s: no response timed at the Runtime API", m.name))
		}
		r := percentiles(m.name, v)
		out = append(out, r)
		fmt.Fprintf(os.Stderr, "e2e traced %-34s p50 %.3f ms  p99 %.3f ms\n", m.name, r.P50MS, r.P99MS)
	}
	return out
}

// otlpSink is an OTLP/HTTP endpoint that answers every export with 200
// after delay (a stand-in for a collector layer, or for X-Ray's OTLP
// endpoint across the network).
func otlpSink(delay time.Duration) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitTCP(a string) {
	for i := 0; i < 500; i++ {
		if c, err := net.Dial("tcp", a); err == nil {
			c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	check(fmt.Errorf("emulator not listening on %s", a))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
}
