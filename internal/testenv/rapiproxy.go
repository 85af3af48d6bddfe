package testenv

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// RuntimeAPIProxy is a pass-through proxy between a function and the
// Runtime API of the emulator, which timestamps what a caller's wait is
// made of: when the runtime receives an invocation (the answer to its
// "invocation/next") and when its result has been posted. It is a
// home-made listener, the last resort: the emulator's standard mode
// answers its own caller only after every extension is done, so only the
// Runtime API shows the wait a real caller has. The Extensions API calls
// go through it too.
type RuntimeAPIProxy struct {
	Addr string // host:port, as AWS_LAMBDA_RUNTIME_API takes it

	srv    *http.Server
	mu     sync.Mutex
	events []RuntimeEvent
}

// RuntimeEvent is one moment the proxy saw.
type RuntimeEvent struct {
	Kind      string // "next" (the runtime got an invocation), "response", "error", "extension" (an extension got an event)
	RequestID string // for next, response and error
	At        time.Time
}

// StartRuntimeAPIProxy listens on 127.0.0.1 and forwards to upstream
// (host:port) until the test ends.
func StartRuntimeAPIProxy(t testing.TB, upstream string) *RuntimeAPIProxy {
	t.Helper()
	p, err := NewRuntimeAPIProxy(upstream)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// NewRuntimeAPIProxy is StartRuntimeAPIProxy for a program (the benchmark
// harness): it runs until Close.
func NewRuntimeAPIProxy(upstream string) (*RuntimeAPIProxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &RuntimeAPIProxy{Addr: l.Addr().String()}
	target := &url.URL{Scheme: "http", Host: upstream}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 16}
	rp.ErrorLog = log.New(io.Discard, "", 0) // a function killed mid-call is expected
	rp.ModifyResponse = func(resp *http.Response) error {
		path := resp.Request.URL.Path
		now := time.Now()
		switch {
		case strings.HasSuffix(path, "/runtime/invocation/next"):
			p.record("next", resp.Header.Get("Lambda-Runtime-Aws-Request-Id"), now)
		case strings.HasSuffix(path, "/response"), strings.HasSuffix(path, "/error"):
			parts := strings.Split(path, "/")
			p.record(parts[len(parts)-1], parts[len(parts)-2], now)
		case strings.HasSuffix(path, "/extension/event/next"):
			p.record("extension", "", now)
		}
		return nil
	}
	p.srv = &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(l) }()
	return p, nil
}

// Close stops the proxy.
func (p *RuntimeAPIProxy) Close() error { return p.srv.Close() }

// Script writes an executable next to dir that starts bootstrap with
// AWS_LAMBDA_RUNTIME_API pointing at the proxy, and returns its path: give
// it to the emulator in place of bootstrap.
func (p *RuntimeAPIProxy) Script(dir, bootstrap string) (string, error) {
	script := filepath.Join(dir, "bootstrap-behind-proxy")
	body := "#!/bin/sh\nAWS_LAMBDA_RUNTIME_API=" + p.Addr + " exec " + bootstrap + "\n"
	return script, os.WriteFile(script, []byte(body), 0o755)
}

func (p *RuntimeAPIProxy) record(kind, id string, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, RuntimeEvent{Kind: kind, RequestID: id, At: at})
}

// Events returns what the proxy saw so far, in order.
func (p *RuntimeAPIProxy) Events() []RuntimeEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]RuntimeEvent(nil), p.events...)
}

// ResponseLatency returns, for each invocation whose result was posted, the
// time from the runtime receiving it to the post being answered: what a
// caller of the function waits for, less the network.
func (p *RuntimeAPIProxy) ResponseLatency() map[string]time.Duration {
	start := map[string]time.Time{}
	out := map[string]time.Duration{}
	for _, e := range p.Events() {
		switch e.Kind {
		case "next":
			start[e.RequestID] = e.At
		case "response", "error":
			if s, ok := start[e.RequestID]; ok {
				out[e.RequestID] = e.At.Sub(s)
			}
		}
	}
	return out
}

// StartEmulatorBehindProxy is StartEmulator with a RuntimeAPIProxy between
// the function and the emulator's Runtime API: the function is started by
// a script that points AWS_LAMBDA_RUNTIME_API at the proxy.
func StartEmulatorBehindProxy(t testing.TB, bootstrap string, env ...string) (*Emulator, *RuntimeAPIProxy) {
	t.Helper()
	apiPort := FreePort(t)
	proxy := StartRuntimeAPIProxy(t, Addr(apiPort))
	script, err := proxy.Script(t.TempDir(), bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	return startEmulator(t, script, apiPort, env...), proxy
}
