package otlp_test

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/internal/otlphttp"
	"github.com/lambdaobs/lambdaobs/tracing/oteltracing/otlp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func env(m map[string]string) otlp.Option {
	return otlp.WithLookupEnv(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

func spans(names ...string) []tracetest.SpanStub {
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	var out []tracetest.SpanStub
	for i, n := range names {
		sid := trace.SpanID{0, 0, 0, 0, 0, 0, 0, byte(i + 1)}
		out = append(out, tracetest.SpanStub{Name: n, SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})})
	}
	return out
}

// server is an OTLP/HTTP receiver keeping what it gets.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	reqs     []*collpb.ExportTraceServiceRequest
	headers  []http.Header
	statuses []int // answered in turn; then 200
}

func newServer(t *testing.T, statuses ...int) *server {
	s := &server{statuses: statuses}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.headers = append(s.headers, r.Header.Clone())
		if len(s.statuses) > 0 {
			code := s.statuses[0]
			s.statuses = s.statuses[1:]
			w.WriteHeader(code)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Error(err)
				return
			}
			body = zr
		}
		b, _ := io.ReadAll(body)
		var req collpb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			t.Errorf("body does not decode: %v", err)
		}
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("request %s %s", r.URL.Path, r.Header.Get("Content-Type"))
		}
		s.reqs = append(s.reqs, &req)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.reqs {
		for _, rs := range r.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					out = append(out, sp.Name)
				}
			}
		}
	}
	return out
}

func export(t *testing.T, e *otlp.Exporter, names ...string) error {
	t.Helper()
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e.ExportSpans(context.Background(), tracetest.SpanStubs(spans(names...)).Snapshots())
}

func TestExport(t *testing.T) {
	srv := newServer(t)
	e, err := otlp.New(env(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":    srv.URL + "/",
		"OTEL_EXPORTER_OTLP_HEADERS":     "x-api-key=s%20ecret,x-other=1",
		"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
	}), otlp.WithHeaders(map[string]string{"x-other": "2"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := export(t, e, "a", "b"); err != nil {
		t.Fatal(err)
	}
	if got := srv.names(); strings.Join(got, ",") != "a,b" {
		t.Errorf("received %v", got)
	}
	h := srv.headers[0]
	if h.Get("X-Api-Key") != "s ecret" || h.Get("X-Other") != "2" || h.Get("Content-Encoding") != "gzip" {
		t.Errorf("headers %v", h)
	}
}

func TestCompression(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []otlp.Option
		want string
	}{
		{name: "default", want: ""},
		{name: "WithGzip", opts: []otlp.Option{otlp.WithGzip()}, want: "gzip"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			e, err := otlp.New(append([]otlp.Option{env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			if err := export(t, e, "a"); err != nil {
				t.Fatal(err)
			}
			if got := srv.headers[0].Get("Content-Encoding"); got != tt.want || strings.Join(srv.names(), ",") != "a" {
				t.Errorf("Content-Encoding %q, want %q; received %v", got, tt.want, srv.names())
			}
		})
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		opts    []otlp.Option
		want    string
		wantErr string
	}{
		{name: "default", want: "http://127.0.0.1:4318/v1/traces"},
		{name: "base", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, want: "http://collector:4318/v1/traces"},
		{name: "signal wins", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://b/custom"}, want: "https://b/custom"},
		{name: "option wins", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://b/custom"}, opts: []otlp.Option{otlp.WithEndpointURL("http://c/v1/traces")}, want: "http://c/v1/traces"},
		{name: "grpc", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, wantErr: "only http/protobuf"},
		{name: "http/protobuf", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, want: "http://127.0.0.1:4318/v1/traces"},
		{name: "bad endpoint", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "127.0.0.1:4318"}, wantErr: "not an http(s) URL"},
		{name: "bad option endpoint", opts: []otlp.Option{otlp.WithEndpointURL("ftp://x")}, wantErr: "not an http(s) URL"},
		{name: "bad timeout", env: map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, wantErr: "milliseconds"},
		{name: "bad compression", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, wantErr: "gzip or none"},
		{name: "bad headers", env: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "novalue"}, wantErr: "malformed headers"},
		{name: "password in a bad endpoint", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://ann:pa55-w0rd@collector"}, wantErr: `"ftp://ann:xxxxx@collector/v1/traces" is not an http(s) URL`},
		{name: "password in a bad option endpoint", opts: []otlp.Option{otlp.WithEndpointURL("ftp://ann:pa55-w0rd@collector")}, wantErr: `"ftp://ann:xxxxx@collector" is not an http(s) URL`},
		{name: "unparsable endpoint", opts: []otlp.Option{otlp.WithEndpointURL("http://ann:pa55-w0rd@[::1")}, wantErr: "otlp: endpoint is not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := otlp.New(append([]otlp.Option{env(tt.env)}, tt.opts...)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "pa55-w0rd") {
					t.Errorf("the error quotes the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.EndpointURL() != tt.want {
				t.Errorf("endpoint %q, want %q", e.EndpointURL(), tt.want)
			}
		})
	}
}

// A malformed OTEL_EXPORTER_OTLP_HEADERS is an error naming the entry and
// its key, never its value: header values are credentials.
func TestHeaderErrorsHoldNoValue(t *testing.T) {
	const token = "Bearer%zzsk-live-0123456789"
	tests := []struct {
		name    string
		headers string
		wantErr string
	}{
		{name: "bad escape", headers: "x-ok=1,authorization=" + token, wantErr: `entry 2: the value of "authorization" is not percent-encoded`},
		{name: "no equals", headers: token, wantErr: "entry 1: no '='"},
		{name: "no key", headers: "x-ok=1, =" + token, wantErr: "entry 2: no key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := otlp.New(env(map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": tt.headers}))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "sk-live") {
				t.Errorf("the error quotes the value: %v", err)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	srv := newServer(t, http.StatusServiceUnavailable, http.StatusTooManyRequests)
	e, err := otlp.New(env(nil), otlp.WithEndpointURL(srv.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	if err := export(t, e, "a"); err != nil {
		t.Fatalf("not retried: %v", err)
	}
	if len(srv.headers) != 3 || len(srv.names()) != 1 {
		t.Errorf("%d requests, %v received", len(srv.headers), srv.names())
	}
}

func TestNoRetryOnBadRequest(t *testing.T) {
	srv := newServer(t, http.StatusBadRequest)
	e, _ := otlp.New(env(nil), otlp.WithEndpointURL(srv.URL+"/v1/traces"))
	err := export(t, e, "a")
	var se *otlphttp.StatusError
	if !errors.As(err, &se) || se.Code != 400 {
		t.Fatalf("err = %v, want HTTP 400", err)
	}
	if len(srv.headers) != 1 {
		t.Errorf("%d requests: a 400 is not retried", len(srv.headers))
	}
}

func TestPartialSuccess(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := proto.Marshal(&collpb.ExportTraceServiceResponse{PartialSuccess: &collpb.ExportTracePartialSuccess{RejectedSpans: 1, ErrorMessage: "span too old"}})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	e, _ := otlp.New(env(nil), otlp.WithEndpointURL(srv.URL+"/v1/traces"))
	if err := export(t, e, "a"); err == nil || !strings.Contains(err.Error(), "span too old") {
		t.Errorf("err = %v, want the partial success message", err)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	e, _ := otlp.New(env(map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "50"}), otlp.WithEndpointURL(srv.URL+"/v1/traces"))
	start := time.Now()
	if err := export(t, e, "a"); err == nil {
		t.Fatal("no error from a server that never answers")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("export took %v with a 50 ms timeout", d)
	}
}

func TestShutdown(t *testing.T) {
	srv := newServer(t)
	e, _ := otlp.New(env(nil), otlp.WithEndpointURL(srv.URL+"/v1/traces"))
	_ = e.Shutdown(context.Background())
	if err := e.ExportSpans(context.Background(), tracetest.SpanStubs(spans("a")).Snapshots()); err == nil {
		t.Error("export after Shutdown succeeded")
	}
	if err := e.ExportSpans(context.Background(), nil); err == nil {
		t.Error("export after Shutdown succeeded")
	}
}

// A client whose Transport is a nil pointer is rejected by New; a nil
// *Exporter (what New returned with its error) fails its exports instead of
// panicking.
func TestNilPointers(t *testing.T) {
	var tr *http.Transport
	if _, err := otlp.New(env(nil), otlp.WithHTTPClient(&http.Client{Transport: tr})); err == nil || !strings.Contains(err.Error(), "nil *http.Transport") {
		t.Errorf("New with a nil transport = %v", err)
	}
	var opt otlp.Option
	if _, err := otlp.New(env(nil), opt); err != nil {
		t.Errorf("New with a nil option = %v", err)
	}
	var e *otlp.Exporter
	if err := e.ExportSpans(context.Background(), nil); err == nil {
		t.Error("a nil exporter exported")
	}
	if e.EndpointURL() != "" || e.Shutdown(context.Background()) != nil {
		t.Error("nil exporter")
	}
}

type panicTransport struct{}

func (panicTransport) RoundTrip(*http.Request) (*http.Response, error) { panic("transport bug") }

// A transport that panics makes the export fail, not the caller.
func TestTransportPanicIsAnError(t *testing.T) {
	e, err := otlp.New(env(nil), otlp.WithHTTPClient(&http.Client{Transport: panicTransport{}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := export(t, e, "a"); err == nil || !strings.Contains(err.Error(), "panic: transport bug") {
		t.Errorf("ExportSpans = %v", err)
	}
}
