// Command e2e runs bench/e2efn bare and wrapped by lambdaobs, each under its
// own AWS Lambda Runtime Interface Emulator on 127.0.0.1, and times N
// sequential invocations of each, alternating between the two so both see
// the same machine. It writes p50/p99 latencies as JSON.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"
)

// Result is one mode's latencies.
type Result struct {
	Mode  string  `json:"mode"`
	N     int     `json:"n"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
}

func main() {
	n := flag.Int("n", 1000, "invocations per mode")
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
	var results []Result
	for _, m := range modes {
		v := lat[m]
		sort.Float64s(v)
		r := Result{Mode: m, N: len(v), P50MS: v[len(v)/2], P99MS: v[len(v)*99/100]}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "e2e %-10s p50 %.3f ms  p99 %.3f ms\n", m, r.P50MS, r.P99MS)
	}
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
