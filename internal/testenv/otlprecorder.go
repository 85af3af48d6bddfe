package testenv

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

// ExportRecorder is a pass-through proxy in front of an OTLP/HTTP receiver
// (the collector) that keeps when each export request arrived and its body,
// so a test can tell when an invocation's spans were exported. A home-made
// listener, the last resort: the collector does not say when it received
// what.
type ExportRecorder struct {
	// Endpoint is the base URL to give exporters instead of the
	// collector's (OTEL_EXPORTER_OTLP_ENDPOINT); send uncompressed bodies.
	Endpoint string

	mu      sync.Mutex
	exports []Export
}

// Export is one export request.
type Export struct {
	At   time.Time
	Body []byte
}

// StartExportRecorder forwards to upstream (a base URL) until the test ends.
func StartExportRecorder(t testing.TB, upstream string) *ExportRecorder {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &ExportRecorder{Endpoint: "http://" + l.Addr().String()}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.exports = append(r.exports, Export{At: at, Body: body})
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, req)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

// Exports returns the export requests received so far.
func (r *ExportRecorder) Exports() []Export {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Export(nil), r.exports...)
}

// FirstWith returns when the first export whose body holds s arrived, and
// how many exports held it.
func (r *ExportRecorder) FirstWith(s string) (time.Time, int) {
	var first time.Time
	n := 0
	for _, e := range r.Exports() {
		if bytes.Contains(e.Body, []byte(s)) {
			if n == 0 {
				first = e.At
			}
			n++
		}
	}
	return first, n
}
