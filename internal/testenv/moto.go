package testenv

import (
	"context"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// StartMoto starts moto's server (moto_server, which emulates SSM Parameter
// Store, Secrets Manager and other AWS services) on 127.0.0.1 and returns
// its endpoint URL once it answers HTTP. It is stopped by PID when t ends.
// moto is a Python package that cannot be installed here:
// scripts/services/moto.sh only checks that moto_server is on PATH.
func StartMoto(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		Missing(t, "moto_server (moto[server] 5.2.1, in the machine image's Python; scripts/services/moto.sh checks for it)")
	}
	port := FreePort(t)
	p := Start(t, nil, bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	url := "http://" + Addr(port)
	WaitTCP(t, p, Addr(port), 30*time.Second)
	waitHTTP(t, p, url+"/moto-api/data.json", 30*time.Second)
	return url
}

// waitHTTP waits until url answers 200.
func waitHTTP(t testing.TB, p *Process, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.Exited() {
			t.Fatalf("process exited before answering %s:\n%s", url, p.Output.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				cancel()
				return
			}
		}
		cancel()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within %v", url, timeout)
}
